#!/usr/bin/env bash
# Engine benchmarks, side by side in one run: the fixed cost of a call (and
# the guest allocator's share of it), one call per pack module, each host
# method's cost, the engine issue's three rules as a set (single-rule
# components from the pack's source, and the three full modules), the
# built-in set per upload (1 thread and the 2-thread pool), facts lent as
# resources against records passed by value at growing sizes, and
# PI-NOTICE-004 as a WebAssembly component against the same rule in Rego
# evaluated by regorus (compiled in by the `bench-regorus` feature; nothing
# to install). Ends with a table of medians from criterion's estimates.
#
# Usage: scripts/bench-engine.sh [criterion args...]
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
echo "== load before: $(uptime | sed 's/.*load average/load average/')"
cargo bench -p shelfgate --features bench-regorus --bench engine -- "$@"
echo "== load after criterion: $(uptime | sed 's/.*load average/load average/')"

echo
echo "== medians (criterion, target/criterion/*/new/estimates.json)"
python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion")
rows = []
for est in sorted(root.glob("**/new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    name = bench.get("full_id") or bench.get("title")
    if not name.split("/")[0] in ("engine", "contract", "rule"):
        continue
    rows.append((name, json.loads(est.read_text())["median"]["point_estimate"] / 1000))
for name, us in rows:
    print(f"{name:<50} {us:>10.1f} µs")
PY

echo
echo "== shelfgate policy bench (p50/p99 per policy and per set, 5000 iterations)"
cargo run --release -q -p shelfgate -- policy bench builtin --iterations 5000
echo "== load at end: $(uptime | sed 's/.*load average/load average/')"
