import { describe, expect, it } from "vitest";
import type { Classification } from "./classify.ts";
import { FaultConfigSchema, FaultEngine, isFaultConfigError, parseFaultConfig, parseScheduledFault, spoilBody } from "./faults.ts";
import type { Decision, Match } from "./faults.ts";
import { seededRandom } from "./random.ts";
import type { Random } from "./random.ts";

const RDS_CREATE: Classification = { service: "rds", operation: "CreateDBInstance", protocol: "awsQuery" };
const RDS_DESCRIBE: Classification = { service: "rds", operation: "DescribeDBInstances", protocol: "awsQuery" };
const CF_LIST: Classification = { service: "cloudfront", operation: "ListDistributions", protocol: "restXml" };
const SQL_GET: Classification = { service: "sqladmin", operation: "instances.get", protocol: "googleJson" };

/** A Random that replays the given values, then fails loudly. */
function sequence(...values: number[]): Random {
  return () => {
    const v = values.shift();
    if (v === undefined) throw new Error("random sequence exhausted");
    return v;
  };
}

const never: Random = () => {
  throw new Error("random must not be drawn");
};

describe("FaultConfigSchema", () => {
  const valid: Record<string, { input: unknown }> = {
    empty: { input: {} },
    "every fault": {
      input: {
        rules: [
          { fault: "throttle", rate: 0.2, match: { service: "rds", operation: ["CreateDBInstance", "ModifyDBInstance"] } },
          { fault: "error5xx", rate: 0.1, status: 500, match: { protocol: ["awsQuery", "restXml"] } },
          { fault: "latency", rate: 1, delayMs: { min: 10, max: 50 } },
          { fault: "drop", rate: 0.01, match: { operationPattern: "^Describe" } },
          { fault: "truncate", rate: 1, keep: 0.25, match: { service: "rds" } },
          { fault: "rewrite", rate: 1, replace: [{ pattern: "<DBInstanceStatus>[^<]*</DBInstanceStatus>", with: "<DBInstanceStatus>sideways</DBInstanceStatus>" }] },
        ],
        schedule: [{ fault: "throttle", count: 2, match: { service: "cloudfront" } }],
      },
    },
  };
  for (const [name, { input }] of Object.entries(valid)) {
    it(`accepts ${name}`, () => expect(FaultConfigSchema.safeParse(input).success).toBe(true));
  }

  it("fills defaults", () => {
    expect(parseFaultConfig({ rules: [{ fault: "error5xx", rate: 1 }] })).toEqual({ rules: [{ fault: "error5xx", rate: 1, status: 503 }], schedule: [] });
    expect(parseScheduledFault({ fault: "truncate", count: 1 })).toEqual({ fault: "truncate", count: 1, keep: 0.5 });
  });

  const invalid: Record<string, { input: unknown; want: RegExp }> = {
    "not an object": { input: [], want: /expected object/i },
    "unknown fault": { input: { rules: [{ fault: "explode", rate: 1 }] }, want: /rules\[0\]\.fault/ },
    "rate above 1": { input: { rules: [{ fault: "throttle", rate: 1.5 }] }, want: /rules\[0\]\.rate/ },
    "missing rate": { input: { rules: [{ fault: "throttle" }] }, want: /rules\[0\]\.rate/ },
    "status not 500/503": { input: { rules: [{ fault: "error5xx", rate: 1, status: 502 }] }, want: /rules\[0\]\.status/ },
    "latency without delay": { input: { rules: [{ fault: "latency", rate: 1 }] }, want: /rules\[0\]\.delayMs/ },
    "negative delay": { input: { rules: [{ fault: "latency", rate: 1, delayMs: -1 }] }, want: /delayMs/ },
    "min > max": { input: { rules: [{ fault: "latency", rate: 1, delayMs: { min: 9, max: 1 } }] }, want: /min must be <= max/ },
    "bad regex": { input: { rules: [{ fault: "drop", rate: 1, match: { operationPattern: "(" } }] }, want: /valid regular expression/ },
    "unknown protocol": { input: { rules: [{ fault: "drop", rate: 1, match: { protocol: "soap" } }] }, want: /match\.protocol/ },
    "typo in a match key": { input: { rules: [{ fault: "drop", rate: 1, match: { services: "rds" } }] }, want: /services/ },
    "extra top-level key": { input: { rule: [] }, want: /rule/ },
    "zero count": { input: { schedule: [{ fault: "throttle", count: 0 }] }, want: /schedule\[0\]\.count/ },
    "truncate keeping everything": { input: { rules: [{ fault: "truncate", rate: 1, keep: 1 }] }, want: /rules\[0\]\.keep/ },
    "rewrite without replacements": { input: { rules: [{ fault: "rewrite", rate: 1, replace: [] }] }, want: /rules\[0\]\.replace/ },
    "rewrite with a bad regex": { input: { schedule: [{ fault: "rewrite", count: 1, replace: [{ pattern: "[", with: "" }] }] }, want: /valid regular expression/ },
    "rewrite without its replacement": { input: { rules: [{ fault: "rewrite", rate: 1, replace: [{ pattern: "x" }] }] }, want: /replace\[0\]\.with/ },
    "empty operation list": { input: { rules: [{ fault: "drop", rate: 1, match: { operation: [] } }] }, want: /match\.operation/ },
  };
  for (const [name, { input, want }] of Object.entries(invalid)) {
    it(`rejects ${name} with a clear message`, () => {
      let thrown: unknown;
      try {
        parseFaultConfig(input);
      } catch (err) {
        thrown = err;
      }
      expect(isFaultConfigError(thrown)).toBe(true);
      expect(thrown instanceof Error ? thrown.message : "").toMatch(want);
    });
  }

  it("validates scheduled faults on their own", () => {
    expect(parseScheduledFault({ fault: "drop", count: 1 })).toEqual({ fault: "drop", count: 1 });
    expect(() => parseScheduledFault({ fault: "drop" })).toThrow(/count/);
  });
});

function decide(engine: FaultEngine, c: Classification, n: number): Decision["action"]["kind"][] {
  return Array.from({ length: n }, () => engine.decide(c).action.kind);
}

describe("FaultEngine", () => {
  it("forwards everything without faults", () => {
    expect(new FaultEngine(never).decide(RDS_CREATE)).toEqual({ delayMs: 0, action: { kind: "forward" }, applied: [] });
  });

  const filters: Record<string, { match: Match; hits: Classification[]; misses: Classification[] }> = {
    service: { match: { service: "rds" }, hits: [RDS_CREATE, RDS_DESCRIBE], misses: [CF_LIST, SQL_GET] },
    "service list": { match: { service: ["rds", "sqladmin"] }, hits: [RDS_CREATE, SQL_GET], misses: [CF_LIST] },
    operation: { match: { operation: "CreateDBInstance" }, hits: [RDS_CREATE], misses: [RDS_DESCRIBE] },
    "operation list": { match: { operation: ["ListDistributions", "instances.get"] }, hits: [CF_LIST, SQL_GET], misses: [RDS_CREATE] },
    "operation regex": { match: { operationPattern: "^(Describe|List)" }, hits: [RDS_DESCRIBE, CF_LIST], misses: [RDS_CREATE, SQL_GET] },
    protocol: { match: { protocol: "googleJson" }, hits: [SQL_GET], misses: [RDS_CREATE, CF_LIST] },
    "all fields must match": { match: { service: "rds", operationPattern: "Create" }, hits: [RDS_CREATE], misses: [RDS_DESCRIBE, CF_LIST] },
  };
  for (const [name, { match, hits, misses }] of Object.entries(filters)) {
    it(`filters by ${name}`, () => {
      const engine = new FaultEngine(never, { rules: [{ fault: "throttle", rate: 1, match }] });
      for (const c of hits) expect(engine.decide(c).action.kind, `${c.service} ${c.operation}`).toBe("throttle");
      for (const c of misses) expect(engine.decide(c).action.kind, `${c.service} ${c.operation}`).toBe("forward");
    });
  }

  it("rolls each matching rule against its rate", () => {
    const engine = new FaultEngine(sequence(0.1, 0.3, 0.29999, 0.9), { rules: [{ fault: "error5xx", rate: 0.3, status: 500 }] });
    expect(decide(engine, RDS_CREATE, 4)).toEqual(["error5xx", "forward", "error5xx", "forward"]);
  });

  it("is deterministic for a seed", () => {
    const config = { rules: [{ fault: "throttle" as const, rate: 0.5 }] };
    const a = decide(new FaultEngine(seededRandom(42), config), RDS_CREATE, 200);
    const b = decide(new FaultEngine(seededRandom(42), config), RDS_CREATE, 200);
    expect(a).toEqual(b);
    const throttled = a.filter((k) => k === "throttle").length;
    expect(throttled).toBeGreaterThan(70);
    expect(throttled).toBeLessThan(130);
  });

  it("adds latency and lets the first terminal fault win", () => {
    const engine = new FaultEngine(sequence(0.5), {
      rules: [
        { fault: "latency", rate: 1, delayMs: 100 },
        { fault: "drop", rate: 1, match: { service: "cloudfront" } },
        { fault: "throttle", rate: 1 },
        { fault: "error5xx", rate: 1 },
        { fault: "latency", rate: 1, delayMs: { min: 10, max: 20 } },
      ],
    });
    // 10 + floor(0.5 * 11) = 15
    expect(engine.decide(RDS_CREATE)).toEqual({ delayMs: 115, action: { kind: "throttle" }, applied: ["latency", "throttle", "latency"] });
  });

  it("serves scheduled faults first, in order, then falls back to rules", () => {
    const engine = new FaultEngine(never, { rules: [{ fault: "error5xx", rate: 1, match: { service: "rds" } }] });
    engine.schedule({ fault: "throttle", count: 2, match: { operation: "CreateDBInstance" } });
    engine.schedule({ fault: "drop", count: 1 });
    expect(decide(engine, CF_LIST, 1)).toEqual(["drop"]); // only the catch-all matches
    expect(decide(engine, RDS_CREATE, 3)).toEqual(["throttle", "throttle", "error5xx"]);
    expect(engine.config().schedule).toEqual([]);
  });

  it("reports what remains of a schedule", () => {
    const engine = new FaultEngine(never);
    engine.schedule({ fault: "latency", count: 3, delayMs: 5 });
    expect(engine.decide(SQL_GET)).toEqual({ delayMs: 5, action: { kind: "forward" }, applied: ["latency"] });
    expect(engine.config().schedule).toEqual([{ fault: "latency", count: 2, delayMs: 5 }]);
  });

  it("keeps the old config when the new one is invalid", () => {
    const engine = new FaultEngine(never, { rules: [{ fault: "drop", rate: 1 }] });
    expect(() => engine.set({ rules: [{ fault: "drop", rate: 2 }] })).toThrow(/rate/);
    expect(engine.decide(RDS_CREATE).action.kind).toBe("drop");
    engine.reset();
    expect(engine.decide(RDS_CREATE).action.kind).toBe("forward");
  });
});

describe("truncate and rewrite", () => {
  const replace = [{ pattern: "<Status>([a-z]+)</Status>", with: "<Status>un$1</Status>" }];

  it("are terminal decisions carrying what to do with the answer", () => {
    const engine = new FaultEngine(never, { rules: [{ fault: "rewrite", rate: 1, replace, match: { service: "rds" } }, { fault: "drop", rate: 1 }] });
    expect(engine.decide(RDS_DESCRIBE)).toEqual({ delayMs: 0, action: { kind: "rewrite", replace }, applied: ["rewrite"] });
    engine.schedule({ fault: "truncate", count: 1, keep: 0.1, match: { protocol: "googleJson" } });
    expect(engine.decide(SQL_GET)).toEqual({ delayMs: 0, action: { kind: "truncate", keep: 0.1 }, applied: ["truncate"] });
    expect(engine.decide(SQL_GET).action.kind).toBe("drop");
  });

  it("truncate keeps that fraction of the bytes, rounded down", () => {
    const body = Buffer.from('{"name":"orders","state":"RUNNABLE"}');
    expect(spoilBody({ kind: "truncate", keep: 0.5 }, body).toString()).toBe('{"name":"orders","');
    expect(spoilBody({ kind: "truncate", keep: 0 }, body).byteLength).toBe(0);
  });

  it("rewrite replaces every match of each pattern, in order, with group references", () => {
    const body = Buffer.from("<A><Status>available</Status><Status>ok</Status><Endpoint>x</Endpoint></A>");
    const out = spoilBody({ kind: "rewrite", replace: [...replace, { pattern: "<Endpoint>.*?</Endpoint>", with: "" }] }, body);
    expect(out.toString()).toBe("<A><Status>unavailable</Status><Status>unok</Status></A>");
  });
});
