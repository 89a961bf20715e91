import type { StructuralSchema } from "../core/crd/structural.ts";
import { describeSchema } from "./assignable.ts";
import type { CompiledDefinition } from "./definition.ts";

// Would a new version of a definition break instances that exist? A removed field, a changed type,
// a field that became required, an enum value dropped, a tighter bound, a removed connection key
// or status field, or another group/kind/scope: each is a breaking change the controller refuses
// unless the definition change is explicitly allowed.

export interface BreakingChange {
  readonly path: string;
  readonly message: string;
}

export function breakingChanges(old: CompiledDefinition, next: CompiledDefinition): BreakingChange[] {
  const out: BreakingChange[] = [];
  const a = old.definition.spec;
  const b = next.definition.spec;
  if (a.group !== b.group || a.names.kind !== b.names.kind || a.names.plural !== b.names.plural) out.push({ path: "spec", message: `group and names cannot change (${a.group} ${a.names.kind} → ${b.group} ${b.names.kind}): define a new kind instead` });
  if (a.version !== b.version) out.push({ path: "spec.version", message: `version ${a.version} would stop being served (→ ${b.version})` });
  if (a.scope !== b.scope) out.push({ path: "spec.scope", message: `scope cannot change (${a.scope} → ${b.scope})` });
  compareSchema(old.ownSpec, next.ownSpec, "spec", out);
  compareSchema(old.ownStatus, next.ownStatus, "status", out);
  for (const key of old.connectionSecretKeys) if (!next.connectionSecretKeys.includes(key)) out.push({ path: "spec.connectionSecretKeys", message: `connection key ${key} was removed: apps reading it would break` });
  return out;
}

function compareSchema(a: StructuralSchema, b: StructuralSchema, path: string, out: BreakingChange[]): void {
  if (a.type !== b.type && a.type !== undefined) {
    out.push({ path, message: `type changed from ${describeSchema(a)} to ${describeSchema(b)}` });
    return;
  }
  if (a.enum && (!b.enum || a.enum.some((v) => !b.enum?.includes(v)))) {
    const dropped = a.enum.filter((v) => !b.enum?.includes(v)).map((v) => JSON.stringify(v));
    if (b.enum) out.push({ path, message: `enum values removed: ${dropped.join(", ")}` });
  } else if (!a.enum && b.enum) out.push({ path, message: `now limited to ${b.enum.map((v) => JSON.stringify(v)).join(", ")}` });
  tighter(a, b, path, out);
  for (const key of b.required ?? []) if (!(a.required ?? []).includes(key) && b.properties?.[key]?.default === undefined) out.push({ path: `${path}.${key}`, message: "became required (without a default)" });
  for (const [key, child] of Object.entries(a.properties ?? {})) {
    const next = b.properties?.[key];
    if (!next) out.push({ path: `${path}.${key}`, message: "field removed" });
    else compareSchema(child, next, `${path}.${key}`, out);
  }
  if (a.items && b.items) compareSchema(a.items, b.items, `${path}[*]`, out);
  if (a.additionalProperties && b.additionalProperties) compareSchema(a.additionalProperties, b.additionalProperties, `${path}.*`, out);
}

function tighter(a: StructuralSchema, b: StructuralSchema, path: string, out: BreakingChange[]): void {
  const lower = ["minimum", "minLength", "minItems"] as const;
  const upper = ["maximum", "maxLength", "maxItems"] as const;
  for (const k of lower) {
    const nb = b[k];
    if (nb !== undefined && (a[k] === undefined || nb > (a[k] ?? 0))) out.push({ path, message: `${k} raised to ${nb}` });
  }
  for (const k of upper) {
    const nb = b[k];
    if (nb !== undefined && (a[k] === undefined || nb < (a[k] ?? Infinity))) out.push({ path, message: `${k} lowered to ${nb}` });
  }
  if (b.pattern !== undefined && b.pattern !== a.pattern) out.push({ path, message: `pattern changed to ${b.pattern}` });
}
