import { KubeConfig } from "@kubernetes/client-node";

export interface KubeConfigSource {
  /** A kubeconfig file (a --kubeconfig flag); otherwise what kubectl would use. */
  readonly kubeconfig?: string | undefined;
  /** A context of that file other than its current-context (a --context flag). */
  readonly context?: string | undefined;
}

/**
 * The KubeConfig every command and tool uses: the file given, else what kubectl would use
 * ($KUBECONFIG, ~/.kube/config) or the in-cluster service account.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfig) kc.loadFromFile(source.kubeconfig);
  else kc.loadFromDefault();
  if (source.context) kc.setCurrentContext(source.context);
  return kc;
}
