import { describe, expect, it } from "vitest";
import type { Plan } from "./plan.ts";
import { planExitCode, renderPlanJson, renderPlanText, summaryOf } from "./plan-render.ts";
import type { PlannedResource } from "./plan-render.ts";

const NOW = new Date("2026-12-03T12:00:30Z");

function planned(name: string, plan: Plan | { error: string }, source: "observed" | "controller" = "controller"): PlannedResource {
  const base = { apiVersion: "aws.terraplane.dev/v1alpha1", kind: "Database", namespace: "shop", name, origin: "cluster" };
  return "error" in plan ? { ...base, result: { ok: false, error: plan.error } } : { ...base, result: { ok: true, plan, source, observedAt: "2026-12-03T12:00:18Z" } };
}

const none: Plan = { action: "none", reason: "up-to-date", message: "the cloud resource matches spec", fields: [] };
const update: Plan = {
  action: "update",
  reason: "update",
  message: "backupRetentionPeriod, masterPassword would be updated",
  fields: [{ path: "backupRetentionPeriod", desired: "7", observed: "3" }, { path: "masterPassword" }],
};
const create: Plan = { action: "create", reason: "create", message: 'the cloud resource "orders" would be created', fields: [] };

describe("renderPlanText", () => {
  it("shows each resource with Terraform's symbols, each field cloud -> spec, sensitive ones without values", () => {
    const text = renderPlanText([planned("a", none), planned("b", update), planned("c", create, "observed")], NOW);
    expect(text).toBe(
      [
        "= aws Database shop/a  [cluster; the controller's observation 12s ago]",
        "    no changes: the cloud resource matches spec",
        "~ aws Database shop/b  [cluster; the controller's observation 12s ago]",
        "    update: backupRetentionPeriod, masterPassword would be updated",
        "      ~ backupRetentionPeriod: 3 (cloud) -> 7 (spec)",
        "      ~ masterPassword: (sensitive value differs)",
        "+ aws Database shop/c  [cluster; observed now]",
        '    create: the cloud resource "orders" would be created',
        "",
        "Plan: 1 to create, 1 to update, 0 to delete, 0 blocked, 1 unchanged.",
        "",
      ].join("\n"),
    );
  });

  it("names the object that could not be planned and why", () => {
    const text = renderPlanText([planned("x", { error: 'ProviderConfig "tf" in namespace "shop" (aws.terraplane.dev) not found' })], NOW);
    expect(text).toContain("x aws Database shop/x  [cluster]\n    error: ProviderConfig");
    expect(text).toContain("1 could not be planned");
  });
});

describe("planExitCode and the JSON", () => {
  const cases: Record<string, { resources: PlannedResource[]; want: 0 | 1 | 2 }> = {
    "all unchanged": { resources: [planned("a", none)], want: 0 },
    "one update": { resources: [planned("a", none), planned("b", update)], want: 2 },
    "an error wins": { resources: [planned("b", update), planned("x", { error: "boom" })], want: 1 },
    "nothing": { resources: [], want: 0 },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => {
    expect(planExitCode(c.resources)).toBe(c.want);
    const json: unknown = JSON.parse(renderPlanJson(c.resources));
    expect(json).toMatchObject({ exitCode: c.want, summary: summaryOf(c.resources) });
  });

  it("JSON carries action, reason, fields and source per resource", () => {
    const json: unknown = JSON.parse(renderPlanJson([planned("b", update)]));
    expect(json).toMatchObject({ resources: [{ name: "b", action: "update", reason: "update", source: "controller", fields: update.fields }] });
  });
});
