import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { classify } from "./classify.ts";
import type { Classification } from "./classify.ts";

// Header shapes as the AWS SDK v3 sends them (values shortened, structure real).
function sigv4(service: string, region = "us-east-1"): IncomingHttpHeaders {
  return {
    host: "127.0.0.1:4566",
    "x-amz-date": "20261121T101500Z",
    "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "amz-sdk-invocation-id": "4a9c6bd1-3c77-4a0e-8a39-4b59f3b0f1d5",
    "amz-sdk-request": "attempt=1; max=3",
    authorization:
      `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261121/${region}/${service}/aws4_request, ` +
      "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date, " +
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  };
}
const FORM = { "content-type": "application/x-www-form-urlencoded" };

interface Args {
  readonly method: string;
  readonly url: string;
  readonly headers?: IncomingHttpHeaders;
  readonly body?: string;
}

function run(args: Args): Classification {
  return classify({ method: args.method, url: args.url, headers: args.headers ?? {}, body: Buffer.from(args.body ?? "") });
}

function table(cases: Record<string, { args: Args; want: Classification }>): void {
  for (const [name, { args, want }] of Object.entries(cases)) {
    it(name, () => expect(run(args)).toEqual(want));
  }
}

describe("classify: AWS Query", () => {
  table({
    "RDS CreateDBInstance": {
      args: {
        method: "POST",
        url: "/",
        headers: { ...sigv4("rds"), ...FORM },
        body: "Action=CreateDBInstance&Version=2014-10-31&DBInstanceIdentifier=db-1&DBInstanceClass=db.t3.micro&Engine=postgres",
      },
      want: { service: "rds", operation: "CreateDBInstance", protocol: "awsQuery" },
    },
    "ELBv2 signs as elasticloadbalancing": {
      args: {
        method: "POST",
        url: "/",
        headers: { ...sigv4("elasticloadbalancing", "eu-west-1"), "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: "Action=DescribeLoadBalancers&Version=2015-12-01",
      },
      want: { service: "elasticloadbalancing", operation: "DescribeLoadBalancers", protocol: "awsQuery" },
    },
    "EC2 DescribeVpcs": {
      args: { method: "POST", url: "/", headers: { ...sigv4("ec2"), ...FORM }, body: "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-1" },
      want: { service: "ec2", operation: "DescribeVpcs", protocol: "awsQuery" },
    },
    "STS GetCallerIdentity": {
      args: { method: "POST", url: "/", headers: { ...sigv4("sts"), ...FORM }, body: "Action=GetCallerIdentity&Version=2011-06-15" },
      want: { service: "sts", operation: "GetCallerIdentity", protocol: "awsQuery" },
    },
    "unsigned AssumeRoleWithWebIdentity has no scope": {
      args: { method: "POST", url: "/", headers: FORM, body: "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn" },
      want: { service: "unknown", operation: "AssumeRoleWithWebIdentity", protocol: "awsQuery" },
    },
    "legacy GET with Action in the query string": {
      args: { method: "GET", url: "/?Action=DescribeDBInstances&Version=2014-10-31", headers: sigv4("rds") },
      want: { service: "rds", operation: "DescribeDBInstances", protocol: "awsQuery" },
    },
  });
});

describe("classify: AWS REST-XML", () => {
  const cf = sigv4("cloudfront");
  const dist = "/2020-05-31/distribution";
  table({
    CreateDistribution: { args: { method: "POST", url: dist, headers: cf, body: "<DistributionConfig/>" }, want: cfOp("CreateDistribution") },
    CreateDistributionWithTags: { args: { method: "POST", url: `${dist}?WithTags`, headers: cf }, want: cfOp("CreateDistributionWithTags") },
    GetDistribution: { args: { method: "GET", url: `${dist}/E2QWRUHAPOMQZL`, headers: cf }, want: cfOp("GetDistribution") },
    GetDistributionConfig: { args: { method: "GET", url: `${dist}/E2QWRUHAPOMQZL/config`, headers: cf }, want: cfOp("GetDistributionConfig") },
    UpdateDistribution: { args: { method: "PUT", url: `${dist}/E2QWRUHAPOMQZL/config`, headers: { ...cf, "if-match": "E2X" } }, want: cfOp("UpdateDistribution") },
    DeleteDistribution: { args: { method: "DELETE", url: `${dist}/E2QWRUHAPOMQZL`, headers: cf }, want: cfOp("DeleteDistribution") },
    ListDistributions: { args: { method: "GET", url: `${dist}?MaxItems=100`, headers: cf }, want: cfOp("ListDistributions") },
    CreateInvalidation: { args: { method: "POST", url: `${dist}/E2QWRUHAPOMQZL/invalidation`, headers: cf }, want: cfOp("CreateInvalidation") },
    GetInvalidation: { args: { method: "GET", url: `${dist}/E2QWRUHAPOMQZL/invalidation/I2J0I21PCUYOIK`, headers: cf }, want: cfOp("GetInvalidation") },
    UpdateCachePolicy: { args: { method: "PUT", url: "/2020-05-31/cache-policy/658327ea/config", headers: cf }, want: cfOp("UpdateCachePolicy") },
    ListTagsForResource: {
      args: { method: "GET", url: "/2020-05-31/tagging?Resource=arn%3Aaws%3Acloudfront%3A%3A123%3Adistribution%2FE2", headers: cf },
      want: cfOp("ListTagsForResource"),
    },
    TagResource: { args: { method: "POST", url: "/2020-05-31/tagging?Operation=Tag&Resource=arn", headers: cf }, want: cfOp("TagResource") },
    UntagResource: { args: { method: "POST", url: "/2020-05-31/tagging?Operation=Untag&Resource=arn", headers: cf }, want: cfOp("UntagResource") },
    "unknown CloudFront route → method + path pattern": {
      args: { method: "POST", url: `${dist}/E2QWRUHAPOMQZL/promote-staging-config?IfMatch=x`, headers: cf },
      want: cfOp("POST /2020-05-31/distribution/{id}/promote-staging-config"),
    },
    "another REST-XML service (Route 53)": {
      args: { method: "GET", url: "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset", headers: sigv4("route53") },
      want: { service: "route53", operation: "GET /2013-04-01/hostedzone/{id}/rrset", protocol: "restXml" },
    },
  });
});

function cfOp(operation: string): Classification {
  return { service: "cloudfront", operation, protocol: "restXml" };
}

describe("classify: S3 (path style)", () => {
  const s3 = sigv4("s3");
  const s3Op = (operation: string): Classification => ({ service: "s3", operation, protocol: "restXml" });
  table({
    "x-id names the operation": { args: { method: "PUT", url: "/bucket/a/b.txt?x-id=PutObject", headers: s3 }, want: s3Op("PutObject") },
    ListBuckets: { args: { method: "GET", url: "/", headers: s3 }, want: s3Op("ListBuckets") },
    CreateBucket: { args: { method: "PUT", url: "/bucket", headers: s3 }, want: s3Op("CreateBucket") },
    ListObjectsV2: { args: { method: "GET", url: "/bucket?list-type=2&prefix=a", headers: s3 }, want: s3Op("ListObjectsV2") },
    PutBucketTagging: { args: { method: "PUT", url: "/bucket?tagging", headers: s3 }, want: s3Op("PutBucketTagging") },
    DeleteObjects: { args: { method: "POST", url: "/bucket?delete", headers: s3 }, want: s3Op("DeleteObjects") },
    GetObject: { args: { method: "GET", url: "/bucket/key", headers: s3 }, want: s3Op("GetObject") },
    CopyObject: { args: { method: "PUT", url: "/bucket/copy", headers: { ...s3, "x-amz-copy-source": "bucket/key" } }, want: s3Op("CopyObject") },
    UploadPart: { args: { method: "PUT", url: "/bucket/key?partNumber=1&uploadId=abc", headers: s3 }, want: s3Op("UploadPart") },
    "SigV4a scope (no region)": {
      args: {
        method: "HEAD",
        url: "/bucket/key",
        headers: { authorization: "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20261121/s3/aws4_request, SignedHeaders=host, Signature=3045" },
      },
      want: s3Op("HeadObject"),
    },
    "presigned URL (credential in the query)": {
      args: {
        method: "GET",
        url: "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab",
      },
      want: s3Op("GetObject"),
    },
  });
});

describe("classify: AWS JSON", () => {
  table({
    "DynamoDB GetItem": {
      args: {
        method: "POST",
        url: "/",
        headers: { ...sigv4("dynamodb"), "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem" },
        body: '{"TableName":"t","Key":{"pk":{"S":"a"}}}',
      },
      want: { service: "dynamodb", operation: "GetItem", protocol: "awsJson" },
    },
    "unsigned call: service from the target prefix": {
      args: { method: "POST", url: "/", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityService.GetId" }, body: "{}" },
      want: { service: "AWSCognitoIdentityService", operation: "GetId", protocol: "awsJson" },
    },
  });
});

describe("classify: Google REST", () => {
  const sql = (operation: string): Classification => ({ service: "sqladmin", operation, protocol: "googleJson" });
  const compute = (operation: string): Classification => ({ service: "compute", operation, protocol: "googleJson" });
  const google = { authorization: "Bearer ya29.fake", "content-type": "application/json", "x-goog-api-client": "gl-node/24.21.0 gdcl/8.0.0" };
  const g = "/compute/v1/projects/my-proj/global";
  table({
    "sqladmin v1 instances.insert": { args: { method: "POST", url: "/v1/projects/my-proj/instances", headers: google, body: "{}" }, want: sql("instances.insert") },
    "sqladmin v1 instances.get": { args: { method: "GET", url: "/v1/projects/my-proj/instances/db-1", headers: google }, want: sql("instances.get") },
    "sqladmin v1 instances.list": { args: { method: "GET", url: "/v1/projects/my-proj/instances?maxResults=10", headers: google }, want: sql("instances.list") },
    "sqladmin instances.patch": { args: { method: "PATCH", url: "/sql/v1beta4/projects/my-proj/instances/db-1", headers: google }, want: sql("instances.patch") },
    "sqladmin instances.update": { args: { method: "PUT", url: "/sql/v1beta4/projects/my-proj/instances/db-1", headers: google }, want: sql("instances.update") },
    "sqladmin instances.delete": { args: { method: "DELETE", url: "/v1/projects/my-proj/instances/db-1", headers: google }, want: sql("instances.delete") },
    "sqladmin custom verb": { args: { method: "POST", url: "/v1/projects/my-proj/instances/db-1/restart", headers: google }, want: sql("instances.restart") },
    "sqladmin sub-collection": { args: { method: "POST", url: "/v1/projects/my-proj/instances/db-1/databases", headers: google }, want: sql("databases.insert") },
    "sqladmin sub-collection item": { args: { method: "DELETE", url: "/v1/projects/p/instances/db-1/databases/app", headers: google }, want: sql("databases.delete") },
    "sqladmin operations.get": { args: { method: "GET", url: "/sql/v1beta4/projects/my-proj/operations/6b2c-op", headers: google }, want: sql("operations.get") },
    "sqladmin flags.list": { args: { method: "GET", url: "/sql/v1beta4/flags", headers: google }, want: sql("flags.list") },
    "compute backendServices.insert": { args: { method: "POST", url: `${g}/backendServices`, headers: google }, want: compute("backendServices.insert") },
    "compute backendServices.get": { args: { method: "GET", url: `${g}/backendServices/be-1`, headers: google }, want: compute("backendServices.get") },
    "compute urlMaps.list": { args: { method: "GET", url: `${g}/urlMaps?alt=json`, headers: google }, want: compute("urlMaps.list") },
    "compute urlMaps.patch": { args: { method: "PATCH", url: `${g}/urlMaps/um-1`, headers: google }, want: compute("urlMaps.patch") },
    "compute urlMaps.update": { args: { method: "PUT", url: `${g}/urlMaps/um-1`, headers: google }, want: compute("urlMaps.update") },
    "compute urlMaps.delete": { args: { method: "DELETE", url: `${g}/urlMaps/um-1`, headers: google }, want: compute("urlMaps.delete") },
    "compute custom verb": { args: { method: "POST", url: `${g}/targetHttpProxies/thp-1/setUrlMap`, headers: google }, want: compute("targetHttpProxies.setUrlMap") },
    "compute globalOperations.get": { args: { method: "GET", url: `${g}/operations/operation-1700-abc`, headers: google }, want: compute("globalOperations.get") },
    "compute globalOperations.wait": { args: { method: "POST", url: `${g}/operations/operation-1/wait`, headers: google }, want: compute("globalOperations.wait") },
    "compute globalAddresses.insert": { args: { method: "POST", url: `${g}/addresses`, headers: google }, want: compute("globalAddresses.insert") },
    "compute globalForwardingRules.get": { args: { method: "GET", url: `${g}/forwardingRules/fr-1`, headers: google }, want: compute("globalForwardingRules.get") },
    "compute regionOperations.get": {
      args: { method: "GET", url: "/compute/v1/projects/p/regions/us-central1/operations/op-1", headers: google },
      want: compute("regionOperations.get"),
    },
    "compute regional addresses keep their name": {
      args: { method: "POST", url: "/compute/v1/projects/p/regions/us-central1/addresses", headers: google },
      want: compute("addresses.insert"),
    },
    "compute regionBackendServices.get": {
      args: { method: "GET", url: "/compute/v1/projects/p/regions/us-central1/backendServices/be", headers: google },
      want: compute("regionBackendServices.get"),
    },
    "compute zoneOperations.get": { args: { method: "GET", url: "/compute/v1/projects/p/zones/us-central1-a/operations/op", headers: google }, want: compute("zoneOperations.get") },
    "compute zonal instances.insert": { args: { method: "POST", url: "/compute/v1/projects/p/zones/us-central1-a/instances", headers: google }, want: compute("instances.insert") },
    "compute aggregated list": { args: { method: "GET", url: "/compute/v1/projects/p/aggregated/addresses", headers: google }, want: compute("addresses.aggregatedList") },
    "compute projects.get": { args: { method: "GET", url: "/compute/v1/projects/p", headers: google }, want: compute("projects.get") },
  });
});

describe("classify: anything else", () => {
  table({
    "plain GET": { args: { method: "GET", url: "/healthz?x=1" }, want: { service: "unknown", operation: "GET /healthz", protocol: "unknown" } },
    "another Google API under /v1/projects": {
      args: { method: "GET", url: "/v1/projects/p/topics/t", headers: { authorization: "Bearer x" } },
      want: { service: "unknown", operation: "GET /v1/projects/p/topics/t", protocol: "unknown" },
    },
    "form body without Action": {
      args: { method: "POST", url: "/login", headers: FORM, body: "user=a&pass=b" },
      want: { service: "unknown", operation: "POST /login", protocol: "unknown" },
    },
    "malformed credential scope is ignored": {
      args: { method: "GET", url: "/x", headers: { authorization: "AWS4-HMAC-SHA256 Credential=garbage, Signature=x" } },
      want: { service: "unknown", operation: "GET /x", protocol: "unknown" },
    },
  });
});
