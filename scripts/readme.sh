#!/usr/bin/env bash
# Regenerates every table, number and picture README.md shows, from the current build:
# the runs of docs/readme.json (each an `initlab` command), their blocks and values written into
# README.md (after `<!-- block ID -->` lines and between `<!--v ID-->…<!--/v-->`), their pictures
# copied into docs/img/. Usage:
#   bash scripts/readme.sh           rewrite README.md and docs/img/
#   bash scripts/readme.sh --check   change nothing; fail when anything differs (slow runs and
#                                    images included; `cargo test` checks only the fast runs)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--check" ]; then
    cargo test --release --test readme -- --ignored --exact readme_all_reproduce
else
    cargo test --release --test readme -- --ignored --exact readme_regenerate
    git --no-pager diff --stat -- README.md docs/img || true
fi
