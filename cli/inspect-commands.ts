import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { explain, renderExplanation, resolveKind } from "../core/inspect/explain.ts";
import { statusRows } from "../core/inspect/status.ts";
import { renderTable } from "../core/inspect/table.ts";

interface KubeOptions {
  kubeconfig?: string;
  namespace?: string;
  context?: string;
}

function loadKubeConfig(opts: KubeOptions): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  return kc;
}

function currentNamespace(kc: KubeConfig, opts: KubeOptions): string {
  return opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
}

/** `terraplane status`: every managed resource with its cloud, readiness and the reason when not Ready. */
export function statusCommand(): Command {
  return new Command("status")
    .description("list managed resources: kind, name, cloud, READY, SYNCED, age and why not Ready")
    .option("-n, --namespace <ns>", "namespace (default: the kubeconfig context's)")
    .option("-A, --all-namespaces", "every namespace")
    .option("--kubeconfig <path>", "kubeconfig file")
    .option("--context <name>", "kubeconfig context")
    .action(async (opts: KubeOptions & { allNamespaces?: boolean }) => {
      const kc = loadKubeConfig(opts);
      const rows = await statusRows(kc, opts.allNamespaces ? undefined : currentNamespace(kc, opts));
      if (rows.length === 0) {
        console.error(opts.allNamespaces ? "No managed resources found." : `No managed resources found in ${currentNamespace(kc, opts)} namespace.`);
        return;
      }
      const header = ["KIND", ...(opts.allNamespaces ? ["NAMESPACE"] : []), "NAME", "CLOUD", "READY", "SYNCED", "AGE", "MESSAGE"];
      console.log(renderTable(header, rows.map((r) => [r.kind, ...(opts.allNamespaces ? [r.namespace] : []), r.name, r.cloud, r.ready, r.synced, r.age, r.message])));
    });
}

/** `terraplane explain <kind>/<name>`: conditions, events, drift, pending operation and dependencies, root cause first. */
export function explainCommand(): Command {
  return new Command("explain")
    .description("explain one managed resource: why it is (not) Ready, its events, drift, pending operation and what it depends on")
    .argument("<kind/name>", "e.g. database/orders or databases.aws.terraplane.dev/orders")
    .option("-n, --namespace <ns>", "namespace (default: the kubeconfig context's)")
    .option("--kubeconfig <path>", "kubeconfig file")
    .option("--context <name>", "kubeconfig context")
    .action(async (target: string, opts: KubeOptions) => {
      const slash = target.indexOf("/");
      if (slash <= 0 || slash === target.length - 1) throw new Error(`expected <kind>/<name>, got "${target}"`);
      const kc = loadKubeConfig(opts);
      const kind = await resolveKind(kc, target.slice(0, slash));
      const explanation = await explain(kc, kind, currentNamespace(kc, opts), target.slice(slash + 1));
      console.log(renderExplanation(explanation));
    });
}
