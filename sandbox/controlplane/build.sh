#!/usr/bin/env bash
# Builds terraplane-controlplane into a content-addressed cache outside the
# repo and prints the binary's absolute path as the last line of stdout.
#
#   ${TERRAPLANE_CACHE:-$HOME/.cache/terraplane}/controlplane/<key>/terraplane-controlplane
#
# key = first 16 hex of sha256 over go.mod, go.sum, every *.go file of the
# module, this script and `go version`: any change to the sources, the
# dependencies, the build flags or the toolchain gives a new binary; otherwise
# the cached one is reused and this returns in milliseconds.
# Progress goes to stderr. Safe to run concurrently (atomic rename; a lock
# makes a racing second build wait instead of compiling twice).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v go >/dev/null 2>&1; then
	cat >&2 <<'EOF'
error: the Go toolchain ("go") is not on PATH; terraplane-controlplane is a Go program.
Install Go 1.25 or newer from https://go.dev/dl/ (or your package manager, e.g.
"brew install go"), make sure "go version" works, then re-run this script.
The first build downloads Kubernetes modules from the Go module proxy and
compiles them: about 6 minutes on 2 fast cores, up to 20 on slow ones; later
runs reuse the binary.
EOF
	exit 127
fi

go_version="$(go version)"
key="$(
	{
		for f in go.mod go.sum build.sh $(find . -name '*.go' -type f | LC_ALL=C sort); do
			printf '== %s\n' "$f"
			cat "$f"
		done
		printf '== go version\n%s\n' "$go_version"
	} | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-16
)"

dir="${TERRAPLANE_CACHE:-$HOME/.cache/terraplane}/controlplane/$key"
bin="$dir/terraplane-controlplane"
if [[ -x "$bin" ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$dir"
# Serialize builds of the same key where flock(1) exists (Linux); elsewhere two
# racing builds both compile and the atomic rename keeps the result whole.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir/.lock"
	flock 9
	if [[ -x "$bin" ]]; then # built by whoever held the lock
		echo "$bin"
		exit 0
	fi
fi

tmp="$(mktemp "$dir/.terraplane-controlplane.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

echo "building terraplane-controlplane ($go_version) into $dir ..." >&2
start=$SECONDS
# GOWORK=off: a go.work higher up must not change what gets built.
# GOFLAGS="": e.g. -mod=vendor from the environment would break the build;
# go.mod/go.sum are complete, so the default -mod=readonly is right.
# CGO_ENABLED=0: a static binary without a C toolchain, as Kubernetes ships.
GOWORK=off GOFLAGS="" CGO_ENABLED=0 \
	go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp" .
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "built in $((SECONDS - start))s" >&2
echo "$bin"
