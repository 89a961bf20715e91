import { createHash } from "node:crypto";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, NodeHttpHandlerOptions } from "@smithy/types";
import { z } from "zod";
import { ProviderError } from "../../core/errors.ts";
import type { ConnectContext, Connector, ExternalClient, Managed } from "../../core/provider.ts";
import { observeSettings } from "../shared/batch-observe.ts";
import type { ObserveSettings } from "../shared/batch-observe.ts";
import { AwsProviderConfigSpec } from "./provider-config.ts";

/** What every AWS SDK client of one account, region and endpoint is built from. */
export interface AwsClientConfig {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly endpoint?: string;
  /** One retry layer: the SDK's standard strategy retries throttling and transient errors; the core backs off on the rest. */
  readonly retryMode: "standard";
  readonly maxAttempts: number;
  /** The backstop under the reconcile's signal: no request can hang past these, even one sent without a signal. */
  readonly requestHandler: NodeHttpHandlerOptions;
}

/** Every resource's forProvider may name its region; the ProviderConfig's is the default. */
export interface Regional {
  readonly region?: string | undefined;
}

/**
 * Per-request limits for every SDK client. requestTimeout only warns unless throwOnRequestTimeout
 * is set; with it the request fails as a TimeoutError (Transient) the SDK may retry.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const satisfies NodeHttpHandlerOptions;

/**
 * One account + region + credentials: hands out SDK clients, cached so their connection pools and
 * retry budgets (which live in the client) are shared by every resource that uses them.
 */
export class AwsSession {
  readonly config: AwsClientConfig;
  readonly observe: ObserveSettings;
  readonly #clients = new Map<unknown, unknown>();

  constructor(config: AwsClientConfig, observe: ObserveSettings = { batch: true }) {
    this.config = config;
    this.observe = observe;
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

/** Builds one reconcile's external client on the cached session; `ctx.signal` goes to every SDK call it makes. */
export type MakeClient<F, A> = (session: AwsSession, mr: Managed<F, A>, ctx: ConnectContext) => ExternalClient<F, A> | Promise<ExternalClient<F, A>>;

/**
 * The AWS Connector: resolves the resource's ProviderConfig and credentials into a cached session
 * (never one per reconcile), then builds the kind's external client on it. Sessions are keyed by
 * account, region and credentials, never by object, so nothing here outlives a deleted object.
 */
export function awsConnector<F extends Regional, A>(makeClient: MakeClient<F, A>): Connector<F, A> {
  const sessions = new Map<string, AwsSession>();
  return {
    async connect(mr, ctx) {
      const resolved = await resolveConfig(mr, mr.spec.forProvider.region, ctx);
      let session = sessions.get(resolved.key);
      if (!session) {
        if (sessions.size >= MAX_SESSIONS) sessions.clear();
        session = new AwsSession(resolved.config, resolved.observe);
        sessions.set(resolved.key, session);
      }
      return makeClient(session, mr, ctx);
    },
  };
}

async function resolveConfig(mr: Managed, forProviderRegion: string | undefined, ctx: ConnectContext): Promise<{ key: string; config: AwsClientConfig; observe: ObserveSettings }> {
  const pc = await ctx.providerConfig(mr);
  const parsed = AwsProviderConfigSpec.safeParse(pc.spec);
  const pcName = `${mr.spec.providerConfigRef.kind} "${mr.spec.providerConfigRef.name}"`;
  if (!parsed.success) throw new ProviderError("Configuration", `${pcName} is invalid: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  const region = forProviderRegion ?? spec.region;
  if (!region) throw new ProviderError("Configuration", `no region: set spec.forProvider.region or spec.region in ${pcName}`);

  const observe = observeSettings(spec);
  const identity: string[] = [pc.metadata?.uid ?? "", region, spec.endpoint ?? "", spec.assumeRoleArn ?? "", spec.externalId ?? "", JSON.stringify(observe)];
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
    observe,
    config: { region, credentials, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}), retryMode: "standard", maxAttempts: SDK_MAX_ATTEMPTS, requestHandler: SDK_TIMEOUTS },
  };
}
