import { describe, expect, it } from "vitest";
import { z } from "zod";
import { re2Problem } from "./_re2.ts";
import { assertStructural, isStructuralSchemaError, toStructural, zodToStructural } from "./structural.ts";
import type { StructuralSchema } from "./structural.ts";

/** Converts `field` as the one property of an object and returns its structural form. */
function fieldOf(field: z.ZodType): StructuralSchema | undefined {
  return zodToStructural(z.object({ field }), { path: "spec" }).properties?.field;
}

/** The violations' "path: message" lines of whatever `fn` throws (empty when it does not throw). */
function violationsOf(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (!isStructuralSchemaError(err)) throw err;
    return err.violations.map((v) => `${v.path}: ${v.message}`);
  }
}

const Address = z.object({ street: z.string(), city: z.string() });

describe("zodToStructural", () => {
  const cases: Record<string, { reason: string; field: z.ZodType; want: StructuralSchema }> = {
    "string|integer union": {
      reason: "Kubernetes' only union is int-or-string; zod's safe-integer bounds go",
      field: z.union([z.string(), z.number().int()]).describe("A port number or name."),
      want: { description: "A port number or name.", "x-kubernetes-int-or-string": true },
    },
    "nullable string": {
      reason: "nullable becomes nullable: true, not an anyOf with null",
      field: z.string().nullable(),
      want: { type: "string", nullable: true },
    },
    "union with null": {
      reason: "an explicit null branch is nullable too",
      field: z.union([z.string(), z.null()]),
      want: { type: "string", nullable: true },
    },
    "nullable int-or-string": {
      reason: "both at once",
      field: z.union([z.string(), z.number().int()]).nullable(),
      want: { nullable: true, "x-kubernetes-int-or-string": true },
    },
    "map of strings": {
      reason: "a record keeps its typed additionalProperties",
      field: z.record(z.string(), z.string()),
      want: { type: "object", additionalProperties: { type: "string" } },
    },
    "map of objects": {
      reason: "map values are converted like any field",
      field: z.record(z.string(), z.object({ port: z.number().int().min(1).max(65535) })),
      want: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: { port: { type: "integer", minimum: 1, maximum: 65535 } },
          required: ["port"],
        },
      },
    },
    "record of unknown": {
      reason: "free-form objects keep unknown fields instead of being pruned to {}",
      field: z.record(z.string(), z.unknown()),
      want: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    "unknown": {
      reason: "any JSON value: untyped, which only preserve-unknown-fields allows",
      field: z.unknown().describe("Anything."),
      want: { description: "Anything.", "x-kubernetes-preserve-unknown-fields": true },
    },
    "loose object": {
      reason: "declared fields plus unknown ones kept",
      field: z.looseObject({ name: z.string() }),
      want: {
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
        "x-kubernetes-preserve-unknown-fields": true,
      },
    },
    "strict object": {
      reason: "additionalProperties: false is dropped (the API server prunes unknown fields anyway)",
      field: z.strictObject({ name: z.string() }),
      want: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    },
    "integer with default and bounds": {
      reason: "integers stay integers; real bounds and the default stay, zod's ±2^53 bounds go",
      field: z.number().int().min(1).default(3),
      want: { type: "integer", default: 3, minimum: 1 },
    },
    "plain integer": {
      reason: "no bounds left at all",
      field: z.number().int(),
      want: { type: "integer" },
    },
    "exclusive bound": {
      reason: "OpenAPI 3.0 spells exclusive bounds as booleans",
      field: z.number().gt(0),
      want: { type: "number", minimum: 0, exclusiveMinimum: true },
    },
    "enum with default": {
      reason: "enum and default are kept",
      field: z.enum(["gp3", "io2"]).default("gp3"),
      want: { type: "string", default: "gp3", enum: ["gp3", "io2"] },
    },
    "union of literals": {
      reason: "literals of one type merge into one enum",
      field: z.union([z.literal("a"), z.literal("b")]),
      want: { type: "string", enum: ["a", "b"] },
    },
    "string checks": {
      reason: "lengths and an RE2-safe pattern are kept",
      field: z.string().min(1).max(63).regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/),
      want: { type: "string", minLength: 1, maxLength: 63, pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$" },
    },
    "two patterns": {
      reason: "the second pattern stays in an allOf holding only the check",
      field: z.string().regex(/^a/).regex(/z$/),
      want: { type: "string", pattern: "^a", allOf: [{ pattern: "z$" }] },
    },
    "known format": {
      reason: "formats Kubernetes knows are kept beside zod's pattern",
      field: z.ipv4(),
      want: {
        type: "string",
        format: "ipv4",
        pattern: "^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$",
      },
    },
    "unknown format": {
      reason: "formats Kubernetes does not know would draw warnings; the pattern still checks",
      field: z.cidrv4(),
      want: {
        type: "string",
        pattern: "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\/([0-9]|[1-2][0-9]|3[0-2])$",
      },
    },
    "nested arrays of objects": {
      reason: "items are converted recursively",
      field: z.array(z.object({ rules: z.array(z.object({ port: z.number().int(), cidrs: z.array(z.string()).optional() })) })),
      want: {
        type: "array",
        items: {
          type: "object",
          properties: {
            rules: {
              type: "array",
              items: {
                type: "object",
                properties: { port: { type: "integer" }, cidrs: { type: "array", items: { type: "string" } } },
                required: ["port"],
              },
            },
          },
          required: ["rules"],
        },
      },
    },
    "CEL rules and list type from .meta": {
      reason: "x-kubernetes-* keys pass through",
      field: z
        .array(z.object({ name: z.string(), value: z.string() }))
        .meta({
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          "x-kubernetes-validations": [{ rule: "size(self) <= 10", message: "at most 10 entries" }],
        }),
      want: {
        type: "array",
        items: { type: "object", properties: { name: { type: "string" }, value: { type: "string" } }, required: ["name", "value"] },
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-list-type": "map",
        "x-kubernetes-validations": [{ rule: "size(self) <= 10", message: "at most 10 entries" }],
      },
    },
    "useless keywords": {
      reason: "examples, deprecated, readOnly and other x- keys mean nothing to the API server",
      field: z.string().meta({ title: "T", examples: ["x"], deprecated: true, "x-internal": 1 }).readonly(),
      want: { type: "string", title: "T" },
    },
    "object default": {
      reason: "a default on an object and on its fields",
      field: z.object({ kind: z.string().default("A") }).prefault({}),
      want: { type: "object", default: {}, properties: { kind: { type: "string", default: "A" } } },
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      expect(fieldOf(tc.field)).toStrictEqual(tc.want);
    });
  }

  it("inlines a schema reused twice (a $ref to one definition)", () => {
    const Shared = z.object({ street: z.string() }).meta({ id: "TestSharedAddress" });
    const out = zodToStructural(z.object({ home: Shared, work: Shared.optional().describe("Where you work.") }));
    const want: StructuralSchema = { type: "object", properties: { street: { type: "string" } }, required: ["street"] };
    expect(out.properties?.home).toStrictEqual(want);
    expect(out.properties?.work).toStrictEqual({ ...want, description: "Where you work." });
    expect(JSON.stringify(out)).not.toMatch(/\$ref|definitions|\$defs/);
  });

  it("inlines $refs in JSON Schema written with reused: ref (and draft 2020-12 spellings)", () => {
    const json = z.toJSONSchema(z.object({ a: Address, b: Address, n: z.string().nullable(), c: z.literal("x") }), {
      reused: "ref",
      io: "input",
    });
    const out = toStructural(json);
    expect(out.properties?.a).toStrictEqual(out.properties?.b);
    expect(out.properties?.a?.properties?.city).toStrictEqual({ type: "string" });
    expect(out.properties?.n).toStrictEqual({ type: "string", nullable: true });
    expect(out.properties?.c).toStrictEqual({ type: "string", enum: ["x"] });
    expect(out).not.toHaveProperty("$schema");
    expect(JSON.stringify(out)).not.toMatch(/\$ref|\$defs/);
  });
});

describe("zodToStructural errors", () => {
  interface Tree {
    name: string;
    children: Tree[];
  }
  const Tree: z.ZodType<Tree> = z.object({
    name: z.string(),
    get children(): z.ZodArray<z.ZodType<Tree>> {
      return z.array(Tree);
    },
  });

  const cases: Record<string, { reason: string; field: z.ZodType; want: RegExp }> = {
    "union of objects": {
      reason: "no structural form for it",
      field: z.discriminatedUnion("type", [z.object({ type: z.literal("a") }), z.object({ type: z.literal("b") })]),
      want: /^spec\.field: a union \(object \| object\) cannot be expressed/,
    },
    "union of string and boolean": {
      reason: "only string|integer has a Kubernetes form",
      field: z.union([z.string(), z.boolean()]),
      want: /^spec\.field: a union \(string \| boolean\)/,
    },
    "string|number": {
      reason: "int-or-string means integers, not any number",
      field: z.union([z.string(), z.number()]),
      want: /^spec\.field: a union \(string \| number\)/,
    },
    "int-or-string with checks": {
      reason: "Kubernetes accepts no checks on the int-or-string branches",
      field: z.union([z.string().min(1), z.number().int()]),
      want: /^spec\.field: an int-or-string cannot check minLength/,
    },
    "lookahead": {
      reason: "RE2 has no lookaround",
      field: z.string().regex(/^(?!-)[a-z-]+$/),
      want: /^spec\.field: pattern "\^\(\?!-\)\[a-z-\]\+\$" is not RE2-safe .*lookahead "\(\?!"/,
    },
    "backreference": {
      reason: "RE2 has no backreferences",
      field: z.string().regex(/^(a)\1$/),
      want: /^spec\.field: pattern .* is not RE2-safe .*backreference "\\1"/,
    },
    "catchall": {
      reason: "properties and additionalProperties exclude each other",
      field: z.object({ a: z.string() }).catchall(z.string()),
      want: /^spec\.field: an object cannot have both declared fields and a typed catchall/,
    },
    "recursion": {
      reason: "a CRD cannot express a recursive type",
      field: Tree,
      want: /^spec\.field\.children\[\*\]: recursive schema/,
    },
    "tuple of mixed types": {
      reason: "items must be one schema",
      field: z.tuple([z.string(), z.boolean()]),
      want: /^spec\.field\[\*\]: a union \(string \| boolean\)/,
    },
    "null": {
      reason: "a field that can only be null",
      field: z.null(),
      want: /^spec\.field: a field that can only be null/,
    },
    "never": {
      reason: "no type at all",
      field: z.never(),
      want: /^spec\.field: `not`/,
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      const violations = violationsOf(() => fieldOf(tc.field));
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatch(tc.want);
    });
  }

  it("lists every problem, each with its path", () => {
    const err = (() => {
      try {
        zodToStructural(z.object({ a: z.union([z.string(), z.boolean()]), b: z.object({ c: z.string().regex(/(?<=x)y/) }) }), {
          path: "spec",
          subject: "widgets.example.dev",
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isStructuralSchemaError(err)).toBe(true);
    expect(err instanceof Error ? err.message : "").toMatch(/^widgets\.example\.dev: 2 problems making a Kubernetes structural schema:\n {2}- spec\.a: .*\n {2}- spec\.b\.c: .*lookbehind/);
  });

  it("wraps what zod itself cannot express", () => {
    expect(violationsOf(() => fieldOf(z.bigint()))).toEqual(["spec: zod cannot express it as JSON Schema: BigInt cannot be represented in JSON Schema"]);
  });
});

describe("assertStructural", () => {
  const cases: Record<string, { reason: string; schema: unknown; want: string[] }> = {
    "structural": {
      reason: "a typed tree passes",
      schema: {
        type: "object",
        properties: {
          port: { "x-kubernetes-int-or-string": true },
          extra: { "x-kubernetes-preserve-unknown-fields": true },
          tags: { type: "object", additionalProperties: { type: "string" } },
          list: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
        },
      },
      want: [],
    },
    "every violation with its path": {
      reason: "untyped fields, $ref, additionalProperties: false, bare anyOf, lookahead, missing items",
      schema: {
        type: "object",
        additionalProperties: false,
        properties: {
          a: { description: "no type" },
          b: { $ref: "#/definitions/B" },
          c: { anyOf: [{ type: "string" }, { type: "boolean" }] },
          d: { type: "string", pattern: "(?=x)" },
          e: { type: "array" },
          f: { type: "string", "x-kubernetes-list-type": "set" },
        },
      },
      want: [
        ": additionalProperties must be a schema (drop `false`; use x-kubernetes-preserve-unknown-fields for anything)",
        "a: must have a type",
        "b: must have a type",
        "b: $ref is not allowed: inline the schema",
        "c: must have a type",
        "c: anyOf is only allowed as the int-or-string pattern [{type: integer}, {type: string}]",
        'd: pattern "(?=x)" is not RE2-safe: lookahead "(?=" is not supported by RE2',
        "e: an array must have a single item schema in `items`",
        "f: x-kubernetes-list-type needs type: array",
      ],
    },
    "junctors hold checks only": {
      reason: "types and descriptions inside allOf are not structural",
      schema: { type: "string", allOf: [{ type: "string", description: "x", pattern: "a" }] },
      want: ["allOf[0]: must hold only value checks, not type, description"],
    },
    "properties beside additionalProperties": {
      reason: "struct or map, not both",
      schema: { type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "string" } },
      want: [": properties and additionalProperties exclude each other"],
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      expect(violationsOf(() => assertStructural(tc.schema))).toEqual(tc.want);
    });
  }
});

describe("re2Problem", () => {
  const cases: Record<string, { pattern: string; want: string | undefined }> = {
    "plain": { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", want: undefined },
    "escaped paren is not a group": { pattern: "\\(?=", want: undefined },
    "lookahead inside a class is literal": { pattern: "[(?=]", want: undefined },
    "non-capturing and named groups": { pattern: "(?:a)(?<name>b)", want: undefined },
    "negative lookahead": { pattern: "(?!a)", want: 'lookahead "(?!" is not supported by RE2' },
    "lookbehind": { pattern: "(?<!a)b", want: 'lookbehind "(?<!" is not supported by RE2' },
    "named backreference": { pattern: "(?<x>a)\\k<x>", want: 'named backreference "\\k<...>" is not supported by RE2' },
    "unicode escape": { pattern: "\\u00e9", want: '"\\u" escapes are not supported by RE2: write the character itself, or "\\x{...}"' },
    "empty class": { pattern: "[^]", want: '"[]" and "[^]" mean different things in JavaScript and RE2: write the class another way' },
    "invalid": { pattern: "(", want: "not a valid regular expression: Invalid regular expression: /(/: Unterminated group" },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(name, () => {
      expect(re2Problem(tc.pattern)).toBe(tc.want);
    });
  }
});

describe("toStructural with hand-written $refs", () => {
  const cases: Record<string, { reason: string; json: unknown; want: RegExp }> = {
    "ref cycle": {
      reason: "a chain of $refs that loops is caught, not followed forever",
      json: { type: "object", properties: { a: { $ref: "#/$defs/A" } }, $defs: { A: { $ref: "#/$defs/B" }, B: { $ref: "#/$defs/A" } } },
      want: /^a: recursive schema \(#\/\$defs\/A\)/,
    },
    "recursive union branch": {
      reason: "recursion through a union branch is caught",
      json: {
        type: "object",
        properties: { a: { $ref: "#/$defs/A" } },
        $defs: { A: { anyOf: [{ type: "string" }, { $ref: "#/$defs/A" }] } },
      },
      want: /^a: recursive schema/,
    },
    "unresolvable": {
      reason: "external refs cannot be inlined",
      json: { type: "object", properties: { a: { $ref: "https://example.com/a.json" } } },
      want: /^a: cannot resolve \$ref https:\/\/example\.com\/a\.json$/,
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      expect(violationsOf(() => toStructural(tc.json))[0]).toMatch(tc.want);
    });
  }
});
