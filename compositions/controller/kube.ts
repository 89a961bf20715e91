import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { CustomResourceDefinition } from "../../core/crd/generate.ts";
import { isNotFound } from "../../core/kube/errors.ts";
import { serverSideApply } from "../../core/kube/raw-apply.ts";
import type { ResourceType } from "../../core/kube/managed-client.ts";

// Every write the composition layer makes to the API server, in one place (and one field manager),
// so the RBAC it needs can be read off this file: server-side apply of composed resources, abstract
// CRDs and the instance's connection Secret; merge patches of finalizers and status; deletes of
// composed resources.

export const COMPOSE_FIELD_MANAGER = "terraplane-compose";

/** An object's identity, enough to read, patch or delete it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** Called after every successful write: the kind written and how (apply, patch, status, delete). */
export type WriteHook = (kind: string, verb: "apply" | "patch" | "status" | "delete") => void;

export class ComposeClient {
  readonly #kc: KubeConfig;
  readonly #onWrite: WriteHook;
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #crds: ApiextensionsV1Api;

  constructor(kc: KubeConfig, onWrite: WriteHook = () => undefined) {
    this.#kc = kc;
    this.#onWrite = onWrite;
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#crds = kc.makeApiClient(ApiextensionsV1Api);
  }

  /** Server-side apply with the composition layer's field manager (force: it owns what it writes). */
  async apply(manifest: Readonly<Record<string, unknown>>): Promise<void> {
    const body: KubernetesObject = { ...manifest };
    await this.#objects.patch(body, undefined, undefined, COMPOSE_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    this.#onWrite(String(manifest.kind), "apply");
  }

  /** Deletes an object; true when it was already gone. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.#objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
      this.#onWrite(ref.kind, "delete");
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  /** The object as the API server has it now, or undefined when it does not exist. */
  async read(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await this.#objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A JSON merge patch of metadata and/or spec (with resourceVersion in metadata it is conditional). */
  async mergePatch(ref: ObjectRef, patch: Readonly<Record<string, unknown>>): Promise<void> {
    const metadata = { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(isObject(patch.metadata) ? patch.metadata : {}) };
    await this.#objects.patch({ apiVersion: ref.apiVersion, kind: ref.kind, ...patch, metadata }, undefined, undefined, COMPOSE_FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    this.#onWrite(ref.kind, "patch");
  }

  /** A JSON merge patch of the status subresource (`null` removes a field). */
  async patchStatus(type: ResourceType, ref: { name: string; namespace?: string }, status: Readonly<Record<string, unknown>>): Promise<void> {
    const common = { group: type.group, version: type.version, plural: type.plural, name: ref.name, body: { status }, fieldManager: COMPOSE_FIELD_MANAGER };
    const options = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    if (ref.namespace) await this.#custom.patchNamespacedCustomObjectStatus({ ...common, namespace: ref.namespace }, options);
    else await this.#custom.patchClusterCustomObjectStatus(common, options);
    this.#onWrite(type.kind, "status");
  }

  /** A Secret's data, decoded; undefined when it does not exist. */
  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.#core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The CRD as served (annotations and Established), or undefined. */
  async readCrd(name: string): Promise<{ annotations: Record<string, string>; established: boolean } | undefined> {
    try {
      const crd = await this.#crds.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
      return { annotations: crd.metadata?.annotations ?? {}, established };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Server-side apply of a CRD exactly as generated (the typed serializer would drop schema keys). */
  async applyCrd(crd: CustomResourceDefinition, annotations: Readonly<Record<string, string>>): Promise<void> {
    const body = { ...crd, metadata: { ...crd.metadata, annotations } };
    await serverSideApply(this.#kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, body, COMPOSE_FIELD_MANAGER);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
