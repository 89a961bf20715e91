import type { Connector, RegisteredKind } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { OperationLedger } from "../compute/operations.ts";
import { gcpConnector } from "../session.ts";
import { LoadBalancerClient } from "./client.ts";
import { loadBalancerKind } from "./schema.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

export { loadBalancerKind } from "./schema.ts";

// The GCP LoadBalancer kind: its compute resources are named after metadata.name (or the
// external-name annotation) up front, so a create whose outcome was lost is found again by name.

/** The LoadBalancer connector over `ledger` (the operations it started, per object), which it frees when an object is deleted. */
export function loadBalancerConnectorWith(ledger: OperationLedger): Connector<LoadBalancerParameters, LoadBalancerObservation> {
  return gcpConnector<LoadBalancerParameters, LoadBalancerObservation>(
    (session, _mr, ctx) => new LoadBalancerClient({ api: sdkComputeApi(session, ctx.signal), project: session.project, ledger }),
    { forget: (uid) => ledger.forget(uid) },
  );
}

export const loadBalancerConnector = loadBalancerConnectorWith(new OperationLedger());

export const loadBalancer: RegisteredKind<LoadBalancerParameters, LoadBalancerObservation> = {
  provider: "gcp",
  managed: loadBalancerKind,
  connector: loadBalancerConnector,
  externalName: { assignedByCloud: false },
};
