// Typed client for the control API, for tests and benchmarks that run in a different process
// from the proxy. Answers are validated with the same schemas the proxy uses.
import { z } from "zod";
import { CONTROL_PREFIX } from "./control.ts";
import { FaultConfigSchema } from "./faults.ts";
import type { FaultConfig, FaultConfigInput, ScheduledFaultInput } from "./faults.ts";
import { StatsSnapshotSchema } from "./stats.ts";
import type { StatsSnapshot } from "./stats.ts";

const FAULT_PROXY_REQUEST_ERROR = Symbol.for("terraplane.faultproxy.FaultProxyRequestError");
const ControlErrorSchema = z.object({ error: z.string() });

/** The control API said no (`status` 400 = invalid config) or answered something unexpected. */
export class FaultProxyRequestError extends Error {
  readonly [FAULT_PROXY_REQUEST_ERROR] = true;
  override readonly name = "FaultProxyRequestError";
  /** HTTP status of the answer, or 0 if the answer could not be read. */
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

export function isFaultProxyRequestError(err: unknown): err is FaultProxyRequestError {
  return typeof err === "object" && err !== null && FAULT_PROXY_REQUEST_ERROR in err;
}

export class FaultProxyClient {
  /** The proxy's base URL, as printed by main.ts or returned by startFaultProxy. */
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
  }

  async stats(): Promise<StatsSnapshot> {
    return this.#call("GET", "stats", StatsSnapshotSchema);
  }

  async resetStats(): Promise<void> {
    await this.#call("POST", "stats/reset");
  }

  async faults(): Promise<FaultConfig> {
    return this.#call("GET", "faults", FaultConfigSchema);
  }

  /** Replaces the whole fault config (rules and schedule). */
  async setFaults(config: FaultConfigInput): Promise<FaultConfig> {
    return this.#call("PUT", "faults", FaultConfigSchema, config);
  }

  /** Appends a scheduled fault; returns the resulting config. */
  async schedule(fault: ScheduledFaultInput): Promise<FaultConfig> {
    return this.#call("POST", "faults/schedule", FaultConfigSchema, fault);
  }

  /** Clears faults and stats. */
  async reset(): Promise<void> {
    await this.#call("POST", "reset");
  }

  async #call(method: string, path: string): Promise<undefined>;
  async #call<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>>;
  async #call(method: string, path: string, schema?: z.ZodType, body?: unknown): Promise<unknown> {
    const where = `${method} ${CONTROL_PREFIX}${path}`;
    const res = await fetch(`${this.url}${CONTROL_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      const parsed = ControlErrorSchema.safeParse(safeJson(text));
      throw new FaultProxyRequestError(`${where}: ${res.status} ${parsed.success ? parsed.data.error : text}`, res.status);
    }
    if (schema === undefined) return undefined;
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new FaultProxyRequestError(`${where}: unexpected answer:\n${z.prettifyError(parsed.error)}`, 0, { cause: parsed.error });
    }
    return parsed.data;
  }
}

function safeJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return undefined;
  }
}
