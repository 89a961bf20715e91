import { describe, expect, it } from "vitest";
import { crdFor } from "../core/crd/generate.ts";
import { assertStructural } from "../core/crd/structural.ts";
import { catalogYaml } from "./_catalog.ts";
import { breakingChanges } from "./compatibility.ts";
import { abstractCrd, compileDefinition } from "./definition.ts";
import type { CompiledDefinition } from "./definition.ts";
import { CompositeDefinition, compositionKinds } from "./kinds.ts";

function definitionWith(edit: (spec: Record<string, unknown>) => void): CompositeDefinition {
  const raw = structuredClone(catalogYaml("definition.yaml")) as { spec: { schema: { spec: Record<string, unknown> } } };
  edit(raw.spec.schema.spec);
  return CompositeDefinition.parse(raw);
}
function compile(d: CompositeDefinition): CompiledDefinition {
  const r = compileDefinition(d);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.compiled;
}
const props = (s: Record<string, unknown>) => s.properties as Record<string, Record<string, unknown>>;
const base = compile(definitionWith(() => {}));

describe("definitions", () => {
  it("the composition kinds have structural CRDs", () => {
    for (const k of compositionKinds) expect(() => assertStructural(crdFor(k).spec.versions[0]?.schema.openAPIV3Schema)).not.toThrow();
  });

  it("the abstract CRD is structural, in category terraplane, with READY/SYNCED/COMPOSITION/AGE and the immutability rule", () => {
    const crd = abstractCrd(base);
    const v = crd.spec.versions[0]!;
    expect(() => assertStructural(v.schema.openAPIV3Schema)).not.toThrow();
    expect(crd.metadata.name).toBe("webstacks.platform.terraplane.dev");
    expect(crd.spec.names.categories).toContain("terraplane");
    expect(v.additionalPrinterColumns?.map((c) => c.name)).toEqual(["READY", "SYNCED", "COMPOSITION", "AGE"]);
    const spec = v.schema.openAPIV3Schema.properties?.spec;
    expect(spec?.["x-kubernetes-validations"]?.[0]?.message).toMatch(/cloud is immutable/);
    expect(Object.keys(spec?.properties ?? {})).toEqual(expect.arrayContaining(["cloud", "backends", "compositionRef", "compositionSelector", "compositionUpdatePolicy", "writeConnectionSecretToRef"]));
  });

  it("refuses a non-structural schema and reserved field names, naming the field", () => {
    const reserved = compileDefinition(definitionWith((s) => (props(s).compositionRef = { type: "string" })));
    expect(reserved.ok ? [] : reserved.problems).toContainEqual({ path: "spec.schema.spec.properties.compositionRef", message: "compositionRef is reserved: every instance has it" });
    const union = compileDefinition(definitionWith((s) => (props(s).odd = { anyOf: [{ type: "string" }, { type: "object" }] })));
    expect(union.ok ? [] : union.problems.map((p) => p.path)).toEqual(["spec.schema.spec.odd"]);
  });

  const cases: Record<string, { edit: (s: Record<string, unknown>) => void; want: RegExp[] }> = {
    none: { edit: (s) => (props(s).extra = { type: "string" }), want: [] },
    fieldRemoved: { edit: (s) => delete props(s).healthCheckPath, want: [/spec.healthCheckPath: field removed/] },
    typeChanged: { edit: (s) => (props(s).storageGB = { type: "string" }), want: [/spec.storageGB: type changed from an integer to a string/] },
    enumNarrowed: { edit: (s) => (props(s).size = { type: "string", enum: ["small", "medium"] }), want: [/spec.size: enum values removed: "large"/] },
    newlyRequired: { edit: (s) => ((s.required as string[]).push("appPort"), delete props(s).appPort!.default), want: [/spec.appPort: became required/] },
    tighter: { edit: (s) => (props(s).storageGB!.maximum = 500), want: [/maximum lowered to 500/] },
  };
  for (const [name, tc] of Object.entries(cases)) {
    it(`compatibility: ${name}`, () => {
      const changes = breakingChanges(base, compile(definitionWith(tc.edit))).map((c) => `${c.path}: ${c.message}`);
      expect(changes).toHaveLength(tc.want.length);
      tc.want.forEach((w, i) => expect(changes[i]).toMatch(w));
    });
  }
});
