import { Attrs } from "../attrs.ts";
import type { Findings, LossTable } from "../mapping.ts";
import { computePath } from "../refs.ts";
import type { TfInstance } from "../state.ts";
import type { Chain, Frontend } from "./chain.ts";
import { primaryFrontend, TYPES } from "./chain.ts";

// What the LoadBalancer and CDN kinds share about a chain's front end: the protocol, certificates,
// port and address of the kept frontend, what a second frontend and each part's unexpressible
// settings lose, and the parts' Terraform names (the external-names annotation).

const PROXY_LOSSES: LossTable = [
  ["quic_override", "NONE"],
  ["ssl_policy", ""],
  ["proxy_bind", false],
  ["certificate_map", ""],
  ["http_keep_alive_timeout_sec", 0],
  ["server_tls_policy", ""],
  ["description", ""],
];
const RULE_LOSSES: LossTable = [
  ["labels", {}],
  ["effective_labels", { "goog-terraform-provisioned": "true" }],
  ["metadata_filters", []],
  ["description", ""],
  ["ip_protocol", "TCP"],
];
const URL_MAP_LOSSES: LossTable = [
  ["default_route_action", []],
  ["default_url_redirect", []],
  ["header_action", []],
  ["test", []],
  ["description", ""],
];

export interface FrontendFields {
  readonly protocol: "HTTP" | "HTTPS";
  readonly sslCertificates: string[] | undefined;
  readonly port: number | undefined;
  readonly primary: Frontend;
}

/** "80", "80-80" → 80; a real range cannot be said. */
function portOf(range: string | undefined): number | undefined {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(range ?? "");
  if (!m || (m[2] !== undefined && m[2] !== m[1])) return undefined;
  return Number(m[1]);
}

/** The kept frontend's fields, recording what the others and each part drop. */
export function frontendFields(chain: Chain, f: Findings, kind: string): FrontendFields {
  const { primary, others } = primaryFrontend(chain);
  const reason = `the gcp ${kind} kind cannot express it`;
  for (const o of others) {
    for (const part of [o.rule, o.proxy, o.urlMap]) {
      if (part !== primary.urlMap) f.drop(part.address, "*", `a second frontend (${primary.rule.address} is the one kept): ${reason}`);
    }
  }
  f.dropNonDefault(primary.proxy, PROXY_LOSSES, reason);
  f.dropNonDefault(primary.rule, RULE_LOSSES, reason);
  f.dropNonDefault(primary.urlMap, URL_MAP_LOSSES, reason);
  const rule = new Attrs(primary.rule.attributes);
  const port = portOf(rule.str("port_range"));
  if (rule.str("port_range") && port === undefined) f.drop(primary.rule.address, "port_range", `a port range: ${reason}`);
  const https = primary.proxy.type === TYPES.httpsProxy;
  const certs = new Attrs(primary.proxy.attributes).strings("ssl_certificates").map(computePath);
  return { protocol: https ? "HTTPS" : "HTTP", sslCertificates: https && certs.length > 0 ? certs : undefined, port, primary };
}

/** The kept frontend's parts under their Terraform names, by part key (ADR 0012); the backends are the kind's to add. */
export function frontendPartNames(primary: Frontend): Record<string, string> {
  const name = (i: TfInstance): string => new Attrs(i.attributes).str("name") ?? i.name;
  return { urlMap: name(primary.urlMap), targetProxy: name(primary.proxy), forwardingRule: name(primary.rule) };
}

/** The note on what the external-names annotation holds. */
export function partNamesNote(address: string, names: Readonly<Record<string, string>>): string {
  const list = Object.entries(names).map(([key, name]) => `${key} = ${name}`);
  return `${address}: the parts keep their Terraform names (${list.join(", ")}), recorded in the terraplane.dev/external-names annotation so Terraplane finds them`;
}
