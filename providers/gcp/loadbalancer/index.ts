import type { RegisteredKind } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { gcpConnector } from "../session.ts";
import { LoadBalancerClient } from "./client.ts";
import { loadBalancerKind } from "./schema.ts";

export { loadBalancerKind } from "./schema.ts";

// The GCP LoadBalancer kind: its compute resources are named after metadata.name (or the
// external-name annotation) up front, so a create whose outcome was lost is found again by name.

export const loadBalancer: RegisteredKind = {
  provider: "gcp",
  managed: loadBalancerKind,
  connector: gcpConnector((session) => new LoadBalancerClient({ api: sdkComputeApi(session), project: session.project })),
  externalName: { assignedByCloud: false },
};
