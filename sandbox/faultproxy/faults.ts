// Fault configuration (one zod schema: type, validation, control-API contract) and the per-request
// decision. Scheduled faults ("the next N matching requests") are consumed first, in the order
// they were added; otherwise every matching rule rolls its rate: latency rules add up, and the
// first terminal fault (throttle, error5xx, drop, truncate, rewrite) that fires decides the response.
// truncate and rewrite forward the request and spoil the answer: a malformed cloud answer, the
// status and headers of a real one around a body the client cannot trust.
import { z } from "zod";
import { PROTOCOLS } from "./classify.ts";
import type { Classification } from "./classify.ts";
import type { Random } from "./random.ts";

/** Upper bound on an injected delay: longer than any SDK timeout worth testing, short enough to notice. */
export const MAX_DELAY_MS = 600_000;

const Name = z.string().min(1);
const NameOrList = z.union([Name, z.array(Name).min(1)]);
const ProtocolSchema = z.enum(PROTOCOLS);

/** Which requests a fault applies to; every given field must match, an absent field matches all. */
export const MatchSchema = z.strictObject({
  service: NameOrList.optional(),
  operation: NameOrList.optional(),
  /** A JavaScript regular expression tested against the operation name. */
  operationPattern: z
    .string()
    .min(1)
    .refine((p) => compileRegExp(p) !== undefined, { message: "must be a valid regular expression" })
    .optional(),
  protocol: z.union([ProtocolSchema, z.array(ProtocolSchema).min(1)]).optional(),
});

const DelayMs = z.number().int().min(0).max(MAX_DELAY_MS);
/** A fixed delay in ms, or a range drawn uniformly per request. */
export const DelaySchema = z.union([
  DelayMs,
  z.strictObject({ min: DelayMs, max: DelayMs }).refine((d) => d.min <= d.max, { message: "min must be <= max" }),
]);

const Throttle = z.strictObject({ fault: z.literal("throttle") });
const Error5xx = z.strictObject({ fault: z.literal("error5xx"), status: z.union([z.literal(500), z.literal(503)]).default(503) });
const Latency = z.strictObject({ fault: z.literal("latency"), delayMs: DelaySchema });
const Drop = z.strictObject({ fault: z.literal("drop") });
/** The upstream's answer, cut after `keep` (a fraction) of its body's bytes; Content-Length says the cut length, so the client sees a complete but truncated document. */
const Truncate = z.strictObject({ fault: z.literal("truncate"), keep: z.number().min(0).lt(1).default(0.5) });
const RegExpSource = z
  .string()
  .min(1)
  .refine((p) => compileRegExp(p) !== undefined, { message: "must be a valid regular expression" });
/** Every match of `pattern` (a JavaScript regular expression, applied globally) replaced by `with` (`$1` etc. allowed). */
export const ReplacementSchema = z.strictObject({ pattern: RegExpSource, with: z.string() });
/** The upstream's answer with its body rewritten: a field dropped or renamed, an enum value the client has never seen. */
const Rewrite = z.strictObject({ fault: z.literal("rewrite"), replace: z.array(ReplacementSchema).min(1) });

const ruleFields = { rate: z.number().min(0).max(1), match: MatchSchema.optional() };
/** A standing fault: each matching request gets it with probability `rate`. */
export const FaultRuleSchema = z.discriminatedUnion("fault", [
  Throttle.extend(ruleFields),
  Error5xx.extend(ruleFields),
  Latency.extend(ruleFields),
  Drop.extend(ruleFields),
  Truncate.extend(ruleFields),
  Rewrite.extend(ruleFields),
]);

const scheduleFields = { count: z.number().int().min(1).max(1_000_000), match: MatchSchema.optional() };
/** A one-shot fault: the next `count` matching requests get it. */
export const ScheduledFaultSchema = z.discriminatedUnion("fault", [
  Throttle.extend(scheduleFields),
  Error5xx.extend(scheduleFields),
  Latency.extend(scheduleFields),
  Drop.extend(scheduleFields),
  Truncate.extend(scheduleFields),
  Rewrite.extend(scheduleFields),
]);

/** The whole fault configuration, as read and replaced over the control API. */
export const FaultConfigSchema = z.strictObject({
  rules: z.array(FaultRuleSchema).default([]),
  schedule: z.array(ScheduledFaultSchema).default([]),
});

export type Match = z.infer<typeof MatchSchema>;
export type Delay = z.infer<typeof DelaySchema>;
export type FaultRule = z.infer<typeof FaultRuleSchema>;
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
export type ScheduledFault = z.infer<typeof ScheduledFaultSchema>;
export type ScheduledFaultInput = z.input<typeof ScheduledFaultSchema>;
export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type FaultConfigInput = z.input<typeof FaultConfigSchema>;
export type Replacement = z.infer<typeof ReplacementSchema>;
/** The kinds of fault. */
export type FaultName = FaultRule["fault"];
export const FAULT_NAMES = ["throttle", "error5xx", "latency", "drop", "truncate", "rewrite"] as const satisfies readonly FaultName[];

const FAULT_CONFIG_ERROR = Symbol.for("terraplane.faultproxy.FaultConfigError");

/** Invalid fault configuration; `message` lists every problem with its path. */
export class FaultConfigError extends Error {
  readonly [FAULT_CONFIG_ERROR] = true;
  override readonly name = "FaultConfigError";
}

export function isFaultConfigError(err: unknown): err is FaultConfigError {
  return typeof err === "object" && err !== null && FAULT_CONFIG_ERROR in err;
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new FaultConfigError(`invalid ${what}:\n${z.prettifyError(result.error)}`, { cause: result.error });
  return result.data;
}

export function parseFaultConfig(input: unknown): FaultConfig {
  return parseOrThrow(FaultConfigSchema, input, "fault config");
}

export function parseScheduledFault(input: unknown): ScheduledFault {
  return parseOrThrow(ScheduledFaultSchema, input, "scheduled fault");
}

/** What to do with one request. */
export interface Decision {
  /** Sum of the delays of the latency faults that fired; applied before anything else. */
  readonly delayMs: number;
  /** The response: forward upstream, or a terminal fault. */
  readonly action:
    | { readonly kind: "forward" }
    | { readonly kind: "throttle" }
    | { readonly kind: "error5xx"; readonly status: 500 | 503 }
    | { readonly kind: "drop" }
    | { readonly kind: "truncate"; readonly keep: number }
    | { readonly kind: "rewrite"; readonly replace: readonly Replacement[] };
  /** Every fault that fired, for counting. */
  readonly applied: readonly FaultName[];
}

type Spec = z.infer<typeof Throttle> | z.infer<typeof Error5xx> | z.infer<typeof Latency> | z.infer<typeof Drop> | z.infer<typeof Truncate> | z.infer<typeof Rewrite>;
type Matcher = (c: Classification) => boolean;
interface ActiveRule {
  readonly rule: FaultRule;
  readonly matches: Matcher;
}
interface ActiveSchedule {
  readonly entry: ScheduledFault;
  readonly matches: Matcher;
  remaining: number;
}

const FORWARD: Decision = { delayMs: 0, action: { kind: "forward" }, applied: [] };

/** Holds the live fault configuration and decides each request's fate. */
export class FaultEngine {
  readonly #random: Random;
  #rules: ActiveRule[] = [];
  #schedule: ActiveSchedule[] = [];

  constructor(random: Random, config?: FaultConfigInput) {
    this.#random = random;
    if (config !== undefined) this.set(config);
  }

  /** Replaces rules and schedule; throws FaultConfigError and keeps the old config if invalid. */
  set(input: unknown): FaultConfig {
    const config = parseFaultConfig(input);
    this.#rules = config.rules.map((rule) => ({ rule, matches: matcher(rule.match) }));
    this.#schedule = config.schedule.map((entry) => ({ entry, matches: matcher(entry.match), remaining: entry.count }));
    return this.config();
  }

  /** Appends a scheduled fault behind those already queued. */
  schedule(input: unknown): FaultConfig {
    const entry = parseScheduledFault(input);
    this.#schedule.push({ entry, matches: matcher(entry.match), remaining: entry.count });
    return this.config();
  }

  reset(): void {
    this.#rules = [];
    this.#schedule = [];
  }

  /** The current config; scheduled entries show what remains of their count. */
  config(): FaultConfig {
    return {
      rules: this.#rules.map((r) => r.rule),
      schedule: this.#schedule.map((s) => ({ ...s.entry, count: s.remaining })),
    };
  }

  decide(c: Classification): Decision {
    const scheduled = this.#schedule.find((s) => s.matches(c));
    if (scheduled !== undefined) {
      scheduled.remaining -= 1;
      if (scheduled.remaining === 0) this.#schedule = this.#schedule.filter((s) => s !== scheduled);
      return this.#decision([scheduled.entry]);
    }
    const fired: Spec[] = [];
    let terminal = false;
    for (const { rule, matches } of this.#rules) {
      const isLatency = rule.fault === "latency";
      if ((terminal && !isLatency) || !matches(c) || !this.#roll(rule.rate)) continue;
      fired.push(rule);
      terminal ||= !isLatency;
    }
    return fired.length === 0 ? FORWARD : this.#decision(fired);
  }

  #decision(fired: readonly Spec[]): Decision {
    let delayMs = 0;
    let action: Decision["action"] = { kind: "forward" };
    for (const spec of fired) {
      if (spec.fault === "latency") delayMs += this.#delay(spec.delayMs);
      else action = terminalAction(spec);
    }
    return { delayMs, action, applied: fired.map((s) => s.fault) };
  }

  // Certain outcomes draw nothing, so adding a rate-1 rule does not shift other rules' rolls.
  #roll(rate: number): boolean {
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return this.#random() < rate;
  }

  #delay(delay: Delay): number {
    if (typeof delay === "number") return delay;
    return delay.min + Math.floor(this.#random() * (delay.max - delay.min + 1));
  }
}

function terminalAction(spec: Exclude<Spec, z.infer<typeof Latency>>): Decision["action"] {
  switch (spec.fault) {
    case "error5xx":
      return { kind: "error5xx", status: spec.status };
    case "truncate":
      return { kind: "truncate", keep: spec.keep };
    case "rewrite":
      return { kind: "rewrite", replace: spec.replace };
    default:
      return { kind: spec.fault };
  }
}

/** The body a truncate or rewrite fault hands the client instead of the upstream's. */
export function spoilBody(action: Extract<Decision["action"], { kind: "truncate" | "rewrite" }>, body: Buffer): Buffer {
  if (action.kind === "truncate") return body.subarray(0, Math.floor(body.byteLength * action.keep));
  let text = body.toString("utf8");
  for (const r of action.replace) text = text.replace(new RegExp(r.pattern, "g"), r.with);
  return Buffer.from(text, "utf8");
}

function compileRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

function oneOf(want: string | readonly string[] | undefined, got: string): boolean {
  if (want === undefined) return true;
  return typeof want === "string" ? want === got : want.includes(got);
}

function matcher(match: Match | undefined): Matcher {
  if (match === undefined) return () => true;
  const pattern = match.operationPattern === undefined ? undefined : compileRegExp(match.operationPattern);
  return (c) =>
    oneOf(match.service, c.service) &&
    oneOf(match.operation, c.operation) &&
    oneOf(match.protocol, c.protocol) &&
    (pattern === undefined || pattern.test(c.operation));
}
