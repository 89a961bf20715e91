import { z } from "zod";

// The ProviderConfig fields every provider shares for batch observe (docs/adr/0010), and the
// settings a session carries from them.

export const batchObserveFields = {
  batchObserve: z
    .boolean()
    .optional()
    .describe("Observe from one shared, paginated listing per kind and region each poll interval instead of reading every resource by itself each poll (default false: opt-in while a batched change can take up to two poll intervals to be seen)."),
  listingMaxAgeSeconds: z.int().min(1).max(86_400).optional().describe("The oldest a shared listing may be for any observe; default: each resource's poll interval."),
};

/** How a session's resources are observed: from a shared listing (batch) or each by itself. */
export interface ObserveSettings {
  readonly batch: boolean;
  /** The oldest a shared listing may be for any observe (undefined: each resource's poll interval). */
  readonly listingMaxAgeMs?: number;
}

export function observeSettings(spec: { batchObserve?: boolean | undefined; listingMaxAgeSeconds?: number | undefined }): ObserveSettings {
  return { batch: spec.batchObserve ?? false, ...(spec.listingMaxAgeSeconds !== undefined ? { listingMaxAgeMs: spec.listingMaxAgeSeconds * 1_000 } : {}) };
}

/** The listing options a session's settings ask for. */
export function listingOptions(settings: ObserveSettings): { maxAgeMs?: number } {
  return settings.listingMaxAgeMs !== undefined ? { maxAgeMs: settings.listingMaxAgeMs } : {};
}
