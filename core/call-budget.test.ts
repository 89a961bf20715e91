import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallBudgets, TokenBucket } from "./call-budget.ts";
import { Metrics } from "./metrics.ts";
import type { CallPriority } from "./provider.ts";

// Fake time throughout: performance.now and setTimeout both move only when the test says so.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts a take and records when (in fake ms) and in which order it was granted. */
function tracker(bucket: TokenBucket): { take(name: string, priority: CallPriority, signal?: AbortSignal): Promise<void>; order: string[]; at: Record<string, number> } {
  const order: string[] = [];
  const at: Record<string, number> = {};
  const t0 = performance.now();
  return {
    order,
    at,
    take: (name, priority, signal) =>
      bucket.take(priority, signal).then(() => {
        order.push(name);
        at[name] = performance.now() - t0;
      }),
  };
}

describe("TokenBucket", () => {
  it("lets a burst through at once, then one call per 1/rate seconds", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 2, burst: 3 });
    const t = tracker(bucket);
    const all = ["a", "b", "c", "d", "e", "f"].map((name) => t.take(name, "poll"));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.order).toEqual(["a", "b", "c"]);
    await vi.advanceTimersByTimeAsync(499);
    expect(t.order).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.order).toEqual(["a", "b", "c", "d"]);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(all);
    expect(t.at).toEqual({ a: 0, b: 0, c: 0, d: 500, e: 1000, f: 1500 });
  });

  it("refills up to the burst and no further while idle", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 10, burst: 5 });
    for (let i = 0; i < 5; i++) await bucket.take("poll");
    expect(bucket.available()).toBe(0);
    vi.advanceTimersByTime(200);
    expect(bucket.available()).toBeCloseTo(2);
    vi.advanceTimersByTime(60_000);
    expect(bucket.available()).toBe(5);
  });

  it("hands the next token to an event before every poll that waited longer", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 1 });
    const t = tracker(bucket);
    const polls = ["p1", "p2", "p3"].map((name) => t.take(name, "poll"));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.order).toEqual(["p1"]);
    const edits = [t.take("e1", "event"), t.take("e2", "event")];
    await vi.advanceTimersByTimeAsync(4000);
    await Promise.all([...polls, ...edits]);
    expect(t.order).toEqual(["p1", "e1", "e2", "p2", "p3"]);
    expect(t.at.e1).toBe(1000);
    const state = bucket.state();
    expect(state.granted).toEqual({ event: 2, poll: 3 });
    expect(state.waited).toEqual({ event: 2, poll: 2 });
    expect(state.waitSeconds.event).toBeCloseTo(1 + 2);
    expect(state.waitSeconds.poll).toBeCloseTo(3 + 4);
  });

  it("a poll promoted while waiting (an edit of its resource arrived) goes ahead of the other polls, behind the events", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 1 });
    const t = tracker(bucket);
    const promotion = new AbortController();
    const takes = [t.take("p1", "poll"), t.take("p2", "poll"), t.take("p3", "poll")];
    const promotedTake = bucket.take("poll", undefined, promotion.signal).then(() => t.order.push("edited"));
    const event = t.take("e1", "event");
    await vi.advanceTimersByTimeAsync(0);
    promotion.abort();
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all([...takes, promotedTake, event]);
    expect(t.order).toEqual(["p1", "e1", "edited", "p2", "p3"]);
    expect(bucket.state().granted).toEqual({ event: 2, poll: 3 });
    expect(bucket.state().waiting).toEqual({ event: 0, poll: 0 });
  });

  it("a new poll waits behind polls already waiting, even when a token is almost there", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 1 });
    const t = tracker(bucket);
    const first = [t.take("p1", "poll"), t.take("p2", "poll")];
    await vi.advanceTimersByTimeAsync(999);
    const late = t.take("p3", "poll");
    await vi.advanceTimersByTimeAsync(2001);
    await Promise.all([...first, late]);
    expect(t.order).toEqual(["p1", "p2", "p3"]);
  });

  it("a call aborted while waiting rejects with the signal's reason and takes no token", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 1 });
    const t = tracker(bucket);
    await bucket.take("poll");
    const abort = new AbortController();
    const aborted = t.take("gone", "event", abort.signal);
    const after = t.take("next", "poll");
    await vi.advanceTimersByTimeAsync(500);
    abort.abort(new Error("deadline"));
    await expect(aborted).rejects.toThrow("deadline");
    expect(bucket.state().waiting).toEqual({ event: 0, poll: 1 });
    // The token the aborted call would have had goes to the next waiter, on time.
    await vi.advanceTimersByTimeAsync(500);
    await after;
    expect(t.at.next).toBe(1000);
    expect(t.order).toEqual(["next"]);
  });

  it("an already aborted signal is refused at once, even with tokens to spare", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 5 });
    await expect(bucket.take("event", AbortSignal.abort(new Error("shutdown")))).rejects.toThrow("shutdown");
    expect(bucket.available()).toBe(5);
  });

  it("leaks no tokens and no waiters: every token granted once, nothing left waiting, no timer left armed", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 5, burst: 2 });
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const takes = controllers.map((c, i) => bucket.take(i % 3 === 0 ? "event" : "poll", c.signal).then(() => "granted", () => "aborted"));
    for (const [i, c] of controllers.entries()) if (i % 2 === 1) c.abort();
    await vi.advanceTimersByTimeAsync(10_000);
    const results = await Promise.all(takes);
    const granted = results.filter((r) => r === "granted").length;
    const state = bucket.state();
    expect(granted).toBe(state.granted.event + state.granted.poll);
    expect(results.filter((r) => r === "aborted").length).toBe(20 - granted);
    expect(state.waiting).toEqual({ event: 0, poll: 0 });
    expect(vi.getTimerCount()).toBe(0);
    // Idle long enough, the bucket is full again: the aborted calls took nothing.
    expect(bucket.available()).toBe(2);
  });

  it("new limits take effect at once and keep what was earned, capped by the new burst", async () => {
    const bucket = new TokenBucket("k", { ratePerSecond: 1, burst: 10 });
    expect(bucket.available()).toBe(10);
    bucket.setLimits({ ratePerSecond: 100, burst: 3 });
    expect(bucket.available()).toBe(3);
    for (let i = 0; i < 3; i++) await bucket.take("poll");
    const t = tracker(bucket);
    const next = t.take("x", "poll");
    await vi.advanceTimersByTimeAsync(10);
    await next;
    expect(t.at.x).toBe(10);
  });

  it("refuses limits that could never grant a token", () => {
    expect(() => new TokenBucket("k", { ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket("k", { ratePerSecond: 1, burst: 0.5 })).toThrow(RangeError);
  });
});

describe("CallBudgets", () => {
  it("keeps one bucket per key, the latest limits winning, and reports every bucket", async () => {
    const budgets = new CallBudgets();
    const a = budgets.bucket("aws/1/us-east-1/rds", { ratePerSecond: 1, burst: 2 });
    await a.take("poll");
    const again = budgets.bucket("aws/1/us-east-1/rds", { ratePerSecond: 4, burst: 2 });
    expect(again).toBe(a);
    expect(a.limits.ratePerSecond).toBe(4);
    budgets.bucket("gcp/p/global/compute", { ratePerSecond: 1, burst: 1 });
    expect(budgets.states().map((s) => [s.key, s.granted.poll])).toEqual([
      ["aws/1/us-east-1/rds", 1],
      ["gcp/p/global/compute", 0],
    ]);
  });
});

describe("the call budget in /metrics", () => {
  it("shows each bucket's tokens, rate, waiting calls, and calls waited with their wait time, by key and priority", async () => {
    const budgets = new CallBudgets();
    const metrics = new Metrics({ defaultMetrics: false, callBudgets: budgets });
    const bucket = budgets.bucket("aws/1/us-east-1/rds", { ratePerSecond: 2, burst: 1 });
    await bucket.take("poll");
    const waiting = [bucket.take("poll"), bucket.take("event")];
    let text = await metrics.registry.metrics();
    expect(text).toContain('terraplane_call_budget_waiting{key="aws/1/us-east-1/rds",priority="poll"} 1');
    expect(text).toContain('terraplane_call_budget_waiting{key="aws/1/us-east-1/rds",priority="event"} 1');
    expect(text).toContain('terraplane_call_budget_rate_per_second{key="aws/1/us-east-1/rds"} 2');
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(waiting);
    text = await metrics.registry.metrics();
    expect(text).toContain('terraplane_call_budget_calls_total{key="aws/1/us-east-1/rds",priority="poll"} 2');
    expect(text).toContain('terraplane_call_budget_waited_total{key="aws/1/us-east-1/rds",priority="event"} 1');
    expect(text).toContain('terraplane_call_budget_wait_seconds_total{key="aws/1/us-east-1/rds",priority="event"} 0.5');
    expect(text).toContain('terraplane_call_budget_wait_seconds_total{key="aws/1/us-east-1/rds",priority="poll"} 1');
    expect(text).toContain('terraplane_call_budget_tokens{key="aws/1/us-east-1/rds"} 0');
  });
});
