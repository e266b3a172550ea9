#!/usr/bin/env python3
"""Tables and ratios from the results scripts/bench-inspect.sh leaves in
OUT: hyperfine's JSON per APK and comparison, and memory.tsv.

Times are hyperfine medians, in milliseconds, per process (start included).
A ratio is the peer's time over shelfgate's: above 1, shelfgate is faster.
A time marked `!` had a non-zero exit (the tool refused the file), so it
timed an early failure, and its ratio is left out of the summary lines.

Usage: bench-inspect-table.py OUT
"""

import json
import math
import os
import sys

out = sys.argv[1]


def load(name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {
            r["command"]: (r["median"] * 1000, any(r.get("exit_codes") or [0]))
            for r in json.load(f)["results"]
        }


def ms(t):
    if t is None:
        return "–"
    v, failed = t
    text = f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    return text + (" !" if failed else "")


def ratio(peer, ours, into=None):
    if peer is None or ours is None:
        return "–"
    r = peer[0] / ours[0]
    if into is not None and not peer[1] and not ours[1]:
        into.append(r)
    return f"{r:.1f}×"


def mib(n):
    return f"{int(n) / 2**20:.1f}"


def summary(label, ratios, goal):
    if not ratios:
        return
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(
        f"- {label}: {min(ratios):.1f}× to {max(ratios):.1f}× "
        f"(geometric mean {geo:.1f}× over {len(ratios)} APKs); goal {goal}"
    )


rows = []
with open(os.path.join(out, "memory.tsv")) as f:
    for line in f:
        apk, size, dex, rss, ag_rss, classes = line.rstrip("\n").split("\t")
        rows.append((apk, int(size), int(dex), int(rss) * 1024, int(ag_rss) * 1024, classes))

full_r, manifest_r, signing_r, hash_r = [], [], [], []

print("### Inspection (median ms per process)\n")
print("| APK | size MiB | classes | shelfgate inspect | androguard | ratio | "
      "shelfgate --manifest-only | aapt dump badging | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for apk, size, _, _, _, classes in rows:
    full, man = load(apk + ".full"), load(apk + ".manifest")
    sg, ag = full.get("shelfgate"), full.get("androguard")
    sm, aapt = man.get("shelfgate"), man.get("aapt")
    print(f"| {apk} | {mib(size)} | {classes} | {ms(sg)} | {ms(ag)} | {ratio(ag, sg, full_r)} "
          f"| {ms(sm)} | {ms(aapt)} | {ratio(aapt, sm, manifest_r)} |")
print()
summary("androguard / shelfgate inspect", full_r, "≥ 50×")
summary("aapt / shelfgate --manifest-only", manifest_r, "≥ 1×")

print("\n### Signing (median ms per process)\n")
print("| APK | size MiB | shelfgate verify | apksigner verify | ratio | sha256sum | "
      "verify / sha256sum |")
print("|---|---:|---:|---:|---:|---:|---:|")
for apk, size, _, _, _, _ in rows:
    sig = load(apk + ".signing")
    ours, peer, sha = sig.get("shelfgate"), sig.get("apksigner"), sig.get("sha256sum")
    over = "–"
    if ours is not None and sha is not None:
        over = f"{ours[0] / sha[0]:.2f}×"
        hash_r.append(ours[0] / sha[0])
    print(f"| {apk} | {mib(size)} | {ms(ours)} | {ms(peer)} | {ratio(peer, ours, signing_r)} "
          f"| {ms(sha)} | {over} |")
print()
summary("apksigner / shelfgate verify", signing_r, "≥ 20×")
if hash_r:
    print(f"- shelfgate verify / sha256sum: {min(hash_r):.2f}× to {max(hash_r):.2f}×; goal ≤ 2×")

print("\n### Peak memory (max RSS, MiB)\n")
print("| APK | size | largest dex (inflated) | shelfgate inspect | "
      "shelfgate − largest dex | androguard |")
print("|---|---:|---:|---:|---:|---:|")
for apk, size, dex, rss, ag_rss, _ in rows:
    print(f"| {apk} | {mib(size)} | {mib(dex)} | {mib(rss)} | {mib(rss - dex)} | {mib(ag_rss)} |")

# With BEFORE set, the script also timed an earlier build in the same runs.
before = []
for apk, _, _, _, _, _ in rows:
    full, man, sig = load(apk + ".full"), load(apk + ".manifest"), load(apk + ".signing")
    pairs = [(full.get("shelfgate-before"), full.get("shelfgate")),
             (man.get("shelfgate-before"), man.get("shelfgate")),
             (sig.get("shelfgate-before"), sig.get("shelfgate"))]
    if any(b is not None for b, _ in pairs):
        before.append((apk, pairs))
if before:
    print("\n### Before / after (median ms per process, same runs; ratio = before / after)\n")
    print("| APK | inspect before | after | ratio | --manifest-only before | after | ratio "
          "| verify before | after | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for apk, pairs in before:
        cells = " | ".join(f"{ms(b)} | {ms(a)} | {ratio(b, a)}" for b, a in pairs)
        print(f"| {apk} | {cells} |")
