import { diffField } from "../../../core/diff.ts";
import type { Equality } from "../../../core/diff.ts";
import type { FieldDiff } from "../../../core/provider.ts";
import type { BackendService, HealthCheck } from "../compute/api.ts";
import type { UrlMapSpec as ComputeUrlMapSpec } from "../compute/frontend.ts";
import { globalRef, normalizeRef } from "../compute/names.ts";
import type { ChainNames } from "../compute/names.ts";
import type { Backend, BackendServiceSpec, HealthCheckSpec, LoadBalancerParameters } from "./schema.ts";

// The LoadBalancer's own parts (health check, backend services) in normalised form: what the spec
// says, what compute reports (defaults filled in, references as self-links, sets in any order),
// compared field by field over what the spec sets (unset fields are late-initialised instead).

const HC_BLOCK = { HTTP: "httpHealthCheck", HTTPS: "httpsHealthCheck", TCP: "tcpHealthCheck" } as const;

type HcBlock = { port?: number | null; requestPath?: string | null };

function hcBlock(hc: HealthCheck, type: HealthCheckSpec["type"]): HcBlock {
  return hc[HC_BLOCK[type]] ?? {};
}

/** A health check as compute reports it, in spec form (what Terraplane manages of it). */
export function observedHealthCheck(hc: HealthCheck): Partial<HealthCheckSpec> {
  const type = hc.type === "HTTP" || hc.type === "HTTPS" || hc.type === "TCP" ? hc.type : undefined;
  const block = type ? hcBlock(hc, type) : {};
  return compact({
    type,
    port: block.port ?? undefined,
    requestPath: type !== "TCP" ? (block.requestPath ?? undefined) : undefined,
    checkIntervalSec: hc.checkIntervalSec ?? undefined,
    timeoutSec: hc.timeoutSec ?? undefined,
    healthyThreshold: hc.healthyThreshold ?? undefined,
    unhealthyThreshold: hc.unhealthyThreshold ?? undefined,
  });
}

export function healthCheckBody(spec: HealthCheckSpec): HealthCheck {
  const block: HcBlock = compact({ port: spec.port, requestPath: spec.type !== "TCP" ? spec.requestPath : undefined });
  return compact({
    type: spec.type,
    ...(spec.type === "HTTP" ? { httpHealthCheck: block } : spec.type === "HTTPS" ? { httpsHealthCheck: block } : { tcpHealthCheck: block }),
    checkIntervalSec: spec.checkIntervalSec,
    timeoutSec: spec.timeoutSec,
    healthyThreshold: spec.healthyThreshold,
    unhealthyThreshold: spec.unhealthyThreshold,
  });
}

const HC_FIELDS = ["type", "port", "requestPath", "checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold"] as const;

export function healthCheckDiff(spec: HealthCheckSpec, hc: HealthCheck): FieldDiff[] {
  const observed = observedHealthCheck(hc);
  return HC_FIELDS.flatMap((f) => diffField(`healthCheck.${f}`, spec[f], observed[f] ?? null));
}

/** Health-check fields the spec leaves unset, filled from compute (only for the same type). */
export function lateInitHealthCheck(spec: HealthCheckSpec, hc: HealthCheck | undefined): Partial<HealthCheckSpec> {
  if (!hc) return {};
  const observed = observedHealthCheck(hc);
  if (observed.type !== spec.type) return {};
  return compact(Object.fromEntries(HC_FIELDS.filter((f) => spec[f] === undefined && observed[f] !== undefined).map((f) => [f, observed[f]])));
}

// ---- backend services -----------------------------------------------------------------------

/** A backend in normalised form: its group as a canonical reference, only the fields set. */
function normalBackend(b: Backend | NonNullable<BackendService["backends"]>[number], project: string): Backend {
  return compact({
    group: normalizeRef(b.group ?? "", project),
    balancingMode: b.balancingMode === "UTILIZATION" || b.balancingMode === "RATE" || b.balancingMode === "CONNECTION" ? b.balancingMode : undefined,
    capacityScaler: b.capacityScaler ?? undefined,
    maxUtilization: b.maxUtilization ?? undefined,
    maxRatePerInstance: b.maxRatePerInstance ?? undefined,
  });
}

const BACKEND_FIELDS = ["balancingMode", "capacityScaler", "maxUtilization", "maxRatePerInstance"] as const;

/** Observed backends compared with desired ones: a set by group; within one, only the fields the spec sets. */
export function backendsDiffer(desired: readonly Backend[], observed: readonly Backend[]): boolean {
  if (desired.length !== observed.length) return true;
  return desired.some((d) => {
    const o = observed.find((x) => x.group === d.group);
    if (!o) return true;
    return BACKEND_FIELDS.some((k) => d[k] !== undefined && d[k] !== o[k]);
  });
}

const sameBackends: Equality<readonly Backend[]> = (desired, observed) => !backendsDiffer(desired, observed ?? []);

const byGroup = (a: Backend, b: Backend): number => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);

export interface BackendServiceContext {
  readonly project: string;
  readonly names: ChainNames;
  readonly scheme: LoadBalancerParameters["loadBalancingScheme"];
}

export function backendServiceBody(ctx: BackendServiceContext, spec: BackendServiceSpec): BackendService {
  return compact({
    protocol: spec.protocol,
    portName: spec.portName,
    timeoutSec: spec.timeoutSec,
    loadBalancingScheme: ctx.scheme,
    healthChecks: [globalRef(ctx.project, "healthChecks", ctx.names.healthCheck)],
    // Sent as full URLs, the form compute reports them in.
    backends: spec.backends
      .map((b) => normalBackend(b, ctx.project))
      .sort(byGroup)
      .map((b) => ({ ...b, group: `${COMPUTE_V1}${b.group}` })),
  });
}

const COMPUTE_V1 = "https://www.googleapis.com/compute/v1/";

export function backendServiceDiff(ctx: BackendServiceContext, spec: BackendServiceSpec, bs: BackendService): FieldDiff[] {
  const path = `backendServices[${spec.name}]`;
  const desiredBackends = spec.backends.map((b) => normalBackend(b, ctx.project)).sort(byGroup);
  const observedBackends = (bs.backends ?? []).map((b) => normalBackend(b, ctx.project)).sort(byGroup);
  const healthChecks = (bs.healthChecks ?? []).map((h) => normalizeRef(h, ctx.project));
  return [
    ...diffField(`${path}.protocol`, spec.protocol, bs.protocol ?? null),
    ...diffField(`${path}.portName`, spec.portName, bs.portName ?? null),
    ...diffField(`${path}.timeoutSec`, spec.timeoutSec, bs.timeoutSec ?? null),
    ...diffField(`${path}.healthCheck`, [globalRef(ctx.project, "healthChecks", ctx.names.healthCheck)], healthChecks),
    ...diffField(`${path}.backends`, desiredBackends, observedBackends, sameBackends),
  ];
}

/** Backend-service fields the spec leaves unset, filled from compute. */
export function lateInitBackendService(spec: BackendServiceSpec, bs: BackendService | undefined): BackendServiceSpec {
  if (!bs) return spec;
  const protocol = bs.protocol === "HTTP" || bs.protocol === "HTTPS" || bs.protocol === "HTTP2" ? bs.protocol : undefined;
  return compact({
    ...spec,
    protocol: spec.protocol ?? protocol,
    portName: spec.portName ?? bs.portName ?? undefined,
    timeoutSec: spec.timeoutSec ?? bs.timeoutSec ?? undefined,
  });
}

// ---- URL map --------------------------------------------------------------------------------

/** The spec's URL map with backend-service keys turned into references (unset: all to the first service). */
export function urlMapOf(params: LoadBalancerParameters, project: string, names: ChainNames): ComputeUrlMapSpec {
  const ref = (key: string): string => globalRef(project, "backendServices", names.backendService(key));
  const um = params.urlMap;
  if (!um) return { defaultService: ref(params.backendServices[0]?.name ?? "") };
  return {
    defaultService: ref(um.defaultService),
    hostRules: (um.hostRules ?? []).map((h) => ({ hosts: h.hosts, pathMatcher: h.pathMatcher })),
    pathMatchers: (um.pathMatchers ?? []).map((m) => ({
      name: m.name,
      defaultService: ref(m.defaultService),
      pathRules: (m.pathRules ?? []).map((r) => ({ paths: r.paths, service: ref(r.service) })),
    })),
  };
}

/** Drops undefined values, so objects compare and serialise only by what is set. */
export function compact<T extends object>(obj: T): T {
  for (const [key, value] of Object.entries(obj)) if (value === undefined) Reflect.deleteProperty(obj, key);
  return obj;
}
