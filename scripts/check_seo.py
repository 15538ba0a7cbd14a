#!/usr/bin/env python3
"""Checks what search engines read on every HTML page of a built site.

    python3 scripts/check_seo.py OUTPUT_DIR BASE_URL

- every <script type="application/ld+json"> parses as JSON and names a
  schema.org @context and @type;
- every page has exactly one <link rel="canonical">, absolute and
  self-referencing: BASE_URL followed by the page's own path
  (servers/x/ for servers/x/index.html, 404.html for 404.html);
- og:url, where present, is the canonical URL;
- a BreadcrumbList's last item is the canonical URL.

Prints each finding as `page: problem` and exits 1 when there is any.
Standard library only.
"""

import json
import os
import sys
from html.parser import HTMLParser


class Head(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.canonicals = []
        self.og_urls = []
        self.jsonld = []
        self._in_jsonld = False
        self._buf = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and (a.get("rel") or "").lower().split() == ["canonical"]:
            self.canonicals.append(a.get("href") or "")
        elif tag == "meta" and a.get("property") == "og:url":
            self.og_urls.append(a.get("content") or "")
        elif tag == "script" and (a.get("type") or "").lower() == "application/ld+json":
            self._in_jsonld = True
            self._buf = []

    def handle_data(self, data):
        if self._in_jsonld:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_jsonld:
            self.jsonld.append("".join(self._buf))
            self._in_jsonld = False


def own_url(base_url, rel):
    """The URL a file of the output is served at."""
    if rel == "index.html":
        return base_url
    if rel.endswith("/index.html"):
        return base_url + rel[: -len("index.html")]
    return base_url + rel


def check_page(path, rel, base_url):
    problems = []
    parser = Head()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    want = own_url(base_url, rel)
    if len(parser.canonicals) != 1:
        problems.append(f"{len(parser.canonicals)} canonical links, expected one")
    for c in parser.canonicals:
        if not (c.startswith("https://") or c.startswith("http://")):
            problems.append(f"canonical URL {c!r} is not absolute")
        elif c != want:
            problems.append(f"canonical URL {c!r} is not the page's own URL {want!r}")
    for og in parser.og_urls:
        if og != want:
            problems.append(f"og:url {og!r} differs from the page's URL {want!r}")
    for i, text in enumerate(parser.jsonld, 1):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            problems.append(f"JSON-LD block {i} does not parse: {e}")
            continue
        if not isinstance(data, dict):
            problems.append(f"JSON-LD block {i} is not an object")
            continue
        if data.get("@context") not in ("https://schema.org", "http://schema.org"):
            problems.append(f"JSON-LD block {i} has @context {data.get('@context')!r}")
        if not data.get("@type"):
            problems.append(f"JSON-LD block {i} has no @type")
        if data.get("@type") == "BreadcrumbList":
            items = data.get("itemListElement") or []
            if not items or items[-1].get("item") != want:
                last = items[-1].get("item") if items else None
                problems.append(f"breadcrumb ends at {last!r}, not at the page {want!r}")
            for item in items:
                url = item.get("item", "")
                if not url.startswith(base_url):
                    problems.append(f"breadcrumb item {url!r} is not under {base_url!r}")
    return problems, len(parser.jsonld)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: check_seo.py OUTPUT_DIR BASE_URL", file=sys.stderr)
        return 2
    root, base_url = sys.argv[1], sys.argv[2]
    if not base_url.endswith("/"):
        base_url += "/"
    pages = blocks = 0
    findings = []
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            problems, n = check_page(path, rel, base_url)
            pages += 1
            blocks += n
            findings.extend(f"{rel}: {p}" for p in problems)
    for f in sorted(findings):
        print(f)
    if pages == 0:
        print(f"no HTML pages under {root}")
        return 1
    print(f"seo: {pages} pages, {blocks} JSON-LD blocks, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
