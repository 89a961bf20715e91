import { createHash } from "node:crypto";
import { CoreV1Api, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import { ProviderError } from "../errors.ts";
import type { ConnectionDetails, Managed } from "../provider.ts";
import { isNotFound } from "./errors.ts";
import { FIELD_MANAGER } from "./managed-client.ts";

export interface ConnectionPublisher {
  /** Merges the details into the resource's connection Secret when they change it; a no-op without writeConnectionSecretToRef. */
  publish(mr: Managed, details: ConnectionDetails): Promise<void>;
  /** Drops what is remembered about one object's Secret (the object is gone). */
  forget(uid: string): void;
  /** How many objects' Secrets are remembered (for tests and leak checks). */
  readonly size: number;
}

/** How often a published Secret is read back by default, so one deleted or edited behind Terraplane's back is restored. */
export const VERIFY_EVERY_MS = 60_000;

export interface ConnectionPublisherOptions {
  /** Read a published Secret back at most this often (default VERIFY_EVERY_MS). */
  readonly verifyEveryMs?: number;
  readonly now?: () => number;
}

interface Published {
  readonly secretName: string;
  readonly digest: string;
  readonly data: Readonly<Record<string, string>>;
  verifiedAt: number;
}

/**
 * Publishes connection details with server-side apply to a Secret owned by the managed resource (so
 * the garbage collector removes it with the resource). Details merge into what the Secret holds:
 * a value known only once (a generated password returned by create) survives later observations
 * that cannot see it. A digest of what was last written avoids a write, and most reads: the Secret
 * is read back at most every verifyEveryMs (a GET, since the controller may not list or watch
 * Secrets), and rewritten from what this process published when it was deleted or changed.
 */
export class KubeConnectionPublisher implements ConnectionPublisher {
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  readonly #now: () => number;
  readonly #verifyEveryMs: number;
  readonly #published = new Map<string, Published>();

  constructor(kc: KubeConfig, options: ConnectionPublisherOptions = {}) {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#now = options.now ?? Date.now;
    this.#verifyEveryMs = options.verifyEveryMs ?? VERIFY_EVERY_MS;
  }

  async publish(mr: Managed, details: ConnectionDetails): Promise<void> {
    const ref = mr.spec.writeConnectionSecretToRef;
    if (!ref || Object.keys(details).length === 0) return;
    const uid = mr.metadata.uid ?? "";
    const cached = this.#published.get(uid);
    const known = cached?.secretName === ref.name ? cached : undefined;
    const due = known === undefined || this.#now() - known.verifiedAt >= this.#verifyEveryMs;
    const found = due ? await this.#read(mr.metadata.namespace, ref.name) : undefined;
    const owner = otherOwner(mr, found?.controller);
    if (owner !== undefined) {
      throw new ProviderError("Configuration", `Secret "${ref.name}" is the connection Secret of ${owner.kind} "${owner.name}": choose another spec.writeConnectionSecretToRef.name`);
    }
    const inCluster = found?.data;
    const merged = { ...inCluster, ...known?.data, ...details };
    const digest = hashDetails(merged);
    if (known?.digest === digest && (inCluster === undefined || hashDetails(inCluster) === digest)) {
      if (due) known.verifiedAt = this.#now();
      return;
    }
    await this.#objects.patch(secretFor(mr, ref.name, merged), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    this.#published.set(uid, { secretName: ref.name, digest, data: merged, verifiedAt: this.#now() });
  }

  forget(uid: string): void {
    this.#published.delete(uid);
  }

  get size(): number {
    return this.#published.size;
  }

  /** The Secret's data and its controlling owner, if it has one; empty when it does not exist. */
  async #read(namespace: string, name: string): Promise<{ data: Record<string, string>; controller?: { kind: string; name: string; uid: string } }> {
    try {
      const secret = await this.#core.readNamespacedSecret({ name, namespace });
      const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
      const controller = secret.metadata?.ownerReferences?.find((o) => o.controller === true);
      return { data, ...(controller ? { controller: { kind: controller.kind, name: controller.name, uid: controller.uid } } : {}) };
    } catch (err) {
      if (isNotFound(err)) return { data: {} };
      throw err;
    }
  }
}

interface Owner {
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * The managed resource other than `mr` that controls the Secret, if any. Another's connection Secret
 * is never taken over: both would overwrite each other's details on every reconcile, and a password
 * known only to one of them would be lost. An owner of the same kind and name is this object's
 * deleted predecessor (its Secret not yet collected), so that one does not count.
 */
function otherOwner(mr: Managed, controller: Owner | undefined): Owner | undefined {
  if (controller === undefined || controller.uid === mr.metadata.uid) return undefined;
  return controller.kind === mr.kind && controller.name === mr.metadata.name ? undefined : controller;
}

function hashDetails(details: ConnectionDetails): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(details).sort()) hash.update(`\0${key}\0${details[key] ?? ""}`);
  return hash.digest("hex");
}

function secretFor(mr: Managed, name: string, data: Readonly<Record<string, string>>): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "connection.terraplane.dev/v1alpha1",
    metadata: {
      name,
      namespace: mr.metadata.namespace,
      labels: { "terraplane.dev/managed-by": "terraplane" },
      ownerReferences: [
        { apiVersion: mr.apiVersion ?? "", kind: mr.kind ?? "", name: mr.metadata.name, uid: mr.metadata.uid ?? "", controller: true, blockOwnerDeletion: false },
      ],
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}
