#!/usr/bin/env bash
# Short fuzz run of the EXECUTE precompile entry point (cargo-fuzz, libFuzzer).
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
# Seeds: the SSZ StatelessInput of conformance blocks (written by `nr conformance`), each
# prefixed with the byte the target reads as fork (top 2 bits) and gas (low 6 bits, Mgas).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
corpus="$PWD/target/fuzz-corpus/execute_precompile"
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  seeds="$(mktemp -d)"
  cargo run --release -q -p nr -- conformance ../shared/fixtures/ethereum-tests --write-inputs "$seeds" >/dev/null
  files=("$seeds"/*.ssz)
  for f in "${files[@]:0:400}"; do
    case "$f" in
      *Cancun*) sel='\077' ;; # Cancun, 63 Mgas
      *Prague*) sel='\177' ;; # Prague
      *) sel='\277' ;;        # Osaka
    esac
    { printf "$sel"; cat "$f"; } >"$corpus/$(basename "$f")"
  done
  rm -rf "$seeds"
fi
cd fuzz
# `-s none`: no sanitizer, so the stable toolchain suffices (Rust code is memory safe;
# the target checks panics and the gas invariants).
exec cargo fuzz run -s none execute_precompile "$corpus" -- -max_total_time="$secs" -rss_limit_mb=4096
