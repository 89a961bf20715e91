// users.insert / get / list / update / delete. MySQL users are keyed by name and host (default
// `%`); PostgreSQL and SQL Server users by name alone, and carry no host.
import { ApiError } from "../errors.ts";
import { etagOf } from "../ids.ts";
import { stringAt, textAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import type { Reply, RequestContext } from "../router.ts";
import { encoded, instanceNotFound, param } from "./common.ts";
import { checkIdle, startOperation } from "./operations.ts";
import type { SqlDeps } from "./common.ts";
import { isMySql } from "./defaults.ts";
import { SQL_PACKAGE } from "./links.ts";
import type { InstanceRecord } from "./store.ts";

const USER_TYPE = `${SQL_PACKAGE}.User`;

function runningInstance(deps: SqlDeps, ctx: RequestContext): InstanceRecord {
  const rec = deps.store.get(param(ctx, "project"), param(ctx, "instance"));
  if (rec === undefined) throw instanceNotFound();
  if (rec.resource.state !== "RUNNABLE") throw new ApiError(400, "invalid", "Invalid request: Invalid request since instance is not running.");
  return rec;
}

interface UserKey {
  readonly key: string;
  readonly name: string;
  readonly host?: string;
}

function userKey(rec: InstanceRecord, name: string, host: string | undefined): UserKey {
  if (!isMySql(textAt(rec.resource, "databaseVersion"))) return { key: name, name };
  const h = host === undefined || host === "" ? "%" : host;
  return { key: `${name}@${h}`, name, host: h };
}

function userNotFound(name: string): ApiError {
  return new ApiError(404, "notFound", `The Cloud SQL user ${name} does not exist.`);
}

// What the API returns for a user: never the password.
function publicUser(ctx: RequestContext, id: UserKey, body: JsonObject): JsonObject {
  const user: JsonObject = { ...body, kind: "sql#user", name: id.name, instance: param(ctx, "instance"), project: param(ctx, "project") };
  delete user.password;
  delete user.host;
  if (id.host !== undefined) user.host = id.host;
  user.type ??= "BUILT_IN";
  user.etag = etagOf({ ...user, etag: undefined });
  return user;
}

export function insertUser(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = runningInstance(deps, ctx);
  checkIdle(deps, param(ctx, "project"), param(ctx, "instance"));
  const body = deps.codec.decode(USER_TYPE, ctx.body ?? {}, "body");
  const name = stringAt(body, "name");
  if (name === undefined || name === "") throw new ApiError(400, "required", "Missing parameter: name.");
  const id = userKey(rec, name, stringAt(body, "host"));
  const user = publicUser(ctx, id, body);
  return startOperation(deps, ctx, {
    project: param(ctx, "project"),
    instance: param(ctx, "instance"),
    operationType: "CREATE_USER",
    commit: () => {
      if (rec.users.has(id.key)) return { httpStatus: 409, code: "ERROR_RDBMS", message: `User '${id.key}' already exists.` };
      rec.users.set(id.key, user);
      return undefined;
    },
  });
}

export function listUsers(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = runningInstance(deps, ctx);
  return encoded(deps, ctx, "UsersListResponse", { kind: "sql#usersList", items: [...rec.users.values()] });
}

export function getUser(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = runningInstance(deps, ctx);
  const name = param(ctx, "name");
  const user = rec.users.get(userKey(rec, name, ctx.query.get("host") ?? undefined).key);
  if (user === undefined) throw userNotFound(name);
  return encoded(deps, ctx, "User", user);
}

function existingUser(rec: InstanceRecord, ctx: RequestContext): UserKey {
  const name = ctx.query.get("name") ?? "";
  if (name === "") throw new ApiError(400, "required", "Missing parameter: name.");
  const id = userKey(rec, name, ctx.query.get("host") ?? undefined);
  if (!rec.users.has(id.key)) throw userNotFound(name);
  return id;
}

export function updateUser(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = runningInstance(deps, ctx);
  checkIdle(deps, param(ctx, "project"), param(ctx, "instance"));
  const id = existingUser(rec, ctx);
  const body = deps.codec.decode(USER_TYPE, ctx.body ?? {}, "body");
  return startOperation(deps, ctx, {
    project: param(ctx, "project"),
    instance: param(ctx, "instance"),
    operationType: "UPDATE_USER",
    commit: () => {
      const current = rec.users.get(id.key);
      if (current === undefined) return { httpStatus: 404, code: "ERROR_RDBMS", message: `User '${id.key}' does not exist.` };
      rec.users.set(id.key, publicUser(ctx, id, { ...current, ...body, name: id.name }));
      return undefined;
    },
  });
}

export function deleteUser(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = runningInstance(deps, ctx);
  checkIdle(deps, param(ctx, "project"), param(ctx, "instance"));
  const id = existingUser(rec, ctx);
  return startOperation(deps, ctx, {
    project: param(ctx, "project"),
    instance: param(ctx, "instance"),
    operationType: "DELETE_USER",
    commit: () => {
      rec.users.delete(id.key);
      return undefined;
    },
  });
}
