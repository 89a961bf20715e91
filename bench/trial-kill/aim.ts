// Aimed kills: the moment a cloud has just answered a mutation (a create, an update, a delete) is
// the one a crash hurts most — the change is made, the controller has not recorded it yet. The
// sandbox's fault proxies count every upstream answer, so the trial can see that moment from outside.
import { FaultProxyClient } from "../../sandbox/faultproxy/index.ts";
import type { StatsSnapshot } from "../../sandbox/faultproxy/index.ts";

/** AWS (Create…, Modify…, Delete…, Update…) and Google (….insert, ….patch, ….update, ….delete, set…) mutations. */
const MUTATION = /^(Create|Modify|Delete|Update|Add|Remove|Register|Deregister|Tag|Untag)|\.(insert|patch|update|delete|set[A-Z]\w*)$/;

/** Whether an operation name, as the fault proxy classifies it, changes something in the cloud. */
export function isMutation(operation: string): boolean {
  return MUTATION.test(operation);
}

/** Successful (2xx) upstream answers to mutations seen so far by the given proxies (shared ones too: a stray trigger only makes one kill less aimed). */
export function mutationAnswers(proxyUrls: readonly string[]): () => Promise<number> {
  const clients = proxyUrls.map((u) => new FaultProxyClient(u));
  return async () => (await Promise.all(clients.map(async (c) => countOf(await c.stats())))).reduce((a, b) => a + b, 0);
}

function countOf(snapshot: StatsSnapshot): number {
  let n = 0;
  for (const service of Object.values(snapshot.services)) {
    for (const [operation, counts] of Object.entries(service.operations)) if (MUTATION.test(operation)) n += counts.upstream["2xx"];
  }
  return n;
}
