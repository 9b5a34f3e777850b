#!/usr/bin/env bash
# Random PyTorch reference cases beyond the committed ones, checked against `initlab grad`:
# generates COUNT random nets with seed SEED (scripts/random_torch_cases.py; with --residual,
# tests/fixtures/make_residual_cases.py's COUNT random residual nets and COUNT random poolings and
# its named cases), runs `initlab grad` on each and compares every output and gradient with
# scripts/torch_check.py's tolerance (|got − want| ≤ 1e-4 + 1e-3·|want|). Prints one line per
# failing case and a last line "N of M cases match". Needs torch + safetensors.
#
#   bash scripts/torch_random_check.sh SEED COUNT [--residual] [--profile P]
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bash scripts/torch_random_check.sh SEED COUNT [--residual] [--profile P]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 1; }
seed=$1 count=$2
shift 2
residual=0 profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --residual) residual=1 ;;
        --profile) profile="$2"; shift ;;
        *) echo "error: unknown argument '$1'; $usage" >&2; exit 1 ;;
    esac
    shift
done
cargo build -q --profile "$profile" --bin initlab
bin=target/$([ "$profile" = dev ] && echo debug || echo "$profile")/initlab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$residual" = 1 ]; then
    python3 tests/fixtures/make_residual_cases.py "$work/cases" "$seed" "$count" "$count" > /dev/null
else
    python3 scripts/random_torch_cases.py "$work/cases" "$seed" "$count" > /dev/null
fi
ok=0 all=0
for d in "$work"/cases/*/; do
    name=$(basename "$d")
    all=$((all + 1))
    if "$bin" grad "$d/model.safetensors" "$d/batch.safetensors" --out "$work/$name.safetensors" > /dev/null 2> "$work/err" \
        && python3 scripts/torch_check.py "$d" "$work/$name.safetensors" > "$work/check" 2>&1; then
        ok=$((ok + 1))
    else
        echo "FAIL $name: $(cat "$work/err") $(grep FAIL "$work/check" | head -3 | tr '\n' ' ')"
    fi
done
echo "$ok of $all cases match"
[ "$ok" = "$all" ]
