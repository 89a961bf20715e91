// Compute state: resources by project, collection and name. An insert is held as `pending` until
// its operation commits: invisible to get and list, but its name is taken.
import type { JsonObject } from "../json.ts";
import { compareKeys } from "../pagination.ts";
import type { ResourceRef } from "./links.ts";
import { textAt } from "../json.ts";

export interface StoredResource {
  resource: JsonObject;
  pending: boolean;
}

export class ComputeStore {
  readonly #projects = new Map<string, Map<string, Map<string, StoredResource>>>();

  get(ref: ResourceRef): StoredResource | undefined {
    return this.#projects.get(ref.project)?.get(ref.collection)?.get(ref.name);
  }

  /** Committed resources of a collection, by name. */
  list(project: string, collection: string): JsonObject[] {
    const entries = [...(this.#projects.get(project)?.get(collection)?.values() ?? [])];
    return entries
      .filter((e) => !e.pending)
      .map((e) => e.resource)
      .sort((a, b) => compareKeys(textAt(a, "name"), textAt(b, "name")));
  }

  put(ref: ResourceRef, entry: StoredResource): void {
    let collections = this.#projects.get(ref.project);
    if (!collections) {
      collections = new Map();
      this.#projects.set(ref.project, collections);
    }
    let names = collections.get(ref.collection);
    if (!names) {
      names = new Map();
      collections.set(ref.collection, names);
    }
    names.set(ref.name, entry);
  }

  delete(ref: ResourceRef): void {
    this.#projects.get(ref.project)?.get(ref.collection)?.delete(ref.name);
  }

  /** Every resource, pending ones included, with where it lives (for in-use checks). */
  *all(): Generator<{ readonly ref: ResourceRef; readonly entry: StoredResource }> {
    for (const [project, collections] of this.#projects) {
      for (const [collection, names] of collections) {
        for (const [name, entry] of names) yield { ref: { project, collection, name }, entry };
      }
    }
  }

  reset(project?: string): void {
    if (project === undefined) this.#projects.clear();
    else this.#projects.delete(project);
  }

  dump(): Record<string, Record<string, JsonObject[]>> {
    const out: Record<string, Record<string, JsonObject[]>> = {};
    for (const [project, collections] of this.#projects) {
      out[project] = Object.fromEntries([...collections].map(([c, names]) => [c, [...names.values()].map((e) => e.resource)]));
    }
    return out;
  }
}
