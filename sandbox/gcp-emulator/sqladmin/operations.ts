// Cloud SQL operations: `sql#operation` resources and the operations.get / operations.list calls.
import { protoTimestamp } from "../ids.ts";
import type { JsonObject } from "../json.ts";
import type { Operation, OperationFailure, OperationStatus } from "../operations.ts";
import { compareKeys, maxResultsParam, paginate } from "../pagination.ts";
import type { Reply, RequestContext } from "../router.ts";
import { ApiError } from "../errors.ts";
import { encoded, operationInProgress, param } from "./common.ts";
import type { SqlDeps } from "./common.ts";
import { instanceLink, operationLink } from "./links.ts";

/** The caller Cloud SQL records on operations; the emulator has no identities. */
const OPERATION_USER = "user@example.com";

export function renderSqlOperation(op: Operation, status: OperationStatus): JsonObject {
  const out: JsonObject = {
    kind: "sql#operation",
    targetLink: op.spec.targetLink,
    status,
    user: OPERATION_USER,
    insertTime: protoTimestamp(op.insertTime),
    operationType: op.spec.operationType,
    name: op.name,
    targetId: op.spec.targetId,
    selfLink: operationLink(op.spec.project, op.name),
    targetProject: op.spec.project,
  };
  if (status !== "PENDING") out.startTime = protoTimestamp(op.startTime);
  if (status === "DONE") out.endTime = protoTimestamp(op.endTime);
  const error = op.outcome?.error;
  if (error !== undefined) {
    out.error = { kind: "sql#operationErrors", errors: [{ kind: "sql#operationError", code: error.code, message: error.message }] };
  }
  return out;
}

function operationNotFound(name: string): ApiError {
  return new ApiError(404, "operationDoesNotExist", `The Cloud SQL operation ${name} does not exist.`);
}

export function getOperation(deps: SqlDeps, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const name = param(ctx, "operation");
  const op = deps.engine.find("sqladmin", project, name);
  if (op === undefined) throw operationNotFound(name);
  return encoded(deps, ctx, "Operation", renderSqlOperation(op, deps.engine.status(op)));
}

export function listOperations(deps: SqlDeps, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const instance = ctx.query.get("instance") ?? undefined;
  const ops = deps.engine.list("sqladmin", project, instance === undefined || instance === "" ? undefined : instanceLink(project, instance));
  // Newest first, like the real list; the page key keeps that order (insert time descending).
  const key = (op: Operation): string => `${String(Number.MAX_SAFE_INTEGER - op.insertTime).padStart(16, "0")}:${op.name}`;
  const page = paginate(
    ops.sort((a, b) => compareKeys(key(a), key(b))),
    key,
    { maxResults: maxResultsParam(ctx.query), pageToken: ctx.query.get("pageToken") ?? undefined },
    { defaultSize: 500, maxSize: 1000, overMax: "coerce" },
  );
  const body: JsonObject = { kind: "sql#operationsList", items: page.items.map((op) => renderSqlOperation(op, deps.engine.status(op))) };
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return encoded(deps, ctx, "OperationsListResponse", body);
}

export interface SqlOperationRequest {
  readonly project: string;
  readonly instance: string;
  readonly operationType: string;
  readonly commit: () => OperationFailure | undefined;
  readonly abort?: () => void;
}

/** Starts a Cloud SQL operation on an instance and answers with it, as every mutation does. */
export function startOperation(deps: SqlDeps, ctx: RequestContext, req: SqlOperationRequest): Reply {
  const op: Operation = deps.engine.start({
    service: "sqladmin",
    project: req.project,
    operationType: req.operationType,
    targetLink: instanceLink(req.project, req.instance),
    targetId: req.instance,
    delayMs: deps.config.delayMs(req.project),
    commit: req.commit,
    abort: req.abort,
  });
  return encoded(deps, ctx, "Operation", renderSqlOperation(op, deps.engine.status(op)));
}

/** 409 operationInProgress while another operation on the instance runs. */
export function checkIdle(deps: SqlDeps, project: string, instance: string): void {
  if (deps.engine.busy("sqladmin", instanceLink(project, instance))) throw operationInProgress();
}
