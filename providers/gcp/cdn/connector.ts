import type { Connector } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { chainApis } from "../compute/listed-api.ts";
import { ComputeListings } from "../compute/listing.ts";
import { gcpConnector } from "../session.ts";
import { CdnClient } from "./client.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

export function cdnConnector(): Connector<CdnParameters, CdnObservation> {
  // With batch observe (opt-in on the ProviderConfig), one global list per part type, project and poll interval serves every CDN.
  const listings = new ComputeListings();
  return gcpConnector<CdnParameters, CdnObservation>((session, _mr, ctx) => {
    const apis = chainApis(sdkComputeApi(session, ctx.signal), session.observe.batch ? listings.of(session) : undefined);
    return new CdnClient({ ...apis, project: session.project });
  });
}
