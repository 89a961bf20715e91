import { runProgram } from "./program.ts";
import { runCommand } from "./run.ts";

// `terraplane run` alone: the entry point scripts/build-controller.ts bundles, so the controller
// loads one file of plain JavaScript instead of thousands of modules through type stripping
// (idle RSS 124 MiB instead of 195; docs/adr/0017).
await runProgram([() => Promise.resolve(runCommand())]);
