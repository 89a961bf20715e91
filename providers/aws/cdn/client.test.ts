import { describe, expect, it } from "vitest";
import { ProviderError } from "../../../core/errors.ts";
import type { Managed } from "../../../core/provider.ts";
import { toProviderError } from "../errors.ts";
import { MESSAGES, callerReference, readinessOf } from "./client.ts";
import { reclassify } from "./errors.ts";

const mr = (extra: { deleting?: boolean; pending?: boolean } = {}): Managed => ({
  apiVersion: "aws.terraplane.dev/v1alpha1",
  kind: "CDN",
  metadata: { name: "site", namespace: "web", uid: "0000-1111", ...(extra.deleting ? { deletionTimestamp: new Date(0) } : {}) },
  spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
  ...(extra.pending ? { status: { pendingOperation: { id: "E1", action: "delete", startedAt: "2025-01-01T00:00:00.000Z" } } } : {}),
});

const dist = (status: string, enabled: boolean) => ({ Id: "E1", ARN: "arn:aws:cloudfront::1:distribution/E1", Status: status, DistributionConfig: { CallerReference: "r", Comment: "", Enabled: enabled, Origins: undefined, DefaultCacheBehavior: undefined } });

describe("readinessOf", () => {
  const cases: Record<string, { reason: string; deleting?: boolean; pending?: boolean; status: string; enabled: boolean; want: Record<string, unknown> }> = {
    deployed: { reason: "Deployed is Available", status: "Deployed", enabled: true, want: { ready: "Available" } },
    inProgress: { reason: "InProgress is Creating, with a stable message", status: "InProgress", enabled: true, want: { ready: "Creating", message: MESSAGES.deploying } },
    "deleting, still enabled": { reason: "the core calls delete (which disables) and announces it", deleting: true, status: "Deployed", enabled: true, want: { ready: "Available" } },
    "deleting, disabled, deploying": {
      reason: "a pending delete under the distribution's id: the core waits, and keeps its start time while the id stays",
      deleting: true,
      pending: true,
      status: "InProgress",
      enabled: false,
      want: { ready: "Deleting", message: MESSAGES.disabling, pendingOperation: { id: "E1", action: "delete" } },
    },
    "deleting, disabled, deployed": { reason: "no pending operation: the core calls delete, which deletes", deleting: true, pending: true, status: "Deployed", enabled: false, want: { ready: "Deleting", message: MESSAGES.deleting } },
    "deleting, disabled by the user all along": { reason: "delete is called at once", deleting: true, status: "Deployed", enabled: false, want: { ready: "Available" } },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      expect(readinessOf(mr({ ...(c.deleting ? { deleting: true } : {}), ...(c.pending ? { pending: true } : {}) }), dist(c.status, c.enabled))).toEqual(c.want);
    });
  }
});

describe("callerReference", () => {
  it("is derived from the uid, so every retry of one object's create sends the same one", () => {
    expect(callerReference(mr())).toBe("terraplane-0000-1111");
    expect(callerReference(mr())).toBe(callerReference(mr()));
  });
});

describe("CloudFront error classification", () => {
  const sdkError = (name: string, status: number): Error => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
  const cases: Record<string, { reason: string; name: string; status: number; want: string }> = {
    NoSuchOrigin: { reason: "a 404 for a referenced origin is the spec's fault, not a missing distribution", name: "NoSuchOrigin", status: 404, want: "InvalidParameter" },
    NoSuchCachePolicy: { reason: "same for a missing cache policy", name: "NoSuchCachePolicy", status: 404, want: "InvalidParameter" },
    InvalidTTLOrder: { reason: "never succeeds as written", name: "InvalidTTLOrder", status: 400, want: "InvalidParameter" },
    NoSuchDistribution: { reason: "the shared table's NotFound is kept", name: "NoSuchDistribution", status: 404, want: "NotFound" },
    InvalidArgument: { reason: "the shared table's InvalidParameter is kept", name: "InvalidArgument", status: 400, want: "InvalidParameter" },
    PreconditionFailed: { reason: "a stale ETag: retry later", name: "PreconditionFailed", status: 412, want: "Conflict" },
    Throttling: { reason: "throttling stays Throttled", name: "Throttling", status: 400, want: "Throttled" },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      const err = reclassify(toProviderError("cloudfront:CreateDistribution", sdkError(c.name, c.status)));
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.errorClass).toBe(c.want);
      expect(err.code).toBe(c.name);
    });
  }

  it("access denied names the IAM actions", () => {
    const err = reclassify(toProviderError("cloudfront:CreateDistribution and cloudfront:TagResource", sdkError("AccessDenied", 403)));
    expect(err.errorClass).toBe("AccessDenied");
    expect(err.message).toMatch(/^access denied for cloudfront:CreateDistribution and cloudfront:TagResource: /);
  });
});
