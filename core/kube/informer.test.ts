import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { reconcileFingerprint, trimForCache } from "./informer.ts";

function applied(): KubernetesObject {
  return {
    apiVersion: "aws.terraplane.dev/v1alpha1",
    kind: "Database",
    metadata: {
      name: "orders",
      namespace: "shop",
      generation: 3,
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"spec":{}}', "terraplane.dev/external-name": "orders-db" },
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }],
    },
  };
}

describe("trimForCache", () => {
  it("drops managedFields and kubectl's last-applied copy, keeping every annotation the controller reads", () => {
    const obj = applied();
    trimForCache(obj);
    expect(obj.metadata?.managedFields).toBeUndefined();
    expect(obj.metadata?.annotations).toEqual({ "terraplane.dev/external-name": "orders-db" });
    expect(obj.metadata?.generation).toBe(3);
  });

  it("leaves an object without metadata or annotations as it was", () => {
    const bare: KubernetesObject = { apiVersion: "v1", kind: "ConfigMap" };
    trimForCache(bare);
    expect(bare).toEqual({ apiVersion: "v1", kind: "ConfigMap" });
    const plain: KubernetesObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    trimForCache(plain);
    expect(plain).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
  });

  it("does not change what wakes a reconcile besides the dropped annotation", () => {
    const before = applied();
    const after = applied();
    trimForCache(after);
    delete before.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"];
    expect(reconcileFingerprint(after)).toBe(reconcileFingerprint(before));
  });
});
