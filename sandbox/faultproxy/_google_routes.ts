// Google REST paths → discovery-style method names (`instances.insert`, `targetHttpProxies.setUrlMap`),
// the names the Google clients and their docs use, so fault filters read like the API reference.

/** A Google API request, by service and discovery method name. */
export interface GoogleOperation {
  readonly service: string;
  readonly operation: string;
}

// Collections directly under `projects/{p}` that mark a Cloud SQL Admin `/v1/...` path (other
// Google APIs share the `/v1/projects/` prefix).
const SQLADMIN_ROOTS = new Set(["instances", "operations", "backups"]);
// Cloud SQL nests real collections under an instance; any other segment there is a custom verb.
const SQLADMIN_SUBCOLLECTIONS = new Set(["databases", "users", "sslCerts", "backupRuns"]);

export function googleOperation(method: string, pathname: string): GoogleOperation | undefined {
  const segments = pathname.split("/").filter((s) => s !== "").map(decodeSegment);
  if (segments[0] === "compute" && segments[2] === "projects" && segments[3] !== undefined) {
    return { service: "compute", operation: computeMethod(method, segments.slice(4)) };
  }
  const operation = sqlAdminMethod(method, segments);
  return operation === undefined ? undefined : { service: "sqladmin", operation };
}

// Cloud SQL Admin is served as `/sql/v1beta4/...` and as `/v1/...`.
function sqlAdminMethod(method: string, segments: readonly string[]): string | undefined {
  const v1beta4 = segments[0] === "sql" && segments[1] === "v1beta4";
  const rest = v1beta4 ? segments.slice(2) : segments[0] === "v1" ? segments.slice(1) : [];
  if (rest[0] === undefined) return undefined;
  // `/sql/v1beta4/flags`, `/sql/v1beta4/tiers/...`: project-less listings.
  if (rest[0] !== "projects") return v1beta4 ? restMethod(method, rest) : undefined;
  const root = rest[2];
  if (root === undefined || !SQLADMIN_ROOTS.has(root)) return undefined;
  return restMethod(method, rest.slice(2), SQLADMIN_SUBCOLLECTIONS);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Compute scopes collections by location and renames some per scope: global operations are
// `globalOperations`, regional backend services `regionBackendServices`, zonal operations
// `zoneOperations`, while e.g. regional `addresses` keep their plain name.
const GLOBAL_RENAMED = new Set(["operations", "addresses", "forwardingRules", "networkEndpointGroups", "publicDelegatedPrefixes"]);
const REGION_RENAMED = new Set([
  "operations",
  "backendServices",
  "healthChecks",
  "urlMaps",
  "targetHttpProxies",
  "targetHttpsProxies",
  "targetTcpProxies",
  "sslCertificates",
  "sslPolicies",
  "networkEndpointGroups",
  "instanceGroupManagers",
  "instanceGroups",
  "instanceTemplates",
  "autoscalers",
  "disks",
  "securityPolicies",
]);

// `rest` is what follows `projects/{p}`.
function computeMethod(method: string, rest: readonly string[]): string {
  const [scope, a, b] = rest;
  if (scope === undefined) return method === "GET" ? "projects.get" : `projects.${method.toLowerCase()}`;
  if (scope === "aggregated" && a !== undefined) return `${a}.aggregatedList`;
  if (scope === "global") return restMethod(method, rest.slice(1), undefined, (c) => scoped("global", GLOBAL_RENAMED, c));
  if (scope === "regions" || scope === "zones") {
    if (a === undefined || b === undefined) return restMethod(method, rest);
    const prefix = scope === "regions" ? "region" : "zone";
    const renamed = scope === "regions" ? REGION_RENAMED : new Set(["operations"]);
    return restMethod(method, rest.slice(2), undefined, (c) => scoped(prefix, renamed, c));
  }
  // Project-level custom verbs: `POST projects/{p}/setCommonInstanceMetadata`.
  return `projects.${scope}`;
}

function scoped(prefix: string, renamed: ReadonlySet<string>, collection: string): string {
  return renamed.has(collection) ? `${prefix}${collection[0]?.toUpperCase() ?? ""}${collection.slice(1)}` : collection;
}

const COLLECTION_VERBS: Readonly<Record<string, string>> = { GET: "list", POST: "insert" };
const ITEM_VERBS: Readonly<Record<string, string>> = { GET: "get", PATCH: "patch", PUT: "update", DELETE: "delete" };

// Walks `collection/name[/subcollection/name...][/verb]` and names the method on the innermost
// collection. A segment after a name is a sub-collection only if listed, else a custom verb.
function restMethod(
  method: string,
  segments: readonly string[],
  subcollections: ReadonlySet<string> = new Set(),
  rename: (collection: string) => string = (c) => c,
): string {
  let i = 0;
  while (i + 2 < segments.length && subcollections.has(segments[i + 2] ?? "")) i += 2;
  const collection = rename(segments[i] ?? "");
  return `${collection}.${methodName(method, segments[i + 1], segments[i + 2])}`;
}

function methodName(method: string, name: string | undefined, verb: string | undefined): string {
  if (name === undefined) return COLLECTION_VERBS[method] ?? method.toLowerCase();
  if (verb !== undefined) return verb;
  // `instances/{i}:restart` style custom methods.
  const colon = name.indexOf(":");
  if (colon >= 0) return name.slice(colon + 1);
  return ITEM_VERBS[method] ?? method.toLowerCase();
}
