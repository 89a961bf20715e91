import { describe, expect, it } from "vitest";
import { CycleError, UnknownDependencyError, waves } from "./graph.ts";

const graph = (edges: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(edges));

describe("waves", () => {
  const cases: Record<string, { reason: string; edges: Record<string, string[]>; want: string[][] }> = {
    "a chain": { reason: "each waits for the one before", edges: { fr: ["proxy"], proxy: ["um"], um: ["bs"], bs: ["hc"], hc: [] }, want: [["hc"], ["bs"], ["um"], ["proxy"], ["fr"]] },
    "independent nodes share a wave": { reason: "no dependency between them", edges: { hc: [], ip: [], bs: ["hc"], fr: ["bs", "ip"] }, want: [["hc", "ip"], ["bs"], ["fr"]] },
    "empty": { reason: "nothing to order", edges: {}, want: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name} (${c.reason})`, () => expect(waves(graph(c.edges))).toEqual(c.want));
  }

  it("names the cycle", () => {
    const err = (() => {
      try {
        waves(graph({ a: ["b"], b: ["c"], c: ["a"], d: [] }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CycleError);
    expect(err instanceof CycleError ? err.cycle : []).toEqual(["a", "b", "c", "a"]);
    expect(err instanceof Error ? err.message : "").toBe("dependency cycle: a → b → c → a");
  });

  it("refuses a dependency that is not a node", () => {
    expect(() => waves(graph({ cdn: ["lb"] }))).toThrow(UnknownDependencyError);
  });
});
