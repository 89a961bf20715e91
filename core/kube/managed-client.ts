import { CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Parsed, RawObject } from "../parse.ts";
import type { Managed } from "../provider.ts";
import type { SelfWrites } from "./self-writes.ts";

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

/** An object's metadata as the API server returned it after a write. */
export type WrittenMetadata = Managed["metadata"];

/**
 * The writes the reconciler makes to a managed resource. Metadata and spec go through merge patches;
 * with `precondition` the patch carries the resourceVersion the reconciler read, so it fails with a
 * 409 Conflict instead of acting on a stale view. Status goes through the status subresource.
 */
export interface ManagedWriter<F = unknown, A = unknown> {
  /** Returns the metadata as written (a metadata patch changes nothing else the reconciler holds). */
  patchMetadata(mr: Managed, patch: MetadataPatch, opts: { precondition: boolean }): Promise<WrittenMetadata>;
  /**
   * Merges fields into spec.forProvider (and `annotations` into the metadata, in the same write),
   * conditional on the resourceVersion read, and returns the object re-parsed by its kind's schema.
   */
  patchForProvider(mr: Managed<F, A>, fields: Readonly<Record<string, unknown>>, annotations?: Readonly<Record<string, string>>): Promise<Managed<F, A>>;
  /** A JSON merge patch of `.status`: `null` removes a field. */
  patchStatus(mr: Managed, status: Readonly<Record<string, unknown>>): Promise<void>;
}

export class KubeManagedWriter<F = unknown, A = unknown> implements ManagedWriter<F, A> {
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #type: ResourceType;
  readonly #parse: (obj: RawObject) => Parsed<F, A>;
  readonly #selfWrites: SelfWrites | undefined;

  /** `selfWrites` learns each version this writer produced that the reconciler carries on from. */
  constructor(kc: KubeConfig, type: ResourceType, parse: (obj: RawObject) => Parsed<F, A>, selfWrites?: SelfWrites) {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#type = type;
    this.#parse = parse;
    this.#selfWrites = selfWrites;
  }

  async patchMetadata(mr: Managed, patch: MetadataPatch, opts: { precondition: boolean }): Promise<WrittenMetadata> {
    const metadata = {
      name: mr.metadata.name,
      namespace: mr.metadata.namespace,
      ...(opts.precondition ? { resourceVersion: mr.metadata.resourceVersion } : {}),
      ...(patch.annotations ? { annotations: { ...patch.annotations } } : {}),
      ...(patch.finalizers ? { finalizers: [...patch.finalizers] } : {}),
    };
    const written = await this.#tracked(mr, () => this.#patch({ ...this.#header(), metadata }), (w) => sameGeneration(mr, w.metadata));
    return { ...written.metadata, name: mr.metadata.name, namespace: mr.metadata.namespace };
  }

  async patchForProvider(mr: Managed<F, A>, fields: Readonly<Record<string, unknown>>, annotations?: Readonly<Record<string, string>>): Promise<Managed<F, A>> {
    const metadata = {
      name: mr.metadata.name,
      namespace: mr.metadata.namespace,
      resourceVersion: mr.metadata.resourceVersion,
      ...(annotations ? { annotations: { ...annotations } } : {}),
    };
    // The reconciler carries on from the object returned, new generation and all: the write is ours.
    const written = await this.#tracked(mr, () => this.#patch({ ...this.#header(), metadata, spec: { forProvider: fields } }), (w) => w.metadata?.resourceVersion);
    const parsed = this.#parse(written);
    // Late initialisation writes values the cloud reported; one the schema refuses is a provider bug.
    if (!parsed.ok) throw new Error(`${this.#type.kind} ${mr.metadata.namespace}/${mr.metadata.name}: the spec written by late initialisation is invalid: ${parsed.problems}`);
    return parsed.managed;
  }

  async patchStatus(mr: Managed, status: Readonly<Record<string, unknown>>): Promise<void> {
    const write = (): Promise<unknown> => this.#custom.patchNamespacedCustomObjectStatus(
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
    await this.#tracked(mr, write, (w) => sameGeneration(mr, metadataOf(w)));
  }

  /** One write, told to the informer's SelfWrites (when there is one) as it starts and ends. */
  #tracked<T>(mr: Managed, run: () => Promise<T>, ours: (written: T) => string | undefined): Promise<T> {
    return this.#selfWrites ? this.#selfWrites.write(objectKey(mr), run, ours) : run();
  }

  #header(): { apiVersion: string; kind: string } {
    return { apiVersion: `${this.#type.group}/${this.#type.version}`, kind: this.#type.kind };
  }

  async #patch<T extends KubernetesObject>(body: T): Promise<KubernetesObject> {
    return this.#objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
  }
}

/**
 * A metadata or status write's version, when the generation is the one the reconciler read: otherwise
 * someone changed the spec in between, and that change must wake the object (undefined: not ours).
 */
function sameGeneration(mr: Managed, written: KubernetesObject["metadata"]): string | undefined {
  return written?.generation === mr.metadata.generation ? written?.resourceVersion : undefined;
}

/** The informer's key for an object: `namespace/name`. */
export function objectKey(obj: { readonly metadata?: { readonly namespace?: string | undefined; readonly name?: string | undefined } | undefined }): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

function metadataOf(value: unknown): KubernetesObject["metadata"] {
  if (typeof value !== "object" || value === null || !("metadata" in value)) return undefined;
  const metadata = value.metadata;
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const resourceVersion = "resourceVersion" in metadata && typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : undefined;
  const generation = "generation" in metadata && typeof metadata.generation === "number" ? metadata.generation : undefined;
  return { ...(resourceVersion !== undefined ? { resourceVersion } : {}), ...(generation !== undefined ? { generation } : {}) };
}
