#!/usr/bin/env bash
# Regenerates every table, number and picture README.md shows, from the current build:
# the runs of docs/readme.json (each an `initlab` command), their blocks, tables and values written
# into README.md (after `<!-- block ID -->` / `<!-- table ID -->` lines and between
# `<!--v ID-->…<!--/v-->`), their pictures copied into docs/img/. Usage:
#   bash scripts/readme.sh [--profile P]           rewrite README.md and docs/img/
#   bash scripts/readme.sh --check [--profile P]   change nothing; fail when anything differs
#                                                  (slow runs and images included; `cargo test`
#                                                  checks only the fast runs' numbers)
# P is the cargo profile (default release; `fast` reuses an iteration build). The exceptions that
# cannot be regenerated here (PyTorch timings, the playground's screenshot) are listed, with the
# script that made each, under "exceptions" in docs/readme.json.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        --profile) profile="$2"; shift ;;
        *) echo "error: scripts/readme.sh: unknown argument '$1' (use --check, --profile P)" >&2; exit 1 ;;
    esac
    shift
done
if [ "$check" = 1 ]; then
    cargo test --profile "$profile" --test readme -- --ignored --exact readme_all_reproduce
else
    cargo test --profile "$profile" --test readme -- --ignored --exact readme_regenerate
    git --no-pager diff --stat -- README.md docs/img || true
fi
