#!/usr/bin/env bash
# Regenerates docs/img/playground.png (README's Playground picture): runs the playground's browser
# test (tests/serve_browser.rs, which starts `initlab serve` and drives it in headless Chromium
# through tests/browser/serve.mjs) with INITLAB_SCREENSHOTS set, and keeps its 1600 px view of
# zeros against kaiming on spiral. Needs what scripts/test.sh installs (chromium, playwright-core).
#
#   bash scripts/playground_shot.sh [--profile fast]
set -euo pipefail
cd "$(dirname "$0")/.."
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
INITLAB_SCREENSHOTS="$shots" cargo test "${@:---release}" --test serve_browser
cp "$shots/playground-1600.png" docs/img/playground.png
echo "wrote docs/img/playground.png (the 1600 px view)"
