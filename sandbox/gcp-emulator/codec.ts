// proto3 JSON in and out, driven by the client's descriptors. Inside, the emulator keeps one
// canonical form: enums by name, 64-bit integers as strings. Requests may carry enums as names or
// numbers (the REST clients send numbers: `$alt=json;enum-encoding=int`); responses carry numbers
// exactly when the request asked for them. Unknown request fields are rejected as Google's front
// end does; unknown response fields are an emulator bug and throw.
import { ApiError } from "./errors.ts";
import { isJsonObject } from "./json.ts";
import type { Json, JsonObject } from "./json.ts";
import type { Field, FieldType, ProtoSchema } from "./proto-schema.ts";

export interface EncodeOptions {
  /** Render enums as their numbers (the request said `enum-encoding=int`). */
  readonly intEnums: boolean;
}

/** True when the query string asks for numeric enums (`$alt=json;enum-encoding=int`). */
export function wantsIntEnums(query: URLSearchParams): boolean {
  return (query.get("$alt") ?? "").split(";").some((part) => part.trim() === "enum-encoding=int");
}

function badPayload(message: string): ApiError {
  return new ApiError(400, "invalid", `Invalid JSON payload received. ${message}`);
}

export class JsonCodec {
  readonly #schema: ProtoSchema;

  constructor(schema: ProtoSchema) {
    this.#schema = schema;
  }

  /** A request message → canonical JSON; ApiError 400 for anything the real front end would refuse. */
  decode(typeName: string, value: unknown, path: string): JsonObject {
    if (!isJsonObject(value)) throw badPayload(`Expected an object at '${path}'.`);
    return this.#walkMessage(typeName, value, path, "decode");
  }

  /** Canonical JSON → the wire form the caller asked for. */
  encode(typeName: string, value: JsonObject, opts: EncodeOptions): JsonObject {
    return this.#walkMessage(typeName, value, typeName, opts.intEnums ? "encodeInt" : "encodeName");
  }

  /** The enum's name for a value given as name or number; undefined if it is neither. */
  enumName(enumFullName: string, value: Json): string | undefined {
    const type = this.#schema.enumType(enumFullName);
    if (typeof value === "number") return type.byNumber.get(value);
    return typeof value === "string" && type.byName.has(value) ? value : undefined;
  }

  #walkMessage(typeName: string, value: JsonObject, path: string, mode: Mode): JsonObject {
    const fields = this.#schema.fields(typeName);
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const field = fields.get(key);
      if (field === undefined) {
        if (mode === "decode") throw badPayload(`Unknown name "${key}" at '${path}': Cannot find field.`);
        throw new Error(`emulator bug: ${typeName} has no field ${key}`);
      }
      if (v === null) continue;
      out[key] = this.#walkField(field, v, `${path}.${key}`, mode);
    }
    return out;
  }

  #walkField(field: Field, value: Json, path: string, mode: Mode): Json {
    if (field.repeated) {
      if (!Array.isArray(value)) throw this.#shapeError(mode, path, "a list");
      return value.map((item, i) => this.#walkValue(field.type, item, `${path}[${i}]`, mode));
    }
    if (field.map) {
      if (!isJsonObject(value)) throw this.#shapeError(mode, path, "an object");
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#walkValue(field.type, v, `${path}[${k}]`, mode)]));
    }
    return this.#walkValue(field.type, value, path, mode);
  }

  #walkValue(type: FieldType, value: Json, path: string, mode: Mode): Json {
    switch (type.kind) {
      case "plain":
        return value;
      case "int64":
        return this.#int64(value, path, mode);
      case "enum":
        return this.#enum(type.fullName, value, path, mode);
      case "message":
        if (!isJsonObject(value)) throw this.#shapeError(mode, path, "an object");
        return this.#walkMessage(type.fullName, value, path, mode);
    }
  }

  #int64(value: Json, path: string, mode: Mode): Json {
    if (typeof value === "number" && Number.isInteger(value)) return String(value);
    if (typeof value === "string" && /^-?\d+$/.test(value)) return value;
    throw mode === "decode" ? badPayload(`Invalid value at '${path}' (TYPE_INT64), ${JSON.stringify(value)}`) : new Error(`emulator bug: ${path} is not an integer`);
  }

  #enum(fullName: string, value: Json, path: string, mode: Mode): Json {
    const name = this.enumName(fullName, value);
    if (name === undefined) {
      if (mode === "decode") throw badPayload(`Invalid value at '${path}' (type.googleapis.com/${fullName}), ${JSON.stringify(value)}`);
      throw new Error(`emulator bug: ${path} = ${JSON.stringify(value)} is not a ${fullName}`);
    }
    if (mode !== "encodeInt") return name;
    return this.#schema.enumType(fullName).byName.get(name) ?? 0;
  }

  #shapeError(mode: Mode, path: string, expected: string): Error {
    return mode === "decode" ? badPayload(`Expected ${expected} at '${path}'.`) : new Error(`emulator bug: ${path} is not ${expected}`);
  }
}

type Mode = "decode" | "encodeName" | "encodeInt";
