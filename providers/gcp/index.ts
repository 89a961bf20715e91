import type { Provider } from "../../core/provider.ts";
import { cdn } from "./cdn/index.ts";
import { database } from "./database/index.ts";
import { loadBalancer } from "./loadbalancer/index.ts";
import { gcpConfigKinds } from "./provider-config.ts";

/** The GCP provider: Cloud SQL databases, global external Application Load Balancers, Cloud CDN. */
export const gcpProvider: Provider = {
  name: "gcp",
  kinds: [database, loadBalancer, cdn],
  configKinds: gcpConfigKinds,
};
