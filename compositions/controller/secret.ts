import { isRecord } from "../cel-types.ts";
import type { CompiledDefinition } from "../definition.ts";
import type { Instance } from "../render.ts";
import { sameJson } from "./conditions.ts";
import type { Runtime } from "./runtime.ts";

// The instance's connection Secret: the definition's keys, mapped from the composed resources'
// connection Secrets and template values. Server-side applied, owner-referenced to the instance
// (garbage-collected with it), and written only when its content differs from what it holds.
// Values never leave this module except into the Secret.

export async function publishConnection(rt: Runtime, instance: Instance, definition: CompiledDefinition, data: Readonly<Record<string, string>>): Promise<void> {
  const ref = instance.spec.writeConnectionSecretToRef;
  const namespace = instance.metadata.namespace;
  if (!isRecord(ref) || typeof ref.name !== "string" || !namespace || Object.keys(data).length === 0) return;
  const wanted = Object.fromEntries(Object.entries(data).filter(([k]) => definition.connectionSecretKeys.length === 0 || definition.connectionSecretKeys.includes(k)));
  const existing = await rt.client.readSecret(namespace, ref.name);
  if (existing && sameJson(existing, wanted)) return;
  await rt.client.apply({
    apiVersion: "v1",
    kind: "Secret",
    type: "connection.terraplane.dev/v1alpha1",
    metadata: {
      name: ref.name,
      namespace,
      labels: { "terraplane.dev/managed-by": "terraplane" },
      ownerReferences: [{ apiVersion: instance.apiVersion, kind: instance.kind, name: instance.metadata.name, uid: instance.metadata.uid ?? "", controller: true, blockOwnerDeletion: false }],
    },
    data: Object.fromEntries(Object.entries(wanted).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });
}
