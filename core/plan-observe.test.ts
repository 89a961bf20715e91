import { describe, expect, it } from "vitest";
import { planFromStatus } from "./plan-observe.ts";
import type { ExternalNamePolicy, Managed, ManagedStatus } from "./provider.ts";

const NOW = new Date("2026-12-03T12:00:00Z");
const kind: { externalName: ExternalNamePolicy } = { externalName: { assignedByCloud: false } };

function mr(status: ManagedStatus, generation = 2, policies: Managed["spec"]["managementPolicies"] = ["Observe"]): Managed {
  return {
    apiVersion: "x.terraplane.dev/v1alpha1",
    kind: "Thing",
    metadata: { name: "a", namespace: "ns", generation },
    spec: { forProvider: {}, managementPolicies: policies, providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
    status,
  };
}

const synced = (generation: number, status: "True" | "False" = "True") => ({ type: "Synced", status, reason: "ReconcileSuccess", lastTransitionTime: "2026-12-03T11:00:00Z", observedGeneration: generation });
const fresh = { observedGeneration: 2, lastSyncTime: "2026-12-03T11:59:50Z", conditions: [synced(2)] };

const cases: Record<string, { status: ManagedStatus; want: { action?: string; fields?: string[]; stale?: RegExp } }> = {
  "fresh, no diff": { status: fresh, want: { action: "none", fields: [] } },
  "fresh, a diff the policies forbid fixing": { status: { ...fresh, diff: [{ path: "tags.team", desired: '"a"', observed: '"b"' }] }, want: { action: "blocked", fields: ["tags.team"] } },
  "spec edited since": { status: { ...fresh, observedGeneration: 1 }, want: { stale: /not yet processed generation 2/ } },
  "Synced False": { status: { ...fresh, conditions: [{ ...synced(2, "False"), message: "cannot observe" }] }, want: { stale: /Synced is not True.*cannot observe/ } },
  "Synced for an older generation": { status: { ...fresh, conditions: [synced(1)] }, want: { stale: /Synced is not True/ } },
  "never observed": { status: { observedGeneration: 2, conditions: [synced(2)] }, want: { stale: /has not observed it yet/ } },
  "too old": { status: { ...fresh, lastSyncTime: "2026-12-03T11:50:00Z" }, want: { stale: /600s old/ } },
};

describe("planFromStatus", () => {
  it.each(Object.entries(cases))("%s", (_n, c) => {
    const got = planFromStatus(kind, mr(c.status), 300_000, NOW);
    if (c.want.stale) {
      expect(got).toMatchObject({ fresh: false });
      expect("why" in got ? got.why : "").toMatch(c.want.stale);
      return;
    }
    expect("plan" in got && { action: got.plan.action, fields: got.plan.fields.map((f) => f.path), source: got.source }).toEqual({ action: c.want.action, fields: c.want.fields, source: "controller" });
  });
});
