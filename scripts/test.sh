#!/usr/bin/env bash
# Runs every test. Installs what the tests need first: Debian's Chromium and
# chromedriver for the browser tests (needs root or sudo, once), and the MCP
# servers of the import tests with the Python SDK (scripts/mcp-servers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver for the browser tests" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The real MCP servers of the import tests, pinned (quick when present).
source scripts/mcp-servers.sh
ensure_mcp_servers

cargo test --release "$@"
