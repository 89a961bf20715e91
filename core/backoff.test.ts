import { describe, expect, it } from "vitest";
import { KeyedBackoff, jittered } from "./backoff.ts";
import type { KeyedBackoffOptions } from "./backoff.ts";

/** A fixed "random" value: 0.5 means no jitter, 0 the low edge, just under 1 the high edge. */
const fixed = (value: number) => (): number => value;
const HIGH = 1 - Number.EPSILON;

describe("KeyedBackoff.next", () => {
  const cases: Record<string, { reason: string; options: KeyedBackoffOptions; calls: number; want: number[] }> = {
    "doubles per failure up to the cap": {
      reason: "base · 2^(n-1), then maxMs",
      options: { baseMs: 1000, maxMs: 300_000, jitter: 0.2, random: fixed(0.5) },
      calls: 12,
      want: [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000],
    },
    "jitter at its low edge": {
      reason: "random() = 0 takes 20 % off",
      options: { baseMs: 1000, maxMs: 300_000, jitter: 0.2, random: fixed(0) },
      calls: 3,
      want: [800, 1600, 3200],
    },
    "jitter at its high edge": {
      reason: "random() → 1 adds 20 %",
      options: { baseMs: 1000, maxMs: 300_000, jitter: 0.2, random: fixed(HIGH) },
      calls: 3,
      want: [1200, 2400, 4800],
    },
    "jitter never exceeds the cap": {
      reason: "maxMs is a ceiling even after jitter; below it jitter still spreads",
      options: { baseMs: 1000, maxMs: 4000, jitter: 0.2, random: fixed(HIGH) },
      calls: 4,
      want: [1200, 2400, 4000, 4000],
    },
    "no jitter": {
      reason: "jitter 0 ignores random()",
      options: { baseMs: 500, maxMs: 1500, jitter: 0, random: fixed(0) },
      calls: 4,
      want: [500, 1000, 1500, 1500],
    },
    "very many failures stay at the cap": {
      reason: "2^n overflowing to Infinity is still capped",
      options: { baseMs: 1000, maxMs: 300_000, jitter: 0, random: fixed(0.5) },
      calls: 1200,
      want: Array.from({ length: 1200 }, (_, i) => Math.min(1000 * 2 ** i, 300_000)),
    },
  };

  for (const [name, { reason, options, calls, want }] of Object.entries(cases)) {
    it(name, () => {
      const backoff = new KeyedBackoff(options);
      const got = Array.from({ length: calls }, () => backoff.next("k"));
      expect(got, reason).toEqual(want);
    });
  }

  it("keeps jittered delays within ±jitter for real randomness", () => {
    const backoff = new KeyedBackoff({ baseMs: 10_000, maxMs: 10_000_000, jitter: 0.2 });
    for (let i = 0; i < 1000; i++) {
      backoff.forget("k");
      const delay = backoff.next("k");
      expect(delay).toBeGreaterThanOrEqual(8000);
      expect(delay).toBeLessThanOrEqual(12_000);
    }
  });
});

describe("KeyedBackoff per key", () => {
  it("counts failures per key and forgets one key without touching others", () => {
    const backoff = new KeyedBackoff({ baseMs: 1000, maxMs: 60_000, jitter: 0, random: fixed(0.5) });
    backoff.next("a");
    backoff.next("a");
    backoff.next("a");
    backoff.next("b");
    expect({ a: backoff.failures("a"), b: backoff.failures("b"), c: backoff.failures("c"), size: backoff.size }).toEqual({ a: 3, b: 1, c: 0, size: 2 });

    backoff.forget("a");
    expect({ a: backoff.failures("a"), b: backoff.failures("b"), size: backoff.size }).toEqual({ a: 0, b: 1, size: 1 });
    expect(backoff.next("a")).toBe(1000);
    expect(backoff.next("b")).toBe(2000);
  });
});

describe("KeyedBackoff options", () => {
  const cases: Record<string, { options: KeyedBackoffOptions; want: RegExp }> = {
    "zero base": { options: { baseMs: 0, maxMs: 10, jitter: 0 }, want: /baseMs/ },
    "max below base": { options: { baseMs: 10, maxMs: 5, jitter: 0 }, want: /baseMs <= maxMs/ },
    "NaN base": { options: { baseMs: Number.NaN, maxMs: 10, jitter: 0 }, want: /baseMs/ },
    "negative jitter": { options: { baseMs: 1, maxMs: 10, jitter: -0.1 }, want: /jitter/ },
    "jitter above 1": { options: { baseMs: 1, maxMs: 10, jitter: 1.5 }, want: /jitter/ },
  };

  for (const [name, { options, want }] of Object.entries(cases)) {
    it(`rejects ${name}`, () => {
      expect(() => new KeyedBackoff(options)).toThrow(want);
    });
  }
});

describe("jittered", () => {
  const cases: Record<string, { ms: number; fraction: number; random: number; want: number }> = {
    "middle of the range is the input": { ms: 60_000, fraction: 0.1, random: 0.5, want: 60_000 },
    "low edge": { ms: 60_000, fraction: 0.1, random: 0, want: 54_000 },
    "high edge": { ms: 60_000, fraction: 0.1, random: HIGH, want: 66_000 },
    "no jitter": { ms: 60_000, fraction: 0, random: 0, want: 60_000 },
    "rounds to whole ms": { ms: 1001, fraction: 0.5, random: 0.25, want: 751 },
    "never negative": { ms: 100, fraction: 1, random: 0, want: 0 },
  };

  for (const [name, { ms, fraction, random, want }] of Object.entries(cases)) {
    it(name, () => {
      expect(jittered(ms, fraction, fixed(random))).toBe(want);
    });
  }

  it("defaults to Math.random and stays within bounds", () => {
    for (let i = 0; i < 1000; i++) {
      const got = jittered(1000, 0.2);
      expect(got).toBeGreaterThanOrEqual(800);
      expect(got).toBeLessThanOrEqual(1200);
    }
  });
});
