#!/usr/bin/env bash
# Refreshes docs/screenshots/: builds the example site, serves it on
# loopback and takes a screenshot of one page of every kind, desktop and
# mobile, in light mode, plus the destructive tool page in dark mode.
# Installs Chromium and the Node tools when missing, like check-site.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/site-tools.sh

ensure_system_tools
ensure_node_tools

WORK="$(mktemp -d -t toolrisk-shots-XXXXXX)"
trap 'stop_serving; rm -rf "$WORK"' EXIT
cargo run --release --quiet -- build . --output "$WORK/site"
serve_dir "$WORK/site"
node scripts/screenshots.mjs "$SERVE_URL" docs/screenshots
