import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { Annotations } from "../../core/managed.ts";
import type { SandboxInfo } from "../launcher/sandbox.ts";

/** The parts of a managed resource the drift makers read. */
export const Target = z.object({
  metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({
    providerConfigRef: z.object({ kind: z.string(), name: z.string() }).optional(),
    forProvider: z.looseObject({
      region: z.string().optional(),
      instanceClass: z.string().optional(),
      tier: z.string().optional(),
      backendServices: z.array(z.looseObject({ name: z.string(), timeoutSec: z.number().optional() })).optional(),
      origin: z.looseObject({ bucketName: z.string().optional() }).optional(),
    }),
  }),
});
export type Target = z.infer<typeof Target>;

export interface DriftContext {
  readonly kc: KubeConfig;
  readonly sandbox: SandboxInfo;
  readonly namespace: string;
  readonly target: Target;
}

/** What a drift maker changed: the field as Terraplane's DriftDetected event names it, and how. */
export interface Drift {
  readonly field: string;
  readonly change: string;
}

export type DriftMaker = (ctx: DriftContext) => Promise<Drift>;

/** The cloud resource's name: the external-name annotation, else the object's name. */
export const cloudName = (ctx: DriftContext): string => ctx.target.metadata.annotations?.[Annotations.externalName] ?? ctx.target.metadata.name;
