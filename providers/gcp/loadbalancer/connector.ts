import type { Connector } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { chainApis } from "../compute/listed-api.ts";
import { ComputeListings } from "../compute/listing.ts";
import { OperationLedger } from "../compute/operations.ts";
import { gcpConnector } from "../session.ts";
import { LoadBalancerClient } from "./client.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

/** The LoadBalancer connector over `ledger` (the operations it started, per object), which it frees when an object is deleted. */
export function loadBalancerConnectorWith(ledger = new OperationLedger()): Connector<LoadBalancerParameters, LoadBalancerObservation> {
  // With batch observe (opt-in on the ProviderConfig), one global list per part type, project and poll interval serves every LoadBalancer.
  const listings = new ComputeListings();
  return gcpConnector<LoadBalancerParameters, LoadBalancerObservation>(
    (session, _mr, ctx) => {
      const apis = chainApis(sdkComputeApi(session, ctx.signal), session.observe.batch ? listings.of(session) : undefined);
      return new LoadBalancerClient({ ...apis, project: session.project, ledger });
    },
    { forget: (uid) => ledger.forget(uid) },
  );
}
