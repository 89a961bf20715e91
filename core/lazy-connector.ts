import type { Connector } from "./provider.ts";

/**
 * A connector whose module (and the cloud SDK behind it) is loaded on the first connect: a kind
 * that has no objects costs no SDK memory. An object never connected has nothing to forget.
 */
export function lazyConnector<F, A>(load: () => Promise<Connector<F, A>>): Connector<F, A> {
  let loading: Promise<Connector<F, A>> | undefined;
  let loaded: Connector<F, A> | undefined;
  return {
    async connect(mr, ctx) {
      loading ??= load().then(
        (connector) => (loaded = connector),
        (err: unknown) => {
          loading = undefined; // a failed load is tried again on the next connect
          throw err;
        },
      );
      return (await loading).connect(mr, ctx);
    },
    forget(uid) {
      loaded?.forget?.(uid);
    },
  };
}
