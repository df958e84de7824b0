#!/usr/bin/env bash
# Side by side, interleaved per block: for each block of an export directory (written by
# `nr bench --export-dir`, e.g. a round of run.sh), ROUNDS times: ours (validating, then
# rejecting the tampered root), then reth's validator, REPS repetitions each; the table
# takes each side's fastest run. Alternating per block keeps both sides in the same minute
# of the machine's life: on a shared VM, whole-pass alternation (run.sh) moved one side's
# fastest runs by up to 1.6x between passes. A small block gets more repetitions (the same
# number on both sides), enough for each run to last about MIN_MS: on the 2-vCPU VM, the
# machine's speed moved in spells of tens of milliseconds (our sub-millisecond block:
# medians of 100 consecutive calls from 0.15 to 0.46 ms within one run), so ten calls of
# 0.2 ms could all fall in one slow spell.
#
# Usage: scripts/reth-compare/interleaved.sh DIR... (each DIR holds block-*.json)
# Environment: REPS (default 10, the fewest per run), MIN_MS (default 200), ROUNDS (default 4), RETH_TARGET as in run.sh, OURS (a
# built `verify_exported` to time instead of building this checkout's, e.g. a copy of an
# older build for a before/after comparison under the same load).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
REPS="${REPS:-10}"
ROUNDS="${ROUNDS:-4}"
MIN_MS="${MIN_MS:-200}"
RETH_TARGET="${RETH_TARGET:-/work/tgt-rethsrc}"
reth_compare="$RETH_TARGET/release/reth-compare"
if [ -n "${OURS:-}" ]; then
    ours="$OURS"
else
    (cd "$root" && nice -n 19 cargo build --release -q -p nr-stateless --example verify_exported)
    ours="${CARGO_TARGET_DIR:-$root/target}/release/examples/verify_exported"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "| block | validate: ours ms | reth ms | ours/reth | reject: ours ms | reth ms | ours/reth |"
echo "|---|---|---|---|---|---|---|"
for dir in "$@"; do
    for f in "$dir"/block-*.json; do
        name="$(basename "$f" .json)"
        rm -rf "$tmp/one" && mkdir "$tmp/one" && ln -s "$(realpath "$f")" "$tmp/one/"
        ov=1e9; ot=1e9; rv=1e9; rt=1e9
        # Repetitions for this block: REPS, or more if REPS calls of it take under MIN_MS.
        reps=$("$ours" "$f" 3 valid | awk '{print $1}' | sort -g | sed -n 2p |
            python3 -c 'import math,sys; t=float(sys.stdin.read()); print(max(int(sys.argv[1]), math.ceil(float(sys.argv[2]) / t)))' "$REPS" "$MIN_MS")
        for _ in $(seq 1 "$ROUNDS"); do
            v=$("$ours" "$f" "$reps" valid | awk '{print $1}' | sort -g | head -1)
            t=$("$ours" "$f" "$reps" tampered | awk '{print $1}' | sort -g | head -1)
            r=$("$reth_compare" "$tmp/one" "$reps")
            rv1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["valid_min_ms"])' "$r")
            rt1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tampered_min_ms"])' "$r")
            read -r ov ot rv rt < <(python3 -c 'import sys; a=list(map(float,sys.argv[1:])); print(min(a[0],a[4]),min(a[1],a[5]),min(a[2],a[6]),min(a[3],a[7]))' \
                "$ov" "$ot" "$rv" "$rt" "$v" "$t" "$rv1" "$rt1")
        done
        python3 -c 'import sys; n=sys.argv[1]; ov,ot,rv,rt=map(float,sys.argv[2:]); print(f"| {n[6:]} | {ov:.2f} | {rv:.2f} | {ov/rv:.2f}x | {ot:.2f} | {rt:.2f} | {ot/rt:.2f}x |")' \
            "$name" "$ov" "$ot" "$rv" "$rt"
    done
done
