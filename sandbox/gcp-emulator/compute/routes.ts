// The compute v1 global load-balancing REST surface the emulator serves (paths as in the v1
// protos' http rules; note the set* verbs of target proxies have no `/global/` segment).
import type { Router } from "../router.ts";
import { backendBuckets, backendServices, healthChecks } from "./backends.ts";
import type { ComputeDeps } from "./common.ts";
import { globalAddresses, globalForwardingRules } from "./frontends.ts";
import { deleteGlobalOperation, getGlobalOperation, listGlobalOperations, waitGlobalOperation } from "./operations.ts";
import { deleteResource, getResource, insertResource, listResources, modifyResource, setResourceField } from "./resources.ts";
import type { Specs } from "./resources.ts";
import { sslCertificates, targetHttpProxies, targetHttpsProxies, urlMaps } from "./routing.ts";
import type { CollectionSpec } from "./spec.ts";

const P = "/compute/v1/projects/{project}";

const ALL: readonly CollectionSpec[] = [
  healthChecks,
  backendServices,
  backendBuckets,
  urlMaps,
  targetHttpProxies,
  targetHttpsProxies,
  sslCertificates,
  globalAddresses,
  globalForwardingRules,
];
// Which collections take PATCH and PUT, as in the real API.
const PATCHABLE = new Set(["healthChecks", "backendServices", "backendBuckets", "urlMaps", "targetHttpProxies", "targetHttpsProxies", "forwardingRules"]);
const UPDATABLE = new Set(["healthChecks", "backendServices", "backendBuckets", "urlMaps"]);

export function registerCompute(router: Router, deps: ComputeDeps): void {
  const specs: Specs = new Map(ALL.map((s) => [s.collection, s]));
  for (const spec of ALL) {
    const base = `${P}/global/${spec.collection}`;
    router
      .add("POST", base, (ctx) => insertResource(deps, spec, ctx))
      .add("GET", base, (ctx) => listResources(deps, specs, spec, ctx))
      .add("GET", `${base}/{name}`, (ctx) => getResource(deps, specs, spec, ctx))
      .add("DELETE", `${base}/{name}`, (ctx) => deleteResource(deps, specs, spec, ctx));
    if (PATCHABLE.has(spec.collection)) router.add("PATCH", `${base}/{name}`, (ctx) => modifyResource(deps, spec, ctx, "patch"));
    if (UPDATABLE.has(spec.collection)) router.add("PUT", `${base}/{name}`, (ctx) => modifyResource(deps, spec, ctx, "update"));
  }
  const setUrlMap = { operationType: "setUrlMap", bodyType: "UrlMapReference", apply: copy("urlMap") };
  router
    .add("POST", `${P}/targetHttpProxies/{name}/setUrlMap`, (ctx) => setResourceField(deps, targetHttpProxies, ctx, setUrlMap))
    .add("POST", `${P}/targetHttpsProxies/{name}/setUrlMap`, (ctx) => setResourceField(deps, targetHttpsProxies, ctx, setUrlMap))
    .add("POST", `${P}/targetHttpsProxies/{name}/setSslCertificates`, (ctx) =>
      setResourceField(deps, targetHttpsProxies, ctx, {
        operationType: "setSslCertificates",
        bodyType: "TargetHttpsProxiesSetSslCertificatesRequest",
        apply: copy("sslCertificates"),
      }),
    )
    .add("POST", `${P}/global/forwardingRules/{name}/setTarget`, (ctx) =>
      setResourceField(deps, globalForwardingRules, ctx, { operationType: "setTarget", bodyType: "TargetReference", apply: copy("target") }),
    )
    .add("GET", `${P}/global/operations`, (ctx) => listGlobalOperations(deps, ctx))
    .add("GET", `${P}/global/operations/{operation}`, (ctx) => getGlobalOperation(deps, ctx))
    .add("DELETE", `${P}/global/operations/{operation}`, (ctx) => deleteGlobalOperation(deps, ctx))
    .add("POST", `${P}/global/operations/{operation}/wait`, (ctx) => waitGlobalOperation(deps, ctx));
}

function copy(key: string): (resource: Parameters<CollectionSpec["prepare"]>[0], body: Parameters<CollectionSpec["prepare"]>[0]) => void {
  return (resource, body) => {
    const value = body[key];
    if (value === undefined) delete resource[key];
    else resource[key] = value;
  };
}
