# The two commands of the README: `make sandbox` and `make test`. Each installs what it needs,
# idempotently: Node.js 22+ (from the npm registry when the machine's is older), npm packages,
# the moto virtualenv and the Go build of the control plane (both cached under ~/.cache/terraplane).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

WITH_NODE := scripts/with-node.sh

.PHONY: help deps tools controller-bundle sandbox test typecheck lint unit integration crds bench-core bench-idle bench-compositions bench-smoke trial-kill bench-aws trial-faults bench-scale

help:
	@echo "make sandbox   the sandbox, the controller and examples/ until all are Ready; runs until Ctrl-C"
	@echo "make test      typecheck, lint, unit and integration tests"

# npm ci only when package-lock.json changed since the last install. Never through a symlinked
# node_modules (a git worktree sharing another checkout's install): npm ci would empty the
# directory the link points to, i.e. the other checkout's packages.
node_modules/.terraplane-deps: package-lock.json scripts/ensure-node.sh
	@if [[ -L node_modules ]]; then echo "node_modules is a symlink to a shared install ($$(readlink node_modules)): not running npm ci here" >&2; exit 0; fi; \
	$(WITH_NODE) npm ci --no-audit --no-fund --loglevel=error && touch $@

deps: node_modules/.terraplane-deps

# Heavy, cached builds: a cold Go build of the control plane takes minutes, a warm one milliseconds.
# Only their stdout (the path they print) is dropped: their progress lines go to stderr.
tools:
	scripts/ensure-venv.sh >/dev/null
	sandbox/controlplane/build.sh >/dev/null

# The controller's bundle (docs/adr/0017): built once per change of its sources; bin/terraplane run
# would build it on first use too, this only moves the wait before the tests start.
controller-bundle: deps
	scripts/controller-bundle.sh >/dev/null

# The main job in one command: the sandbox, the CRDs and RBAC, the controller (as its ServiceAccount),
# examples/ applied and a live table until all are Ready; Ctrl-C stops what it started.
# `make sandbox SANDBOX_ARGS=--until-ready` exits once Ready (CI).
SANDBOX_ARGS ?=
sandbox: deps tools controller-bundle
	$(WITH_NODE) bin/terraplane sandbox demo $(SANDBOX_ARGS)

typecheck: deps
	$(WITH_NODE) npx tsc --noEmit -p tsconfig.json

lint: deps
	$(WITH_NODE) npx eslint .

unit: deps
	$(WITH_NODE) npx vitest run --project unit

integration: deps tools controller-bundle
	$(WITH_NODE) npx vitest run --project integration

test: deps tools controller-bundle typecheck lint
	$(WITH_NODE) npx vitest run

# Regenerate crds/ from the zod schemas (a unit test fails when they are stale).
crds: deps
	$(WITH_NODE) bin/terraplane crds --write
	$(WITH_NODE) deploy/update-crds.sh

# Benchmarks print numbers (JSON on stdout) and are not timed in `make test`; their smoke forms are
# (tiny N, seconds: test/bench-*.test.ts), so a broken benchmark fails CI. `make bench-smoke` runs
# only those. E.g. `make bench-core BENCH_ARGS="--count 300 --steady-seconds 20"`.
BENCH_ARGS ?=
bench-core: deps tools
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/core.ts $(BENCH_ARGS)

bench-smoke: deps tools controller-bundle
	$(WITH_NODE) npx vitest run --project integration test/bench-core.test.ts test/bench-compositions.test.ts test/bench-aws.test.ts test/bench-scale.test.ts test/bench-idle.test.ts

# The idle controller's memory (both providers registered, no objects), from its bundle and from
# source; one JSON line. E.g. BENCH_ARGS="--idle-seconds 120".
bench-idle: deps tools controller-bundle
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/idle.ts $(BENCH_ARGS)

# 500 WebStack-like instances (three composed test-double resources each): time to all Ready,
# composition writes per instance, controller RSS; one JSON line.
bench-compositions: deps tools
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/compositions.ts $(BENCH_ARGS)

# Reliability trials print one JSON line, like the benchmarks; their smoke forms run in `make test`.
# `make trial-kill`: the real controller SIGKILLed at random (seeded) moments while it creates, edits
# and deletes all six kinds, then: no duplicate, no leak, nobody needed, all Ready.
# E.g. `make trial-kill BENCH_ARGS="--kills 300 --seed 7 --per-kind 3"` (docs/reliability.md).
trial-kill: deps tools controller-bundle
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/trial-kill.ts $(BENCH_ARGS)

# 1,000 aws Databases on moto through a fault proxy, batch observe on and then off: time to all
# Ready, RDS calls by operation while converging and per poll interval in steady state, an
# out-of-band change detected and corrected; one JSON line. E.g. BENCH_ARGS="--count 200 --poll-seconds 30".
bench-aws: deps tools controller-bundle
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/aws.ts $(BENCH_ARGS)

# 10,000 test-double things, 20 ms on every cloud call, poll 60 s; batch observe on and then off
# (per-resource polling, the baseline) in the same run: time to all Ready, API-server writes per
# resource, cloud reads and writes per poll interval in steady state, controller peak RSS; one JSON
# line. Heavy: develop with e.g. BENCH_ARGS="--count 1000 --poll-seconds 20".
bench-scale: deps tools
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/scale.ts $(BENCH_ARGS)

# `make trial-faults`: the same workload (--count objects over all six kinds, created, converged,
# deleted) twice, behind the trial's own fault proxies: without faults, then at 30 % throttling,
# 5xx and dropped connections plus latency. All Ready, nothing left, mutations executed with
# faults at most 1.5 × those without. E.g. `make trial-faults BENCH_ARGS="--count 200 --seed 7"`.
trial-faults: deps tools controller-bundle
	$(WITH_NODE) node --disable-warning=ExperimentalWarning bench/trial-faults.ts $(BENCH_ARGS)
