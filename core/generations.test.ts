import { describe, expect, it } from "vitest";
import { Generations } from "./generations.ts";
import type { Managed } from "./provider.ts";

function mr(generation: number, observedGeneration?: number): Managed {
  return {
    metadata: { name: "a", namespace: "ns", uid: "u1", generation },
    spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
    ...(observedGeneration !== undefined ? { status: { observedGeneration } } : {}),
  };
}

describe("Generations.isDrift", () => {
  const cases: Record<string, { reason: string; setup: (g: Generations) => void; obj: Managed; want: boolean }> = {
    "no status yet": { reason: "nothing was ever synced", setup: () => undefined, obj: { ...mr(1), status: undefined }, want: false },
    "spec unchanged since the last status write": { reason: "after a restart, the status is the only memory", setup: () => undefined, obj: mr(3, 3), want: true },
    "spec edited since the last status write": { reason: "the edit is on its way", setup: () => undefined, obj: mr(4, 3), want: false },
    "our own status write not yet in the informer's copy": {
      reason: "the write this process made counts",
      setup: (g) => g.statusWritten(mr(4, 4)),
      obj: mr(4, 3),
      want: true,
    },
    "a multi-step rollout between steps": {
      reason: "generation 4 was never seen matching the cloud: it is still rolling out",
      setup: (g) => {
        g.converged(mr(3, 3));
        g.statusWritten(mr(4, 4));
      },
      obj: mr(4, 4),
      want: false,
    },
    "a difference after the current generation converged": {
      reason: "the cloud changed after matching this spec",
      setup: (g) => {
        g.converged(mr(4, 4));
        g.statusWritten(mr(4, 4));
      },
      obj: mr(4, 4),
      want: true,
    },
    "forgotten after delete": {
      reason: "a recreated object with the same uid is impossible, but memory must not grow",
      setup: (g) => {
        g.converged(mr(2, 2));
        g.forget(mr(2, 2).metadata.uid ?? "");
      },
      obj: mr(5, 5),
      want: true,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const g = new Generations();
      c.setup(g);
      expect(g.isDrift(c.obj), c.reason).toBe(c.want);
    });
  }
});
