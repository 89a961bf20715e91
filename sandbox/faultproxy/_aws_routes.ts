// Operation names for AWS REST-XML services, whose operation lives in method + path. Small
// route tables for what Terraplane drives (CloudFront) and a path-style S3 table; anything else
// becomes `METHOD /path-pattern` so counters still group requests sensibly.
import type { IncomingHttpHeaders } from "node:http";

export function awsRestXmlOperation(service: string, method: string, url: URL, headers: IncomingHttpHeaders): string {
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const known =
    service === "cloudfront"
      ? cloudFrontOperation(method, segments, url.searchParams)
      : service === "s3"
        ? s3Operation(method, segments, url.searchParams, headers)
        : undefined;
  return known ?? `${method} ${pathPattern(segments)}`;
}

// `/2020-05-31/distribution/E2ABC/config` → `/2020-05-31/distribution/{id}/config`: after an
// optional date-version segment, REST paths alternate collection / identifier.
export function pathPattern(segments: readonly string[]): string {
  const start = segments[0] !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(segments[0]) ? 1 : 0;
  const out = segments.map((s, i) => (i < start || (i - start) % 2 === 0 ? s : "{id}"));
  return `/${out.join("/")}`;
}

interface Route {
  readonly method: string;
  /** Segments after the API version; `*` matches one identifier. */
  readonly path: readonly string[];
  /** A query parameter that must be present, with this value if given. */
  readonly query?: readonly [name: string, value?: string];
  readonly operation: string;
}

// CloudFront resources share one CRUD shape: POST/GET on the collection, GET/DELETE on the item,
// GET/PUT on `{id}/config` (the PUT is the Update call).
function crudRoutes(resource: string, one: string, many: string): Route[] {
  return [
    { method: "POST", path: [resource], query: ["WithTags"], operation: `Create${one}WithTags` },
    { method: "POST", path: [resource], operation: `Create${one}` },
    { method: "GET", path: [resource], operation: `List${many}` },
    { method: "GET", path: [resource, "*"], operation: `Get${one}` },
    { method: "DELETE", path: [resource, "*"], operation: `Delete${one}` },
    { method: "GET", path: [resource, "*", "config"], operation: `Get${one}Config` },
    { method: "PUT", path: [resource, "*", "config"], operation: `Update${one}` },
  ];
}

const CLOUDFRONT_ROUTES: readonly Route[] = [
  ...crudRoutes("distribution", "Distribution", "Distributions"),
  ...crudRoutes("origin-access-control", "OriginAccessControl", "OriginAccessControls"),
  ...crudRoutes("cache-policy", "CachePolicy", "CachePolicies"),
  ...crudRoutes("origin-request-policy", "OriginRequestPolicy", "OriginRequestPolicies"),
  ...crudRoutes("response-headers-policy", "ResponseHeadersPolicy", "ResponseHeadersPolicies"),
  ...crudRoutes("key-group", "KeyGroup", "KeyGroups"),
  ...crudRoutes("public-key", "PublicKey", "PublicKeys"),
  { method: "POST", path: ["distribution", "*", "invalidation"], operation: "CreateInvalidation" },
  { method: "GET", path: ["distribution", "*", "invalidation"], operation: "ListInvalidations" },
  { method: "GET", path: ["distribution", "*", "invalidation", "*"], operation: "GetInvalidation" },
  { method: "GET", path: ["tagging"], operation: "ListTagsForResource" },
  { method: "POST", path: ["tagging"], query: ["Operation", "Tag"], operation: "TagResource" },
  { method: "POST", path: ["tagging"], query: ["Operation", "Untag"], operation: "UntagResource" },
];

function routeMatches(route: Route, method: string, segments: readonly string[], query: URLSearchParams): boolean {
  if (route.method !== method || route.path.length !== segments.length) return false;
  if (!route.path.every((p, i) => p === "*" || p === segments[i])) return false;
  if (route.query === undefined) return true;
  const [name, value] = route.query;
  return value === undefined ? query.has(name) : query.get(name) === value;
}

// Paths start with the API version (`/2020-05-31/...`), whichever it is.
function cloudFrontOperation(method: string, segments: readonly string[], query: URLSearchParams): string | undefined {
  const rest = segments.slice(1);
  return CLOUDFRONT_ROUTES.find((r) => routeMatches(r, method, rest, query))?.operation;
}

type MethodTable = Readonly<Record<string, string>>;

// `{Get,Put,Delete}<prefix><Name>`, the naming of most S3 sub-resource operations.
function getPutDelete(name: string): MethodTable {
  return { GET: `Get${name}`, PUT: `Put${name}`, DELETE: `Delete${name}` };
}

// Bucket operations by sub-resource query key, checked in order; no key → the plain bucket calls.
const S3_BUCKET_QUERY: Readonly<Record<string, MethodTable>> = {
  tagging: getPutDelete("BucketTagging"),
  policy: getPutDelete("BucketPolicy"),
  versioning: getPutDelete("BucketVersioning"),
  acl: getPutDelete("BucketAcl"),
  cors: getPutDelete("BucketCors"),
  encryption: getPutDelete("BucketEncryption"),
  website: getPutDelete("BucketWebsite"),
  lifecycle: getPutDelete("BucketLifecycleConfiguration"),
  ownershipControls: getPutDelete("BucketOwnershipControls"),
  publicAccessBlock: getPutDelete("PublicAccessBlock"),
  location: { GET: "GetBucketLocation" },
  uploads: { GET: "ListMultipartUploads" },
  delete: { POST: "DeleteObjects" },
  versions: { GET: "ListObjectVersions" },
};
const S3_OBJECT_QUERY: Readonly<Record<string, MethodTable>> = {
  tagging: getPutDelete("ObjectTagging"),
  acl: { GET: "GetObjectAcl", PUT: "PutObjectAcl" },
  uploads: { POST: "CreateMultipartUpload" },
  uploadId: { PUT: "UploadPart", POST: "CompleteMultipartUpload", DELETE: "AbortMultipartUpload", GET: "ListParts" },
};
const S3_OBJECT: MethodTable = { GET: "GetObject", PUT: "PutObject", DELETE: "DeleteObject", HEAD: "HeadObject" };

// Path-style only: an SDK whose endpoint is an IP address (the proxy) never uses virtual hosts.
function s3Operation(
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): string | undefined {
  // SDK v3 names most operations itself in `?x-id=`.
  const xId = query.get("x-id");
  if (xId !== null && xId !== "") return xId;
  if (segments.length === 0) return method === "GET" ? "ListBuckets" : undefined;
  return segments.length === 1 ? s3BucketOperation(method, query) : s3ObjectOperation(method, query, headers);
}

function s3BucketOperation(method: string, query: URLSearchParams): string | undefined {
  const table = Object.entries(S3_BUCKET_QUERY).find(([key]) => query.has(key))?.[1] ?? {
    GET: query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects",
    PUT: "CreateBucket",
    DELETE: "DeleteBucket",
    HEAD: "HeadBucket",
  };
  return table[method];
}

function s3ObjectOperation(method: string, query: URLSearchParams, headers: IncomingHttpHeaders): string | undefined {
  const operation = (Object.entries(S3_OBJECT_QUERY).find(([key]) => query.has(key))?.[1] ?? S3_OBJECT)[method];
  // A PUT naming a source object copies instead of uploading.
  if (headers["x-amz-copy-source"] === undefined) return operation;
  return operation === "PutObject" ? "CopyObject" : operation === "UploadPart" ? "UploadPartCopy" : operation;
}
