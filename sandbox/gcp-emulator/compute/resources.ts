// insert / get / list / patch / update / delete and the set* verbs, for any global collection
// described by a CollectionSpec. Checks happen when the request arrives (as the API answers 4xx
// synchronously); the change lands when the operation commits, and is checked again then.
import { invalidField, isApiError, resourceAlreadyExists, resourceNotFound } from "../errors.ts";
import { computeTimestamp, fingerprint, numericId } from "../ids.ts";
import { cloneJson, mergeJson, stringAt, textAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import type { OperationFailure } from "../operations.ts";
import type { Reply, RequestContext } from "../router.ts";
import { encoded, invalidFingerprint, listPage, operationErrorCode, param, resourceInUse, resourceNotReady } from "./common.ts";
import type { ComputeDeps } from "./common.ts";
import { collectionLink, COMPUTE_PACKAGE, parseRef, refPath, selfLink } from "./links.ts";
import type { ResourceRef } from "./links.ts";
import { renderComputeOperation } from "./operations.ts";
import type { CollectionSpec, PrepareEnv } from "./spec.ts";
import type { StoredResource } from "./store.ts";

// Fields the server owns; a request's values for them are dropped.
const OUTPUT_ONLY = ["id", "creationTimestamp", "selfLink", "selfLinkWithId", "kind", "fingerprint", "labelFingerprint", "users", "usedBy", "region", "status", "expireTime"];

/** Every collection the emulator serves, by URL collection name. */
export type Specs = ReadonlyMap<string, CollectionSpec>;

function stripOutputOnly(resource: JsonObject): JsonObject {
  const out = { ...resource };
  for (const key of OUTPUT_ONLY) delete out[key];
  return out;
}

function refOf(spec: CollectionSpec, ctx: RequestContext): ResourceRef {
  return { project: param(ctx, "project"), collection: spec.collection, name: param(ctx, "name") };
}

function committed(deps: ComputeDeps, ref: ResourceRef): StoredResource {
  const entry = deps.store.get(ref);
  if (entry === undefined || entry.pending) throw resourceNotFound(refPath(ref));
  return entry;
}

function checkIdle(deps: ComputeDeps, ref: ResourceRef): void {
  if (deps.engine.busy("compute", selfLink(ref))) throw resourceNotReady(refPath(ref));
}

/** Normalizes every reference to a self-link; 400 if malformed or of the wrong kind, 404 if missing. */
export function resolveRefs(deps: ComputeDeps, spec: CollectionSpec, resource: JsonObject, project: string): void {
  spec.refs(resource, (value, field, allowed) => {
    const ref = parseRef(value, project);
    if (ref === undefined) throw invalidField(field, value, "The URL is malformed.");
    if (!allowed.includes(ref.collection)) throw invalidField(field, value, `Must reference one of: ${allowed.join(", ")}.`);
    const target = deps.store.get(ref);
    if (target === undefined || target.pending) throw resourceNotFound(refPath(ref));
    return selfLink(ref);
  });
}

function referencesOf(spec: CollectionSpec, resource: JsonObject): string[] {
  const found: string[] = [];
  spec.refs(cloneJson(resource), (value) => {
    found.push(value);
    return value;
  });
  return found;
}

/** Self-links of the resources that use `target` (pending inserts included). */
export function usersOf(deps: ComputeDeps, specs: Specs, target: ResourceRef): string[] {
  const link = selfLink(target);
  const ip = target.collection === "addresses" ? stringAt(deps.store.get(target)?.resource ?? {}, "address") : undefined;
  const users: string[] = [];
  for (const { ref, entry } of deps.store.all()) {
    const spec = specs.get(ref.collection);
    const usesIp = ip !== undefined && ref.collection === "forwardingRules" && ref.project === target.project && entry.resource.IPAddress === ip;
    if (usesIp || (spec !== undefined && referencesOf(spec, entry.resource).includes(link))) users.push(selfLink(ref));
  }
  return users;
}

function prepareEnv(deps: ComputeDeps, project: string, existing?: JsonObject): PrepareEnv {
  return {
    project,
    existing,
    ephemeralIps: deps.ephemeralIps,
    reservedIps: deps.reservedIps,
    addressIp: (ref) => textAt(committed(deps, ref).resource, "address"),
  };
}

// Output-only fields computed when read: who uses an address, and so whether it is IN_USE.
function render(deps: ComputeDeps, specs: Specs, ref: ResourceRef, resource: JsonObject): JsonObject {
  if (ref.collection !== "addresses") return resource;
  const users = usersOf(deps, specs, ref);
  const out: JsonObject = { ...resource, status: users.length > 0 ? "IN_USE" : "RESERVED" };
  if (users.length > 0) out.users = users;
  return out;
}

// Re-checks references when an operation commits: something may have gone in the meantime.
function recheck(deps: ComputeDeps, spec: CollectionSpec, resource: JsonObject, project: string): OperationFailure | undefined {
  try {
    resolveRefs(deps, spec, resource, project);
    return undefined;
  } catch (err) {
    if (!isApiError(err)) throw err;
    return { httpStatus: err.httpStatus, code: operationErrorCode(err.reason), message: err.message };
  }
}

interface OperationRequest {
  readonly ref: ResourceRef;
  readonly targetId: string;
  readonly operationType: string;
  readonly commit: () => OperationFailure | undefined;
  readonly abort?: () => void;
}

function startOperation(deps: ComputeDeps, ctx: RequestContext, req: OperationRequest): Reply {
  const op = deps.engine.start({
    service: "compute",
    project: req.ref.project,
    operationType: req.operationType,
    targetLink: selfLink(req.ref),
    targetId: req.targetId,
    delayMs: deps.config.delayMs(req.ref.project),
    commit: req.commit,
    abort: req.abort,
  });
  return encoded(deps, ctx, "Operation", renderComputeOperation(op, deps.engine.status(op)));
}

function decodeBody(deps: ComputeDeps, spec: CollectionSpec, ctx: RequestContext): JsonObject {
  return deps.codec.decode(`${COMPUTE_PACKAGE}.${spec.protoType}`, ctx.body ?? {}, "resource");
}

export function getResource(deps: ComputeDeps, specs: Specs, spec: CollectionSpec, ctx: RequestContext): Reply {
  const ref = refOf(spec, ctx);
  return encoded(deps, ctx, spec.protoType, render(deps, specs, ref, committed(deps, ref).resource));
}

export function listResources(deps: ComputeDeps, specs: Specs, spec: CollectionSpec, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const items = deps.store.list(project, spec.collection).map((r) => render(deps, specs, { project, collection: spec.collection, name: textAt(r, "name") }, r));
  const page = listPage(items, ctx, "creationTimestamp");
  const body: JsonObject = { kind: `${spec.kind}List`, id: `projects/${project}/global/${spec.collection}`, selfLink: collectionLink(project, spec.collection) };
  if (page.items.length > 0) body.items = [...page.items];
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return encoded(deps, ctx, `${spec.protoType}List`, body);
}

export function insertResource(deps: ComputeDeps, spec: CollectionSpec, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const resource = stripOutputOnly(decodeBody(deps, spec, ctx));
  spec.prepare(resource, prepareEnv(deps, project));
  const ref: ResourceRef = { project, collection: spec.collection, name: textAt(resource, "name") };
  if (deps.store.get(ref) !== undefined) throw resourceAlreadyExists(refPath(ref));
  resolveRefs(deps, spec, resource, project);
  const id = numericId();
  Object.assign(resource, { kind: spec.kind, id, creationTimestamp: computeTimestamp(deps.now()), selfLink: selfLink(ref) });
  if (spec.fingerprinted) resource.fingerprint = fingerprint();
  const entry: StoredResource = { resource, pending: true };
  deps.store.put(ref, entry);
  return startOperation(deps, ctx, {
    ref,
    targetId: id,
    operationType: "insert",
    commit: () => {
      const failure = recheck(deps, spec, entry.resource, project);
      if (failure !== undefined) deps.store.delete(ref);
      else entry.pending = false;
      return failure;
    },
    abort: () => deps.store.delete(ref),
  });
}

/** patch merges the body into the resource (JSON merge semantics); update replaces it. */
export function modifyResource(deps: ComputeDeps, spec: CollectionSpec, ctx: RequestContext, mode: "patch" | "update"): Reply {
  const ref = refOf(spec, ctx);
  const entry = committed(deps, ref);
  checkIdle(deps, ref);
  const body = decodeBody(deps, spec, ctx);
  const current = entry.resource;
  if (spec.fingerprinted && body.fingerprint !== current.fingerprint) throw invalidFingerprint();
  if (body.name !== undefined && body.name !== ref.name) throw invalidField("resource.name", body.name, "The name of a resource cannot be changed.");
  const given = stripOutputOnly(body);
  const next = mode === "patch" ? mergeJson(stripOutputOnly(current), given) : { ...given, name: ref.name };
  spec.prepare(next, prepareEnv(deps, ref.project, current));
  resolveRefs(deps, spec, next, ref.project);
  return commitChange(deps, spec, ctx, { ref, entry, next, operationType: mode });
}

interface Change {
  readonly ref: ResourceRef;
  readonly entry: StoredResource;
  readonly next: JsonObject;
  readonly operationType: string;
}

// Lands a modified resource when its operation commits, keeping identity and minting a new fingerprint.
function commitChange(deps: ComputeDeps, spec: CollectionSpec, ctx: RequestContext, change: Change): Reply {
  const { ref, entry, next } = change;
  const current = entry.resource;
  return startOperation(deps, ctx, {
    ref,
    targetId: textAt(current, "id"),
    operationType: change.operationType,
    commit: () => {
      const failure = recheck(deps, spec, next, ref.project);
      if (failure !== undefined) return failure;
      const identity = { kind: current.kind ?? spec.kind, id: current.id ?? "", creationTimestamp: current.creationTimestamp ?? "", selfLink: current.selfLink ?? "" };
      entry.resource = { ...next, ...identity };
      if (spec.fingerprinted) entry.resource.fingerprint = fingerprint();
      return undefined;
    },
  });
}

/** A set* verb: one field replaced from the request (`setUrlMap`, `setTarget`, ...). */
export interface SetVerb {
  readonly operationType: string;
  /** The request message type (`UrlMapReference`). */
  readonly bodyType: string;
  /** Copies the request's value into the resource. */
  readonly apply: (resource: JsonObject, body: JsonObject) => void;
}

export function setResourceField(deps: ComputeDeps, spec: CollectionSpec, ctx: RequestContext, verb: SetVerb): Reply {
  const ref = refOf(spec, ctx);
  const entry = committed(deps, ref);
  checkIdle(deps, ref);
  const body = deps.codec.decode(`${COMPUTE_PACKAGE}.${verb.bodyType}`, ctx.body ?? {}, "resource");
  const next = stripOutputOnly(cloneJson(entry.resource));
  verb.apply(next, body);
  spec.prepare(next, prepareEnv(deps, ref.project, entry.resource));
  resolveRefs(deps, spec, next, ref.project);
  return commitChange(deps, spec, ctx, { ref, entry, next, operationType: verb.operationType });
}

export function deleteResource(deps: ComputeDeps, specs: Specs, spec: CollectionSpec, ctx: RequestContext): Reply {
  const ref = refOf(spec, ctx);
  const entry = committed(deps, ref);
  checkIdle(deps, ref);
  const inUse = (): ReturnType<typeof resourceInUse> | undefined => {
    const [user] = usersOf(deps, specs, ref);
    const userRef = user === undefined ? undefined : parseRef(user, ref.project);
    return userRef === undefined ? undefined : resourceInUse(spec.typeName, refPath(ref), refPath(userRef));
  };
  const busy = inUse();
  if (busy !== undefined) throw busy;
  return startOperation(deps, ctx, {
    ref,
    targetId: textAt(entry.resource, "id"),
    operationType: "delete",
    commit: () => {
      const stillUsed = inUse();
      if (stillUsed !== undefined) return { httpStatus: 400, code: operationErrorCode(stillUsed.reason), message: stillUsed.message };
      deps.store.delete(ref);
      return undefined;
    },
  });
}
