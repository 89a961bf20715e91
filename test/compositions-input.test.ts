import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml } from "../compositions/_catalog.ts";
import { isRecord } from "../compositions/cel-types.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { composeEnvironment, conditionOf, installComposeCrds, TEST_LABEL, testComposition, WEBSTACK_RESOURCE } from "./harness/compose.ts";
import type { ComposeEnvironment } from "./harness/compose.ts";
import { kubectl, kubectlOk, waitEstablished } from "./harness/kube.ts";
import { uniqueName } from "./harness/names.ts";

// Bad input to the composition layer, through the real API server: compositions the checker
// refuses (before any instance exists, with the same words as `terraplane composition check`),
// instance specs refused at admission, a composed resource the cloud refuses, an expression that
// fails at run time, and a definition change that would break existing instances.

const WAIT = { timeout: 120_000, interval: 500 };
const POLL_MS = 2_000;
const AWS_BACKENDS = ["172.31.10.11", "172.31.20.12"];
type Obj = Record<string, unknown>;

const run = promisify(execFile);
async function terraplane(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(repoRoot, "bin", "terraplane"), args, { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = isRecord(err) ? err : {};
    return { code: typeof e.code === "number" ? e.code : 1, stdout: typeof e.stdout === "string" ? e.stdout : "", stderr: typeof e.stderr === "string" ? e.stderr : "" };
  }
}

async function getJson(args: string[]): Promise<Obj | undefined> {
  const r = await kubectl(["get", ...args, "-o", "json"]);
  if (r.code !== 0) return undefined;
  const parsed: unknown = JSON.parse(r.stdout);
  return isRecord(parsed) ? parsed : undefined;
}

function statusOf(obj: Obj | undefined): Obj {
  return isRecord(obj?.status) ? obj.status : {};
}

/** Edits the template of resource `id` of a composition spec. */
function editTemplate(spec: Obj, id: string, edit: (template: Obj) => void): void {
  const list: unknown[] = Array.isArray(spec.resources) ? spec.resources : [];
  const r = list.find((x) => isRecord(x) && x.id === id);
  if (isRecord(r) && isRecord(r.template)) edit(r.template);
}

function forProvider(template: Obj): Obj {
  return isRecord(template.spec) && isRecord(template.spec.forProvider) ? template.spec.forProvider : {};
}

describe("bad input to compositions", () => {
  let env: ComposeEnvironment;
  beforeAll(async () => {
    await installComposeCrds();
    env = await composeEnvironment({ nsPrefix: "wsbad", pollIntervalMs: POLL_MS });
  });
  afterAll(async () => {
    for (const n of ["broken", "refused", "runtime"]) await kubectl(["delete", "composition", `${n}-${env.ns}`, "--wait=false"]);
    await env?.close();
  });

  it("refuses a composition with a type error, an unknown field and a reference cycle (Accepted=False, path and message), with the words of terraplane composition check", async () => {
    const name = `broken-${env.ns}`;
    const broken = testComposition("aws", env.ns, env.project, (spec) => {
      editTemplate(spec, "db", (t) => (forProvider(t).allocatedStorage = "${spec.cloud}"));
      editTemplate(spec, "lb", (t) => (forProvider(t).tags = { webstack: "${spec.nosuchfield}", cdn: "${cdn.status.atProvider.id}" }));
    });
    const manifest = { ...broken, metadata: { name, labels: { [TEST_LABEL]: `${env.ns}-broken` } } };
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(manifest));
    await expect.poll(async () => conditionOf(await getJson(["composition", name]), "Accepted")?.status, WAIT).toBe("False");
    const status = statusOf(await getJson(["composition", name]));
    const problems = (Array.isArray(status.problems) ? status.problems : []).filter(isRecord);
    const message = String(conditionOf(await getJson(["composition", name]), "Accepted")?.message ?? "");
    console.info(`Accepted=False: ${message}`);
    const summary = problems.map((p) => [p.resource, p.path, p.expression, p.message].map((v) => (typeof v === "string" ? v : "")).join(" | "));
    expect(summary).toEqual([
      "db | spec.forProvider.allocatedStorage | spec.cloud | has type string, but the field takes an integer",
      "lb | spec.forProvider.tags.webstack | spec.nosuchfield | No such key: nosuchfield",
      "lb | template |  | reference cycle: lb → cdn → lb: a resource cannot wait for itself; read the value from the instance or the environment instead",
    ]);
    // The CLI, on the same file, says the same and exits 1.
    const dir = mkdtempSync(join(tmpdir(), "tp-comp-"));
    writeFileSync(join(dir, "definition.yaml"), stringify(catalogYaml("definition.yaml")));
    writeFileSync(join(dir, "broken.yaml"), stringify(manifest));
    const cli = await terraplane("composition", "check", join(dir, "definition.yaml"), join(dir, "broken.yaml"));
    expect(cli.code).toBe(1);
    for (const p of problems) expect(cli.stderr).toContain(String(p.message));
    // An instance selecting it says so; nothing is composed.
    const ws = uniqueName("victim");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "platform.terraplane.dev/v1alpha1", kind: "WebStack", metadata: { name: ws, namespace: env.ns }, spec: { cloud: "aws", backends: AWS_BACKENDS, compositionRef: { name } } }));
    await expect.poll(async () => conditionOf(await env.getWebStack(ws), "Synced")?.reason, WAIT).toBe("CompositionNotAccepted");
    expect(String(conditionOf(await env.getWebStack(ws), "Synced")?.message)).toContain(`composition ${name} is not accepted`);
    expect(await getJson(["databases.aws.terraplane.dev", `${ws}-db`, "-n", env.ns])).toBeUndefined();
  });

  it("refuses invalid instance specs at admission with the rule's message; cloud cannot change", async () => {
    const base = { apiVersion: "platform.terraplane.dev/v1alpha1", kind: "WebStack", metadata: { name: uniqueName("bad"), namespace: env.ns } };
    const azure = await kubectl(["apply", "-f", "-"], JSON.stringify({ ...base, spec: { cloud: "azure", backends: AWS_BACKENDS } }));
    expect(azure.code).not.toBe(0);
    expect(azure.stderr).toMatch(/spec.cloud: Unsupported value: "azure"/);
    const tiny = await kubectl(["apply", "-f", "-"], JSON.stringify({ ...base, spec: { cloud: "aws", backends: AWS_BACKENDS, storageGB: 5 } }));
    expect(tiny.stderr).toMatch(/spec.storageGB: Invalid value: 5: spec.storageGB in body should be greater than or equal to 20/);
    const name = uniqueName("fixed");
    await env.applyWebStack(name, { cloud: "aws", backends: AWS_BACKENDS });
    const move = await kubectl(["patch", `${WEBSTACK_RESOURCE}/${name}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { cloud: "gcp" } })]);
    expect(move.code).not.toBe(0);
    expect(move.stderr).toContain("cloud is immutable: create a new WebStack with the new cloud (and delete this one) instead of changing it");
  });

  it("a composed resource the cloud refuses makes the instance Ready=False naming that resource and the cloud's message; other instances are not affected", async () => {
    const name = `refused-${env.ns}`;
    const refused = testComposition("gcp", env.ns, env.project, (spec) => {
      editTemplate(spec, "cdn", (t) => {
        const origin = forProvider(t).origin;
        if (isRecord(origin) && isRecord(origin.backendService)) origin.backendService.healthCheck = "projects/${env.project}/global/healthChecks/no-such-check";
      });
    });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ ...refused, metadata: { name, labels: { [TEST_LABEL]: `${env.ns}-refused` } } }));
    const ws = uniqueName("refused");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "platform.terraplane.dev/v1alpha1", kind: "WebStack", metadata: { name: ws, namespace: env.ns }, spec: { cloud: "gcp", backends: ["zones/europe-west1-b/instanceGroups/web"], compositionRef: { name } } }));
    const fine = uniqueName("fine");
    await env.applyWebStack(fine, { cloud: "aws", backends: AWS_BACKENDS });
    await expect.poll(async () => String(conditionOf(await env.getWebStack(ws), "Ready")?.message ?? ""), WAIT).toMatch(/^1 of 3 resources not ready: cdn \(CDN .*-cdn\): .*healthChecks\/no-such-check' was not found/);
    const ready = conditionOf(await env.getWebStack(ws), "Ready");
    console.info(`Ready=False: ${String(ready?.message)}`);
    expect(ready?.status).toBe("False");
    await expect.poll(async () => conditionOf(await env.getWebStack(fine), "Ready")?.status, WAIT).toBe("True");
  });

  it("an expression that fails at run time reports the expression and leaves the composed resource as it was", async () => {
    const name = `runtime-${env.ns}`;
    const composition = testComposition("aws", env.ns, env.project, (spec) => {
      editTemplate(spec, "lb", (t) => {
        const tags = forProvider(t).tags;
        if (isRecord(tags)) tags.second = "${spec.backends[1]}";
      });
    });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ ...composition, metadata: { name, labels: { [TEST_LABEL]: `${env.ns}-runtime` } } }));
    await expect.poll(async () => conditionOf(await getJson(["composition", name]), "Accepted")?.status, WAIT).toBe("True");
    const ws = uniqueName("rt");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "platform.terraplane.dev/v1alpha1", kind: "WebStack", metadata: { name: ws, namespace: env.ns }, spec: { cloud: "aws", backends: AWS_BACKENDS, compositionRef: { name } } }));
    await expect.poll(async () => conditionOf(await env.getWebStack(ws), "Ready")?.status, WAIT).toBe("True");
    const lbBefore = await getJson(["loadbalancers.aws.terraplane.dev", `${ws}-lb`, "-n", env.ns]);
    await kubectlOk(["patch", `${WEBSTACK_RESOURCE}/${ws}`, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { backends: [AWS_BACKENDS[0]] } })]);
    await expect.poll(async () => conditionOf(await env.getWebStack(ws), "Synced")?.status, WAIT).toBe("False");
    const synced = conditionOf(await env.getWebStack(ws), "Synced");
    console.info(`Synced=False: ${String(synced?.message)}`);
    expect(String(synced?.message)).toContain("${spec.backends[1]}");
    await sleep(2 * POLL_MS);
    expect((await getJson(["loadbalancers.aws.terraplane.dev", `${ws}-lb`, "-n", env.ns]))?.spec).toEqual(lbBefore?.spec);
  });

  it("refuses a definition change that would break existing instances, keeping the served CRD, unless explicitly allowed", async () => {
    const group = `${uniqueName("brk")}.example.org`;
    const defName = `gadgets.${group}`;
    const definition = (properties: Obj, annotations: Record<string, string> = {}): string =>
      JSON.stringify({
        apiVersion: "compose.terraplane.dev/v1alpha1",
        kind: "CompositeDefinition",
        metadata: { name: defName, annotations },
        spec: { group, names: { kind: "Gadget", plural: "gadgets" }, version: "v1alpha1", schema: { spec: { type: "object", properties } } },
      });
    await kubectlOk(["apply", "-f", "-"], definition({ color: { type: "string" }, size: { type: "integer" } }));
    await expect.poll(async () => conditionOf(await getJson(["compositedefinition", defName]), "Established")?.reason, WAIT).toBe("Served");
    await waitEstablished(defName);
    await kubectlOk(["apply", "-f", "-"], definition({ color: { type: "integer" } }));
    await expect.poll(async () => conditionOf(await getJson(["compositedefinition", defName]), "Established")?.reason, WAIT).toBe("BreakingChangeRefused");
    const message = String(conditionOf(await getJson(["compositedefinition", defName]), "Established")?.message);
    expect(message).toContain("spec.color: type changed");
    expect(message).toContain("spec.size: field removed");
    const crd = JSON.stringify(await getJson(["crd", defName]));
    expect(crd).toContain('"size"');
    await kubectlOk(["apply", "-f", "-"], definition({ color: { type: "integer" } }, { "compose.terraplane.dev/allow-breaking-changes": "true" }));
    await expect.poll(async () => conditionOf(await getJson(["compositedefinition", defName]), "Established")?.reason, WAIT).toBe("Served");
    await expect.poll(async () => JSON.stringify(await getJson(["crd", defName])).includes('"size"'), WAIT).toBe(false);
    await kubectl(["delete", "compositedefinition", defName, "--wait=false"]);
    await kubectl(["delete", "crd", defName, "--wait=false"]);
  });
});
