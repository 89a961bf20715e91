// Typed client for the emulator's control API, for tests and harnesses in another process.
import { z } from "zod";
import { ConfigSchema } from "./config.ts";
import type { Config } from "./config.ts";
import { CONTROL_PREFIX } from "./control.ts";
import type { OperationFaultInput } from "./control.ts";

export const RequestRecordSchema = z.object({
  method: z.string(),
  path: z.string(),
  query: z.string(),
  intEnums: z.boolean(),
  status: z.number(),
});
export type RequestRecordView = z.infer<typeof RequestRecordSchema>;

const ControlError = z.object({ error: z.string() });

/** The control API refused a call or answered something unexpected. */
export class GcpEmulatorControlError extends Error {
  override readonly name = "GcpEmulatorControlError";
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export class GcpEmulatorClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
  }

  /** Forgets state: everything, or one project's (resources, operations, config override). */
  async reset(project?: string): Promise<void> {
    await this.#call("POST", "reset", project);
  }

  async config(project?: string): Promise<Config> {
    return ConfigSchema.parse(await this.#call("GET", "config", project));
  }

  /** Sets how long operations take, globally or for one project. */
  async setConfig(config: Config, project?: string): Promise<Config> {
    return ConfigSchema.parse(await this.#call("PUT", "config", project, config));
  }

  /** The next matching operation(s) end DONE with this error instead of applying their change. */
  async failOperations(fault: OperationFaultInput): Promise<void> {
    await this.#call("POST", "faults/operations", undefined, fault);
  }

  /** Recent API requests, oldest first. */
  async requests(): Promise<RequestRecordView[]> {
    return z.array(RequestRecordSchema).parse(await this.#call("GET", "requests"));
  }

  async #call(method: string, path: string, project?: string, body?: unknown): Promise<unknown> {
    const query = project === undefined ? "" : `?project=${encodeURIComponent(project)}`;
    const res = await fetch(`${this.url}${CONTROL_PREFIX}${path}${query}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      const parsed = ControlError.safeParse(safeJson(text));
      throw new GcpEmulatorControlError(`${method} ${CONTROL_PREFIX}${path}: ${res.status} ${parsed.success ? parsed.data.error : text}`, res.status);
    }
    return text === "" ? undefined : safeJson(text);
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
