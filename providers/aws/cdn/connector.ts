import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { Listing } from "../../../core/listing.ts";
import type { Connector } from "../../../core/provider.ts";
import { listingOptions } from "../../shared/batch-observe.ts";
import { awsConnector } from "../session.ts";
import type { AwsSession } from "../session.ts";
import { cdnClient } from "./client.ts";
import type { CdnBatch } from "./client.ts";
import { RememberedLogging, cloudFrontListingSource, sdkCloudFrontReads } from "./listing.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

/**
 * The CDN connector: the SDK client is cached per account, region and credentials by the session,
 * and each reconcile's client passes that reconcile's signal to every request. With batch observe
 * (opt-in on the ProviderConfig) every CDN of one session is observed from one shared listing.
 * CloudFront is global: sessions of one account in two regions each list the same distributions
 * (a session stands for credentials and region), which costs a second listing, never a wrong answer.
 */
export function cdnConnector(): Connector<CdnParameters, CdnObservation> {
  const batches = new WeakMap<AwsSession, CdnBatch>();
  const batchOf = (session: AwsSession): CdnBatch | undefined => {
    if (!session.observe.batch) return undefined;
    let batch = batches.get(session);
    if (!batch) {
      batch = { listing: new Listing(cloudFrontListingSource(sdkCloudFrontReads(session.client(CloudFrontClient))), listingOptions(session.observe)), logging: new RememberedLogging() };
      batches.set(session, batch);
    }
    return batch;
  };
  return awsConnector<CdnParameters, CdnObservation>((session, _mr, ctx) => cdnClient(session.client(CloudFrontClient), ctx.signal, batchOf(session)));
}
