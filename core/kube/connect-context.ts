import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { ProviderError } from "../errors.ts";
import type { ConnectContext, Managed } from "../provider.ts";
import { isNotFound, kubeMessage } from "./errors.ts";

/** Reads are cached briefly: thousands of resources share a handful of configs and secrets. */
const TTL_MS = 10_000;

interface Entry<T> {
  readonly value: Promise<T>;
  readonly at: number;
}

/**
 * Resolves a managed resource's ProviderConfig / ClusterProviderConfig (in the provider's own API
 * group) and the Secrets it references. Failures are Configuration errors whose message says what is
 * missing and how to fix it; a secret's value never appears in any message.
 */
export class KubeConnectResolver {
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  readonly #group: string;
  readonly #version: string;
  readonly #cache = new Map<string, Entry<unknown>>();

  constructor(kc: KubeConfig, providerGroup: string, version = "v1alpha1") {
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#group = providerGroup;
    this.#version = version;
  }

  context(signal: AbortSignal): ConnectContext {
    return {
      providerConfig: (mr) => this.providerConfig(mr),
      secretValue: (ref) => this.secretValue(ref),
      signal,
    };
  }

  providerConfig(mr: Managed): Promise<KubernetesObject & { spec?: unknown }> {
    const { kind, name } = mr.spec.providerConfigRef;
    const namespaced = kind === "ProviderConfig";
    const where = namespaced ? `${kind} "${name}" in namespace "${mr.metadata.namespace}"` : `${kind} "${name}"`;
    const key = `pc/${kind}/${namespaced ? mr.metadata.namespace : ""}/${name}`;
    return this.#cached(key, async () => {
      try {
        return await this.#objects.read<KubernetesObject & { spec?: unknown }>({
          apiVersion: `${this.#group}/${this.#version}`,
          kind,
          metadata: { name, ...(namespaced ? { namespace: mr.metadata.namespace } : {}) },
        });
      } catch (err) {
        if (isNotFound(err)) {
          throw new ProviderError("Configuration", `${where} (${this.#group}) not found: create it, or point spec.providerConfigRef at an existing one`, { code: "ProviderConfigNotFound" });
        }
        throw new ProviderError("Transient", `cannot read ${where}: ${kubeMessage(err)}`, { cause: err });
      }
    });
  }

  secretValue(ref: { namespace: string; name: string; key: string }): Promise<string> {
    return this.#cached(`secret/${ref.namespace}/${ref.name}/${ref.key}`, async () => {
      let data: Record<string, string> | undefined;
      try {
        data = (await this.#core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace })).data;
      } catch (err) {
        if (isNotFound(err)) {
          throw new ProviderError("Configuration", `Secret "${ref.name}" in namespace "${ref.namespace}" not found`, { code: "SecretNotFound" });
        }
        throw new ProviderError("Transient", `cannot read Secret "${ref.name}" in namespace "${ref.namespace}": ${kubeMessage(err)}`, { cause: err });
      }
      const encoded = data?.[ref.key];
      if (encoded === undefined) {
        throw new ProviderError("Configuration", `Secret "${ref.name}" in namespace "${ref.namespace}" has no key "${ref.key}"`, { code: "SecretKeyNotFound" });
      }
      return Buffer.from(encoded, "base64").toString("utf8");
    });
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { value, at: Date.now() });
    // A failure is not cached: the next reconcile reads again.
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}
