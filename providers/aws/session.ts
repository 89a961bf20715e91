import { createHash } from "node:crypto";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, NodeHttpHandlerOptions } from "@smithy/types";
import { z } from "zod";
import { ProviderError } from "../../core/errors.ts";
import type { ConnectContext, Connector, ExternalClient, Managed } from "../../core/provider.ts";
import { observeSettings } from "../shared/batch-observe.ts";
import type { ObserveSettings } from "../shared/batch-observe.ts";
import { budgetLimits, withCallContext } from "../shared/call-budget.ts";
import type { BudgetLimits } from "../shared/call-budget.ts";
import { AWS_CALL_BUDGET_DEFAULTS, CALL_BUDGET_MIDDLEWARE, callBudgetMiddleware } from "./call-budget.ts";
import type { AwsBudgetScope, AwsService } from "./call-budget.ts";
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
export class AwsSession implements AwsBudgetScope {
  readonly config: AwsClientConfig;
  readonly observe: ObserveSettings;
  readonly limits: BudgetLimits<AwsService>;
  readonly #clients = new Map<unknown, unknown>();
  readonly #accountHint: string | undefined;
  #account: Promise<string> | undefined;

  constructor(config: AwsClientConfig, observe: ObserveSettings = { batch: true }, budget: SessionBudget = {}) {
    this.config = config;
    this.observe = observe;
    this.limits = budget.limits ?? budgetLimits(AWS_CALL_BUDGET_DEFAULTS, undefined);
    this.#accountHint = budget.account;
  }

  get region(): string {
    return this.config.region;
  }

  /** A cached SDK client, with the call budget's middleware in its stack. */
  client<C extends BudgetedClient>(ctor: new (config: AwsClientConfig) => C): C {
    const cached = this.#clients.get(ctor);
    if (cached instanceof ctor) return cached;
    const client = new ctor(this.config);
    client.middlewareStack.addRelativeTo(callBudgetMiddleware(this), CALL_BUDGET_MIDDLEWARE);
    this.#clients.set(ctor, client);
    return client;
  }

  /**
   * The account the budget is kept for: from the assumed role's ARN, else asked of STS once per
   * session. Should STS not answer, the session's own identity stands in, so calls still go (under a
   * budget of this session's own) rather than fail on a lookup that only sizes the budget.
   */
  account(): Promise<string> {
    this.#account ??= this.#accountHint !== undefined ? Promise.resolve(this.#accountHint) : callerAccount(this.config);
    return this.#account;
  }
}

/** What a session's calls are budgeted by. */
export interface SessionBudget {
  readonly limits?: BudgetLimits<AwsService>;
  /** The account when known without asking (an assumed role's ARN names it). */
  readonly account?: string;
}

/** What the session needs of an SDK client to put the budget's middleware in its stack. */
interface BudgetedClient {
  readonly middlewareStack: { addRelativeTo(middleware: ReturnType<typeof callBudgetMiddleware>, options: typeof CALL_BUDGET_MIDDLEWARE): void };
}

/** How long the one account lookup of a session may take before the stand-in is used. */
const ACCOUNT_LOOKUP_MS = 5_000;

async function callerAccount(config: AwsClientConfig): Promise<string> {
  const sts = new STSClient({ ...config, maxAttempts: 2 });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(ACCOUNT_LOOKUP_MS) });
    if (out.Account) return out.Account;
  } catch {
    // Falls through to the stand-in below: the lookup only names the budget's bucket.
  } finally {
    sts.destroy();
  }
  return `unresolved-${createHash("sha256").update(`${config.region}\0${config.endpoint ?? ""}`).digest("hex").slice(0, 8)}`;
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
        session = new AwsSession(resolved.config, resolved.observe, resolved.budget);
        sessions.set(resolved.key, session);
      }
      // Each contract call runs in a call context the budget's middleware reads (priority, signal).
      return withCallContext(await makeClient(session, mr, ctx));
    },
  };
}

interface ResolvedConfig {
  readonly key: string;
  readonly config: AwsClientConfig;
  readonly observe: ObserveSettings;
  readonly budget: SessionBudget;
}

async function resolveConfig(mr: Managed, forProviderRegion: string | undefined, ctx: ConnectContext): Promise<ResolvedConfig> {
  const pc = await ctx.providerConfig(mr);
  const parsed = AwsProviderConfigSpec.safeParse(pc.spec);
  const pcName = `${mr.spec.providerConfigRef.kind} "${mr.spec.providerConfigRef.name}"`;
  if (!parsed.success) throw new ProviderError("Configuration", `${pcName} is invalid: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  const region = forProviderRegion ?? spec.region;
  if (!region) throw new ProviderError("Configuration", `no region: set spec.forProvider.region or spec.region in ${pcName}`);

  const observe = observeSettings(spec);
  const identity: string[] = [pc.metadata?.uid ?? "", region, spec.endpoint ?? "", spec.assumeRoleArn ?? "", spec.externalId ?? "", JSON.stringify(observe), JSON.stringify(spec.callBudget ?? {})];
  const budget = sessionBudget(spec);
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
    budget,
    config: { region, credentials, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}), retryMode: "standard", maxAttempts: SDK_MAX_ATTEMPTS, requestHandler: SDK_TIMEOUTS },
  };
}

/** The session's budget from its ProviderConfig: the limits, and the account when an assumed role's ARN names it. */
function sessionBudget(spec: AwsProviderConfigSpec): SessionBudget {
  const roleAccount = spec.assumeRoleArn?.split(":")[4];
  return { limits: budgetLimits(AWS_CALL_BUDGET_DEFAULTS, spec.callBudget), ...(roleAccount ? { account: roleAccount } : {}) };
}
