#!/usr/bin/env bash
# Recheck benchmark (issue 7): populate N apps, then a full recheck with
# the built-in pack and an incremental one after one policy changed, each
# under /usr/bin/time -v for its wall time and peak memory. The first full
# recheck of a catalogue (or the first after a WIT change) decodes inputs
# from JSON and keeps binary copies; the second shows the steady state.
#
# Usage: scripts/bench-recheck.sh [N] [DIR]   (defaults: 320000, /tmp/shelfgate-bench)
# Release build: run it only to measure, and record the figures in BENCHMARKS.md.
set -euo pipefail
N=${1:-320000}
DIR=${2:-/tmp/shelfgate-bench}
cd "$(dirname "$0")/.."

TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -p shelfgate --bin shelfgate --bench recheck
BENCH=$(ls -t "$TARGET"/release/deps/recheck-* | grep -v '\.d$' | head -1)
SG=$TARGET/release/shelfgate
TIME="/usr/bin/time -v"
# The populated catalogue's first necessary-PI category holds about a
# tenth of the apps: the scope of "one policy changed, touching 10%".
TENTH="地图导航类"

peak() { grep -E "Maximum resident set size|Elapsed \(wall" "$1"; }

rm -rf "$DIR"
echo "== populate $N apps into $DIR"
$TIME "$SG" dev populate --apps "$N" --data "$DIR" 2> "$DIR.populate.time" | tail -1
peak "$DIR.populate.time"
du -sh "$DIR"

echo "== full recheck (first: inputs decoded from JSON, binary copies kept)"
$TIME "$BENCH" full "$DIR" 2> "$DIR.full.time"
peak "$DIR.full.time"

echo "== full recheck again (inputs read from their binary copies)"
$TIME "$BENCH" full "$DIR" 2> "$DIR.full-warm.time"
peak "$DIR.full-warm.time"

echo "== per-app cost of reading inputs: JSON vs binary copies"
"$BENCH" decode "$DIR" 5000

echo "== incremental recheck, nothing changed (every app skipped)"
$TIME "$BENCH" unchanged "$DIR" 2> "$DIR.unchanged.time"
peak "$DIR.unchanged.time"

echo "== incremental recheck, one policy changed, a tenth of the catalogue"
$TIME "$BENCH" incremental "$DIR" "category:$TENTH" 2> "$DIR.tenth.time"
peak "$DIR.tenth.time"

echo "== incremental recheck, one policy changed, whole catalogue"
$TIME "$BENCH" incremental "$DIR" 2> "$DIR.incremental.time"
peak "$DIR.incremental.time"
