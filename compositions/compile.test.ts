import { describe, expect, it } from "vitest";
import { testKinds, webstackComposition, webstackDefinition } from "./_catalog.ts";
import { compileComposition } from "./compile.ts";
import type { Composition } from "./kinds.ts";
import type { Problem } from "./problems.ts";

const definition = webstackDefinition();

/** The AWS composition with one edit applied. */
function awsWith(edit: (c: Composition) => void): Composition {
  const c = structuredClone(webstackComposition("aws"));
  edit(c);
  return c;
}

function resource(c: Composition, id: string): Record<string, unknown> {
  const r = c.spec.resources.find((x) => x.id === id);
  if (!r) throw new Error(id);
  return r.template;
}

function forProvider(c: Composition, id: string): Record<string, unknown> {
  const spec = resource(c, id).spec as { forProvider: Record<string, unknown> };
  return spec.forProvider;
}

function problemsOf(c: Composition): readonly Problem[] {
  const r = compileComposition(c, definition, testKinds);
  return r.ok ? [] : r.problems;
}

describe("compileComposition", () => {
  it("accepts the catalog's compositions, with waves from their references", () => {
    for (const cloud of ["aws", "gcp"] as const) {
      const r = compileComposition(webstackComposition(cloud), definition, testKinds);
      expect(r.ok ? r.compiled.waves : r.problems).toEqual([["db", "lb"], ["cdn"]]);
    }
  });

  const cases: Record<string, { reason: string; edit: (c: Composition) => void; want: Omit<Partial<Problem>, "message"> & { message: RegExp } }> = {
    typeError: {
      reason: "a string expression in an integer field",
      edit: (c) => (forProvider(c, "db").allocatedStorage = "${spec.size}"),
      want: { resource: "db", path: "spec.forProvider.allocatedStorage", expression: "spec.size", message: /has type string, but the field takes an integer/ },
    },
    unknownFieldInExpression: {
      reason: "a typo in a field path of another resource's status",
      edit: (c) => ((forProvider(c, "cdn").origins as { domainName: string }[])[0]!.domainName = "${lb.status.atProvider.dnsNam}"),
      want: { resource: "cdn", path: "spec.forProvider.origins[0].domainName", expression: "lb.status.atProvider.dnsNam", message: /No such key: dnsNam/ },
    },
    unknownTemplateField: {
      reason: "a field the kind does not have",
      edit: (c) => (forProvider(c, "db").instanceClas = "db.t3.micro"),
      want: { resource: "db", path: "spec.forProvider.instanceClas", message: /unknown field/ },
    },
    unknownId: {
      reason: "an expression reading an id no resource has",
      edit: (c) => (forProvider(c, "cdn").comment = "${database.metadata.name}"),
      want: { resource: "cdn", path: "spec.forProvider.comment", expression: "database.metadata.name", message: /Unknown variable: database/ },
    },
    referenceCycle: {
      reason: "lb reads cdn and cdn reads lb",
      edit: (c) => ((forProvider(c, "lb").tags as Record<string, string>).cdn = "${cdn.status.atProvider.domainName}"),
      want: { path: "template", message: /reference cycle: (lb → cdn → lb|cdn → lb → cdn)/ },
    },
    enumValue: {
      reason: "a literal outside the kind's enum",
      edit: (c) => (forProvider(c, "db").engine = "postgresql"),
      want: { resource: "db", path: "spec.forProvider.engine", message: /must be one of "postgres", "mysql", "mariadb"/ },
    },
    requiredField: {
      reason: "a required field of the kind left out",
      edit: (c) => delete forProvider(c, "db").masterUsername,
      want: { resource: "db", path: "spec.forProvider.masterUsername", message: /is required/ },
    },
    celRule: {
      reason: "the kind's own CEL rule on literal values",
      edit: (c) => (forProvider(c, "db").finalSnapshotIdentifier = "final"),
      want: { resource: "db", path: "spec.forProvider", message: /finalSnapshotIdentifier .* but not both/ },
    },
    missingStatusField: {
      reason: "a status field of the definition not filled",
      edit: (c) => delete c.spec.status!.databaseHost,
      want: { path: "spec.status.databaseHost", message: /status field databaseHost \(a string\) is not filled/ },
    },
    wrongStatusType: {
      reason: "a status field filled with an int",
      edit: (c) => (c.spec.status!.databaseHost = "${db.status.atProvider.endpoint.port}"),
      want: { path: "spec.status.databaseHost", expression: "db.status.atProvider.endpoint.port", message: /has type int, but the field takes a string/ },
    },
    missingConnectionKey: {
      reason: "a promised connection key not provided",
      edit: (c) => delete c.spec.connectionDetails!.password,
      want: { path: "spec.connectionDetails.password", message: /promises connection key password/ },
    },
    unknownKind: {
      reason: "a template of a kind Terraplane does not have",
      edit: (c) => (resource(c, "db").kind = "Bucket"),
      want: { resource: "db", path: "template", message: /aws.terraplane.dev\/v1alpha1 Bucket is not a Terraplane managed kind/ },
    },
    interpolationIntoInteger: {
      reason: "an interpolated string in an integer field",
      edit: (c) => (forProvider(c, "db").allocatedStorage = "${spec.storageGB}0"),
      want: { resource: "db", path: "spec.forProvider.allocatedStorage", message: /an interpolated string is a string, but the field takes an integer/ },
    },
    readyWhenNotBool: {
      reason: "readyWhen must be a bool",
      edit: (c) => (c.spec.resources[0]!.readyWhen = ["${db.status.atProvider.status}"]),
      want: { resource: "db", path: "readyWhen[0]", message: /has type string, but the field takes a bool/ },
    },
    reservedWordId: {
      reason: "a resource id CEL reserves, which no expression could name",
      edit: (c) => (c.spec.resources[0]!.id = "namespace"),
      want: { resource: "namespace", path: "id", message: /namespace is a word CEL reserves/ },
    },
    syntax: {
      reason: "an unterminated ${",
      edit: (c) => (forProvider(c, "db").dbName = "${metadata.name"),
      want: { resource: "db", path: "spec.forProvider.dbName", message: /unterminated expression/ },
    },
  };

  for (const [name, tc] of Object.entries(cases)) {
    it(`${name}: ${tc.reason}`, () => {
      const problems = problemsOf(awsWith(tc.edit));
      const { message, ...where } = tc.want;
      const matcher: unknown = expect.stringMatching(message);
      expect(problems).toContainEqual(expect.objectContaining({ ...where, message: matcher }));
    });
  }

  it("accepts one-letter resource ids (cel-js refuses one-letter type names: their objects get a longer one)", () => {
    const renamed: unknown = JSON.parse(JSON.stringify(webstackComposition("aws")).replaceAll(':"db"', ':"d"').replaceAll("db.", "d."));
    const r = compileComposition(renamed as Composition, definition, testKinds);
    expect(r.ok ? r.compiled.waves : r.problems).toEqual([["d", "lb"], ["cdn"]]);
  });
});
