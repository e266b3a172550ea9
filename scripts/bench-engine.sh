#!/usr/bin/env bash
# Engine benchmarks, side by side in one run: one policy call, the built-in
# set per upload (1 thread and the 2-thread pool), and PI-NOTICE-004 as a
# WebAssembly component against the same rule in Rego evaluated by regorus
# (compiled in by the `bench-regorus` feature; nothing to install).
#
# Usage: scripts/bench-engine.sh [criterion args...]
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F)"
cargo bench -p shelfgate --features bench-regorus --bench engine -- "$@"

echo
echo "== shelfgate policy bench (p50/p99 per policy and per set, 5000 iterations)"
cargo run --release -q -p shelfgate -- policy bench builtin --iterations 5000
