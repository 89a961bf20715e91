// List pagination: `maxResults` / `pageToken` in, `nextPageToken` out. Tokens are opaque cursors
// holding the last key served, so a page boundary survives inserts and deletes between calls.
import { ApiError, invalidField } from "./errors.ts";

export interface PageRequest {
  readonly maxResults?: number;
  readonly pageToken?: string;
}

export interface PageLimits {
  /** Page size when maxResults is absent or 0. */
  readonly defaultSize: number;
  /** Largest page size. */
  readonly maxSize: number;
  /** Above maxSize: compute rejects the request, Cloud SQL quietly serves maxSize. */
  readonly overMax: "reject" | "coerce";
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

/** Code-unit order, the same order the cursor comparison uses (localeCompare is not). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One page of `items`, which must be sorted by `key` ascending with unique keys. */
export function paginate<T>(items: readonly T[], key: (item: T) => string, req: PageRequest, limits: PageLimits): Page<T> {
  const size = pageSize(req.maxResults, limits);
  const after = req.pageToken === undefined || req.pageToken === "" ? undefined : decodeToken(req.pageToken);
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  return rest.length > size && last !== undefined ? { items: page, nextPageToken: encodeToken(key(last)) } : { items: page };
}

function pageSize(maxResults: number | undefined, limits: PageLimits): number {
  if (maxResults === undefined || maxResults === 0) return limits.defaultSize;
  if (!Number.isInteger(maxResults) || maxResults < 0) throw invalidField("maxResults", maxResults, "Must be a non-negative integer.");
  if (maxResults <= limits.maxSize) return maxResults;
  if (limits.overMax === "coerce") return limits.maxSize;
  throw invalidField("maxResults", maxResults, `Must be less than or equal to ${limits.maxSize}`);
}

const TOKEN_PREFIX = "tp1:";

function encodeToken(lastKey: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${lastKey}`, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const raw = Buffer.from(token, "base64url").toString("utf8");
  if (!raw.startsWith(TOKEN_PREFIX)) throw new ApiError(400, "invalid", `Invalid value for field 'pageToken': '${token}'. Invalid page token.`);
  return raw.slice(TOKEN_PREFIX.length);
}

/** maxResults from a query string; 400 if it is not a number. */
export function maxResultsParam(query: URLSearchParams): number | undefined {
  const raw = query.get("maxResults");
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalidField("maxResults", raw, "Must be an integer.");
  return n;
}
