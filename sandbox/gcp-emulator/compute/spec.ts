// What the generic compute handlers need to know about one collection: names, whether it is
// fingerprinted, which fields reference other resources, and its defaults and checks.
import { invalidField, requiredField } from "../errors.ts";
import type { IpPool } from "../ids.ts";
import { stringAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import type { ResourceRef } from "./links.ts";

/**
 * Visits one reference field: gets its value, the field's name for messages and the collections it
 * may point at; returns the value to store (the normalized self-link).
 */
export type RefVisitor = (value: string, field: string, allowed: readonly string[]) => string;

/** What `prepare` may consult besides the resource. */
export interface PrepareEnv {
  readonly project: string;
  /** The stored resource a patch or update starts from. */
  readonly existing?: JsonObject;
  /** Ephemeral forwarding-rule addresses (TEST-NET-2). */
  readonly ephemeralIps: IpPool;
  /** Reserved global addresses (TEST-NET-3). */
  readonly reservedIps: IpPool;
  /** The IP of a global address named by reference; 404 if it does not exist. */
  readonly addressIp: (ref: ResourceRef) => string;
}

export interface CollectionSpec {
  /** The URL collection: `backendServices`. */
  readonly collection: string;
  /** The proto message: `BackendService`. */
  readonly protoType: string;
  /** `compute#backendService`. */
  readonly kind: string;
  /** The resource type as compute names it in messages: `backend_service`. */
  readonly typeName: string;
  /** Carries a `fingerprint` that patch and update must quote (optimistic locking). */
  readonly fingerprinted: boolean;
  /** Visits (and rewrites) every field that references another resource. */
  readonly refs: (resource: JsonObject, visit: RefVisitor) => void;
  /** Fills defaults and checks the resource as the API would; throws ApiError. */
  readonly prepare: (resource: JsonObject, env: PrepareEnv) => void;
}

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Compute's resource-name rule, with its own error message. */
export function checkName(resource: JsonObject): string {
  const name = stringAt(resource, "name");
  if (name === undefined || name === "") throw requiredField("resource.name");
  if (!NAME.test(name)) throw invalidField("resource.name", name, "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'");
  return name;
}

/** A reference field: its name in error messages and the collections it may point at. */
export interface RefField {
  readonly field: string;
  readonly allowed: readonly string[];
}

/** Rewrites a single reference field in place, if present. */
export function visitField(resource: JsonObject, key: string, ref: RefField, visit: RefVisitor): void {
  const value = stringAt(resource, key);
  if (value !== undefined && value !== "") resource[key] = visit(value, ref.field, ref.allowed);
}

/** Rewrites every string of a list reference field in place. */
export function visitList(resource: JsonObject, key: string, ref: RefField, visit: RefVisitor): void {
  const value = resource[key];
  if (!Array.isArray(value)) return;
  resource[key] = value.map((v, i) => (typeof v === "string" ? visit(v, `${ref.field}[${i}]`, ref.allowed) : v));
}

/** Sets `key` to `value` unless the resource already has it. */
export function defaultTo(resource: JsonObject, key: string, value: JsonObject[string]): void {
  if (resource[key] === undefined) resource[key] = value;
}

/** Refuses a value outside an enum given as strings (compute's enums are strings in its protos). */
export function checkOneOf(resource: JsonObject, key: string, field: string, allowed: readonly string[]): void {
  const value = resource[key];
  if (value === undefined) return;
  if (typeof value !== "string" || !allowed.includes(value)) throw invalidField(field, value, `Must be one of [${allowed.join(", ")}].`);
}
