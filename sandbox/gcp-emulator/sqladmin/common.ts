// What the Cloud SQL handlers share: the store, links, errors and replies.
import type { JsonCodec } from "../codec.ts";
import type { EmulatorConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { IpPool } from "../ids.ts";
import type { JsonObject } from "../json.ts";
import type { OperationEngine } from "../operations.ts";
import type { Reply, RequestContext } from "../router.ts";
import { SQL_PACKAGE } from "./links.ts";
import type { SqlStore } from "./store.ts";

export interface SqlDeps {
  readonly store: SqlStore;
  readonly codec: JsonCodec;
  readonly engine: OperationEngine;
  readonly config: EmulatorConfig;
  readonly now: () => number;
  /** Public IPs of instances (TEST-NET-1). */
  readonly ips: IpPool;
}

export function instanceNotFound(): ApiError {
  return new ApiError(404, "instanceDoesNotExist", "The Cloud SQL instance does not exist.");
}

export function operationInProgress(): ApiError {
  return new ApiError(409, "operationInProgress", "Operation failed because another operation was already in progress.");
}

export function param(ctx: RequestContext, name: string): string {
  return ctx.params[name] ?? "";
}

/** A canonical message rendered the way the request asked (numeric enums or names). */
export function encoded(deps: SqlDeps, ctx: RequestContext, type: string, body: JsonObject): Reply {
  return { status: 200, body: deps.codec.encode(`${SQL_PACKAGE}.${type}`, body, { intEnums: ctx.intEnums }) };
}
