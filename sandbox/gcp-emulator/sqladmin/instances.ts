// instances.insert / get / list / patch / update / delete.
import { ApiError } from "../errors.ts";
import { parseFilter } from "../filter.ts";
import { etagOf, protoTimestamp } from "../ids.ts";
import { cloneJson, isJsonObject, mergeJson, objectAt, stringAt, textAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import { maxResultsParam, paginate } from "../pagination.ts";
import type { Reply, RequestContext } from "../router.ts";
import { encoded, instanceNotFound, param } from "./common.ts";
import { checkIdle, startOperation } from "./operations.ts";
import type { SqlDeps } from "./common.ts";
import {
  checkSettings,
  checkTier,
  DEFAULT_DATABASE_VERSION,
  DEFAULT_REGION,
  installedVersion,
  isMySql,
  isPostgres,
  requestSettings,
  settingsWithDefaults,
} from "./defaults.ts";
import { instanceLink, SQL_PACKAGE } from "./links.ts";
import type { InstanceRecord } from "./store.ts";

const INSTANCE_TYPE = `${SQL_PACKAGE}.DatabaseInstance`;
// Lowercase letters, digits and hyphens, starting with a letter; the API caps project + name at 98.
const INSTANCE_NAME = /^[a-z](?:[-a-z0-9]{0,78}[a-z0-9])?$/;

// Fields the server owns: whatever a request says about them is ignored.
const OUTPUT_ONLY = [
  "kind", "state", "etag", "selfLink", "connectionName", "ipAddresses", "gceZone", "secondaryGceZone", "serviceAccountEmailAddress",
  "databaseInstalledVersion", "createTime", "project", "backendType", "ipv6Address", "serverCaCert", "currentDiskSize", "maxDiskSize",
  "upgradableDatabaseVersions", "sqlNetworkArchitecture", "pscServiceAttachmentLink", "dnsName", "dnsNames", "primaryDnsName",
  "writeEndpoint", "satisfiesPzs", "satisfiesPzi", "outOfDiskReport", "scheduledMaintenance", "suspensionReason",
  "availableMaintenanceVersions", "maintenanceVersion", "rootPassword",
];

function decodeInstance(deps: SqlDeps, ctx: RequestContext): JsonObject {
  return deps.codec.decode(INSTANCE_TYPE, ctx.body ?? {}, "body");
}

function record(deps: SqlDeps, project: string, name: string): InstanceRecord {
  const found = deps.store.get(project, name);
  if (found === undefined) throw instanceNotFound();
  return found;
}

function alreadyExists(): ApiError {
  return new ApiError(
    409,
    "instanceAlreadyExists",
    "The Cloud SQL instance already exists. When you delete an instance, you can't reuse the name of the deleted instance until one week from the deletion date.",
    { status: "ALREADY_EXISTS" },
  );
}

function primaryIps(deps: SqlDeps, settings: JsonObject, current: JsonObject | undefined): JsonObject[] {
  if (objectAt(settings, "ipConfiguration")?.ipv4Enabled === false) return [];
  const existing = current?.ipAddresses;
  if (Array.isArray(existing) && existing.length > 0) return cloneJson(existing).filter(isJsonObject);
  return [{ type: "PRIMARY", ipAddress: deps.ips.allocate() }];
}

// The built-in user each engine creates with the instance.
function defaultUser(project: string, instance: string, databaseVersion: string): [string, JsonObject] {
  const user: JsonObject = { kind: "sql#user", name: "root", instance, project, type: "BUILT_IN" };
  if (isPostgres(databaseVersion)) user.name = "postgres";
  else if (databaseVersion.startsWith("SQLSERVER")) user.name = "sqlserver";
  else user.host = "%";
  user.etag = etagOf(user);
  return [isMySql(databaseVersion) ? `${textAt(user, "name")}@%` : textAt(user, "name"), user];
}

export function insertInstance(deps: SqlDeps, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const body = decodeInstance(deps, ctx);
  const name = stringAt(body, "name");
  if (name === undefined || name === "") throw new ApiError(400, "required", "Missing parameter: name.");
  if (!INSTANCE_NAME.test(name)) throw new ApiError(400, "invalid", `Invalid request: Invalid instance name (${name}).`);
  if (deps.store.get(project, name) !== undefined) throw alreadyExists();
  const databaseVersion = stringAt(body, "databaseVersion") ?? DEFAULT_DATABASE_VERSION;
  const region = stringAt(body, "region") ?? DEFAULT_REGION;
  const given = requestSettings(body);
  const zone = stringAt(objectAt(given, "locationPreference") ?? {}, "zone") ?? `${region}-c`;
  const settings = settingsWithDefaults(given, databaseVersion, zone);
  checkTier(stringAt(settings, "tier"), stringAt(settings, "edition") ?? "ENTERPRISE", databaseVersion);
  checkSettings(settings, undefined);

  const resource: JsonObject = { ...body };
  for (const key of OUTPUT_ONLY) delete resource[key];
  Object.assign(resource, {
    kind: "sql#instance",
    state: "PENDING_CREATE",
    databaseVersion,
    settings,
    ipAddresses: [],
    instanceType: stringAt(body, "instanceType") ?? "CLOUD_SQL_INSTANCE",
    project,
    backendType: "SECOND_GEN",
    selfLink: instanceLink(project, name),
    connectionName: `${project}:${region}:${name}`,
    name,
    region,
    gceZone: zone,
    databaseInstalledVersion: installedVersion(databaseVersion),
    maintenanceVersion: `${installedVersion(databaseVersion)}.R20250112.01_00`,
    createTime: protoTimestamp(deps.now()),
    serviceAccountEmailAddress: `p${projectNumber(project)}-abcdef@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
    sqlNetworkArchitecture: "NEW_NETWORK_ARCHITECTURE",
    satisfiesPzs: false,
  });
  resource.etag = etagOf(resource);
  const rec: InstanceRecord = { resource, users: new Map([defaultUser(project, name, databaseVersion)]) };
  deps.store.put(project, name, rec);

  return startOperation(deps, ctx, {
    project,
    instance: name,
    operationType: "CREATE",
    commit: () => {
      const r = rec.resource;
      r.state = "RUNNABLE";
      r.ipAddresses = primaryIps(deps, objectAt(r, "settings") ?? {}, undefined);
      r.etag = etagOf({ ...r, etag: undefined });
      return undefined;
    },
    abort: () => deps.store.delete(project, name),
  });
}

// A stable fake project number per project id (service-account emails carry one).
function projectNumber(project: string): string {
  let h = 0;
  for (const c of project) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_000_000;
  return String(100_000_000_000 + h);
}

export function getInstance(deps: SqlDeps, ctx: RequestContext): Reply {
  const rec = record(deps, param(ctx, "project"), param(ctx, "instance"));
  return encoded(deps, ctx, "DatabaseInstance", rec.resource);
}

export function listInstances(deps: SqlDeps, ctx: RequestContext): Reply {
  const matches = parseFilter(ctx.query.get("filter"));
  const instances = deps.store.list(param(ctx, "project")).map((r) => r.resource).filter(matches);
  const page = paginate(
    instances,
    (i) => textAt(i, "name"),
    { maxResults: maxResultsParam(ctx.query), pageToken: ctx.query.get("pageToken") ?? undefined },
    { defaultSize: 500, maxSize: 1000, overMax: "coerce" },
  );
  const body: JsonObject = { kind: "sql#instancesList", items: [...page.items] };
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return encoded(deps, ctx, "InstancesListResponse", body);
}

/** patch merges the request into the instance; update replaces its settings (defaults refilled). */
export function modifyInstance(deps: SqlDeps, ctx: RequestContext, mode: "patch" | "update"): Reply {
  const project = param(ctx, "project");
  const name = param(ctx, "instance");
  const rec = record(deps, project, name);
  checkIdle(deps, project, name);
  const body = decodeInstance(deps, ctx);
  const current = rec.resource;
  const currentSettings = objectAt(current, "settings") ?? {};
  const given = requestSettings(body);
  const version = given.settingsVersion;
  if (version !== undefined && version !== currentSettings.settingsVersion) {
    throw new ApiError(412, "conditionNotMet", "Precondition check failed.");
  }
  const databaseVersion = stringAt(body, "databaseVersion") ?? textAt(current, "databaseVersion");
  const merged =
    mode === "patch"
      ? mergeJson(currentSettings, given)
      : settingsWithDefaults(given, databaseVersion, textAt(current, "gceZone"));
  merged.settingsVersion = currentSettings.settingsVersion ?? "1";
  checkTier(stringAt(merged, "tier"), stringAt(merged, "edition") ?? "ENTERPRISE", databaseVersion);
  checkSettings(merged, currentSettings);

  return startOperation(deps, ctx, {
    project,
    instance: name,
    operationType: databaseVersion === current.databaseVersion ? "UPDATE" : "MAJOR_VERSION_UPGRADE",
    commit: () => {
      applyChange(deps, rec, merged, databaseVersion);
      return undefined;
    },
  });
}

function applyChange(deps: SqlDeps, rec: InstanceRecord, settings: JsonObject, databaseVersion: string): void {
  const r = rec.resource;
  const before = objectAt(r, "settings") ?? {};
  const next = cloneJson(settings);
  // settingsVersion counts changes: compare everything but the counter itself.
  const changed = JSON.stringify({ ...before, settingsVersion: null }) !== JSON.stringify({ ...next, settingsVersion: null });
  next.settingsVersion = String(Number(before.settingsVersion ?? "1") + (changed ? 1 : 0));
  r.settings = next;
  r.ipAddresses = primaryIps(deps, next, r);
  if (databaseVersion !== r.databaseVersion) {
    r.databaseVersion = databaseVersion;
    r.databaseInstalledVersion = installedVersion(databaseVersion);
  }
  r.etag = etagOf({ ...r, etag: undefined });
}

export function deleteInstance(deps: SqlDeps, ctx: RequestContext): Reply {
  const project = param(ctx, "project");
  const name = param(ctx, "instance");
  const rec = record(deps, project, name);
  checkIdle(deps, project, name);
  if (objectAt(rec.resource, "settings")?.deletionProtectionEnabled === true) {
    throw new ApiError(
      400,
      "invalid",
      "Invalid request: The instance is protected from deletion. Set settings.deletionProtectionEnabled to false and try again.",
    );
  }
  const previousState = rec.resource.state ?? "RUNNABLE";
  rec.resource.state = "PENDING_DELETE";
  return startOperation(deps, ctx, {
    project,
    instance: name,
    operationType: "DELETE",
    commit: () => {
      deps.store.delete(project, name);
      return undefined;
    },
    abort: () => {
      rec.resource.state = previousState;
    },
  });
}
