import { Attrs } from "../attrs.ts";
import { ofTypes } from "../mapping.ts";
import type { ImportContext, MappedResource, MapperResult, Skip } from "../mapping.ts";
import type { Chain } from "./chain.ts";
import { chainAddresses, chains, TYPES } from "./chain.ts";
import { mapCdn } from "./cdn.ts";
import { mapLoadBalancer } from "./loadbalancer.ts";

// The google_compute_* load-balancing resources → gcp LoadBalancer or gcp CDN, one per chain: a
// chain whose backend has Cloud CDN enabled is a CDN, one of plain backend services a LoadBalancer.
// Parts that belong to no complete chain are reported, each with the reason.

const PARTS = [TYPES.forwardingRule, TYPES.httpProxy, TYPES.httpsProxy, TYPES.urlMap, TYPES.backendService, TYPES.backendBucket, TYPES.healthCheck, TYPES.address];
const CERTIFICATES = [TYPES.managedCertificate, TYPES.certificate];

function hasCdn(chain: Chain): boolean {
  return chain.backends.some((b) => new Attrs(b.attributes).bool("enable_cdn") === true);
}

function mapChain(chain: Chain): MappedResource | string {
  if (hasCdn(chain)) return mapCdn(chain);
  const bucket = chain.backends.find((b) => b.type === TYPES.backendBucket);
  if (bucket) return `${bucket.address} is a backend bucket without Cloud CDN: no Terraplane kind serves a bucket through a plain load balancer`;
  return mapLoadBalancer(chain);
}

function leftOverReason(type: string, a: Attrs): string {
  const purpose = a.str("purpose");
  if (type === TYPES.address && (a.str("address_type") === "INTERNAL" || purpose)) {
    return `an internal address (purpose ${purpose ?? "none"}), e.g. for VPC peering: not a load balancer front end, and no Terraplane kind maps it`;
  }
  return "not part of a complete forwarding rule → target proxy → URL map → backend chain in this state: the gcp LoadBalancer and CDN kinds map only whole chains";
}

export function mapGcpFrontends(ctx: ImportContext): MapperResult {
  const found = chains(ctx);
  const mapped: MappedResource[] = [];
  const skipped: Skip[] = [...found.skipped];
  const claimed = new Set(found.skipped.map((s) => s.address));
  for (const chain of found.chains) {
    const result = mapChain(chain);
    const addresses = chainAddresses(chain);
    addresses.forEach((a) => claimed.add(a));
    if (typeof result !== "string") mapped.push(result);
    else for (const address of addresses) skipped.push({ address, type: ctx.instances.find((i) => i.address === address)?.type ?? "", reason: result });
  }
  for (const inst of ofTypes(ctx, PARTS).filter((i) => !claimed.has(i.address))) {
    skipped.push({ address: inst.address, type: inst.type, reason: leftOverReason(inst.type, new Attrs(inst.attributes)) });
    claimed.add(inst.address);
  }
  for (const cert of ofTypes(ctx, CERTIFICATES)) {
    skipped.push({ address: cert.address, type: cert.type, reason: "an SSL certificate: the LoadBalancer and CDN kinds reference certificates by self-link, they do not manage them" });
    claimed.add(cert.address);
  }
  return { mapped, skipped, claimed };
}
