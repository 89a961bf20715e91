import { describe, expect, it } from "vitest";
import { Annotations, FINALIZER } from "./managed.ts";
import { decide, exitCodeOf, planOf, redact } from "./plan.ts";
import type { Plan, PlanAction, PlanReason } from "./plan.ts";
import type { ExternalNamePolicy, Managed, Observation } from "./provider.ts";

interface Shape {
  annotations?: Record<string, string>;
  finalizers?: string[];
  policies?: Managed["spec"]["managementPolicies"];
  deletionPolicy?: "Delete" | "Orphan";
  deleting?: boolean;
}

function mr(o: Shape = {}): Managed {
  return {
    apiVersion: "x.terraplane.dev/v1alpha1",
    kind: "Thing",
    metadata: { name: "a", namespace: "ns", annotations: o.annotations ?? {}, finalizers: o.finalizers ?? [], ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: {
      forProvider: {},
      managementPolicies: o.policies ?? ["*"],
      providerConfigRef: { kind: "ClusterProviderConfig", name: "default" },
      ...(o.deletionPolicy ? { deletionPolicy: o.deletionPolicy } : {}),
    },
  };
}

const chosen: ExternalNamePolicy = { assignedByCloud: false };
const byCloud: ExternalNamePolicy = { assignedByCloud: true };
const diff = [{ path: "tags.team", desired: "a", observed: "b" }];
const secret = [{ path: "password", desired: "hunter2", observed: "x", sensitive: true }];
const pending = { [Annotations.createPending]: "2026-11-21T11:00:00.000Z" };
const op = { id: "op-1", action: "update" };

const cases: Record<string, { reason: string; mr: Managed; obs: Observation; names?: ExternalNamePolicy; want: { action: PlanAction; reason: PlanReason; fields?: number } }> = {
  missing: { reason: "a missing resource is created", mr: mr(), obs: { exists: false }, want: { action: "create", reason: "create" } },
  observeOnlyMissing: { reason: "Observe only: missing is reported, never created", mr: mr({ policies: ["Observe"] }), obs: { exists: false }, want: { action: "blocked", reason: "create-not-allowed" } },
  unknownCreate: { reason: "an unknown create with a cloud-assigned name stops", mr: mr({ annotations: pending }), obs: { exists: false }, names: byCloud, want: { action: "blocked", reason: "create-outcome-unknown" } },
  unknownCreateToken: { reason: "an idempotent create is simply repeated", mr: mr({ annotations: pending }), obs: { exists: false }, names: { assignedByCloud: true, idempotentCreate: true }, want: { action: "create", reason: "create" } },
  unknownCreateNamed: { reason: "a chosen name finds the resource again: create", mr: mr({ annotations: pending }), obs: { exists: false }, want: { action: "create", reason: "create" } },
  upToDate: { reason: "no diff, nothing to do", mr: mr(), obs: { exists: true, diff: [] }, want: { action: "none", reason: "up-to-date", fields: 0 } },
  differs: { reason: "a diff is updated", mr: mr(), obs: { exists: true, diff }, want: { action: "update", reason: "update", fields: 1 } },
  differsObserveOnly: { reason: "a diff with Observe only is reported, not fought", mr: mr({ policies: ["Observe"] }), obs: { exists: true, diff }, want: { action: "blocked", reason: "update-not-allowed", fields: 1 } },
  inFlight: { reason: "a diff while an operation runs waits for it", mr: mr(), obs: { exists: true, diff, pendingOperation: op }, want: { action: "blocked", reason: "in-flight", fields: 1 } },
  paused: { reason: "paused beats everything", mr: mr({ annotations: { [Annotations.paused]: "true" }, deleting: true, finalizers: [FINALIZER] }), obs: { exists: true, diff }, want: { action: "blocked", reason: "paused" } },
  deleteNoFinalizer: { reason: "deleting without our finalizer: done", mr: mr({ deleting: true }), obs: { exists: true, diff: [] }, want: { action: "none", reason: "released" } },
  deleteOrphan: { reason: "deleting with Orphan leaves it", mr: mr({ deleting: true, finalizers: [FINALIZER], deletionPolicy: "Orphan" }), obs: { exists: true, diff: [] }, want: { action: "none", reason: "orphan" } },
  deleteNotAllowed: { reason: "Delete not in policies means Orphan", mr: mr({ deleting: true, finalizers: [FINALIZER], policies: ["Observe", "Update"] }), obs: { exists: true, diff: [] }, want: { action: "none", reason: "orphan" } },
  deleteGone: { reason: "already gone: released", mr: mr({ deleting: true, finalizers: [FINALIZER] }), obs: { exists: false }, want: { action: "none", reason: "gone" } },
  deleteUnderWay: { reason: "the cloud's delete under way is only watched", mr: mr({ deleting: true, finalizers: [FINALIZER] }), obs: { exists: true, diff: [], ready: "Deleting", pendingOperation: op }, want: { action: "none", reason: "deleting" } },
  deleteCall: { reason: "exists: a delete call", mr: mr({ deleting: true, finalizers: [FINALIZER] }), obs: { exists: true, diff: [] }, want: { action: "delete", reason: "delete" } },
};

describe("planOf", () => {
  it.each(Object.entries(cases))("%s", (_name, c) => {
    const plan = planOf(c.mr, c.obs, c.names ?? chosen);
    expect({ action: plan.action, reason: plan.reason }, c.reason).toEqual({ action: c.want.action, reason: c.want.reason });
    if (c.want.fields !== undefined) expect(plan.fields).toHaveLength(c.want.fields);
    expect(plan.message).not.toBe("");
  });

  it("redacts sensitive values exactly as status.drift does", () => {
    const plan = planOf(mr(), { exists: true, diff: [...diff, ...secret] }, chosen);
    expect(plan.fields).toEqual([{ path: "tags.team", desired: '"a"', observed: '"b"' }, { path: "password" }]);
    expect(JSON.stringify(plan)).not.toContain("hunter2");
    expect(plan.fields).toEqual([...diff, ...secret].map(redact));
  });

  it("decides the same from facts recorded in status", () => {
    const fromStatus = decide(mr({ policies: ["Observe"] }), { exists: true, fields: diff.map(redact) }, chosen);
    expect(fromStatus).toEqual(planOf(mr({ policies: ["Observe"] }), { exists: true, diff }, chosen));
  });
});

describe("exitCodeOf", () => {
  const p = (action: PlanAction): Plan => ({ action, reason: "update", message: "m", fields: [] });
  const rows: Record<string, { plans: Plan[]; want: 0 | 2 }> = {
    "nothing to plan": { plans: [], want: 0 },
    "all none": { plans: [p("none"), p("none")], want: 0 },
    "one create": { plans: [p("none"), p("create")], want: 2 },
    "one blocked": { plans: [p("blocked")], want: 2 },
    "one delete": { plans: [p("delete")], want: 2 },
  };
  it.each(Object.entries(rows))("%s", (_n, r) => expect(exitCodeOf(r.plans)).toBe(r.want));
});
