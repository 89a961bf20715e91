import { createHash } from "node:crypto";
import { KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import type { ConnectionDetails, Managed } from "../provider.ts";
import { FIELD_MANAGER } from "./managed-client.ts";

export interface ConnectionPublisher {
  /** Writes the details to the resource's connection Secret when they changed; a no-op without writeConnectionSecretToRef. */
  publish(mr: Managed, details: ConnectionDetails): Promise<void>;
}

/**
 * Publishes connection details with server-side apply to a Secret owned by the managed resource (so
 * the garbage collector removes it with the resource). A hash of what was last written avoids a
 * write on every poll; after a restart the first apply is a no-op on the server.
 */
export class KubeConnectionPublisher implements ConnectionPublisher {
  readonly #objects: KubernetesObjectApi;
  readonly #published = new Map<string, string>();

  constructor(kc: KubeConfig) {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
  }

  async publish(mr: Managed, details: ConnectionDetails): Promise<void> {
    const ref = mr.spec.writeConnectionSecretToRef;
    if (!ref || Object.keys(details).length === 0) return;
    const uid = mr.metadata.uid ?? "";
    const digest = hashDetails(ref.name, details);
    if (this.#published.get(uid) === digest) return;

    const secret: V1Secret = {
      apiVersion: "v1",
      kind: "Secret",
      type: "connection.terraplane.dev/v1alpha1",
      metadata: {
        name: ref.name,
        namespace: mr.metadata.namespace,
        labels: { "terraplane.dev/managed-by": "terraplane" },
        ownerReferences: [
          { apiVersion: mr.apiVersion ?? "", kind: mr.kind ?? "", name: mr.metadata.name, uid, controller: true, blockOwnerDeletion: false },
        ],
      },
      data: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    };
    await this.#objects.patch(secret, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    this.#published.set(uid, digest);
  }
}

function hashDetails(name: string, details: ConnectionDetails): string {
  const hash = createHash("sha256").update(name);
  for (const key of Object.keys(details).sort()) hash.update(`\0${key}\0${details[key] ?? ""}`);
  return hash.digest("hex");
}
