import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { Connector } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { cdnClient } from "./client.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

/**
 * The CDN connector: the SDK client is cached per account, region and credentials by the session,
 * and each reconcile's client passes that reconcile's signal to every request.
 */
export function cdnConnector(): Connector<CdnParameters, CdnObservation> {
  return awsConnector<CdnParameters, CdnObservation>((session, _mr, ctx) => cdnClient(session.client(CloudFrontClient), ctx.signal));
}
