import type { Provider } from "../index.ts";
import { database } from "./database/index.ts";
import { gcpConfigKinds } from "./provider-config.ts";

/** The GCP provider: Cloud SQL databases (load balancing and Cloud CDN to follow). */
export const gcpProvider: Provider = {
  name: "gcp",
  kinds: [database],
  configKinds: gcpConfigKinds,
};
