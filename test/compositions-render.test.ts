import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { catalogFiles } from "../compositions/catalog/index.ts";
import { isRecord } from "../compositions/cel-types.ts";
import { compositionControllerFactory } from "../compositions/controller/index.ts";
import { contains } from "../compositions/controller/instances.ts";
import { managedKinds } from "../providers/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { installComposeCrds } from "./harness/compose.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";

// `terraplane render` (offline) and the controller (in the cluster) are one renderer: for each
// catalog example, the manifests the CLI prints are what the controller server-side applies —
// the same composed resources, specs, labels and owner — and what the CLI says waits, waits.

type Obj = Record<string, unknown>;
const run = promisify(execFile);
const WAIT = { timeout: 60_000, interval: 500 };

async function getJson(args: string[]): Promise<Obj | undefined> {
  const r = await kubectl(["get", ...args, "-o", "json", "--show-managed-fields"]);
  if (r.code !== 0) return undefined;
  const parsed: unknown = JSON.parse(r.stdout);
  return isRecord(parsed) ? parsed : undefined;
}

/** The spec.forProvider fields the composition controller's field manager owns. */
function ownedForProvider(obj: Obj | undefined): string[] {
  const meta = isRecord(obj?.metadata) ? obj.metadata : {};
  const fields: unknown[] = Array.isArray(meta.managedFields) ? meta.managedFields : [];
  const ours = fields.find((f) => isRecord(f) && f.manager === "terraplane-compose" && f.operation === "Apply");
  const f = isRecord(ours) && isRecord(ours.fieldsV1) && isRecord(ours.fieldsV1["f:spec"]) && isRecord(ours.fieldsV1["f:spec"]["f:forProvider"]) ? ours.fieldsV1["f:spec"]["f:forProvider"] : {};
  return Object.keys(f).filter((k) => k.startsWith("f:")).map((k) => k.slice(2)).sort();
}

describe("terraplane render equals what the controller creates, for the catalog", () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let manager: Manager;
  beforeAll(async () => {
    await installComposeCrds();
    await kubectlOk(["apply", "--server-side", "--force-conflicts", "--field-manager=terraplane-tests", ...catalogFiles().flatMap((f) => ["-f", f])]);
    ns = await testNamespace("wsrender");
    const kc = kubeConfig();
    // Only the composition controller: composed resources are created and left as they are (no cloud).
    const controllers = [compositionControllerFactory({ kc, kinds: managedKinds().map((k) => k.managed) })];
    manager = new Manager({ kc, kinds: [], controllers, log: nopLogger, namespace: ns.name, concurrency: 4, pollIntervalMs: 2_000 });
    await manager.start();
  });
  afterAll(async () => {
    await kubectl(["delete", "webstacks.platform.terraplane.dev", "--all", "-n", ns.name, "--wait=true", "--timeout=30s"]);
    await manager.stop(2_000);
    for (const kind of ["databases", "loadbalancers", "cdns"]) for (const cloud of ["aws", "gcp"]) await kubectl(["patch", `${kind}.${cloud}.terraplane.dev`, "--all", "-n", ns.name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    await ns.cleanup();
  });

  for (const example of ["webstack-aws.composite.yaml", "webstack-gcp.composite.yaml"]) {
    it(`examples/compositions/${example}`, async () => {
      const source: unknown = parse(readFileSync(join(repoRoot, "examples", "compositions", example), "utf8"));
      if (!isRecord(source) || !isRecord(source.metadata)) throw new Error("example is not an object");
      const instance = { ...source, metadata: { ...source.metadata, namespace: ns.name } };
      const dir = mkdtempSync(join(tmpdir(), "tp-render-"));
      writeFileSync(join(dir, example), stringify(instance));
      const { stdout } = await run(join(repoRoot, "bin", "terraplane"), ["render", join(dir, example)], { cwd: repoRoot });
      const docs = parseAllDocuments(stdout).map((d): unknown => {
        const value: unknown = d.toJS();
        return value;
      });
      const rendered = docs.filter((d): d is Obj => isRecord(d) && typeof d.apiVersion === "string" && /\.terraplane\.dev\//.test(d.apiVersion) && d.kind !== "WebStack");
      expect(rendered.map((m) => m.kind)).toEqual(["Database", "LoadBalancer"]); // the CDN waits for the load balancer's status
      await kubectlOk(["apply", "-f", join(dir, example)]);
      for (const manifest of rendered) {
        const meta = isRecord(manifest.metadata) ? manifest.metadata : {};
        const group = String(manifest.apiVersion).split("/")[0] ?? "";
        const resource = `${String(manifest.kind).toLowerCase()}s.${group}`;
        await expect.poll(async () => (await getJson([resource, String(meta.name), "-n", ns.name])) !== undefined, WAIT).toBe(true);
        const created = await getJson([resource, String(meta.name), "-n", ns.name]);
        const cmeta = isRecord(created?.metadata) ? created.metadata : {};
        const spec = isRecord(manifest.spec) ? manifest.spec : {};
        // Everything rendered is there, and the controller owns exactly the fields rendered.
        expect(contains(created?.spec, spec), `${String(manifest.kind)} spec`).toBe(true);
        expect(ownedForProvider(created)).toEqual(Object.keys(isRecord(spec.forProvider) ? spec.forProvider : {}).sort());
        expect(cmeta.labels).toEqual(meta.labels);
        const owners: unknown[] = Array.isArray(cmeta.ownerReferences) ? cmeta.ownerReferences : [];
        expect(owners).toEqual([expect.objectContaining({ apiVersion: "platform.terraplane.dev/v1alpha1", kind: "WebStack", name: String(source.metadata.name), controller: true })]);
      }
      // And nothing else was composed.
      const cdn = await getJson([`cdns.${String(rendered[0]?.apiVersion).split("/")[0] ?? ""}`, `${String(source.metadata.name)}-cdn`, "-n", ns.name]);
      expect(cdn).toBeUndefined();
    });
  }
});
