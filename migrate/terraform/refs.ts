import type { TfInstance } from "./state.ts";

// References between resources, as the state records them: one resource's attribute holds another's
// id, ARN or self-link (a listener's load_balancer_arn, a proxy's url_map). Grouping follows these
// values rather than `dependencies`, which say only that Terraform ordered two resources.

const IDENTIFIERS = ["id", "arn", "self_link"] as const;
const COMPUTE_PREFIX = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//;

/** A Google compute reference in one form, whatever form it came in: projects/p/global/c/name. */
export function computePath(ref: string): string {
  return ref.trim().replace(COMPUTE_PREFIX, "");
}

export class ReferenceIndex {
  readonly #byId = new Map<string, TfInstance[]>();

  constructor(instances: readonly TfInstance[]) {
    for (const inst of instances) {
      if (inst.mode !== "managed") continue;
      for (const key of IDENTIFIERS) {
        const value = inst.attributes[key];
        if (typeof value === "string" && value !== "") this.#add(value, inst);
        if (key === "self_link" && typeof value === "string") this.#add(computePath(value), inst);
      }
    }
  }

  #add(key: string, inst: TfInstance): void {
    const list = this.#byId.get(key) ?? [];
    if (!list.includes(inst)) list.push(inst);
    this.#byId.set(key, list);
  }

  /** The managed instance a reference points at (of one of `types`, when given). */
  resolve(ref: string | undefined, types?: readonly string[]): TfInstance | undefined {
    if (!ref) return undefined;
    const found = [...(this.#byId.get(ref) ?? []), ...(this.#byId.get(computePath(ref)) ?? [])];
    return found.find((i) => !types || types.includes(i.type));
  }
}
