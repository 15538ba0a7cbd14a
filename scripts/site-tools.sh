# Sourced by check-site.sh and screenshots.sh: installs the checkers they
# use when missing, and serves a built site over HTTP on loopback.
#
# Debian packages go in with apt-get (root or sudo); the Python checkers in
# a virtualenv and the Node ones in a local folder, both under .tools/
# (ignored by git). Versions are pinned so every machine checks alike.

TOOLS_DIR="${TOOLRISK_TOOLS:-$PWD/.tools}"
VENV="$TOOLS_DIR/venv"

# The sitemap index schema ships with sitemap-verify (used for that file
# only, not run).
PIP_SCHEMA_PACKAGE="sitemap-verify==0.1.1"
# The Nu HTML Checker (vnu.jar, current release), axe-core, a driver for
# the system's Chromium, and the sitemap package for the urlset schema.
NPM_PACKAGES=(vnu-jar@26.9.27 axe-core@4.14.1 playwright-core@1.65.1 sitemap@9.0.1)
VNU_JAR="$TOOLS_DIR/node_modules/vnu-jar/build/dist/vnu.jar"

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing $* with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_system_tools() {
  local missing=()
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_python_tools() {
  if [ ! -d "$(schema_package_dir)" ]; then
    echo "installing $PIP_SCHEMA_PACKAGE into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "$PIP_SCHEMA_PACKAGE"
  fi
}

schema_package_dir() {
  [ -x "$VENV/bin/python" ] || return 0
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.util, os
spec = importlib.util.find_spec("sitemap_verify")
print(os.path.join(os.path.dirname(spec.origin), "schemas") if spec else "")
EOF
}

ensure_node_tools() {
  local want have
  want="${NPM_PACKAGES[*]}"
  have="$(cat "$TOOLS_DIR/.npm-packages" 2>/dev/null || true)"
  if [ "$want" != "$have" ] || [ ! -d "$TOOLS_DIR/node_modules/axe-core" ] || [ ! -f "$VNU_JAR" ]; then
    echo "installing $want into $TOOLS_DIR" >&2
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "${NPM_PACKAGES[@]}"
    echo "$want" > "$TOOLS_DIR/.npm-packages"
  fi
}

# Serves folder $1 on a free loopback port; sets SERVE_URL. stop_serving
# stops every server started so.
SERVE_PIDS=()
serve_dir() {
  local dir="$1" port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >"$dir.http.log" 2>&1 &
  SERVE_PIDS+=($!)
  SERVE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do
    if python3 -c "import urllib.request; urllib.request.urlopen('$SERVE_URL/')" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "the HTTP server for $dir did not start; its log:" >&2
  cat "$dir.http.log" >&2
  return 1
}

stop_serving() {
  local pid
  for pid in "${SERVE_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVE_PIDS=()
}
