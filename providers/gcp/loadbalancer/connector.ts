import type { Connector } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { OperationLedger } from "../compute/operations.ts";
import { gcpConnector } from "../session.ts";
import { LoadBalancerClient } from "./client.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

/** The LoadBalancer connector over `ledger` (the operations it started, per object), which it frees when an object is deleted. */
export function loadBalancerConnectorWith(ledger = new OperationLedger()): Connector<LoadBalancerParameters, LoadBalancerObservation> {
  return gcpConnector<LoadBalancerParameters, LoadBalancerObservation>(
    (session, _mr, ctx) => new LoadBalancerClient({ api: sdkComputeApi(session, ctx.signal), project: session.project, ledger }),
    { forget: (uid) => ledger.forget(uid) },
  );
}
