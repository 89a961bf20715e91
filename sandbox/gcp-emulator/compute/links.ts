// Compute self-links and the reference forms the API accepts: full URLs (any host or API version,
// as clients may pass beta links), `projects/p/global/c/n`, and `global/c/n` in the caller's project.
export const COMPUTE_BASE = "https://www.googleapis.com/compute/v1";
/** The proto package of compute v1, for the codec. */
export const COMPUTE_PACKAGE = "google.cloud.compute.v1";

export interface ResourceRef {
  readonly project: string;
  readonly collection: string;
  readonly name: string;
}

/** `projects/p/global/c/n`: how compute names a resource in messages. */
export function refPath(ref: ResourceRef): string {
  return `projects/${ref.project}/global/${ref.collection}/${ref.name}`;
}

export function selfLink(ref: ResourceRef): string {
  return `${COMPUTE_BASE}/${refPath(ref)}`;
}

export function collectionLink(project: string, collection: string): string {
  return `${COMPUTE_BASE}/projects/${project}/global/${collection}`;
}

const FULL = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\/(.*)$/;
const PROJECT_PATH = /^projects\/([^/]+)\/global\/([A-Za-z]+)\/([^/]+)$/;
const GLOBAL_PATH = /^global\/([A-Za-z]+)\/([^/]+)$/;

/** Parses a reference to a global resource; undefined when it is not a well-formed one. */
export function parseRef(value: string, defaultProject: string): ResourceRef | undefined {
  const path = (FULL.exec(value)?.[1] ?? value).replace(/^\//, "");
  const full = PROJECT_PATH.exec(path);
  if (full) return { project: full[1] ?? "", collection: full[2] ?? "", name: full[3] ?? "" };
  const short = GLOBAL_PATH.exec(path);
  if (short) return { project: defaultProject, collection: short[1] ?? "", name: short[2] ?? "" };
  return undefined;
}
