#!/usr/bin/env bash
# The README's "Theory beside measurement" figures and numbers, from the release binary:
# docs/img/theory_probe.png, theory_phase_diagram.png, trainability.png, and the Jacobian table.
# Usage: scripts/theory_figures.sh   (writes docs/img/ and prints what the README quotes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release >&2
B=${CARGO_TARGET_DIR:-target}/release/initlab
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
W=512
std() { python3 -c "import math; print(math.sqrt($1))"; }

echo "== 1. variance per layer and gradient ratio: wide tanh, ordered / chaotic"
$B theory --act tanh --sigma-w2 1.2 --sigma-b2 0.05 --depth 10
$B theory --act tanh --sigma-w2 2.5 --sigma-b2 0.05 --depth 10
$B probe mlp:${W}x21:tanh --batch 64 \
  --init "ordered 1.2@Linear.weight=normal(std=$(std 1.2/$W));Linear.bias=normal(std=$(std 0.05))" \
  --init "chaotic 2.5@Linear.weight=normal(std=$(std 2.5/$W));Linear.bias=normal(std=$(std 0.05))" \
  --csv "$T/probe.csv" --plot docs/img/theory_probe.png | grep -E "^==|theory"
rm -f docs/img/theory_probe.svg

echo "== 2. the critical line"
$B theory --act tanh --sigma-b2 0.05 --critical
$B theory --act tanh --sigma-w2 2.5 --sigma-b2 0.05 --phase-diagram docs/img/theory_phase_diagram.png >/dev/null
rm -f docs/img/theory_phase_diagram.svg docs/img/theory_phase_diagram.csv

echo "== 3. isometry: input-output Jacobian spectra, width 256"
for L in 10 30; do
  for init in "orthogonal" "normal(std=0.0625)"; do
    printf "linear L=%-3s %-20s " "$L" "$init"
    $B probe mlp:256x$((L + 1)):linear:nobias --init "Linear.weight=$init" --csv "$T/l.csv" --jacobian "$T/j.csv" | grep Jacobian
  done
done
C=$($B theory --act tanh --sigma-b2 0.05 --critical --json | python3 -c "import json,sys; print(json.load(sys.stdin)['sigma_w2_critical'])")
for init in "orthogonal(gain=$(std "$C"))" "normal(std=$(std "$C/256"))"; do
  printf "tanh critical (σ_w² %.4f) L=30 %-26s " "$C" "${init%%(*}"
  $B probe mlp:256x31:tanh --init "Linear.weight=$init;Linear.bias=normal(std=$(std 0.05))" --csv "$T/t.csv" --jacobian "$T/j.csv" | grep Jacobian
done

echo "== 4. trainable depth"
$B phase --out "$T/phase" | tail -12
cp "$T/phase/trainability.png" docs/img/trainability.png
