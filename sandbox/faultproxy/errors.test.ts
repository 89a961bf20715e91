import { describe, expect, it } from "vitest";
import type { Classification } from "./classify.ts";
import { wireError } from "./errors.ts";
import type { ErrorKind } from "./errors.ts";

const THROTTLE: ErrorKind = { kind: "throttle" };
const ID = "11111111-2222-3333-4444-555555555555";

describe("wireError", () => {
  const cases: Record<string, { error: ErrorKind; c: Classification; status: number; headers: Record<string, string>; body: string | RegExp }> = {
    "awsQuery throttle": {
      error: THROTTLE,
      c: { service: "rds", operation: "CreateDBInstance", protocol: "awsQuery" },
      status: 400,
      headers: { "content-type": "text/xml", "x-amzn-requestid": ID },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${ID}</RequestId></ErrorResponse>`,
    },
    "awsQuery 503": {
      error: { kind: "error5xx", status: 503 },
      c: { service: "elasticloadbalancing", operation: "CreateLoadBalancer", protocol: "awsQuery" },
      status: 503,
      headers: { "content-type": "text/xml" },
      body: /<Type>Receiver<\/Type><Code>ServiceUnavailable<\/Code>/,
    },
    "awsQuery 500": {
      error: { kind: "error5xx", status: 500 },
      c: { service: "rds", operation: "CreateDBInstance", protocol: "awsQuery" },
      status: 500,
      headers: {},
      body: /<Code>InternalFailure<\/Code>/,
    },
    "ec2 throttle": {
      error: THROTTLE,
      c: { service: "ec2", operation: "RunInstances", protocol: "awsQuery" },
      status: 503,
      headers: { "content-type": "text/xml" },
      body: /<Response><Errors><Error><Code>RequestLimitExceeded<\/Code>.*<RequestID>/,
    },
    "cloudfront throttle": {
      error: THROTTLE,
      c: { service: "cloudfront", operation: "CreateDistribution", protocol: "restXml" },
      status: 400,
      headers: { "content-type": "text/xml" },
      body: /^<ErrorResponse><Error><Type>Sender<\/Type><Code>Throttling<\/Code>/,
    },
    "s3 throttle": {
      error: THROTTLE,
      c: { service: "s3", operation: "PutObject", protocol: "restXml" },
      status: 503,
      headers: { "content-type": "application/xml", "x-amz-request-id": ID },
      body: /<Error><Code>SlowDown<\/Code>/,
    },
    "awsJson throttle": {
      error: THROTTLE,
      c: { service: "dynamodb", operation: "GetItem", protocol: "awsJson" },
      status: 400,
      headers: { "x-amzn-errortype": "ThrottlingException", "x-amzn-requestid": ID },
      body: '{"__type":"ThrottlingException","message":"Rate exceeded"}',
    },
    "awsJson 503": {
      error: { kind: "error5xx", status: 503 },
      c: { service: "dynamodb", operation: "GetItem", protocol: "awsJson" },
      status: 503,
      headers: { "x-amzn-errortype": "ServiceUnavailable" },
      body: /"__type":"ServiceUnavailable"/,
    },
    "google throttle": {
      error: THROTTLE,
      c: { service: "sqladmin", operation: "instances.insert", protocol: "googleJson" },
      status: 429,
      headers: { "content-type": "application/json; charset=UTF-8" },
      body: /^\{"error":\{"code":429,"message":"Quota exceeded.*sqladmin\.googleapis\.com.*","status":"RESOURCE_EXHAUSTED","errors":\[\{.*"domain":"usageLimits","reason":"rateLimitExceeded"\}\]\}\}$/,
    },
    "google 500": {
      error: { kind: "error5xx", status: 500 },
      c: { service: "compute", operation: "urlMaps.get", protocol: "googleJson" },
      status: 500,
      headers: {},
      body: /"code":500,.*"status":"INTERNAL"/,
    },
    "unknown protocol": {
      error: THROTTLE,
      c: { service: "unknown", operation: "GET /x", protocol: "unknown" },
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "Throttling: Rate exceeded\n",
    },
  };
  for (const [name, { error, c, status, headers, body }] of Object.entries(cases)) {
    it(name, () => {
      const got = wireError(error, c, ID);
      expect(got.status).toBe(status);
      expect(got.headers).toMatchObject(headers);
      if (typeof body === "string") expect(got.body).toBe(body);
      else expect(got.body).toMatch(body);
    });
  }
});
