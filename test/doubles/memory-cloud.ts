import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ProviderError } from "../../core/errors.ts";
import type { ErrorClass } from "../../core/errors.ts";

/** A cloud resource in the in-memory cloud. */
export interface CloudThing {
  id: string;
  size: number;
  color: string;
  tags: Record<string, string>;
  state: "creating" | "available" | "deleting";
  /** Observations left before a transition (creating → available, deleting → gone) completes. */
  stepsLeft: number;
}

export type CloudOperation = "get" | "list" | "create" | "update" | "delete";

/** One page of a list and where the next starts (undefined: the last page). */
export interface CloudPage {
  readonly things: CloudThing[];
  readonly next?: string;
}

interface Failure {
  readonly errorClass: ErrorClass;
  readonly message: string;
  remaining: number;
}

/**
 * The test double's cloud: an in-memory store that can be told to fail (by operation, N times), to
 * be slow, to hang a create until released, or to drift behind the controller's back. It counts
 * every call so tests can assert exactly what the controller did.
 */
export class MemoryCloud {
  readonly things = new Map<string, CloudThing>();
  readonly calls: Record<CloudOperation, number> = { get: 0, list: 0, create: 0, update: 0, delete: 0 };
  /** Observations a create or delete stays in progress for. */
  transitionSteps = 1;
  /** Added to every call (get, each list page, create, update, delete). */
  latencyMs = 0;
  readonly #failures = new Map<CloudOperation, Failure>();
  #createGate: { promise: Promise<void>; release: () => void } | undefined;

  failNext(operation: CloudOperation, errorClass: ErrorClass, message: string, times = 1): void {
    this.#failures.set(operation, { errorClass, message, remaining: times });
  }

  /** Creates hang (after the resource has been made) until `releaseCreates()`: a controller dies mid-create. */
  holdCreates(): void {
    let release = (): void => {};
    const promise = new Promise<void>((r) => (release = r));
    this.#createGate = { promise, release };
  }

  releaseCreates(): void {
    this.#createGate?.release();
    this.#createGate = undefined;
  }

  /** Changes a resource out of band, as a person with console access would. */
  drift(id: string, change: Partial<Pick<CloudThing, "size" | "color" | "tags">>): void {
    const thing = this.things.get(id);
    if (!thing) throw new Error(`no thing ${id}`);
    Object.assign(thing, change);
  }

  async get(id: string): Promise<CloudThing | undefined> {
    await this.#enter("get");
    const thing = this.things.get(id);
    return thing ? this.#observed(thing) : undefined;
  }

  /**
   * One page of every thing, ordered by id; `after` is the last id of the previous page (keyset
   * pagination: a thing created or deleted meanwhile never shifts the others). Listing a thing counts
   * as observing it, as a get does.
   */
  async list(after: string | undefined, pageSize: number): Promise<CloudPage> {
    await this.#enter("list");
    const ids = [...this.things.keys()].filter((id) => after === undefined || id > after).sort();
    const page = ids.slice(0, pageSize);
    const things = page.flatMap((id) => {
      const thing = this.things.get(id);
      const seen = thing ? this.#observed(thing) : undefined;
      return seen ? [seen] : [];
    });
    const last = page.at(-1);
    return ids.length > pageSize && last !== undefined ? { things, next: last } : { things };
  }

  /** One observation of a thing: a transition in progress moves a step on (a deleted one goes). */
  #observed(thing: CloudThing): CloudThing | undefined {
    if (thing.stepsLeft > 0) thing.stepsLeft--;
    else if (thing.state === "creating") thing.state = "available";
    else if (thing.state === "deleting") {
      this.things.delete(thing.id);
      return undefined;
    }
    return structuredClone(thing);
  }

  async create(input: { id?: string; size: number; color: string; tags: Record<string, string> }): Promise<CloudThing> {
    await this.#enter("create");
    const id = input.id ?? `thing-${randomBytes(4).toString("hex")}`;
    if (this.things.has(id)) throw new ProviderError("AlreadyExists", `thing ${id} already exists`, { code: "AlreadyExists" });
    const thing: CloudThing = { id, size: input.size, color: input.color, tags: { ...input.tags }, state: "creating", stepsLeft: this.transitionSteps };
    this.things.set(id, thing);
    if (this.#createGate) await this.#createGate.promise;
    return structuredClone(thing);
  }

  async update(id: string, change: Partial<Pick<CloudThing, "size" | "color" | "tags">>): Promise<void> {
    await this.#enter("update");
    const thing = this.things.get(id);
    if (!thing) throw new ProviderError("NotFound", `thing ${id} not found`, { code: "NotFound" });
    Object.assign(thing, change);
  }

  async delete(id: string): Promise<void> {
    await this.#enter("delete");
    const thing = this.things.get(id);
    if (!thing || thing.state === "deleting") return;
    thing.state = "deleting";
    thing.stepsLeft = this.transitionSteps;
  }

  async #enter(operation: CloudOperation): Promise<void> {
    this.calls[operation]++;
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const failure = this.#failures.get(operation);
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      throw new ProviderError(failure.errorClass, failure.message, { code: `Injected${failure.errorClass}` });
    }
  }
}
