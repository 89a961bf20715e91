import { CustomObjectsApi } from "@kubernetes/client-node";
import { inject } from "vitest";
import { crdFor, managedCrd } from "../../core/crd/generate.ts";
import { createLogger, nopLogger } from "../../core/log.ts";
import { Manager } from "../../core/manager.ts";
import type { RegisteredKind } from "../../core/provider.ts";
import { catalogYaml } from "../../compositions/_catalog.ts";
import { compositionControllerFactory } from "../../compositions/controller/index.ts";
import { compositionKinds } from "../../compositions/kinds.ts";
import { isRecord } from "../../compositions/cel-types.ts";
import { awsConfigKinds } from "../../providers/aws/provider-config.ts";
import { gcpConfigKinds } from "../../providers/gcp/provider-config.ts";
import { managedKinds } from "../../providers/index.ts";
import { seededRandom, startFaultProxy } from "../../sandbox/faultproxy/index.ts";
import type { FaultProxy } from "../../sandbox/faultproxy/index.ts";
import { createAwsProviderConfig } from "./aws-provider.ts";
import { createGcpProviderConfig } from "./gcp-provider.ts";
import { gcpEmulatorControl, uniqueProject } from "./gcp.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./kube.ts";
import { applyCrds } from "./managed.ts";

// The scaffold of the composition tests: the managed kinds' and the composition layer's CRDs, the
// catalog's WebStack definition, a namespace with a fault proxy of its own in front of moto and one
// in front of the GCP emulator (a project of its own), ProviderConfigs using them, the catalog's
// compositions copied for this namespace (labelled for it, pointing at its ProviderConfigs), and a
// manager running every managed kind plus the composition controller, watching the namespace.

export const WEBSTACK = { group: "platform.terraplane.dev", version: "v1alpha1", plural: "webstacks" } as const;
export const WEBSTACK_RESOURCE = "webstacks.platform.terraplane.dev";
export const TEST_LABEL = "terraplane.dev/test-env";

export interface ComposeEnvironment {
  readonly ns: string;
  readonly project: string;
  readonly aws: FaultProxy;
  readonly gcp: FaultProxy;
  readonly manager: Manager;
  /** The test's copy of the catalog composition for a cloud. */
  compositionName(cloud: "aws" | "gcp"): string;
  /** Applies a WebStack using this environment's composition for its cloud (compositionRef). */
  applyWebStack(name: string, spec: Record<string, unknown>): Promise<void>;
  getWebStack(name: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export async function installComposeCrds(): Promise<void> {
  const kinds = managedKinds();
  await applyCrds([...kinds.map((k) => managedCrd(k.managed)), ...awsConfigKinds.map(crdFor), ...gcpConfigKinds.map(crdFor), ...compositionKinds.map(crdFor)]);
  await kubectlOk(["apply", "--server-side", "--force-conflicts", "--field-manager=terraplane-tests", "-f", "-"], JSON.stringify(catalogYaml("definition.yaml")));
}

/** The catalog composition for a cloud, for one test namespace: its own name, label, ProviderConfig and project. */
export function testComposition(cloud: "aws" | "gcp", ns: string, project: string, edit: (spec: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const source = catalogYaml(`${cloud}.yaml`);
  if (!isRecord(source) || !isRecord(source.spec) || !isRecord(source.metadata)) throw new Error("catalog composition has no spec");
  const spec = structuredClone(source.spec);
  const providerConfig = cloud === "aws" ? "default-aws" : "default-gcp";
  for (const r of Array.isArray(spec.resources) ? spec.resources : []) {
    if (isRecord(r) && isRecord(r.template) && isRecord(r.template.spec)) r.template.spec.providerConfigRef = { kind: "ProviderConfig", name: providerConfig };
  }
  if (cloud === "gcp" && isRecord(spec.environment)) spec.environment.project = project;
  edit(spec);
  // Without the catalog's cloud label: an instance selecting by cloud alone (the catalog's examples)
  // must find only the catalog's composition, so test instances name theirs (compositionRef).
  return { ...source, metadata: { name: `webstack-${cloud}-${ns}`, labels: { [TEST_LABEL]: ns } }, spec };
}

export async function composeEnvironment(opts: { nsPrefix: string; pollIntervalMs?: number; kinds?: readonly RegisteredKind[] }): Promise<ComposeEnvironment> {
  const namespace = await testNamespace(opts.nsPrefix);
  const ns = namespace.name;
  const sandbox = inject("sandbox");
  const aws = await startFaultProxy({ upstream: sandbox.motoEndpoint, random: seededRandom(7) });
  const gcp = await startFaultProxy({ upstream: sandbox.gcpEmulatorEndpoint, random: seededRandom(8) });
  const project = uniqueProject("tp-ws");
  await gcpEmulatorControl().setConfig({ operationDelayMs: 200 }, project);
  await createAwsProviderConfig(ns, { endpoint: aws.url, region: "us-east-1" });
  await createGcpProviderConfig(ns, project, { endpoint: gcp.url });
  for (const cloud of ["aws", "gcp"] as const) await kubectlOk(["apply", "-f", "-"], JSON.stringify(testComposition(cloud, ns, project)));
  const kinds = opts.kinds ?? managedKinds();
  const kc = kubeConfig();
  const manager = new Manager({
    kc,
    kinds,
    controllers: [compositionControllerFactory({ kc, kinds: kinds.map((k) => k.managed) })],
    log: process.env.COMPOSE_DEBUG ? createLogger("warn") : nopLogger,
    namespace: ns,
    concurrency: 8,
    pollIntervalMs: opts.pollIntervalMs ?? 2_000,
    progressIntervalMs: 500,
  });
  await manager.start();
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    ns,
    project,
    aws,
    gcp,
    manager,
    compositionName: (cloud) => `webstack-${cloud}-${ns}`,
    async applyWebStack(name, spec) {
      const cloud = spec.cloud === "gcp" ? "gcp" : "aws";
      const body = { apiVersion: `${WEBSTACK.group}/${WEBSTACK.version}`, kind: "WebStack", metadata: { name, namespace: ns }, spec: { compositionRef: { name: `webstack-${cloud}-${ns}` }, ...spec } };
      await kubectlOk(["apply", "-f", "-"], JSON.stringify(body));
    },
    async getWebStack(name) {
      try {
        const obj: unknown = await custom.getNamespacedCustomObject({ ...WEBSTACK, namespace: ns, name });
        return isRecord(obj) ? obj : undefined;
      } catch {
        return undefined;
      }
    },
    async close() {
      await kubectl(["delete", WEBSTACK_RESOURCE, "--all", "-n", ns, "--wait=true", "--timeout=90s"]);
      await manager.stop(2_000);
      for (const cloud of ["aws", "gcp"] as const) await kubectl(["delete", "composition", `webstack-${cloud}-${ns}`, "--wait=false"]);
      await aws.close();
      await gcp.close();
      await gcpEmulatorControl().reset(project);
      await namespace.cleanup();
    },
  };
}

/** One condition of an object read from the API. */
export function conditionOf(obj: Record<string, unknown> | undefined, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const status = obj?.status;
  if (!isRecord(status) || !Array.isArray(status.conditions)) return undefined;
  const list: unknown[] = status.conditions;
  const found = list.find((c) => isRecord(c) && c.type === type);
  if (!isRecord(found)) return undefined;
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const [s, reason, message] = [text(found.status), text(found.reason), text(found.message)];
  return { ...(s ? { status: s } : {}), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}
