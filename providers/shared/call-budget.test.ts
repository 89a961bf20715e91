import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallBudgets } from "../../core/call-budget.ts";
import type { ExternalClient, Managed } from "../../core/provider.ts";
import { budgetLimits, takeScopedToken, withCallContext } from "./call-budget.ts";
import type { BudgetScope } from "./call-budget.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const mr = (name: string): Managed => ({
  apiVersion: "x/v1",
  kind: "Thing",
  metadata: { name, namespace: "ns" },
  spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "pc" } },
});

/** A client whose every call is one budgeted SDK call of the "api" service, recording the order calls were sent in. */
function fakeClient(budgets: CallBudgets, sent: string[]): ExternalClient {
  const call = async (what: string): Promise<void> => {
    await takeScopedToken("api", budgets);
    sent.push(what);
  };
  return {
    observe: async (m) => {
      await call(`observe ${m.metadata.name}`);
      return { exists: false };
    },
    create: async (m) => {
      await call(`create ${m.metadata.name}`);
      return {};
    },
    update: async (m) => {
      await call(`update ${m.metadata.name}`);
      return {};
    },
    delete: async (m) => {
      await call(`delete ${m.metadata.name}`);
      return {};
    },
  };
}

describe("withCallContext", () => {
  const scope: BudgetScope = (service) => (service === "api" ? { key: "test/acct/global/api", limits: { ratePerSecond: 1, burst: 1 } } : undefined);

  it("carries each contract call's priority to the SDK call point: an edit's call is sent before the polls queued ahead of it", async () => {
    const budgets = new CallBudgets();
    const sent: string[] = [];
    const client = withCallContext(fakeClient(budgets, sent), scope);
    const signal = new AbortController().signal;
    const polls = ["a", "b", "c"].map((n) => client.observe(mr(n), { signal, priority: "poll" }));
    await vi.advanceTimersByTimeAsync(0);
    const edit = client.update(mr("edited"), [], { signal, priority: "event" });
    await vi.advanceTimersByTimeAsync(3_000);
    await Promise.all([...polls, edit]);
    expect(sent).toEqual(["observe a", "update edited", "observe b", "observe c"]);
    const state = budgets.states()[0];
    expect(state?.granted).toEqual({ event: 1, poll: 3 });
  });

  it("a call waiting for a token gives up when its signal fires", async () => {
    const budgets = new CallBudgets();
    const sent: string[] = [];
    const client = withCallContext(fakeClient(budgets, sent), scope);
    await client.observe(mr("first"), { signal: new AbortController().signal, priority: "poll" });
    const abort = new AbortController();
    const waiting = client.create(mr("late"), { signal: abort.signal, priority: "event" });
    abort.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    expect(sent).toEqual(["observe first"]);
  });

  it("a service the scope does not budget, or a call outside any context, is not held", async () => {
    const budgets = new CallBudgets();
    await takeScopedToken("api", budgets);
    await takeScopedToken("api", budgets);
    expect(budgets.states()).toEqual([]);
  });
});

describe("budgetLimits", () => {
  it("takes the ProviderConfig's override of a service, the default of the rest", () => {
    const limits = budgetLimits({ a: { ratePerSecond: 1, burst: 2 }, b: { ratePerSecond: 3, burst: 4 } }, { b: { ratePerSecond: 9, burst: 9 } });
    expect(limits("a")).toEqual({ ratePerSecond: 1, burst: 2 });
    expect(limits("b")).toEqual({ ratePerSecond: 9, burst: 9 });
  });
});
