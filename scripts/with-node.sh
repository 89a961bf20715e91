#!/usr/bin/env bash
# Runs a command with a Node.js >= 22.18 first on PATH (see ensure-node.sh).
set -euo pipefail
node_bin="$("$(dirname "$0")/ensure-node.sh")"
PATH="$node_bin:$PATH" exec "$@"
