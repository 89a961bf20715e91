import type { Provider } from "../../core/provider.ts";
import { cdn } from "./cdn/index.ts";
import { database } from "./database/index.ts";
import { loadBalancer } from "./loadbalancer/index.ts";
import { awsConfigKinds } from "./provider-config.ts";

/** The AWS provider: RDS databases, ELBv2 load balancers, CloudFront distributions. */
export const awsProvider: Provider = {
  name: "aws",
  kinds: [database, loadBalancer, cdn],
  configKinds: awsConfigKinds,
};
