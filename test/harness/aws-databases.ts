import { database } from "../../providers/aws/database/index.ts";
import type { FaultProxy } from "../../sandbox/faultproxy/index.ts";
import type { Counts } from "../../sandbox/faultproxy/index.ts";
import { emptyCounts } from "../../sandbox/faultproxy/index.ts";

// The Database objects the control-plane fault tests create in bulk: small PostgreSQL instances
// whose master password Terraplane generates into the connection Secret.

export const SMALL_POSTGRES = { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true } as const;

/** A Database as a user writes it: SMALL_POSTGRES with `overrides`, in `namespace`, using ProviderConfig `providerConfig`. */
export function databaseManifest(namespace: string, name: string, providerConfig: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: `${database.managed.group}/${database.managed.version}`,
    kind: database.managed.kind,
    metadata: { name, namespace },
    spec: { forProvider: { ...SMALL_POSTGRES, ...overrides }, providerConfigRef: { kind: "ProviderConfig", name: providerConfig }, writeConnectionSecretToRef: { name: `${name}-conn` } },
  };
}

/** What a fault proxy counted for one RDS operation since its last reset (zeros if never seen). */
export function rdsCalls(proxy: FaultProxy, operation: string): Counts {
  return proxy.stats().services.rds?.operations[operation] ?? emptyCounts();
}
