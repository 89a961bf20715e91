import fc from "fast-check";
import type { StructuralSchema } from "../crd/structural.ts";

// Garbage in, for property-based tests: fast-check arbitraries derived from a kind's structural
// (CRD) schema — the same schema the API server admits by — first for plausible specs, then for
// specs broken in exactly one way. Each break says what the API server must make of it, so a test
// can check the admission, the controller's parser and the reconciler against one another.

/** A path into a value: property names and array indices. */
export type Path = readonly (string | number)[];

/** What the API server must make of a broken spec. */
export type Expectation =
  /** Refused by the schema's value checks (types, bounds, enums, patterns, required): zod checks the same. */
  | "refused"
  /** Refused by what only the API server checks: CEL rules, list-type uniqueness, maxProperties (zod carries it as metadata only). */
  | "refused-by-server"
  /** Admitted with the offending part dropped (structural pruning of unknown fields and nulls), unless what is left breaks a rule. */
  | "pruned"
  /** Up to a CEL rule the generator cannot read (e.g. on map keys): either answer may be right. */
  | "either";

export type MutationKind =
  | "type-swap"
  | "null"
  | "below-minimum"
  | "above-maximum"
  | "not-an-integer"
  | "not-in-enum"
  | "too-long"
  | "too-short"
  | "pattern-mismatch"
  | "drop-required"
  | "too-many-items"
  | "duplicate-in-set"
  | "too-many-properties"
  | "unknown-field"
  | "long-map-key"
  | "contradictory-policies";

/** One break applied to a plausible spec. */
export interface Broken {
  /** The plausible spec before the break (it may still break a cross-field CEL rule the generator cannot read). */
  readonly base: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
  readonly kind: MutationKind;
  /** Where the break is (for a dropped field: the field itself). */
  readonly path: Path;
  readonly expect: Expectation;
}

const SMALL = 3;
const KEY = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);

/** Plausible values for a schema: the right types, within bounds, enums and patterns (CEL rules across fields are not read). */
export function valueOf(schema: StructuralSchema): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case "object":
      return objectOf(schema);
    case "array":
      return arrayOf(schema);
    case "string":
      return stringOf(schema);
    case "integer":
    case "number":
      return numberOf(schema);
    case "boolean":
      return fc.boolean();
    default:
      return fc.constant("x");
  }
}

function numberOf(schema: StructuralSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000;
  const max = schema.maximum ?? Math.max(1_000, min);
  return schema.type === "integer" ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function objectOf(schema: StructuralSchema): fc.Arbitrary<unknown> {
  if (schema.additionalProperties) {
    const maxKeys = Math.min(schema.maxProperties ?? SMALL, SMALL);
    return fc.dictionary(KEY, valueOf(schema.additionalProperties), { maxKeys, noNullPrototype: true });
  }
  const props = schema.properties ?? {};
  const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueOf(s)]));
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
}

function arrayOf(schema: StructuralSchema): fc.Arbitrary<unknown> {
  const items = schema.items ?? { type: "string" };
  const minLength = schema.minItems ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? SMALL, SMALL));
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "set") return fc.uniqueArray(valueOf(items), { minLength, maxLength, comparator: "IsStrictlyEqual" });
  const keys = schema["x-kubernetes-list-map-keys"];
  if (listType === "map" && keys) {
    return fc.uniqueArray(valueOf(items), { minLength, maxLength, selector: (v) => JSON.stringify(keys.map((k) => field(v, k))) });
  }
  return fc.array(valueOf(items), { minLength, maxLength });
}

function stringOf(schema: StructuralSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  if (schema.pattern) {
    const re = new RegExp(schema.pattern, "u");
    const maxLength = schema.maxLength ?? Number.POSITIVE_INFINITY;
    return fc.stringMatching(re, { size: "xsmall" }).filter((s) => s.length >= minLength && s.length <= maxLength);
  }
  return fc.string({ minLength, maxLength: Math.min(schema.maxLength ?? 24, Math.max(minLength, 24)), unit: "grapheme-ascii" });
}

// ---------------------------------------------------------------------------------------------
// Breaking

/** A place in a plausible value where a break can go: the schema there, and the value if present. */
interface Site {
  readonly path: Path;
  readonly schema: StructuralSchema;
  readonly present: boolean;
  readonly value: unknown;
  readonly parent: StructuralSchema | undefined;
}

function sitesOf(schema: StructuralSchema, value: unknown, path: Path, parent?: StructuralSchema): Site[] {
  const here: Site = { path, schema, present: value !== undefined, value, parent };
  if (value === undefined) return [here];
  const below: Site[] = [];
  if (schema.type === "object" && isRecord(value)) {
    if (schema.additionalProperties) {
      for (const [k, v] of Object.entries(value)) below.push(...sitesOf(schema.additionalProperties, v, [...path, k], schema));
    } else {
      for (const [k, s] of Object.entries(schema.properties ?? {})) below.push(...sitesOf(s, value[k], [...path, k], schema));
    }
  }
  if (schema.type === "array" && Array.isArray(value) && schema.items) {
    value.forEach((v: unknown, i) => below.push(...sitesOf(schema.items ?? {}, v, [...path, i], schema)));
  }
  return [here, ...below];
}

/** One way to break a site; its value arbitrary is built only when the break is picked (building them all per case is slow). */
type Break = { readonly kind: MutationKind; readonly expect: Expectation; readonly value: (() => fc.Arbitrary<unknown>) | typeof DROP };
const DROP = Symbol("drop");

/** Every way to break the value at one site, each with what the API server must do about it. */
function breaksAt(site: Site): Break[] {
  const s = site.schema;
  const out: Break[] = [{ kind: "type-swap", expect: "refused", value: () => wrongType(s) }];
  // The API server prunes a null in an optional property (before defaulting), so the field reads as
  // absent; a null list item or a required field it refuses.
  const prunable = typeof site.path.at(-1) === "string" && !isRequired(site);
  if (!s.nullable) out.push({ kind: "null", expect: prunable ? "pruned" : "refused", value: () => fc.constant(null) });
  if (s.enum) out.push({ kind: "not-in-enum", expect: "refused", value: () => fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !(s.enum ?? []).includes(v)) });
  out.push(...numberBreaks(s), ...stringBreaks(s), ...collectionBreaks(s, site.value));
  if (site.present && isRequired(site)) out.push({ kind: "drop-required", expect: "refused", value: DROP });
  return out;
}

function isRequired(site: Site): boolean {
  const name = site.path.at(-1);
  return typeof name === "string" && site.parent !== undefined && !site.parent.additionalProperties && (site.parent.required ?? []).includes(name);
}

function numberBreaks(s: StructuralSchema): Break[] {
  if (s.type !== "integer" && s.type !== "number") return [];
  const { minimum: min, maximum: max } = s;
  const out: Break[] = [];
  if (min !== undefined) out.push({ kind: "below-minimum", expect: "refused", value: () => fc.oneof(fc.integer({ min: -1e9, max: min - 1 }), fc.constant(-Number.MAX_SAFE_INTEGER)) });
  if (max !== undefined) out.push({ kind: "above-maximum", expect: "refused", value: () => fc.oneof(fc.integer({ min: max + 1, max: max + 1e9 }), fc.constant(Number.MAX_SAFE_INTEGER)) });
  if (s.type === "integer") out.push({ kind: "not-an-integer", expect: "refused", value: () => fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)) });
  return out;
}

function stringBreaks(s: StructuralSchema): Break[] {
  if (s.type !== "string" || s.enum) return [];
  const { maxLength, minLength = 0, pattern } = s;
  const out: Break[] = [];
  // Over-long: far beyond the limit, as a pasted blob would be.
  if (maxLength !== undefined) out.push({ kind: "too-long", expect: "refused", value: () => fc.integer({ min: maxLength + 1, max: maxLength + 5_000 }).map((n) => "a".repeat(n)) });
  if (minLength > 0) out.push({ kind: "too-short", expect: "refused", value: () => fc.constant("") });
  if (pattern) {
    const re = new RegExp(pattern, "u");
    const junk = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(" ", "-", "Ω", "a b", "../../etc", "${x}", "\n", "0x"));
    out.push({ kind: "pattern-mismatch", expect: "refused", value: () => junk.filter((v) => !re.test(v) && v.length >= minLength) });
  }
  return out;
}

function collectionBreaks(s: StructuralSchema, value: unknown): Break[] {
  if (s.type === "array" && s.items) return arrayBreaks(s.items, s, value);
  if (s.type === "object" && s.additionalProperties) return mapBreaks(s.additionalProperties, s.maxProperties);
  if (s.type === "object" && isRecord(value)) return [{ kind: "unknown-field", expect: "pruned", value: () => fc.constant({ ...value, notAField: "surprise" }) }];
  return [];
}

function arrayBreaks(items: StructuralSchema, s: StructuralSchema, value: unknown): Break[] {
  const out: Break[] = [];
  const { maxItems } = s;
  if (maxItems !== undefined) out.push({ kind: "too-many-items", expect: "refused", value: () => fc.array(valueOf(items), { minLength: maxItems + 1, maxLength: maxItems + 3 }) });
  if (s["x-kubernetes-list-type"] === "set" && Array.isArray(value) && value.length > 0) {
    const list: unknown[] = value;
    out.push({ kind: "duplicate-in-set", expect: "refused-by-server", value: () => fc.constant([...list, list[0]]) });
  }
  return out;
}

function mapBreaks(values: StructuralSchema, maxProperties: number | undefined): Break[] {
  const out: Break[] = [{ kind: "long-map-key", expect: "either", value: () => valueOf(values).map((v) => ({ [`k${"x".repeat(300)}`]: v })) }];
  if (maxProperties !== undefined) {
    out.push({ kind: "too-many-properties", expect: "refused-by-server", value: () => fc.dictionary(KEY, valueOf(values), { minKeys: maxProperties + 1, maxKeys: maxProperties + 3, noNullPrototype: true }) });
  }
  return out;
}

/** A value of any JSON type but the schema's. */
function wrongType(s: StructuralSchema): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 8 }),
    integer: fc.integer(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    boolean: fc.boolean(),
    object: fc.constant({ surprise: true }),
    array: fc.constant(["surprise"]),
  };
  // An integer is a valid number, so an integer never stands in for a number or the other way round.
  const excluded = s.type === "number" || s.type === "integer" ? ["number", "integer"] : [s.type ?? ""];
  return fc.oneof(...Object.entries(all).filter(([t]) => !excluded.includes(t)).map(([, a]) => a));
}

/** Management and deletion policies that contradict the CEL rules in core/managed.ts. */
const CONTRADICTIONS: readonly Record<string, unknown>[] = [
  { managementPolicies: ["*", "Observe"] },
  { managementPolicies: [] },
  { managementPolicies: ["Create", "Update"] },
  { managementPolicies: ["Observe"], deletionPolicy: "Delete" },
  { managementPolicies: ["Observe", "Create", "Update"], deletionPolicy: "Delete" },
];

/** Policies the CEL rules in core/managed.ts admit, so a plausible spec breaks none of them. */
const VALID_POLICIES: readonly Record<string, unknown>[] = [
  {},
  { managementPolicies: ["*"] },
  { managementPolicies: ["*"], deletionPolicy: "Delete" },
  { managementPolicies: ["Observe"] },
  { managementPolicies: ["Observe"], deletionPolicy: "Orphan" },
  { managementPolicies: ["Observe", "Create", "Update", "Delete", "LateInitialize"], deletionPolicy: "Delete" },
  { managementPolicies: ["Observe", "Create", "Update"], deletionPolicy: "Orphan" },
];

/**
 * A plausible spec broken in exactly one way: a site in it (a present field, or an absent optional
 * one) and one of the breaks that fit there, or a contradiction between the common policies.
 */
export function brokenSpec(specSchema: StructuralSchema): fc.Arbitrary<Broken> {
  const plausible = fc.tuple(valueOf(specSchema), fc.constantFrom(...VALID_POLICIES)).map(([v, policies]) => {
    const { managementPolicies: _m, deletionPolicy: _d, ...rest } = isRecord(v) ? v : {};
    return { ...rest, ...policies };
  });
  return plausible.chain((base) => {
    const sites = sitesOf(specSchema, base, []).filter((s) => s.path.length > 0);
    const options = sites.flatMap((site) => breaksAt(site).map((b) => ({ site, b })));
    const single = fc.constantFrom(...options).chain(({ site, b }) =>
      b.value === DROP
        ? fc.constant<Broken>({ base, spec: withAt(base, site.path, DROP), kind: b.kind, path: site.path, expect: b.expect })
        : b.value().map((v): Broken => ({ base, spec: withAt(base, site.path, v), kind: b.kind, path: site.path, expect: b.expect })),
    );
    const contradiction = fc
      .constantFrom(...CONTRADICTIONS)
      .map((c): Broken => ({ base, spec: { ...base, ...c }, kind: "contradictory-policies", path: ["managementPolicies"], expect: "refused-by-server" }));
    return fc.oneof({ arbitrary: single, weight: 9 }, { arbitrary: contradiction, weight: 1 });
  });
}

/** A copy of `root` with the value at `path` replaced (or removed, for DROP); missing parents are created. */
export function withAt(root: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) node = field(node, key);
  const last = path.at(-1);
  if (last === undefined) throw new Error("withAt needs a non-empty path");
  if (Array.isArray(node) && typeof last === "number") node[last] = value;
  else if (isRecord(node)) {
    if (value === DROP) delete node[String(last)];
    else node[String(last)] = value;
  }
  return copy;
}

/** A path as zod's prettifyError prints it: `forProvider.listeners[0].port`. */
export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function field(v: unknown, key: string | number): unknown {
  if (Array.isArray(v) && typeof key === "number") return v[key];
  return isRecord(v) ? v[String(key)] : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
