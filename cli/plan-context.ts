import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import { KubeConnectResolver } from "../core/kube/connect-context.ts";
import type { ConnectContext, Managed } from "../core/provider.ts";
import type { FileObject } from "./plan-files.ts";

// The ConnectContext of `terraplane plan`: the ProviderConfig and Secrets are read with the
// operator's kubeconfig, exactly as the controller reads them, except that ones given with -f (not
// applied yet) are taken from the files first.

const SecretDoc = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
  data: z.record(z.string(), z.string()).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
});

export class PlanConnectContexts {
  readonly #kc: KubeConfig;
  readonly #files: readonly FileObject[];
  readonly #defaultNamespace: string;
  readonly #resolvers = new Map<string, KubeConnectResolver>();

  constructor(kc: KubeConfig, files: readonly FileObject[], defaultNamespace: string) {
    this.#kc = kc;
    this.#files = files;
    this.#defaultNamespace = defaultNamespace;
  }

  /** The context for one managed object of `group`'s provider, under `signal`. */
  context(group: string, signal: AbortSignal): ConnectContext {
    const resolver = this.#resolver(group);
    return {
      providerConfig: async (mr) => this.#fileProviderConfig(group, mr) ?? resolver.providerConfig(mr),
      secretValue: async (ref) => this.#fileSecret(ref) ?? resolver.secretValue(ref),
      signal,
    };
  }

  #resolver(group: string): KubeConnectResolver {
    let resolver = this.#resolvers.get(group);
    if (!resolver) {
      resolver = new KubeConnectResolver(this.#kc, group);
      this.#resolvers.set(group, resolver);
    }
    return resolver;
  }

  #fileProviderConfig(group: string, mr: Managed): (KubernetesObject & { spec?: unknown }) | undefined {
    const { kind, name } = mr.spec.providerConfigRef;
    return this.#files.find(({ raw }) => {
      if (raw.kind !== kind || raw.metadata?.name !== name || !raw.apiVersion?.startsWith(`${group}/`)) return false;
      return kind === "ClusterProviderConfig" || (raw.metadata.namespace ?? this.#defaultNamespace) === mr.metadata.namespace;
    })?.raw;
  }

  #fileSecret(ref: { namespace: string; name: string; key: string }): string | undefined {
    for (const { raw } of this.#files) {
      if (raw.kind !== "Secret") continue;
      const secret = SecretDoc.safeParse(raw);
      if (!secret.success || secret.data.metadata.name !== ref.name || (secret.data.metadata.namespace ?? this.#defaultNamespace) !== ref.namespace) continue;
      const plain = secret.data.stringData?.[ref.key];
      if (plain !== undefined) return plain;
      const encoded = secret.data.data?.[ref.key];
      if (encoded !== undefined) return Buffer.from(encoded, "base64").toString("utf8");
    }
    return undefined;
  }
}
