import { z } from "zod";
import type { CrdKind } from "../../core/kind.ts";
import { providerConfigKinds } from "../../core/provider-config.ts";
import { batchObserveFields } from "../shared/batch-observe.ts";
import { gcpCallBudgetField } from "./call-budget.ts";

export const GCP_GROUP = "gcp.terraplane.dev";
export const GCP_VERSION = "v1alpha1";

export const GcpProviderConfigSpec = z
  .object({
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/).describe("The Google Cloud project resources are created in."),
    credentials: z
      .object({
        source: z
          .enum(["Secret", "ApplicationDefault"])
          .describe("Secret: a service-account JSON key from a Secret. ApplicationDefault: the environment's credentials (Workload Identity, GOOGLE_APPLICATION_CREDENTIALS)."),
        secretRef: z
          .object({
            namespace: z.string().min(1).optional().describe("Defaults to the ProviderConfig's own namespace (required for a ClusterProviderConfig)."),
            name: z.string().min(1),
            key: z.string().min(1).default("credentials.json"),
          })
          .optional(),
      })
      .meta({ "x-kubernetes-validations": [{ rule: "self.source != 'Secret' || has(self.secretRef)", message: "credentials.secretRef is required when source is Secret" }] }),
    region: z.string().min(1).optional().describe("Default region for regional resources (Cloud SQL) that do not set forProvider.region."),
    endpoint: z.url().optional().describe("Endpoint override for every Google API (a local emulator, Private Service Connect)."),
    ...batchObserveFields,
    ...gcpCallBudgetField,
  })
  .describe("How Terraplane authenticates to Google Cloud.");
export type GcpProviderConfigSpec = z.infer<typeof GcpProviderConfigSpec>;

export const gcpConfigKinds: readonly CrdKind[] = providerConfigKinds({
  group: GCP_GROUP,
  version: GCP_VERSION,
  provider: "gcp",
  holds: "Google Cloud project and credentials",
  spec: GcpProviderConfigSpec,
  printerColumns: [
    { name: "PROJECT", type: "string", jsonPath: ".spec.project" },
    { name: "SOURCE", type: "string", jsonPath: ".spec.credentials.source" },
  ],
});
