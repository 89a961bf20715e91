import { describe, expect, it } from "vitest";
import { isAbandoned } from "./deadline.ts";
import { Listing, Listings } from "./listing.ts";
import type { ListPage, ListingSource } from "./listing.ts";

interface Item {
  readonly id: string;
  readonly size: number;
}

/** An in-memory cloud: its items, paged two at a time, with every call recorded. */
class FakeCloud implements ListingSource<Item> {
  items = new Map<string, Item>();
  pages: (string | undefined)[] = [];
  gets: string[] = [];
  failNextPage: Error | undefined;
  /** When set, each page waits for it (to hold a fetch open). */
  gate: Promise<void> | undefined;
  lastPageSignal: AbortSignal | undefined;

  constructor(ids: readonly string[]) {
    for (const id of ids) this.items.set(id, { id, size: 10 });
  }

  async page(token: string | undefined, signal: AbortSignal): Promise<ListPage<Item>> {
    this.pages.push(token);
    this.lastPageSignal = signal;
    if (this.gate) await this.gate;
    if (this.failNextPage) {
      const err = this.failNextPage;
      this.failNextPage = undefined;
      throw err;
    }
    const all = [...this.items.values()];
    const start = token === undefined ? 0 : Number(token);
    const next = start + 2 < all.length ? String(start + 2) : undefined;
    return { items: all.slice(start, start + 2), next };
  }

  idOf(item: Item): string {
    return item.id;
  }

  async get(id: string): Promise<Item | undefined> {
    this.gets.push(id);
    return Promise.resolve(this.items.get(id));
  }
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const live = (): AbortSignal => new AbortController().signal;
const ids = ["a", "b", "c", "d", "e"];

describe("Listing", () => {
  it("pages through the whole list once for many concurrent observes (coalesced)", async () => {
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud);
    const reads = await Promise.all(ids.map((id) => listing.read(id, { signal: live(), maxAgeMs: 60_000 })));
    expect(reads.map((r) => r.item?.id)).toEqual(ids);
    expect(reads.every((r) => r.via === "listing")).toBe(true);
    expect(listing.fetches).toBe(1);
    expect(cloud.pages).toEqual([undefined, "2", "4"]);
    expect(cloud.gets).toEqual([]);
  });

  it("serves a listing no older than the caller's maxAge, and no older than its own cap", async () => {
    const c = clock();
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud, { now: c.now, maxAgeMs: 30_000 });
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    c.advance(20_000);
    await listing.read("b", { signal: live(), maxAgeMs: 60_000 });
    expect(listing.fetches).toBe(1);
    await listing.read("b", { signal: live(), maxAgeMs: 10_000 }); // this caller wants a fresher one
    expect(listing.fetches).toBe(2);
    c.advance(31_000); // past the listing's own cap, within the caller's
    await listing.read("c", { signal: live(), maxAgeMs: 60_000 });
    expect(listing.fetches).toBe(3);
  });

  it("sees an out-of-band change with the next listing, not before", async () => {
    const c = clock();
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud, { now: c.now });
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    cloud.items.set("a", { id: "a", size: 99 });
    c.advance(30_000);
    expect((await listing.read("a", { signal: live(), maxAgeMs: 60_000 })).item?.size).toBe(10);
    c.advance(31_000);
    expect((await listing.read("a", { signal: live(), maxAgeMs: 60_000 })).item?.size).toBe(99);
  });

  it("reads a mutated resource by itself until a listing started after the mutation", async () => {
    const c = clock();
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud, { now: c.now });
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    c.advance(1_000);
    cloud.items.set("a", { id: "a", size: 20 });
    listing.mutated("a");
    c.advance(1_000);
    const afterMutation = await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    expect(afterMutation).toEqual({ item: { id: "a", size: 20 }, via: "get-after-mutation" });
    expect((await listing.read("b", { signal: live(), maxAgeMs: 60_000 })).via).toBe("listing"); // others keep the listing
    expect(listing.fetches).toBe(1);

    c.advance(60_000); // a listing fresh enough now starts after the mutation: "a" is served from it again
    const later = await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    expect(later).toEqual({ item: { id: "a", size: 20 }, via: "listing" });
    expect(listing.fetches).toBe(2);
    expect(cloud.gets).toEqual(["a"]);
  });

  it("leaves Get-after-mutation once another resource's observe brought a newer listing", async () => {
    const c = clock();
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud, { now: c.now });
    listing.mutated("a");
    c.advance(1_000);
    await listing.read("b", { signal: live(), maxAgeMs: 60_000 });
    expect((await listing.read("a", { signal: live(), maxAgeMs: 60_000 })).via).toBe("listing");
  });

  it("tells a watched resource when a later listing shows it changed or gone, and no one else", async () => {
    const c = clock();
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud, { now: c.now });
    const woken: string[] = [];
    const watch = (id: string) => ({ signal: live(), maxAgeMs: 60_000, onChanged: () => woken.push(id) });
    for (const id of ["a", "b", "c"]) await listing.read(id, watch(id));
    cloud.items.set("a", { id: "a", size: 99 }); // changed out of band
    cloud.items.delete("b"); // deleted out of band
    c.advance(55_000); // past 90 % of the poll: the next read refetches
    await listing.read("d", { signal: live(), maxAgeMs: 60_000 });
    expect(listing.fetches).toBe(2);
    expect(woken).toEqual(["a", "b"]);
    expect((await listing.read("a", watch("a"))).item?.size).toBe(99); // the woken reconcile reads the new listing
  });

  it("refetches once a listing is older than 90 % of the asking poll, so a change is seen within one poll", async () => {
    const c = clock();
    const listing = new Listing(new FakeCloud(ids), { now: c.now });
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    c.advance(53_000);
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    expect(listing.fetches).toBe(1);
    c.advance(2_000);
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    expect(listing.fetches).toBe(2);
  });

  it("judges changes by versionOf, and forgets watchers not read for three polls", async () => {
    const c = clock();
    const cloud = new (class extends FakeCloud {
      versionOf(item: Item): string {
        return item.id;
      }
    })(ids);
    const listing = new Listing(cloud, { now: c.now });
    const woken: string[] = [];
    await listing.read("a", { signal: live(), maxAgeMs: 10_000, onChanged: () => woken.push("a") });
    cloud.items.set("a", { id: "a", size: 99 }); // a field versionOf leaves out
    c.advance(10_000);
    await listing.read("b", { signal: live(), maxAgeMs: 10_000 });
    expect(woken).toEqual([]);
    expect(listing.watched).toBe(1);
    c.advance(31_000); // "a" was deleted: nobody read it for three of its polls
    await listing.read("b", { signal: live(), maxAgeMs: 10_000 });
    expect(listing.watched).toBe(0);
  });

  it("confirms a resource the listing lacks with a Get before calling it missing", async () => {
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud);
    await listing.read("a", { signal: live(), maxAgeMs: 60_000 });
    cloud.items.set("late", { id: "late", size: 1 }); // made after the listing was taken
    expect(await listing.read("late", { signal: live(), maxAgeMs: 60_000 })).toEqual({ item: { id: "late", size: 1 }, via: "get-missing" });
    cloud.items.delete("b"); // deleted out of band: the listing still shows it until the next one
    expect((await listing.read("b", { signal: live(), maxAgeMs: 60_000 })).item?.id).toBe("b");
    expect(await listing.read("gone", { signal: live(), maxAgeMs: 60_000 })).toEqual({ item: undefined, via: "get-missing" });
    expect(cloud.gets).toEqual(["late", "gone"]);
    expect(listing.fetches).toBe(1);
  });

  it("never caches a failed fetch: its waiters get the error, the next observe fetches again", async () => {
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud);
    cloud.failNextPage = new Error("throttled");
    const failed = await Promise.allSettled([listing.read("a", { signal: live(), maxAgeMs: 60_000 }), listing.read("b", { signal: live(), maxAgeMs: 60_000 })]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(listing.fetches).toBe(1);
    expect((await listing.read("a", { signal: live(), maxAgeMs: 60_000 })).item?.id).toBe("a");
    expect(listing.fetches).toBe(2);
  });

  it("stops only the aborted caller's wait, and the fetch itself once nobody waits", async () => {
    const cloud = new FakeCloud(ids);
    let open = (): void => undefined;
    cloud.gate = new Promise((resolve) => (open = resolve));
    const listing = new Listing(cloud);
    const first = new AbortController();
    const second = new AbortController();
    const a = listing.read("a", { signal: first.signal, maxAgeMs: 60_000 });
    const b = listing.read("b", { signal: second.signal, maxAgeMs: 60_000 });
    first.abort();
    await expect(a).rejects.toSatisfy(isAbandoned);
    expect(cloud.lastPageSignal?.aborted).toBe(false);
    open();
    expect((await b).item?.id).toBe("b");

    const held = new FakeCloud(ids);
    held.gate = new Promise(() => undefined); // never answers
    const stuck = new Listing(held);
    const only = new AbortController();
    const c = stuck.read("c", { signal: only.signal, maxAgeMs: 60_000 });
    only.abort();
    await expect(c).rejects.toSatisfy(isAbandoned);
    expect(held.lastPageSignal?.aborted).toBe(true);
  });

  it("an already aborted signal reads nothing", async () => {
    const cloud = new FakeCloud(ids);
    const listing = new Listing(cloud);
    await expect(listing.read("a", { signal: AbortSignal.abort(), maxAgeMs: 60_000 })).rejects.toSatisfy(isAbandoned);
  });
});

describe("Listings", () => {
  it("keeps one listing per session", async () => {
    const east = { region: "us-east-1" };
    const west = { region: "eu-west-1" };
    const clouds = new Map([
      [east, new FakeCloud(["a"])],
      [west, new FakeCloud(["z"])],
    ]);
    const listings = new Listings<{ region: string }, Item>();
    const source = (key: { region: string }) => (): ListingSource<Item> => clouds.get(key) ?? new FakeCloud([]);
    const one = listings.for(east, source(east));
    expect(listings.for(east, source(east))).toBe(one);
    const two = listings.for(west, source(west));
    expect((await one.read("a", { signal: live(), maxAgeMs: 60_000 })).via).toBe("listing");
    expect(await two.read("a", { signal: live(), maxAgeMs: 60_000 })).toEqual({ item: undefined, via: "get-missing" });
    expect((await two.read("z", { signal: live(), maxAgeMs: 60_000 })).via).toBe("listing");
  });
});
