import type { Provider } from "../index.ts";
import { database } from "./database/index.ts";
import { loadBalancer } from "./loadbalancer/index.ts";
import { gcpConfigKinds } from "./provider-config.ts";

/** The GCP provider: Cloud SQL databases, global external Application Load Balancers (Cloud CDN to follow). */
export const gcpProvider: Provider = {
  name: "gcp",
  kinds: [database, loadBalancer],
  configKinds: gcpConfigKinds,
};
