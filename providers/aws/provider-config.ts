import { z } from "zod";
import type { CrdKind } from "../../core/kind.ts";
import { providerConfigKinds } from "../../core/provider-config.ts";
import { batchObserveFields } from "../shared/batch-observe.ts";
import { awsCallBudgetField } from "./call-budget.ts";

export const AWS_GROUP = "aws.terraplane.dev";
export const AWS_VERSION = "v1alpha1";

const SecretKeySelector = z.object({
  namespace: z.string().min(1).optional().describe("Namespace of the Secret; defaults to the ProviderConfig's own (required for a ClusterProviderConfig)."),
  name: z.string().min(1),
});

export const AwsProviderConfigSpec = z
  .object({
    credentials: z
      .object({
        source: z
          .enum(["Secret", "Environment"])
          .describe("Secret: access keys from a Secret (keys accessKeyId, secretAccessKey, optional sessionToken). Environment: the SDK's default chain (env vars, web identity, instance role)."),
        secretRef: SecretKeySelector.optional(),
      })
      .meta({ "x-kubernetes-validations": [{ rule: "self.source != 'Secret' || has(self.secretRef)", message: "credentials.secretRef is required when source is Secret" }] }),
    region: z.string().min(1).optional().describe("Default region for resources that do not set forProvider.region."),
    assumeRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/).optional().describe("Role to assume with the base credentials."),
    externalId: z.string().optional().describe("External ID for the assumed role."),
    endpoint: z.url().optional().describe("Endpoint override for every AWS API (a local emulator, a VPC endpoint)."),
    ...batchObserveFields,
    ...awsCallBudgetField,
  })
  .describe("How Terraplane authenticates to AWS.");
export type AwsProviderConfigSpec = z.infer<typeof AwsProviderConfigSpec>;

export const awsConfigKinds: readonly CrdKind[] = providerConfigKinds({
  group: AWS_GROUP,
  version: AWS_VERSION,
  provider: "aws",
  holds: "AWS credentials and defaults",
  spec: AwsProviderConfigSpec,
  printerColumns: [
    { name: "SOURCE", type: "string", jsonPath: ".spec.credentials.source" },
    { name: "ENDPOINT", type: "string", jsonPath: ".spec.endpoint", priority: 1 },
  ],
});
