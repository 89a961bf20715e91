import { createHash, randomInt } from "node:crypto";
import { errorClassOf, ProviderError } from "../../core/errors.ts";
import { allowed } from "../../core/policies.ts";
import type { ConnectContext, Managed } from "../../core/provider.ts";

// Password handling shared by every cloud's Database kind: the admin password comes from a Secret
// the user references, or is generated once at create and published in the connection Secret.

/** The passwords a reconcile may need, read by the connector from Secrets (never logged, never in status). */
export interface DatabaseSecrets {
  /** From the spec's password Secret reference: what the admin password should be. */
  readonly desiredPassword?: string;
  /** From the connection Secret: the password Terraplane last published. */
  readonly publishedPassword?: string;
}

/**
 * Which admin password this process last set on each instance, as a salted digest (never the
 * password), so a rotation is sent once even while the connection Secret read is still cached.
 * Keyed by the managed object's uid: the owning connector calls `forget` when the object is deleted.
 */
export class PasswordLedger {
  readonly #digests = new Map<string, string>();

  /** How many objects have an entry (for leak checks). */
  get size(): number {
    return this.#digests.size;
  }

  /** The object is gone from the cluster: drop its entry. */
  forget(uid: string): void {
    this.#digests.delete(uid);
  }

  set(uid: string, password: string): void {
    // A backstop only: entries are freed per object by forget.
    if (this.#digests.size >= 10_000) this.#digests.clear();
    this.#digests.set(uid, digest(uid, password));
  }

  /** True/false when this process set a password on the instance, undefined when it does not know. */
  /** True when this process set a password for the object (it was handed on with the create or update's connection details). */
  knows(uid: string): boolean {
    return this.#digests.has(uid);
  }

  matches(uid: string, password: string): boolean | undefined {
    const known = this.#digests.get(uid);
    return known === undefined ? undefined : known === digest(uid, password);
  }
}

function digest(uid: string, password: string): string {
  return createHash("sha256").update(`${uid}\0${password}`).digest("hex");
}

// No look-alike characters, nothing that needs quoting in a connection URI.
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

export function generatePassword(length = 32): string {
  return Array.from({ length }, () => PASSWORD_ALPHABET.charAt(randomInt(PASSWORD_ALPHABET.length))).join("");
}

/** Where a kind takes its admin password from, for the error when there is none. */
export interface PasswordSource {
  /** "master" (RDS) or "admin" (Cloud SQL). */
  readonly role: string;
  /** The forProvider field referencing a password Secret. */
  readonly secretRefField: string;
  /** The error code reported when neither is set. */
  readonly unsetCode: string;
}

/** A password for a create: generated when the connection Secret can keep it, else an error naming both ways to give one. */
export function passwordForCreate(mr: Managed, secrets: DatabaseSecrets, source: PasswordSource): string {
  if (secrets.desiredPassword !== undefined) return secrets.desiredPassword;
  if (mr.spec.writeConnectionSecretToRef) return generatePassword();
  throw new ProviderError(
    "InvalidParameter",
    `no ${source.role} password: set spec.forProvider.${source.secretRefField}, or spec.writeConnectionSecretToRef so that Terraplane can generate one and keep it there`,
    { code: source.unsetCode },
  );
}

/**
 * Whether the referenced password must be sent to the cloud (a rotation), and the password the
 * instance has as far as Terraplane knows: the new one is published only once it has been sent, so
 * a failed update is retried instead of hidden behind an already-updated connection Secret.
 */
export function passwordState(secrets: DatabaseSecrets, ledger: PasswordLedger, key: string): { rotate: boolean; current: string | undefined } {
  const { desiredPassword, publishedPassword } = secrets;
  if (desiredPassword === undefined) return { rotate: false, current: publishedPassword };
  const applied = ledger.matches(key, desiredPassword);
  // Nothing to compare with (no connection Secret, no earlier set by this process): assume it holds.
  const inSync = applied === true || (publishedPassword !== undefined ? publishedPassword === desiredPassword : applied === undefined);
  return inSync ? { rotate: false, current: desiredPassword } : { rotate: true, current: publishedPassword };
}

/**
 * True when the password Terraplane generated for an instance it created for this object is known
 * nowhere: no password Secret is referenced, and the connection Secret holds none. That happens
 * when the controller dies between the cloud's create and the Secret's write (or that write failed):
 * nobody ever saw the password, so the only cure — setting a new generated one and publishing it — takes
 * nothing from anyone. Never for an adopted instance (not created for this object), a read-only
 * import (no Update), or while deleting.
 */
export function generatedPasswordLost(mr: Managed, secrets: DatabaseSecrets, createdForThisObject: boolean, ledger: PasswordLedger): boolean {
  return (
    createdForThisObject &&
    // A password this process set is not lost: a connection Secret not readable yet (a watch that
    // lags or was cut) only means its write has not been seen.
    !ledger.knows(mr.metadata.uid ?? "") &&
    mr.spec.writeConnectionSecretToRef !== undefined &&
    secrets.desiredPassword === undefined &&
    secrets.publishedPassword === undefined &&
    mr.metadata.deletionTimestamp === undefined &&
    allowed(mr, "Update")
  );
}

/** The password an update sets for a masterPassword diff: the referenced one, or a new generated one when the generated one was lost. */
export function passwordForUpdate(secrets: DatabaseSecrets): string {
  return secrets.desiredPassword ?? generatePassword();
}

/** A Configuration error (Secret or key missing) means "not there"; anything else is a real failure. */
export async function optionalSecret(read: Promise<string>): Promise<string | undefined> {
  try {
    return await read;
  } catch (err) {
    if (errorClassOf(err) === "Configuration") return undefined;
    throw err;
  }
}

/**
 * The passwords a reconcile needs: the referenced admin password (not while deleting, nor for a
 * read-only import, so a missing Secret never blocks those) and the one last published to the
 * connection Secret (to notice a rotation).
 */
export async function readDatabaseSecrets(mr: Managed, ctx: ConnectContext, passwordRef: { name: string; key: string } | undefined): Promise<DatabaseSecrets> {
  if (mr.metadata.deletionTimestamp) return {};
  const namespace = mr.metadata.namespace;
  const writes = allowed(mr, "Create") || allowed(mr, "Update");
  const desiredPassword = passwordRef && writes ? await ctx.secretValue({ namespace, name: passwordRef.name, key: passwordRef.key }) : undefined;
  const conn = mr.spec.writeConnectionSecretToRef;
  const publishedPassword = conn ? await optionalSecret(ctx.secretValue({ namespace, name: conn.name, key: "password" })) : undefined;
  return { ...(desiredPassword !== undefined ? { desiredPassword } : {}), ...(publishedPassword !== undefined ? { publishedPassword } : {}) };
}
