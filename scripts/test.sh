#!/usr/bin/env bash
# The README's test command: installs what the browser test of report.html needs when it is
# missing (Debian's chromium, playwright-core from npm into tests/browser/node_modules), then runs
# every test, then README's slow numbers, tables and pictures (scripts/readme.sh --check: a few
# minutes on 2 cores). Without chromium the browser test fails, it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_if() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v "${INITLAB_CHROMIUM:-chromium}" >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${missing[*]} (apt-get)" >&2
    sudo_if apt-get update -qq
    sudo_if env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "scripts/test.sh: installing playwright-core (npm ci in tests/browser)" >&2
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
cargo test --release "$@"
cargo test --release "$@" --test readme -- --ignored --exact readme_all_reproduce
