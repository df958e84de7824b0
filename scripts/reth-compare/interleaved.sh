#!/usr/bin/env bash
# Side by side, interleaved per block: ROUNDS times over the blocks of the export
# directories (written by `nr bench --export-dir`, e.g. a round of run.sh), for each block
# ours (validating, then rejecting the tampered root), then reth's validator, REPS
# repetitions each; the table takes each side's fastest run. Alternating per block keeps
# both sides in the same minute of the machine's life: on a shared VM, whole-pass
# alternation (run.sh) moved one side's fastest runs by up to 1.6x between passes. A small
# block gets more repetitions (the same number on both sides), enough for each run to last
# about MIN_MS: on the 2-vCPU VM, the machine's speed moved in spells of tens of
# milliseconds (our sub-millisecond block: means of 100 consecutive calls from 0.15 to 0.46
# ms within one run), so ten calls of 0.2 ms could all fall in one slow spell.
#
# Usage: scripts/reth-compare/interleaved.sh DIR... (each DIR holds block-*.json)
# Environment: REPS (default 10, the fewest per run), MIN_MS (default 200), ROUNDS (default
# 4), RETH_TARGET as in run.sh, OURS (a built `verify_exported` to time instead of building
# this checkout's, e.g. a copy of an older build for a before/after comparison under the
# same load).
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
# Rounds go over the whole list of blocks, so that a block's runs are minutes apart: on the
# 2-vCPU VM, spells of a minute or so where the host ran our two vCPUs slower (the same
# work took ~1.5x the CPU time on both) slowed all eight of our back-to-back runs of one
# block (small deploy 30M: 4.55 ms fastest, 2.7 ms usual) while reth's single thread kept
# its usual time, and the cell read 0.87x.
files=()
for dir in "$@"; do
    for f in "$dir"/block-*.json; do files+=("$f"); done
done
declare -A reps
for f in "${files[@]}"; do
    # Repetitions for this block: REPS, or more if REPS calls of it take under MIN_MS.
    reps[$f]=$("$ours" "$f" 3 valid | awk '{print $1}' | sort -g | sed -n 2p |
        python3 -c 'import math,sys; t=float(sys.stdin.read()); print(max(int(sys.argv[1]), math.ceil(float(sys.argv[2]) / t)))' "$REPS" "$MIN_MS")
done
for round in $(seq 1 "$ROUNDS"); do
    for f in "${files[@]}"; do
        rm -rf "$tmp/one" && mkdir "$tmp/one" && ln -s "$(realpath "$f")" "$tmp/one/"
        n="${reps[$f]}"
        v=$("$ours" "$f" "$n" valid | awk '{print $1}' | sort -g | head -1)
        t=$("$ours" "$f" "$n" tampered | awk '{print $1}' | sort -g | head -1)
        r=$("$reth_compare" "$tmp/one" "$n")
        python3 -c 'import json,sys; r=json.loads(sys.argv[4]); print(sys.argv[1], sys.argv[2], sys.argv[3], r["valid_min_ms"], r["tampered_min_ms"])' \
            "$(basename "$f" .json)" "$v" "$t" "$r" >> "$tmp/runs.txt"
    done
done
python3 - "$tmp/runs.txt" <<'PY'
import sys
best = {}
for line in open(sys.argv[1]):
    name, *ms = line.split()
    best[name] = [min(a, float(b)) for a, b in zip(best.get(name, [1e9] * 4), ms)]
print("| block | validate: ours ms | reth ms | ours/reth | reject: ours ms | reth ms | ours/reth |")
print("|---|---|---|---|---|---|---|")
cells = []
for name, (ov, ot, rv, rt) in best.items():
    print(f"| {name[6:]} | {ov:.2f} | {rv:.2f} | {ov/rv:.2f}x | {ot:.2f} | {rt:.2f} | {ot/rt:.2f}x |")
    cells += [(round(ov / rv, 2), name[6:], "validate"), (round(ot / rt, 2), name[6:], "reject")]
cells.sort()
worst = cells[-1]
over = [f"{b} {c} {r:.2f}x" for r, b, c in cells if r > 0.8]
print(f"\n{len(cells)} cells: median {cells[len(cells) // 2][0]:.2f}x, worst {worst[0]:.2f}x"
      f" ({worst[1]} {worst[2]}), over 0.80x: {len(over)}" + (f" ({', '.join(over)})" if over else ""))
PY
