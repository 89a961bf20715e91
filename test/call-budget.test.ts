import type { DBInstance } from "@aws-sdk/client-rds";
import { RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { z } from "zod";
import { nopLogger } from "../core/log.ts";
import { Manager } from "../core/manager.ts";
import { AWS_GROUP } from "../providers/aws/provider-config.ts";
import { database } from "../providers/aws/database/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig, describeDbInstance } from "./harness/aws.ts";
import { createAwsProviderConfig, installAwsCrds } from "./harness/aws-provider.ts";
import { managedEnvironment, resourceOf } from "./harness/environment.ts";
import type { ManagedEnvironment } from "./harness/environment.ts";
import { kubeConfig, kubectlOk } from "./harness/kube.ts";

// The per-account call budget on the sandbox (API server, the controller in-process, a fault proxy
// of its own, moto): many Databases polling every second through a budget of one RDS call per
// second, so polls queue in the account's bucket by the dozen; then one Database is edited. The
// edit's calls take the next tokens (and its resource's poll already waiting is promoted), so the
// change reaches moto in seconds, where first-come-first-served would have queued each of its
// calls behind the whole poll backlog. /metrics shows the bucket throughout.

const REGION = "ap-east-1";
const COUNT = 24;
const POLL_MS = 1_000;
const ROOMY = { ratePerSecond: 50, burst: 100 };
const TINY = { ratePerSecond: 1, burst: 1 };
const BASE = { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true, tags: { team: "budget" } };
/** Polls that must be waiting in the bucket when the edit is made: first come first served, each of the edit's calls would wait this many seconds. */
const BACKLOG = 16;
/** How soon the edit must be in the cloud: well under the BACKLOG seconds a single call would wait in line. */
const EDIT_BOUND_MS = 10_000;
const WAIT = { timeout: 150_000, interval: 1_000 };

let env: ManagedEnvironment<FaultProxy>;
let manager: Manager | undefined;
let rds: RDSClient;

const names = Array.from({ length: COUNT }, (_, i) => `budget-db-${i}`);

async function setBudget(limits: { ratePerSecond: number; burst: number }): Promise<void> {
  await kubectlOk(["patch", `providerconfigs.${AWS_GROUP}`, env.providerConfig, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { callBudget: { rds: limits } } })]);
}

/** One sample of a metric of the RDS bucket of this test's region, from /metrics. */
async function rdsBucket(metric: string, priority?: "event" | "poll"): Promise<number> {
  const text = await (await fetch(`${manager?.healthUrl ?? ""}/metrics`)).text();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}{`) || !line.includes(`/${REGION}/rds"`)) continue;
    if (priority && !line.includes(`priority="${priority}"`)) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return Number.NaN;
}

const ConditionShape = z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() });
const ListShape = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }), status: z.object({ conditions: z.array(ConditionShape).optional() }).optional() })) });

/** The Databases not Ready yet, with their Ready reason, from one list (not one kubectl per object: two cores). */
async function notReady(): Promise<string[]> {
  const list = ListShape.parse(JSON.parse(await kubectlOk(["get", resourceOf(database), "-n", env.ns, "-o", "json"])));
  const ready = new Set(list.items.filter((i) => i.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((i) => i.metadata.name));
  return names.filter((n) => !ready.has(n)).map((n) => `${n}:${list.items.find((i) => i.metadata.name === n)?.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason ?? ""} ${c.message ?? ""}`).join("; ") ?? "no status"}`);
}

/** Terraplane generates the master password and keeps it in this Secret. */
const conn = (name: string): { spec: Record<string, unknown> } => ({ spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });

/** The RDS bucket's running totals by priority: calls granted, calls that waited, seconds waited. */
async function waits(): Promise<Record<"event" | "poll", { calls: number; waited: number; seconds: number }>> {
  const of = async (priority: "event" | "poll"): Promise<{ calls: number; waited: number; seconds: number }> => ({
    calls: await rdsBucket("terraplane_call_budget_calls_total", priority),
    waited: await rdsBucket("terraplane_call_budget_waited_total", priority),
    seconds: await rdsBucket("terraplane_call_budget_wait_seconds_total", priority),
  });
  return { event: await of("event"), poll: await of("poll") };
}

const tagsOf = (db: DBInstance | undefined): Record<string, string> => Object.fromEntries((db?.TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

beforeAll(async () => {
  await installAwsCrds([database]);
  env = await managedEnvironment({
    kind: database,
    nsPrefix: "budget",
    proxy: { upstream: inject("sandbox").motoEndpoint, seed: 14 },
    providerConfig: (ns, endpoint) => createAwsProviderConfig(ns, { region: REGION, ...(endpoint ? { endpoint } : {}), spec: { callBudget: { rds: ROOMY } } }),
    manager: (ns) => {
      // Concurrency above the resource count: every poll can be in flight, so the backlog is in the bucket, not the work queue.
      const metricsAddr = { host: "127.0.0.1", port: 0 };
      manager = new Manager({ kc: kubeConfig(), kinds: [database], log: nopLogger, namespace: ns, concurrency: 64, pollIntervalMs: POLL_MS, progressIntervalMs: 500, metricsAddr });
      return manager;
    },
    deleteTimeout: "60s",
  });
  rds = new RDSClient(awsClientConfig({ region: REGION, direct: true }));
}, 120_000);

afterAll(async () => {
  // Room again, so the deletions do not queue behind a budget of one call a second.
  if (env) await setBudget(ROOMY);
  await env?.close();
  rds?.destroy();
}, 120_000);

describe("the per-account call budget", () => {
  it("applies a user's edit promptly while polls exhaust the account's budget, and shows the bucket in /metrics", async () => {
    await Promise.all(names.map((name) => env.apply(name, BASE, conn(name))));
    await expect.poll(notReady, WAIT).toEqual([]);

    // The budget shrinks to one RDS call a second: 24 resources polling every second queue in the bucket.
    await setBudget(TINY);
    await expect.poll(() => rdsBucket("terraplane_call_budget_rate_per_second"), WAIT).toBe(TINY.ratePerSecond);
    await expect.poll(() => rdsBucket("terraplane_call_budget_waiting", "poll"), WAIT).toBeGreaterThanOrEqual(BACKLOG);
    const backlog = await rdsBucket("terraplane_call_budget_waiting", "poll");
    const before = await waits();

    const edited = names[7] ?? "";
    const start = performance.now();
    await env.apply(edited, { ...BASE, tags: { team: "budget", edited: "yes" } }, conn(edited));
    await expect.poll(async () => tagsOf(await describeDbInstance(rds, edited)).edited, { timeout: 60_000, interval: 100 }).toBe("yes");
    const editMs = performance.now() - start;

    const pollsWaiting = await rdsBucket("terraplane_call_budget_waiting", "poll");
    const after = await waits();
    const eventCalls = after.event.calls - before.event.calls;
    // Mean wait of the edit's calls.
    const eventWait = (after.event.seconds - before.event.seconds) / (after.event.waited - before.event.waited);
    const pollsGrantedDuringEdit = after.poll.calls - before.poll.calls;
    // What a call waiting its turn in the backlog costs: the polls granted over the next 10 s.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const later = await waits();
    const pollWait = (later.poll.seconds - after.poll.seconds) / (later.poll.waited - after.poll.waited);
    const result = { backlogAtEdit: backlog, pollsWaitingAfter: pollsWaiting, editAppliedMs: Math.round(editMs), eventCalls, pollsGrantedDuringEdit };
    console.log(JSON.stringify({ ...result, meanEventWaitS: eventWait, meanBacklogPollWaitS: pollWait }));

    // First come first served, each of the edit's calls (observe, then AddTagsToResource) would
    // have waited behind the backlog: at least BACKLOG seconds apiece at one call a second.
    expect(backlog).toBeGreaterThanOrEqual(BACKLOG);
    expect(editMs).toBeLessThan(EDIT_BOUND_MS);
    // The polls were still queued all along: the edit went ahead of them, not after them.
    expect(pollsWaiting).toBeGreaterThanOrEqual(BACKLOG / 2);
    expect(eventCalls).toBeGreaterThanOrEqual(2);
    // Each of the edit's calls waited about one token's interval (1 s), not its turn behind the polls.
    expect(eventWait).toBeLessThan(3);
    expect(pollWait).toBeGreaterThan(4 * eventWait);
    expect(await rdsBucket("terraplane_call_budget_tokens")).toBeLessThan(1);
  }, 300_000);
});
