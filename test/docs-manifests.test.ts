import { readdirSync, readFileSync } from "node:fs";
import { CreateDBInstanceCommand, DeleteDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { z } from "zod";
import type { Manager } from "../core/manager.ts";
import { FINALIZER } from "../core/managed.ts";
import { database } from "../providers/aws/database/index.ts";
import { AWS_GROUP } from "../providers/aws/provider-config.ts";
import { allCrds } from "../providers/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { awsManager, createAwsProviderConfig } from "./harness/aws-provider.ts";
import { kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition, eventsFor, getManaged } from "./harness/managed.ts";

// The concept pages' manifests are part of the product: every ```yaml block in docs/concepts/*.md
// is validated by the real API server (schema + CEL) with a server-side dry run, blocks marked
// `# expect-rejected: <text>` must be refused with that text, and the connection-secrets and
// management-policies pages are applied for real, with a controller manager running against moto,
// and their documented outcome checked.

const DOCS_DIR = new URL("../docs/concepts/", import.meta.url);
const REF = { group: AWS_GROUP, version: "v1alpha1", plural: "databases" };
const RESOURCE = `databases.${AWS_GROUP}`;
const WAIT = { timeout: 60_000, interval: 250 };
/** moto keeps state per region: one no other test uses. */
const REGION = "ap-northeast-3";
/** The DB instances the pages' manifests name. */
const LEFTOVERS = ["catalog", "nopassword", "billing", "legacy-reports", "ledger"];

interface Block {
  readonly page: string;
  readonly line: number;
  readonly text: string;
  /** From a first line `# expect-rejected: <text>`: the admission error must contain it. */
  readonly rejected: string | undefined;
  /** A first line `# example-output`: a status excerpt, parsed but not applied. */
  readonly output: boolean;
}

const Manifest = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});
type Manifest = z.infer<typeof Manifest>;

/**
 * Pages whose instances are of abstract kinds the composite controller serves only while it runs: compositions/docs.test.ts
 * checks them offline, test/compositions*.test.ts applies the same catalog on the sandbox.
 */
const NEEDS_COMPOSITE_CONTROLLER: ReadonlySet<string> = new Set(["compositions.md"]);

function pages(): string[] {
  return readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md") && !NEEDS_COMPOSITE_CONTROLLER.has(f))
    .sort();
}

function yamlBlocks(page: string): Block[] {
  const text = readFileSync(new URL(page, DOCS_DIR), "utf8");
  return [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => {
    const body = m[1] ?? "";
    const first = body.split("\n", 1)[0] ?? "";
    return {
      page,
      line: text.slice(0, m.index).split("\n").length,
      text: body,
      rejected: /^# expect-rejected: (.+)$/.exec(first)?.[1]?.trim(),
      output: first.startsWith("# example-output"),
    };
  });
}

function documents(block: Block): unknown[] {
  return parseAllDocuments(block.text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${block.page}:${block.line}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    return value;
  });
}

/** The block's objects as written, with `namespace: default` moved to the test's namespace. */
function manifests(block: Block, namespace: string): Manifest[] {
  return documents(block).map((doc) => {
    const m = Manifest.parse(doc);
    return m.metadata.namespace === "default" ? { ...m, metadata: { ...m.metadata, namespace } } : m;
  });
}

function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

const ALL = pages().flatMap(yamlBlocks);

describe("docs/concepts manifests", () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("docs");
  });
  afterAll(async () => ns.cleanup());

  it("every concept page has manifests, and the index links every page", () => {
    const index = readFileSync(new URL("README.md", DOCS_DIR), "utf8");
    for (const page of pages().filter((p) => p !== "README.md")) {
      expect(index).toContain(`](${page})`);
      expect(ALL.filter((b) => b.page === page && !b.output && !b.rejected).length, page).toBeGreaterThan(0);
    }
    expect(ALL.filter((b) => b.rejected).length).toBeGreaterThanOrEqual(4);
  });

  it.each(ALL.filter((b) => b.output).map((b) => [`${b.page}:${b.line}`, b] as const))("%s parses as YAML (example output)", (_, block) => {
    expect(documents(block).length).toBe(1);
  });

  it.each(ALL.filter((b) => !b.output).map((b) => [`${b.page}:${b.line}`, b] as const))("%s: kubectl apply --dry-run=server", async (where, block) => {
    const objects = manifests(block, ns.name);
    expect(objects.length).toBeGreaterThan(0);
    const result = await kubectl(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], toYaml(objects));
    if (block.rejected) {
      expect(result.code, `${where} should be rejected`).not.toBe(0);
      expect(result.stderr).toContain(block.rejected);
    } else {
      expect(result.code, `${where}: ${result.stderr}`).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the pages' manifests applied for real.

interface Env {
  readonly ns: string;
  readonly rds: RDSClient;
  /** Applies objects from a page as written: only `namespace: default` and the config reference swapped for the test's. */
  apply(objects: readonly Manifest[]): Promise<void>;
  close(): Promise<void>;
}

async function environment(): Promise<Env> {
  const ns = await testNamespace("docs-e2e");
  // The pages use the ClusterProviderConfig "default" (examples/aws/providerconfig.yaml), which is
  // shared by everyone on the sandbox; the test uses a namespaced one with the same credentials.
  await createAwsProviderConfig(ns.name, { region: REGION });
  const manager: Manager = awsManager([database], ns.name, { pollIntervalMs: 2_000 });
  await manager.start();
  const rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
  // What an earlier, interrupted run may have left in this test's region.
  for (const id of LEFTOVERS) await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })).catch(() => undefined);
  return {
    ns: ns.name,
    rds,
    async apply(objects) {
      // A region in the manifest would put the resource outside this test's moto region.
      for (const o of objects) expect(JSON.stringify(o.spec ?? {}), `${o.kind}/${o.metadata.name}`).not.toContain('"region"');
      const local = objects.map((o) => (o.kind === "Database" ? { ...o, spec: { ...z.looseObject({}).parse(o.spec), providerConfigRef: { kind: "ProviderConfig", name: "default-aws" } } } : o));
      await kubectlOk(["apply", "-n", ns.name, "-f", "-"], toYaml(local));
    },
    async close() {
      await kubectl(["delete", RESOURCE, "--all", "-n", ns.name, "--wait=true", "--timeout=30s"]);
      await manager.stop(2_000);
      rds.destroy();
      await ns.cleanup();
    },
  };
}

/** The objects of the page's blocks that define `kind/name`, in the test's namespace. */
function fromPage(page: string, env: Env, ...wanted: readonly string[]): Manifest[] {
  const blocks = yamlBlocks(page).filter((b) => !b.output && !b.rejected);
  const found = wanted.map((w) => {
    const matches = blocks.flatMap((b) => manifests(b, env.ns)).filter((m) => `${m.kind}/${m.metadata.name}` === w);
    if (matches.length === 0) throw new Error(`${page} has no ${w}`);
    return matches;
  });
  return found.flat();
}

async function secretData(ns: string, name: string): Promise<Record<string, string> | undefined> {
  const result = await kubectl(["get", "secret", name, "-n", ns, "-o", "json"]);
  if (result.code !== 0) return undefined;
  const secret = z.object({ data: z.record(z.string(), z.string()).default({}) }).parse(JSON.parse(result.stdout));
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

async function readyAndSynced(ns: string, name: string): Promise<boolean> {
  const mr = await getManaged(REF, ns, name);
  return condition(mr, "Ready")?.status === "True" && condition(mr, "Synced")?.status === "True" && mr?.status?.observedGeneration === mr?.metadata.generation;
}

const SecretMeta = z.object({
  type: z.string(),
  metadata: z.object({
    labels: z.record(z.string(), z.string()).optional(),
    ownerReferences: z.array(z.object({ kind: z.string(), name: z.string(), uid: z.string(), controller: z.boolean().optional() })).optional(),
  }),
});

describe("docs/concepts/connection-secrets.md, applied for real", () => {
  let env: Env;
  beforeAll(async () => {
    await applyCrds(allCrds());
    env = await environment();
  });
  afterAll(async () => env.close());

  it("a generated password: the Secret holds host, port, username, password, engine and uri, owned by the Database", async () => {
    await env.apply(fromPage("connection-secrets.md", env, "Database/catalog"));
    await expect.poll(() => readyAndSynced(env.ns, "catalog"), WAIT).toBe(true);
    const conn = await secretData(env.ns, "catalog-connection");
    const cloud = await describeDbInstance(env.rds, "catalog");
    const host = cloud?.Endpoint?.Address ?? "";
    expect(host).toMatch(/^catalog\./);
    const password = conn?.password ?? "";
    expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]{32}$/);
    expect(conn).toEqual({ host, port: "5432", username: "app", engine: "postgres", password, uri: `postgres://app:${password}@${host}:5432/catalog` });

    const mr = await getManaged(REF, env.ns, "catalog");
    expect(mr?.spec.forProvider.region).toBe(REGION); // "no region: the ProviderConfig's region is used, then written here"
    const meta = SecretMeta.parse(JSON.parse(await kubectlOk(["get", "secret", "catalog-connection", "-n", env.ns, "-o", "json"])));
    expect(meta.type).toBe("connection.terraplane.dev/v1alpha1");
    expect(meta.metadata.labels?.["terraplane.dev/managed-by"]).toBe("terraplane");
    const uid = (await kubectlOk(["get", `${RESOURCE}/catalog`, "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
    expect(meta.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Database", name: "catalog", uid, controller: true })]);
    const events = await eventsFor(env.ns, "catalog");
    expect(JSON.stringify([mr, events])).not.toContain(password); // never in status or events

    // "On delete": the instance is deleted and the connection Secret is garbage-collected with the Database.
    await kubectlOk(["delete", `${RESOURCE}/catalog`, "-n", env.ns, "--timeout=45s"]);
    expect(await describeDbInstance(env.rds, "catalog")).toBeUndefined();
    await expect.poll(() => secretData(env.ns, "catalog-connection"), WAIT).toBeUndefined();
  });

  it("without a password reference or a connection Secret nothing is created, and Synced says why", async () => {
    const [catalog] = fromPage("connection-secrets.md", env, "Database/catalog");
    if (!catalog) throw new Error("no catalog manifest");
    const { writeConnectionSecretToRef: _dropped, ...spec } = z.looseObject({ writeConnectionSecretToRef: z.unknown() }).parse(catalog.spec);
    await env.apply([{ ...catalog, metadata: { ...catalog.metadata, name: "nopassword" }, spec }]);
    await expect.poll(async () => condition(await getManaged(REF, env.ns, "nopassword"), "Synced")?.message, WAIT).toBe(
      "cannot create the cloud resource: no master password: set spec.forProvider.masterPasswordSecretRef, or spec.writeConnectionSecretToRef so that Terraplane can generate one and keep it there (MasterPasswordUnset)",
    );
    expect(await describeDbInstance(env.rds, "nopassword")).toBeUndefined();
  });

  it("your own password from a Secret, rotated by changing that Secret", async () => {
    // The page shows the password Secret twice: with the first password, then with the rotated one.
    const [secret, rotated, db] = fromPage("connection-secrets.md", env, "Secret/billing-db-password", "Database/billing");
    if (!secret || !rotated || !db) throw new Error("connection-secrets.md: expected two versions of the Secret and the Database");
    expect([secret.stringData, rotated.stringData, db.kind]).toEqual([{ password: "first-Passw0rd-2024" }, { password: "second-Passw0rd-2025" }, "Database"]);
    await env.apply([secret, db]);
    await expect.poll(() => readyAndSynced(env.ns, "billing"), WAIT).toBe(true);
    expect((await secretData(env.ns, "billing-connection"))?.password).toBe("first-Passw0rd-2024");

    await env.apply([rotated]);
    await expect.poll(async () => (await secretData(env.ns, "billing-connection"))?.password, WAIT).toBe("second-Passw0rd-2025");
    expect((await secretData(env.ns, "billing-connection"))?.uri).toContain(":second-Passw0rd-2025@");
    const events = await eventsFor(env.ns, "billing");
    expect(events.some((e) => e.reason === "UpdatedExternalResource" && e.message === "updated masterPassword")).toBe(true);
    expect(JSON.stringify([await getManaged(REF, env.ns, "billing"), events])).not.toMatch(/Passw0rd-202/);
  });
});

describe("docs/concepts/management-policies.md, applied for real", () => {
  let env: Env;
  beforeAll(async () => {
    await applyCrds(allCrds());
    env = await environment();
  });
  afterAll(async () => env.close());

  it("Observe-only import: Ready, atProvider mirrors the instance, no finalizer, and deleting the object leaves it", async () => {
    // What the page's `aws rds create-db-instance` makes "behind Terraplane's back".
    await env.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "legacy-reports",
        Engine: "mysql",
        EngineVersion: "8.0.35",
        DBInstanceClass: "db.m5.large",
        AllocatedStorage: 50,
        MasterUsername: "admin",
        MasterUserPassword: "not-ours-123",
        Tags: [{ Key: "team", Value: "reports" }],
      }),
    );
    try {
      await env.apply(fromPage("management-policies.md", env, "Database/reports"));
      await expect.poll(() => readyAndSynced(env.ns, "reports"), WAIT).toBe(true);
      const mr = await getManaged(REF, env.ns, "reports");
      const cloud = await describeDbInstance(env.rds, "legacy-reports");
      expect(mr?.status?.atProvider).toMatchObject({ arn: cloud?.DBInstanceArn, status: "available", engineVersion: "8.0.35", endpoint: { address: cloud?.Endpoint?.Address, port: 3306 } });
      expect(condition(mr, "Synced")?.message).toBeUndefined(); // the page's spec matches the instance
      expect(mr?.metadata.finalizers ?? []).not.toContain(FINALIZER);
      expect(mr?.spec.forProvider.region).toBeUndefined(); // LateInitialize is not allowed

      await kubectlOk(["delete", `${RESOURCE}/reports`, "-n", env.ns, "--timeout=30s"]);
      expect((await describeDbInstance(env.rds, "legacy-reports"))?.DBInstanceStatus).toBe("available");
    } finally {
      await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "legacy-reports", SkipFinalSnapshot: true }));
    }
  });

  it("orphaning: deleting the object records OrphanedExternalResource and leaves the instance", async () => {
    await env.apply(fromPage("management-policies.md", env, "Database/ledger"));
    await expect.poll(() => readyAndSynced(env.ns, "ledger"), WAIT).toBe(true);
    expect((await getManaged(REF, env.ns, "ledger"))?.metadata.finalizers).toContain(FINALIZER);
    await kubectlOk(["delete", `${RESOURCE}/ledger`, "-n", env.ns, "--timeout=30s"]);
    expect((await describeDbInstance(env.rds, "ledger"))?.DBInstanceStatus).toBe("available");
    const events = await eventsFor(env.ns, "ledger");
    expect(events.find((e) => e.reason === "OrphanedExternalResource")?.message).toBe('left "ledger" in the cloud (deletionPolicy Orphan)');
    await expect.poll(() => secretData(env.ns, "ledger-connection"), WAIT).toBeUndefined();
    await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "ledger", SkipFinalSnapshot: true }));
  });
});
