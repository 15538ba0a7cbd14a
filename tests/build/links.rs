//! Internal links resolve: every link of a built site leads to a page and,
//! with a fragment, to an element of it, at the root and under a sub-path.

use std::collections::HashSet;
use std::path::Path;

use crate::common::*;

/// Every root-relative (and absolute, under `base_url`) `href`/`src` of every
/// HTML page names a file of the output, and every fragment an id on it.
pub(crate) fn broken_links(root: &Path, base_path: &str, base_url: &str) -> Vec<String> {
    let mut broken = Vec::new();
    let mut checked = 0usize;
    let mut id_cache: std::collections::HashMap<std::path::PathBuf, HashSet<String>> =
        Default::default();
    for page in html_files(root) {
        let doc = parse_html(&root.join(&page));
        let own_ids = ids(&doc);
        for el in doc.select(&sel("[href], [src], [data-copy-target]")) {
            if let Some(target) = el.value().attr("data-copy-target")
                && !own_ids.contains(target)
            {
                broken.push(format!("{page}: copy button targets missing id #{target}"));
            }
            for attr in ["href", "src"] {
                let Some(url) = el.value().attr(attr) else {
                    continue;
                };
                let url = url.trim();
                let local = if let Some(rest) = url.strip_prefix(base_url) {
                    format!("{base_path}{rest}")
                } else if url.starts_with('/') && !url.starts_with("//") {
                    url.to_string()
                } else if let Some(frag) = url.strip_prefix('#') {
                    if !frag.is_empty() && !own_ids.contains(frag) {
                        broken.push(format!("{page}: {attr}={url:?}: no such id on the page"));
                    }
                    checked += 1;
                    continue;
                } else {
                    continue;
                };
                checked += 1;
                let (path, frag) = match local.split_once('#') {
                    Some((p, f)) => (p.to_string(), Some(f.to_string())),
                    None => (local.clone(), None),
                };
                let path = path.split('?').next().unwrap().to_string();
                match resolve(root, base_path, &path) {
                    None => broken.push(format!("{page}: {attr}={url:?} names no file")),
                    Some(file) => {
                        if let Some(frag) = frag.filter(|f| !f.is_empty()) {
                            let ids = id_cache
                                .entry(file.clone())
                                .or_insert_with(|| ids(&parse_html(&file)));
                            if !ids.contains(&frag) {
                                broken
                                    .push(format!("{page}: {attr}={url:?}: no id {frag:?} there"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        checked > 50,
        "suspiciously few links checked in {}: {checked}",
        root.display()
    );
    broken
}

#[test]
fn internal_links_resolve() {
    for (name, base) in [
        ("ok", OK_BASE),
        ("hostile", "https://hostile.example/"),
        ("paged", "https://paged.example/"),
    ] {
        let broken = broken_links(shared_build(name), "/", base);
        assert!(
            broken.is_empty(),
            "{name}: {} broken links:\n{}",
            broken.len(),
            broken.join("\n")
        );
    }
}

#[test]
fn internal_links_resolve_under_a_sub_path() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    toolrisk([
        "build".as_ref(),
        fixture("ok").as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--base-url".as_ref(),
        "https://sub.example/docs".as_ref(),
    ])
    .ok("build with --base-url");
    // Every root-relative link must carry the sub-path.
    let mut outside = Vec::new();
    for page in html_files(&out) {
        let doc = parse_html(&out.join(&page));
        for el in doc.select(&sel("[href], [src]")) {
            for attr in ["href", "src"] {
                if let Some(u) = el.value().attr(attr)
                    && u.starts_with('/')
                    && !u.starts_with("/docs/")
                {
                    outside.push(format!("{page}: {attr}={u}"));
                }
            }
        }
    }
    assert!(
        outside.is_empty(),
        "links that ignore the base path:\n{}",
        outside.join("\n")
    );
    let broken = broken_links(&out, "/docs/", "https://sub.example/docs/");
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://sub.example/docs/servers/</loc>"),
        "{sitemap}"
    );
}
