// The emulator's own control API under /__emulator/ (never part of a Google API): reset state,
// change operation timing, schedule failing operations, dump state. Optional `?project=` scopes
// reset and config to one project, so parallel tests sharing one emulator do not disturb each other.
import { z } from "zod";
import { ConfigSchema } from "./config.ts";
import type { Config } from "./config.ts";
import type { OperationFailure, OperationFaultMatch } from "./operations.ts";

export const CONTROL_PREFIX = "/__emulator/";

export const OperationFaultSchema = z.strictObject({
  match: z
    .strictObject({
      service: z.enum(["sqladmin", "compute"]).optional(),
      operationType: z.string().min(1).optional(),
      targetPattern: z
        .string()
        .min(1)
        .refine((p) => isRegExp(p), { message: "must be a valid regular expression" })
        .optional(),
    })
    .default({}),
  error: z.strictObject({
    httpStatus: z.number().int().min(400).max(599),
    code: z.string().min(1),
    message: z.string().min(1),
  }),
  count: z.number().int().min(1).max(1000).default(1),
});
export type OperationFault = z.infer<typeof OperationFaultSchema>;
export type OperationFaultInput = z.input<typeof OperationFaultSchema>;

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** What the control API acts on. */
export interface ControlTarget {
  reset(project?: string): void;
  config(project?: string): Config;
  setConfig(config: Config, project?: string): void;
  scheduleOperationFault(match: OperationFaultMatch, failure: OperationFailure, count: number): void;
  state(): unknown;
  /** Recent API requests, oldest first. */
  requests(): unknown;
}

export interface ControlReply {
  readonly status: number;
  readonly body?: unknown;
}

/** Handles one control request; `body` is the raw request text. */
export function handleControl(target: ControlTarget, method: string, url: URL, body: string): ControlReply {
  const path = url.pathname.slice(CONTROL_PREFIX.length);
  const project = url.searchParams.get("project") ?? undefined;
  const route = `${method} ${path}`;
  switch (route) {
    case "GET health":
      return { status: 200, body: { ok: true } };
    case "POST reset":
      target.reset(project);
      return { status: 204 };
    case "GET config":
      return { status: 200, body: target.config(project) };
    case "PUT config":
      return withParsed(ConfigSchema, body, (config) => {
        target.setConfig(config, project);
        return { status: 200, body: target.config(project) };
      });
    case "POST faults/operations":
      return withParsed(OperationFaultSchema, body, (fault) => {
        target.scheduleOperationFault(fault.match, fault.error, fault.count);
        return { status: 204 };
      });
    case "GET state":
      return { status: 200, body: target.state() };
    case "GET requests":
      return { status: 200, body: target.requests() };
    default:
      return { status: 404, body: { error: `no control endpoint ${method} ${url.pathname}` } };
  }
}

function withParsed<T extends z.ZodType>(schema: T, body: string, then: (value: z.infer<T>) => ControlReply): ControlReply {
  let json: unknown;
  try {
    json = JSON.parse(body === "" ? "{}" : body);
  } catch {
    return { status: 400, body: { error: "body is not JSON" } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
  return then(parsed.data);
}
