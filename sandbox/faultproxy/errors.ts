// Injected errors in the wire format of the request's protocol. The point is that the SDK's own
// parser classifies them, so the error codes come from the SDK's lists, not made up:
// `Throttling`, `ThrottlingException`, `RequestLimitExceeded` and `SlowDown` are in
// @smithy/core's THROTTLING_ERROR_CODES (→ isThrottlingError); 500/503 are in
// TRANSIENT_ERROR_STATUS_CODES; Google clients retry 429 and 503 by status.
import type { Classification } from "./classify.ts";

/** An HTTP response ready to write. */
export interface WireError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Which error to render: throttling, or a server error with its status. */
export type ErrorKind = { readonly kind: "throttle" } | { readonly kind: "error5xx"; readonly status: 500 | 503 };

interface ErrorText {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly type: "Sender" | "Receiver";
}

const AWS_THROTTLE: ErrorText = { status: 400, code: "Throttling", message: "Rate exceeded", type: "Sender" };
// Real EC2 and S3 never say `Throttling`; keep their own codes and statuses so SDK behaviour
// under the proxy matches production.
const EC2_THROTTLE: ErrorText = { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded.", type: "Sender" };
const S3_THROTTLE: ErrorText = { status: 503, code: "SlowDown", message: "Please reduce your request rate.", type: "Sender" };

function awsServerError(status: 500 | 503): ErrorText {
  return status === 503
    ? { status, code: "ServiceUnavailable", message: "Service is unavailable. Please try again later.", type: "Receiver" }
    : { status, code: "InternalFailure", message: "The request processing has failed because of an unknown error.", type: "Receiver" };
}

export function wireError(error: ErrorKind, c: Classification, requestId: string): WireError {
  if (c.protocol === "googleJson") return googleError(error, c.service);
  const text = awsErrorText(error, c.service);
  switch (c.protocol) {
    case "awsJson":
      return awsJsonError(text, requestId);
    case "awsQuery":
      return c.service === "ec2" ? ec2Error(text, requestId) : queryError(text, requestId);
    case "restXml":
      return c.service === "s3" ? s3Error(text, requestId) : queryError(text, requestId);
    case "unknown":
      return { status: text.status, headers: { "content-type": "text/plain; charset=utf-8" }, body: `${text.code}: ${text.message}\n` };
  }
}

function awsErrorText(error: ErrorKind, service: string): ErrorText {
  if (error.kind === "error5xx") return awsServerError(error.status);
  if (service === "ec2") return EC2_THROTTLE;
  if (service === "s3") return S3_THROTTLE;
  return AWS_THROTTLE;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function xmlHeaders(requestId: string): Record<string, string> {
  return { "content-type": "text/xml", "x-amzn-requestid": requestId };
}

// awsQuery services (RDS, ELBv2, STS) and CloudFront's REST-XML share this envelope.
function queryError(t: ErrorText, requestId: string): WireError {
  const body =
    `<ErrorResponse><Error><Type>${t.type}</Type><Code>${t.code}</Code><Message>${xmlEscape(t.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: t.status, headers: xmlHeaders(requestId), body };
}

// ec2Query: `<Response><Errors><Error>…` with `RequestID` (capital D), as EC2 sends it.
function ec2Error(t: ErrorText, requestId: string): WireError {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${t.code}</Code>` +
    `<Message>${xmlEscape(t.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  return { status: t.status, headers: xmlHeaders(requestId), body };
}

function s3Error(t: ErrorText, requestId: string): WireError {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${t.code}</Code><Message>${xmlEscape(t.message)}</Message>` +
    `<RequestId>${requestId}</RequestId></Error>`;
  return { status: t.status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body };
}

function awsJsonError(t: ErrorText, requestId: string): WireError {
  const code = t.code === "Throttling" ? "ThrottlingException" : t.code;
  return {
    status: t.status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId, "x-amzn-errortype": code },
    body: JSON.stringify({ __type: code, message: t.message }),
  };
}

// Google's JSON error envelope (https://cloud.google.com/apis/design/errors), with the legacy
// `errors[]` that the discovery-based clients (compute, sqladmin) still read `reason` from.
function googleError(error: ErrorKind, service: string): WireError {
  const [code, status, reason, domain, message] =
    error.kind === "throttle"
      ? [429, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "usageLimits", `Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service '${service}.googleapis.com'.`]
      : error.status === 503
        ? [503, "UNAVAILABLE", "backendError", "global", "The service is currently unavailable."]
        : [500, "INTERNAL", "backendError", "global", "Internal error encountered."];
  const body = JSON.stringify({ error: { code, message, status, errors: [{ message, domain, reason }] } });
  return { status: code, headers: { "content-type": "application/json; charset=UTF-8" }, body };
}
