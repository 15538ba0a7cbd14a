#!/usr/bin/env bash
# Builds the example site (the repository root) and checks it the way
# browsers, validators and search engines will, failing on any finding:
#
#   1. `toolrisk check`: every internal link and #anchor resolves;
#   2. the Nu HTML Checker (vnu) on every page of the example site, of the
#      hostile fixtures and of a fresh `toolrisk init` site: no error, no
#      warning;
#   3. sitemap.xml against the sitemaps.org urlset schema, and the index
#      form (the split a site past 50,000 URLs gets, made here at 100 URLs
#      a file) against the sitemap index schema, with xmllint;
#   4. JSON-LD parses, and every canonical URL is absolute and the page's
#      own (scripts/check_seo.py);
#   5. in headless Chromium (scripts/browser-checks.mjs): axe-core on one
#      page of every kind in light and dark mode (and on the empty states of
#      a site fresh from `toolrisk init`), no sideways scrolling at 320 px,
#      the skip link and focus outlines by keyboard, and the copy button of
#      a policy snippet.
#
# Installs what it needs when missing (apt-get for xmllint, Java, Node and
# Chromium; npm and pip into .tools/). Set TOOLRISK_CHECK_DIR to keep the
# built site and the reports in a folder of your choice.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/site-tools.sh

ensure_system_tools
ensure_python_tools
ensure_node_tools

WORK="${TOOLRISK_CHECK_DIR:-$(mktemp -d -t toolrisk-check-XXXXXX)}"
mkdir -p "$WORK"
OUT="$WORK/site"
trap stop_serving EXIT
failed=()
step() { echo; echo "== $*"; }

BASE_URL="$(sed -n 's/^base_url *= *"\(.*\)"/\1/p' site.toml)"
case "$BASE_URL" in */) ;; *) BASE_URL="$BASE_URL/" ;; esac

step "build the example site"
cargo build --release --quiet --bin toolrisk --example sitemap_split
TOOLRISK=target/release/toolrisk
"$TOOLRISK" build . --output "$OUT"

step "links and anchors (toolrisk check)"
"$TOOLRISK" check . || failed+=("links")

step "HTML (Nu HTML Checker)"
# The hostile fixtures put hostile names and descriptions into every
# attribute and element a record reaches.
# A new site shows the empty states.
for fixture in hostile hostile-poison; do
  "$TOOLRISK" build "tests/fixtures/$fixture" --output "$WORK/$fixture" >/dev/null
done
rm -rf "$WORK/empty-src"
"$TOOLRISK" init "$WORK/empty-src" >/dev/null
"$TOOLRISK" build "$WORK/empty-src" --output "$WORK/empty" >/dev/null
pages=$(find "$OUT" "$WORK/hostile" "$WORK/hostile-poison" "$WORK/empty" -name '*.html' | wc -l)
# vnu checks local files, whose origin is file:, so it finds every
# resource blocked by the pages' Content-Security-Policy ('self' matches
# nothing there) and treats JSON-LD data blocks as inline script; those
# messages are left out. The policy itself is still parsed and checked, and
# the browser checks below load every page kind under it.
if java -Xss8m -jar "$VNU_JAR" --skip-non-html --Werror --format gnu \
     --filterpattern '.*violates Content Security Policy \(meta tag\).*' \
     "$OUT" "$WORK/hostile" "$WORK/hostile-poison" "$WORK/empty" >"$WORK/vnu.txt" 2>&1; then
  echo "vnu $(java -jar "$VNU_JAR" --version): $pages pages, no errors or warnings"
else
  # head reads the file itself: a pipe into head would end the script
  # (pipefail) when it stops reading early.
  head -n 100 "$WORK/vnu.txt" | sed "s|file:$WORK/||"
  echo "vnu: $(wc -l <"$WORK/vnu.txt") findings in $pages pages (all in $WORK/vnu.txt)"
  failed+=("html")
fi

step "sitemaps (xmllint and the sitemaps.org schemas)"
URLSET_XSD="$TOOLS_DIR/node_modules/sitemap/schema/sitemap.xsd"
INDEX_XSD="$(schema_package_dir)/siteindex.xsd"
xmllint --noout --schema "$URLSET_XSD" "$OUT/sitemap.xml" || failed+=("sitemap")
target/release/examples/sitemap_split . "$WORK/sitemaps" 100
xmllint --noout --schema "$INDEX_XSD" "$WORK/sitemaps/sitemap.xml" || failed+=("sitemap index")
if grep -q '<urlset' "$WORK/sitemaps/sitemap.xml"; then
  echo "the split sitemap.xml is not an index"; failed+=("sitemap index")
fi
xmllint --noout --schema "$URLSET_XSD" "$WORK"/sitemaps/sitemap-*.xml || failed+=("sitemap parts")

step "JSON-LD and canonical URLs"
python3 scripts/check_seo.py "$OUT" "$BASE_URL" || failed+=("seo")

step "in Chromium: axe, 320 px, keyboard, copy button"
serve_dir "$WORK/empty"
EMPTY_URL="$SERVE_URL"
serve_dir "$OUT"
node scripts/browser-checks.mjs "$SERVE_URL" "$EMPTY_URL" || failed+=("browser")
stop_serving

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "check-site: FAILED: ${failed[*]} (output in $WORK)"
  exit 1
fi
echo "check-site: every check passed"
if [ -z "${TOOLRISK_CHECK_DIR:-}" ]; then rm -rf "$WORK"; fi
