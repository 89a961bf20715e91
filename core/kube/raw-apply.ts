import { request } from "node:https";
import type { RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/**
 * Server-side apply of an object exactly as given, bypassing client-node's typed serializer: for
 * built-in kinds it drops keys its models do not know by their JSON name (a CRD schema's
 * `x-kubernetes-list-type`, for one), which would silently change what is applied.
 */
export async function serverSideApply(kc: KubeConfig, path: string, body: unknown, fieldManager: string): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(path, cluster.server);
  url.searchParams.set("fieldManager", fieldManager);
  url.searchParams.set("force", "true");
  const options: RequestOptions = { method: "PATCH", headers: { "content-type": "application/apply-patch+yaml", accept: "application/json" } };
  await kc.applyToHTTPSOptions(options);
  const payload = JSON.stringify(body);
  await new Promise<void>((resolveApply, reject) => {
    const req = request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        if ((res.statusCode ?? 500) < 300) return resolveApply();
        reject(new Error(`server-side apply of ${path} failed (${res.statusCode ?? "?"}): ${statusMessage(text)}`));
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

function statusMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") return body.message;
  } catch {
    // not JSON: fall through
  }
  return text;
}
