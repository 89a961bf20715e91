// The official clients' own protobuf.js JSON descriptors, used as the emulator's schema: which
// fields a message has, which are enums (and their numbers), which are 64-bit integers. Reading
// them from the installed client means the emulator and the client can never disagree on an enum
// number. Nodes are validated and resolved lazily: the compute descriptors are 12 MB.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";

const FieldNode = z.object({ type: z.string(), rule: z.string().optional(), keyType: z.string().optional() });
const NamespaceNode = z.object({ nested: z.record(z.string(), z.unknown()).optional() });
const MessageNode = z.object({ fields: z.record(z.string(), FieldNode) });
const EnumNode = z.object({ values: z.record(z.string(), z.number().int()) });

/** A field of a message, with its type resolved. */
export interface Field {
  readonly name: string;
  readonly repeated: boolean;
  /** map<string, V>: `type` is V. */
  readonly map: boolean;
  readonly type: FieldType;
}

/** How a field's JSON value is shaped. */
export type FieldType =
  | { readonly kind: "message"; readonly fullName: string }
  | { readonly kind: "enum"; readonly fullName: string }
  // int64, uint64 and their wrappers: strings in proto3 JSON.
  | { readonly kind: "int64" }
  // Every other scalar, and well-known types passed through as they are (Timestamp, BoolValue...).
  | { readonly kind: "plain" };

export interface EnumType {
  readonly fullName: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

const INT64_SCALARS = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT64_WRAPPERS = new Set(["google.protobuf.Int64Value", "google.protobuf.UInt64Value"]);

export class ProtoSchema {
  readonly #root: unknown;
  readonly #nodes = new Map<string, unknown>();
  readonly #namespaces = new Map<string, Readonly<Record<string, unknown>> | undefined>();
  readonly #messages = new Map<string, ReadonlyMap<string, Field>>();
  readonly #enums = new Map<string, EnumType>();

  constructor(root: unknown) {
    this.#root = root;
  }

  /** The fields of a message by JSON name; throws if `fullName` is not a message. */
  fields(fullName: string): ReadonlyMap<string, Field> {
    const cached = this.#messages.get(fullName);
    if (cached) return cached;
    const node = MessageNode.parse(this.#node(fullName));
    const fields = new Map<string, Field>();
    for (const [name, f] of Object.entries(node.fields)) {
      fields.set(name, { name, repeated: f.rule === "repeated", map: f.keyType !== undefined, type: this.#fieldType(f.type, fullName) });
    }
    this.#messages.set(fullName, fields);
    return fields;
  }

  enumType(fullName: string): EnumType {
    const cached = this.#enums.get(fullName);
    if (cached) return cached;
    const node = EnumNode.parse(this.#node(fullName));
    const byName = new Map(Object.entries(node.values));
    const byNumber = new Map([...byName].map(([name, n]) => [n, name] as const));
    const type = { fullName, byName, byNumber };
    this.#enums.set(fullName, type);
    return type;
  }

  #fieldType(type: string, scope: string): FieldType {
    if (INT64_SCALARS.has(type) || INT64_WRAPPERS.has(type)) return { kind: "int64" };
    if (type.startsWith("google.protobuf.")) return { kind: "plain" };
    const fullName = this.#resolve(type, scope);
    if (fullName === undefined) return { kind: "plain" };
    return EnumNode.safeParse(this.#node(fullName)).success ? { kind: "enum", fullName } : { kind: "message", fullName };
  }

  // protobuf name resolution: innermost scope first, then each enclosing one, then absolute.
  #resolve(type: string, scope: string): string | undefined {
    const parts = scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), type].join(".");
      if (this.#find(candidate) !== undefined) return candidate;
    }
    return undefined;
  }

  #node(fullName: string): unknown {
    const node = this.#find(fullName);
    if (node === undefined) throw new Error(`proto type ${fullName} not found`);
    return node;
  }

  #find(fullName: string): unknown {
    if (this.#nodes.has(fullName)) return this.#nodes.get(fullName);
    const dot = fullName.lastIndexOf(".");
    const node = this.#children(dot < 0 ? "" : fullName.slice(0, dot))?.[fullName.slice(dot + 1)];
    this.#nodes.set(fullName, node);
    return node;
  }

  // A namespace's `nested` record, validated once: re-validating the 3,000-entry compute
  // namespace per lookup would dominate start-up.
  #children(fullName: string): Readonly<Record<string, unknown>> | undefined {
    if (this.#namespaces.has(fullName)) return this.#namespaces.get(fullName);
    const node = fullName === "" ? this.#root : this.#find(fullName);
    const parsed = node === undefined ? undefined : NamespaceNode.safeParse(node);
    const children = parsed?.success ? parsed.data.nested : undefined;
    this.#namespaces.set(fullName, children);
    return children;
  }
}

const require = createRequire(import.meta.url);

/** The descriptors shipped with an installed official client package (e.g. `@google-cloud/sql`). */
export function loadClientSchema(packageName: string): ProtoSchema {
  // The package's main is build/src/index.js; its descriptors sit in build/protos/.
  const main = require.resolve(packageName);
  const file = join(dirname(main), "..", "protos", "protos.json");
  return new ProtoSchema(JSON.parse(readFileSync(file, "utf8")));
}
