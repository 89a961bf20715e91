import { KubeConfig } from "@kubernetes/client-node";

export interface KubeConfigSource {
  /** A kubeconfig file (a --kubeconfig flag); otherwise what kubectl would use. */
  readonly kubeconfig?: string | undefined;
  /** A context of that file other than its current-context (a --context flag). */
  readonly context?: string | undefined;
}

/**
 * The KubeConfig every command and tool uses: the file given, else what kubectl would use
 * ($KUBECONFIG, ~/.kube/config) or the in-cluster service account.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new PooledKubeConfig();
  if (source.kubeconfig) kc.loadFromFile(source.kubeconfig);
  else kc.loadFromDefault();
  if (source.context) kc.setCurrentContext(source.context);
  return kc;
}

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** How long one connection pool serves requests before a fresh one (re-reading certificate files) replaces it. */
export const DISPATCHER_TTL_MS = 5 * 60_000;

/**
 * A KubeConfig whose API calls share connections. client-node 2.0 gives every request a new undici
 * Agent (applySecurityAuthentication → createDispatcher), so every call opened a TLS connection of
 * its own: at scale the controller spent most of its CPU, and the API server much of its, on
 * handshakes (docs/adr/0015). Here the first Agent for a cluster and user is kept and handed to the
 * requests that follow; after DISPATCHER_TTL_MS a new one takes over (a client certificate rotated
 * on disk is picked up, as it was per request) and the old one closes once its requests finish.
 */
export class PooledKubeConfig extends KubeConfig {
  readonly #pools = new Map<string, { dispatcher: Dispatcher; since: number }>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return; // plain HTTP without TLS options: the global dispatcher pools already
    const cluster = this.getCurrentCluster();
    const key = `${cluster?.name ?? ""}\u0000${cluster?.server ?? ""}\u0000${this.getCurrentUser()?.name ?? ""}`;
    const now = Date.now();
    const pool = this.#pools.get(key);
    if (pool && now - pool.since < DISPATCHER_TTL_MS) {
      context.setDispatcher(pool.dispatcher);
      return;
    }
    this.#pools.set(key, { dispatcher: fresh, since: now });
    // Graceful: requests already on the old pool finish; it opens nothing new.
    if (pool) pool.dispatcher.close().catch(() => undefined);
  }
}
