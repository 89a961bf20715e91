#!/usr/bin/env bash
# Builds terraplane-controlplane into a content-addressed cache outside the
# repo and prints the binary's absolute path as the last line of stdout.
#
#   ${TERRAPLANE_CACHE:-$HOME/.cache/terraplane}/controlplane/<key>/terraplane-controlplane
#
# key = first 16 hex of sha256 over go.mod, go.sum, every *.go file of the
# module, the build command and `go version`: any change to the sources, the
# dependencies, the build flags or the toolchain gives a new binary; otherwise
# the cached one is reused and this returns in milliseconds. (Not the whole of
# this script: a change to its messages must not cost a rebuild.)
# Progress goes to stderr: how long a cold build takes, then a line at least
# every 15 s with the phase (downloading modules, compiling N of M packages,
# linking) and the time elapsed. Safe to run concurrently (atomic rename; a
# lock makes a racing second build wait instead of compiling twice).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# shellcheck source=progress.sh
source "$here/progress.sh"

# GOWORK=off: a go.work higher up must not change what gets built.
# GOFLAGS="": e.g. -mod=vendor from the environment would break the build;
# go.mod/go.sum are complete, so the default -mod=readonly is right.
# CGO_ENABLED=0: a static binary without a C toolchain, as Kubernetes ships.
export GOWORK=off GOFLAGS="" CGO_ENABLED=0
build_flags=(-trimpath -buildvcs=false -ldflags "-s -w")

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
		for f in go.mod go.sum $(find . -name '*.go' -type f | LC_ALL=C sort); do
			printf '== %s\n' "$f"
			cat "$f"
		done
		printf '== build\nGOWORK=%s GOFLAGS=%s CGO_ENABLED=%s go build %s\n' "$GOWORK" "$GOFLAGS" "$CGO_ENABLED" "${build_flags[*]}"
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
phase_file="$dir/.phase"
build_log="$dir/.build.log"
trap 'progress_end; rm -f "$tmp" "$phase_file"' EXIT
# Each go command runs in the background and is waited for, so a SIGTERM/SIGINT sent to this
# script alone (not to its process group, as a terminal's Ctrl-C is) still stops the compiler.
step=
run_step() {
	"$@" &
	step=$!
	wait "$step"
}
stop_step() { if [[ -n $step ]]; then kill "$step" 2>/dev/null || true; wait "$step" 2>/dev/null || true; fi; }
trap 'stop_step; exit 143' TERM
trap 'stop_step; exit 130' INT

# What the ticker prints: the phase, and while compiling how many packages `go build -v` has
# reported (it names each package as it compiles it; cached ones are skipped).
module="$(sed -n 's/^module //p' go.mod)"
build_status() {
	local phase total n
	{ IFS='|' read -r phase total <"$phase_file"; } 2>/dev/null || return 0
	if [[ $phase != compiling ]]; then
		echo "$phase"
		return 0
	fi
	n=$(wc -l <"$build_log" 2>/dev/null || echo 0)
	n=${n// /}
	if [[ "$(tail -n 1 "$build_log" 2>/dev/null)" == "$module" ]]; then
		echo "linking (compiled $n packages)"
	else
		echo "compiling: $n of at most $total packages"
	fi
}
set_phase() {
	printf '%s|%s\n' "$1" "${2:-}" >"$phase_file"
	echo "  $1${2:+ ($2 packages)} ... ($(progress_elapsed) elapsed)" >&2
}

every=${TERRAPLANE_PROGRESS_SECONDS:-10}
cat >&2 <<EOF
building terraplane-controlplane ($go_version) into $dir
  A first build downloads the Kubernetes modules and compiles about 2,500 packages:
  6-10 minutes on 2 cores (up to 20 on slow ones). Later runs reuse the binary.
  A progress line follows at least every ${every}s.
EOF
start=$SECONDS
progress_begin "building terraplane-controlplane" build_status
set_phase "downloading modules"
run_step go mod download
set_phase "listing packages"
total=$(go list -deps . | wc -l)
total=${total// /}
set_phase compiling "$total"
if ! run_step go build -v "${build_flags[@]}" -o "$tmp" . 2>"$build_log"; then
	progress_end
	echo "go build failed; its errors ($build_log):" >&2
	# -v lists each package it compiles: leave those out, keep the errors.
	grep -v -x -E '[A-Za-z0-9_./~-]+' "$build_log" | tail -n 40 >&2 || tail -n 40 "$build_log" >&2
	exit 1
fi
progress_end
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
rm -f "$phase_file"
echo "built in $((SECONDS - start))s" >&2
echo "$bin"
