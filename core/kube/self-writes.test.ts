import { describe, expect, it } from "vitest";
import { SelfWrites } from "./self-writes.ts";

const KEY = "shop/orders";

/** A write whose response the test releases, so the watch can deliver before or after it. */
function pendingWrite(writes: SelfWrites, version: string | undefined): { done: Promise<string | undefined>; respond: () => void } {
  let respond = (): void => {};
  const answered = new Promise<void>((r) => (respond = r));
  const done = writes.write(KEY, async () => {
    await answered;
    return version;
  }, (v) => v);
  return { done, respond };
}

describe("SelfWrites", () => {
  it("drops its own write whether the watch delivers it before or after the response", async () => {
    const writes = new SelfWrites();
    const forwarded: string[] = [];
    const early = pendingWrite(writes, "10");
    expect(writes.arrived(KEY, "10", () => forwarded.push("10"))).toBe(false);
    early.respond();
    await early.done;
    await writes.write(KEY, () => Promise.resolve("11"), (v) => v);
    expect(writes.arrived(KEY, "11", () => forwarded.push("11"))).toBe(false);
    expect(forwarded).toEqual([]);
    expect(writes.size).toBe(0);
  });

  it("lets someone else's change through, held while a write is in flight, and at once otherwise", async () => {
    const writes = new SelfWrites();
    const forwarded: string[] = [];
    const write = pendingWrite(writes, "12");
    expect(writes.arrived(KEY, "11", () => forwarded.push("11"))).toBe(false);
    expect(writes.arrived(KEY, "12", () => forwarded.push("12"))).toBe(false);
    expect(forwarded).toEqual([]);
    write.respond();
    await write.done;
    expect(forwarded).toEqual(["11"]);
    expect(writes.arrived(KEY, "13", () => forwarded.push("13"))).toBe(true);
  });

  it("forwards what it held when the write is not the reconciler's to claim or fails", async () => {
    const writes = new SelfWrites();
    const forwarded: string[] = [];
    const notOurs = pendingWrite(writes, undefined);
    writes.arrived(KEY, "20", () => forwarded.push("20"));
    notOurs.respond();
    await notOurs.done;
    const failing = writes.write(KEY, () => Promise.reject(new Error("409")), () => "x");
    writes.arrived(KEY, "21", () => forwarded.push("21"));
    await expect(failing).rejects.toThrow("409");
    expect(forwarded).toEqual(["20", "21"]);
  });

  it("a held edit is forwarded even when a change that needs no reconcile arrives after it", async () => {
    // Seen with watches cut mid-stream: a user's spec edit (613) arrives while our status write is in
    // flight; our write lands after it, on the new generation, so the reconciler does not claim it
    // (617, status only). The edit must still wake the object.
    const writes = new SelfWrites();
    const forwarded: string[] = [];
    const write = pendingWrite(writes, undefined);
    expect(writes.arrived(KEY, "613", () => forwarded.push("613"))).toBe(false);
    expect(writes.arrived(KEY, "617", undefined)).toBe(false);
    write.respond();
    await write.done;
    expect(forwarded).toEqual(["613"]);
    expect(writes.arrived(KEY, "618", undefined)).toBe(false);
    expect(writes.size).toBe(0);
  });

  it("consumes a status-only write of ours the watch delivered before its response, so the cache is not thought behind", async () => {
    // Our status writes are mostly 'unchanged' to the informer's fingerprint. Not held, the early
    // delivery was never matched to the write, and behind() held the object for the whole lag allowance.
    const writes = new SelfWrites();
    const write = pendingWrite(writes, "30");
    expect(writes.arrived(KEY, "30", undefined)).toBe(false);
    write.respond();
    await write.done;
    expect(writes.behind(KEY)).toBe(false);
    expect(writes.size).toBe(0);
  });

  it("keeps only the last few versions per object, and nothing once it is forgotten", async () => {
    const writes = new SelfWrites({ perKey: 2 });
    for (const v of ["1", "2", "3"]) await writes.write(KEY, () => Promise.resolve(v), (x) => x);
    expect(writes.arrived(KEY, "1", () => undefined)).toBe(true);
    writes.forget(KEY);
    expect(writes.arrived(KEY, "3", () => undefined)).toBe(true);
    expect(writes.size).toBe(0);
  });

  it("says the cache is behind until the watch delivers our last write, then wakes whoever waits", async () => {
    let now = 0;
    const writes = new SelfWrites({ maxLagMs: 1_000, now: () => now });
    await writes.write(KEY, () => Promise.resolve("30"), (v) => v);
    expect(writes.behind(KEY)).toBe(true);
    let woken = 0;
    writes.whenSeen(KEY, () => woken++);
    writes.arrived(KEY, "30", undefined);
    expect(writes.behind(KEY)).toBe(false);
    expect(woken).toBe(1);
    await writes.write(KEY, () => Promise.resolve("31"), (v) => v);
    now = 1_500;
    expect(writes.behind(KEY)).toBe(false);
    expect(writes.size).toBe(0);
  });
});
