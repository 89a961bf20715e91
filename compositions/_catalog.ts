import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { databaseKind as awsDatabase } from "../providers/aws/database/schema.ts";
import { loadBalancerKind as awsLoadBalancer } from "../providers/aws/loadbalancer/schema.ts";
import { cdnKind as awsCdn } from "../providers/aws/cdn/schema.ts";
import { databaseKind as gcpDatabase } from "../providers/gcp/database/schema.ts";
import { loadBalancerKind as gcpLoadBalancer } from "../providers/gcp/loadbalancer/schema.ts";
import { cdnKind as gcpCdn } from "../providers/gcp/cdn/schema.ts";
import type { ManagedKind } from "../core/kind.ts";
import { CATALOG_DIR } from "./catalog/index.ts";
import { compileDefinition } from "./definition.ts";
import type { CompiledDefinition } from "./definition.ts";
import { CompositeDefinition, Composition } from "./kinds.ts";

// Test helpers: the catalog's WebStack files and the six composed kinds, without providers/index.ts.

export const testKinds: readonly ManagedKind[] = [awsDatabase, awsLoadBalancer, awsCdn, gcpDatabase, gcpLoadBalancer, gcpCdn];

export function catalogYaml(file: string): unknown {
  return parse(readFileSync(join(CATALOG_DIR, "webstack", file), "utf8"));
}

export function webstackDefinition(): CompiledDefinition {
  const r = compileDefinition(CompositeDefinition.parse(catalogYaml("definition.yaml")));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.compiled;
}

export function webstackComposition(cloud: "aws" | "gcp"): Composition {
  return Composition.parse(catalogYaml(`${cloud}.yaml`));
}
