import type { RegisteredKind } from "../../../core/provider.ts";
import { sdkComputeApi } from "../compute/api.ts";
import { gcpConnector } from "../session.ts";
import { CdnClient } from "./client.ts";
import { cdnKind } from "./schema.ts";

export { cdnKind } from "./schema.ts";

// The CDN kind as the GCP provider registers it: Cloud CDN on a backend bucket or service, served by
// a URL map, target proxy and forwarding rule whose names derive from metadata.name (or the
// external-name annotation), so a create whose answer was lost finds the same resources again.

export const cdnConnector = gcpConnector((session) => new CdnClient({ api: sdkComputeApi(session), project: session.project }));

export const cdn: RegisteredKind = {
  provider: "gcp",
  managed: cdnKind,
  connector: cdnConnector,
  externalName: { assignedByCloud: false },
};
