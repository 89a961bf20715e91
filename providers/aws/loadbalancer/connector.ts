import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Connector } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { SdkElbApi } from "./api.ts";
import { LoadBalancerClient } from "./client.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

/** The LoadBalancer connector: each reconcile's client passes that reconcile's signal to every request. */
export function loadBalancerConnector(): Connector<LoadBalancerParameters, LoadBalancerObservation> {
  return awsConnector<LoadBalancerParameters, LoadBalancerObservation>(
    (session, _mr, ctx) => new LoadBalancerClient(new SdkElbApi(session.client(ElasticLoadBalancingV2Client), ctx.signal)),
  );
}
