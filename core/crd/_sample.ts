import { z } from "zod";
import { immutable } from "../kind.ts";
import type { ManagedKind } from "../kind.ts";

// A small managed kind for the CRD tests (unit and integration): not a real cloud resource.

export const SampleForProvider = z.object({
  region: z.string().min(1).describe("Where the disk lives. Immutable."),
  sizeGiB: z.number().int().min(1).max(16384).default(10).describe("Size in GiB."),
  tags: z.record(z.string(), z.string()).optional().describe("Tags on the cloud resource."),
  encryption: z
    .object({
      enabled: z.boolean().default(true),
      kmsKeyId: z.string().optional(),
    })
    .optional(),
});

export const SampleAtProvider = z.object({
  arn: z.string().optional(),
  status: z.string().optional(),
});

/** A Disk kind in `group` (tests use a unique group per run so they never share a CRD). */
export function sampleKind(group = "aws.terraplane.dev"): ManagedKind<typeof SampleForProvider, typeof SampleAtProvider> {
  return {
    group,
    version: "v1alpha1",
    kind: "Disk",
    plural: "disks",
    shortNames: ["dsk"],
    description: "A block storage volume (a test kind).",
    forProvider: SampleForProvider,
    atProvider: SampleAtProvider,
    forProviderRules: immutable(["region"], "Disk"),
    printerColumns: [{ name: "REGION", type: "string", jsonPath: ".spec.forProvider.region", priority: 1 }],
  };
}
