// Bundles the controller (cli/controller-main.ts, or another entry such as bench-scale's
// bench/core-controller.ts) into one directory of plain JavaScript:
// `node --disable-warning=ExperimentalWarning scripts/build-controller.ts <outdir> [entry]`. Used by
// scripts/controller-bundle.sh, which decides when a build is needed. Why: docs/adr/0017.
import { build } from "rolldown";

const outDir = process.argv[2];
if (!outDir) throw new Error("usage: build-controller.ts <outdir> [entry]");
const input = process.argv[3] ?? "cli/controller-main.ts";

// The cloud SDKs stay in node_modules, loaded from there when a kind first connects (the
// providers import them lazily): they read files beside their own modules (Google's protos) and
// an idle controller does not load them, so bundling them would only risk breaking them.
const external = [/^@aws-sdk\//, /^@smithy\//, /^@aws-crypto\//, /^@google-cloud\//, /^google-gax/, /^google-auth-library/, /^@grpc\//, /^protobufjs/];

await build({
  input,
  platform: "node",
  external,
  logLevel: "warn",
  output: { dir: outDir, format: "esm", minify: { mangle: false, compress: true, codegen: { removeWhitespace: true } }, entryFileNames: "main.js" },
});
