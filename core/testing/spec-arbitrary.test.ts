import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleKind } from "../crd/_sample.ts";
import { managedCrd } from "../crd/generate.ts";
import type { StructuralSchema } from "../crd/structural.ts";
import { managedParser } from "../parse.ts";
import { namesField } from "./garbage.ts";
import { brokenSpec, formatPath, valueOf, withAt } from "./spec-arbitrary.ts";

const kind = sampleKind();
const specSchema: StructuralSchema = managedCrd(kind).spec.versions[0]?.schema.openAPIV3Schema.properties?.spec ?? {};
const parser = managedParser(kind);
const parse = (spec: unknown) => parser.parse({ apiVersion: "aws.terraplane.dev/v1alpha1", kind: "Disk", metadata: { name: "d", namespace: "ns" }, spec });
const SEED = 1313;

describe("spec arbitraries", () => {
  it("plausible values are specs the kind's own parser accepts", () => {
    fc.assert(fc.property(valueOf(specSchema), (spec) => parse(spec).ok), { seed: SEED, numRuns: 300 });
  });

  it("plausible values honour patterns, bounds and enums of a schema", () => {
    const schema: StructuralSchema = {
      type: "object",
      required: ["name", "size"],
      properties: {
        name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,9}$", maxLength: 10 },
        size: { type: "integer", minimum: 5, maximum: 9 },
        tier: { type: "string", enum: ["a", "b"] },
        ids: { type: "array", maxItems: 2, items: { type: "string" }, "x-kubernetes-list-type": "set" },
      },
    };
    fc.assert(
      fc.property(valueOf(schema), (v) => {
        const o = v as { name: string; size: number; tier?: string; ids?: string[] };
        expect(o.name).toMatch(/^[a-z][a-z0-9-]{0,9}$/);
        expect(o.size).toBeGreaterThanOrEqual(5);
        expect(o.size).toBeLessThanOrEqual(9);
        if (o.tier !== undefined) expect(["a", "b"]).toContain(o.tier);
        if (o.ids) expect(new Set(o.ids).size).toBe(o.ids.length);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("every break the schema itself refuses is refused by the parser too, naming the field", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(brokenSpec(specSchema), (b) => {
        seen.add(b.kind);
        const parsed = parse(b.spec);
        // CEL rules and list uniqueness are the API server's alone: the reconciler must cope with those (providers/garbage-in.test.ts).
        if (b.expect !== "refused") return;
        expect(parsed.ok, `${b.kind} at ${formatPath(b.path)}`).toBe(false);
        if (!parsed.ok) expect(namesField(parsed.problems, b.path), parsed.problems).toBe(true);
      }),
      { seed: SEED, numRuns: 1_000 },
    );
    // The sample kind has bounds, a map, a required field and defaults: most kinds of break occur.
    for (const k of ["type-swap", "null", "below-minimum", "above-maximum", "not-an-integer", "too-short", "drop-required", "unknown-field", "contradictory-policies"]) expect(seen).toContain(k);
  });

  it("withAt replaces, removes and creates along a path without touching the original", () => {
    const root = { a: { b: [1, 2] }, c: 1 };
    expect(withAt(root, ["a", "b", 1], 9)).toEqual({ a: { b: [1, 9] }, c: 1 });
    expect(root).toEqual({ a: { b: [1, 2] }, c: 1 });
    expect(formatPath(["forProvider", "listeners", 0, "port"])).toBe("forProvider.listeners[0].port");
  });
});
