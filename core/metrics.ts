import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { callBudgets } from "./call-budget.ts";
import type { BucketState, CallBudgets } from "./call-budget.ts";

/** The controller's Prometheus metrics, on their own registry (served at /metrics). */
export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: "terraplane_reconciles_total",
    help: "Reconciles by kind and result (success, requeue, error, conflict, invalid).",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "terraplane_reconcile_duration_seconds",
    help: "Time spent in one reconcile, by kind.",
    labelNames: ["kind"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly cacheWaits = new Counter({
    name: "terraplane_cache_waits_total",
    help: "Reconciles put off, by kind, because the informer's cache had not yet seen the controller's own last write of the object.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  /** Read at scrape time: set by the manager to the work queue's depths. */
  queueDepths: () => Readonly<Record<string, number>> = () => ({});
  readonly queueDepth = new Gauge({
    name: "terraplane_queue_depth",
    help: "Keys waiting in the work queue, by priority (event, poll) and delayed.",
    labelNames: ["priority"] as const,
    registers: [this.registry],
    collect: () => {
      for (const [priority, depth] of Object.entries(this.queueDepths())) this.queueDepth.set({ priority }, depth);
    },
  });
  readonly externalCalls = new Counter({
    name: "terraplane_external_calls_total",
    help: "Provider calls by provider, kind, operation (observe, create, update, delete) and result (success or error class).",
    labelNames: ["provider", "kind", "operation", "result"] as const,
    registers: [this.registry],
  });
  readonly externalCallDuration = new Histogram({
    name: "terraplane_external_call_duration_seconds",
    help: "Provider call latency by provider, kind and operation.",
    labelNames: ["provider", "kind", "operation"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly driftDetections = new Counter({
    name: "terraplane_drift_detections_total",
    help: "Drift between spec and cloud detected, by kind.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  // The call budget (docs/adr/0014), read from the buckets at scrape time: by key
  // (<provider>/<account>/<region>/<service>) and, where it differs, priority (event, poll).
  readonly #budgets: CallBudgets;
  readonly callBudgetTokens = new Gauge({
    name: "terraplane_call_budget_tokens",
    help: "Tokens available now in each call-budget bucket, by key.",
    labelNames: ["key"] as const,
    registers: [this.registry],
    collect: () => this.#collectBudgets((s) => this.callBudgetTokens.set({ key: s.key }, s.tokens)),
  });
  readonly callBudgetRate = new Gauge({
    name: "terraplane_call_budget_rate_per_second",
    help: "Each call-budget bucket's refill rate (calls per second), by key.",
    labelNames: ["key"] as const,
    registers: [this.registry],
    collect: () => this.#collectBudgets((s) => this.callBudgetRate.set({ key: s.key }, s.limits.ratePerSecond)),
  });
  readonly callBudgetWaiting = new Gauge({
    name: "terraplane_call_budget_waiting",
    help: "Calls waiting for a call-budget token now, by key and priority.",
    labelNames: ["key", "priority"] as const,
    registers: [this.registry],
    collect: () => this.#collectBudgets((s) => perPriority(s.waiting, (priority, n) => this.callBudgetWaiting.set({ key: s.key, priority }, n))),
  });
  readonly callBudgetCalls: Counter<"key" | "priority"> = new Counter({
    name: "terraplane_call_budget_calls_total",
    help: "Calls given a call-budget token, by key and priority.",
    labelNames: ["key", "priority"] as const,
    registers: [this.registry],
    collect: (): void => this.#collectCounter(this.callBudgetCalls, (s) => s.granted),
  });
  readonly callBudgetWaited: Counter<"key" | "priority"> = new Counter({
    name: "terraplane_call_budget_waited_total",
    help: "Calls that waited for a call-budget token, by key and priority.",
    labelNames: ["key", "priority"] as const,
    registers: [this.registry],
    collect: (): void => this.#collectCounter(this.callBudgetWaited, (s) => s.waited),
  });
  readonly callBudgetWaitSeconds: Counter<"key" | "priority"> = new Counter({
    name: "terraplane_call_budget_wait_seconds_total",
    help: "Time calls spent waiting for a call-budget token, by key and priority.",
    labelNames: ["key", "priority"] as const,
    registers: [this.registry],
    collect: (): void => this.#collectCounter(this.callBudgetWaitSeconds, (s) => s.waitSeconds),
  });

  constructor(opts: { defaultMetrics?: boolean; callBudgets?: CallBudgets } = {}) {
    this.#budgets = opts.callBudgets ?? callBudgets;
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  #collectBudgets(each: (state: BucketState) => void): void {
    for (const state of this.#budgets.states()) each(state);
  }

  // The buckets keep the running totals; a scrape copies them (a counter is only ever set from a total that grows).
  #collectCounter(counter: Counter<"key" | "priority">, totals: (state: BucketState) => Readonly<Record<"event" | "poll", number>>): void {
    counter.reset();
    this.#collectBudgets((s) => perPriority(totals(s), (priority, n) => counter.inc({ key: s.key, priority }, n)));
  }
}

function perPriority(values: Readonly<Record<"event" | "poll", number>>, each: (priority: "event" | "poll", value: number) => void): void {
  each("event", values.event);
  each("poll", values.poll);
}
