// The middle of a global external Application Load Balancer: URL maps, target HTTP(S) proxies and
// the SSL certificates HTTPS proxies present.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { ApiError, invalidField, requiredField } from "../errors.ts";
import { objectAt, objectsAt, stringAt, stringsAt } from "../json.ts";
import type { JsonObject } from "../json.ts";
import { checkName, checkOneOf, defaultTo, visitField, visitList } from "./spec.ts";
import type { CollectionSpec, RefVisitor } from "./spec.ts";

const SERVICES = ["backendServices", "backendBuckets"];

export const urlMaps: CollectionSpec = {
  collection: "urlMaps",
  protoType: "UrlMap",
  kind: "compute#urlMap",
  typeName: "url_map",
  fingerprinted: true,
  refs(um, visit) {
    visitField(um, "defaultService", { field: "resource.defaultService", allowed: SERVICES }, visit);
    for (const [i, pm] of objectsAt(um, "pathMatchers").entries()) visitPathMatcher(pm, `resource.pathMatchers[${i}]`, visit);
  },
  prepare(um) {
    checkName(um);
    if (!hasDefault(um)) throw requiredField("resource.defaultService");
    const matchers = objectsAt(um, "pathMatchers");
    const names = new Set<string>();
    for (const [i, pm] of matchers.entries()) {
      const name = stringAt(pm, "name");
      if (name === undefined || name === "") throw requiredField(`resource.pathMatchers[${i}].name`);
      if (names.has(name)) throw invalidField(`resource.pathMatchers[${i}].name`, name, "Duplicate path matcher name.");
      names.add(name);
      if (!hasDefault(pm)) throw requiredField(`resource.pathMatchers[${i}].defaultService`);
    }
    for (const [i, rule] of objectsAt(um, "hostRules").entries()) {
      if (stringsAt(rule, "hosts").length === 0) throw requiredField(`resource.hostRules[${i}].hosts`);
      const matcher = stringAt(rule, "pathMatcher") ?? "";
      if (!names.has(matcher)) throw invalidField(`resource.hostRules[${i}].pathMatcher`, matcher, `Path matcher '${matcher}' is not defined in this URL map.`);
    }
  },
};

function hasDefault(obj: JsonObject): boolean {
  return obj.defaultService !== undefined || obj.defaultUrlRedirect !== undefined || obj.defaultRouteAction !== undefined;
}

function visitPathMatcher(pm: JsonObject, field: string, visit: RefVisitor): void {
  visitField(pm, "defaultService", { field: `${field}.defaultService`, allowed: SERVICES }, visit);
  for (const [j, rule] of objectsAt(pm, "pathRules").entries()) visitField(rule, "service", { field: `${field}.pathRules[${j}].service`, allowed: SERVICES }, visit);
  for (const [j, rule] of objectsAt(pm, "routeRules").entries()) visitField(rule, "service", { field: `${field}.routeRules[${j}].service`, allowed: SERVICES }, visit);
}

export const targetHttpProxies: CollectionSpec = {
  collection: "targetHttpProxies",
  protoType: "TargetHttpProxy",
  kind: "compute#targetHttpProxy",
  typeName: "target_http_proxy",
  fingerprinted: true,
  refs(p, visit) {
    visitField(p, "urlMap", { field: "resource.urlMap", allowed: ["urlMaps"] }, visit);
  },
  prepare(p) {
    checkName(p);
    if (p.urlMap === undefined || p.urlMap === "") throw requiredField("resource.urlMap");
  },
};

const MAX_CERTIFICATES = 15;

export const targetHttpsProxies: CollectionSpec = {
  collection: "targetHttpsProxies",
  protoType: "TargetHttpsProxy",
  kind: "compute#targetHttpsProxy",
  typeName: "target_https_proxy",
  fingerprinted: true,
  refs(p, visit) {
    visitField(p, "urlMap", { field: "resource.urlMap", allowed: ["urlMaps"] }, visit);
    visitList(p, "sslCertificates", { field: "resource.sslCertificates", allowed: ["sslCertificates"] }, visit);
  },
  prepare(p) {
    checkName(p);
    if (p.urlMap === undefined || p.urlMap === "") throw requiredField("resource.urlMap");
    const certs = stringsAt(p, "sslCertificates");
    if (certs.length === 0 && p.certificateMap === undefined) throw requiredField("resource.sslCertificates");
    if (certs.length > MAX_CERTIFICATES) throw invalidField("resource.sslCertificates", certs.length, `At most ${MAX_CERTIFICATES} certificates are allowed.`);
    checkOneOf(p, "quicOverride", "resource.quicOverride", ["NONE", "ENABLE", "DISABLE"]);
    defaultTo(p, "quicOverride", "NONE");
  },
};

export const sslCertificates: CollectionSpec = {
  collection: "sslCertificates",
  protoType: "SslCertificate",
  kind: "compute#sslCertificate",
  typeName: "ssl_certificate",
  fingerprinted: false,
  refs: () => {},
  prepare(cert) {
    checkName(cert);
    const managed = objectAt(cert, "managed");
    const type = stringAt(cert, "type") ?? (managed !== undefined ? "MANAGED" : "SELF_MANAGED");
    checkOneOf({ type }, "type", "resource.type", ["MANAGED", "SELF_MANAGED"]);
    cert.type = type;
    if (type === "MANAGED") prepareManaged(cert, managed);
    else prepareSelfManaged(cert);
  },
};

function prepareManaged(cert: JsonObject, managed: JsonObject | undefined): void {
  const domains = managed === undefined ? [] : stringsAt(managed, "domains");
  if (domains.length === 0) throw requiredField("resource.managed.domains");
  if (domains.length > 100) throw invalidField("resource.managed.domains", domains.length, "At most 100 domains are allowed.");
  // Provisioning needs DNS pointing at the load balancer, which never happens here.
  cert.managed = { domains, status: "PROVISIONING", domainStatus: Object.fromEntries(domains.map((d) => [d, "PROVISIONING"])) };
  cert.subjectAlternativeNames = domains;
}

function prepareSelfManaged(cert: JsonObject): void {
  const pem = stringAt(cert, "certificate") ?? stringAt(objectAt(cert, "selfManaged") ?? {}, "certificate");
  const keyPem = stringAt(cert, "privateKey") ?? stringAt(objectAt(cert, "selfManaged") ?? {}, "privateKey");
  if (pem === undefined) throw requiredField("resource.certificate");
  if (keyPem === undefined) throw requiredField("resource.privateKey");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    throw new ApiError(400, "sslCertificateCouldNotParseCert", "The SSL certificate could not be parsed.");
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    throw new ApiError(400, "sslCertificateCouldNotParsePrivateKey", "The SSL key could not be parsed.");
  }
  if (!matches) throw new ApiError(400, "sslCertificateKeyMismatch", "The SSL certificate and key do not match.");
  // The key is input only: the API never returns it.
  delete cert.privateKey;
  delete cert.selfManaged;
  cert.certificate = pem;
  cert.expireTime = new Date(x509.validTo).toISOString();
  cert.subjectAlternativeNames = (x509.subjectAltName ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4));
}
