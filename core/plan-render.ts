import { exitCodeOf } from "./plan.ts";
import type { Plan, PlanAction } from "./plan.ts";
import type { PlanSource } from "./plan-observe.ts";

// `terraplane plan`'s output: text for people (Terraform's symbols: + create, ~ update, - delete),
// JSON for machines, and the exit code of Terraform's -detailed-exitcode (0 no changes, 2 changes,
// 1 error).

/** One object's plan, or why it could not be planned. */
export interface PlannedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Where the object came from: a file (-f) or the cluster. */
  readonly origin: string;
  readonly externalName?: string;
  readonly result: { readonly ok: true; readonly plan: Plan; readonly source: PlanSource; readonly observedAt: string } | { readonly ok: false; readonly error: string };
}

const SYMBOL: Readonly<Record<PlanAction, string>> = { create: "+", update: "~", delete: "-", none: "=", blocked: "!" };
const WORD: Readonly<Record<PlanAction, string>> = { create: "create", update: "update", delete: "delete", none: "no changes", blocked: "blocked" };

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly blocked: number;
  readonly none: number;
  readonly errors: number;
}

export function summaryOf(resources: readonly PlannedResource[]): PlanSummary {
  const count = (a: PlanAction): number => resources.filter((r) => r.result.ok && r.result.plan.action === a).length;
  return { create: count("create"), update: count("update"), delete: count("delete"), blocked: count("blocked"), none: count("none"), errors: resources.filter((r) => !r.result.ok).length };
}

/** 1 when any object could not be planned, else 2 when any would change (or differs but is blocked), else 0. */
export function planExitCode(resources: readonly PlannedResource[]): 0 | 1 | 2 {
  if (resources.some((r) => !r.result.ok)) return 1;
  return exitCodeOf(resources.flatMap((r) => (r.result.ok ? [r.result.plan] : [])));
}

function groupOf(apiVersion: string): string {
  return apiVersion.split("/")[0] ?? apiVersion;
}

function heading(r: PlannedResource): string {
  const cloud = groupOf(r.apiVersion).split(".")[0] ?? "";
  const external = r.externalName && r.externalName !== r.name ? ` (cloud name ${r.externalName})` : "";
  return `${cloud} ${r.kind} ${r.namespace}/${r.name}${external}`;
}

function sourceText(source: PlanSource, observedAt: string, now: Date): string {
  if (source === "observed") return "observed now";
  const s = Math.max(0, Math.round((now.getTime() - new Date(observedAt).getTime()) / 1000));
  return `the controller's observation ${s}s ago`;
}

/** One line per differing field: path, then the cloud's value and the spec's (Terraform's "old -> new"). */
function fieldLines(plan: Plan): string[] {
  return plan.fields.map((f) => (f.desired === undefined && f.observed === undefined ? `      ~ ${f.path}: (sensitive value differs)` : `      ~ ${f.path}: ${f.observed ?? "null"} (cloud) -> ${f.desired ?? "null"} (spec)`));
}

export function renderPlanText(resources: readonly PlannedResource[], now = new Date()): string {
  const lines: string[] = [];
  for (const r of resources) {
    if (!r.result.ok) {
      lines.push(`x ${heading(r)}  [${r.origin}]`, `    error: ${r.result.error}`);
      continue;
    }
    const { plan, source, observedAt } = r.result;
    lines.push(`${SYMBOL[plan.action]} ${heading(r)}  [${r.origin}; ${sourceText(source, observedAt, now)}]`, `    ${WORD[plan.action]}: ${plan.message}`, ...fieldLines(plan));
  }
  const s = summaryOf(resources);
  lines.push(
    "",
    `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.blocked} blocked, ${s.none} unchanged${s.errors ? `, ${s.errors} could not be planned` : ""}.`,
  );
  return `${lines.join("\n")}\n`;
}

export function renderPlanJson(resources: readonly PlannedResource[]): string {
  const out = resources.map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    origin: r.origin,
    ...(r.externalName ? { externalName: r.externalName } : {}),
    ...(r.result.ok
      ? {
          action: r.result.plan.action,
          reason: r.result.plan.reason,
          message: r.result.plan.message,
          fields: r.result.plan.fields,
          source: r.result.source,
          observedAt: r.result.observedAt,
          ...(r.result.plan.pendingOperation ? { pendingOperation: r.result.plan.pendingOperation } : {}),
        }
      : { action: "error", error: r.result.error }),
  }));
  return `${JSON.stringify({ resources: out, summary: summaryOf(resources), exitCode: planExitCode(resources) }, null, 2)}\n`;
}
