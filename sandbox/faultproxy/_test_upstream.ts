// Test helper: a tiny stand-in for moto / the GCP emulator that records every request it gets
// and answers the few calls the tests make with minimal valid responses. Also a SigV4 checker,
// to prove the proxy forwards requests whose signatures still verify.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";

/** A request as the upstream saw it. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export type Responder = (req: Received, res: ServerResponse) => void;

export interface FakeUpstream {
  readonly url: string;
  readonly requests: Received[];
  /** Replaces the default answers until reset. */
  respond: Responder | undefined;
  reset(): void;
  close(): Promise<void>;
}

const XML = { "content-type": "text/xml", "x-amzn-requestid": "7e3b2c1a-0000-4000-8000-000000000001" };

// Minimal bodies the AWS SDK v3 deserializers accept.
const QUERY_ANSWERS: Readonly<Record<string, string>> = {
  DescribeDBInstances:
    '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances/>' +
    "</DescribeDBInstancesResult><ResponseMetadata><RequestId>7e3b2c1a</RequestId></ResponseMetadata></DescribeDBInstancesResponse>",
  DescribeVpcs:
    '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>7e3b2c1a</requestId><vpcSet/></DescribeVpcsResponse>',
  DescribeLoadBalancers:
    '<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancersResult>' +
    "<LoadBalancers/></DescribeLoadBalancersResult><ResponseMetadata><RequestId>7e3b2c1a</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>",
};
const DISTRIBUTION_LIST =
  '<?xml version="1.0" encoding="UTF-8"?>\n<DistributionList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
  "<Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>0</Quantity></DistributionList>";

function defaultAnswer(req: Received, res: ServerResponse): void {
  const action = new URLSearchParams(req.body.toString("utf8")).get("Action") ?? "";
  const query = QUERY_ANSWERS[action];
  if (query !== undefined) return void res.writeHead(200, XML).end(query);
  if (req.method === "GET" && req.url.startsWith("/2020-05-31/distribution")) return void res.writeHead(200, XML).end(DISTRIBUTION_LIST);
  if (req.headers["x-amz-target"] === "AWSCognitoIdentityService.GetId") {
    return void res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end('{"IdentityId":"us-east-1:0000"}');
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, url: req.url, bytes: req.body.byteLength }));
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: Received[] = [];
  const state: { respond: Responder | undefined } = { respond: undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      requests.push(received);
      (state.respond ?? defaultAnswer)(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    get respond() {
      return state.respond;
    },
    set respond(r) {
      state.respond = r;
    },
    reset() {
      requests.length = 0;
      state.respond = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

// RFC 3986 encoding, as SigV4 wants it.
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Recomputes a SigV4 header signature from what the upstream received (enough for non-S3 services:
 * single-encoded simple paths). True when it matches the one the SDK sent.
 */
export function sigV4Verifies(req: Received, secretAccessKey: string): boolean {
  const auth = typeof req.headers.authorization === "string" ? req.headers.authorization : "";
  const m = /^AWS4-HMAC-SHA256 Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(auth);
  const amzDate = req.headers["x-amz-date"];
  if (m === null || typeof amzDate !== "string") return false;
  const [, scope = "", signedHeaders = "", signature = ""] = m;
  const url = new URL(req.url, "http://x");
  const query = [...url.searchParams].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).sort().join("&");
  const canonicalHeaders = signedHeaders
    .split(";")
    .map((name) => {
      const value = req.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const payloadHash = typeof req.headers["x-amz-content-sha256"] === "string" ? req.headers["x-amz-content-sha256"] : sha256(req.body);
  const canonical = [req.method, url.pathname, query, canonicalHeaders, signedHeaders, payloadHash].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const [date = "", region = "", service = ""] = scope.split("/");
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
  return createHmac("sha256", key).update(stringToSign).digest("hex") === signature;
}
