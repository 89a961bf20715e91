import { relative } from "node:path";
import type { ServedKind } from "../../core/inspect/discover.ts";
import { repoRoot } from "../launcher/paths.ts";
import type { ExampleFile, ManagedRef } from "./examples.ts";

export interface UsageFacts {
  readonly adminKubeconfig: string;
  readonly controllerLog: string;
  readonly pollInterval: string;
  readonly refs: readonly ManagedRef[];
  readonly kinds: readonly ServedKind[];
  readonly files: readonly ExampleFile[];
}

/** A path as the user should type it from the repository root (where `make sandbox` runs). */
const shown = (path: string): string => (path.startsWith(`${repoRoot}/`) ? relative(repoRoot, path) : path);

const qualified = (ref: ManagedRef, kinds: readonly ServedKind[]): string => {
  const kind = kinds.find((k) => k.group === ref.group && k.kind === ref.kind);
  return kind ? `${kind.plural}.${kind.group}` : `${ref.kind.toLowerCase()}.${ref.group}`;
};

/** How to use the running sandbox: printed once everything is Ready (or the wait timed out). */
export function usage(f: UsageFacts): string {
  const sample = f.refs.find((r) => r.group.startsWith("aws.") && r.kind === "Database") ?? f.refs[0];
  const kindsShown = [...new Set(f.refs.map((r) => qualified(r, f.kinds)))];
  const lines = [
    "Use it from another terminal (in this directory):",
    `  export KUBECONFIG=${f.adminKubeconfig}`,
    `  kubectl get ${kindsShown.join(",")} -A`,
    "  bin/terraplane status -A            # or `kubectl terraplane status -A` with bin/ on PATH",
  ];
  if (sample) lines.push(...sampleLines(sample, f));
  lines.push(
    "",
    `Controller log (terraplane run as system:serviceaccount:terraplane-system:terraplane): ${shown(f.controllerLog)}`,
    'Emulator endpoints for the AWS CLI and SDKs: eval "$(bin/terraplane sandbox env)"',
    "Ctrl-C stops the controller and every sandbox process this command started.",
  );
  return lines.join("\n");
}

function sampleLines(ref: ManagedRef, f: UsageFacts): string[] {
  const q = qualified(ref, f.kinds);
  const ns = ref.namespace === "default" ? "" : ` -n ${ref.namespace}`;
  const edit =
    ref.group.startsWith("aws.") && ref.kind === "Database"
      ? `  kubectl patch ${q} ${ref.name}${ns} --type=merge -p '{"spec":{"forProvider":{"allocatedStorage":30}}}'`
      : `  kubectl edit ${q} ${ref.name}${ns}`;
  const file = f.files.find((e) => e.managed.includes(ref));
  return [
    `  bin/terraplane explain ${q}/${ref.name}${ns}`,
    "",
    "Edit a spec and watch Terraplane apply it:",
    edit,
    `  kubectl get ${q} ${ref.name}${ns} -w`,
    "",
    `Change the cloud resource behind Terraplane's back, then watch DriftDetected and the correction (next poll, within ${f.pollInterval}):`,
    `  bin/terraplane sandbox drift ${q}/${ref.name}${ns}`,
    `  kubectl describe ${q} ${ref.name}${ns}      # Events: DriftDetected, then UpdatedExternalResource`,
    `  bin/terraplane explain ${q}/${ref.name}${ns}  # conditions, events, and the last drift (fields, when corrected)`,
    "",
    "Delete (Terraplane deletes the cloud resource first, then releases the object):",
    `  kubectl delete ${q} ${ref.name}${ns}${file ? `      # or: kubectl delete -f ${shown(file.path)}` : ""}`,
  ];
}
