import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyedBackoff } from "./backoff.ts";
import { WorkQueue } from "./queue.ts";
import type { Priority, WorkQueueOptions } from "./queue.ts";

// Every test runs on fake time: performance.now, setTimeout and friends are vitest's.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Lets workers, timers due now and promise chains settle. */
const settle = (): Promise<void> => vi.advanceTimersByTimeAsync(0).then(() => undefined);

/** Advances fake time and lets everything due in between run. */
const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

const noJitter = (): KeyedBackoff => new KeyedBackoff({ baseMs: 1000, maxMs: 8000, jitter: 0 });

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

type Step =
  | { readonly add: string; readonly priority?: Priority }
  | { readonly addAfter: string; readonly delayMs: number; readonly priority?: Priority }
  | { readonly wait: number };

function apply(queue: WorkQueue, step: Step): Promise<void> | undefined {
  if ("add" in step) queue.add(step.add, step.priority);
  else if ("addAfter" in step) queue.addAfter(step.addAfter, step.delayMs, step.priority);
  else return advance(step.wait);
  return undefined;
}

/** Runs `steps` against a queue with one worker and returns what was processed, with when. */
async function processed(steps: readonly Step[], options: { startFirst?: boolean; until?: number } = {}): Promise<string[]> {
  const queue = new WorkQueue({ backoff: noJitter() });
  const seen: string[] = [];
  const start = performance.now();
  const handle = async (key: string): Promise<void> => {
    seen.push(`${key}@${performance.now() - start}`);
    await Promise.resolve();
  };
  let done = options.startFirst ? queue.run(handle, { concurrency: 1 }) : undefined;
  for (const step of steps) await apply(queue, step);
  done ??= queue.run(handle, { concurrency: 1 });
  await advance(options.until ?? 0);
  await queue.shutdown();
  await done;
  return seen;
}

describe("WorkQueue ordering", () => {
  const cases: Record<string, { reason: string; steps: Step[]; want: string[] }> = {
    "de-duplicates waiting keys": {
      reason: "a key already waiting keeps one entry and its place",
      steps: [{ add: "a" }, { add: "b" }, { add: "a" }, { add: "c" }, { add: "b" }, { add: "a" }],
      want: ["a@0", "b@0", "c@0"],
    },
    "FIFO within a priority": {
      reason: "keys of one priority come out in the order they first arrived",
      steps: [{ add: "c" }, { add: "a" }, { add: "b" }],
      want: ["c@0", "a@0", "b@0"],
    },
    "events before polls": {
      reason: "user-driven work is served ahead of periodic resync",
      steps: [{ add: "p1", priority: "poll" }, { add: "e1" }, { add: "p2", priority: "poll" }, { add: "e2" }],
      want: ["e1@0", "e2@0", "p1@0", "p2@0"],
    },
    "a burst of events still lets polls through": {
      reason: "after EVENTS_PER_POLL events in a row a waiting poll is served, so resync is never starved",
      steps: [{ add: "p1", priority: "poll" }, { add: "p2", priority: "poll" }, ...["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"].map((add) => ({ add }))],
      want: ["e1@0", "e2@0", "e3@0", "e4@0", "p1@0", "e5@0", "e6@0", "e7@0", "e8@0", "p2@0", "e9@0"],
    },
    "a waiting poll re-added as an event is promoted": {
      reason: "promotion moves the key to the back of the event FIFO, once",
      steps: [{ add: "a", priority: "poll" }, { add: "b", priority: "poll" }, { add: "c" }, { add: "a" }],
      want: ["c@0", "a@0", "b@0"],
    },
    "a waiting event re-added as a poll is not demoted": {
      reason: "the more urgent priority sticks",
      steps: [{ add: "p", priority: "poll" }, { add: "a" }, { add: "b" }, { add: "a", priority: "poll" }],
      want: ["a@0", "b@0", "p@0"],
    },
  };

  for (const [name, { reason, steps, want }] of Object.entries(cases)) {
    it(name, async () => {
      expect(await processed(steps), reason).toEqual(want);
    });
  }

  it("a promoted key re-added as a poll after processing queues behind earlier polls", async () => {
    // The promotion leaves a stale poll ticket for "a"; it must be skipped, not reused as a's place.
    const queue = new WorkQueue();
    const seen: string[] = [];
    const gates = [gate(), gate()];
    let busyRuns = 0;
    const done = queue.run(
      async (key) => {
        seen.push(key);
        if (key === "busy") await gates[busyRuns++]?.promise;
      },
      { concurrency: 1 },
    );
    queue.add("busy");
    await settle();
    queue.add("a", "poll");
    queue.add("b", "poll");
    queue.add("a"); // promoted: its poll ticket goes stale
    queue.add("busy"); // dirty: re-queued after a, and holds the worker again
    gates[0]?.open();
    await settle();
    expect(seen).toEqual(["busy", "a", "busy"]);
    queue.add("a", "poll"); // joins the poll FIFO behind b
    gates[1]?.open();
    await settle();
    expect(seen).toEqual(["busy", "a", "busy", "b", "a"]);
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue delayed adds", () => {
  const cases: Record<string, { reason: string; steps: Step[]; until: number; want: string[] }> = {
    "fires after the delay": {
      reason: "a delayed add waits its delay, then is queued once",
      steps: [{ addAfter: "a", delayMs: 100 }],
      until: 1000,
      want: ["a@100"],
    },
    "the earliest of several delayed adds wins": {
      reason: "a later, longer addAfter does not postpone an earlier one, nor add a second run",
      steps: [{ addAfter: "a", delayMs: 100 }, { addAfter: "a", delayMs: 500 }],
      until: 1000,
      want: ["a@100"],
    },
    "a shorter delay brings a pending one forward": {
      reason: "the earlier due time replaces the later",
      steps: [{ addAfter: "a", delayMs: 500 }, { addAfter: "a", delayMs: 100 }],
      until: 1000,
      want: ["a@100"],
    },
    "earliest is judged by due time, not delay": {
      reason: "a 300 ms delay asked at t=100 is due at 400, after the pending 350",
      steps: [{ addAfter: "a", delayMs: 350 }, { wait: 100 }, { addAfter: "a", delayMs: 300 }],
      until: 1000,
      want: ["a@350"],
    },
    "an immediate add supersedes pending delayed adds": {
      reason: "the key runs now, and the delayed add no longer fires",
      steps: [{ addAfter: "a", delayMs: 100 }, { add: "a" }],
      until: 1000,
      want: ["a@0"],
    },
    "addAfter with no delay is an immediate add": {
      reason: "a zero delay takes the immediate path, cancelling the pending delayed add",
      steps: [{ addAfter: "a", delayMs: 100 }, { addAfter: "a", delayMs: 0 }],
      until: 1000,
      want: ["a@0"],
    },
    "due times fire in order": {
      reason: "whatever order they were asked in",
      steps: [
        { addAfter: "c", delayMs: 300 },
        { addAfter: "a", delayMs: 100 },
        { addAfter: "d", delayMs: 300 },
        { addAfter: "b", delayMs: 200 },
      ],
      until: 1000,
      want: ["a@100", "b@200", "c@300", "d@300"],
    },
  };

  for (const [name, { reason, steps, until, want }] of Object.entries(cases)) {
    it(name, async () => {
      expect(await processed(steps, { startFirst: true, until }), reason).toEqual(want);
    });
  }

  it("merged delayed adds keep the earliest due time and the more urgent priority", async () => {
    const queue = new WorkQueue();
    const seen: string[] = [];
    const busy = gate();
    const start = performance.now();
    const done = queue.run(
      async (key) => {
        seen.push(`${key}@${performance.now() - start}`);
        if (key === "busy") await busy.promise;
      },
      { concurrency: 1 },
    );
    queue.add("busy");
    queue.add("p", "poll");
    queue.addAfter("a", 100, "poll");
    queue.addAfter("a", 200, "event"); // due later, so t=100 stands, but as an event
    await advance(150);
    expect({ depth: queue.depth(), delayed: queue.delayed() }).toEqual({ depth: { event: 1, poll: 1 }, delayed: 0 });
    busy.open();
    await advance(1000);
    expect(seen).toEqual(["busy@0", "a@150", "p@150"]);
    await queue.shutdown();
    await done;
  });

  it("promotes a delayed event over waiting polls when it fires", async () => {
    const queue = new WorkQueue();
    const seen: string[] = [];
    const first = gate();
    const done = queue.run(
      async (key) => {
        seen.push(key);
        if (key === "busy") await first.promise;
      },
      { concurrency: 1 },
    );
    queue.add("busy");
    queue.add("p1", "poll");
    queue.add("p2", "poll");
    queue.addAfter("e", 100, "event");
    await advance(100);
    expect(queue.depth()).toEqual({ event: 1, poll: 2 });
    first.open();
    await settle();
    expect(seen).toEqual(["busy", "e", "p1", "p2"]);
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue one worker per key", () => {
  it("never runs a key twice at once; a key added mid-run is re-queued once, after", async () => {
    const queue = new WorkQueue();
    const gates = [gate(), gate()];
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const done = queue.run(
      async () => {
        const g = gates[runs++];
        running++;
        maxRunning = Math.max(maxRunning, running);
        await g?.promise;
        running--;
      },
      { concurrency: 4 },
    );

    queue.add("a");
    await settle();
    queue.add("a");
    queue.add("a", "poll");
    queue.addAfter("a", 0);
    await settle();
    expect({ runs, inFlight: queue.inFlight(), depth: queue.depth() }).toEqual({ runs: 1, inFlight: 1, depth: { event: 0, poll: 0 } });

    gates[0]?.open();
    await settle();
    expect({ runs, inFlight: queue.inFlight() }).toEqual({ runs: 2, inFlight: 1 });
    gates[1]?.open();
    await settle();
    expect({ runs, maxRunning, inFlight: queue.inFlight() }).toEqual({ runs: 2, maxRunning: 1, inFlight: 0 });
    await queue.shutdown();
    await done;
  });

  it("re-queues a dirty key with the most urgent priority asked for", async () => {
    const queue = new WorkQueue();
    const seen: string[] = [];
    const busy = gate();
    const done = queue.run(
      async (key) => {
        seen.push(key);
        if (seen.length === 1) await busy.promise;
      },
      { concurrency: 1 },
    );
    queue.add("a");
    await settle();
    queue.add("p", "poll");
    queue.add("a", "poll");
    queue.add("a", "event");
    busy.open();
    await settle();
    expect(seen).toEqual(["a", "a", "p"]);
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue concurrency", () => {
  const cases: Record<string, { concurrency: number; keys: number; wantMax: number }> = {
    "one worker": { concurrency: 1, keys: 20, wantMax: 1 },
    "three workers": { concurrency: 3, keys: 20, wantMax: 3 },
    "eight workers": { concurrency: 8, keys: 20, wantMax: 8 },
    "more workers than keys": { concurrency: 30, keys: 20, wantMax: 20 },
  };

  for (const [name, { concurrency, keys, wantMax }] of Object.entries(cases)) {
    it(name, async () => {
      const queue = new WorkQueue();
      let running = 0;
      let maxRunning = 0;
      const seen = new Set<string>();
      const done = queue.run(
        async (key) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 10));
          seen.add(key);
          running--;
        },
        { concurrency },
      );
      for (let i = 0; i < keys; i++) queue.add(`k${i}`);
      await advance(10 * keys);
      expect({ maxRunning, processed: seen.size }).toEqual({ maxRunning: wantMax, processed: keys });
      await queue.shutdown();
      await done;
    });
  }

  it("rejects a bad concurrency and a second run", async () => {
    const queue = new WorkQueue();
    const handle = (): Promise<void> => Promise.resolve();
    expect(() => queue.run(handle, { concurrency: 0 })).toThrow(RangeError);
    expect(() => queue.run(handle, { concurrency: 1.5 })).toThrow(RangeError);
    const done = queue.run(handle, { concurrency: 1 });
    expect(() => queue.run(handle, { concurrency: 1 })).toThrow(/twice/);
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue rate limiting", () => {
  it("backs off exponentially per key, capped, and starts over after forget", async () => {
    const queue = new WorkQueue({ backoff: noJitter() });
    const runs: number[] = [];
    const done = queue.run(
      (key) => {
        runs.push(performance.now());
        if (runs.length < 6) queue.addRateLimited(key);
        else if (runs.length === 6) {
          queue.forget(key);
          queue.addRateLimited(key);
        }
        return Promise.resolve();
      },
      { concurrency: 1 },
    );
    queue.add("a");
    await advance(60_000);
    const gaps = runs.slice(1).map((t, i) => t - (runs[i] ?? 0));
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 8000, 1000]);
    expect(queue.failures("a")).toBe(1);
    await queue.shutdown();
    await done;
  });

  it("keeps backoff per key", () => {
    const queue = new WorkQueue({ backoff: noJitter() });
    queue.addRateLimited("a");
    queue.addRateLimited("a");
    queue.addRateLimited("b");
    expect({ a: queue.failures("a"), b: queue.failures("b"), c: queue.failures("c"), delayed: queue.delayed() }).toEqual({ a: 2, b: 1, c: 0, delayed: 2 });
  });
});

describe("WorkQueue handler errors", () => {
  const boom = new Error("boom");
  const cases: Record<string, { reason: string; handler: (fail: boolean) => Promise<void> }> = {
    "a rejecting handler": {
      reason: "an async handler that throws",
      handler: async (fail) => {
        await Promise.resolve();
        if (fail) throw boom;
      },
    },
    "a synchronously throwing handler": {
      reason: "a plain function typed as returning a promise, throwing before it returns one",
      handler: (fail) => {
        if (fail) throw boom;
        return Promise.resolve();
      },
    },
  };

  for (const [name, { reason, handler }] of Object.entries(cases)) {
    it(`${name} is reported and re-added rate-limited`, async () => {
      const errors: [string, unknown][] = [];
      const durations: string[] = [];
      const options: WorkQueueOptions = {
        backoff: noJitter(),
        onError: (key, err) => errors.push([key, err]),
        onProcessed: (key) => durations.push(key),
      };
      const queue = new WorkQueue(options);
      const runs: number[] = [];
      const done = queue.run(
        async (key) => {
          runs.push(performance.now());
          await handler(runs.length <= 2);
          queue.forget(key);
        },
        { concurrency: 1 },
      );
      queue.add("a");
      await advance(10_000);
      expect(runs, reason).toEqual([0, 1000, 3000]);
      expect(errors).toEqual([
        ["a", boom],
        ["a", boom],
      ]);
      expect(durations).toEqual(["a", "a", "a"]);
      expect(queue.failures("a")).toBe(0);
      await queue.shutdown();
      await done;
    });
  }

  it("survives hooks that throw", async () => {
    const queue = new WorkQueue({
      onError: () => {
        throw new Error("bad hook");
      },
      onProcessed: () => {
        throw new Error("bad hook");
      },
    });
    const seen: string[] = [];
    const done = queue.run(
      (key) => {
        seen.push(key);
        return key === "a" ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
      { concurrency: 1 },
    );
    queue.add("a");
    queue.add("b");
    await settle();
    expect(seen).toEqual(["a", "b"]);
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue observability", () => {
  it("counts waiting, in-flight and delayed keys, and times each run", async () => {
    const processedMs: [string, number][] = [];
    const queue = new WorkQueue({ onProcessed: (key, ms) => processedMs.push([key, ms]) });
    queue.add("e1");
    queue.add("e2");
    queue.add("p1", "poll");
    queue.addAfter("d1", 1000);
    queue.addAfter("d2", 2000);
    queue.addAfter("d1", 3000);
    expect({ depth: queue.depth(), inFlight: queue.inFlight(), delayed: queue.delayed() }).toEqual({ depth: { event: 2, poll: 1 }, inFlight: 0, delayed: 2 });

    const busy = gate();
    const done = queue.run(async (key) => {
      if (key === "e1") await busy.promise;
    }, { concurrency: 1 });
    await settle();
    expect({ depth: queue.depth(), inFlight: queue.inFlight() }).toEqual({ depth: { event: 1, poll: 1 }, inFlight: 1 });
    await advance(250);
    busy.open();
    await settle();
    expect(processedMs[0]).toEqual(["e1", 250]);
    expect({ depth: queue.depth(), inFlight: queue.inFlight() }).toEqual({ depth: { event: 0, poll: 0 }, inFlight: 0 });
    await queue.shutdown();
    await done;
  });
});

describe("WorkQueue shutdown", () => {
  it("stops handing out keys and resolves once in-flight work is done", async () => {
    const queue = new WorkQueue();
    const busy = gate();
    const seen: string[] = [];
    const done = queue.run(async (key) => {
      seen.push(key);
      await busy.promise;
    }, { concurrency: 1 });
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 10);
    await settle();

    let stopped = false;
    let returned = false;
    const stopping = queue.shutdown().then(() => (stopped = true));
    void done.then(() => (returned = true));
    queue.add("d");
    await advance(1000);
    expect({ stopped, returned, seen }).toEqual({ stopped: false, returned: false, seen: ["a"] });

    busy.open();
    await settle();
    expect({ stopped, returned, seen }).toEqual({ stopped: true, returned: true, seen: ["a"] });
    await stopping;
  });

  it("waits at most drainMs for in-flight work", async () => {
    const queue = new WorkQueue();
    const never = gate();
    const done = queue.run(() => never.promise, { concurrency: 2 });
    queue.add("stuck");
    await settle();

    let stopped = false;
    const stopping = queue.shutdown({ drainMs: 500 }).then(() => (stopped = true));
    await advance(499);
    expect(stopped).toBe(false);
    await advance(1);
    expect(stopped).toBe(true);
    await stopping;

    never.open();
    await done;
  });

  it("resolves at once when nothing is running", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    await queue.shutdown({ drainMs: 1000 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("WorkQueue timers", () => {
  // A deterministic spread of due times: 10,000 keys over 100 distinct seconds, asked out of order.
  function dueSeconds(n: number): number[] {
    let seed = 42;
    return Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 1 + (seed % 100);
    });
  }

  it("schedules 10,000 delayed keys on one timer and fires them in due order", async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const queue = new WorkQueue();
    const seconds = dueSeconds(10_000);
    seconds.forEach((s, i) => queue.addAfter(`k${i}`, s * 1000, "poll"));
    const scheduling = setTimeoutSpy.mock.calls.length;
    expect({ delayed: queue.delayed(), liveTimers: vi.getTimerCount() }).toEqual({ delayed: 10_000, liveTimers: 1 });
    // Only a new earliest due time re-arms the timer: a handful for random order, never one per key.
    expect(scheduling).toBeLessThan(50);

    const seen: string[] = [];
    const done = queue.run((key) => {
      seen.push(key);
      return Promise.resolve();
    }, { concurrency: 1 });
    await advance(100_000);

    // Due order, with equal due times in the order they were asked for.
    const want = seconds
      .map((s, i) => ({ s, i }))
      .sort((a, b) => a.s - b.s || a.i - b.i)
      .map(({ i }) => `k${i}`);
    expect(seen).toEqual(want);
    expect(queue.delayed()).toBe(0);
    // One timer per distinct due time while firing (100), plus the scheduling ones.
    expect(setTimeoutSpy.mock.calls.length).toBeLessThanOrEqual(scheduling + 100);
    await queue.shutdown();
    await done;
  });

  it("keeps firing correctly when delayed adds are superseded en masse", async () => {
    const queue = new WorkQueue();
    for (let i = 0; i < 5000; i++) queue.addAfter(`k${i}`, 5000);
    for (let i = 0; i < 5000; i++) queue.add(`k${i}`); // cancels every delayed add
    for (let i = 0; i < 5000; i++) queue.addAfter(`k${i}`, 10_000 - i);
    expect(queue.delayed()).toBe(5000);

    const seen: string[] = [];
    const start = performance.now();
    const done = queue.run((key) => {
      seen.push(`${key}@${performance.now() - start}`);
      return Promise.resolve();
    }, { concurrency: 1 });
    await settle();
    expect(seen.length).toBe(5000); // the immediate adds
    await advance(10_000);
    expect(seen.length).toBe(10_000);
    expect(seen.slice(5000, 5002)).toEqual(["k4999@5001", "k4998@5002"]);
    expect(seen.at(-1)).toBe("k0@10000");
    await queue.shutdown();
    await done;
  });

  it("does not keep the process alive", () => {
    vi.useRealTimers();
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const queue = new WorkQueue();
    queue.addAfter("a", 60_000);
    const timer: unknown = setTimeoutSpy.mock.results[0]?.value;
    expect(timer).toBeDefined();
    expect((timer as NodeJS.Timeout).hasRef()).toBe(false);
    void queue.shutdown();
  });
});

describe("why a key runs, and promotion", () => {
  it("hands the handler the priority the key waited at, and tells onPromote once when an edit arrives for a key running as a poll", async () => {
    const promoted: string[] = [];
    const queue = new WorkQueue({ onPromote: (key) => promoted.push(key) });
    const seen: [string, Priority][] = [];
    let release: () => void = () => {};
    const done = queue.run(
      async (key, priority) => {
        seen.push([key, priority]);
        if (key === "slow" && priority === "poll") await new Promise<void>((resolve) => (release = resolve));
      },
      { concurrency: 2 },
    );
    queue.add("slow", "poll");
    queue.add("edited", "event");
    await settle();
    queue.add("slow", "event");
    queue.add("slow", "event");
    await settle();
    expect(promoted).toEqual(["slow"]);
    release();
    await settle();
    expect(seen).toEqual([
      ["edited", "event"],
      ["slow", "poll"],
      ["slow", "event"],
    ]);
    await queue.shutdown();
    await done;
  });
});
