// Cloud SQL state: instances by project and name, each with its users.
import type { JsonObject } from "../json.ts";
import { compareKeys } from "../pagination.ts";
import { textAt } from "../json.ts";

export interface InstanceRecord {
  /** The DatabaseInstance as the API returns it (canonical JSON). */
  resource: JsonObject;
  /** Users by `name@host` (MySQL) or `name` (PostgreSQL, SQL Server). */
  readonly users: Map<string, JsonObject>;
}

export class SqlStore {
  readonly #projects = new Map<string, Map<string, InstanceRecord>>();

  get(project: string, name: string): InstanceRecord | undefined {
    return this.#projects.get(project)?.get(name);
  }

  /** A project's instances, by name. */
  list(project: string): InstanceRecord[] {
    return [...(this.#projects.get(project)?.values() ?? [])].sort((a, b) => compareKeys(textAt(a.resource, "name"), textAt(b.resource, "name")));
  }

  put(project: string, name: string, record: InstanceRecord): void {
    let instances = this.#projects.get(project);
    if (!instances) {
      instances = new Map();
      this.#projects.set(project, instances);
    }
    instances.set(name, record);
  }

  delete(project: string, name: string): void {
    this.#projects.get(project)?.delete(name);
  }

  reset(project?: string): void {
    if (project === undefined) this.#projects.clear();
    else this.#projects.delete(project);
  }

  /** Everything, for the debugging dump. */
  dump(): Record<string, Record<string, { instance: JsonObject; users: JsonObject[] }>> {
    const out: Record<string, Record<string, { instance: JsonObject; users: JsonObject[] }>> = {};
    for (const [project, instances] of this.#projects) {
      out[project] = Object.fromEntries([...instances].map(([name, r]) => [name, { instance: r.resource, users: [...r.users.values()] }]));
    }
    return out;
  }
}
