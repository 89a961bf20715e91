import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConnectionPublisher } from "../core/kube/connection-secret.ts";
import type { EventRecorder } from "../core/kube/events.ts";
import type { ManagedWriter } from "../core/kube/managed-client.ts";
import { nopLogger } from "../core/log.ts";
import { invalidSpecMessage, managedParser } from "../core/parse.ts";
import type { ManagedParser } from "../core/parse.ts";
import type { ExternalClient, Managed, RegisteredKind } from "../core/provider.ts";
import { ManagedReconciler } from "../core/reconciler.ts";
import type { Outcome } from "../core/reconciler.ts";
import { CASES_PER_KIND, GARBAGE_SEED, namesField, objectOf, specSchemaOf } from "../core/testing/garbage.ts";
import { unreadable } from "../core/testing/readable.ts";
import { brokenSpec, formatPath } from "../core/testing/spec-arbitrary.ts";
import type { Broken } from "../core/testing/spec-arbitrary.ts";
import { managedKinds } from "./index.ts";

// Garbage in, unit layer (issue 13 item 5): for every registered kind, specs generated from its own
// CRD schema and broken in one way each go through the exact parser the controller uses
// (core/parse.ts, called by KindController before anything else). A refused spec must name the
// field; the controller then reports Synced=False InvalidSpec and never calls the provider (see
// KindController.#reconcileWithin). A spec the parser accepts although it is broken — only what the
// API server alone checks (CEL rules, list uniqueness) or prunes — goes through the real core
// reconciler with a recording fake cloud: no throw, no hot loop, readable conditions.
// test/garbage-in.test.ts sends a sample of the same specs to the real API server.

interface Seen {
  readonly calls: string[];
  readonly messages: string[];
}

function recordingReconciler(): { reconciler: ManagedReconciler; seen: Seen } {
  const seen: Seen = { calls: [], messages: [] };
  const writer: ManagedWriter = {
    async patchMetadata(mr, patch) {
      return { ...mr.metadata, annotations: { ...mr.metadata.annotations, ...patch.annotations }, finalizers: [...(patch.finalizers ?? mr.metadata.finalizers ?? [])] };
    },
    async patchForProvider(mr) {
      return mr;
    },
    async patchStatus(_mr, status) {
      const conditions = Array.isArray(status.conditions) ? (status.conditions as { message?: string }[]) : [];
      for (const c of conditions) if (c.message !== undefined) seen.messages.push(c.message);
    },
  };
  const events: EventRecorder = { record: async (_mr, _type, _reason, message) => void seen.messages.push(message) };
  const connection: ConnectionPublisher = { publish: async () => undefined, forget: () => undefined, size: 0 };
  const external: ExternalClient = {
    observe: async () => (seen.calls.push("observe"), { exists: false }),
    create: async () => (seen.calls.push("create"), {}),
    update: async () => (seen.calls.push("update"), {}),
    delete: async () => (seen.calls.push("delete"), {}),
  };
  const reconciler = new ManagedReconciler({
    connector: { connect: async () => external },
    externalName: { assignedByCloud: false, idempotentCreate: false },
    writer,
    events,
    connection,
    connectContext: (signal) => ({ providerConfig: async () => ({}), secretValue: async () => "", signal }),
    log: nopLogger,
    pollIntervalMs: 60_000,
    progressIntervalMs: 5_000,
  });
  return { reconciler, seen };
}

/** No hot loop: whatever comes back waits at least a second (a non-terminal error is backed off by the queue, from 1 s). */
function assertCalm(outcome: Outcome): void {
  if (outcome.type === "requeue") expect(outcome.afterMs).toBeGreaterThanOrEqual(1_000);
  if (outcome.type === "error" && outcome.terminal) expect(outcome.afterMs).toBe(60_000);
  expect(outcome.type).not.toBe("conflict");
}

/** The verdict on one broken spec, for the tally. */
type Verdict = "refused by the parser" | "accepted, reconciled safely";

async function judge(kind: RegisteredKind, parser: ManagedParser, b: Broken): Promise<Verdict> {
  const where = `${kind.managed.kind} ${b.kind} at ${formatPath(b.path)}: ${JSON.stringify(b.spec).slice(0, 400)}`;
  const parsed = parser.parse(objectOf(kind, b.spec));
  if (!parsed.ok) {
    const message = invalidSpecMessage(parsed.problems);
    expect(unreadable(message), `${where}\n${message}`).toBeUndefined();
    expect(namesField(message, b.path) || b.kind === "unknown-field", `${where}\n${message}`).toBe(true);
    return "refused by the parser";
  }
  // What the schema's value checks refuse, the parser (the same zod schema) must refuse too.
  expect(b.expect, where).not.toBe("refused");
  const { reconciler, seen } = recordingReconciler();
  const mr: Managed = parsed.managed;
  const outcome = await reconciler.reconcile(mr, new AbortController().signal);
  assertCalm(outcome);
  for (const m of seen.messages) expect(unreadable(m), `${where}\n${m}`).toBeUndefined();
  return "accepted, reconciled safely";
}

describe("garbage in: broken specs of every kind are refused with the field named, or reconciled safely", () => {
  const kinds = managedKinds();
  it("covers the six kinds", () => expect(kinds.map((k) => `${k.managed.group}/${k.managed.kind}`).sort()).toHaveLength(6));

  for (const kind of kinds) {
    it(`${kind.managed.group} ${kind.managed.kind}: ${CASES_PER_KIND} broken specs (seed ${GARBAGE_SEED})`, async () => {
      const tally = new Map<string, number>();
      const parser = managedParser(kind.managed);
      await fc.assert(
        fc.asyncProperty(brokenSpec(specSchemaOf(kind)), async (b) => {
          const verdict = await judge(kind, parser, b);
          const key = `${b.kind} → ${verdict}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
        }),
        { seed: GARBAGE_SEED, numRuns: CASES_PER_KIND },
      );
      const total = [...tally.values()].reduce((a, n) => a + n, 0);
      expect(total).toBeGreaterThanOrEqual(CASES_PER_KIND);
      // Most breaks must be ones the parser sees: a generator that only produced harmless changes would prove nothing.
      const refused = [...tally].filter(([k]) => k.endsWith("refused by the parser")).reduce((a, [, n]) => a + n, 0);
      expect(refused / total).toBeGreaterThan(0.6);
    }, 60_000);
  }
});
