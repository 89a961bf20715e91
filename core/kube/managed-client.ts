import { CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Managed } from "../provider.ts";

export const FIELD_MANAGER = "terraplane";

/** Which resource type an object is, for building API paths. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
}

export interface MetadataPatch {
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
}

/**
 * The writes the reconciler makes to a managed resource. Metadata and spec go through merge patches;
 * with `precondition` the patch carries the resourceVersion the reconciler read, so it fails with a
 * 409 Conflict instead of acting on a stale view. Status goes through the status subresource.
 */
export interface ManagedWriter {
  patchMetadata(mr: Managed, patch: MetadataPatch, opts: { precondition: boolean }): Promise<Managed>;
  patchForProvider(mr: Managed, fields: Readonly<Record<string, unknown>>): Promise<Managed>;
  /** A JSON merge patch of `.status`: `null` removes a field. */
  patchStatus(mr: Managed, status: Readonly<Record<string, unknown>>): Promise<void>;
}

export class KubeManagedWriter implements ManagedWriter {
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #type: ResourceType;
  readonly #parse: (obj: unknown) => Managed;

  constructor(kc: KubeConfig, type: ResourceType, parse: (obj: unknown) => Managed) {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#type = type;
    this.#parse = parse;
  }

  async patchMetadata(mr: Managed, patch: MetadataPatch, opts: { precondition: boolean }): Promise<Managed> {
    const metadata = {
      name: mr.metadata.name,
      namespace: mr.metadata.namespace,
      ...(opts.precondition ? { resourceVersion: mr.metadata.resourceVersion } : {}),
      ...(patch.annotations ? { annotations: { ...patch.annotations } } : {}),
      ...(patch.finalizers ? { finalizers: [...patch.finalizers] } : {}),
    };
    return this.#patch({ ...this.#header(), metadata });
  }

  async patchForProvider(mr: Managed, fields: Readonly<Record<string, unknown>>): Promise<Managed> {
    const metadata = { name: mr.metadata.name, namespace: mr.metadata.namespace, resourceVersion: mr.metadata.resourceVersion };
    return this.#patch({ ...this.#header(), metadata, spec: { forProvider: fields } });
  }

  async patchStatus(mr: Managed, status: Readonly<Record<string, unknown>>): Promise<void> {
    await this.#custom.patchNamespacedCustomObjectStatus(
      {
        group: this.#type.group,
        version: this.#type.version,
        namespace: mr.metadata.namespace,
        plural: this.#type.plural,
        name: mr.metadata.name,
        body: { status },
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  #header(): { apiVersion: string; kind: string } {
    return { apiVersion: `${this.#type.group}/${this.#type.version}`, kind: this.#type.kind };
  }

  async #patch<T extends KubernetesObject>(body: T): Promise<Managed> {
    const result = await this.#objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    return this.#parse(result);
  }
}
