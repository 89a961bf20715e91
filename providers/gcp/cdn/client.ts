import type { CallOptions, CreateResult, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, UpdateResult } from "../../../core/provider.ts";
import type { BackendBucket, BackendService, ComputeApi, ComputeOperation, Replaceable, ResourceReader } from "../compute/api.ts";
import { anyManagedExists, assertOwned, chainDiff, chainReadiness, deleteNext, ensureNext, mayDelete, readChain, stepResult, topExists } from "../compute/chain.ts";
import type { Observed, Part, PartState } from "../compute/chain.ts";
import { frontendParts, portOf } from "../compute/frontend.ts";
import type { FrontendSpec } from "../compute/frontend.ts";
import type { PollRead } from "../compute/listed-api.ts";
import { globalRef, namesOf } from "../compute/names.ts";
import type { ChainNames } from "../compute/names.ts";
import { checkPending } from "../compute/operations.ts";
import type { PendingCheck } from "../compute/operations.ts";
import { ownedByDescription, ownedByOtherDescription, ownerDescription } from "../ownership.ts";
import {
  bucketInsertBody,
  bucketUpdateBody,
  composeDescription,
  diffBackend,
  lateInitBackend,
  observedBucket,
  observedService,
  serviceInsertBody,
  serviceUpdateBody,
} from "./normalize.ts";
import type { ObservedBackend } from "./normalize.ts";
import { KIND } from "./schema.ts";
import type { CdnObservation, CdnParameters, Frontend } from "./schema.ts";

// The CDN's ExternalClient: a chain of compute resources managed as one object — the backend
// (bucket or service, with Cloud CDN), the URL map routing to it, the target proxy and the
// forwarding rule on the reserved address; each part names what it references and the waves follow
// (compute/chain.ts). Each call starts at most one wave's operations and returns them as
// pendingOperation; observe looks at them on the next reconcile, never waits.
//
// Until the chain has been complete once, a missing forwarding rule means "not created yet": observe
// says the resource does not exist, so the core's create builds the next wave (and no drift is
// reported for parts that were simply not made yet). Once complete, a missing part is drift.

/** The global forwarding rule's scheme: a global external Application Load Balancer. */
export const LOAD_BALANCING_SCHEME = "EXTERNAL_MANAGED";

type Mr = Managed<CdnParameters, CdnObservation>;

interface BackendView {
  observed?: ObservedBackend;
}

interface BackendContext {
  readonly api: ComputeApi;
  readonly project: string;
  readonly owner: Managed;
  readonly names: ChainNames;
  readonly params: CdnParameters;
  /** Filled by read(): the backend as forProvider fields, for late initialisation. */
  readonly view: BackendView;
}

function backendState(ctx: BackendContext, resource: BackendBucket | BackendService, observed: ObservedBackend, fix: () => Promise<string>): PartState {
  ctx.view.observed = observed;
  const diff = diffBackend(ctx.params, observed, ctx.project);
  return {
    exists: true,
    ...(resource.selfLink ? { selfLink: resource.selfLink } : {}),
    owned: ownedByDescription(ctx.owner, resource.description),
    ownedByOther: ownedByOtherDescription(ctx.owner, resource.description),
    diff,
    ...(diff.length > 0 ? { fix } : {}),
    details: {},
  };
}

const ABSENT: PartState = { exists: false, owned: false, diff: [], details: {} };

/** What tells the two backends apart: their collection and API, how one is read as forProvider fields, and its bodies. */
interface BackendFlavor<R extends BackendBucket | BackendService> {
  /** For messages: `backend bucket`. */
  readonly type: string;
  readonly collection: "backendBuckets" | "backendServices";
  readonly name: string;
  readonly api: ResourceReader<R> & Replaceable<R>;
  observed(resource: R): ObservedBackend;
  insertBody(description: string): R;
  /** The whole resource for an update (PUT) of what was observed. */
  updateBody(observed: R, description: string): R;
}

/** The backend (references nothing the chain makes): read, created, updated whole and deleted through its flavor. */
function backendPart<R extends BackendBucket | BackendService>(ctx: BackendContext, flavor: BackendFlavor<R>): Part {
  const { project } = ctx;
  const { api, name } = flavor;
  const description = composeDescription(ctx.params.description, ownerDescription(ctx.owner));
  return {
    key: "backend",
    what: `${flavor.type} "${name}"`,
    collection: flavor.collection,
    name,
    dependsOn: [],
    async read() {
      const resource = await api.get(project, name);
      if (!resource) return ABSENT;
      return backendState(ctx, resource, flavor.observed(resource), () => api.update(project, name, flavor.updateBody(resource, description)));
    },
    insert: () => api.insert(project, flavor.insertBody(description)),
    remove: () => api.delete(project, name),
  };
}

/** The backend bucket with Cloud CDN; updated whole (backendBuckets.update), so fields the spec drops really go. */
function bucketPart(ctx: BackendContext): Part {
  const name = ctx.names.backendBucket();
  return backendPart<BackendBucket>(ctx, {
    type: "backend bucket",
    collection: "backendBuckets",
    name,
    api: ctx.api.backendBuckets,
    observed: observedBucket,
    insertBody: (description) => bucketInsertBody(name, ctx.params, description),
    updateBody: (bb, description) => bucketUpdateBody(bb, ctx.params, description),
  });
}

/** The backend service with Cloud CDN; updated whole (backendServices.update) quoting the fingerprint observed. */
function servicePart(ctx: BackendContext): Part {
  const { project } = ctx;
  const name = ctx.names.backendService();
  return backendPart<BackendService>(ctx, {
    type: "backend service",
    collection: "backendServices",
    name,
    api: ctx.api.backendServices,
    observed: (bs) => observedService(bs, project),
    insertBody: (description) => serviceInsertBody(name, ctx.params, description, project),
    updateBody: (bs, description) => serviceUpdateBody(bs, ctx.params, description, project),
  });
}

function backendCollection(params: CdnParameters): "backendBuckets" | "backendServices" {
  return params.origin.bucketName !== undefined ? "backendBuckets" : "backendServices";
}

/** What the shared front end should look like for this CDN. */
export function frontendSpec(params: CdnParameters, project: string, names: ChainNames): FrontendSpec {
  const f: Frontend = params.frontend ?? {};
  const backend = params.origin.bucketName !== undefined ? names.backendBucket() : names.backendService();
  return {
    urlMap: { defaultService: globalRef(project, backendCollection(params), backend) },
    proxy: { protocol: f.protocol ?? "HTTP", ...(f.sslCertificates ? { sslCertificates: f.sslCertificates } : {}) },
    address: f.address !== undefined ? { mode: "Existing", address: f.address } : { mode: "Reserved" },
    forwardingRule: { ...(f.port !== undefined ? { port: f.port } : {}), loadBalancingScheme: LOAD_BALANCING_SCHEME },
  };
}

/** Diff paths of the front end, under spec.forProvider.frontend. */
const FRONTEND_PATHS = { urlMap: "frontend.urlMap", targetProxy: "frontend", address: "frontend.address", forwardingRule: "frontend" } as const;

type SubState = NonNullable<CdnObservation["backend"]>;

function runningFor(o: Observed, running: readonly ComputeOperation[]): boolean {
  return running.some((op) => (op.targetLink ?? "").endsWith(`/${o.part.collection}/${o.part.name}`));
}

function subState(o: Observed | undefined, running: readonly ComputeOperation[]): SubState | undefined {
  if (!o) return undefined;
  const state = runningFor(o, running) ? "PENDING" : o.state.exists ? "READY" : "MISSING";
  return { name: o.part.name, ...(o.state.selfLink ? { selfLink: o.state.selfLink } : {}), state };
}

export function atProviderOf(chain: readonly Observed[], running: readonly ComputeOperation[]): CdnObservation {
  const find = (key: string): Observed | undefined => chain.find((o) => o.part.key === key);
  const ip = find("forwardingRule")?.state.details.ipAddress ?? find("address")?.state.details.ipAddress;
  const entries = {
    ipAddress: ip,
    backend: subState(find("backend"), running),
    urlMap: subState(find("urlMap"), running),
    targetProxy: subState(find("targetProxy"), running),
    address: subState(find("address"), running),
    forwardingRule: subState(find("forwardingRule"), running),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The chain was complete at the last observation: from now on a missing part is drift, not "not created yet". */
function wasComplete(mr: Mr): boolean {
  return mr.status?.atProvider?.forwardingRule?.selfLink !== undefined;
}

/** frontend.protocol and frontend.port as the forwarding rule has them, when the spec leaves them unset. */
function lateInitFrontend(params: CdnParameters, chain: readonly Observed[]): Partial<CdnParameters> {
  const rule = chain.find((o) => o.part.key === "forwardingRule");
  if (!rule?.state.exists) return {};
  const f = params.frontend ?? {};
  const port = portOf(rule.state.details.portRange);
  const filled: Frontend = { ...f, protocol: f.protocol ?? "HTTP", ...(f.port === undefined && typeof port === "number" ? { port } : {}) };
  return filled.protocol === f.protocol && filled.port === f.port ? {} : { frontend: filled };
}

function lateInit(params: CdnParameters, chain: readonly Observed[], view: BackendView): Partial<CdnParameters> {
  return view.observed ? { ...lateInitBackend(params, view.observed), ...lateInitFrontend(params, chain) } : {};
}

/** While the object is being deleted: it exists as long as a part it may delete does (or an operation of ours runs). */
function deletingObservation(mr: Managed, chain: readonly Observed[], pending: PendingCheck, atProvider: CdnObservation): Observation<CdnObservation> {
  if (!pending.running && !anyManagedExists(chain.filter((o) => mayDelete(mr, o)))) return { exists: false };
  return { exists: true, diff: [], atProvider, ...chainReadiness(chain, pending.runningOps, true), ...(pending.running ? { pendingOperation: pending.running } : {}) };
}

export interface CdnClientOptions {
  readonly api: ComputeApi;
  readonly project: string;
  /** With batch observe: the api a poll's observe reads the chain through (the shared listings). */
  readonly pollApi?: ((read: PollRead) => ComputeApi) | undefined;
}

/** One reconcile's client: observe remembers the chain it read, so create, update and delete need no second read. */
export class CdnClient implements ExternalClient<CdnParameters, CdnObservation> {
  readonly #o: CdnClientOptions;
  #chain: Observed[] | undefined;

  constructor(options: CdnClientOptions) {
    this.#o = options;
  }

  #parts(mr: Managed, params: CdnParameters, view: BackendView, api: ComputeApi): Part[] {
    const { project } = this.#o;
    const names = namesOf(mr, KIND);
    const ctx: BackendContext = { api, project, owner: mr, names, params, view };
    const backend = params.origin.bucketName !== undefined ? bucketPart(ctx) : servicePart(ctx);
    const frontend = frontendParts({ api, project, owner: mr, names, routesTo: [backend.key], paths: FRONTEND_PATHS }, frontendSpec(params, project, names));
    return [backend, ...frontend];
  }

  async #read(mr: Managed, params: CdnParameters, view: BackendView = {}, api: ComputeApi = this.#o.api): Promise<Observed[]> {
    this.#chain = await readChain(this.#parts(mr, params, view, api));
    return this.#chain;
  }

  /** From the shared listings when there are some and the core allows it (a poll), else each part by itself. */
  #apiFor(opts: CallOptions | undefined): ComputeApi {
    const { pollApi } = this.#o;
    return pollApi && opts?.maxAgeMs !== undefined ? pollApi({ signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged }) : this.#o.api;
  }

  async observe(mr: Mr, opts?: CallOptions): Promise<Observation<CdnObservation>> {
    const params = mr.spec.forProvider;
    const api = this.#apiFor(opts);
    // Operations first: one seen finished makes its part's read below a Get of its own (listed-api.ts).
    const pending = await checkPending(api, this.#o.project, mr);
    const view: BackendView = {};
    const chain = await this.#read(mr, params, view, api);
    const running = pending.runningOps;
    const atProvider = atProviderOf(chain, running);
    if (mr.metadata.deletionTimestamp !== undefined) return deletingObservation(mr, chain, pending, atProvider);
    assertOwned(chain, mr, KIND);
    if (!pending.running && !topExists(chain) && !wasComplete(mr)) return { exists: false };
    const diff = chainDiff(chain);
    const lateInitialized = lateInit(params, chain, view);
    const readiness = chainReadiness(chain, running);
    // An update under way: the CDN still serves, but is not yet what the spec says.
    const ready = pending.running?.action === "update" ? "Unavailable" : readiness.ready;
    return {
      exists: true,
      diff,
      atProvider,
      ready,
      ...(readiness.message ? { message: readiness.message } : {}),
      ...(pending.running ? { pendingOperation: pending.running } : {}),
      ...(Object.keys(lateInitialized).length > 0 ? { lateInitialized } : {}),
    };
  }

  async #chainOf(mr: Mr): Promise<Observed[]> {
    return this.#chain ?? (await this.#read(mr, mr.spec.forProvider));
  }

  /** Builds the next wave of the chain (the core calls create until the forwarding rule exists). */
  async create(mr: Mr): Promise<CreateResult> {
    return stepResult(await ensureNext(await this.#chainOf(mr)), "create");
  }

  async update(mr: Mr, _diff: readonly FieldDiff[]): Promise<UpdateResult> {
    return stepResult(await ensureNext(await this.#chainOf(mr)));
  }

  /** Deletes the chain in reverse, one wave per call; only what this CDN created (or adopted by external name). */
  async delete(mr: Mr): Promise<DeleteResult> {
    return stepResult(await deleteNext(await this.#chainOf(mr), { mayDelete: (o) => mayDelete(mr, o) }));
  }
}
