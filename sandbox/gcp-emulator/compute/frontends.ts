// The front of a global external Application Load Balancer: reserved global addresses and global
// forwarding rules.
import { isIP } from "node:net";
import { invalidField, requiredField } from "../errors.ts";
import { contentFingerprint, EMPTY_LABEL_FINGERPRINT } from "../ids.ts";
import { objectAt, stringAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import { parseRef } from "./links.ts";
import { checkName, checkOneOf, defaultTo, visitField } from "./spec.ts";
import type { CollectionSpec } from "./spec.ts";

function labelFingerprint(resource: JsonObject): string {
  const labels = objectAt(resource, "labels");
  return labels === undefined || Object.keys(labels).length === 0 ? EMPTY_LABEL_FINGERPRINT : contentFingerprint(labels);
}

export const globalAddresses: CollectionSpec = {
  collection: "addresses",
  protoType: "Address",
  kind: "compute#address",
  typeName: "address",
  fingerprinted: false,
  refs: () => {},
  prepare(addr, env) {
    checkName(addr);
    checkOneOf(addr, "addressType", "resource.addressType", ["EXTERNAL", "INTERNAL"]);
    checkOneOf(addr, "ipVersion", "resource.ipVersion", ["IPV4", "IPV6"]);
    if (addr.networkTier !== undefined && addr.networkTier !== "PREMIUM") {
      throw invalidField("resource.networkTier", addr.networkTier, "Global addresses must use the PREMIUM network tier.");
    }
    defaultTo(addr, "addressType", "EXTERNAL");
    defaultTo(addr, "ipVersion", "IPV4");
    defaultTo(addr, "networkTier", "PREMIUM");
    const given = stringAt(addr, "address");
    if (given !== undefined && isIP(given) === 0) throw invalidField("resource.address", given, "Must be a valid IP address.");
    // IPv6 global addresses come from the documentation prefix too (RFC 3849).
    addr.address = given ?? (addr.ipVersion === "IPV6" ? `2001:db8::${env.reservedIps.allocate().split(".").pop() ?? "1"}` : env.reservedIps.allocate());
    if (addr.ipVersion === "IPV6") defaultTo(addr, "prefixLength", 64);
    addr.labelFingerprint = labelFingerprint(addr);
  },
};

const TARGETS = ["targetHttpProxies", "targetHttpsProxies"];
const DEFAULT_PORTS: Readonly<Record<string, string>> = { targetHttpProxies: "80-80", targetHttpsProxies: "443-443" };

export const globalForwardingRules: CollectionSpec = {
  collection: "forwardingRules",
  protoType: "ForwardingRule",
  kind: "compute#forwardingRule",
  typeName: "forwarding_rule",
  fingerprinted: true,
  refs(rule, visit) {
    visitField(rule, "target", { field: "resource.target", allowed: TARGETS }, visit);
  },
  prepare(rule, env) {
    checkName(rule);
    const target = stringAt(rule, "target");
    if (target === undefined || target === "") throw requiredField("resource.target");
    checkOneOf(rule, "IPProtocol", "resource.IPProtocol", ["TCP", "UDP", "ESP", "AH", "SCTP", "ICMP", "L3_DEFAULT"]);
    checkOneOf(rule, "loadBalancingScheme", "resource.loadBalancingScheme", ["EXTERNAL", "EXTERNAL_MANAGED", "INTERNAL_SELF_MANAGED"]);
    defaultTo(rule, "IPProtocol", "TCP");
    defaultTo(rule, "loadBalancingScheme", "EXTERNAL");
    defaultTo(rule, "networkTier", "PREMIUM");
    defaultTo(rule, "ipVersion", "IPV4");
    rule.portRange = portRange(rule, parseRef(target, env.project)?.collection);
    rule.IPAddress = ipAddress(rule, env);
    rule.labelFingerprint = labelFingerprint(rule);
  },
};

// `80` is stored as `80-80`, as the API reports it.
function portRange(rule: JsonObject, targetCollection: string | undefined): string {
  const given = stringAt(rule, "portRange");
  if (given === undefined || given === "") return DEFAULT_PORTS[targetCollection ?? ""] ?? "80-80";
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(given);
  if (m === null) throw invalidField("resource.portRange", given, "Must be a port or a port range like '80-80'.");
  return `${m[1] ?? ""}-${m[2] ?? m[1] ?? ""}`;
}

// An IP literal, a reference to a reserved address (stored as its IP, like the API), or nothing:
// an ephemeral address.
function ipAddress(rule: JsonObject, env: Parameters<CollectionSpec["prepare"]>[1]): string {
  const given = stringAt(rule, "IPAddress");
  if (given === undefined || given === "") {
    const previous = env.existing === undefined ? undefined : stringAt(env.existing, "IPAddress");
    return previous ?? env.ephemeralIps.allocate();
  }
  if (isIP(given) !== 0) return given;
  const ref = parseRef(given, env.project);
  if (ref === undefined || ref.collection !== "addresses") throw invalidField("resource.IPAddress", given, "Must be an IP address or the URL of an address resource.");
  return env.addressIp(ref);
}
