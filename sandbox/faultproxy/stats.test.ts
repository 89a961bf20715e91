import { describe, expect, it } from "vitest";
import type { Classification } from "./classify.ts";
import { emptyCounts, operationCounts, StatsRecorder, StatsSnapshotSchema, upstreamClass } from "./stats.ts";

const RDS: Classification = { service: "rds", operation: "CreateDBInstance", protocol: "awsQuery" };
const RDS2: Classification = { service: "rds", operation: "DeleteDBInstance", protocol: "awsQuery" };

describe("upstreamClass", () => {
  const cases: Record<string, { status: number | "error"; want: string }> = {
    "200": { status: 200, want: "2xx" },
    "204": { status: 204, want: "2xx" },
    "304": { status: 304, want: "3xx" },
    "404": { status: 404, want: "4xx" },
    "429": { status: 429, want: "4xx" },
    "503": { status: 503, want: "5xx" },
    error: { status: "error", want: "error" },
  };
  for (const [name, { status, want }] of Object.entries(cases)) it(name, () => expect(upstreamClass(status)).toBe(want));
});

describe("StatsRecorder", () => {
  it("rolls counts up to service and total", () => {
    const s = new StatsRecorder();
    s.recordRequest(RDS);
    s.recordFaults(RDS, ["latency", "throttle"]);
    s.recordRequest(RDS2);
    s.recordForwarded(RDS2);
    s.recordUpstream(RDS2, 200);
    const snap = s.snapshot();
    expect(StatsSnapshotSchema.parse(snap)).toEqual(snap);
    expect(operationCounts(snap, "rds", "CreateDBInstance")).toMatchObject({ requests: 1, forwarded: 0, faults: { latency: 1, throttle: 1 } });
    expect(snap.services.rds?.total).toMatchObject({ requests: 2, forwarded: 1, upstream: { "2xx": 1 } });
    expect(snap.total).toEqual(snap.services.rds?.total);
    expect(operationCounts(snap, "ec2", "RunInstances")).toEqual(emptyCounts());
  });

  it("snapshots are copies, and reset clears", () => {
    const s = new StatsRecorder();
    s.recordRequest(RDS);
    const before = s.snapshot();
    s.recordRequest(RDS);
    expect(before.total.requests).toBe(1);
    s.reset();
    expect(s.snapshot()).toEqual({ total: emptyCounts(), services: {} });
  });
});
