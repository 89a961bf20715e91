import type { CallOptions, CreateResult, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, OperationRef, Readiness, UpdateResult } from "../../../core/provider.ts";
import type { BackendService, ComputeApi, HealthCheck } from "../compute/api.ts";
import { anyManagedExists, assertOwned, chainDiff, chainReadiness, deleteNext, ensureNext, mayDelete, part, partStatus, readChain, stepResult, topExists } from "../compute/chain.ts";
import type { Observed, Part, Step } from "../compute/chain.ts";
import { frontendParts } from "../compute/frontend.ts";
import type { PollRead } from "../compute/listed-api.ts";
import type { FrontendSpec as ComputeFrontendSpec } from "../compute/frontend.ts";
import { namesOf } from "../compute/names.ts";
import type { ChainNames } from "../compute/names.ts";
import { checkPending } from "../compute/operations.ts";
import type { OperationLedger, PendingCheck } from "../compute/operations.ts";
import {
  backendServiceBody,
  backendServiceDiff,
  healthCheckBody,
  healthCheckDiff,
  lateInitBackendService,
  lateInitHealthCheck,
  urlMapOf,
} from "./normalize.ts";
import type { BackendServiceContext } from "./normalize.ts";
import { KIND } from "./schema.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

// The LoadBalancer's ExternalClient. Its resources form one chain (compute/chain.ts), each part
// naming what it references: backend services → health check; URL map → backend services;
// proxy → URL map; forwarding rule → proxy and reserved address. So the waves are:
//   health check, reserved address · backend services · URL map · proxy · forwarding rule
// observe reads them all; the object "exists" once the forwarding rule (the entry point) does, so
// the first build goes through create, one wave per reconcile, and later changes through update.
// Every step's operations are recorded in status.pendingOperation and checked on the next observe.

type Mr = Managed<LoadBalancerParameters, LoadBalancerObservation>;

/** Backend-service keys recorded in status that spec no longer has: deleted once the URL map stops using them. */
function staleKeys(mr: Mr, params: LoadBalancerParameters): string[] {
  const keys = new Set(params.backendServices.map((b) => b.name));
  return (mr.status?.atProvider?.backendServices ?? []).map((b) => b.key).filter((k) => !keys.has(k));
}

export function frontendOf(params: LoadBalancerParameters, urlMap: ComputeFrontendSpec["urlMap"]): ComputeFrontendSpec {
  const f = params.frontend;
  const address: ComputeFrontendSpec["address"] =
    f.address.mode === "Existing" ? { mode: "Existing", address: f.address.name ?? "" } : { mode: f.address.mode, ipVersion: f.address.ipVersion };
  return {
    urlMap,
    proxy: { protocol: f.protocol, ...(f.sslCertificates ? { sslCertificates: f.sslCertificates } : {}) },
    address,
    forwardingRule: { loadBalancingScheme: params.loadBalancingScheme, ...(f.port !== undefined ? { port: f.port } : {}) },
  };
}

/** What the reads found of the LoadBalancer's own parts, for late initialisation. */
interface Seen {
  healthCheck?: HealthCheck;
  backendServices: Map<string, BackendService>;
}

interface Built {
  readonly parts: Part[];
  readonly stale: Part[];
  readonly seen: Seen;
}

export interface LoadBalancerClientOptions {
  readonly api: ComputeApi;
  readonly project: string;
  /** Operations this process started, per object: owned by the connector, which frees an entry when its object is deleted. */
  readonly ledger: OperationLedger;
  /** With batch observe: the api a poll's observe reads the chain through (the shared listings). */
  readonly pollApi?: ((read: PollRead) => ComputeApi) | undefined;
}

/** The result of one observe, kept for the create/update/delete of the same reconcile. */
interface Looked {
  readonly params: LoadBalancerParameters;
  readonly chain: Observed[];
  readonly stale: Observed[];
  readonly seen: Seen;
}

export class LoadBalancerClient implements ExternalClient<LoadBalancerParameters, LoadBalancerObservation> {
  readonly #o: LoadBalancerClientOptions;
  #looked: Looked | undefined;

  constructor(options: LoadBalancerClientOptions) {
    this.#o = options;
  }

  get #ledger(): OperationLedger {
    return this.#o.ledger;
  }

  #result(step: Step | undefined, mr: Mr): { pendingOperation?: OperationRef } {
    const result = stepResult(step);
    this.#ledger.record(mr.metadata.uid, result.pendingOperation);
    return result;
  }

  #build(mr: Mr, params: LoadBalancerParameters, names: ChainNames, api: ComputeApi): Built {
    const { project } = this.#o;
    const seen: Seen = { backendServices: new Map() };
    const ctx: BackendServiceContext = { project, names, scheme: params.loadBalancingScheme };
    const common = { project, owner: mr };
    const healthCheck = part<HealthCheck>({
      ...common,
      key: "healthCheck",
      type: "health check",
      collection: "healthChecks",
      name: names.healthCheck,
      dependsOn: [],
      api: api.healthChecks,
      desired: healthCheckBody(params.healthCheck),
      diff: (hc) => healthCheckDiff(params.healthCheck, hc),
      // Replaced whole (a type change must drop the old protocol block), keeping its name and description.
      fix: (hc) => api.healthChecks.update(project, names.healthCheck, { ...healthCheckBody(params.healthCheck), name: names.healthCheck, description: hc.description ?? null }),
      onRead: (hc) => {
        if (hc) seen.healthCheck = hc;
      },
    });
    const backendService = (spec: LoadBalancerParameters["backendServices"][number]): Part =>
      part<BackendService>({
        ...common,
        key: `backendServices[${spec.name}]`,
        type: "backend service",
        collection: "backendServices",
        name: names.backendService(spec.name),
        dependsOn: [healthCheck.key],
        api: api.backendServices,
        desired: backendServiceBody(ctx, spec),
        diff: (bs) => backendServiceDiff(ctx, spec, bs),
        // An update (PUT) of what was observed with the managed fields replaced, quoting its fingerprint:
        // the clients drop empty lists from a request, so a patch could never remove the last backend.
        fix: (bs) => api.backendServices.update(project, names.backendService(spec.name), { ...bs, ...backendServiceBody(ctx, spec), fingerprint: bs.fingerprint ?? null }),
        onRead: (bs) => {
          if (bs) seen.backendServices.set(spec.name, bs);
        },
      });
    const stale = staleKeys(mr, params).map((key) => backendService({ name: key, backends: [] }));
    const services = params.backendServices.map(backendService);
    const paths = { targetProxy: "frontend", forwardingRule: "frontend", address: "frontend.address" };
    const frontend = frontendParts({ api, project, owner: mr, names, routesTo: services.map((s) => s.key), paths }, frontendOf(params, urlMapOf(params, project, names)));
    return { parts: [healthCheck, ...services, ...frontend], stale, seen };
  }

  /** From the shared listings when there are some and the core allows it (a poll), else each part by itself. */
  #apiFor(opts: CallOptions | undefined): ComputeApi {
    const { pollApi } = this.#o;
    return pollApi && opts?.maxAgeMs !== undefined ? pollApi({ signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged }) : this.#o.api;
  }

  async #look(mr: Mr, opts?: CallOptions): Promise<Looked & { pending: PendingCheck }> {
    const params = mr.spec.forProvider;
    const api = this.#apiFor(opts);
    const built = this.#build(mr, params, namesOf(mr, KIND), api);
    // Operations first: one seen finished makes its part's read below a Get of its own (listed-api.ts).
    const pending = await checkPending(api, this.#o.project, mr, { ledger: this.#ledger });
    const [chain, stale] = await Promise.all([readChain(built.parts), readChain(built.stale)]);
    this.#looked = { params, chain, stale, seen: built.seen };
    return { ...this.#looked, pending };
  }

  async observe(mr: Mr, opts?: CallOptions): Promise<Observation<LoadBalancerObservation>> {
    const { params, chain, stale, seen, pending } = await this.#look(mr, opts);
    const deleting = mr.metadata.deletionTimestamp !== undefined;
    if (!deleting) assertOwned(chain, mr, KIND);
    const atProvider = atProviderOf(chain, stale);
    const exists = deleting ? anyManagedExists([...chain.filter((o) => mayDelete(mr, o)), ...stale]) : topExists(chain);
    if (!exists && !pending.running) return { exists: false };
    const diff = [...chainDiff(chain), ...staleDiff(stale)];
    const lateInitialized = lateInit(params, seen);
    if (pending.running) {
      const view = chainReadiness(chain, pending.runningOps, deleting);
      const ready: Readiness = deleting ? "Deleting" : pending.running.action === "update" ? "Unavailable" : "Creating";
      return { exists: true, diff, atProvider, ready, ...(view.message ? { message: view.message } : {}), pendingOperation: pending.running };
    }
    const view = chainReadiness(chain, [], deleting);
    return {
      exists: true,
      diff,
      atProvider,
      ...(Object.keys(lateInitialized).length > 0 ? { lateInitialized } : {}),
      ready: view.ready,
      ...(view.message ? { message: view.message } : {}),
    };
  }


  async #current(mr: Mr): Promise<Looked> {
    return this.#looked ?? (await this.#look(mr));
  }

  async create(mr: Mr): Promise<CreateResult> {
    const { chain, stale } = await this.#current(mr);
    return this.#result(await ensureNext(chain, stale), mr);
  }

  async update(mr: Mr, _diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const { chain, stale } = await this.#current(mr);
    return this.#result(await ensureNext(chain, stale), mr);
  }

  async delete(mr: Mr): Promise<DeleteResult> {
    const { chain, stale } = await this.#current(mr);
    return this.#result(await deleteNext(chain, { stale, mayDelete: (o) => mayDelete(mr, o) }), mr);
  }
}

function staleDiff(stale: readonly Observed[]): FieldDiff[] {
  return stale.filter((o) => o.state.exists).map((o) => ({ path: o.part.key, desired: null, observed: o.part.name }));
}

function lateInit(params: LoadBalancerParameters, seen: Seen): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const hc = lateInitHealthCheck(params.healthCheck, seen.healthCheck);
  if (Object.keys(hc).length > 0) out.healthCheck = hc;
  const services = params.backendServices.map((b) => lateInitBackendService(b, seen.backendServices.get(b.name)));
  if (services.some((s, i) => JSON.stringify(s) !== JSON.stringify(params.backendServices[i]))) out.backendServices = services;
  return out;
}

function keyOf(o: Observed): string {
  return /^backendServices\[(.*)\]$/.exec(o.part.key)?.[1] ?? o.part.key;
}

export function atProviderOf(chain: readonly Observed[], stale: readonly Observed[]): LoadBalancerObservation {
  const byKey = (key: string): Observed | undefined => chain.find((o) => o.part.key === key);
  const status = (key: string): ReturnType<typeof partStatus> | undefined => {
    const o = byKey(key);
    return o ? partStatus(o) : undefined;
  };
  const sub = (key: string): { name: string; selfLink?: string; exists: boolean } | undefined => {
    const s = status(key);
    return s ? { name: s.name, exists: s.exists, ...(s.selfLink ? { selfLink: s.selfLink } : {}) } : undefined;
  };
  const fr = byKey("forwardingRule");
  const services = chain.filter((o) => o.part.key.startsWith("backendServices["));
  const out: LoadBalancerObservation = {
    ...(fr?.state.details.ipAddress ? { ipAddress: fr.state.details.ipAddress } : {}),
    backendServices: [
      ...services.map((o) => ({ key: keyOf(o), ...sub(o.part.key), name: o.part.name, exists: o.state.exists })),
      ...stale.filter((o) => o.state.exists).map((o) => ({ key: keyOf(o), name: o.part.name, exists: true, stale: true, ...(o.state.selfLink ? { selfLink: o.state.selfLink } : {}) })),
    ],
  };
  for (const key of ["healthCheck", "urlMap", "targetProxy", "address"] as const) {
    const s = sub(key);
    if (s) out[key] = s;
  }
  const frSub = sub("forwardingRule");
  if (frSub) out.forwardingRule = { ...frSub, ...(fr?.state.details.portRange ? { portRange: fr.state.details.portRange } : {}) };
  return out;
}
