import { generateKeyPairSync } from "node:crypto";
import {
  BackendBucketsClient,
  BackendServicesClient,
  GlobalAddressesClient,
  GlobalForwardingRulesClient,
  GlobalOperationsClient,
  HealthChecksClient,
  SslCertificatesClient,
  TargetHttpProxiesClient,
  TargetHttpsProxiesClient,
  UrlMapsClient,
} from "@google-cloud/compute";
import { v1 as sql } from "@google-cloud/sql";
import { JWT } from "google-auth-library";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { EMULATOR_ACCESS_TOKEN, googleClientOptions, isReadMethod, RETRIED_METHODS } from "./client-options.ts";

// gRPC status codes (google-gax Status).
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

// What a constructed client resolved its per-method settings to (a private field of the generated
// clients, read here only to prove the overrides landed).
const Defaults = z.record(z.string(), z.object({ retry: z.object({ retryCodes: z.array(z.number()) }).nullable() }));

const CLIENTS: Readonly<Record<string, new (opts: ReturnType<typeof googleClientOptions>) => object>> = {
  "google.cloud.sql.v1.SqlInstancesService": sql.SqlInstancesServiceClient,
  "google.cloud.sql.v1.SqlOperationsService": sql.SqlOperationsServiceClient,
  "google.cloud.sql.v1.SqlUsersService": sql.SqlUsersServiceClient,
  "google.cloud.sql.v1.SqlDatabasesService": sql.SqlDatabasesServiceClient,
  "google.cloud.compute.v1.HealthChecks": HealthChecksClient,
  "google.cloud.compute.v1.BackendServices": BackendServicesClient,
  "google.cloud.compute.v1.BackendBuckets": BackendBucketsClient,
  "google.cloud.compute.v1.UrlMaps": UrlMapsClient,
  "google.cloud.compute.v1.TargetHttpProxies": TargetHttpProxiesClient,
  "google.cloud.compute.v1.TargetHttpsProxies": TargetHttpsProxiesClient,
  "google.cloud.compute.v1.SslCertificates": SslCertificatesClient,
  "google.cloud.compute.v1.GlobalAddresses": GlobalAddressesClient,
  "google.cloud.compute.v1.GlobalForwardingRules": GlobalForwardingRulesClient,
  "google.cloud.compute.v1.GlobalOperations": GlobalOperationsClient,
};

function lowerCamel(method: string): string {
  return method[0]?.toLowerCase() + method.slice(1);
}

describe("googleClientOptions", () => {
  // The first compute client parses the 12 MB compute descriptors: seconds, not a test's budget.
  beforeAll(() => {
    new HealthChecksClient(googleClientOptions({ endpoint: "http://127.0.0.1:1" }));
  }, 60_000);

  it("points a client at an http emulator with REST and a token that needs no token endpoint", async () => {
    const opts = googleClientOptions({ endpoint: "http://127.0.0.1:4567" });
    expect(opts).toMatchObject({ apiEndpoint: "127.0.0.1", port: 4567, protocol: "http", fallback: true });
    const auth = opts.authClient;
    if (auth === undefined || !("getRequestHeaders" in auth)) throw new Error("no auth client");
    const headers = await auth.getRequestHeaders();
    expect(headers.get("authorization")).toBe(`Bearer ${EMULATOR_ACCESS_TOKEN}`);
  });

  it("uses Google's endpoint and Application Default Credentials by default", () => {
    const opts = googleClientOptions();
    expect(opts.apiEndpoint).toBeUndefined();
    expect(opts.authClient).toBeUndefined();
    expect(opts.credentials).toBeUndefined();
  });

  it("passes a service-account key through and keeps https endpoints on real auth", () => {
    const opts = googleClientOptions({
      endpoint: "https://sqladmin.example.internal",
      credentials: { type: "service_account", project_id: "p", client_email: "sa@p.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----" },
    });
    expect(opts).toMatchObject({ apiEndpoint: "sqladmin.example.internal", port: 443, protocol: "https", projectId: "p" });
    expect(opts.credentials).toBeUndefined();
    expect(opts.authClient).toBeInstanceOf(JWT);
  });

  it("signs a self-signed JWT from a service-account key, calling no token endpoint", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const opts = googleClientOptions({ credentials: { client_email: "sa@p.iam.gserviceaccount.com", private_key: privateKey } });
    if (!(opts.authClient instanceof JWT)) throw new Error("expected a JWT auth client");
    const headers = await opts.authClient.getRequestHeaders("https://sqladmin.googleapis.com/v1/projects/p/instances");
    const token = headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    const claims: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    expect(claims).toMatchObject({ iss: "sa@p.iam.gserviceaccount.com", scope: "https://www.googleapis.com/auth/cloud-platform" });
  });

  it("refuses an endpoint that is not an http(s) URL", () => {
    expect(() => googleClientOptions({ endpoint: "127.0.0.1:80" })).toThrow(/http\(s\) URL/);
  });

  for (const [iface, Client] of Object.entries(CLIENTS)) {
    it(`${iface}: every method retries throttling, reads also retry UNAVAILABLE`, () => {
      const client = new Client(googleClientOptions({ endpoint: "http://127.0.0.1:1" }));
      const defaults = Defaults.parse(Reflect.get(client, "_defaults"));
      const listed = (RETRIED_METHODS[iface] ?? []).map(lowerCamel).sort();
      // A method the installed client has but the list lacks would silently go without retries.
      expect(Object.keys(defaults).sort()).toEqual(listed);
      for (const method of RETRIED_METHODS[iface] ?? []) {
        const codes = defaults[lowerCamel(method)]?.retry?.retryCodes ?? [];
        expect(codes, method).toContain(RESOURCE_EXHAUSTED);
        expect(codes.includes(UNAVAILABLE), method).toBe(isReadMethod(method));
      }
    });
  }

  it("leaves the clients' own retries alone when asked", () => {
    const client = new sql.SqlInstancesServiceClient(googleClientOptions({ endpoint: "http://127.0.0.1:1", retry: false }));
    const defaults = Defaults.parse(Reflect.get(client, "_defaults"));
    expect(defaults.get?.retry?.retryCodes ?? []).not.toContain(RESOURCE_EXHAUSTED);
  });
});
