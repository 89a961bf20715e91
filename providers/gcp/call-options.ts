// The per-call options every Google client call gets. google-gax (6.17, under @google-cloud/compute
// and @google-cloud/sql) takes an AbortSignal in CallOptions and cancels the call, retries included,
// when it fires: so the reconcile's signal (its deadline, or shutdown) bounds every call, and the
// clients' retry settings (client-options.ts) stay the one retry layer, with their own attempt timeouts.

/** The part of gax's CallOptions Terraplane sets. */
export interface GoogleCallOptions {
  readonly signal: AbortSignal;
}

export function callOptions(signal: AbortSignal): GoogleCallOptions {
  return { signal };
}
