import type { RegisteredKind } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { gcpConnector } from "../session.ts";
import { LoadBalancerClient } from "./client.ts";
import { loadBalancerKind } from "./schema.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

export { loadBalancerKind } from "./schema.ts";

// The GCP LoadBalancer kind: its compute resources are named after metadata.name (or the
// external-name annotation) up front, so a create whose outcome was lost is found again by name.

export const loadBalancerConnector = gcpConnector<LoadBalancerParameters, LoadBalancerObservation>(
  (session, _mr, ctx) => new LoadBalancerClient({ api: sdkComputeApi(session, ctx.signal), project: session.project }),
);

export const loadBalancer: RegisteredKind<LoadBalancerParameters, LoadBalancerObservation> = {
  provider: "gcp",
  managed: loadBalancerKind,
  connector: loadBalancerConnector,
  externalName: { assignedByCloud: false },
};
