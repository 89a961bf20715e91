import { Environment } from "@marcbachmann/cel-js";
import type { ParseResult } from "@marcbachmann/cel-js";
import { ENV_OPTIONS, METADATA_SCHEMA, fromCel, isRecord, toCel } from "./cel-types.ts";
import { RESERVED_ROOTS, firstLine } from "./compile.ts";
import type { CompiledComposition, CompiledResource } from "./compile.ts";
import type { ComposedResourceStatus } from "./definition.ts";
import { ComposeLabels } from "./kinds.ts";
import type { Problem } from "./problems.ts";
import { parseReferences, parseTemplateString, referenceText } from "./template.ts";
import { validateValue, withDefaults } from "./validate.ts";

// The renderer: THE function the composite reconciler calls on every reconcile, and the one
// `terraplane render` calls offline. Pure: an instance, its compiled composition and what is
// observed of the composed resources in, the manifests to apply (in wave order) and the status the
// instance gets out. A resource whose inputs are not there yet waits (never an error); one whose
// expression fails gets an error result and no manifest, so what exists is left as it is.

export interface Instance {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly generation?: number;
  };
  readonly spec: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/** A composed resource as the reconciler read it. */
export interface ObservedResource {
  /** The object from the API server (spec as stored, status as the managed reconciler wrote it). */
  readonly object: Readonly<Record<string, unknown>>;
  /** The data of its connection Secret (decoded), when it writes one. */
  readonly connectionDetails?: Readonly<Record<string, string>>;
}

export interface RenderInput {
  readonly instance: Instance;
  readonly composition: CompiledComposition;
  /** Observed composed resources by resource id; absent ids do not exist yet. */
  readonly observed?: ReadonlyMap<string, ObservedResource>;
}

export type ConditionStatus = "True" | "False" | "Unknown";

export interface RenderedResource {
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly wave: number;
  readonly dependsOn: readonly string[];
  /** rendered: apply `manifest`; waiting: inputs missing (leave it as it is); error: an expression or the result is wrong (leave it as it is). */
  readonly state: "rendered" | "waiting" | "error";
  readonly manifest?: Record<string, unknown>;
  /** What it waits for, e.g. lb.status.atProvider.dnsName. */
  readonly waitingFor?: readonly string[];
  readonly problems?: readonly Problem[];
  readonly ready: ConditionStatus;
  readonly synced: ConditionStatus;
  /** Its own reason for not being Ready or Synced, in its words. */
  readonly message?: string;
}

export interface RenderCondition {
  readonly type: "Ready" | "Synced";
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message?: string;
}

export interface RenderResult {
  /** Every composed resource, in apply order (wave by wave, declaration order inside a wave). */
  readonly resources: readonly RenderedResource[];
  readonly conditions: readonly RenderCondition[];
  /** The instance's status: the definition's fields (those that can be computed yet), composition and resources. */
  readonly status: Record<string, unknown>;
  /** For the instance's connection Secret: values are never put in status. */
  readonly connection: { readonly data: Record<string, string>; readonly missing: readonly string[] };
}

/** Renders an instance with a compiled composition (pure; no I/O). */
export function render(input: RenderInput): RenderResult {
  return new Renderer(input).run();
}

const BRAND = Symbol.for("terraplane.MissingInput");

/** An expression read a value that is not there yet (another resource's status, typically). */
class MissingInput extends Error {
  readonly [BRAND] = true;
  readonly paths: readonly string[];
  constructor(paths: readonly string[]) {
    super(`waiting for ${paths.join(", ")}`);
    this.paths = paths;
  }
}

function isMissingInput(err: unknown): err is MissingInput {
  return typeof err === "object" && err !== null && BRAND in err;
}

/** An expression that failed for another reason: a problem with its expression. */
class ExpressionFailure extends Error {
  readonly expression: string;
  constructor(expression: string, message: string) {
    super(message);
    this.expression = expression;
  }
}

const environments = new WeakMap<CompiledComposition, { env: Environment; programs: Map<string, ParseResult> }>();

function evaluatorOf(c: CompiledComposition): { env: Environment; programs: Map<string, ParseResult> } {
  let e = environments.get(c);
  if (!e) {
    // Evaluation is dynamic (the checker already typed every expression); values arrive converted by their schemas.
    const env = new Environment(ENV_OPTIONS);
    for (const root of [...RESERVED_ROOTS.filter((r) => r !== "status" && r !== "self"), ...c.resources.map((r) => r.id)]) env.registerVariable(root, "dyn");
    e = { env, programs: new Map() };
    environments.set(c, e);
  }
  return e;
}

class Renderer {
  private readonly input: RenderInput;
  private readonly c: CompiledComposition;
  private readonly observed: ReadonlyMap<string, ObservedResource>;
  /** What expressions see of each resource: observed object, else the manifest rendered in this pass. */
  private readonly objects = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly base: Record<string, unknown>;
  private readonly specProblems: Problem[];

  constructor(input: RenderInput) {
    this.input = input;
    this.c = input.composition;
    this.observed = input.observed ?? new Map();
    const def = this.c.definition;
    const spec = withDefaults(input.instance.spec, def.spec);
    this.specProblems = validateValue(spec, def.spec, "spec").map((p) => ({ ...p, message: `instance ${p.message}` }));
    this.base = {
      spec: toCel(spec, def.spec),
      metadata: toCel(input.instance.metadata, METADATA_SCHEMA),
      env: toCel(this.c.environment, this.c.environmentSchema),
    };
  }

  run(): RenderResult {
    const resources: RenderedResource[] = [];
    if (this.specProblems.length === 0) {
      const byId = new Map(this.c.resources.map((r) => [r.id, r]));
      this.c.waves.forEach((ids, wave) => {
        for (const id of ids) {
          const r = byId.get(id);
          if (r) resources.push(this.resource(r, wave, resources));
        }
      });
    }
    return this.result(resources);
  }

  private resource(r: CompiledResource, wave: number, earlier: readonly RenderedResource[]): RenderedResource {
    const observed = this.observed.get(r.id);
    if (observed) this.objects.set(r.id, observed.object);
    const blockedBy = r.dependsOn.filter((d) => !this.objects.has(d));
    const name = this.nameOf(r);
    const base = { id: r.id, apiVersion: r.apiVersion, kind: r.kind, name, ...this.namespaceOf(r), wave, dependsOn: r.dependsOn };
    if (blockedBy.length > 0) {
      const why = blockedBy.map((d) => earlier.find((e) => e.id === d)?.state === "error" ? `${d} (it has errors)` : d);
      return this.withReadiness(r, { ...base, state: "waiting", waitingFor: why });
    }
    try {
      const manifest = this.manifest(r, name);
      const invalid = validateValue(manifest.spec, r.schema.properties?.spec ?? { type: "object" }, "spec");
      if (invalid.length > 0) {
        const problems = invalid.map((p) => ({ resource: r.id, path: p.path, message: `rendered value ${p.message}` }));
        return this.withReadiness(r, { ...base, state: "error", problems });
      }
      if (!observed) this.objects.set(r.id, manifest);
      return this.withReadiness(r, { ...base, state: "rendered", manifest });
    } catch (err) {
      if (isMissingInput(err)) return this.withReadiness(r, { ...base, state: "waiting", waitingFor: err.paths });
      if (err instanceof ExpressionFailure) return this.withReadiness(r, { ...base, state: "error", problems: [{ resource: r.id, path: "template", expression: err.expression, message: err.message }] });
      throw err;
    }
  }

  private nameOf(r: CompiledResource): string {
    const meta = r.template.metadata;
    const fallback = `${this.input.instance.metadata.name}-${r.id}`;
    if (!isRecord(meta) || typeof meta.name !== "string") return fallback;
    try {
      const value = this.evaluateValue(meta.name, "metadata.name");
      return typeof value === "string" ? value : fallback;
    } catch {
      const observedName = this.observed.get(r.id)?.object.metadata;
      return isRecord(observedName) && typeof observedName.name === "string" ? observedName.name : fallback;
    }
  }

  private namespaceOf(r: CompiledResource): { namespace?: string } {
    const ns = this.input.instance.metadata.namespace;
    if (this.c.definition.definition.spec.scope === "Namespaced") return ns ? { namespace: ns } : {};
    const meta = r.template.metadata;
    return isRecord(meta) && typeof meta.namespace === "string" ? { namespace: meta.namespace } : {};
  }

  /** The manifest to apply: the template evaluated, named, labelled and owned by the instance. */
  private manifest(r: CompiledResource, name: string): Record<string, unknown> {
    const evaluated = this.evaluateValue(r.template, "");
    const out = isRecord(evaluated) ? evaluated : {};
    const meta = isRecord(out.metadata) ? out.metadata : {};
    const inst = this.input.instance;
    const labels = isRecord(meta.labels) ? meta.labels : {};
    const uid = inst.metadata.uid;
    return {
      apiVersion: r.apiVersion,
      kind: r.kind,
      metadata: {
        ...meta,
        name,
        ...this.namespaceOf(r),
        labels: {
          ...labels,
          [ComposeLabels.composite]: inst.metadata.name,
          [ComposeLabels.compositeKind]: inst.kind,
          [ComposeLabels.composition]: this.c.name,
          [ComposeLabels.resourceId]: r.id,
        },
        ...(uid ? { ownerReferences: [{ apiVersion: inst.apiVersion, kind: inst.kind, name: inst.metadata.name, uid, controller: true, blockOwnerDeletion: true }] } : {}),
      },
      spec: isRecord(out.spec) ? out.spec : {},
    };
  }

  /** A template value with every ${...} evaluated; undefined results (an empty optional) drop the field. */
  private evaluateValue(value: unknown, path: string): unknown {
    if (typeof value === "string") return value.includes("${") ? this.evaluateString(value) : value;
    if (Array.isArray(value)) {
      const items: unknown[] = value;
      return items.map((item, i) => this.evaluateValue(item, `${path}[${i}]`)).filter((v) => v !== undefined);
    }
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const result = this.evaluateValue(v, path ? `${path}.${k}` : k);
      if (result !== undefined) out[k] = result;
    }
    return out;
  }

  private evaluateString(value: string): unknown {
    const t = parseTemplateString(value);
    if (t.kind === "literal") return t.value;
    if (t.kind === "expression") return this.evaluate(t.expression);
    return t.parts.map((p) => ("text" in p ? p.text : stringify(this.evaluate(p.expression)))).join("");
  }

  private evaluate(expression: string): unknown {
    const { env, programs } = evaluatorOf(this.c);
    let program = programs.get(expression);
    if (!program) {
      program = env.parse(expression);
      programs.set(expression, program);
    }
    const context: Record<string, unknown> = { ...this.base };
    for (const [id, object] of this.objects) {
      const schema = this.c.resources.find((r) => r.id === id)?.schema;
      context[id] = toCel(object, schema);
    }
    try {
      const result: unknown = program(context);
      return fromCel(result);
    } catch (err) {
      const missing = this.missingPaths(expression);
      if (missing.length > 0) throw new MissingInput(missing);
      throw new ExpressionFailure(expression, err instanceof Error ? firstLine(err.message) : String(err));
    }
  }

  /** The references of an expression into composed resources that are not there (yet). */
  private missingPaths(expression: string): string[] {
    const ids = new Set(this.c.resources.map((r) => r.id));
    const out: string[] = [];
    for (const ref of parseReferences(expression, ids)) {
      let current: unknown = this.objects.get(ref.root);
      for (const key of ref.path) {
        if (!isRecord(current) || current[key] === undefined) {
          out.push(referenceText(ref));
          break;
        }
        current = current[key];
      }
    }
    return [...new Set(out)];
  }

  private withReadiness(r: CompiledResource, partial: Omit<RenderedResource, "ready" | "synced" | "message">): RenderedResource {
    if (partial.state === "waiting") return { ...partial, ready: "False", synced: "Unknown", message: `waiting for ${partial.waitingFor?.join(", ")}` };
    if (partial.state === "error") return { ...partial, ready: "False", synced: "False", message: (partial.problems ?? []).map(problemText).join("; ") };
    const observed = this.observed.get(r.id);
    if (!observed) return { ...partial, ready: "False", synced: "Unknown", message: "not created yet" };
    const ready = conditionOf(observed.object, "Ready");
    const synced = conditionOf(observed.object, "Synced");
    const syncedStatus = synced?.status ?? "Unknown";
    const syncedNote = syncedStatus === "False" ? `Synced=False ${synced?.reason ?? ""}${synced?.message ? `: ${synced.message}` : ""}` : undefined;
    if (r.readyWhen.length > 0) {
      const failing = this.failingReadyWhen(r);
      const message = [failing, syncedNote].filter(Boolean).join("; ") || undefined;
      return { ...partial, ready: failing ? "False" : "True", synced: syncedStatus, ...(message ? { message } : {}) };
    }
    const readyStatus = ready?.status ?? "Unknown";
    const readyNote = readyStatus === "True" ? undefined : ready ? `${ready.reason}${ready.message ? `: ${ready.message}` : ""}` : "no Ready condition yet";
    const message = [readyNote, syncedNote].filter(Boolean).join("; ") || undefined;
    return { ...partial, ready: readyStatus, synced: syncedStatus, ...(message ? { message } : {}) };
  }

  /** Why readyWhen does not hold (the first failing condition), or undefined when all hold. */
  private failingReadyWhen(r: CompiledResource): string | undefined {
    for (const condition of r.readyWhen) {
      try {
        if (this.evaluate(condition) !== true) return `readyWhen \${${condition}} is false`;
      } catch (err) {
        if (isMissingInput(err)) return `readyWhen \${${condition}}: ${err.message}`;
        if (err instanceof ExpressionFailure) return `readyWhen \${${condition}}: ${err.message}`;
        throw err;
      }
    }
    return undefined;
  }

  private result(resources: readonly RenderedResource[]): RenderResult {
    const fields = this.statusFields();
    const connection = this.connection();
    const status: Record<string, unknown> = {
      ...fields.values,
      composition: { name: this.c.name, revision: this.c.revision },
      resources: resources.map(statusEntry),
    };
    return { resources, conditions: [readyCondition(resources, this.specProblems), syncedCondition(resources, [...this.specProblems, ...fields.problems])], status, connection };
  }

  private statusFields(): { values: Record<string, unknown>; problems: Problem[] } {
    const values: Record<string, unknown> = {};
    const problems: Problem[] = [];
    for (const [field, template] of Object.entries(this.c.composition.spec.status ?? {})) {
      try {
        const value = this.evaluateValue(template, field);
        if (value !== undefined) values[field] = value;
      } catch (err) {
        if (err instanceof ExpressionFailure) problems.push({ path: `status.${field}`, expression: err.expression, message: err.message });
        else if (!isMissingInput(err)) throw err;
      }
    }
    return { values, problems };
  }

  private connection(): RenderResult["connection"] {
    const data: Record<string, string> = {};
    const missing: string[] = [];
    for (const [key, detail] of Object.entries(this.c.composition.spec.connectionDetails ?? {})) {
      let value: unknown;
      if (detail.fromResource !== undefined && detail.key !== undefined) value = this.observed.get(detail.fromResource)?.connectionDetails?.[detail.key];
      else if (detail.value !== undefined) {
        try {
          value = this.evaluateValue(detail.value, key);
        } catch (err) {
          if (!isMissingInput(err) && !(err instanceof ExpressionFailure)) throw err;
        }
      }
      if (typeof value === "string") data[key] = value;
      else missing.push(key);
    }
    return { data, missing };
  }
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function problemText(p: Problem): string {
  return `${p.path}${p.expression !== undefined ? ` \${${p.expression}}` : ""}: ${p.message}`;
}

function conditionOf(object: Readonly<Record<string, unknown>>, type: string): { status: ConditionStatus; reason: string; message?: string } | undefined {
  const status = object.status;
  if (!isRecord(status) || !Array.isArray(status.conditions)) return undefined;
  const conditions: unknown[] = status.conditions;
  const found = conditions.find((c) => isRecord(c) && c.type === type);
  if (!isRecord(found)) return undefined;
  const s = found.status === "True" || found.status === "False" ? found.status : "Unknown";
  return { status: s, reason: typeof found.reason === "string" ? found.reason : "", ...(typeof found.message === "string" ? { message: found.message } : {}) };
}

function statusEntry(r: RenderedResource): ComposedResourceStatus {
  return {
    id: r.id,
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    wave: r.wave,
    ...(r.dependsOn.length > 0 ? { dependsOn: [...r.dependsOn] } : {}),
    ready: r.ready,
    synced: r.synced,
    ...(r.message ? { message: r.message } : {}),
  };
}

/** Ready names every blocking resource with its own reason, root causes (those not waiting on another blocked one) first. */
function readyCondition(resources: readonly RenderedResource[], specProblems: readonly Problem[]): RenderCondition {
  if (specProblems.length > 0) return { type: "Ready", status: "False", reason: "InvalidSpec", message: specProblems.map(problemText).join("; ") };
  const blocked = resources.filter((r) => r.ready !== "True");
  if (blocked.length === 0) return { type: "Ready", status: "True", reason: "Available" };
  const blockedIds = new Set(blocked.map((r) => r.id));
  const isRoot = (r: RenderedResource): boolean => !r.dependsOn.some((d) => blockedIds.has(d));
  const ordered = [...blocked.filter(isRoot), ...blocked.filter((r) => !isRoot(r))];
  const parts = ordered.map((r) => `${r.id} (${r.kind} ${r.name}): ${r.message ?? `Ready=${r.ready}`}`);
  const count = `${blocked.length} of ${resources.length} resources not ready`;
  return { type: "Ready", status: "False", reason: blocked.some((r) => r.state === "waiting") ? "Waiting" : "Creating", message: `${count}: ${parts.join("; ")}` };
}

function syncedCondition(resources: readonly RenderedResource[], problems: readonly Problem[]): RenderCondition {
  const errors = resources.filter((r) => r.state === "error");
  const all = [...problems, ...errors.flatMap((r) => (r.problems ?? []).map((p) => ({ ...p, path: `${r.id} ${p.path}` })))];
  if (all.length === 0) return { type: "Synced", status: "True", reason: "ComposeSuccess" };
  return { type: "Synced", status: "False", reason: "ComposeError", message: all.map(problemText).join("; ") };
}
