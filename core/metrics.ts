import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
