import { describe, expect, it } from "vitest";
import { OperationEngine } from "./operations.ts";
import type { OperationSpec } from "./operations.ts";

function engine(clock: { now: number }): OperationEngine {
  let n = 0;
  const naming = { id: () => String(++n), name: () => `op-${n}` };
  return new OperationEngine(() => clock.now, { sqladmin: naming, compute: naming });
}

function spec(delayMs: number, commit: OperationSpec["commit"], extra: Partial<OperationSpec> = {}): OperationSpec {
  return { service: "compute", project: "p", operationType: "insert", targetLink: "link/x", targetId: "1", delayMs, commit, ...extra };
}

describe("OperationEngine", () => {
  it("goes PENDING → RUNNING → DONE by wall time and commits exactly once", () => {
    const clock = { now: 1000 };
    const ops = engine(clock);
    let commits = 0;
    const op = ops.start(spec(400, () => void commits++));
    expect(ops.status(op)).toBe("PENDING");
    clock.now += 100;
    expect(ops.status(op)).toBe("RUNNING");
    expect(ops.busy("compute", "link/x")).toBe(true);
    clock.now += 300;
    ops.settle();
    ops.settle();
    expect(ops.status(op)).toBe("DONE");
    expect(commits).toBe(1);
    expect(ops.busy("compute", "link/x")).toBe(false);
  });

  it("is DONE on return with no delay", () => {
    const ops = engine({ now: 0 });
    expect(ops.status(ops.start(spec(0, () => undefined)))).toBe("DONE");
  });

  it("carries a commit's failure as the operation's error", () => {
    const ops = engine({ now: 0 });
    const op = ops.start(spec(0, () => ({ httpStatus: 404, code: "RESOURCE_NOT_FOUND", message: "gone" })));
    expect(op.outcome?.error).toEqual({ httpStatus: 404, code: "RESOURCE_NOT_FOUND", message: "gone" });
  });

  it("fails the next matching operation from a scheduled fault, aborting instead of committing", () => {
    const ops = engine({ now: 0 });
    const events: string[] = [];
    ops.scheduleFault({ operationType: "insert", targetPattern: "x$" }, { httpStatus: 500, code: "INTERNAL_ERROR", message: "boom" });
    const failed = ops.start(spec(0, () => void events.push("commit 1"), { abort: () => events.push("abort 1") }));
    const next = ops.start(spec(0, () => void events.push("commit 2")));
    expect(failed.outcome?.error?.code).toBe("INTERNAL_ERROR");
    expect(next.outcome?.error).toBeUndefined();
    expect(events).toEqual(["abort 1", "commit 2"]);
  });

  it("finds operations by name or id and forgets one project's on reset", () => {
    const ops = engine({ now: 0 });
    const op = ops.start(spec(0, () => undefined));
    ops.start(spec(0, () => undefined, { project: "other" }));
    expect(ops.find("compute", "p", op.name)).toBe(op);
    expect(ops.find("compute", "p", op.id)).toBe(op);
    ops.reset("p");
    expect(ops.find("compute", "p", op.name)).toBeUndefined();
    expect(ops.list("compute", "other")).toHaveLength(1);
  });
});
