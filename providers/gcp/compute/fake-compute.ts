import { ProviderError } from "../../../core/errors.ts";
import type {
  Address,
  BackendBucket,
  BackendService,
  Collection,
  ComputeApi,
  ComputeOperation,
  ForwardingRule,
  HealthCheck,
  Replaceable,
  ResourceApi,
  TargetHttpProxy,
  TargetHttpsProxy,
  UrlMap,
} from "./api.ts";
import type { ComputeResource } from "./chain.ts";
import { selfLinkOf } from "./names.ts";

// A small in-memory ComputeApi for unit tests (never for integration tests): resources change at
// once, operations stay RUNNING until finish() (which may fail them), every call is recorded.

export interface FakeCall {
  readonly collection: Collection | "operations";
  readonly verb: string;
  readonly name: string;
  readonly body?: unknown;
}

interface Shared {
  readonly project: string;
  readonly calls: FakeCall[];
  readonly failures: Map<string, ProviderError>;
  startOp(collection: Collection, name: string, type: string): string;
  nextFingerprint(): string;
}

/** One collection's resources. */
export class FakeCollection<R extends ComputeResource> {
  readonly items = new Map<string, R>();
  readonly #collection: Collection;
  readonly #s: Shared;

  readonly #fingerprinted: boolean;

  constructor(collection: Collection, shared: Shared) {
    this.#collection = collection;
    this.#s = shared;
    // As in compute: health checks, backend buckets and addresses carry no fingerprint.
    this.#fingerprinted = !["healthChecks", "backendBuckets", "addresses"].includes(collection);
  }

  #fingerprint(): { fingerprint?: string } {
    return this.#fingerprinted ? { fingerprint: this.#s.nextFingerprint() } : {};
  }

  /** Puts a resource as if created elsewhere (or by an earlier run). */
  seed(resource: R): R {
    const name = resource.name ?? "";
    const stored: R = { selfLink: selfLinkOf(this.#s.project, this.#collection, name), ...this.#fingerprint(), ...resource };
    this.items.set(name, stored);
    return stored;
  }

  #record(verb: string, name: string, body?: unknown): void {
    this.#s.calls.push({ collection: this.#collection, verb, name, ...(body !== undefined ? { body } : {}) });
    const key = `${this.#collection}.${verb}`;
    const err = this.#s.failures.get(key);
    if (err) {
      this.#s.failures.delete(key);
      throw err;
    }
  }

  #existing(name: string): R {
    const r = this.items.get(name);
    if (!r) throw new ProviderError("NotFound", `${this.#collection}/${name} not found`, { code: "notFound" });
    return r;
  }

  /** A set* verb: merges `change` into the resource. */
  set(verb: string, name: string, change: Partial<R>): string {
    this.#record(verb, name, change);
    Object.assign(this.#existing(name), change, this.#fingerprint());
    return this.#s.startOp(this.#collection, name, verb);
  }

  api(): ResourceApi<R> & Replaceable<R> {
    return {
      get: async (_project, name) => {
        this.#record("get", name);
        const r = this.items.get(name);
        return r ? structuredClone(r) : undefined;
      },
      insert: async (_project, body) => {
        const name = body.name ?? "";
        this.#record("insert", name, body);
        if (this.items.has(name)) throw new ProviderError("AlreadyExists", `${this.#collection}/${name} already exists`, { code: "alreadyExists" });
        this.seed(structuredClone(body));
        return this.#s.startOp(this.#collection, name, "insert");
      },
      patch: async (_project, name, body, fingerprint) => {
        this.#record("patch", name, body);
        const r = this.#existing(name);
        if (r.fingerprint && r.fingerprint !== fingerprint) throw new ProviderError("Conflict", "Invalid fingerprint.", { code: "conditionNotMet" });
        Object.assign(r, structuredClone(body), this.#fingerprint());
        return this.#s.startOp(this.#collection, name, "patch");
      },
      update: async (_project, name, body) => {
        this.#record("update", name, body);
        const r = this.#existing(name);
        if (r.fingerprint && r.fingerprint !== body.fingerprint) throw new ProviderError("Conflict", "Invalid fingerprint.", { code: "conditionNotMet" });
        this.items.set(name, { ...structuredClone(body), name, selfLink: r.selfLink, ...this.#fingerprint() });
        return this.#s.startOp(this.#collection, name, "update");
      },
      delete: async (_project, name) => {
        this.#record("delete", name);
        if (!this.items.has(name)) return undefined;
        this.items.delete(name);
        return this.#s.startOp(this.#collection, name, "delete");
      },
    };
  }
}

export class FakeCompute {
  readonly project: string;
  readonly calls: FakeCall[] = [];
  readonly ops = new Map<string, ComputeOperation>();
  /** An error to throw from the next `collection.verb` call, e.g. `urlMaps.patch`. */
  readonly failures = new Map<string, ProviderError>();
  readonly healthChecks: FakeCollection<HealthCheck>;
  readonly backendServices: FakeCollection<BackendService>;
  readonly backendBuckets: FakeCollection<BackendBucket>;
  readonly urlMaps: FakeCollection<UrlMap>;
  readonly targetHttpProxies: FakeCollection<TargetHttpProxy>;
  readonly targetHttpsProxies: FakeCollection<TargetHttpsProxy>;
  readonly addresses: FakeCollection<Address>;
  readonly forwardingRules: FakeCollection<ForwardingRule>;
  #next = 0;

  constructor(project = "p") {
    this.project = project;
    const shared: Shared = {
      project,
      calls: this.calls,
      failures: this.failures,
      startOp: (collection, name, type) => this.#startOp(collection, name, type),
      nextFingerprint: () => `fp-${++this.#next}`,
    };
    this.healthChecks = new FakeCollection("healthChecks", shared);
    this.backendServices = new FakeCollection("backendServices", shared);
    this.backendBuckets = new FakeCollection("backendBuckets", shared);
    this.urlMaps = new FakeCollection("urlMaps", shared);
    this.targetHttpProxies = new FakeCollection("targetHttpProxies", shared);
    this.targetHttpsProxies = new FakeCollection("targetHttpsProxies", shared);
    this.addresses = new FakeCollection("addresses", shared);
    this.forwardingRules = new FakeCollection("forwardingRules", shared);
  }

  #startOp(collection: Collection, name: string, type: string): string {
    const opName = `op-${++this.#next}`;
    this.ops.set(opName, { name: opName, status: "RUNNING", operationType: type, targetLink: selfLinkOf(this.project, collection, name) });
    return opName;
  }

  /** Marks every running operation DONE, or DONE with `error`. */
  finish(error?: { code: string; message: string; httpErrorStatusCode?: number }, endTime = new Date()): void {
    for (const op of this.ops.values()) {
      if (op.status === "DONE") continue;
      op.status = "DONE";
      op.endTime = endTime.toISOString();
      if (error) {
        op.error = { errors: [{ code: error.code, message: error.message }] };
        op.httpErrorStatusCode = error.httpErrorStatusCode ?? 400;
      }
    }
  }

  /** The mutating calls, as `collection.verb:name`. */
  mutations(): string[] {
    return this.calls.filter((c) => c.collection !== "operations" && c.verb !== "get").map((c) => `${c.collection}.${c.verb}:${c.name}`);
  }

  api(): ComputeApi {
    const https = this.targetHttpsProxies;
    return {
      healthChecks: this.healthChecks.api(),
      backendServices: this.backendServices.api(),
      backendBuckets: this.backendBuckets.api(),
      urlMaps: this.urlMaps.api(),
      targetHttpProxies: { ...this.targetHttpProxies.api(), setUrlMap: async (_p, name, urlMap) => this.targetHttpProxies.set("setUrlMap", name, { urlMap }) },
      targetHttpsProxies: {
        ...https.api(),
        setUrlMap: async (_p, name, urlMap) => https.set("setUrlMap", name, { urlMap }),
        setSslCertificates: async (_p, name, certs) => https.set("setSslCertificates", name, { sslCertificates: [...certs] }),
      },
      globalAddresses: this.addresses.api(),
      globalForwardingRules: { ...this.forwardingRules.api(), setTarget: async (_p, name, target) => this.forwardingRules.set("setTarget", name, { target }) },
      operation: async (_project, name) => {
        this.calls.push({ collection: "operations", verb: "get", name });
        const op = this.ops.get(name);
        return op ? structuredClone(op) : undefined;
      },
    };
  }
}
