// What the compute handlers share: dependencies, errors in compute's wording, list plumbing.
import type { JsonCodec } from "../codec.ts";
import type { EmulatorConfig } from "../config.ts";
import { ApiError, invalidField } from "../errors.ts";
import { parseFilter } from "../filter.ts";
import type { IpPool } from "../ids.ts";
import type { JsonObject } from "../json.ts";
import type { OperationEngine } from "../operations.ts";
import { compareKeys, maxResultsParam, paginate } from "../pagination.ts";
import type { Page } from "../pagination.ts";
import type { Reply, RequestContext } from "../router.ts";
import { COMPUTE_PACKAGE } from "./links.ts";
import type { ComputeStore } from "./store.ts";
import { textAt } from "../json.ts";

export interface ComputeDeps {
  readonly store: ComputeStore;
  readonly codec: JsonCodec;
  readonly engine: OperationEngine;
  readonly config: EmulatorConfig;
  readonly now: () => number;
  readonly ephemeralIps: IpPool;
  readonly reservedIps: IpPool;
}

export function param(ctx: RequestContext, name: string): string {
  return ctx.params[name] ?? "";
}

export function encoded(deps: ComputeDeps, ctx: RequestContext, protoType: string, body: JsonObject): Reply {
  return { status: 200, body: deps.codec.encode(`${COMPUTE_PACKAGE}.${protoType}`, body, { intEnums: ctx.intEnums }) };
}

export function resourceNotReady(path: string): ApiError {
  return new ApiError(400, "resourceNotReady", `The resource '${path}' is not ready`);
}

export function resourceInUse(typeName: string, path: string, userPath: string): ApiError {
  return new ApiError(400, "resourceInUseByAnotherResource", `The ${typeName} resource '${path}' is already being used by '${userPath}'`);
}

export function invalidFingerprint(): ApiError {
  return new ApiError(412, "conditionNotMet", "Invalid fingerprint.", { status: "FAILED_PRECONDITION" });
}

const PAGE_LIMITS = { defaultSize: 500, maxSize: 500, overMax: "reject" } as const;

/**
 * One page of a list call: `filter`, then `orderBy` (compute supports `name` and
 * `creationTimestamp desc`), then `maxResults` / `pageToken`.
 */
export function listPage(items: readonly JsonObject[], ctx: RequestContext, timestampField: string): Page<JsonObject> {
  const matches = parseFilter(ctx.query.get("filter"));
  const orderBy = (ctx.query.get("orderBy") ?? "").trim();
  let key: (item: JsonObject) => string;
  if (orderBy === "" || orderBy === "name") key = (item) => textAt(item, "name");
  else if (orderBy === "creationTimestamp desc") key = (item) => `${invertTime(textAt(item, timestampField))}:${textAt(item, "name")}`;
  else throw invalidField("orderBy", orderBy, "Only 'name' and 'creationTimestamp desc' are supported.");
  const sorted = items.filter(matches).sort((a, b) => compareKeys(key(a), key(b)));
  return paginate(sorted, key, { maxResults: maxResultsParam(ctx.query), pageToken: ctx.query.get("pageToken") ?? undefined }, PAGE_LIMITS);
}

// Newest first under ascending string order.
function invertTime(timestamp: string): string {
  return String(Number.MAX_SAFE_INTEGER - Date.parse(timestamp)).padStart(16, "0");
}

/** What a compute failure code is for an error reason, in an operation's `error.errors[].code`. */
export function operationErrorCode(reason: string): string {
  const codes: Readonly<Record<string, string>> = {
    notFound: "RESOURCE_NOT_FOUND",
    resourceInUseByAnotherResource: "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE",
    alreadyExists: "RESOURCE_ALREADY_EXISTS",
    invalid: "INVALID_FIELD_VALUE",
  };
  return codes[reason] ?? reason.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
