import { lazyConnector } from "../../../core/lazy-connector.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { loadBalancerKind } from "./schema.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

/**
 * The AWS LoadBalancer kind (ELBv2). The load balancer's name is chosen up front (metadata.name or
 * the external-name annotation), so a create whose outcome is unknown is found again by name. The
 * ELBv2 SDK loads with the first object that connects.
 */
export const loadBalancer: RegisteredKind<LoadBalancerParameters, LoadBalancerObservation> = {
  provider: "aws",
  managed: loadBalancerKind,
  connector: lazyConnector(async () => (await import("./connector.ts")).loadBalancerConnector()),
  externalName: { assignedByCloud: false },
};
