import { CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { resolveKind } from "../../core/inspect/explain.ts";
import { isNotFound } from "../../core/kube/errors.ts";
import type { SandboxInfo } from "../launcher/sandbox.ts";
import { awsDriftMakers } from "./drift-aws.ts";
import { gcpDriftMakers } from "./drift-gcp.ts";
import { Target } from "./drift-types.ts";
import type { Drift, DriftMaker } from "./drift-types.ts";

// `terraplane sandbox drift <kind>/<name>`: one change to the cloud resource behind a managed
// resource, made with the official SDK straight against the emulator (not through Terraplane, not
// through the fault proxy), so that the controller's next poll reports DriftDetected and corrects it.

const makers: Readonly<Record<string, DriftMaker>> = { ...awsDriftMakers, ...gcpDriftMakers };

export const driftKinds = Object.keys(makers);

/** Makes the change for `<kind>/<name>` (any name kubectl knows the kind by) and says what it did. */
export async function makeDrift(kc: KubeConfig, sandbox: SandboxInfo, typed: string, namespace: string): Promise<Drift & { kind: string }> {
  const slash = typed.indexOf("/");
  if (slash <= 0 || slash === typed.length - 1) throw new Error(`expected <kind>/<name>, got "${typed}"`);
  const kind = await resolveKind(kc, typed.slice(0, slash));
  const maker = makers[`${kind.group}/${kind.kind}`];
  if (!maker) throw new Error(`no drift maker for ${kind.kind}.${kind.group}; there is one for: ${driftKinds.join(", ")}`);
  const name = typed.slice(slash + 1);
  let raw: unknown;
  try {
    raw = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, namespace, name });
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${kind.kind} "${name}" not found in namespace "${namespace}"`, { cause: err });
    throw err;
  }
  const drift = await maker({ kc, sandbox, namespace, target: Target.parse(raw) });
  return { ...drift, kind: `${kind.plural}.${kind.group}` };
}
