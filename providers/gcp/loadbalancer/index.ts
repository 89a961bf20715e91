import { lazyConnector } from "../../../core/lazy-connector.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { loadBalancerKind } from "./schema.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

export { loadBalancerKind } from "./schema.ts";

// The GCP LoadBalancer kind: its compute resources are named after metadata.name (or the
// external-name annotation) up front, so a create whose outcome was lost is found again by name.
// The compute client loads with the first object that connects.

export const loadBalancer: RegisteredKind<LoadBalancerParameters, LoadBalancerObservation> = {
  provider: "gcp",
  managed: loadBalancerKind,
  connector: lazyConnector(async () => (await import("./connector.ts")).loadBalancerConnectorWith()),
  externalName: { assignedByCloud: false },
};
