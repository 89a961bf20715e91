// Process entry point, for harnesses that run the proxy beside an emulator:
//   node sandbox/faultproxy/main.ts --upstream http://127.0.0.1:5000 [--port 0] [--host 127.0.0.1]
//        [--seed N] [--faults config.json]
// Prints one JSON line {"ready":true,"url":...} on stdout once listening; SIGTERM/SIGINT close it.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { isFaultConfigError, parseFaultConfig } from "./faults.ts";
import { startFaultProxy } from "./proxy.ts";
import { seededRandom } from "./random.ts";
import { closeOnSignals } from "../shared/signals.ts";

const USAGE = "usage: main.ts --upstream http://127.0.0.1:PORT [--port 0] [--host 127.0.0.1] [--seed N] [--faults FILE.json]";

class UsageError extends Error {
  override readonly name = "UsageError";
}

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      upstream: { type: "string" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      faults: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.upstream === undefined) throw new UsageError("--upstream is required");
  const seed = integer("seed", values.seed, 0, 0xffffffff);
  // Validated before listening; a bad file is reported like a bad PUT /__faultproxy/faults.
  const faults = values.faults === undefined ? undefined : parseFaultConfig(JSON.parse(await readFile(values.faults, "utf8")));
  const proxy = await startFaultProxy({
    upstream: values.upstream,
    port: integer("port", values.port, 0, 65535),
    host: values.host,
    random: seed === undefined ? undefined : seededRandom(seed),
    faults,
  });
  closeOnSignals(() => proxy.close());
  process.stdout.write(`${JSON.stringify({ ready: true, url: proxy.url })}\n`);
}

main().catch((err: unknown) => {
  const usage = err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
  console.error(`faultproxy: ${isFaultConfigError(err) || usage || err instanceof Error ? err.message : String(err)}`);
  if (usage) console.error(USAGE);
  process.exit(usage ? 2 : 1);
});
