#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22 `node` binary, installing a pinned Node from the npm
# registry (package node-linux-<arch>, which ships the official binary) into the cache when
# the machine's own node is older. Idempotent and safe to run concurrently.
set -euo pipefail

NODE_VERSION="${TERRAPLANE_NODE_VERSION:-24.21.0}"
MIN_VERSION="22.18.0" # first release that runs TypeScript by stripping types without a flag
CACHE="${TERRAPLANE_CACHE:-$HOME/.cache/terraplane}"

system_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const [a, b] = [process.versions.node, process.argv[1]].map((v) => v.split(".").map(Number));
    const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    process.exit(cmp >= 0 ? 0 : 1);' "$MIN_VERSION" 2>/dev/null
}

# A machine node that is new enough is used as it is.
if [ "${TERRAPLANE_FORCE_PINNED_NODE:-}" != "1" ] && system_node_ok; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported CPU $(uname -m); install Node.js >= $MIN_VERSION by hand" >&2; exit 1 ;;
esac

dest="$CACHE/node/$NODE_VERSION-linux-$arch"
if [ -x "$dest/bin/node" ]; then
  echo "$dest/bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || {
  echo "ensure-node: npm is needed to fetch Node.js $NODE_VERSION from the npm registry; install npm (e.g. apt-get install npm)" >&2
  exit 1
}

echo "ensure-node: installing Node.js $NODE_VERSION from the npm registry into $dest" >&2
mkdir -p "$CACHE/node"
tmp="$(mktemp -d "$CACHE/node/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
mkdir -p "$tmp/out"
tar xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp/out" --strip-components=1 package/bin/node package/LICENSE
"$tmp/out/bin/node" --version >/dev/null
# Atomic publish; if another run won the race, keep theirs.
mv -T "$tmp/out" "$dest" 2>/dev/null || true
echo "$dest/bin"
