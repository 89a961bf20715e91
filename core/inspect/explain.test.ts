import { describe, expect, it } from "vitest";
import type { ManagedObject } from "./discover.ts";
import { renderExplanation } from "./explain.ts";
import type { Explanation } from "./explain.ts";

const KIND = { group: "aws.terraplane.dev", version: "v1alpha1", kind: "Database", plural: "databases", names: ["database"] };

function explanation(status: ManagedObject["status"], rootCause?: string): Explanation {
  return {
    kind: KIND,
    object: { apiVersion: "aws.terraplane.dev/v1alpha1", kind: "Database", metadata: { name: "orders", namespace: "shop" }, status },
    rootCause,
    events: [],
    providerConfig: { kind: "ClusterProviderConfig", name: "default", found: true, secrets: [] },
    connectionSecret: undefined,
  };
}

const cond = (type: string, status: "True" | "False" | "Unknown", reason: string, message?: string): { type: string; status: "True" | "False" | "Unknown"; reason: string; message?: string } => ({
  type,
  status,
  reason,
  ...(message ? { message } : {}),
});

describe("renderExplanation", () => {
  const cases: Record<string, { status: ManagedObject["status"]; rootCause?: string; headline: string; drift?: string }> = {
    "ready and in step": {
      status: { conditions: [cond("Ready", "True", "Available"), cond("Synced", "True", "ReconcileSuccess")] },
      headline: "Ready: the cloud resource exists and matches the spec.",
    },
    "ready, but an Observe-only import differs from its spec": {
      status: {
        conditions: [cond("Ready", "True", "Available"), cond("Synced", "True", "ReconcileSuccess", "differs from spec (allocatedStorage); managementPolicies do not allow updates")],
        drift: { fields: [{ path: "allocatedStorage", desired: "20", observed: "50" }], detectedAt: "2026-11-21T10:00:00Z" },
      },
      headline: "Ready, but not in step with the spec: differs from spec (allocatedStorage); managementPolicies do not allow updates",
      drift: "  2026-11-21T10:00:00Z (not corrected yet): allocatedStorage 50 → 20",
    },
    "ready, but the last sync failed": {
      status: { conditions: [cond("Ready", "True", "Available"), cond("Synced", "False", "ReconcileError", "cannot update the cloud resource: throttled")] },
      headline: "Ready, but not synced: cannot update the cloud resource: throttled",
    },
    "not ready: the root cause comes first": {
      status: { conditions: [cond("Ready", "False", "Creating")] },
      rootCause: "the RDS instance is creating",
      headline: "Not ready because: the RDS instance is creating",
    },
    "a corrected drift stays as the last drift": {
      status: {
        conditions: [cond("Ready", "True", "Available"), cond("Synced", "True", "ReconcileSuccess")],
        drift: { fields: [{ path: "multiAZ", desired: "false", observed: "true" }], detectedAt: "2026-11-21T10:00:00Z", corrected: true, resolvedAt: "2026-11-21T10:01:00Z" },
      },
      headline: "Ready: the cloud resource exists and matches the spec.",
      drift: "  2026-11-21T10:00:00Z (corrected; matches spec again since 2026-11-21T10:01:00Z): multiAZ true → false",
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const lines = renderExplanation(explanation(c.status, c.rootCause)).split("\n");
      expect(lines[1]).toBe(c.headline);
      const drift = lines[lines.indexOf("Last drift:") + 1];
      expect(drift).toBe(c.drift ?? "  none");
    });
  }
});
