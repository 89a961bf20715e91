// Identifiers and values the real APIs mint: uint64 ids, base64 fingerprints, operation names,
// timestamps and fake IP addresses.
import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A compute resource or operation id: a uint64 as a decimal string (kept below 2^63, as real ids are). */
export function numericId(): string {
  return (randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn).toString();
}

/** An optimistic-locking fingerprint: 8 random bytes, base64 (like `zHcHyMkKzLs=`). */
export function fingerprint(): string {
  return randomBytes(8).toString("base64");
}

/** The fingerprint compute reports for an empty label set. */
export const EMPTY_LABEL_FINGERPRINT = "42WmSpB8rSM=";

/** A fingerprint derived from content, for labels (the same labels always give the same value). */
export function contentFingerprint(content: unknown): string {
  return createHash("sha256").update(JSON.stringify(content)).digest().subarray(0, 8).toString("base64");
}

/** A compute operation name: `operation-<ms>-<hex>-<hex>-<hex>`. */
export function computeOperationName(nowMs: number): string {
  const hex = randomBytes(12).toString("hex");
  return `operation-${nowMs}-${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}

/** A Cloud SQL operation name (a UUID). */
export function sqlOperationName(): string {
  return randomUUID();
}

/** A Cloud SQL etag: hex digest of the resource. */
export function etagOf(content: unknown): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex");
}

/** RFC 3339 timestamp with an explicit offset, as compute writes `creationTimestamp`. */
export function computeTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** RFC 3339 UTC timestamp, as proto3 JSON writes google.protobuf.Timestamp. */
export function protoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Hands out addresses from an IPv4 documentation range (RFC 5737), so no fake address can be
 * mistaken for a real one. It cycles after 254 addresses: the emulator holds no more at once.
 */
export class IpPool {
  readonly #prefix: string;
  #next = 0;

  constructor(prefix: "192.0.2" | "198.51.100" | "203.0.113") {
    this.#prefix = prefix;
  }

  allocate(): string {
    this.#next = (this.#next % 254) + 1;
    return `${this.#prefix}.${this.#next}`;
  }
}
