import type { Connector } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { gcpConnector } from "../session.ts";
import { CdnClient } from "./client.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

export function cdnConnector(): Connector<CdnParameters, CdnObservation> {
  return gcpConnector<CdnParameters, CdnObservation>((session, _mr, ctx) => new CdnClient({ api: sdkComputeApi(session, ctx.signal), project: session.project }));
}
