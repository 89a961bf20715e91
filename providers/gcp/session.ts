import { createHash } from "node:crypto";
import { z } from "zod";
import { ProviderError } from "../../core/errors.ts";
import type { ConnectContext, Connector, ExternalClient, Managed } from "../../core/provider.ts";
import { googleClientOptions, ServiceAccountKeySchema } from "./client-options.ts";
import type { GoogleClientOptions } from "./client-options.ts";
import { observeSettings } from "../shared/batch-observe.ts";
import type { ObserveSettings } from "../shared/batch-observe.ts";
import { withCallContext } from "../shared/call-budget.ts";
import type { BudgetScope } from "../shared/call-budget.ts";
import { gcpBudgetScope } from "./call-budget.ts";
import { GcpProviderConfigSpec } from "./provider-config.ts";

/**
 * One project + credentials + endpoint: hands out the official clients, cached so their auth
 * tokens, connection pools and retry settings are shared by every resource that uses them.
 */
export class GcpSession {
  readonly project: string;
  readonly defaultRegion: string | undefined;
  readonly options: GoogleClientOptions;
  readonly observe: ObserveSettings;
  /** The project's call-budget buckets, which `gcpCall` takes from (through the call context). */
  readonly budget: BudgetScope;
  readonly #clients = new Map<unknown, unknown>();

  constructor(project: string, defaultRegion: string | undefined, options: GoogleClientOptions, settings: { observe?: ObserveSettings; budget?: BudgetScope } = {}) {
    this.project = project;
    this.defaultRegion = defaultRegion;
    this.options = options;
    this.observe = settings.observe ?? { batch: true };
    this.budget = settings.budget ?? gcpBudgetScope(project, undefined);
  }

  client<C>(ctor: new (options: GoogleClientOptions) => C): C {
    const cached = this.#clients.get(ctor);
    if (cached instanceof ctor) return cached;
    const client = new ctor(this.options);
    this.#clients.set(ctor, client);
    return client;
  }
}

const MAX_SESSIONS = 256;

/**
 * Builds one reconcile's client for a kind on a cached session. It receives the typed object and the
 * connect context: `ctx.signal` goes to every SDK call the client makes, secrets are read through `ctx`.
 */
export type MakeClient<F, A> = (session: GcpSession, mr: Managed<F, A>, ctx: ConnectContext) => ExternalClient<F, A> | Promise<ExternalClient<F, A>>;

export interface GcpConnectorOptions {
  /** Frees what the kind keeps per object (operation and password ledgers) once the object is deleted. */
  readonly forget?: (uid: string) => void;
}

/** The GCP Connector: resolves the ProviderConfig and credentials into a cached session, then builds the kind's client on it. */
export function gcpConnector<F, A>(makeClient: MakeClient<F, A>, options: GcpConnectorOptions = {}): Connector<F, A> {
  const sessions = new Map<string, GcpSession>();
  return {
    async connect(mr, ctx) {
      const { key, project, region, options: clientOptions, observe, budget } = await resolveConfig(mr, ctx);
      let session = sessions.get(key);
      if (!session) {
        if (sessions.size >= MAX_SESSIONS) sessions.clear();
        session = new GcpSession(project, region, clientOptions, { observe, budget });
        sessions.set(key, session);
      }
      // Each contract call runs in a call context carrying its priority, signal and the project's buckets, which gcpCall reads.
      return withCallContext(await makeClient(session, mr, ctx), session.budget);
    },
    ...(options.forget ? { forget: options.forget } : {}),
  };
}

async function resolveConfig(
  mr: Managed,
  ctx: ConnectContext,
): Promise<{ key: string; project: string; region: string | undefined; options: GoogleClientOptions; observe: ObserveSettings; budget: BudgetScope }> {
  const pc = await ctx.providerConfig(mr);
  const pcName = `${mr.spec.providerConfigRef.kind} "${mr.spec.providerConfigRef.name}"`;
  const parsed = GcpProviderConfigSpec.safeParse(pc.spec);
  if (!parsed.success) throw new ProviderError("Configuration", `${pcName} is invalid: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  const observe = observeSettings(spec);
  const identity = [pc.metadata?.uid ?? "", spec.project, spec.endpoint ?? "", JSON.stringify(observe), JSON.stringify(spec.callBudget ?? {})];
  let credentials: z.infer<typeof ServiceAccountKeySchema> | undefined;
  if (spec.credentials.source === "Secret") {
    const ref = spec.credentials.secretRef;
    const namespace = ref?.namespace ?? pc.metadata?.namespace;
    if (!ref || !namespace) throw new ProviderError("Configuration", `${pcName}: credentials.secretRef needs a namespace`);
    const raw = await ctx.secretValue({ namespace, name: ref.name, key: ref.key });
    const key = ServiceAccountKeySchema.safeParse(safeJson(raw));
    // Never echo the key: only say which Secret is malformed.
    if (!key.success) throw new ProviderError("Configuration", `Secret "${ref.name}" key "${ref.key}" in namespace "${namespace}" is not a service-account JSON key`);
    credentials = key.data;
    identity.push(createHash("sha256").update(raw).digest("hex"));
  }
  // Like AWS_ENDPOINT_URL for the AWS SDK: an endpoint for every Google API from the controller's
  // environment (the sandbox sets it), unless the ProviderConfig names one itself.
  const endpoint = spec.endpoint ?? process.env.TERRAPLANE_GCP_ENDPOINT;
  identity.push(endpoint ?? "");
  const options = googleClientOptions({ ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) });
  return { key: identity.join("\0"), project: spec.project, region: spec.region, options, observe, budget: gcpBudgetScope(spec.project, spec.callBudget) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
