import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { immutable } from "../kind.ts";
import type { CrdKind, ManagedKind } from "../kind.ts";
import { commonSpecRules } from "../managed.ts";
import type { ManagedSpec as CoreManagedSpec } from "../provider.ts";
import { GENERATED_HEADER, crdFor, managedCrd, managedResourceSchema, toYaml } from "./generate.ts";
import type { CustomResourceDefinition, ManagedSpec } from "./generate.ts";
import { assertStructural, isStructuralSchemaError } from "./structural.ts";
import type { StructuralSchema } from "./structural.ts";

// A small managed kind, as a provider would declare it.
const ForProvider = z.object({
  region: z.string().min(1),
  size: z.number().int().min(1).default(10),
  tags: z.record(z.string(), z.string()).optional(),
  encryption: z.object({ kmsKeyId: z.string(), enabled: z.boolean().default(true) }).optional(),
});
const AtProvider = z.object({ arn: z.string().optional(), status: z.string().optional() });
const Volume: ManagedKind<typeof ForProvider, typeof AtProvider> = {
  group: "aws.terraplane.dev",
  version: "v1alpha1",
  kind: "Volume",
  plural: "volumes",
  shortNames: ["vol"],
  description: "An EBS volume.",
  forProvider: ForProvider,
  atProvider: AtProvider,
  forProviderRules: immutable(["region"], "Volume"),
  printerColumns: [{ name: "SIZE", type: "integer", jsonPath: ".spec.forProvider.size", priority: 1 }],
};

function schemaOf(crd: CustomResourceDefinition): StructuralSchema {
  const [version] = crd.spec.versions;
  if (!version) throw new Error("no version");
  return version.schema.openAPIV3Schema;
}

describe("managedCrd", () => {
  const crd = managedCrd(Volume);
  const root = schemaOf(crd);
  const spec = root.properties?.spec;
  const status = root.properties?.status;

  it("is a structural, namespaced CRD with one served and stored version and a status subresource", () => {
    expect(() => assertStructural(root)).not.toThrow();
    expect(crd.metadata.name).toBe("volumes.aws.terraplane.dev");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
    expect(root).toMatchObject({ type: "object", description: "An EBS volume.", required: ["spec"] });
    expect(root.properties?.metadata).toStrictEqual({ type: "object" });
    expect(root.properties?.apiVersion?.type).toBe("string");
    expect(root.properties?.kind?.type).toBe("string");
  });

  it("has the names, the managed categories and the provider's category", () => {
    expect(crd.spec.names).toStrictEqual({
      plural: "volumes",
      singular: "volume",
      kind: "Volume",
      listKind: "VolumeList",
      shortNames: ["vol"],
      categories: ["terraplane", "managed", "aws"],
    });
  });

  it("has the common printer columns, then the kind's own", () => {
    expect(crd.spec.versions[0]?.additionalPrinterColumns).toStrictEqual([
      { name: "READY", type: "string", jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
      { name: "SYNCED", type: "string", jsonPath: ".status.conditions[?(@.type=='Synced')].status" },
      { name: "EXTERNAL-NAME", type: "string", jsonPath: ".metadata.annotations.terraplane\\.dev/external-name" },
      { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "SIZE", type: "integer", jsonPath: ".spec.forProvider.size", priority: 1 },
    ]);
  });

  it("has forProvider with its fields, defaults and immutability rule", () => {
    const forProvider = spec?.properties?.forProvider;
    expect(forProvider?.required).toStrictEqual(["region"]);
    expect(forProvider?.properties?.size).toStrictEqual({ type: "integer", default: 10, minimum: 1 });
    expect(forProvider?.properties?.tags).toStrictEqual({ type: "object", additionalProperties: { type: "string" } });
    expect(forProvider?.properties?.encryption?.required).toStrictEqual(["kmsKeyId"]);
    expect(forProvider?.["x-kubernetes-validations"]).toStrictEqual([
      {
        rule: "has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",
        message: "region is immutable: create a new Volume with the new region (and delete this one) instead of changing it",
      },
    ]);
  });

  it("has managementPolicies defaulting to everything, as a set with its rules", () => {
    expect(spec?.properties?.managementPolicies).toMatchObject({
      type: "array",
      default: ["*"],
      items: { type: "string", enum: ["*", "Observe", "Create", "Update", "Delete", "LateInitialize"] },
      "x-kubernetes-list-type": "set",
      "x-kubernetes-validations": [
        { rule: "!self.exists(p, p == '*') || size(self) == 1" },
        { rule: "size(self) > 0" },
        { rule: "self.exists(p, p == '*' || p == 'Observe')" },
      ],
    });
  });

  it("has the other common spec fields, their defaults and the spec's rules", () => {
    expect(spec?.required).toStrictEqual(["forProvider"]);
    expect(spec?.properties?.providerConfigRef).toMatchObject({
      type: "object",
      default: {},
      properties: { kind: { default: "ClusterProviderConfig" }, name: { default: "default" } },
    });
    expect(spec?.properties?.deletionPolicy).toMatchObject({ type: "string", enum: ["Delete", "Orphan"] });
    expect(spec?.properties?.writeConnectionSecretToRef?.required).toStrictEqual(["name"]);
    expect(spec?.["x-kubernetes-validations"]).toStrictEqual(commonSpecRules.map((r) => ({ rule: r.rule, message: r.message })));
  });

  it("has atProvider and the common status", () => {
    expect(status?.required).toBeUndefined();
    expect(status?.properties?.atProvider).toStrictEqual({
      type: "object",
      properties: { arn: { type: "string" }, status: { type: "string" } },
    });
    expect(status?.properties?.conditions).toMatchObject({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] });
    expect(Object.keys(status?.properties ?? {})).toStrictEqual([
      "atProvider", "conditions", "observedGeneration", "lastSyncTime", "drift", "diff", "pendingOperation",
    ]);
  });

  it("keeps rules forProvider already carries beside the kind's forProviderRules", () => {
    const withOwn = managedCrd({
      ...Volume,
      forProvider: ForProvider.meta({ "x-kubernetes-validations": [{ rule: "self.size <= 100", message: "too big" }] }),
    });
    const rules = schemaOf(withOwn).properties?.spec?.properties?.forProvider?.["x-kubernetes-validations"];
    expect(rules?.map((r) => r.message)).toStrictEqual([
      "too big",
      "region is immutable: create a new Volume with the new region (and delete this one) instead of changing it",
    ]);
  });

  it("names the kind and field when the schema cannot be structural", () => {
    const bad = { ...Volume, forProvider: z.object({ port: z.union([z.string(), z.boolean()]) }) };
    let err: unknown;
    try {
      managedCrd(bad);
    } catch (e) {
      err = e;
    }
    expect(isStructuralSchemaError(err)).toBe(true);
    expect(isStructuralSchemaError(err) ? err.violations.map((v) => v.path) : []).toStrictEqual(["spec.forProvider.port"]);
    expect(err instanceof Error ? err.message : "").toMatch(/^volumes\.aws\.terraplane\.dev: 1 problem/);
  });
});

describe("managedResourceSchema", () => {
  const schema = managedResourceSchema(Volume);

  it("parses a resource into typed data with defaults applied", () => {
    const parsed = schema.parse({ apiVersion: "x", spec: { forProvider: { region: "eu-west-1" } } });
    const spec: ManagedSpec<typeof ForProvider> = parsed.spec;
    // The core's hand-written contract type must accept what the schema produces.
    const forCore: CoreManagedSpec<z.output<typeof ForProvider>> = spec;
    expect(spec).toStrictEqual({
      forProvider: { region: "eu-west-1", size: 10 },
      managementPolicies: ["*"],
      providerConfigRef: { kind: "ClusterProviderConfig", name: "default" },
    });
    expect(forCore).toBe(spec);
    expect(parsed.status).toBeUndefined();
  });

  it("rejects what the CRD's schema rejects", () => {
    const result = schema.safeParse({ spec: { forProvider: { region: "" }, managementPolicies: ["Fly"] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toStrictEqual(["spec.forProvider.region", "spec.managementPolicies.0"]);
  });

  it("parses the status with atProvider and conditions", () => {
    const parsed = schema.parse({
      spec: { forProvider: { region: "eu-west-1" } },
      status: {
        atProvider: { arn: "arn:aws:ec2:vol-1" },
        conditions: [{ type: "Ready", status: "True", reason: "Available", lastTransitionTime: "2025-01-01T00:00:00Z" }],
      },
    });
    expect(parsed.status?.atProvider?.arn).toBe("arn:aws:ec2:vol-1");
    expect(parsed.status?.conditions?.[0]?.status).toBe("True");
  });
});

describe("crdFor", () => {
  const cases: Record<string, { reason: string; kind: CrdKind; want: Partial<CustomResourceDefinition["spec"]> }> = {
    "cluster-scoped without status": {
      reason: "no status subresource and no columns when not asked for",
      kind: {
        group: "terraplane.dev",
        version: "v1",
        kind: "ClusterProviderConfig",
        plural: "clusterproviderconfigs",
        scope: "Cluster",
        description: "Credentials for a cloud.",
        spec: z.object({ source: z.enum(["Secret", "Environment"]) }),
      },
      want: {
        scope: "Cluster",
        names: { plural: "clusterproviderconfigs", singular: "clusterproviderconfig", kind: "ClusterProviderConfig", listKind: "ClusterProviderConfigList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                description: "Credentials for a cloud.",
                properties: {
                  apiVersion: { type: "string", description: "The API version of this object, e.g. terraplane.dev/v1." },
                  kind: { type: "string", description: "Always ClusterProviderConfig." },
                  metadata: { type: "object" },
                  spec: { type: "object", properties: { source: { type: "string", enum: ["Secret", "Environment"] } }, required: ["source"] },
                },
                required: ["spec"],
              },
            },
          },
        ],
      },
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      expect(crdFor(tc.kind).spec).toStrictEqual({ group: tc.kind.group, ...tc.want });
    });
  }

  it("rejects a spec that is not an object", () => {
    const kind: CrdKind = { group: "a.dev", version: "v1", kind: "A", plural: "as", scope: "Cluster", description: "", spec: z.string() };
    expect(() => crdFor(kind)).toThrow(/as\.a\.dev: 1 problem .*\n {2}- spec: must be an object schema/);
  });

  it("uses the given singular name", () => {
    const kind: CrdKind = {
      group: "a.dev", version: "v1", kind: "Policy", plural: "policies", singular: "policy", scope: "Cluster", description: "", spec: z.object({}),
    };
    expect(crdFor(kind).spec.names.singular).toBe("policy");
  });
});

describe("toYaml", () => {
  const other = managedCrd({ ...Volume, group: "gcp.terraplane.dev", kind: "Disk", plural: "disks", shortNames: undefined });
  const volume = managedCrd(Volume);

  it("is deterministic: same output whatever the input order, and from fresh schemas", () => {
    const a = toYaml([volume, other]);
    expect(toYaml([other, volume])).toBe(a);
    expect(toYaml([managedCrd(Volume), other])).toBe(a);
  });

  it("starts with the header and holds one document per CRD, sorted by name, round-tripping to the same data", () => {
    const text = toYaml([volume, other]);
    expect(text.startsWith(`${GENERATED_HEADER}\n---\n`)).toBe(true);
    const docs = parseAllDocuments(text).map((d) => {
      const data: unknown = d.toJS();
      return data;
    });
    expect(docs).toStrictEqual([JSON.parse(JSON.stringify(other)), JSON.parse(JSON.stringify(volume))]);
  });

  it("writes no anchors or aliases, and does not fold long lines", () => {
    const text = toYaml([volume]);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text).toContain(`- rule: ${JSON.stringify(commonSpecRules[0].rule)}\n`);
    expect(parse(text.replace(`${GENERATED_HEADER}\n---\n`, ""))).toStrictEqual(JSON.parse(JSON.stringify(volume)));
  });
});
