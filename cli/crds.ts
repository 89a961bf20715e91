import { join } from "node:path";
import { Command } from "commander";
import { writeCrds } from "../core/crd/files.ts";
import { toYaml } from "../core/crd/generate.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { FIELD_MANAGER } from "../core/kube/managed-client.ts";
import { serverSideApply } from "../core/kube/raw-apply.ts";
import { allCrds } from "../providers/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";

/** `terraplane crds [--apply] [--write]`: the CRDs generated from the zod schemas. */
export function crdsCommand(): Command {
  return new Command("crds")
    .description("print the CRDs (generated from the kinds' zod schemas), apply them, or regenerate crds/")
    .option("--apply", "apply them to the cluster in the current kubeconfig (server-side apply)")
    .option("--kubeconfig <path>", "kubeconfig file for --apply")
    .option("--write [dir]", "write one file per CRD into a directory (default: the repository's crds/)")
    .action(async (opts: { apply?: boolean; kubeconfig?: string; write?: string | boolean }) => {
      const crds = allCrds();
      if (opts.write) {
        const dir = typeof opts.write === "string" ? opts.write : join(repoRoot, "crds");
        const result = await writeCrds(dir, crds);
        console.error(`crds: ${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed in ${dir}`);
        return;
      }
      if (!opts.apply) {
        process.stdout.write(toYaml(crds));
        return;
      }
      const kc = loadKubeConfig(opts);
      for (const crd of crds) {
        await serverSideApply(kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd, FIELD_MANAGER);
        console.error(`customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name} applied`);
      }
    });
}
