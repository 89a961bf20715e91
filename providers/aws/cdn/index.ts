import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { RegisteredKind } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { cdnClient } from "./client.ts";
import { cdnKind } from "./schema.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

export { cdnKind, CdnObservation, CdnParameters } from "./schema.ts";

/**
 * The CDN kind: a CloudFront distribution. CloudFront assigns the distribution id, so the external
 * name is the cloud's; the SDK client is cached per account, region and credentials by the session,
 * and each reconcile's client passes that reconcile's signal to every request.
 */
export const cdn: RegisteredKind<CdnParameters, CdnObservation> = {
  provider: "aws",
  managed: cdnKind,
  connector: awsConnector<CdnParameters, CdnObservation>((session, _mr, ctx) => cdnClient(session.client(CloudFrontClient), ctx.signal)),
  // CloudFront assigns the id, but CreateDistribution is idempotent by CallerReference (derived from
  // the uid): a create whose outcome is unknown is simply repeated, finding or making exactly one.
  externalName: { assignedByCloud: true, idempotentCreate: true },
};
