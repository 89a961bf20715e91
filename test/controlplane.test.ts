import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CoordinationV1Api, CustomObjectsApi, Watch } from "@kubernetes/client-node";
import { kubeConfig, kubectl, kubectlOk, testNamespace, waitEstablished } from "./harness/kube.ts";
import { uniqueName } from "./harness/names.ts";

// The local control plane must be a real Kubernetes API server: these are the features the
// reconciler relies on, proven with kubectl and @kubernetes/client-node.

const group = `${uniqueName("cp")}.test.terraplane.dev`;
const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer }
                maxSize: { type: integer }
              x-kubernetes-validations:
                - rule: "!has(self.maxSize) || self.size <= self.maxSize"
                  message: "size must not exceed maxSize; raise maxSize first"
            status:
              type: object
              properties:
                phase: { type: string }
`;

const widget = (ns: string, name: string, size: number, maxSize: number): string => `
apiVersion: ${group}/v1alpha1
kind: Widget
metadata: { name: ${name}, namespace: ${ns} }
spec: { size: ${size}, maxSize: ${maxSize} }
`;

describe("local control plane", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    ns = await testNamespace("cp");
    await kubectlOk(["apply", "-f", "-"], crd);
    await waitEstablished(`widgets.${group}`);
  });

  afterAll(async () => {
    await ns.cleanup();
    await kubectl(["delete", "crd", `widgets.${group}`, "--wait=false"]);
  });

  it("rejects an object that breaks a CEL rule, with the rule's message, and accepts a valid one", async () => {
    const bad = await kubectl(["apply", "-f", "-"], widget(ns.name, "too-big", 10, 5));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("size must not exceed maxSize; raise maxSize first");

    const good = await kubectl(["apply", "-f", "-"], widget(ns.name, "fits", 3, 5));
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("created");
  });

  it("serves the status subresource, finalizers and deletionTimestamp", async () => {
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const ref = { group, version: "v1alpha1", namespace: ns.name, plural: "widgets" };
    await kubectlOk(["apply", "-f", "-"], widget(ns.name, "fin", 1, 2));
    await kubectlOk(["patch", `widgets.${group}/fin`, "-n", ns.name, "--type=merge", "-p", '{"metadata":{"finalizers":["test.terraplane.dev/hold"]}}']);
    await kubectlOk(["patch", `widgets.${group}/fin`, "-n", ns.name, "--subresource=status", "--type=merge", "-p", '{"status":{"phase":"Ready"}}']);
    await kubectlOk(["delete", `widgets.${group}/fin`, "-n", ns.name, "--wait=false"]);

    const held = z
      .object({ status: z.object({ phase: z.string() }), metadata: z.object({ deletionTimestamp: z.string().optional() }) })
      .parse(await api.getNamespacedCustomObject({ ...ref, name: "fin" }));
    expect(held.status.phase).toBe("Ready");
    expect(held.metadata.deletionTimestamp).toBeTruthy();

    await kubectlOk(["patch", `widgets.${group}/fin`, "-n", ns.name, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const gone = await kubectl(["get", `widgets.${group}/fin`, "-n", ns.name]);
    expect(gone.stderr).toContain("NotFound");
  });

  it("applies server-side and streams watch events with bookmarks", async () => {
    const kc = kubeConfig();
    const events: string[] = [];
    const watch = new Watch(kc);
    const req = await watch.watch(
      `/apis/${group}/v1alpha1/namespaces/${ns.name}/widgets`,
      { allowWatchBookmarks: true },
      (type) => events.push(type),
      () => undefined,
    );
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], widget(ns.name, "ssa", 1, 2));
    await expect.poll(() => events, { timeout: 10_000 }).toContain("ADDED");
    req.abort();
  });

  it("serves Leases (leader election) and enforces RBAC on a ServiceAccount token", async () => {
    const leases = kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({
      namespace: ns.name,
      body: { metadata: { name: "leader" }, spec: { holderIdentity: "me", leaseDurationSeconds: 15 } },
    });
    expect(lease.spec?.holderIdentity).toBe("me");

    await kubectlOk(["create", "serviceaccount", "nobody", "-n", ns.name]);
    const token = (await kubectlOk(["create", "token", "nobody", "-n", ns.name])).trim();
    const denied = await kubectl(["--token", token, "get", "secrets", "-n", ns.name]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("Forbidden");
  });
});
