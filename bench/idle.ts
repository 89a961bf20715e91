// `make bench-idle`: the idle controller's memory. `terraplane run` with both providers registered
// (every CRD installed, no objects), as bin/terraplane starts it: from its bundle, and for
// comparison from the TypeScript source (type stripping). After --idle-seconds of nothing to do,
// its resident set (VmRSS) and high-water mark (VmHWM) from /proc. One JSON line on stdout.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { startController } from "../sandbox/demo/controller.ts";
import { installCrds } from "../sandbox/demo/install.ts";
import { stateDir } from "../sandbox/launcher/paths.ts";
import { positiveArg, sandboxForRun } from "./_common.ts";
import { Cleanup } from "./_lifecycle.ts";

const { values } = parseArgs({ options: { "idle-seconds": { type: "string", default: "60" } } });
const idleSeconds = positiveArg(values, "idle-seconds");
const log = (line: string): void => console.error(`bench-idle: ${line}`);
/** The Done-when of issue 12: an idle controller with both providers registered. */
const TARGET_MIB = 150;

interface Memory {
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: Math.round(kib("VmRSS") / 102.4) / 10, peakRssMiB: Math.round(kib("VmHWM") / 102.4) / 10 };
}

const cleanup = new Cleanup(log);
await cleanup.run(async () => {
  const info = await sandboxForRun(cleanup, log);
  await installCrds(loadKubeConfig({ kubeconfig: info.kubeconfig }));
  const dir = join(stateDir(), "bench-idle");
  mkdirSync(dir, { recursive: true });

  const measure = async (fromSource: boolean): Promise<Memory> => {
    process.env.TERRAPLANE_RUN_FROM_SOURCE = fromSource ? "1" : "0";
    const name = fromSource ? "source" : "bundle";
    const controller = await startController({
      kubeconfig: info.kubeconfig,
      sandbox: info,
      logFile: join(dir, `${name}.log`),
      pidFile: join(dir, `${name}.json`),
      pollInterval: "60s",
      // An empty namespace of its own and no Lease: idle even in a sandbox whose demo has objects.
      extraArgs: ["--namespace", `bench-idle-${Date.now().toString(36)}`, "--no-leader-elect", "--log-level", "warn"],
    });
    cleanup.add(`stop the ${name} controller`, () => controller.stop());
    log(`${name}: ready (pid ${controller.pid}); idle for ${idleSeconds}s`);
    await sleep(idleSeconds * 1000);
    const memory = memoryOf(controller.pid);
    await controller.stop();
    log(`${name}: ${memory.rssMiB} MiB resident, ${memory.peakRssMiB} MiB at most`);
    return memory;
  };

  const bundle = await measure(false);
  const source = await measure(true);
  const result = { idleSeconds, kinds: "aws and gcp: Database, LoadBalancer, CDN (CRDs installed, no objects)", bundle, source, targetMiB: TARGET_MIB, withinTarget: bundle.peakRssMiB <= TARGET_MIB };
  console.log(JSON.stringify(result));
  console.error(`bench-idle: idle controller ${bundle.rssMiB} MiB resident (peak ${bundle.peakRssMiB}; from source ${source.rssMiB}), target ≤ ${TARGET_MIB}: ${result.withinTarget ? "met" : "MISSED"}`);
});
