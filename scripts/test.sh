#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (needs root or sudo,
# once): the Debian packages below, and the MCP servers of the import tests
# with the Python SDK and the MCP conformance suite (scripts/mcp-servers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests run: Chromium and chromedriver (browser tests),
# nginx with its brotli_static module (the deploy test serves the built
# site with docs/deploy.md's server block), groff (the manual page test)
# and script from bsdutils (colour on a terminal).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || missing+=(libnginx-mod-http-brotli-static)
command -v groff >/dev/null 2>&1 || missing+=(groff-base)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the tests" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The real MCP servers of the import tests and the conformance suite,
# pinned (quick when present).
source scripts/mcp-servers.sh
ensure_mcp_servers

cargo test --release "$@"
