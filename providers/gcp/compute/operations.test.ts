import { describe, expect, it } from "vitest";
import { errorClassOf } from "../../../core/errors.ts";
import type { Managed } from "../../../core/provider.ts";
import { FakeCompute } from "./fake-compute.ts";
import { checkPending, OperationLedger, operationError, operationNames, pendingOperation, RETRY_FAILED_AFTER_MS } from "./operations.ts";

function mr(pending?: string, opts: { generation?: number; deleting?: boolean } = {}): Managed {
  return {
    kind: "LoadBalancer",
    metadata: { name: "shop", namespace: "ns", uid: "u-1", generation: opts.generation ?? 1, ...(opts.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "default" } },
    status: { observedGeneration: 1, ...(pending ? { pendingOperation: { id: pending, action: "create", startedAt: "2026-01-01T00:00:00Z" } } : {}) },
  };
}

describe("pending operations of a chain", () => {
  it("records several operation names in one id, and only the id and action (the core keeps when it started)", () => {
    const p = pendingOperation(["op-1", "op-2"], "create");
    expect(operationNames(p)).toEqual(["op-1", "op-2"]);
    expect(p).toStrictEqual({ id: "op-1 op-2", action: "create" });
    expect(operationNames(undefined)).toEqual([]);
  });

  it("reports running operations, then nothing once all are done", async () => {
    const fake = new FakeCompute();
    const api = fake.api();
    const a = await api.healthChecks.insert("p", { name: "hc" });
    const b = await api.globalAddresses.insert("p", { name: "ip" });
    const running = await checkPending(api, "p", mr(`${a} ${b}`));
    expect(running.running?.id).toBe(`${a} ${b}`);
    expect(running.runningOps).toHaveLength(2);
    fake.finish();
    expect(await checkPending(api, "p", mr(`${a} ${b}`))).toEqual({ runningOps: [] });
    // Forgotten by compute: finished.
    expect(await checkPending(api, "p", mr("op-gone"))).toEqual({ runningOps: [] });
  });

  it("throws a failure the spec must cure until the spec changes or the object is deleted", async () => {
    const fake = new FakeCompute();
    const api = fake.api();
    const op = await api.urlMaps.insert("p", { name: "um" });
    fake.finish({ code: "INVALID_FIELD_VALUE", message: "bad host rule" });
    const err: unknown = await checkPending(api, "p", mr(op)).catch((e: unknown) => e);
    expect(errorClassOf(err)).toBe("InvalidParameter");
    expect(String(err)).toContain("insert of urlMaps/um failed: bad host rule");
    await expect(checkPending(api, "p", mr(op, { generation: 2 }))).resolves.toEqual({ runningOps: [] });
    await expect(checkPending(api, "p", mr(op, { deleting: true }))).resolves.toEqual({ runningOps: [] });
  });

  it("reports a failure retrying may cure for a while, then lets the step run again", async () => {
    const fake = new FakeCompute();
    const api = fake.api();
    const op = await api.urlMaps.insert("p", { name: "um" });
    const ended = new Date("2026-01-01T00:00:00Z");
    fake.finish({ code: "INTERNAL_ERROR", message: "boom", httpErrorStatusCode: 503 }, ended);
    const soon = ended.getTime() + 1000;
    await expect(checkPending(api, "p", mr(op), { now: soon })).rejects.toMatchObject({ errorClass: "Transient", code: "INTERNAL_ERROR" });
    await expect(checkPending(api, "p", mr(op), { now: soon + RETRY_FAILED_AFTER_MS })).resolves.toEqual({ runningOps: [] });
  });

  it("remembers the operations it started when the object it is handed is older than its last status write", async () => {
    const fake = new FakeCompute();
    const api = fake.api();
    const ledger = new OperationLedger();
    const op = await api.urlMaps.insert("p", { name: "um" });
    ledger.record("u-1", pendingOperation([op], "update"));
    // A stale copy without the pending operation: the ledger still says it runs.
    expect((await checkPending(api, "p", mr(), { ledger })).running?.id).toBe(op);
    fake.finish();
    expect(await checkPending(api, "p", mr(), { ledger })).toEqual({ runningOps: [] });
    expect(ledger.get("u-1")).toBeUndefined();
  });

  it("classifies operation errors by code, then by HTTP status", () => {
    const cases: Record<string, { code: string; status?: number; want: string }> = {
      "in use": { code: "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", want: "Conflict" },
      "not found": { code: "RESOURCE_NOT_FOUND", want: "NotFound" },
      quota: { code: "QUOTA_EXCEEDED", want: "Throttled" },
      "unknown code, server status": { code: "SOMETHING_NEW", status: 503, want: "Transient" },
      "unknown code, 400": { code: "SOMETHING_NEW", status: 400, want: "InvalidParameter" },
    };
    for (const [reason, c] of Object.entries(cases)) {
      const err = operationError({ name: "o", error: { errors: [{ code: c.code, message: "m" }] }, ...(c.status ? { httpErrorStatusCode: c.status } : {}) });
      expect(err?.errorClass, reason).toBe(c.want);
    }
    expect(operationError({ name: "o" })).toBeUndefined();
  });
});
