import { CustomObjectsApi, makeInformer } from "@kubernetes/client-node";
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Annotations } from "../managed.ts";
import { objectKey as keyOf } from "./managed-client.ts";
import type { ResourceType } from "./managed-client.ts";
import type { SelfWrites } from "./self-writes.ts";
import { WatchFailures } from "./watch-failures.ts";

export type ChangeKind = "added" | "changed" | "deleted";

export interface SupervisedInformerOptions {
  readonly kc: KubeConfig;
  readonly type: ResourceType;
  /** Watch one namespace only; all namespaces when undefined. */
  readonly namespace?: string;
  readonly log: Logger;
  /** Called for every change that matters to reconciliation; it must only enqueue, never reconcile. */
  readonly onChange: (obj: KubernetesObject, change: ChangeKind) => void;
  /** Only objects with these labels (a label selector, e.g. `a=b,c`); all when undefined. */
  readonly labelSelector?: string;
  /** What, if changed, is forwarded as "changed" (default reconcileFingerprint: status writes are not). */
  readonly fingerprint?: (obj: KubernetesObject) => string;
  /** The controller's own writes: one of them coming back is not forwarded (see SelfWrites). */
  readonly selfWrites?: SelfWrites;
}

/**
 * A list/watch informer that keeps running: the client-node informer stops on any error other than
 * 410 Gone (which it handles by relisting), so this restarts it with backoff. It reports synced only
 * after its first successful list, and forwards only changes reconciliation cares about — a status
 * write by the controller itself does not wake the resource up again.
 */
export class SupervisedInformer {
  readonly #o: SupervisedInformerOptions;
  readonly #informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  readonly #failures: WatchFailures;
  readonly #fingerprints = new Map<string, string>();
  #synced = false;
  #stopped = false;
  #restart: NodeJS.Timeout | undefined;

  constructor(options: SupervisedInformerOptions) {
    this.#o = options;
    const { group, version, plural } = options.type;
    this.#failures = new WatchFailures({ resource: `${plural}.${group}` });
    const custom = options.kc.makeApiClient(CustomObjectsApi);
    const path = options.namespace
      ? `/apis/${group}/${version}/namespaces/${options.namespace}/${plural}`
      : `/apis/${group}/${version}/${plural}`;
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const selector = options.labelSelector ? { labelSelector: options.labelSelector } : {};
      const result: unknown = options.namespace
        ? await custom.listNamespacedCustomObject({ group, version, plural, namespace: options.namespace, ...selector })
        : await custom.listClusterCustomObject({ group, version, plural, ...selector });
      this.#synced = true;
      this.#recovered();
      return asList(result);
    };
    this.#informer = makeInformer(options.kc, path, list, options.labelSelector);
    // Registered first: client-node stores the very object it hands to handlers, so trimming it here
    // trims the cache before any other handler (or a later get/list) sees it.
    this.#informer.on("add", trimForCache);
    this.#informer.on("update", trimForCache);
    // Informer errors are retried here; a 404 right after a CRD is Established, a 429 and the rest
    // each get one readable line per episode (WatchFailures), not client-node's raw text per retry.
    this.#informer.on("add", (obj) => this.#changed(obj, "added"));
    this.#informer.on("update", (obj) => this.#changed(obj, "changed"));
    this.#informer.on("delete", (obj) => {
      this.#recovered();
      this.#fingerprints.delete(keyOf(obj));
      options.selfWrites?.forget(keyOf(obj));
      options.onChange(obj, "deleted");
    });
    this.#informer.on("error", (err: unknown) => this.#onError(err));
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restart);
    await this.#informer.stop();
  }

  /** True once the first list has succeeded: until then the cache is not a truthful view. */
  get synced(): boolean {
    return this.#synced;
  }

  get(namespace: string, name: string): KubernetesObject | undefined {
    return this.#informer.get(name, namespace);
  }

  list(): readonly KubernetesObject[] {
    return this.#informer.list();
  }

  #changed(obj: KubernetesObject, change: ChangeKind): void {
    this.#recovered();
    const key = keyOf(obj);
    const fingerprint = (this.#o.fingerprint ?? reconcileFingerprint)(obj);
    const unchanged = this.#fingerprints.get(key) === fingerprint;
    this.#fingerprints.set(key, fingerprint);
    const forward = (): void => this.#o.onChange(obj, change);
    if (change === "added") {
      forward();
      return;
    }
    // Told to SelfWrites even when unchanged, so a status write of ours is not looked for again.
    const now = this.#o.selfWrites?.arrived(key, obj.metadata?.resourceVersion, unchanged ? undefined : forward) ?? true;
    if (now && !unchanged) forward();
  }

  #onError(err: unknown): void {
    if (this.#stopped) return;
    const plan = this.#failures.failed(err);
    if (plan.log) this.#o.log[plan.log.level]({ ...plan.log.fields, retryInMs: plan.delayMs }, plan.log.msg);
    clearTimeout(this.#restart);
    this.#restart = setTimeout(() => {
      this.#informer.start().catch((e: unknown) => this.#onError(e));
    }, plan.delayMs);
    this.#restart.unref();
  }

  #recovered(): void {
    const line = this.#failures.recovered();
    if (line) this.#o.log[line.level]({ resource: `${this.#o.type.plural}.${this.#o.type.group}`, ...line.fields }, line.msg);
  }
}

/** Annotations the API server or kubectl keeps for themselves; nothing in Terraplane reads them. */
const UNREAD_ANNOTATIONS: readonly string[] = ["kubectl.kubernetes.io/last-applied-configuration"];

/**
 * Drops, in place, what the controller never reads from a cached object: managedFields (often larger
 * than the spec) and kubectl's last-applied copy of the whole object. Every write Terraplane makes is
 * a merge patch of named fields or a status patch, so none depends on them; the API server keeps
 * both on its side.
 */
export function trimForCache(obj: KubernetesObject): void {
  const metadata = obj.metadata;
  if (!metadata) return;
  delete metadata.managedFields;
  const annotations = metadata.annotations;
  if (annotations) for (const key of UNREAD_ANNOTATIONS) delete annotations[key];
}


/**
 * What, if changed, needs a reconcile: the spec (generation), annotations (pause, refresh request,
 * external name), labels and deletion. Status, managedFields, finalizers and the controller's own
 * create-* bookkeeping annotations are deliberately left out: the controller's own writes must not
 * trigger an immediate second reconcile (that would turn a terminal error into a retry).
 */
const CREATE_BOOKKEEPING: ReadonlySet<string> = new Set([Annotations.createPending, Annotations.createSucceeded, Annotations.createFailed]);

export function reconcileFingerprint(obj: KubernetesObject): string {
  const m = obj.metadata ?? {};
  const annotations = Object.entries(m.annotations ?? {}).filter(([k]) => !CREATE_BOOKKEEPING.has(k));
  return JSON.stringify([m.generation, m.deletionTimestamp, annotations, m.labels]);
}

function asList(value: unknown): KubernetesListObject<KubernetesObject> {
  if (typeof value !== "object" || value === null || !("items" in value) || !Array.isArray(value.items)) {
    throw new Error("list response has no items");
  }
  const metadata = "metadata" in value && typeof value.metadata === "object" && value.metadata !== null ? value.metadata : {};
  const items: KubernetesObject[] = value.items.filter((i): i is KubernetesObject => typeof i === "object" && i !== null);
  return { apiVersion: "v1", kind: "List", items, metadata };
}
