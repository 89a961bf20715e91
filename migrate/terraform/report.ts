import type { ImportReport } from "./import.ts";

// The human report on stderr: what became which manifest, what was dropped from each (and why),
// what was skipped, which Secrets the user must fill in. It names attributes, never their values.

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
}

function mappedLines(report: ImportReport): string[] {
  return report.mapped.flatMap((m) => [
    `  ${m.apiVersion} ${m.kind} ${m.name} (external name ${m.externalName})`,
    `    from ${m.addresses.join(", ")}`,
    ...m.dropped.map((d) => `    dropped ${d.address}${d.path === "*" ? "" : `.${d.path}`}: ${d.reason}`),
    ...m.notes.map((n) => `    note: ${n}`),
  ]);
}

function secretLines(report: ImportReport): string[] {
  if (report.secrets.length === 0) return [];
  return [
    `secrets to fill in (${report.secrets.length}; their values were not copied from the state):`,
    ...report.secrets.map((s) => {
      const ns = s.namespace ? ` -n ${s.namespace}` : "";
      return `  ${s.address}.${s.attribute} → Secret ${s.name} key ${s.key}: kubectl create secret generic ${s.name}${ns} --from-literal=${s.key}=...`;
    }),
  ];
}

export function formatReport(report: ImportReport): string {
  const lines = [
    `terraplane import terraform: ${report.source} (${report.format === "state-v4" ? "state format version 4" : "terraform show -json"}${report.terraformVersion ? `, Terraform ${report.terraformVersion}` : ""})`,
    `mapped ${plural(report.mapped.length, "manifest")}${report.mapped.length > 0 ? ":" : ""}`,
    ...mappedLines(report),
    `skipped ${plural(report.skipped.length, "address")}${report.skipped.length > 0 ? ":" : ""}`,
    ...report.skipped.map((s) => `  ${s.address}: ${s.reason}`),
    ...secretLines(report),
  ];
  const dropped = report.mapped.filter((m) => m.dropped.length > 0).length;
  if (dropped > 0) lines.push(`${plural(dropped, "manifest")} dropped configuration (annotation terraplane.dev/import-dropped): adopt will refuse them until the kind can say it or the setting is removed`);
  lines.push('every manifest is managementPolicies: ["Observe"], deletionPolicy: Orphan: applying it changes nothing in the cloud');
  return `${lines.join("\n")}\n`;
}
