// Request → { service, operation, protocol }. The protocol decides the wire format of an
// injected error, so it must match what the SDK that sent the request will parse; service and
// operation feed fault filters and the counters.
import type { IncomingHttpHeaders } from "node:http";
import { awsRestXmlOperation } from "./_aws_routes.ts";
import { googleOperation } from "./_google_routes.ts";

/** Wire protocols the proxy can speak errors in. */
export const PROTOCOLS = ["awsQuery", "restXml", "awsJson", "googleJson", "unknown"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What a request is, as far as faults and counting care. */
export interface Classification {
  /** AWS signing name (`rds`, `elasticloadbalancing`, `cloudfront`) or Google API (`sqladmin`, `compute`). */
  readonly service: string;
  /** SDK operation name (`CreateDBInstance`) or Google method (`instances.insert`). */
  readonly operation: string;
  readonly protocol: Protocol;
}

/** The parts of a request classification looks at. */
export interface RequestInfo {
  readonly method: string;
  /** Path plus query string, as in `IncomingMessage.url`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export function classify(req: RequestInfo): Classification {
  const url = new URL(req.url, "http://faultproxy.invalid");
  const method = req.method.toUpperCase();
  const scopeService = sigV4Service(req.headers, url.searchParams);
  const target = header(req.headers, "x-amz-target");
  if (target !== undefined) {
    // `RDSData.ExecuteStatement`, `DynamoDB_20120810.GetItem`: the operation follows the last dot.
    const dot = target.lastIndexOf(".");
    const prefix = dot < 0 ? "unknown" : target.slice(0, dot);
    return { service: scopeService ?? prefix, operation: target.slice(dot + 1), protocol: "awsJson" };
  }
  const action = queryAction(req, url.searchParams);
  if (action !== undefined) {
    // Unsigned Query calls (STS AssumeRoleWithWebIdentity) carry no scope, but still speak awsQuery.
    return { service: scopeService ?? "unknown", operation: action, protocol: "awsQuery" };
  }
  if (scopeService !== undefined) {
    const operation = awsRestXmlOperation(scopeService, method, url, req.headers);
    return { service: scopeService, operation, protocol: "restXml" };
  }
  const google = googleOperation(method, url.pathname);
  if (google !== undefined) return { ...google, protocol: "googleJson" };
  return { service: "unknown", operation: `${method} ${url.pathname}`, protocol: "unknown" };
}

/** First value of a header, whatever its multiplicity. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// `Credential=AKID/20261121/us-east-1/rds/aws4_request` (SigV4) or `AKID/20261121/s3/aws4_request`
// (SigV4a, no region): the signing name is the element before the terminator either way.
function sigV4Service(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const auth = header(headers, "authorization");
  const credential = auth?.match(/Credential=([^,\s]+)/)?.[1] ?? query.get("X-Amz-Credential") ?? undefined;
  if (credential === undefined) return undefined;
  const parts = credential.split("/");
  if (parts.length < 4 || parts[parts.length - 1] !== "aws4_request") return undefined;
  return parts[parts.length - 2];
}

// The Query protocol puts `Action=` in a form body (the SDK always writes it first) or, for
// legacy GET callers, in the query string.
function queryAction(req: RequestInfo, query: URLSearchParams): string | undefined {
  const fromQuery = query.get("Action");
  if (fromQuery !== null && fromQuery !== "") return fromQuery;
  const contentType = header(req.headers, "content-type") ?? "";
  if (req.body.byteLength === 0 || !contentType.includes("application/x-www-form-urlencoded")) return undefined;
  const action = new URLSearchParams(Buffer.from(req.body).toString("utf8")).get("Action");
  return action === null || action === "" ? undefined : action;
}
