import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RegisteredKind } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { SdkElbApi } from "./api.ts";
import { LoadBalancerClient } from "./client.ts";
import { loadBalancerKind } from "./schema.ts";

/**
 * The AWS LoadBalancer kind (ELBv2). The load balancer's name is chosen up front (metadata.name or
 * the external-name annotation), so a create whose outcome is unknown is found again by name.
 */
export const loadBalancer: RegisteredKind = {
  provider: "aws",
  managed: loadBalancerKind,
  connector: awsConnector((session) => new LoadBalancerClient(new SdkElbApi(session.client(ElasticLoadBalancingV2Client)))),
  externalName: { assignedByCloud: false },
};
