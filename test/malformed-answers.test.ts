import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { unreadable } from "../core/testing/readable.ts";
import { allCrds, managedKinds } from "../providers/index.ts";
import { examplesDir } from "../sandbox/demo/examples.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import type { FaultProxy, FaultRuleInput, Match } from "../sandbox/faultproxy/index.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { startReadyController } from "./harness/ready-controller.ts";
import type { ReadyController } from "./harness/ready-controller.ts";
import { createGcpProviderConfig } from "./harness/gcp-provider.ts";
import { uniqueProject } from "./harness/gcp.ts";
import { kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Issue 13, item 5b: malformed cloud answers. The emulators' real answers are spoiled at a fault
// proxy of this test's own (sandbox/faultproxy: truncate, rewrite): truncated XML from the AWS query
// and REST-XML APIs (RDS, ELBv2, CloudFront), truncated JSON from Cloud SQL and compute, fields
// missing, enum values no client knows. For each, a real `terraplane run` process must report
// `Synced=False` with a readable message naming the operation, stay up, back off instead of
// hammering the cloud, and recover on its own once the answers are whole again.

const Doc = z.looseObject({ apiVersion: z.string(), kind: z.string(), spec: z.record(z.string(), z.unknown()) });
type Doc = z.infer<typeof Doc>;

function example(path: string): Doc {
  const docs = parseAllDocuments(readFileSync(join(examplesDir, path), "utf8")).map((d) => Doc.safeParse(d.toJS()));
  const managed = docs.flatMap((d) => (d.success && !/ProviderConfig|Secret/.test(d.data.kind) ? [d.data] : []));
  if (managed[0] === undefined) throw new Error(`${path} declares no managed resource`);
  return managed[0];
}

const kinds = managedKinds().map((k) => k.managed);
function resourceOf(apiVersion: string, kind: string): string {
  const group = apiVersion.split("/")[0] ?? "";
  const k = kinds.find((m) => m.group === group && m.kind === kind);
  if (!k) throw new Error(`no managed kind ${kind} in ${group}`);
  return `${k.plural}.${group}`;
}

interface Subject {
  readonly example: string;
  readonly name: string;
  readonly resource: string;
  readonly manifest: (ns: string) => object;
}

const suffix = uniqueName("m").slice(2);
const project = uniqueProject("tp-malformed");

function subject(path: string, name: string, cloud: "aws" | "gcp", edit: (fp: Record<string, unknown>) => Record<string, unknown> = (fp) => fp): Subject {
  const doc = example(path);
  const spec = z.record(z.string(), z.unknown()).parse(JSON.parse(JSON.stringify(doc.spec).replaceAll("terraplane-sandbox", project)));
  const { writeConnectionSecretToRef: _conn, ...rest } = spec;
  return {
    example: path,
    name,
    resource: resourceOf(doc.apiVersion, doc.kind),
    manifest: (ns) => ({
      apiVersion: doc.apiVersion,
      kind: doc.kind,
      metadata: { name, namespace: ns },
      spec: { ...rest, providerConfigRef: { kind: "ProviderConfig", name: `default-${cloud}` }, forProvider: edit(z.record(z.string(), z.unknown()).parse(spec.forProvider)) },
    }),
  };
}

const subjects = {
  awsDb: subject("aws/database.yaml", `orders-${suffix}`, "aws", (fp) => {
    const { finalSnapshotIdentifier: _snapshot, ...rest } = fp;
    return { ...rest, skipFinalSnapshot: true };
  }),
  awsLb: subject("aws/loadbalancer.yaml", `web-${suffix}`, "aws"),
  awsCdn: subject("aws/cdn.yaml", `site-${suffix}`, "aws"),
  gcpDb: subject("gcp/database.yaml", `sql-${suffix}`, "gcp"),
  gcpLb: subject("gcp/loadbalancer.yaml", `shop-${suffix}`, "gcp"),
  gcpCdn: subject("gcp/cdn.yaml", `assets-${suffix}`, "gcp"),
};
// Without writeConnectionSecretToRef there is nowhere to keep a generated password: the databases
// reference one (the scan for it is test/secret-scan.test.ts).
const passwordRef = { name: "db-password", key: "password" };

interface Case {
  readonly subject: keyof typeof subjects;
  readonly cloud: "aws" | "gcp";
  readonly fault: FaultRuleInput;
  /**
   * What the resource must say. An answer that cannot be read is a failed call: Synced=False naming
   * the operation. An answer that reads but holds a state no client knows (or none) is the cloud's
   * word on the resource: Ready=False saying so, Synced stays True, and nothing is changed.
   */
  readonly want: { readonly condition: "Synced" | "Ready"; readonly message: RegExp };
}

const truncated = (match: Match): FaultRuleInput => ({ fault: "truncate", rate: 1, keep: 0.5, match });
const rewritten = (match: Match, pattern: string, replacement: string): FaultRuleInput => ({ fault: "rewrite", rate: 1, match, replace: [{ pattern, with: replacement }] });

const unreadableAnswer = (operation: RegExp): Case["want"] => ({ condition: "Synced", message: operation });
const unknown = (message: RegExp): Case["want"] => ({ condition: "Ready", message });

const cases: Record<string, Case> = {
  "RDS: truncated XML": { subject: "awsDb", cloud: "aws", fault: truncated({ operation: "DescribeDBInstances" }), want: unreadableAnswer(/rds:DescribeDBInstances: the cloud's answer \(HTTP 200\) could not be read: /) },
  "RDS: an unknown DBInstanceStatus": {
    subject: "awsDb",
    cloud: "aws",
    fault: rewritten({ operation: "DescribeDBInstances" }, "<DBInstanceStatus>[^<]*</DBInstanceStatus>", "<DBInstanceStatus>sideways</DBInstanceStatus>"),
    want: unknown(/sideways/),
  },
  "RDS: DBInstanceStatus missing": {
    subject: "awsDb",
    cloud: "aws",
    fault: rewritten({ operation: "DescribeDBInstances" }, "<DBInstanceStatus>[^<]*</DBInstanceStatus>", ""),
    want: unknown(/unknown|undefined state|no status/i),
  },
  "ELBv2: truncated XML": {
    subject: "awsLb",
    cloud: "aws",
    fault: truncated({ operation: "DescribeLoadBalancers" }),
    want: unreadableAnswer(/elasticloadbalancing:DescribeLoadBalancers: the cloud's answer \(HTTP 200\) could not be read: /),
  },
  "ELBv2: an unknown load balancer state": {
    subject: "awsLb",
    cloud: "aws",
    fault: rewritten({ operation: "DescribeLoadBalancers" }, "<Code>[a-z_]+</Code>", "<Code>sideways</Code>"),
    want: unknown(/sideways/),
  },
  "CloudFront: truncated XML": {
    subject: "awsCdn",
    cloud: "aws",
    fault: truncated({ service: "cloudfront", operationPattern: "^(Get|List)" }),
    want: unreadableAnswer(/cloudfront:(GetDistribution|ListDistributions)\w*: the cloud's answer \(HTTP 200\) could not be read: /),
  },
  "Cloud SQL: truncated JSON": { subject: "gcpDb", cloud: "gcp", fault: truncated({ operation: "instances.get" }), want: unreadableAnswer(/sqladmin:instances\.get: the cloud's answer \(HTTP 200\) is not valid JSON: /) },
  "Cloud SQL: an unknown instance state": { subject: "gcpDb", cloud: "gcp", fault: rewritten({ operation: "instances.get" }, '"state":\\s*\\d+', '"state": 99'), want: unknown(/unknown state/) },
  "Cloud SQL: the instance state missing": { subject: "gcpDb", cloud: "gcp", fault: rewritten({ operation: "instances.get" }, '"state":\\s*\\d+,?', ""), want: unknown(/SQL_INSTANCE_STATE_UNSPECIFIED/) },
  "compute (load balancer): truncated JSON": {
    subject: "gcpLb",
    cloud: "gcp",
    fault: truncated({ service: "compute", operationPattern: "\\.get$" }),
    want: unreadableAnswer(/compute:\w+\.get: the cloud's answer \(HTTP 200\) is not valid JSON: /),
  },
  "compute (CDN): truncated JSON": {
    subject: "gcpCdn",
    cloud: "gcp",
    fault: truncated({ service: "compute", operationPattern: "\\.get$" }),
    want: unreadableAnswer(/compute:\w+\.get: the cloud's answer \(HTTP 200\) is not valid JSON: /),
  },
};

const Status = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }),
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional() }).optional(),
});

async function conditionOf(s: Subject, ns: string, type: string): Promise<{ status: string; message: string } | undefined> {
  const res = await kubectl(["get", s.resource, s.name, "-n", ns, "-o", "json"]);
  if (res.code !== 0) return undefined;
  const c = Status.parse(JSON.parse(res.stdout)).status?.conditions?.find((x) => x.type === type);
  return c ? { status: c.status, message: c.message ?? "" } : undefined;
}

/** Asks for a reconcile now (the refresh annotation), as `terraplane plan --refresh` does. */
async function refresh(s: Subject, ns: string): Promise<void> {
  await kubectlOk(["annotate", "--overwrite", s.resource, s.name, "-n", ns, `terraplane.dev/reconcile-requested-at=${new Date().toISOString()}`]);
}

/** How long the controller is watched under a fault before its calls are counted. */
const WINDOW_MS = 12_000;
/**
 * At most this many requests to any one spoiled operation in the window. Per-key backoff (1 s,
 * doubling, jittered) allows about five reconciles in twelve seconds, and a reconcile reads each
 * part once (a load balancer's two backend services: twice): a hot loop would make hundreds.
 */
const MAX_CALLS_PER_OPERATION = 16;
const MUTATING = /^(Create|Modify|Delete|Add|Remove|Set|Register|Deregister|Update)|\.(insert|patch|update|delete|set\w+)$/;

describe("malformed cloud answers", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let proxies: { aws: FaultProxy; gcp: FaultProxy };
  let controller: ReadyController;

  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("malformed");
    const sandbox = inject("sandbox");
    proxies = {
      aws: await startFaultProxy({ upstream: sandbox.motoEndpoint, random: seededRandom(13) }),
      gcp: await startFaultProxy({ upstream: sandbox.gcpEmulatorEndpoint, random: seededRandom(13) }),
    };
    await createAwsProviderConfig(ns.name, { endpoint: proxies.aws.url, region: "us-east-1" });
    await createGcpProviderConfig(ns.name, project, { endpoint: proxies.gcp.url, region: "europe-west1" });
    await kubectlOk(["create", "secret", "generic", passwordRef.name, "-n", ns.name, "--from-literal=password=malformed-answers-pw"]);
    controller = await startReadyController({ args: ["--namespace", ns.name, "--poll-interval", "30s"] });
    const manifests = Object.values(subjects).map((s) => s.manifest(ns.name));
    const withPasswords = manifests.map((m, i) => {
      const key = Object.keys(subjects)[i];
      if (key !== "awsDb" && key !== "gcpDb") return m;
      const field = key === "awsDb" ? "masterPasswordSecretRef" : "adminPasswordSecretRef";
      const spec = z.object({ forProvider: z.record(z.string(), z.unknown()) }).loose().parse(Reflect.get(m, "spec"));
      return { ...m, spec: { ...spec, forProvider: { ...spec.forProvider, [field]: passwordRef } } };
    });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: withPasswords }));
  }, 300_000);

  afterAll(async () => {
    proxies.aws.reset();
    proxies.gcp.reset();
    if (controller.running()) for (const s of Object.values(subjects)) await kubectl(["delete", s.resource, s.name, "-n", ns.name, "--wait=true", "--timeout=120s"]);
    await controller.stop();
    await proxies.aws.close();
    await proxies.gcp.close();
    await ns.cleanup();
  }, 600_000);

  it("all six kinds are Ready through whole answers first", { timeout: 300_000 }, async () => {
    for (const s of Object.values(subjects)) {
      await expect.poll(async () => (await conditionOf(s, ns.name, "Ready"))?.status, { timeout: 240_000, interval: 1_000, message: `${s.example} Ready` }).toBe("True");
    }
  });

  for (const [name, c] of Object.entries(cases)) {
    const what = c.want.condition === "Synced" ? "Synced=False naming the operation" : "Ready=False saying so, nothing changed";
    it(`${name}: ${what}; no crash, backoff, recovery`, { timeout: 180_000 }, async () => {
      const s = subjects[c.subject];
      const proxy = proxies[c.cloud];
      // Each case starts from a healthy resource, and leaves whole answers behind whatever happens.
      await expect.poll(async () => (await conditionOf(s, ns.name, "Synced"))?.status, { timeout: 90_000, interval: 500 }).toBe("True");
      try {
        await spoiled(s, proxy, c);
      } finally {
        proxy.reset();
      }
      await refresh(s, ns.name);
      await expect.poll(async () => (await conditionOf(s, ns.name, "Synced"))?.status, { timeout: 90_000, interval: 500 }).toBe("True");
      expect((await conditionOf(s, ns.name, "Ready"))?.status).toBe("True");
    });
  }

  async function spoiled(s: Subject, proxy: FaultProxy, c: Case): Promise<void> {
    proxy.setFaults({ rules: [c.fault] });
    proxy.resetStats();
    await refresh(s, ns.name);
    await expect.poll(async () => (await conditionOf(s, ns.name, c.want.condition))?.status, { timeout: 60_000, interval: 500 }).toBe("False");
    const reported = await conditionOf(s, ns.name, c.want.condition);
    expect(reported?.message).toMatch(c.want.message);
    expect(unreadable(reported?.message), reported?.message).toBeUndefined();
    if (c.want.condition === "Ready") expect((await conditionOf(s, ns.name, "Synced"))?.status).toBe("True");

    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const stats = proxy.stats();
    const perOperation = Object.values(stats.services).flatMap((svc) => Object.entries(svc.operations));
    const spoiledCounts = perOperation.map(([, k]) => k.faults.truncate + k.faults.rewrite);
    const mostSpoiled = Math.max(0, ...spoiledCounts);
    expect(mostSpoiled).toBeGreaterThan(0);
    expect(mostSpoiled, `${mostSpoiled} spoiled answers to one operation in ${WINDOW_MS} ms`).toBeLessThanOrEqual(MAX_CALLS_PER_OPERATION);
    // A garbled answer never makes the controller change the cloud resource.
    const mutations = perOperation.filter(([op, k]) => MUTATING.test(op) && k.requests > 0).map(([op]) => op);
    expect(mutations).toEqual([]);
    expect(controller.running(), controller.lines.slice(-20).join("\n")).toBe(true);
    console.info(`malformed answers: ${s.name}: ${mostSpoiled} spoiled answers to one operation in ${WINDOW_MS / 1000} s; ${c.want.condition}=False: ${reported?.message ?? ""}`);
  }
});
