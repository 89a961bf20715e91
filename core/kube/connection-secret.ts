import { createHash } from "node:crypto";
import { CoreV1Api, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import type { ConnectionDetails, Managed } from "../provider.ts";
import { isNotFound } from "./errors.ts";
import { FIELD_MANAGER } from "./managed-client.ts";

export interface ConnectionPublisher {
  /** Merges the details into the resource's connection Secret when they change it; a no-op without writeConnectionSecretToRef. */
  publish(mr: Managed, details: ConnectionDetails): Promise<void>;
}

/**
 * Publishes connection details with server-side apply to a Secret owned by the managed resource (so
 * the garbage collector removes it with the resource). Details merge into what the Secret holds:
 * a value known only once (a generated password returned by create) survives later observations
 * that cannot see it. A digest of what was last written avoids a write, and a read, on every poll.
 */
export class KubeConnectionPublisher implements ConnectionPublisher {
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  readonly #published = new Map<string, { digest: string; data: Record<string, string> }>();

  constructor(kc: KubeConfig) {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  async publish(mr: Managed, details: ConnectionDetails): Promise<void> {
    const ref = mr.spec.writeConnectionSecretToRef;
    if (!ref || Object.keys(details).length === 0) return;
    const uid = mr.metadata.uid ?? "";
    const known = this.#published.get(uid);
    const current = known && known.digest.startsWith(`${ref.name}\0`) ? known.data : await this.#read(mr.metadata.namespace, ref.name);
    const merged = { ...current, ...details };
    const digest = `${ref.name}\0${hashDetails(merged)}`;
    if (known?.digest === digest) return;

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
      data: Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    };
    await this.#objects.patch(secret, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    this.#published.set(uid, { digest, data: merged });
  }

  async #read(namespace: string, name: string): Promise<Record<string, string>> {
    try {
      const secret = await this.#core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  }
}

function hashDetails(details: ConnectionDetails): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(details).sort()) hash.update(`\0${key}\0${details[key] ?? ""}`);
  return hash.digest("hex");
}
