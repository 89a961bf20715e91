import { describe, expect, it } from "vitest";
import { CycleError, waves } from "./dag.ts";
import { deletionWaves, pruneWaves } from "./inventory.ts";
import type { InventoryEntry } from "./inventory.ts";

describe("waves", () => {
  const cases: Record<string, { nodes: { id: string; dependsOn: string[] }[]; want: string[][] | RegExp }> = {
    independent: { nodes: [{ id: "a", dependsOn: [] }, { id: "b", dependsOn: [] }], want: [["a", "b"]] },
    chain: { nodes: [{ id: "cdn", dependsOn: ["lb"] }, { id: "lb", dependsOn: ["db"] }, { id: "db", dependsOn: [] }], want: [["db"], ["lb"], ["cdn"]] },
    diamond: { nodes: [{ id: "a", dependsOn: [] }, { id: "b", dependsOn: ["a"] }, { id: "c", dependsOn: ["a"] }, { id: "d", dependsOn: ["b", "c"] }], want: [["a"], ["b", "c"], ["d"]] },
    unknownIgnored: { nodes: [{ id: "a", dependsOn: ["ghost"] }], want: [["a"]] },
    cycle: { nodes: [{ id: "a", dependsOn: [] }, { id: "b", dependsOn: ["c"] }, { id: "c", dependsOn: ["b"] }], want: /reference cycle: b → c → b/ },
    selfCycle: { nodes: [{ id: "a", dependsOn: ["a"] }], want: /reference cycle: a → a/ },
  };
  for (const [name, tc] of Object.entries(cases)) {
    it(name, () => {
      if (tc.want instanceof RegExp) expect(() => waves(tc.nodes)).toThrow(tc.want);
      else expect(waves(tc.nodes)).toEqual(tc.want);
    });
  }
  it("names the cycle on the error", () => {
    try {
      waves([{ id: "x", dependsOn: ["y"] }, { id: "y", dependsOn: ["x"] }]);
    } catch (err) {
      expect(err).toBeInstanceOf(CycleError);
      expect((err as CycleError).cycle).toEqual(["x", "y", "x"]);
    }
  });
});

describe("inventory", () => {
  const entry = (id: string, wave: number, dependsOn: string[] = []): InventoryEntry => ({ id, apiVersion: "aws.terraplane.dev/v1alpha1", kind: "K", name: `s-${id}`, wave, dependsOn });
  const inventory = [entry("db", 0), entry("lb", 0), entry("cdn", 1, ["lb"])];
  it("deletes dependents first", () => {
    expect(deletionWaves(inventory).map((w) => w.map((e) => e.id))).toEqual([["cdn"], ["db", "lb"]]);
  });
  it("prunes only what the new render no longer has, in deletion order", () => {
    expect(pruneWaves(inventory, [entry("db", 0)]).map((w) => w.map((e) => e.id))).toEqual([["cdn"], ["lb"]]);
    expect(pruneWaves(inventory, inventory)).toEqual([]);
  });
});
