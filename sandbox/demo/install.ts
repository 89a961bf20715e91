import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";
import { z } from "zod";
import { FIELD_MANAGER } from "../../core/kube/managed-client.ts";
import { serverSideApply } from "../../core/kube/raw-apply.ts";
import { catalogFiles } from "../../compositions/catalog/index.ts";
import { allCrds } from "../../providers/index.ts";
import { waitUntil } from "../launcher/health.ts";
import { repoRoot } from "../launcher/paths.ts";
import { kubectlOk } from "./kubectl.ts";

export const SYSTEM_NAMESPACE = "terraplane-system";
export const SERVICE_ACCOUNT = "terraplane";
/** The controller's token outlives any demo session; `make sandbox` mints a new one each time it starts. */
const TOKEN_DURATION = "168h";

/** The CRDs as the sources generate them (what `terraplane crds --apply` does), once the API server serves them. */
export async function installCrds(kc: KubeConfig): Promise<number> {
  const crds = allCrds();
  for (const crd of crds) {
    await serverSideApply(kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd, FIELD_MANAGER);
  }
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const established = async (name: string): Promise<boolean> =>
    (await api.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
  for (const crd of crds) await waitUntil(() => established(crd.metadata.name), { what: `CRD ${crd.metadata.name}`, timeoutMs: 60_000 });
  return crds.length;
}

const Kinded = z.looseObject({ kind: z.string() });

/**
 * deploy/controller as `kubectl apply -k` would install it, minus the Deployment and its Service:
 * the Namespace, the ServiceAccount and its least-privilege RBAC. The demo runs the controller itself.
 */
export async function installRbac(adminKubeconfig: string): Promise<string[]> {
  const rendered = await kubectlOk(adminKubeconfig, ["kustomize", join(repoRoot, "deploy", "controller")]);
  const docs = parseAllDocuments(rendered)
    .map((d) => Kinded.parse(d.toJS()))
    .filter((d) => d.kind !== "Deployment" && d.kind !== "Service");
  const out = await kubectlOk(adminKubeconfig, ["apply", "-f", "-"], docs.map((d) => stringify(d)).join("---\n"));
  return out.trim().split("\n");
}

/** A kubeconfig for the same API server that authenticates as the terraplane ServiceAccount. */
export async function serviceAccountKubeconfig(adminKubeconfig: string, file: string): Promise<void> {
  const token = (await kubectlOk(adminKubeconfig, ["create", "token", SERVICE_ACCOUNT, "-n", SYSTEM_NAMESPACE, `--duration=${TOKEN_DURATION}`])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`${adminKubeconfig} has no current cluster`);
  const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString("base64") : undefined);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "sandbox", cluster: { server: cluster.server, ...(ca ? { "certificate-authority-data": ca } : {}) } }],
    users: [{ name: `system:serviceaccount:${SYSTEM_NAMESPACE}:${SERVICE_ACCOUNT}`, user: { token } }],
    contexts: [{ name: "terraplane", context: { cluster: "sandbox", user: `system:serviceaccount:${SYSTEM_NAMESPACE}:${SERVICE_ACCOUNT}` } }],
    "current-context": "terraplane",
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

/** The composition catalog's files (compositions/catalog): CompositeDefinitions and Compositions. */
export async function installCatalog(adminKubeconfig: string): Promise<string[]> {
  const out = await kubectlOk(adminKubeconfig, ["apply", ...catalogFiles().flatMap((f) => ["-f", f])]);
  return out.trim().split("\n");
}

const Definition = z.looseObject({ kind: z.literal("CompositeDefinition"), metadata: z.object({ name: z.string() }) });

/** Waits until the controller serves every catalog definition's abstract kind (its CRD is Established), so instances can be applied. */
export async function waitForCatalogKinds(kc: KubeConfig): Promise<string[]> {
  const names = catalogFiles().flatMap((f) =>
    parseAllDocuments(readFileSync(f, "utf8")).flatMap((d) => {
      const parsed = Definition.safeParse(d.toJS());
      return parsed.success ? [parsed.data.metadata.name] : [];
    }),
  );
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const established = async (name: string): Promise<boolean> => {
    try {
      return (await api.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
    } catch {
      return false;
    }
  };
  for (const name of names) await waitUntil(() => established(name), { what: `CRD ${name} (made by the controller from its CompositeDefinition)`, timeoutMs: 60_000 });
  return names;
}
