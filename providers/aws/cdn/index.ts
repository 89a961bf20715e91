import { lazyConnector } from "../../../core/lazy-connector.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { cdnKind } from "./schema.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

export { cdnKind, CdnObservation, CdnParameters } from "./schema.ts";

/** The CDN kind: a CloudFront distribution. Its SDK loads with the first object that connects. */
export const cdn: RegisteredKind<CdnParameters, CdnObservation> = {
  provider: "aws",
  managed: cdnKind,
  connector: lazyConnector(async () => (await import("./connector.ts")).cdnConnector()),
  // CloudFront assigns the id, but CreateDistribution is idempotent by CallerReference (derived from
  // the uid): a create whose outcome is unknown is simply repeated, finding or making exactly one.
  externalName: { assignedByCloud: true, idempotentCreate: true },
};
