#!/usr/bin/env bash
# Prints the path of a Python virtualenv holding the pinned moto server, creating it in the cache,
# keyed by the requirements file and the Python version, when missing. Idempotent; concurrent runs
# serialise on a lock. A venv hard-codes its own path, so it is built in place and only counts as
# present once its `.complete` marker is written.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
req="$here/sandbox/moto/requirements.txt"
CACHE="${TERRAPLANE_CACHE:-$HOME/.cache/terraplane}"
PYTHON="${PYTHON:-python3}"

command -v "$PYTHON" >/dev/null 2>&1 || {
  echo "ensure-venv: Python 3.9+ is needed for the moto AWS emulator; install it (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
}
key="$( (cat "$req"; "$PYTHON" --version) | sha256sum | cut -c1-16)"
dest="$CACHE/venv/moto-$key"
[ -f "$dest/.complete" ] && { echo "$dest"; exit 0; }

mkdir -p "$CACHE/venv"
exec 9>"$dest.lock"
flock 9
if [ ! -f "$dest/.complete" ]; then
  echo "ensure-venv: creating the moto virtualenv in $dest" >&2
  rm -rf "$dest"
  "$PYTHON" -m venv "$dest" || {
    echo "ensure-venv: '$PYTHON -m venv' failed; install the venv module (e.g. apt-get install python3-venv)" >&2
    exit 1
  }
  "$dest/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  touch "$dest/.complete"
fi
echo "$dest"
