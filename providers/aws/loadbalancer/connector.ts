import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Listings } from "../../../core/listing.ts";
import type { Listing } from "../../../core/listing.ts";
import type { Connector } from "../../../core/provider.ts";
import { listingOptions } from "../../shared/batch-observe.ts";
import { awsConnector } from "../session.ts";
import type { AwsSession } from "../session.ts";
import { SdkElbApi } from "./api.ts";
import { LoadBalancerClient } from "./client.ts";
import { elbListingSource } from "./listing.ts";
import type { ElbListed } from "./listing.ts";
import type { LoadBalancerObservation, LoadBalancerParameters } from "./schema.ts";

/**
 * The LoadBalancer connector: each reconcile's client passes that reconcile's signal to every
 * request. With batch observe (opt-in on the ProviderConfig) every LoadBalancer of one session
 * (account, region, credentials) is observed from one shared listing.
 */
export function loadBalancerConnector(): Connector<LoadBalancerParameters, LoadBalancerObservation> {
  const listings = new Listings<AwsSession, ElbListed>();
  const listingOf = (session: AwsSession): Listing<ElbListed> | undefined =>
    session.observe.batch
      ? listings.for(session, () => elbListingSource((signal) => new SdkElbApi(session.client(ElasticLoadBalancingV2Client), signal)), listingOptions(session.observe))
      : undefined;
  return awsConnector<LoadBalancerParameters, LoadBalancerObservation>(
    (session, _mr, ctx) => new LoadBalancerClient(new SdkElbApi(session.client(ElasticLoadBalancingV2Client), ctx.signal), listingOf(session)),
  );
}
