// Request counters by service and operation: what tests and benchmarks assert on ("3 requests,
// 2 throttled, 1 forwarded with a 2xx"). The snapshot shape is a zod schema because it crosses
// process boundaries through the control API.
import { z } from "zod";
import type { Classification } from "./classify.ts";
import type { FaultName } from "./faults.ts";

const Count = z.number().int().min(0);

/** Counters for one operation, one service, or everything. */
export const CountsSchema = z.strictObject({
  /** Requests received (control API calls excluded). */
  requests: Count,
  /** Requests sent on to the upstream. */
  forwarded: Count,
  /** How many requests each fault fired on (a delayed request that is then forwarded counts in both). */
  faults: z.strictObject({ throttle: Count, error5xx: Count, latency: Count, drop: Count, truncate: Count, rewrite: Count }),
  /** Upstream outcomes of forwarded requests; `error` = no response (refused, reset, timeout). */
  upstream: z.strictObject({ "2xx": Count, "3xx": Count, "4xx": Count, "5xx": Count, error: Count }),
});

export const ServiceStatsSchema = z.strictObject({
  total: CountsSchema,
  operations: z.record(z.string(), CountsSchema),
});

/** Everything counted since the last reset. */
export const StatsSnapshotSchema = z.strictObject({
  total: CountsSchema,
  services: z.record(z.string(), ServiceStatsSchema),
});

export type Counts = z.infer<typeof CountsSchema>;
export type ServiceStats = z.infer<typeof ServiceStatsSchema>;
export type StatsSnapshot = z.infer<typeof StatsSnapshotSchema>;
/** Upstream outcome classes. */
export type UpstreamClass = keyof Counts["upstream"];

export function emptyCounts(): Counts {
  return {
    requests: 0,
    forwarded: 0,
    faults: { throttle: 0, error5xx: 0, latency: 0, drop: 0, truncate: 0, rewrite: 0 },
    upstream: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, error: 0 },
  };
}

/** One operation's counters from a snapshot; zeros if it was never seen. */
export function operationCounts(snapshot: StatsSnapshot, service: string, operation: string): Counts {
  return snapshot.services[service]?.operations[operation] ?? emptyCounts();
}

export function upstreamClass(status: number | "error"): UpstreamClass {
  if (status === "error") return "error";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return status >= 300 ? "3xx" : "2xx";
}

interface ServiceEntry {
  readonly total: Counts;
  readonly operations: Map<string, Counts>;
}

/** Mutable counters; every record call updates the operation, its service and the grand total. */
export class StatsRecorder {
  #total = emptyCounts();
  #services = new Map<string, ServiceEntry>();

  recordRequest(c: Classification): void {
    this.#bump(c, (k) => (k.requests += 1));
  }

  recordFaults(c: Classification, faults: readonly FaultName[]): void {
    for (const f of faults) this.#bump(c, (k) => (k.faults[f] += 1));
  }

  recordForwarded(c: Classification): void {
    this.#bump(c, (k) => (k.forwarded += 1));
  }

  recordUpstream(c: Classification, status: number | "error"): void {
    const cls = upstreamClass(status);
    this.#bump(c, (k) => (k.upstream[cls] += 1));
  }

  reset(): void {
    this.#total = emptyCounts();
    this.#services = new Map();
  }

  /** A deep copy, safe to keep while counting goes on. */
  snapshot(): StatsSnapshot {
    const services: Record<string, ServiceStats> = {};
    for (const [name, entry] of this.#services) {
      services[name] = { total: structuredClone(entry.total), operations: structuredClone(Object.fromEntries(entry.operations)) };
    }
    return { total: structuredClone(this.#total), services };
  }

  #bump(c: Classification, inc: (k: Counts) => void): void {
    let service = this.#services.get(c.service);
    if (service === undefined) {
      service = { total: emptyCounts(), operations: new Map() };
      this.#services.set(c.service, service);
    }
    let op = service.operations.get(c.operation);
    if (op === undefined) {
      op = emptyCounts();
      service.operations.set(c.operation, op);
    }
    inc(this.#total);
    inc(service.total);
    inc(op);
  }
}
