import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { findLeaks } from "../core/testing/leaks.ts";
import type { Haystack, Secret } from "../core/testing/leaks.ts";
import { allCrds, managedKinds } from "../providers/index.ts";
import { examplesDir } from "../sandbox/demo/examples.ts";
import { startReadyController, terraplaneCli } from "./harness/ready-controller.ts";
import type { ReadyController } from "./harness/ready-controller.ts";
import { fakeServiceAccountKey } from "./harness/gcp-provider.ts";
import { uniqueProject } from "./harness/gcp.ts";
import { kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds } from "./harness/managed.ts";

// Issue 13, item 6: secrets never leak. The whole sandbox flow — examples/ of all six kinds, created,
// a password rotated, inspected with the CLI, deleted — runs with known, distinctive secret values
// (AWS access keys, a GCP service-account key, RDS and Cloud SQL passwords, and a malformed key that
// a ProviderConfig refuses); then everything a person or a log collector sees is scanned for any
// encoding of any of them: the controller's own log (a real `terraplane run` process at debug
// level), every Event in the namespace, every managed object and ProviderConfig as the API server
// holds it (status, annotations and all), and the output of `terraplane status`, `explain` and
// `plan` (from the controller's observation, and observing the cloud with the Secrets itself).

const hex = (n: number): string => randomBytes(n).toString("hex");
const project = uniqueProject("tp-secrets");
const gcpKeyJson = fakeServiceAccountKey(project);
const gcpPrivateKey = z.object({ private_key: z.string() }).parse(JSON.parse(gcpKeyJson)).private_key;

const values = {
  awsAccessKeyId: `AKIATP${hex(7).toUpperCase()}`,
  awsSecretAccessKey: `tpSecretKey/${randomBytes(21).toString("base64url")}`,
  gcpServiceAccountKey: gcpKeyJson,
  gcpPrivateKey,
  gcpMalformedKey: `not-a-key-${hex(12)}`,
  rdsMasterPassword: `rdsMaster${hex(10)}`,
  rdsRotatedPassword: `rdsRotated${hex(10)}`,
  cloudSqlAdminPassword: `sqlAdmin${hex(10)}`,
  cloudSqlRotatedPassword: `sqlRotated${hex(10)}`,
};
const secrets: Secret[] = Object.entries(values).map(([name, value]) => ({ name, value }));

const Doc = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }), spec: z.record(z.string(), z.unknown()).optional() });
type Doc = z.infer<typeof Doc>;

/** The managed resource an example file declares, as plain JSON. */
function example(path: string): Doc {
  const docs = parseAllDocuments(readFileSync(join(examplesDir, path), "utf8")).map((d) => Doc.parse(d.toJS()));
  const managed = docs.find((d) => !["Secret", "ClusterProviderConfig", "ProviderConfig"].includes(d.kind));
  if (!managed) throw new Error(`${path} declares no managed resource`);
  return managed;
}

const ForProvider = z.record(z.string(), z.unknown());

/** An example, renamed into the test's namespace, on one of its ProviderConfigs, with forProvider edited. */
interface Placement {
  readonly ns: string;
  readonly name: string;
  readonly providerConfig: string;
}

function fromExample(path: string, { ns, name, providerConfig }: Placement, edit: (fp: Record<string, unknown>) => Record<string, unknown> = (fp) => fp): Doc {
  const doc = example(path);
  // The examples name the sandbox's project in references; this run has a project of its own.
  const spec = z.record(z.string(), z.unknown()).parse(JSON.parse(JSON.stringify(doc.spec ?? {}).replaceAll("terraplane-sandbox", project)));
  const conn = z.object({ name: z.string() }).optional().parse(spec.writeConnectionSecretToRef);
  return {
    ...doc,
    metadata: { name, namespace: ns },
    spec: {
      ...spec,
      providerConfigRef: { kind: "ProviderConfig", name: providerConfig },
      forProvider: edit(ForProvider.parse(spec.forProvider)),
      ...(conn ? { writeConnectionSecretToRef: { name: `${name}-conn` } } : {}),
    },
  };
}

const kinds = managedKinds().map((k) => k.managed);
const resourceOf = (d: Doc): string => {
  const group = d.apiVersion.split("/")[0] ?? "";
  const kind = kinds.find((k) => k.group === group && k.kind === d.kind);
  if (!kind) throw new Error(`no managed kind ${d.kind} in ${group}`);
  return `${kind.plural}.${group}`;
};

const Conditions = z.object({ status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), message: z.string().optional() })).optional() }).optional() });

async function conditionOf(d: Doc, ns: string, type: string): Promise<string | undefined> {
  const res = await kubectl(["get", resourceOf(d), d.metadata.name, "-n", ns, "-o", "json"]);
  if (res.code !== 0) return undefined;
  return Conditions.parse(JSON.parse(res.stdout)).status?.conditions?.find((c) => c.type === type)?.status;
}

const PlanJson = z.object({ resources: z.array(z.object({ kind: z.string(), name: z.string(), source: z.string().optional(), error: z.string().optional() })) });

const SecretData = z.object({ data: z.record(z.string(), z.string()).optional() });
async function secretValue(ns: string, name: string, key: string): Promise<string | undefined> {
  const res = await kubectl(["get", "secret", name, "-n", ns, "-o", "json"]);
  if (res.code !== 0) return undefined;
  const data = SecretData.parse(JSON.parse(res.stdout)).data?.[key];
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
}

describe("secrets never leak", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let controller: ReadyController | undefined;
  const haystacks: Haystack[] = [];
  let resources: Doc[] = [];
  let broken: Doc;

  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("secrets");
    const n = ns.name;
    const secret = (name: string, data: Record<string, string>): object => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: n }, stringData: data });
    const config = [
      secret("aws-keys", { accessKeyId: values.awsAccessKeyId, secretAccessKey: values.awsSecretAccessKey }),
      secret("gcp-key", { "credentials.json": values.gcpServiceAccountKey }),
      secret("gcp-malformed-key", { "credentials.json": values.gcpMalformedKey }),
      secret("rds-master", { password: values.rdsMasterPassword }),
      secret("sql-admin", { password: values.cloudSqlAdminPassword }),
      { apiVersion: "aws.terraplane.dev/v1alpha1", kind: "ProviderConfig", metadata: { name: "aws", namespace: n }, spec: { credentials: { source: "Secret", secretRef: { name: "aws-keys" } }, region: "us-east-1" } },
      {
        apiVersion: "gcp.terraplane.dev/v1alpha1",
        kind: "ProviderConfig",
        metadata: { name: "gcp", namespace: n },
        spec: { project, region: "europe-west1", credentials: { source: "Secret", secretRef: { name: "gcp-key" } } },
      },
      {
        apiVersion: "gcp.terraplane.dev/v1alpha1",
        kind: "ProviderConfig",
        metadata: { name: "gcp-malformed", namespace: n },
        spec: { project, region: "europe-west1", credentials: { source: "Secret", secretRef: { name: "gcp-malformed-key" } } },
      },
    ];
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: config }));

    const suffix = hex(3);
    resources = [
      fromExample("aws/database.yaml", { ns: n, name: `orders-${suffix}`, providerConfig: "aws" }, (fp) => {
        const { finalSnapshotIdentifier: _snapshot, ...rest } = fp;
        return { ...rest, skipFinalSnapshot: true, masterPasswordSecretRef: { name: "rds-master", key: "password" } };
      }),
      fromExample("aws/loadbalancer.yaml", { ns: n, name: `web-${suffix}`, providerConfig: "aws" }),
      fromExample("aws/cdn.yaml", { ns: n, name: `website-${suffix}`, providerConfig: "aws" }),
      fromExample("gcp/database.yaml", { ns: n, name: `sql-${suffix}`, providerConfig: "gcp" }, (fp) => ({ ...fp, adminPasswordSecretRef: { name: "sql-admin", key: "password" } })),
      fromExample("gcp/loadbalancer.yaml", { ns: n, name: `shop-${suffix}`, providerConfig: "gcp" }),
      fromExample("gcp/cdn.yaml", { ns: n, name: `assets-${suffix}`, providerConfig: "gcp" }),
    ];
    broken = fromExample("gcp/cdn.yaml", { ns: n, name: `refused-${suffix}`, providerConfig: "gcp-malformed" });

    controller = await startReadyController({ args: ["--namespace", n, "--poll-interval", "5s", "--log-level", "debug"] });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [...resources, broken] }));
  }, 240_000);

  afterAll(async () => {
    // Through the controller while it still runs (a test failed early), so neither emulator keeps anything.
    if (controller?.running()) for (const d of [...resources, broken]) await kubectl(["delete", resourceOf(d), d.metadata.name, "-n", ns.name, "--wait=true", "--timeout=120s", "--ignore-not-found"]);
    await controller?.stop();
    await ns.cleanup();
  }, 600_000);

  it("every kind is created Ready and Synced with the secrets in use; the malformed key is refused", { timeout: 300_000 }, async () => {
    for (const d of resources) {
      await expect.poll(() => conditionOf(d, ns.name, "Ready"), { timeout: 240_000, interval: 1_000, message: `${d.kind} ${d.apiVersion} Ready` }).toBe("True");
      await expect.poll(() => conditionOf(d, ns.name, "Synced"), { timeout: 30_000, interval: 500 }).toBe("True");
    }
    await expect.poll(() => conditionOf(broken, ns.name, "Synced"), { timeout: 30_000, interval: 500 }).toBe("False");
    // The passwords really were used: Terraplane published them in the connection Secrets.
    const [awsDb, , , gcpDb] = resources;
    expect(await secretValue(ns.name, `${awsDb?.metadata.name ?? ""}-conn`, "password")).toBe(values.rdsMasterPassword);
    expect(await secretValue(ns.name, `${gcpDb?.metadata.name ?? ""}-conn`, "password")).toBe(values.cloudSqlAdminPassword);
  });

  it("a rotated password is sent to the cloud and published", { timeout: 120_000 }, async () => {
    const patch = (name: string, password: string): Promise<string> => kubectlOk(["patch", "secret", name, "-n", ns.name, "--type=merge", "-p", JSON.stringify({ stringData: { password } })]);
    await patch("rds-master", values.rdsRotatedPassword);
    await patch("sql-admin", values.cloudSqlRotatedPassword);
    const [awsDb, , , gcpDb] = resources;
    await expect.poll(() => secretValue(ns.name, `${awsDb?.metadata.name ?? ""}-conn`, "password"), { timeout: 90_000, interval: 1_000 }).toBe(values.rdsRotatedPassword);
    await expect.poll(() => secretValue(ns.name, `${gcpDb?.metadata.name ?? ""}-conn`, "password"), { timeout: 90_000, interval: 1_000 }).toBe(values.cloudSqlRotatedPassword);
  });

  it("`terraplane status`, `explain` and `plan` show none of them", { timeout: 240_000 }, async () => {
    const cli = async (args: string[]): Promise<string> => {
      const out = await terraplaneCli(args);
      haystacks.push({ place: `terraplane ${args.join(" ")}`, text: `${out.stdout}\n${out.stderr}` });
      return out.stdout;
    };
    await cli(["status", "-n", ns.name]);
    for (const d of [...resources, broken]) await cli(["explain", `${resourceOf(d)}/${d.metadata.name}`, "-n", ns.name]);
    await cli(["plan", "-n", ns.name]);
    // Observing from this machine reads the ProviderConfigs' Secrets and the password Secrets itself.
    await cli(["plan", "--observe", "-n", ns.name]);
    const planJson = await cli(["plan", "--observe", "-n", ns.name, "-o", "json"]);
    const status = haystacks[0]?.text ?? "";
    for (const d of resources) expect(status).toContain(d.metadata.name);
    // The observing plan really connected with each Secret: every resource observed, the malformed key refused.
    const planned = PlanJson.parse(JSON.parse(planJson));
    for (const d of resources) expect(planned.resources.find((r) => r.name === d.metadata.name && r.kind === d.kind)?.source, `${d.kind} ${d.metadata.name}`).toBe("observed");
    expect(planned.resources.find((r) => r.name === broken.metadata.name)?.error).toMatch(/not a service-account JSON key/);
  });

  it("after deleting everything, nothing in the controller's log, the Events, the objects or the CLI output holds a secret", { timeout: 400_000 }, async () => {
    const objects = async (place: string): Promise<void> => {
      const resourceList = [...new Set([...resources, broken].map(resourceOf)), "providerconfigs.aws.terraplane.dev", "providerconfigs.gcp.terraplane.dev"].join(",");
      haystacks.push({ place: `${place}: managed objects and ProviderConfigs (kubectl get -o json)`, text: await kubectlOk(["get", resourceList, "-n", ns.name, "-o", "json"]) });
      haystacks.push({ place: `${place}: Events`, text: await kubectlOk(["get", "events", "-n", ns.name, "-o", "json"]) });
    };
    await objects("while they exist");
    const managedJson = haystacks.at(-2)?.text ?? "";
    for (const d of resources) expect(managedJson).toContain(d.metadata.name);
    expect(managedJson).toContain('"status"');

    for (const d of [...resources, broken]) expect((await kubectl(["delete", resourceOf(d), d.metadata.name, "-n", ns.name, "--wait=true", "--timeout=180s"])).code, `delete ${d.kind}`).toBe(0);
    await objects("after the deletes");
    const events = haystacks.at(-1)?.text ?? "";
    expect(events).toContain("CreatedExternalResource");
    expect(events).toContain("DeletedExternalResource");

    expect(controller?.running(), "the controller is still running").toBe(true);
    expect(await controller?.stop()).toBe(0);
    const log = controller?.lines ?? [];
    // A real sample, not an empty file: the controller logs start-up, shutdown and every reconcile
    // error (the refused key among them), which is where a secret would slip in.
    expect(log.join("\n")).toContain("controller manager running");
    expect(log.join("\n")).toContain(broken.metadata.name);
    haystacks.push({ place: "controller log (stdout and stderr of terraplane run --log-level debug)", text: log.join("\n") });

    const leaks = findLeaks(secrets, haystacks);
    expect(leaks, `leaks:\n${leaks.map((l) => `${l.secret} (${l.form}) in ${l.place}`).join("\n")}`).toEqual([]);
    // What was scanned, for the record.
    console.info(`secret scan: ${secrets.length} values, ${haystacks.length} places, ${haystacks.reduce((n, h) => n + h.text.length, 0)} characters, ${log.length} log lines: no leak`);
  });
});
