import { z } from "zod";

// Reads a Terraform state — format version 4 (terraform.tfstate, `terraform state pull`) or the
// JSON of `terraform show -json` — into one flat list of resource instances. Everything else
// (older formats, plan files, JSON that is not a state, truncated files) is refused with an error
// that names the source and what is wrong with it.

const BRAND = Symbol.for("terraplane.StateError");

/** Why an input is refused; stable codes for callers and tests (messages are for people). */
export type StateErrorCode = "NotJson" | "NotAState" | "UnsupportedVersion" | "PlanFile" | "Malformed";

export class StateError extends Error {
  readonly [BRAND] = true;
  readonly code: StateErrorCode;

  constructor(code: StateErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = "StateError";
    this.code = code;
  }
}

export function isStateError(err: unknown): err is StateError {
  return typeof err === "object" && err !== null && BRAND in err;
}

/** One step of a path into an instance's attributes: an attribute name or a list index / map key. */
export type PathStep = string | number;

/** One resource instance of the state (a `count` or `for_each` resource has one per key). */
export interface TfInstance {
  /** The full address, e.g. module.db.aws_db_instance.main["eu"]. */
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /** Module path, e.g. module.a.module.b; "" at the root. */
  readonly module: string;
  readonly indexKey: string | number | undefined;
  /** The provider address as written in the state, e.g. provider["registry.terraform.io/hashicorp/aws"]. */
  readonly provider: string;
  /** The attributes as recorded; integers beyond 2^53 are kept exactly, as bigint. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Paths of attributes Terraform marks sensitive. */
  readonly sensitivePaths: readonly (readonly PathStep[])[];
  readonly dependencies: readonly string[];
}

export interface TfState {
  readonly format: "state-v4" | "show-json";
  readonly terraformVersion: string | undefined;
  readonly instances: readonly TfInstance[];
}

/** JSON.parse's reviver context (Node 22+: the source text of a primitive). */
interface ReviverContext {
  readonly source?: string;
}
type Reviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;
const parseJson: (text: string, reviver: Reviver) => unknown = JSON.parse;

/** Integers JSON.parse would round (ids such as map_id, proxy_id) come back as bigint, exactly. */
function keepBigIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value) || !context?.source) return value;
  return /^-?[0-9]+$/.test(context.source) ? BigInt(context.source) : value;
}

function parseText(text: string, source: string): unknown {
  if (text.trim() === "") throw new StateError("NotJson", `${source}: empty input, not a Terraform state`);
  try {
    return parseJson(text, keepBigIntegers);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new StateError("NotJson", `${source}: not valid JSON (${why}); is the file truncated?`, { cause: err });
  }
}

// ---- state format version 4 -------------------------------------------------------------------

const Step = z.union([
  z.object({ type: z.literal("get_attr"), value: z.string() }),
  z.object({ type: z.literal("index"), value: z.object({ value: z.union([z.string(), z.number()]) }).loose() }),
]);

const V4Instance = z
  .object({
    index_key: z.union([z.string(), z.number()]).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    sensitive_attributes: z.array(z.unknown()).optional(),
    dependencies: z.array(z.string()).optional(),
  })
  .loose();

const V4Resource = z
  .object({
    module: z.string().optional(),
    mode: z.enum(["managed", "data"]),
    type: z.string().min(1),
    name: z.string().min(1),
    provider: z.string().default(""),
    instances: z.array(V4Instance),
  })
  .loose();

const V4State = z.object({ version: z.literal(4), terraform_version: z.string().optional(), resources: z.array(V4Resource) }).loose();

/** A sensitive_attributes entry: a list of steps (older Terraform) — anything else is ignored, never guessed at. */
function sensitivePath(raw: unknown): PathStep[] | undefined {
  const steps = z.array(Step).safeParse(raw);
  if (!steps.success) return undefined;
  return steps.data.map((s) => (s.type === "get_attr" ? s.value : s.value.value));
}

function keySuffix(key: string | number | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

function addressOf(r: { readonly module: string; readonly mode: "managed" | "data"; readonly type: string; readonly name: string }, key: string | number | undefined): string {
  const local = `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}${keySuffix(key)}`;
  return r.module ? `${r.module}.${local}` : local;
}

function fromV4(raw: unknown, source: string): TfState {
  const parsed = V4State.safeParse(raw);
  if (!parsed.success) throw new StateError("Malformed", `${source}: not a well-formed version 4 state: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}`);
  const instances = parsed.data.resources.flatMap((r) =>
    r.instances.map((i): TfInstance => {
      const module = r.module ?? "";
      return {
        address: addressOf({ module, mode: r.mode, type: r.type, name: r.name }, i.index_key),
        mode: r.mode,
        type: r.type,
        name: r.name,
        module,
        indexKey: i.index_key,
        provider: r.provider,
        attributes: i.attributes ?? {},
        sensitivePaths: (i.sensitive_attributes ?? []).flatMap((p) => {
          const path = sensitivePath(p);
          return path ? [path] : [];
        }),
        dependencies: i.dependencies ?? [],
      };
    }),
  );
  return { format: "state-v4", terraformVersion: parsed.data.terraform_version, instances };
}

// ---- terraform show -json ---------------------------------------------------------------------

const ShowResource = z
  .object({
    address: z.string().min(1),
    mode: z.enum(["managed", "data"]),
    type: z.string().min(1),
    name: z.string().min(1),
    index: z.union([z.string(), z.number()]).optional(),
    provider_name: z.string().default(""),
    values: z.record(z.string(), z.unknown()).default({}),
    sensitive_values: z.unknown().optional(),
    depends_on: z.array(z.string()).optional(),
  })
  .loose();
type ShowResource = z.infer<typeof ShowResource>;

interface ShowModule {
  readonly address?: string | undefined;
  readonly resources?: readonly ShowResource[] | undefined;
  readonly child_modules?: readonly ShowModule[] | undefined;
}
const ShowModule: z.ZodType<ShowModule> = z.lazy(() =>
  z.object({ address: z.string().optional(), resources: z.array(ShowResource).optional(), child_modules: z.array(ShowModule).optional() }).loose(),
);

const ShowState = z
  .object({ format_version: z.string(), terraform_version: z.string().optional(), values: z.object({ root_module: ShowModule.optional() }).loose().optional() })
  .loose();

/** sensitive_values mirrors values with `true` at each sensitive leaf; turned into paths. */
function sensitiveLeaves(value: unknown, prefix: PathStep[] = []): PathStep[][] {
  if (value === true) return [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => sensitiveLeaves(v, [...prefix, i]));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => sensitiveLeaves(v, [...prefix, k]));
  return [];
}

function showModules(m: ShowModule | undefined): ShowModule[] {
  if (!m) return [];
  return [m, ...(m.child_modules ?? []).flatMap(showModules)];
}

function fromShow(raw: unknown, source: string): TfState {
  const parsed = ShowState.safeParse(raw);
  if (!parsed.success) throw new StateError("Malformed", `${source}: not well-formed \`terraform show -json\` output: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}`);
  const instances = showModules(parsed.data.values?.root_module).flatMap((m) =>
    (m.resources ?? []).map(
      (r): TfInstance => ({
        address: r.address,
        mode: r.mode,
        type: r.type,
        name: r.name,
        module: m.address ?? "",
        indexKey: r.index,
        provider: r.provider_name,
        attributes: r.values,
        sensitivePaths: sensitiveLeaves(r.sensitive_values),
        dependencies: r.depends_on ?? [],
      }),
    ),
  );
  return { format: "show-json", terraformVersion: parsed.data.terraform_version, instances };
}

// ---- detection --------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refuseFormat(doc: Record<string, unknown>, source: string): never {
  if ("planned_values" in doc || "resource_changes" in doc) {
    throw new StateError(
      "PlanFile",
      `${source}: this is a plan (\`terraform show -json <planfile>\`: planned_values/resource_changes), not a state; import what exists: \`terraform state pull\` or \`terraform show -json\` without a plan file`,
    );
  }
  const version = doc.version;
  if (typeof version === "number" && version !== 4) {
    const hint = version < 4 ? " (written by Terraform 0.11 or older, or by terraformer); let Terraform 0.12 or newer rewrite it (e.g. `terraform refresh`) and import `terraform state pull`'s output" : "";
    throw new StateError("UnsupportedVersion", `${source}: state format version ${version} is not supported, only version 4${hint}`);
  }
  throw new StateError("NotAState", `${source}: not a Terraform state (no "version": 4 with "resources", nor \`terraform show -json\`'s "format_version" with "values")`);
}

/** Parses and validates a state from its text; `source` names the file (or "stdin") in errors. */
export function readState(text: string, source: string): TfState {
  const doc = parseText(text, source);
  if (!isRecord(doc)) throw new StateError("NotAState", `${source}: not a Terraform state (the JSON is ${Array.isArray(doc) ? "a list" : typeof doc}, not an object)`);
  if (doc.version === 4 && !("planned_values" in doc)) return fromV4(doc, source);
  if (typeof doc.format_version === "string" && !("planned_values" in doc) && !("resource_changes" in doc)) return fromShow(doc, source);
  return refuseFormat(doc, source);
}
