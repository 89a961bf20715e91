import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testKinds } from "./_catalog.ts";
import { catalogFiles } from "./catalog/index.ts";
import { compose } from "./compose.ts";
import { compileComposition } from "./compile.ts";
import { compileDefinition } from "./definition.ts";
import type { CompiledDefinition } from "./definition.ts";
import { loadFiles, loadText } from "./load.ts";
import type { Instance } from "./render.ts";

// docs/concepts/compositions.md's manifests, checked offline with the controller's own compiler
// and renderer (the cluster-side docs test needs the composite controller, which is not served yet).
const page = new URL("../docs/concepts/compositions.md", import.meta.url);

describe("docs/concepts/compositions.md", () => {
  it("its definition, composition and instances compile and render without errors", async () => {
    const text = readFileSync(page, "utf8");
    const blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const docs = blocks.reduce((into, block, i) => loadText(block, `compositions.md block ${i + 1}`, into), await loadFiles(catalogFiles()));
    const definitions = new Map<string, CompiledDefinition>();
    for (const d of docs.definitions) {
      const r = compileDefinition(d);
      expect(r.ok ? [] : r.problems).toEqual([]);
      if (r.ok) definitions.set(`${r.compiled.apiVersion}/${r.compiled.kind}`, r.compiled);
    }
    for (const c of docs.compositions) {
      const def = definitions.get(`${c.spec.compositeTypeRef.apiVersion}/${c.spec.compositeTypeRef.kind}`);
      const r = def ? compileComposition(c, def, testKinds) : undefined;
      expect(r?.ok ? [] : r?.problems, c.metadata.name).toEqual([]);
    }
    expect(docs.objects.length).toBe(2);
    for (const object of docs.objects) {
      const def = definitions.get(`${object.apiVersion}/${object.kind}`);
      if (!def) throw new Error(`no definition for ${object.kind}`);
      const spec = object.spec as Record<string, unknown>;
      const instance: Instance = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: "default" }, spec };
      const r = compose({ instance, definition: def, compositions: docs.compositions, kinds: testKinds });
      expect(r.ok && r.resources.every((x) => x.state !== "error")).toBe(true);
    }
  });
});
