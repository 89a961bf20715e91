// The Cloud SQL Admin v1 REST surface the emulator serves (paths as in the v1 protos' http rules).
import type { Router } from "../router.ts";
import type { SqlDeps } from "./common.ts";
import { deleteInstance, getInstance, insertInstance, listInstances, modifyInstance } from "./instances.ts";
import { getOperation, listOperations } from "./operations.ts";
import { deleteUser, getUser, insertUser, listUsers, updateUser } from "./users.ts";

const P = "/v1/projects/{project}";

export function registerSqlAdmin(router: Router, deps: SqlDeps): void {
  router
    .add("POST", `${P}/instances`, (ctx) => insertInstance(deps, ctx))
    .add("GET", `${P}/instances`, (ctx) => listInstances(deps, ctx))
    .add("GET", `${P}/instances/{instance}`, (ctx) => getInstance(deps, ctx))
    .add("PATCH", `${P}/instances/{instance}`, (ctx) => modifyInstance(deps, ctx, "patch"))
    .add("PUT", `${P}/instances/{instance}`, (ctx) => modifyInstance(deps, ctx, "update"))
    .add("DELETE", `${P}/instances/{instance}`, (ctx) => deleteInstance(deps, ctx))
    .add("POST", `${P}/instances/{instance}/users`, (ctx) => insertUser(deps, ctx))
    .add("GET", `${P}/instances/{instance}/users`, (ctx) => listUsers(deps, ctx))
    .add("GET", `${P}/instances/{instance}/users/{name}`, (ctx) => getUser(deps, ctx))
    .add("PUT", `${P}/instances/{instance}/users`, (ctx) => updateUser(deps, ctx))
    .add("DELETE", `${P}/instances/{instance}/users`, (ctx) => deleteUser(deps, ctx))
    .add("GET", `${P}/operations`, (ctx) => listOperations(deps, ctx))
    .add("GET", `${P}/operations/{operation}`, (ctx) => getOperation(deps, ctx));
}
