#!/usr/bin/env bash
# initlab vs PyTorch on workloads w1–w5 (the PyTorch side: scripts/torch_bench.py, or
# $TORCH_BENCH).
# Runs the two sides alternately (initlab, torch, initlab, torch, …) at 1 and 2 threads, REPS
# times, then prints per workload: the best initlab us/step, the best torch us/step (best of 1 and
# 2 threads), torch÷initlab, the target; the peak RSS of w5 on both sides; and the GEMM check.
# Usage: scripts/bench_vs_torch.sh [REPS (default 3)] [WORKLOADS (default "w1 w2 w3 w4 w5")]
# PROFILE=fast builds and runs the `fast` profile (no LTO) instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
WORKLOADS=${2:-"w1 w2 w3 w4 w5"}
TORCH_BENCH=${TORCH_BENCH:-scripts/torch_bench.py}
PROFILE=${PROFILE:-release}
cargo build --profile "$PROFILE" --example train_bench >&2
BIN=${CARGO_TARGET_DIR:-target}/$PROFILE/examples/train_bench
echo "profile $PROFILE, load: $(uptime | sed 's/.*load average: //')" >&2
HAVE_TORCH=0
if python3 -c 'import torch' 2>/dev/null && [ -f "$TORCH_BENCH" ]; then HAVE_TORCH=1; else
  echo "PyTorch not importable (or $TORCH_BENCH missing): running initlab only" >&2; fi
HAVE_TIME=0; [ -x /usr/bin/time ] && HAVE_TIME=1
OUT=$(mktemp); trap 'rm -f "$OUT"' EXIT

# run SIDE WORKLOAD THREADS: appends "side w threads us rss_kb" to $OUT
run() {
  local side=$1 w=$2 t=$3 line rss
  local cmd=("$BIN" "$w" "$t"); [ "$side" = torch ] && cmd=(python3 "$TORCH_BENCH" "$w" "$t")
  if [ $HAVE_TIME = 1 ]; then
    line=$(/usr/bin/time -v "${cmd[@]}" 2>"$OUT.err") || { cat "$OUT.err" >&2; return 1; }
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT.err")
  else
    line=$("${cmd[@]}")
    rss=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' <<<"$line"); rss=${rss:-?}
  fi
  echo "$line" >&2
  local us g; us=$(sed -n 's/.*us_per_step=\([0-9.]*\).*/\1/p' <<<"$line")
  g=$(sed -n 's/.*gemm_us=\([0-9.]*\).*/\1/p' <<<"$line")
  echo "$side $w $t $us $rss ${g:--}" >>"$OUT"
}

for w in $WORKLOADS; do
  for ((r = 0; r < REPS; r++)); do
    for t in 1 2; do
      run initlab "$w" "$t"
      [ $HAVE_TORCH = 1 ] && run torch "$w" "$t"
    done
  done
done

echo
printf '%-4s %14s %10s %14s %8s %7s  %s\n' wl initlab_us gemm_us torch_us ratio target met
for w in $WORKLOADS; do
  # issue 21's targets (torch time / initlab time)
  case $w in w1) tgt=2.2;; w2) tgt=1.25;; w3) tgt=1.5;; w4) tgt=2.5;; w5) tgt=5;; *) tgt=0;; esac
  awk -v w="$w" -v tgt="$tgt" -v ht=$HAVE_TORCH '
    $2 == w && $1 == "initlab" { if (!i || $4 < i) { i = $4; it = $3; g = $6 } }
    $2 == w && $1 == "torch"   { if (!t || $4 < t) { t = $4; tt = $3 } }
    END {
      if (ht) { r = t / i; printf "%-4s %10.1f@%dt %10s %10.1f@%dt %8.2f %7s  %s\n", w, i, it, g, t, tt, r, tgt, (r >= tgt ? "yes" : "NO") }
      else    { printf "%-4s %10.1f@%dt %10s %14s %8s %7s\n", w, i, it, g, "-", "-", tgt }
      if (w == "w5" && g > 0) printf "w5 time / its GEMM time = %.2f (target <= 1.3)\n", i / g }' "$OUT"
done
if grep -q ' w5 ' "$OUT"; then
  echo
  awk '$2 == "w5" { if ($5 > m[$1]) m[$1] = $5 }
       END { printf "w5 peak RSS: initlab %s kB, torch %s kB", m["initlab"], (m["torch"] ? m["torch"] : "-");
             if (m["torch"]) printf " (torch/initlab = %.1f, target >= 5)", m["torch"] / m["initlab"]; print "" }' "$OUT"
fi
echo
"$BIN" gemm
