#!/usr/bin/env bash
# The README's "Width and μP" figures and numbers, from the release binary: docs/img/coord_check.png
# and docs/img/lr_transfer.png, the slopes and best learning rates, and the timings with the load
# average beside them (the figures are only honest on a quiet machine; the CPU time less so).
# Usage: scripts/width_figures.sh [THREADS]   (default 2; writes docs/img/, prints what README quotes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release >&2
B=${CARGO_TARGET_DIR:-target}/release/initlab
N=${1:-2}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
LRS=0.000244140625,0.00048828125,0.0009765625,0.001953125,0.00390625,0.0078125,0.015625,0.03125,0.0625,0.125
timed() { # label, command…: wall and CPU seconds, load average before
  local label=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "$label: %e s wall, %U s user + %S s system CPU (load average before: $load, $N threads)" "$@"
}

echo "== 1. the default coord check (6 widths to 2048, 3 seeds, 5 Adam steps, 3 hidden layers)"
timed "coord check" $B width --coord-check --threads "$N" --out "$T/cc"
cp "$T/cc/coord_check.png" docs/img/coord_check.png

echo "== 2. the lr sweep (widths 64…512, 10 learning rates, 2 seeds, 100 steps)"
timed "lr sweep" $B width --lr-sweep "$LRS" --seeds 2 --threads "$N" --out "$T/lr"
cp "$T/lr/lr_transfer.png" docs/img/lr_transfer.png
