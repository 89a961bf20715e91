import { describe, expect, it } from "vitest";
import { ApiException } from "@kubernetes/client-node";
import { ProviderError } from "./errors.ts";
import type { ConnectionPublisher } from "./kube/connection-secret.ts";
import type { EventRecorder } from "./kube/events.ts";
import type { ManagedWriter, MetadataPatch } from "./kube/managed-client.ts";
import { nopLogger } from "./log.ts";
import { Annotations, FINALIZER } from "./managed.ts";
import type { CreateResult, ExistingObservation, ExternalClient, Managed, Observation } from "./provider.ts";
import { ManagedReconciler } from "./reconciler.ts";
import type { Outcome } from "./reconciler.ts";

/** Records every write and call, in order, so each case can assert what happened and in which order. */
interface HarnessOptions {
  observation?: Observation;
  observeError?: Error;
  createError?: Error;
  assignedByCloud?: boolean;
  idempotentCreate?: boolean;
  writeError?: Error;
  /** Replaces observe entirely (a hung cloud, a changing answer). */
  observe?: () => Promise<Observation>;
  /** What a create returns. */
  created?: CreateResult | undefined;
  /** A create that never answers. */
  createHangs?: boolean;
  /** What the late-initialising write throws. */
  lateInitError?: Error;
}

function harness(opts: HarnessOptions = {}) {
  const log: string[] = [];
  const statuses: Readonly<Record<string, unknown>>[] = [];
  /** The external name each delete call was given. */
  const deleted: (string | undefined)[] = [];
  const writer: ManagedWriter = {
    async patchMetadata(mr: Managed, patch: MetadataPatch, o: { precondition: boolean }) {
      if (opts.writeError) throw opts.writeError;
      log.push(`meta${o.precondition ? "!" : ""}:${JSON.stringify(patch)}`);
      return { ...mr.metadata, annotations: { ...mr.metadata.annotations, ...patch.annotations }, finalizers: [...(patch.finalizers ?? mr.metadata.finalizers ?? [])] };
    },
    async patchForProvider(mr, fields, annotations) {
      if (opts.lateInitError) throw opts.lateInitError;
      log.push(`lateinit:${JSON.stringify(fields)}${annotations ? ` annotations:${JSON.stringify(annotations)}` : ""}`);
      return annotations ? { ...mr, metadata: { ...mr.metadata, annotations: { ...mr.metadata.annotations, ...annotations } } } : mr;
    },
    async patchStatus(_mr, status) {
      statuses.push(status);
      log.push(`status:${JSON.stringify((status.conditions as { type: string; reason: string }[]).map((c) => `${c.type}=${c.reason}`))}`);
    },
  };
  const messages: string[] = [];
  const events: EventRecorder = {
    record: async (_mr, type, reason, message) => {
      log.push(`event:${type}:${reason}`);
      messages.push(message);
    },
  };
  const connection: ConnectionPublisher = { publish: async () => void log.push("secret"), forget: () => undefined, size: 0 };
  const observeMaxAges: (number | undefined)[] = [];
  const priorities: string[] = [];
  const external: ExternalClient = {
    async observe(_mr, o) {
      log.push("observe");
      observeMaxAges.push(o.maxAgeMs);
      priorities.push(`${o.priority ?? "-"}${o.promoted ? "+promotable" : ""}`);
      if (opts.observe) return opts.observe();
      if (opts.observeError) throw opts.observeError;
      return opts.observation ?? { exists: false };
    },
    async create() {
      log.push("create");
      if (opts.createError) throw opts.createError;
      if (opts.createHangs) return new Promise<CreateResult>(() => undefined);
      return opts.created ?? { externalName: "cloud-id-1" };
    },
    async update() {
      log.push("update");
      return {};
    },
    async delete(target) {
      log.push("delete");
      deleted.push(target.metadata.annotations?.[Annotations.externalName]);
      return {};
    },
  };
  const reconciler = new ManagedReconciler({
    connector: { connect: async () => external },
    externalName: { assignedByCloud: opts.assignedByCloud ?? false, idempotentCreate: opts.idempotentCreate ?? false },
    writer,
    events,
    connection,
    connectContext: (signal) => ({ providerConfig: async () => ({}), secretValue: async () => "", signal }),
    log: nopLogger,
    pollIntervalMs: 60_000,
    progressIntervalMs: 5_000,
    now: () => new Date("2026-11-21T12:00:00Z"),
  });
  const reconcile = (mr: Managed, signal = new AbortController().signal): Promise<Outcome> => reconciler.reconcile(mr, signal);
  return { log, messages, statuses, deleted, observeMaxAges, priorities, reconciler, reconcile };
}

function mr(overrides: { annotations?: Record<string, string>; finalizers?: string[]; policies?: Managed["spec"]["managementPolicies"]; deletionPolicy?: "Delete" | "Orphan"; deleting?: boolean; generation?: number; observedGeneration?: number } = {}): Managed {
  return {
    apiVersion: "x.terraplane.dev/v1alpha1",
    kind: "Thing",
    metadata: {
      name: "a",
      namespace: "ns",
      uid: "u1",
      generation: overrides.generation ?? 1,
      annotations: overrides.annotations ?? {},
      finalizers: overrides.finalizers ?? [],
      ...(overrides.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      forProvider: {},
      managementPolicies: overrides.policies ?? ["*"],
      providerConfigRef: { kind: "ClusterProviderConfig", name: "default" },
      ...(overrides.deletionPolicy ? { deletionPolicy: overrides.deletionPolicy } : {}),
    },
    status: { observedGeneration: overrides.observedGeneration ?? 1 },
  };
}

const available = (o: Partial<ExistingObservation> = {}): Observation => ({ exists: true, diff: [], ready: "Available", ...o });
const conflict = new ApiException(409, "Conflict", "{}", {});
const pending = { [Annotations.createPending]: "2026-11-21T11:00:00.000Z" };

const cases: Record<string, { reason: string; h: HarnessOptions; mr: Managed; want: { log: string[]; outcome: Outcome["type"] | Outcome } }> = {
  "creates after persisting the finalizer and the pending marker": {
    reason: "a crash after any step must leave a trace that prevents a duplicate or a leak",
    h: {},
    mr: mr(),
    want: {
      outcome: "requeue",
      log: [
        "observe",
        `meta!:{"annotations":{"${Annotations.createPending}":"2026-11-21T12:00:00.000Z"},"finalizers":["${FINALIZER}"]}`,
        "create",
        "observe",
        `meta:{"annotations":{"${Annotations.createSucceeded}":"2026-11-21T12:00:00.000Z","${Annotations.externalName}":"cloud-id-1"}}`,
        "event:Normal:CreatedExternalResource",
        'status:["Ready=Creating","Synced=ReconcileSuccess"]',
      ],
    },
  },
  "records a failed create": {
    reason: "create-failed resolves the pending marker so the next attempt may create again",
    h: { createError: new ProviderError("Transient", "boom") },
    mr: mr({ finalizers: [FINALIZER] }),
    want: {
      outcome: "error",
      log: [
        "observe",
        `meta!:{"annotations":{"${Annotations.createPending}":"2026-11-21T12:00:00.000Z"}}`,
        "create",
        `meta:{"annotations":{"${Annotations.createFailed}":"2026-11-21T12:00:00.000Z"}}`,
        "event:Warning:CannotCreateExternalResource",
        'status:["Synced=ReconcileError"]',
      ],
    },
  },
  "never creates when an earlier create's outcome is unknown and the cloud picks the name": {
    reason: "the resource may exist under an identifier we never learnt",
    h: { assignedByCloud: true },
    mr: mr({ annotations: pending, finalizers: [FINALIZER] }),
    want: { outcome: "error", log: ["observe", "event:Warning:CreateOutcomeUnknown", 'status:["Ready=Unavailable","Synced=ReconcileError"]'] },
  },
  "retries a create whose outcome is unknown when create is idempotent by a client token": {
    reason: "the same token finds the earlier attempt's resource or makes exactly one (CloudFront's CallerReference)",
    h: { assignedByCloud: true, idempotentCreate: true },
    mr: mr({ annotations: pending, finalizers: [FINALIZER] }),
    want: {
      outcome: "requeue",
      log: [
        "observe",
        `meta!:{"annotations":{"${Annotations.createPending}":"2026-11-21T12:00:00.000Z"}}`,
        "create",
        "observe",
        `meta:{"annotations":{"${Annotations.createSucceeded}":"2026-11-21T12:00:00.000Z","${Annotations.externalName}":"cloud-id-1"}}`,
        "event:Normal:CreatedExternalResource",
        'status:["Ready=Creating","Synced=ReconcileSuccess"]',
      ],
    },
  },
  "re-creates after an unknown outcome when the name is deterministic": {
    reason: "a duplicate is impossible: the cloud would answer AlreadyExists",
    h: {},
    mr: mr({ annotations: pending, finalizers: [FINALIZER] }),
    want: {
      outcome: "requeue",
      log: [
        "observe",
        `meta!:{"annotations":{"${Annotations.createPending}":"2026-11-21T12:00:00.000Z"}}`,
        "create",
        "observe",
        `meta:{"annotations":{"${Annotations.createSucceeded}":"2026-11-21T12:00:00.000Z","${Annotations.externalName}":"cloud-id-1"}}`,
        "event:Normal:CreatedExternalResource",
        'status:["Ready=Creating","Synced=ReconcileSuccess"]',
      ],
    },
  },
  "observe-only never creates": {
    reason: "managementPolicies [Observe] imports read-only",
    h: {},
    mr: mr({ policies: ["Observe"] }),
    want: { outcome: "error", log: ["observe", "event:Warning:ExternalResourceMissing", 'status:["Ready=Unavailable","Synced=ReconcileError"]'] },
  },
  "records drift and corrects it": {
    reason: "the spec did not change since the last sync, so the cloud moved",
    h: { observation: available({ diff: [{ path: "size", desired: 1, observed: 2 }] }) },
    mr: mr({ finalizers: [FINALIZER] }),
    want: { outcome: "requeue", log: ["observe", "event:Warning:DriftDetected", "update", "event:Normal:UpdatedExternalResource", 'status:["Ready=Available","Synced=ReconcileSuccess"]'] },
  },
  "a spec edit is an update, not drift": {
    reason: "generation is ahead of observedGeneration",
    h: { observation: available({ diff: [{ path: "size", desired: 1, observed: 2 }] }) },
    mr: mr({ finalizers: [FINALIZER], generation: 2, observedGeneration: 1 }),
    want: { outcome: "requeue", log: ["observe", "update", "event:Normal:UpdatedExternalResource", 'status:["Ready=Available","Synced=ReconcileSuccess"]'] },
  },
  "late-initialises only when allowed": {
    reason: "LateInitialize is not in the policies",
    h: { observation: available({ lateInitialized: { color: "red" } }) },
    mr: mr({ policies: ["Observe", "Create", "Update", "Delete"], finalizers: [FINALIZER] }),
    want: { outcome: "requeue", log: ["observe", 'status:["Ready=Available","Synced=ReconcileSuccess"]'] },
  },
  "orphans without calling the cloud": {
    reason: "deletionPolicy Orphan",
    h: {},
    mr: mr({ deleting: true, deletionPolicy: "Orphan", finalizers: [FINALIZER] }),
    want: { outcome: "done", log: ["event:Normal:OrphanedExternalResource", 'meta!:{"finalizers":[]}'] },
  },
  "deletes and waits for the cloud": {
    reason: "the finalizer stays until observe says it is gone",
    h: { observation: available() },
    mr: mr({ deleting: true, finalizers: [FINALIZER] }),
    want: { outcome: "requeue", log: ["observe", "delete", "event:Normal:DeletingExternalResource", 'status:["Ready=Deleting","Synced=ReconcileSuccess"]'] },
  },
  "a delete after a lost create first records the identifier observe found": {
    reason: "the controller died during create and the object was deleted meanwhile: the delete call must name the resource found by its ownership tag",
    h: { assignedByCloud: true, idempotentCreate: true, observation: available({ externalName: "cloud-id-7" }) },
    mr: mr({ deleting: true, annotations: pending, finalizers: [FINALIZER] }),
    want: {
      outcome: "requeue",
      log: [
        "observe",
        `meta:{"annotations":{"${Annotations.externalName}":"cloud-id-7","${Annotations.createSucceeded}":"2026-11-21T12:00:00.000Z"}}`,
        "delete",
        "event:Normal:DeletingExternalResource",
        'status:["Ready=Deleting","Synced=ReconcileSuccess"]',
      ],
    },
  },
  "releases once the cloud resource is gone": {
    reason: "confirmed gone",
    h: {},
    mr: mr({ deleting: true, finalizers: [FINALIZER, "other"] }),
    want: { outcome: "done", log: ["observe", "event:Normal:DeletedExternalResource", 'meta!:{"finalizers":["other"]}'] },
  },
  "a conflict is silent": {
    reason: "optimistic concurrency: requeue, no event, no status",
    h: { writeError: conflict },
    mr: mr(),
    want: { outcome: "conflict", log: ["observe"] },
  },
  "a terminal error does not back off hot": {
    reason: "InvalidParameter can only be fixed by an edit",
    h: { observeError: new ProviderError("InvalidParameter", "bad size") },
    mr: mr({ finalizers: [FINALIZER] }),
    want: { outcome: { type: "error", terminal: true, afterMs: 60_000 }, log: ["observe", "event:Warning:CannotObserveExternalResource", 'status:["Synced=ReconcileError"]'] },
  },
  "a transient error backs off and carries no delay": {
    reason: "the queue's per-key backoff decides when; a delay here would be ignored",
    h: { observeError: new ProviderError("Transient", "503 from the cloud") },
    mr: mr({ finalizers: [FINALIZER] }),
    want: { outcome: { type: "error", terminal: false }, log: ["observe", "event:Warning:CannotObserveExternalResource", 'status:["Synced=ReconcileError"]'] },
  },
  "paused does nothing but say so": {
    reason: "terraplane.dev/paused",
    h: {},
    mr: mr({ annotations: { [Annotations.paused]: "true" } }),
    want: { outcome: "done", log: ['status:["Synced=ReconcilePaused"]'] },
  },
};

describe("ManagedReconciler", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name} (${c.reason})`, async () => {
      const { log, reconcile } = harness(c.h);
      const outcome = await reconcile(c.mr);
      expect(log).toEqual(c.want.log);
      if (typeof c.want.outcome === "string") expect(outcome.type).toBe(c.want.outcome);
      else expect(outcome).toEqual(c.want.outcome);
    });
  }

  it("marks terminal errors so the controller waits for the poll interval", async () => {
    const { reconcile } = harness({ observeError: new ProviderError("AccessDenied", "not allowed: rds:DescribeDBInstances") });
    expect(await reconcile(mr({ finalizers: [FINALIZER] }))).toEqual({ type: "error", terminal: true, afterMs: 60_000 });
  });

  it("abandons a hung cloud call when the reconcile's signal fires, and reports it", async () => {
    const { statuses, reconcile } = harness({ observe: () => new Promise<Observation>(() => undefined) });
    const outcome = await reconcile(mr({ finalizers: [FINALIZER] }), AbortSignal.timeout(50));
    expect(outcome).toEqual({ type: "error", terminal: false });
    const synced = (statuses.at(-1)?.conditions as { type: string; status: string; message?: string }[]).find((c) => c.type === "Synced");
    expect(synced?.status).toBe("False");
    expect(synced?.message).toContain("no answer from the cloud before the reconcile's deadline");
  });

  it("keeps an operation's start time while its id stays the same", async () => {
    const op = (id: string): Observation => ({ exists: true, diff: [], ready: "Creating", pendingOperation: { id, action: "create" } });
    const startedAt = "2026-11-21T11:00:00.000Z";
    const withOp = (id: string): Managed => ({ ...mr({ finalizers: [FINALIZER] }), status: { observedGeneration: 1, pendingOperation: { id, action: "create", startedAt } } });
    const same = harness({ observation: op("op-1") });
    await same.reconcile(withOp("op-1"));
    expect(same.statuses.at(-1)?.pendingOperation).toEqual({ id: "op-1", action: "create", startedAt });
    const next = harness({ observation: op("op-2") });
    await next.reconcile(withOp("op-1"));
    expect(next.statuses.at(-1)?.pendingOperation).toEqual({ id: "op-2", action: "create", startedAt: "2026-11-21T12:00:00.000Z" });
    const done = harness({ observation: available() });
    await done.reconcile(withOp("op-1"));
    expect(done.statuses.at(-1)?.pendingOperation).toBeNull();
  });

  it("leaves a create abandoned at the deadline unresolved: its outcome is unknown, never recorded as failed", async () => {
    const { log, reconcile } = harness({ created: undefined, createHangs: true });
    const outcome = await reconcile(mr({ finalizers: [FINALIZER] }), AbortSignal.timeout(50));
    expect(outcome).toEqual({ type: "error", terminal: false });
    expect(log.filter((l) => l.includes(Annotations.createFailed))).toEqual([]);
    expect(log).toContain("event:Warning:CannotCreateExternalResource");
  });

  it("stamps the start of an operation a create returns", async () => {
    const { statuses, reconcile } = harness({ created: { externalName: "x", pendingOperation: { id: "op-9", action: "create" } } });
    await reconcile(mr());
    expect(statuses.at(-1)?.pendingOperation).toEqual({ id: "op-9", action: "create", startedAt: "2026-11-21T12:00:00.000Z" });
  });

  describe("the observation right after a create", () => {
    /** Not there before the create, `after` once it is made. */
    const appears = (after: Observation): (() => Promise<Observation>) => {
      let calls = 0;
      return async () => (calls++ === 0 ? { exists: false } : after);
    };
    const succeeded = `"${Annotations.createSucceeded}":"2026-11-21T12:00:00.000Z","${Annotations.externalName}":"cloud-id-1"`;

    it("records the outcome and the late-initialised fields in one write and one event, and the status as observed", async () => {
      const { log, messages, statuses, reconcile } = harness({ observe: appears(available({ ready: "Creating", lateInitialized: { color: "red" }, atProvider: { id: "cloud-id-1" } })) });
      const outcome = await reconcile(mr());
      expect(log).toEqual([
        "observe",
        `meta!:{"annotations":{"${Annotations.createPending}":"2026-11-21T12:00:00.000Z"},"finalizers":["${FINALIZER}"]}`,
        "create",
        "observe",
        `lateinit:{"color":"red"} annotations:{${succeeded}}`,
        "event:Normal:CreatedExternalResource",
        'status:["Ready=Creating","Synced=ReconcileSuccess"]',
      ]);
      expect(messages).toEqual(['created "cloud-id-1"; filled unset fields from the cloud: color']);
      expect(statuses.at(-1)?.atProvider).toEqual({ id: "cloud-id-1" });
      expect(outcome).toEqual({ type: "requeue", afterMs: 5_000 });
    });

    it("on a conflict records the outcome alone, unconditionally, and late-initialises later", async () => {
      const { log, reconcile } = harness({ observe: appears(available({ lateInitialized: { color: "red" } })), lateInitError: conflict });
      await reconcile(mr());
      expect(log.slice(3)).toEqual(["observe", `meta:{"annotations":{${succeeded}}}`, "event:Normal:CreatedExternalResource", 'status:["Ready=Available","Synced=ReconcileSuccess"]']);
    });

    it("does not act on a difference seen this early: Creating, and the next look decides", async () => {
      const { log, reconcile } = harness({ observe: appears(available({ diff: [{ path: "size", desired: 1, observed: 2 }] })) });
      await reconcile(mr());
      expect(log).not.toContain("update");
      expect(log.at(-1)).toBe('status:["Ready=Creating","Synced=ReconcileSuccess"]');
    });

    it("is not made when the create left an operation to follow, nor trusted when it fails", async () => {
      const op = harness({ created: { externalName: "cloud-id-1", pendingOperation: { id: "op-1", action: "create" } } });
      await op.reconcile(mr());
      expect(op.log.filter((l) => l === "observe")).toHaveLength(1);
      let calls = 0;
      const failing = harness({ observe: async () => (calls++ === 0 ? { exists: false } : Promise.reject(new ProviderError("Transient", "503"))) });
      expect((await failing.reconcile(mr())).type).toBe("requeue");
      expect(failing.log.slice(4)).toEqual([`meta:{"annotations":{${succeeded}}}`, "event:Normal:CreatedExternalResource", 'status:["Ready=Creating","Synced=ReconcileSuccess"]']);
    });
  });

  describe("deleting an object whose spec is invalid", () => {
    const problems = "forProvider.size: Too big";
    it("orphans without the provider", async () => {
      const { log, reconciler } = harness();
      const outcome = await reconciler.reconcileInvalidDeletion(mr({ deleting: true, deletionPolicy: "Orphan", finalizers: [FINALIZER] }), problems, new AbortController().signal);
      expect(outcome).toEqual({ type: "done" });
      expect(log).toEqual(["event:Normal:OrphanedExternalResource", 'meta!:{"finalizers":[]}']);
    });
    it("says what stands in the way of deleting the cloud resource, and never calls the provider", async () => {
      const { log, statuses, reconciler } = harness();
      const outcome = await reconciler.reconcileInvalidDeletion(mr({ deleting: true, finalizers: [FINALIZER] }), problems, new AbortController().signal);
      expect(outcome).toEqual({ type: "error", terminal: true, afterMs: 60_000 });
      expect(log).toEqual(["event:Warning:CannotDeleteExternalResource", 'status:["Ready=Deleting","Synced=ReconcileError"]']);
      const synced = (statuses.at(-1)?.conditions as { type: string; message?: string }[]).find((c) => c.type === "Synced");
      expect(synced?.message).toContain("correct the spec, or set deletionPolicy: Orphan");
    });
  });

  it("a delete after a lost create calls the provider with the identifier observe found, until the cloud says it is gone", async () => {
    let gone = false;
    const { deleted, reconcile } = harness({ assignedByCloud: true, idempotentCreate: true, observe: async () => (gone ? { exists: false } : available({ externalName: "cloud-id-7" })) });
    expect((await reconcile(mr({ deleting: true, annotations: pending, finalizers: [FINALIZER] }))).type).toBe("requeue");
    expect(deleted).toEqual(["cloud-id-7"]);
    gone = true;
    expect((await reconcile(mr({ deleting: true, annotations: { ...pending, [Annotations.externalName]: "cloud-id-7" }, finalizers: [FINALIZER] }))).type).toBe("done");
  });

  it("remembers nothing about 1,000 objects once they are deleted", async () => {
    const { reconciler } = harness({ observation: available() });
    const objects = Array.from({ length: 1_000 }, (_, i) => ({ ...mr({ finalizers: [FINALIZER] }), metadata: { ...mr().metadata, name: `o-${i}`, uid: `uid-${i}`, finalizers: [FINALIZER] } }));
    for (const obj of objects) await reconciler.reconcile(obj, new AbortController().signal);
    expect(reconciler.remembered).toBe(1_000);
    for (const obj of objects) reconciler.forget(obj.metadata.uid);
    expect(reconciler.remembered).toBe(0);
  });

  it("lets observe read from a listing no older than the object's poll interval", async () => {
    const { observeMaxAges, reconcile } = harness({ observation: available() });
    await reconcile(mr({ finalizers: [FINALIZER] }));
    await reconcile(mr({ finalizers: [FINALIZER], annotations: { [Annotations.pollInterval]: "15s" } }));
    expect(observeMaxAges).toEqual([60_000, 15_000]);
  });

  it("reads a resource in flight by itself, not from a listing", async () => {
    const { observeMaxAges, reconcile } = harness({ observation: available() });
    const creating = mr({ finalizers: [FINALIZER] });
    creating.status = { ...creating.status, conditions: [{ type: "Ready", status: "False", reason: "Creating", lastTransitionTime: "2026-11-21T12:00:00Z" }] };
    await reconcile(creating);
    await reconcile(mr({ finalizers: [FINALIZER], deleting: true }));
    expect(observeMaxAges).toEqual([undefined, undefined]);
  });
});

describe("why a reconcile runs, as the provider is told", () => {
  it("a poll of an object in step is a poll (promotable); an unobserved generation, a new object or a deletion is an event whatever the queue said", async () => {
    const { reconciler, priorities } = harness({ observation: { exists: true, diff: [] } });
    const signal = (): AbortSignal => new AbortController().signal;
    await reconciler.reconcile(mr({ finalizers: [FINALIZER], generation: 2, observedGeneration: 2 }), signal(), "poll", new AbortController().signal);
    await reconciler.reconcile(mr({ finalizers: [FINALIZER], generation: 3, observedGeneration: 2 }), signal(), "poll");
    await reconciler.reconcile(mr({ finalizers: [FINALIZER], generation: 2, observedGeneration: 2 }), signal(), "event");
    const promoted = new AbortController();
    promoted.abort();
    await reconciler.reconcile(mr({ finalizers: [FINALIZER], generation: 2, observedGeneration: 2 }), signal(), "poll", promoted.signal);
    expect(priorities).toEqual(["poll+promotable", "event", "event", "event"]);
  });
});

describe("a poll that finds nothing new", () => {
  /** The object as the first reconcile's status write left it, lastSyncTime `minutesAgo` before the harness's now. */
  function steady(status: Readonly<Record<string, unknown>> | undefined, minutesAgo: number, annotations: Record<string, string> = {}): Managed {
    const object = mr({ finalizers: [FINALIZER], annotations });
    const lastSyncTime = new Date(Date.parse("2026-11-21T12:00:00Z") - minutesAgo * 60_000).toISOString();
    // A merge patch's nulls remove fields: the API server keeps none of them.
    const kept = Object.fromEntries(Object.entries(status ?? {}).filter(([, v]) => v !== null));
    object.status = { ...kept, lastSyncTime };
    return object;
  }

  it("writes status only on this process's first look, every fourth poll, and when a new observation was asked for", async () => {
    const { statuses, reconcile } = harness({ observation: available() });
    await reconcile(mr({ finalizers: [FINALIZER] }));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]?.lastSyncTime).toBe("2026-11-21T12:00:00.000Z");
    const written = statuses[0];

    await reconcile(steady(written, 1));
    await reconcile(steady(written, 3));
    expect(statuses).toHaveLength(1);

    await reconcile(steady(written, 4));
    expect(statuses).toHaveLength(2);
    expect(statuses[1]?.lastSyncTime).toBe("2026-11-21T12:00:00.000Z");

    await reconcile(steady(written, 1, { [Annotations.reconcileRequestedAt]: "2026-11-21T11:59:30.000Z" }));
    expect(statuses).toHaveLength(3);
  });

  it("still writes at once when anything but the time changed", async () => {
    const { statuses, reconcile } = harness({ observation: available({ atProvider: { size: 2 } }) });
    await reconcile(mr({ finalizers: [FINALIZER] }));
    await reconcile(steady({ ...statuses[0], atProvider: { size: 1 } }, 1));
    expect(statuses).toHaveLength(2);
    expect(statuses[1]?.atProvider).toEqual({ size: 2 });
  });
});
