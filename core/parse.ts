import type { KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import { managedSpecSchema, managedStatusSchema } from "./crd/generate.ts";
import type { ManagedKind } from "./kind.ts";
import { commonSpecShape } from "./managed.ts";
import type { Managed, ManagedSpec, ManagedStatus } from "./provider.ts";

/** An object as listed by the API server: spec and status not yet validated. */
export type RawObject = KubernetesObject & { spec?: unknown; status?: unknown };

/** A parsed object: typed by the kind's schema, or — when its spec is invalid — only what can be read safely, and the problems. */
export type Parsed<F, A> = { readonly ok: true; readonly managed: Managed<F, A> } | { readonly ok: false; readonly problems: string; readonly managed: Managed };

export interface ManagedParser<F = unknown, A = unknown> {
  /** Validates the spec against the kind's zod schema (what the CRD cannot express too), returning typed data or the problems. */
  parse(obj: RawObject): Parsed<F, A>;
}

/**
 * Builds the parser for one kind. Metadata comes from the API server as is; spec is validated
 * strictly (an invalid spec is reported, never acted on); status is read leniently, since it is
 * ours to rewrite.
 */
export function managedParser<F, A>(kind: ManagedKind<z.ZodType<F>, z.ZodType<A>>): ManagedParser<F, A> {
  // The same schemas the CRD is generated from: what the API server admits, the reconciler accepts.
  const spec = managedSpecSchema(kind);
  const status = managedStatusSchema(kind).partial();
  return {
    parse(obj) {
      const base = baseOf(obj);
      const parsedStatus = status.safeParse(obj.status ?? {});
      const statusValue: ManagedStatus<A> = parsedStatus.success ? parsedStatus.data : {};
      const parsedSpec = spec.safeParse(obj.spec, { error: requiredWhenMissing });
      if (!parsedSpec.success) {
        const managed: Managed = { ...base, spec: fallbackSpec(obj.spec), status: statusValue };
        return { ok: false, problems: describeIssues(parsedSpec.error), managed };
      }
      return { ok: true, managed: { ...base, spec: parsedSpec.data, status: statusValue } };
    },
  };
}

/** The Synced=False message (and InvalidSpec event) for a spec the kind's schema rejects. */
export function invalidSpecMessage(problems: string): string {
  return `spec is invalid: ${problems}`;
}

/** A missing field reads "required", not zod's "expected string, received undefined". */
function requiredWhenMissing(issue: { code?: string; input?: unknown }): string | undefined {
  return issue.code === "invalid_type" && issue.input === undefined ? "required" : undefined;
}

/** One line per problem, each led by its field path as kubectl shows it: `spec.forProvider.listeners[0].port: Too big: …`. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${fieldPath(["spec", ...i.path])}: ${i.message}`).join("; ");
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function baseOf(obj: RawObject): Omit<Managed, "spec" | "status"> {
  const metadata = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { ...metadata, name: metadata.name ?? "", namespace: metadata.namespace ?? "" },
  };
}

/** Enough of a spec to report on an object whose spec is invalid (policies and the secret ref are needed for nothing else). */
function fallbackSpec(spec: unknown): ManagedSpec {
  const common = z.object(commonSpecShape).partial().catch({}).parse(spec);
  return {
    forProvider: {},
    managementPolicies: common.managementPolicies ?? ["*"],
    providerConfigRef: common.providerConfigRef ?? { kind: "ClusterProviderConfig", name: "default" },
    ...(common.deletionPolicy ? { deletionPolicy: common.deletionPolicy } : {}),
  };
}
