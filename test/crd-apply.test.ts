import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { sampleKind } from "../core/crd/_sample.ts";
import { crdFor, managedCrd, toYaml } from "../core/crd/generate.ts";
import { kubectl, kubectlOk, testNamespace, waitEstablished } from "./harness/kube.ts";
import type { KubectlResult } from "./harness/kube.ts";
import { uniqueName } from "./harness/names.ts";

// The API server is the judge of whether a generated CRD is structural and whether its defaults and
// CEL rules do what the zod schemas promise. A unique group per run keeps parallel runs apart.

const group = `${uniqueName("crd")}.test.terraplane.dev`;
const crd = managedCrd(sampleKind(group));
const crdName = crd.metadata.name;
const resource = `disks.${group}`;

const CrdStatus = z.object({
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })) }),
});

async function getJson(args: readonly string[]): Promise<unknown> {
  const parsed: unknown = JSON.parse(await kubectlOk([...args, "-o", "json"]));
  return parsed;
}

describe("generated managed-resource CRD on a real API server", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let applied: KubectlResult;

  const disk = (name: string, spec: Record<string, unknown>): string =>
    JSON.stringify({ apiVersion: `${group}/v1alpha1`, kind: "Disk", metadata: { name, namespace: ns.name }, spec });

  beforeAll(async () => {
    ns = await testNamespace("crd");
    applied = await kubectl(["apply", "-f", "-"], toYaml([crd]));
    if (applied.code === 0) await waitEstablished(crdName);
  });

  afterAll(async () => {
    await ns.cleanup();
    await kubectl(["delete", "crd", crdName, "--wait=false"]);
  });

  it("is accepted without warnings, structural, and Established", async () => {
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${crdName} created`);
    const { status } = CrdStatus.parse(await getJson(["get", "crd", crdName]));
    const conditions = Object.fromEntries(status.conditions.map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Established: "True", NamesAccepted: "True" });
    expect(conditions).not.toHaveProperty("NonStructuralSchema");
  });

  it("accepts a valid object and applies the schema's defaults", async () => {
    await kubectlOk(["apply", "-f", "-"], disk("valid", { forProvider: { region: "us-east-1", tags: { team: "storage" } } }));
    const obj = await getJson(["get", resource, "valid", "-n", ns.name]);
    expect(obj).toMatchObject({
      spec: {
        forProvider: { region: "us-east-1", sizeGiB: 10, tags: { team: "storage" } },
        managementPolicies: ["*"],
        providerConfigRef: { kind: "ClusterProviderConfig", name: "default" },
      },
    });
  });

  const rejections: Record<string, { reason: string; spec: Record<string, unknown>; want: string }> = {
    "star with others": {
      reason: '"*" must stand alone',
      spec: { forProvider: { region: "us-east-1" }, managementPolicies: ["*", "Create"] },
      want: 'managementPolicies: "*" must stand alone; list the policies you want instead',
    },
    "no Observe": {
      reason: "Terraplane cannot manage what it cannot see",
      spec: { forProvider: { region: "us-east-1" }, managementPolicies: ["Create"] },
      want: 'managementPolicies must include "Observe": Terraplane cannot create, update or delete what it cannot see',
    },
    "Delete without the Delete policy": {
      reason: "deletionPolicy Delete needs the Delete management policy",
      spec: { forProvider: { region: "us-east-1" }, managementPolicies: ["Observe"], deletionPolicy: "Delete" },
      want: 'deletionPolicy "Delete" needs "Delete" in managementPolicies: add it, or set deletionPolicy: Orphan',
    },
    "size out of range": {
      reason: "zod's bounds are the CRD's bounds",
      spec: { forProvider: { region: "us-east-1", sizeGiB: 0 } },
      want: "spec.forProvider.sizeGiB: Invalid value: 0: spec.forProvider.sizeGiB in body should be greater than or equal to 1",
    },
  };

  for (const [name, tc] of Object.entries(rejections)) {
    it(`rejects ${name}: ${tc.reason}`, async () => {
      const result = await kubectl(["apply", "-f", "-"], disk(uniqueName("bad"), tc.spec));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(tc.want);
    });
  }

  it("rejects changing the immutable region, and accepts other changes", async () => {
    await kubectlOk(["apply", "-f", "-"], disk("moving", { forProvider: { region: "us-east-1" } }));
    const moved = await kubectl(["apply", "-f", "-"], disk("moving", { forProvider: { region: "eu-west-1" } }));
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain(
      "region is immutable: create a new Disk with the new region (and delete this one) instead of changing it",
    );
    await kubectlOk(["apply", "-f", "-"], disk("moving", { forProvider: { region: "us-east-1", sizeGiB: 20 } }));
  });

  it("shows READY, SYNCED, EXTERNAL-NAME and AGE in kubectl get, and REGION with -o wide", async () => {
    await kubectlOk(["apply", "-f", "-"], disk("listed", { forProvider: { region: "us-east-1" } }));
    await kubectlOk(["annotate", resource, "listed", "-n", ns.name, "terraplane.dev/external-name=vol-0123"]);
    const table = await kubectlOk(["get", resource, "listed", "-n", ns.name]);
    const [header, row] = table.trim().split("\n").map((line) => line.trim().split(/\s+/));
    expect(header).toStrictEqual(["NAME", "READY", "SYNCED", "EXTERNAL-NAME", "AGE"]);
    expect(row?.[0]).toBe("listed");
    expect(row).toContain("vol-0123");
    const wide = await kubectlOk(["get", resource, "listed", "-n", ns.name, "-o", "wide"]);
    expect(wide.split("\n")[0]?.trim().split(/\s+/)).toStrictEqual(["NAME", "READY", "SYNCED", "EXTERNAL-NAME", "AGE", "REGION"]);
  });

  it("is listed by its category", async () => {
    const byCategory = await kubectlOk(["get", "managed", "-n", ns.name, "-o", "name"]);
    expect(byCategory).toContain(`disk.${group}/valid`);
  });
});

// Every construct the converter handles, judged by the API server: accepted with no warnings, and
// values round-trip (unknown fields kept where asked, int-or-string both ways, nulls where nullable).
const Shared = z.object({ street: z.string() }).meta({ id: `CrdApplyAddress${group.replaceAll(/[^a-z0-9]/g, "")}` });
const gadget = crdFor({
  group,
  version: "v1",
  kind: "Gadget",
  plural: "gadgets",
  scope: "Namespaced",
  description: "Every zod construct the CRD generator supports.",
  spec: z.object({
    port: z.union([z.string(), z.number().int()]),
    nickname: z.string().nullable().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    anything: z.unknown().optional(),
    loose: z.looseObject({ name: z.string() }).optional(),
    code: z.string().regex(/^[a-z]/).regex(/[0-9]$/).optional(),
    tier: z.union([z.literal("gold"), z.literal("silver")]).default("silver"),
    address: z.ipv4().optional(),
    ratio: z.number().gt(0).lte(1).optional(),
    home: Shared.optional(),
    work: Shared.optional().describe("A reused schema, inlined."),
    rules: z.array(z.object({ from: z.number().int(), to: z.number().int() })).optional(),
  }),
  status: z.object({ phase: z.enum(["Pending", "Ready"]).optional() }),
});

describe("generated CRD covering every supported construct", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let applied: KubectlResult;
  const gadgetName = gadget.metadata.name;

  beforeAll(async () => {
    ns = await testNamespace("crdx");
    applied = await kubectl(["apply", "-f", "-"], toYaml([gadget]));
    if (applied.code === 0) await waitEstablished(gadgetName);
  });

  afterAll(async () => {
    await ns.cleanup();
    await kubectl(["delete", "crd", gadgetName, "--wait=false"]);
  });

  it("is accepted without warnings and Established", () => {
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
  });

  it("keeps the values the schema allows", async () => {
    const spec = {
      port: "http",
      nickname: null,
      labels: { a: "b" },
      settings: { nested: { deep: [1, "two"] } },
      anything: [true, { x: 1 }],
      loose: { name: "n", extra: "kept" },
      code: "a1",
      address: "10.0.0.1",
      ratio: 0.5,
      home: { street: "Main St" },
      work: { street: "Side St" },
      rules: [{ from: 1, to: 2 }],
    };
    const obj = { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: "full", namespace: ns.name }, spec };
    // create, not apply: a client-side apply treats null as "remove the field".
    const result = await kubectl(["create", "-f", "-"], JSON.stringify(obj));
    expect(result.stderr).toBe("");
    const got = await getJson(["get", `gadgets.${group}`, "full", "-n", ns.name]);
    expect(got).toMatchObject({ spec: { ...spec, tier: "silver" } });
    const numeric = { ...obj, metadata: { name: "numeric", namespace: ns.name }, spec: { port: 8080 } };
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(numeric));
  });

  const rejections: Record<string, { spec: Record<string, unknown>; want: string }> = {
    "a boolean port": { spec: { port: true }, want: "spec.port" },
    "a second pattern": { spec: { port: 1, code: "ab" }, want: "spec.code" },
    "an enum value": { spec: { port: 1, tier: "bronze" }, want: 'spec.tier: Unsupported value: "bronze"' },
    "an exclusive minimum": { spec: { port: 1, ratio: 0 }, want: "spec.ratio" },
    "a bad ipv4": { spec: { port: 1, address: "10.0.0.300" }, want: "spec.address" },
  };

  for (const [name, tc] of Object.entries(rejections)) {
    it(`rejects ${name}`, async () => {
      const obj = { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: uniqueName("bad"), namespace: ns.name }, spec: tc.spec };
      const result = await kubectl(["apply", "-f", "-"], JSON.stringify(obj));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(tc.want);
    });
  }
});
