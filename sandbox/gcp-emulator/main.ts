// Process entry point, for the sandbox launcher:
//   node sandbox/gcp-emulator/main.ts [--port 0] [--host 127.0.0.1] [--operation-delay-ms 300]
// TERRAPLANE_GCP_EMULATOR_OPERATION_DELAY_MS sets the delay when the flag is absent. Prints one JSON
// line {"ready":true,"url":...} on stdout once listening; SIGTERM/SIGINT close it.
import { parseArgs } from "node:util";
import { DEFAULT_OPERATION_DELAY_MS, MAX_OPERATION_DELAY_MS } from "./config.ts";
import { startGcpEmulator } from "./server.ts";
import { closeOnSignals } from "../shared/signals.ts";

const USAGE = "usage: main.ts [--port 0] [--host 127.0.0.1] [--operation-delay-ms 300]";

class UsageError extends Error {
  override readonly name = "UsageError";
}

function integer(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${name} must be an integer in 0..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "operation-delay-ms": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const delay =
    integer("--operation-delay-ms", values["operation-delay-ms"], MAX_OPERATION_DELAY_MS) ??
    integer("TERRAPLANE_GCP_EMULATOR_OPERATION_DELAY_MS", process.env.TERRAPLANE_GCP_EMULATOR_OPERATION_DELAY_MS, MAX_OPERATION_DELAY_MS) ??
    DEFAULT_OPERATION_DELAY_MS;
  const emulator = await startGcpEmulator({ port: integer("--port", values.port, 65535), host: values.host, operationDelayMs: delay });
  closeOnSignals(() => emulator.close());
  process.stdout.write(`${JSON.stringify({ ready: true, url: emulator.url, operationDelayMs: delay })}\n`);
}

main().catch((err: unknown) => {
  const usage = err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
  console.error(`gcp-emulator: ${err instanceof Error ? err.message : String(err)}`);
  if (usage) console.error(USAGE);
  process.exit(usage ? 2 : 1);
});
