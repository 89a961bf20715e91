import { ApiException } from "@kubernetes/client-node";
import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { widen, widened } from "./adopt.ts";
import type { PolicyWriter } from "./adopt.ts";

// adopt's one write: conditional on the resourceVersion it planned. The controller writes status
// (conditions, lastSyncTime) from time to time, so a conflict is usually a status write alone: retried on the
// new version while the spec (generation) and the import-dropped annotation are unchanged; any other
// change since the plan is refused, never adopted blind.

const conflict = (): ApiException<string> => new ApiException(409, "Conflict", "the object has been modified", {});

/** An API server holding one object: every write with a stale resourceVersion is a conflict. */
class FakeServer implements PolicyWriter {
  readonly patches: { resourceVersion: string | undefined; spec: unknown }[] = [];
  object: KubernetesObject & { metadata: { resourceVersion: string; generation: number; annotations?: Record<string, string> } };

  constructor(resourceVersion: string, generation = 1) {
    this.object = { apiVersion: "gcp.terraplane.dev/v1alpha1", kind: "LoadBalancer", metadata: { name: "web", namespace: "shop", resourceVersion, generation } };
  }

  async patch(spec: KubernetesObject & { spec: unknown }): Promise<unknown> {
    this.patches.push({ resourceVersion: spec.metadata?.resourceVersion, spec: spec.spec });
    if (spec.metadata?.resourceVersion !== this.object.metadata.resourceVersion) throw conflict();
    return this.object;
  }

  async read(): Promise<unknown> {
    return structuredClone(this.object);
  }
}

const planned = (server: FakeServer): KubernetesObject => ({ ...server.object, metadata: { ...server.object.metadata, resourceVersion: "10" } });

describe("adopt's policy write", () => {
  it("writes once, on the version planned, when nothing changed", async () => {
    const server = new FakeServer("10");
    await widen({ objects: server, want: widened(false) }, planned(server));
    expect(server.patches).toEqual([{ resourceVersion: "10", spec: { managementPolicies: ["Observe", "Create", "Update", "LateInitialize"], deletionPolicy: "Orphan" } }]);
  });

  it("retries on the new version after a status write (same generation)", async () => {
    const server = new FakeServer("10");
    const plannedObject = planned(server);
    server.object.metadata.resourceVersion = "11"; // lastSyncTime stamped by the controller
    await widen({ objects: server, want: widened(true) }, plannedObject);
    expect(server.patches.map((p) => p.resourceVersion)).toEqual(["10", "11"]);
  });

  it("refuses when the spec changed since the plan (a new generation)", async () => {
    const server = new FakeServer("10");
    const plannedObject = planned(server);
    Object.assign(server.object.metadata, { resourceVersion: "12", generation: 2 });
    await expect(widen({ objects: server, want: widened(false) }, plannedObject)).rejects.toMatchObject({ code: 409 });
    expect(server.patches.map((p) => p.resourceVersion)).toEqual(["10"]);
  });

  it("refuses when an import-dropped annotation appeared since the plan", async () => {
    const server = new FakeServer("10");
    const plannedObject = planned(server);
    Object.assign(server.object.metadata, { resourceVersion: "13", annotations: { "terraplane.dev/import-dropped": "google_compute_url_map.web.path_matcher" } });
    await expect(widen({ objects: server, want: widened(false) }, plannedObject)).rejects.toMatchObject({ code: 409 });
  });

  it("gives up after a few conflicts in a row", async () => {
    const server = new FakeServer("11");
    server.read = async (): Promise<unknown> => {
      server.object.metadata.resourceVersion = String(Number(server.object.metadata.resourceVersion) + 1);
      return { ...structuredClone(server.object), metadata: { ...server.object.metadata, resourceVersion: "stale" } };
    };
    await expect(widen({ objects: server, want: widened(false) }, planned(server))).rejects.toMatchObject({ code: 409 });
    expect(server.patches).toHaveLength(5);
  });
});
