// The six kinds the kill trial drives, each as a user writes it: a spec for a new object, a spec
// edit the controller must carry to the cloud (a new revision of a mutable field), and how its name
// is spelled so that the trial finds the object's cloud resources among everyone else's.

export type KindId = "aws/Database" | "aws/LoadBalancer" | "aws/CDN" | "gcp/Database" | "gcp/LoadBalancer" | "gcp/CDN";

export interface TrialScope {
  /** Every object name starts with it (a run id): the trial's share of moto and the emulator. */
  readonly prefix: string;
  readonly namespace: string;
  readonly awsRegion: string;
  /** Two default subnets of `awsRegion` (in different Availability Zones), for the AWS LoadBalancer. */
  readonly awsSubnets: readonly string[];
  readonly awsProviderConfig: string;
  readonly gcpProviderConfig: string;
}

export interface TrialKind {
  readonly id: KindId;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** Short name part: `<prefix>-<short>-<n>`. */
  readonly short: string;
  readonly providerConfig: (scope: TrialScope) => string;
  /** spec.forProvider of a new object at revision 0. */
  readonly forProvider: (scope: TrialScope, name: string) => Record<string, unknown>;
  /** A merge patch of spec.forProvider that changes the cloud resource (revision `rev` > 0). */
  readonly edit: (scope: TrialScope, rev: number) => Record<string, unknown>;
  /** Whether the object publishes a connection Secret `<name>-conn` that must hold a password. */
  readonly connectionPassword: boolean;
}

const AWS = { group: "aws.terraplane.dev", version: "v1alpha1" } as const;
const GCP = { group: "gcp.terraplane.dev", version: "v1alpha1" } as const;

export const TRIAL_KINDS: readonly TrialKind[] = [
  {
    id: "aws/Database",
    ...AWS,
    kind: "Database",
    plural: "databases",
    short: "adb",
    providerConfig: (s) => s.awsProviderConfig,
    forProvider: (s) => ({
      region: s.awsRegion,
      engine: "postgres",
      engineVersion: "16",
      instanceClass: "db.t3.micro",
      allocatedStorage: 20,
      masterUsername: "app",
      skipFinalSnapshot: true,
      tags: { trial: "kill", rev: "0" },
    }),
    edit: (_s, rev) => ({ tags: { trial: "kill", rev: String(rev) } }),
    connectionPassword: true,
  },
  {
    id: "aws/LoadBalancer",
    ...AWS,
    kind: "LoadBalancer",
    plural: "loadbalancers",
    short: "alb",
    providerConfig: (s) => s.awsProviderConfig,
    forProvider: (s) => ({
      region: s.awsRegion,
      type: "application",
      scheme: "internet-facing",
      subnets: s.awsSubnets.slice(0, 2),
      tags: { trial: "kill", rev: "0" },
      targetGroups: [{ name: "web", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz" }, targets: [{ id: "172.31.0.10" }] }],
      listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web" } } }],
    }),
    edit: (_s, rev) => ({ tags: { trial: "kill", rev: String(rev) } }),
    connectionPassword: false,
  },
  {
    id: "aws/CDN",
    ...AWS,
    kind: "CDN",
    plural: "cdns",
    short: "acdn",
    providerConfig: (s) => s.awsProviderConfig,
    forProvider: (s) => ({
      region: "us-east-1", // CloudFront is global; its API lives in us-east-1
      comment: `${s.prefix} rev 0`,
      origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only" } }],
      defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" },
      tags: { trial: "kill" },
    }),
    edit: (s, rev) => ({ comment: `${s.prefix} rev ${rev}` }),
    connectionPassword: false,
  },
  {
    id: "gcp/Database",
    ...GCP,
    kind: "Database",
    plural: "databases",
    short: "gdb",
    providerConfig: (s) => s.gcpProviderConfig,
    forProvider: () => ({ databaseVersion: "POSTGRES_16", tier: "db-custom-1-3840", userLabels: { trial: "kill", rev: "r0" } }),
    edit: (_s, rev) => ({ userLabels: { trial: "kill", rev: `r${rev}` } }),
    connectionPassword: true,
  },
  {
    id: "gcp/LoadBalancer",
    ...GCP,
    kind: "LoadBalancer",
    plural: "loadbalancers",
    short: "glb",
    providerConfig: (s) => s.gcpProviderConfig,
    forProvider: () => ({
      healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz", checkIntervalSec: 5 },
      backendServices: [{ name: "web", timeoutSec: 30, backends: [{ group: "projects/trial/zones/europe-west1-b/instanceGroups/web", balancingMode: "UTILIZATION", maxUtilization: 0.8 }] }],
    }),
    // 5..64 s: every revision a different interval.
    edit: (_s, rev) => ({ healthCheck: { type: "HTTP", port: 8080, requestPath: "/healthz", checkIntervalSec: 5 + (rev % 60) } }),
    connectionPassword: false,
  },
  {
    id: "gcp/CDN",
    ...GCP,
    kind: "CDN",
    plural: "cdns",
    short: "gcdn",
    providerConfig: (s) => s.gcpProviderConfig,
    forProvider: () => ({ origin: { bucketName: "trial-assets" }, defaultTtl: 600 }),
    edit: (_s, rev) => ({ defaultTtl: 600 + rev }),
    connectionPassword: false,
  },
];

/** The object's name: `<prefix>-<short>-<n>`. A name is never reused in a run (Cloud SQL keeps deleted names). */
export function objectName(scope: TrialScope, kind: TrialKind, n: number): string {
  return `${scope.prefix}-${kind.short}-${n}`;
}

/** The managed object's name a cloud resource belongs to (`<prefix>-<short>-<n>`, its prefix), or undefined. */
export function ownerOf(scope: TrialScope, kind: TrialKind, cloudName: string): string | undefined {
  const m = new RegExp(`^(${scope.prefix}-${kind.short}-\\d+)(-|$)`).exec(cloudName);
  return m?.[1];
}

export function manifest(scope: TrialScope, kind: TrialKind, name: string): Record<string, unknown> {
  return {
    apiVersion: `${kind.group}/${kind.version}`,
    kind: kind.kind,
    metadata: { name, namespace: scope.namespace },
    spec: {
      forProvider: kind.forProvider(scope, name),
      providerConfigRef: { kind: "ProviderConfig", name: kind.providerConfig(scope) },
      ...(kind.connectionPassword ? { writeConnectionSecretToRef: { name: `${name}-conn` } } : {}),
    },
  };
}
