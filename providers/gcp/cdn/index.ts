import { lazyConnector } from "../../../core/lazy-connector.ts";
import type { RegisteredKind } from "../../../core/provider.ts";
import { cdnKind } from "./schema.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

export { cdnKind } from "./schema.ts";

// The CDN kind as the GCP provider registers it: Cloud CDN on a backend bucket or service, served by
// a URL map, target proxy and forwarding rule whose names derive from metadata.name (or the
// external-name annotation), so a create whose answer was lost finds the same resources again.
// The compute client (the largest SDK Terraplane loads) comes with the first object that connects.

export const cdn: RegisteredKind<CdnParameters, CdnObservation> = {
  provider: "gcp",
  managed: cdnKind,
  connector: lazyConnector(async () => (await import("./connector.ts")).cdnConnector()),
  externalName: { assignedByCloud: false },
};
