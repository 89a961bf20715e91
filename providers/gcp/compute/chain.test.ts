import { describe, expect, it } from "vitest";
import { CycleError } from "../../../core/graph.ts";
import { deleteNext, ensureNext, inWaves, topExists } from "./chain.ts";
import type { Observed, Part } from "./chain.ts";

// The chain's order comes from what each part depends on: the waves, and which wave each step acts on.

function observed(key: string, dependsOn: readonly string[], state: { exists?: boolean; owned?: boolean } = {}): Observed & { calls: string[] } {
  const calls: string[] = [];
  const p: Part = {
    key,
    what: key,
    collection: "urlMaps",
    name: key,
    dependsOn,
    read: () => Promise.reject(new Error("not read in these tests")),
    insert: () => {
      calls.push(`insert:${key}`);
      return Promise.resolve(`op-${key}`);
    },
    remove: () => {
      calls.push(`delete:${key}`);
      return Promise.resolve(`op-${key}`);
    },
  };
  return { part: p, state: { exists: state.exists ?? false, owned: state.owned ?? true, diff: [], details: {} }, calls };
}

const keys = (waves: readonly (readonly Observed[])[]): string[][] => waves.map((w) => w.map((o) => o.part.key));

describe("chain order", () => {
  it("groups parts into waves by what they depend on, whatever order they are listed in", () => {
    const chain = [observed("fr", ["proxy", "ip"]), observed("proxy", ["um"]), observed("um", ["bs"]), observed("bs", ["hc"]), observed("hc", []), observed("ip", [])];
    expect(keys(inWaves(chain))).toEqual([["hc", "ip"], ["bs"], ["um"], ["proxy"], ["fr"]]);
  });

  it("names a dependency cycle instead of ordering it", () => {
    expect(() => inWaves([observed("um", ["proxy"]), observed("proxy", ["um"])])).toThrow(CycleError);
  });

  it("creates only the first wave with work", async () => {
    const hc = observed("hc", [], { exists: true });
    const bs = observed("bs", ["hc"]);
    const um = observed("um", ["bs"]);
    expect(await ensureNext([um, bs, hc])).toEqual({ operations: ["op-bs"], action: "create" });
    expect([...hc.calls, ...bs.calls, ...um.calls]).toEqual(["insert:bs"]);
    expect(topExists([um, bs, hc])).toBe(false);
  });

  it("deletes the last wave that still has parts it may delete, skipping waves with none", async () => {
    const hc = observed("hc", [], { exists: true });
    const bs = observed("bs", ["hc"], { exists: true });
    const um = observed("um", ["bs"]); // already gone
    const fr = observed("fr", ["um"], { exists: true, owned: false }); // not ours: left alone
    const step = await deleteNext([hc, bs, um, fr], { mayDelete: (o) => o.state.owned });
    expect(step).toEqual({ operations: ["op-bs"], action: "delete" });
    expect([...fr.calls, ...um.calls, ...bs.calls, ...hc.calls]).toEqual(["delete:bs"]);
    expect(await deleteNext([observed("hc", [])])).toBeUndefined();
  });
});
