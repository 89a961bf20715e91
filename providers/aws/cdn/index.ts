import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { RegisteredKind } from "../../../core/provider.ts";
import { awsConnector } from "../session.ts";
import { cdnClient } from "./client.ts";
import { cdnKind } from "./schema.ts";

export { cdnKind, CdnObservation, CdnParameters } from "./schema.ts";

/**
 * The CDN kind: a CloudFront distribution. CloudFront assigns the distribution id, so the external
 * name is the cloud's; the SDK client is cached per account, region and credentials by the session.
 */
export const cdn: RegisteredKind = {
  provider: "aws",
  managed: cdnKind,
  connector: awsConnector((session) => cdnClient(session.client(CloudFrontClient))),
  externalName: { assignedByCloud: true },
};
