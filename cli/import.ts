import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { importTerraform } from "../migrate/terraform/import.ts";
import { parseProviderConfig } from "../migrate/terraform/manifest.ts";
import { formatReport } from "../migrate/terraform/report.ts";
import { writeDirectory, yamlStream } from "../migrate/terraform/writer.ts";

interface ImportTerraformOptions {
  readonly providerConfig: string;
  readonly namespace?: string;
  readonly output?: string;
}

async function readInput(file: string): Promise<{ text: string; source: string }> {
  if (file !== "-") return { text: await readFile(file, "utf8"), source: file };
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return { text: Buffer.concat(chunks).toString("utf8"), source: "stdin" };
}

/** `terraplane import terraform <file | ->`: Terraplane manifests (read-only, orphaning) from a Terraform state. */
export function importCommand(): Command {
  const cmd = new Command("import").description("import existing cloud resources from another tool's records");
  cmd
    .command("terraform")
    .description(
      "write manifests for the resources in a Terraform state (format version 4: terraform.tfstate, `terraform state pull`) or `terraform show -json` output; " +
        'every manifest is managementPolicies ["Observe"] and deletionPolicy Orphan. The report (what was mapped, dropped, skipped) goes to stderr.',
    )
    .argument("<file>", "the state file, or - for stdin")
    .option("--provider-config <name>", "ClusterProviderConfig name, or ProviderConfig/NAME for a namespaced one", "default")
    .option("-n, --namespace <namespace>", "namespace for the manifests (and the Secrets to fill in)")
    .option("-o, --output <dir>", "write one file per manifest into this directory instead of a YAML stream on stdout")
    .action(async (file: string, opts: ImportTerraformOptions) => {
      const input = await readInput(file);
      const result = importTerraform(input.text, input.source, { namespace: opts.namespace, providerConfig: parseProviderConfig(opts.providerConfig) });
      if (opts.output) {
        const paths = await writeDirectory(opts.output, result.manifests);
        for (const p of paths) console.error(`wrote ${p}`);
      } else {
        process.stdout.write(yamlStream(result.manifests));
      }
      process.stderr.write(formatReport(result.report));
    });
  return cmd;
}
