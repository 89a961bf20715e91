// Compute global operations: `compute#operation` resources and globalOperations get / list /
// delete / wait.
import { ApiError, resourceNotFound } from "../errors.ts";
import { computeTimestamp } from "../ids.ts";
import type { JsonObject } from "../json.ts";
import type { Operation, OperationStatus } from "../operations.ts";
import type { Reply, RequestContext } from "../router.ts";
import { encoded, listPage, param } from "./common.ts";
import type { ComputeDeps } from "./common.ts";
import { collectionLink, COMPUTE_BASE } from "./links.ts";

const OPERATION_USER = "user@example.com";
/** globalOperations.wait returns after at most this long, DONE or not (the API says two minutes). */
export const MAX_WAIT_MS = 120_000;

const HTTP_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: "BAD REQUEST",
  403: "FORBIDDEN",
  404: "NOT FOUND",
  409: "CONFLICT",
  412: "PRECONDITION FAILED",
  429: "TOO MANY REQUESTS",
  500: "INTERNAL SERVER ERROR",
  503: "SERVICE UNAVAILABLE",
};

export function renderComputeOperation(op: Operation, status: OperationStatus): JsonObject {
  const out: JsonObject = {
    kind: "compute#operation",
    id: op.id,
    name: op.name,
    operationType: op.spec.operationType,
    targetLink: op.spec.targetLink,
    targetId: op.spec.targetId,
    status,
    user: OPERATION_USER,
    progress: status === "DONE" ? 100 : 0,
    insertTime: computeTimestamp(op.insertTime),
    selfLink: `${COMPUTE_BASE}/projects/${op.spec.project}/global/operations/${op.name}`,
  };
  if (status !== "PENDING") out.startTime = computeTimestamp(op.startTime);
  if (status === "DONE") out.endTime = computeTimestamp(op.endTime);
  const error = op.outcome?.error;
  if (error !== undefined) {
    out.error = { errors: [{ code: error.code, message: error.message }] };
    out.httpErrorStatusCode = error.httpStatus;
    out.httpErrorMessage = HTTP_ERROR_MESSAGES[error.httpStatus] ?? "ERROR";
  }
  return out;
}

function findOperation(deps: ComputeDeps, ctx: RequestContext): Operation {
  const project = param(ctx, "project");
  const name = param(ctx, "operation");
  const op = deps.engine.find("compute", project, name);
  if (op === undefined) throw resourceNotFound(`projects/${project}/global/operations/${name}`);
  return op;
}

function reply(deps: ComputeDeps, ctx: RequestContext, op: Operation): Reply {
  return encoded(deps, ctx, "Operation", renderComputeOperation(op, deps.engine.status(op)));
}

export function getGlobalOperation(deps: ComputeDeps, ctx: RequestContext): Reply {
  return reply(deps, ctx, findOperation(deps, ctx));
}

export async function waitGlobalOperation(deps: ComputeDeps, ctx: RequestContext): Promise<Reply> {
  const op = findOperation(deps, ctx);
  await deps.engine.waitFor(op, MAX_WAIT_MS, ctx.signal);
  return reply(deps, ctx, op);
}

export function deleteGlobalOperation(deps: ComputeDeps, ctx: RequestContext): Reply {
  const op = findOperation(deps, ctx);
  if (deps.engine.status(op) !== "DONE") throw new ApiError(400, "resourceNotReady", `The resource '${op.name}' is not ready`);
  deps.engine.remove(op);
  return { status: 200, body: {} };
}

export function listGlobalOperations(deps: ComputeDeps, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const items = deps.engine.list("compute", project).map((op) => renderComputeOperation(op, deps.engine.status(op)));
  const page = listPage(items, ctx, "insertTime");
  const body: JsonObject = { kind: "compute#operationList", id: `projects/${project}/global/operations`, selfLink: collectionLink(project, "operations") };
  if (page.items.length > 0) body.items = [...page.items];
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return encoded(deps, ctx, "OperationList", body);
}
