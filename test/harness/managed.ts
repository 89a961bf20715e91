import { CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { toYaml } from "../../core/crd/generate.ts";
import type { CustomResourceDefinition } from "../../core/crd/generate.ts";
import { kubeConfig, kubectl, kubectlOk, waitEstablished } from "./kube.ts";

// Helpers for tests of managed resources: read them, their conditions and their events, as a user
// would see them through the API server.

const ConditionShape = z.object({ type: z.string(), status: z.string(), reason: z.string(), message: z.string().optional() });
const ManagedShape = z.object({
  metadata: z.object({
    name: z.string(),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    finalizers: z.array(z.string()).optional(),
    deletionTimestamp: z.string().optional(),
  }),
  spec: z.looseObject({ forProvider: z.record(z.string(), z.unknown()) }),
  status: z
    .looseObject({
      conditions: z.array(ConditionShape).optional(),
      observedGeneration: z.number().optional(),
      atProvider: z.record(z.string(), z.unknown()).optional(),
      drift: z
        .object({
          fields: z.array(z.object({ path: z.string(), desired: z.string().optional(), observed: z.string().optional() })),
          detectedAt: z.string(),
          corrected: z.boolean().optional(),
          resolvedAt: z.string().optional(),
        })
        .optional(),
      lastSyncTime: z.string().optional(),
    })
    .optional(),
});
export type ManagedView = z.infer<typeof ManagedShape>;

export interface KindRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export async function applyCrds(crds: readonly CustomResourceDefinition[]): Promise<void> {
  // Server-side apply: several test files may install the same CRDs at once.
  await kubectlOk(["apply", "--server-side", "--force-conflicts", "--field-manager=terraplane-tests", "-f", "-"], toYaml(crds));
  for (const crd of crds) await waitEstablished(crd.metadata.name);
}

/**
 * Deletes a test's CRDs. Objects still holding a finalizer (their controller already stopped) would
 * keep a CRD terminating forever, so finalizers are cleared first: test clean-up only.
 */
export async function deleteCrds(crds: readonly CustomResourceDefinition[]): Promise<void> {
  for (const crd of crds) {
    const list = await kubectl(["get", crd.metadata.name, "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}{\" \"}{.metadata.name}{\"\\n\"}{end}"]);
    for (const line of list.stdout.split("\n").filter(Boolean)) {
      const [namespace = "", name = ""] = line.split(" ");
      await kubectl(["patch", crd.metadata.name, name, ...(namespace ? ["-n", namespace] : []), "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    }
    await kubectl(["delete", "crd", crd.metadata.name, "--wait=false"]);
  }
}

export async function getManaged(ref: KindRef, namespace: string, name: string): Promise<ManagedView | undefined> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  try {
    return ManagedShape.parse(await api.getNamespacedCustomObject({ ...ref, namespace, name }));
  } catch (err) {
    if (err instanceof z.ZodError) throw err;
    return undefined;
  }
}

export function condition(view: ManagedView | undefined, type: string): z.infer<typeof ConditionShape> | undefined {
  return view?.status?.conditions?.find((c) => c.type === type);
}

const EventList = z.object({ items: z.array(z.object({ reason: z.string(), message: z.string(), type: z.string(), count: z.number().optional() })) });

/**
 * Whether `events` tell of late initialisation: its own LateInitialized event, or the Created event
 * when the create's one write also filled the fields in (docs/adr/0022).
 */
export function toldLateInitialization(events: readonly { readonly reason: string; readonly message: string }[]): boolean {
  return events.some((e) => e.reason === "LateInitialized" || (e.reason === "CreatedExternalResource" && e.message.includes("filled unset fields from the cloud")));
}

/** The Events on one object, as `kubectl get events` lists them. */
export async function eventsFor(namespace: string, name: string): Promise<z.infer<typeof EventList>["items"]> {
  const out = await kubectlOk(["get", "events", "-n", namespace, "--field-selector", `involvedObject.name=${name}`, "-o", "json"]);
  return EventList.parse(JSON.parse(out)).items;
}
