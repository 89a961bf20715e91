#!/bin/sh
# The container image's entry point (Dockerfile). `run` starts the controller as bin/terraplane
# does: its bundle (docs/adr/0017) under its V8 heap flags (cli/controller-node-flags, ADR 0020);
# any other command (`crds`, `--help`, ...) runs the CLI from its TypeScript sources.
set -eu
app="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = run ]; then
  # Word splitting of the flags file is intended: one flag per word.
  # shellcheck disable=SC2046
  exec node $(cat "$app/cli/controller-node-flags") "$app/dist/controller/main.js" "$@"
fi
exec node --disable-warning=ExperimentalWarning "$app/cli/main.ts" "$@"
