#!/usr/bin/env bash
# Prints the path of the controller bundle for the current sources, building it first if this
# content has not been built yet (scripts/build-controller.ts; why: docs/adr/0017). A build is
# named by a digest of every source file it could contain, so a running controller's lazily loaded
# chunks are never replaced under it, and concurrent callers (parallel test files) build only once.
# `controller-bundle.sh [entry]`: the entry is cli/controller-main.ts unless given (bench-scale
# bundles its own, bench/core-controller.ts, so it measures the controller as it ships).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node_bin="$(scripts/ensure-node.sh)"
export PATH="$node_bin:$PATH"
builds="$root/dist/controller"
entry="${1:-cli/controller-main.ts}"
[[ -f "$entry" ]] || { echo "controller-bundle.sh: no entry $entry" >&2; exit 2; }
sources=(cli core providers compositions sandbox)
[[ "$entry" == cli/controller-main.ts ]] || sources+=(bench test/doubles)
digest="$( { printf '%s\n' "$entry"; { find "${sources[@]}" -name '*.ts' ! -name '*.test.ts' -print0; printf '%s\0' package-lock.json scripts/build-controller.ts; } \
  | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
out="$builds/$digest"
if [[ ! -f "$out/main.js" ]]; then
  mkdir -p "$builds"
  exec 9>"$builds/.lock"
  flock 9
  if [[ ! -f "$out/main.js" ]]; then
    tmp="$builds/.building-$$"
    rm -rf "$tmp"
    echo "terraplane: bundling the controller (once per change of its sources)" >&2
    node --disable-warning=ExperimentalWarning scripts/build-controller.ts "$tmp" "$entry" >&2
    mv "$tmp" "$out"
    # Keep the five newest builds: older ones belong to sources long gone (a controller still
    # running one has loaded what it needs unless it connects a new kind after days).
    ls -1t "$builds" | grep -v '^\.' | tail -n +6 | while read -r old; do rm -rf "${builds:?}/$old"; done
  fi
fi
echo "$out/main.js"
