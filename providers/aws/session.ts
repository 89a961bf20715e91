import { createHash } from "node:crypto";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { z } from "zod";
import { ProviderError } from "../../core/errors.ts";
import type { ConnectContext, Connector, ExternalClient, Managed } from "../../core/provider.ts";
import { AwsProviderConfigSpec } from "./provider-config.ts";

/** What every AWS SDK client of one account, region and endpoint is built from. */
export interface AwsClientConfig {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly endpoint?: string;
  /** One retry layer: the SDK's standard strategy retries throttling and transient errors; the core backs off on the rest. */
  readonly retryMode: "standard";
  readonly maxAttempts: number;
}

/**
 * One account + region + credentials: hands out SDK clients, cached so their connection pools and
 * retry budgets (which live in the client) are shared by every resource that uses them.
 */
export class AwsSession {
  readonly config: AwsClientConfig;
  readonly #clients = new Map<unknown, unknown>();

  constructor(config: AwsClientConfig) {
    this.config = config;
  }

  client<C>(ctor: new (config: AwsClientConfig) => C): C {
    const cached = this.#clients.get(ctor);
    if (cached instanceof ctor) return cached;
    const client = new ctor(this.config);
    this.#clients.set(ctor, client);
    return client;
  }
}

const MAX_SESSIONS = 256;
const SDK_MAX_ATTEMPTS = 5;
const Forprovider = z.object({ region: z.string().optional() }).loose();

/**
 * The AWS Connector: resolves the resource's ProviderConfig and credentials into a cached session
 * (never one per reconcile), then builds the kind's external client on it.
 */
export function awsConnector<F, A>(makeClient: (session: AwsSession, mr: Managed<F, A>) => ExternalClient<F, A>): Connector<F, A> {
  const sessions = new Map<string, AwsSession>();
  return {
    async connect(mr, ctx) {
      const resolved = await resolveConfig(mr, ctx);
      let session = sessions.get(resolved.key);
      if (!session) {
        if (sessions.size >= MAX_SESSIONS) sessions.clear();
        session = new AwsSession(resolved.config);
        sessions.set(resolved.key, session);
      }
      return makeClient(session, mr);
    },
  };
}

async function resolveConfig(mr: Managed, ctx: ConnectContext): Promise<{ key: string; config: AwsClientConfig }> {
  const pc = await ctx.providerConfig(mr);
  const parsed = AwsProviderConfigSpec.safeParse(pc.spec);
  const pcName = `${mr.spec.providerConfigRef.kind} "${mr.spec.providerConfigRef.name}"`;
  if (!parsed.success) throw new ProviderError("Configuration", `${pcName} is invalid: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  const region = Forprovider.parse(mr.spec.forProvider).region ?? spec.region;
  if (!region) throw new ProviderError("Configuration", `no region: set spec.forProvider.region or spec.region in ${pcName}`);

  const identity: string[] = [pc.metadata?.uid ?? "", region, spec.endpoint ?? "", spec.assumeRoleArn ?? "", spec.externalId ?? ""];
  let base: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  if (spec.credentials.source === "Secret") {
    const ref = spec.credentials.secretRef;
    const namespace = ref?.namespace ?? pc.metadata?.namespace;
    if (!ref || !namespace) throw new ProviderError("Configuration", `${pcName}: credentials.secretRef needs a namespace`);
    const read = (key: string): Promise<string> => ctx.secretValue({ namespace, name: ref.name, key });
    const [accessKeyId, secretAccessKey] = await Promise.all([read("accessKeyId"), read("secretAccessKey")]);
    const sessionToken = await read("sessionToken").catch(() => undefined);
    base = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    // Rotated keys must give a new session; the key holds a digest, never the secret itself.
    identity.push(createHash("sha256").update(`${accessKeyId}\0${secretAccessKey}\0${sessionToken ?? ""}`).digest("hex"));
  } else {
    base = fromNodeProviderChain();
  }
  const credentials = spec.assumeRoleArn
    ? fromTemporaryCredentials({
        masterCredentials: base,
        params: { RoleArn: spec.assumeRoleArn, RoleSessionName: "terraplane", ...(spec.externalId ? { ExternalId: spec.externalId } : {}) },
        clientConfig: { region, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}) },
      })
    : base;
  return {
    key: identity.join("\0"),
    config: { region, credentials, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}), retryMode: "standard", maxAttempts: SDK_MAX_ATTEMPTS },
  };
}
