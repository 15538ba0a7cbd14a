//! The search index and the search box: what the build writes, where the
//! box appears, switching it off, and a reader using it in headless
//! Chromium (over `toolrisk serve`, and under a sub-path from a plain
//! static file server).
//!
//! This file checks what the build writes and where the box appears;
//! `browser` drives a reader using it in headless Chromium.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::serve::{Browser, Server};

mod browser;

/// Index files of an output, relative to `search/`.
fn index_files(out: &Path) -> Vec<String> {
    let mut files = list_files(&out.join("search"));
    // The results page sits beside the index.
    files.retain(|f| f != "index.html");
    files
}

fn record_count(site: &Path) -> usize {
    let tools: usize = records(site)
        .iter()
        .map(|(_, r)| r["tools"].as_array().map_or(0, Vec::len))
        .sum();
    let servers = records(site).len();
    let attacks = std::fs::read_dir(site.join("content/attacks"))
        .map(|d| d.count())
        .unwrap_or(0);
    tools + servers + attacks
}

/// The strings of a JSON array.
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// The raw posting list of `word` in the index of `out`
/// (`[count, id, score, facet, Δid, …]`), found the way `search.js` finds it.
fn posting_list(out: &Path, word: &str) -> Option<Vec<u64>> {
    let m = read_json(&out.join("search/index.json"));
    // JavaScript compares strings by UTF-16 units; these words are ASCII.
    let at = strings(&m["chunks"])
        .iter()
        .rposition(|c| *c <= word)
        .unwrap_or(0);
    let chunk = read_json(&out.join(format!("search/w/{at}.json")));
    let i = chunk["w"]
        .as_array()
        .unwrap()
        .iter()
        .position(|w| w == word)?;
    Some(
        chunk["p"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect(),
    )
}

/// Reads the index the way `search.js` does: the records whose words equal
/// `word` (postings decoded), as (record URL, score, facet).
fn lookup(out: &Path, word: &str) -> Vec<(String, u64, u64)> {
    let Some(p) = posting_list(out, word) else {
        return Vec::new();
    };
    let m = read_json(&out.join("search/index.json"));
    let per = m["per_chunk"].as_u64().unwrap();
    let mut id = 0;
    let mut found = Vec::new();
    for k in (1..p.len()).step_by(3) {
        id += p[k];
        let rows = read_json(&out.join(format!("search/r/{}.json", id / per)));
        let url = rows[(id % per) as usize][0].as_str().unwrap().to_string();
        found.push((url, p[k + 1], p[k + 2]));
    }
    assert_eq!(p[0] as usize, found.len(), "{word}: count");
    found
}

#[test]
fn search_index_is_built_and_chunked() {
    let out = shared_build("ok");
    let files = index_files(out);
    let m = read_json(&out.join("search/index.json"));
    let records = record_count(&fixture("ok"));
    assert_eq!(m["records"].as_u64(), Some(records as u64), "{m}");
    let per = m["per_chunk"].as_u64().unwrap() as usize;
    let count = |prefix: &str| files.iter().filter(|f| f.starts_with(prefix)).count();
    assert_eq!(count("r/"), records.div_ceil(per), "{files:?}");
    assert_eq!(
        count("w/"),
        m["chunks"].as_array().unwrap().len(),
        "{files:?}"
    );
    assert_eq!(files.len(), 1 + count("r/") + count("w/"), "{files:?}");
    // Every record is in a record chunk, with its URL and kind.
    let mut urls = Vec::new();
    for c in 0..count("r/") {
        for row in read_json(&out.join(format!("search/r/{c}.json")))
            .as_array()
            .unwrap()
        {
            let url = row[0].as_str().unwrap();
            assert!(!url.starts_with('/'), "relative to the base: {url}");
            assert!(
                out.join(url).join("index.html").is_file(),
                "{url} is a page"
            );
            urls.push((url.to_string(), row[1].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(urls.len(), records);
    assert!(urls.contains(&("servers/job-runner/run_job/".into(), "tool".into())));
    assert!(urls.contains(&("servers/job-runner/".into(), "server".into())));
    assert!(urls.iter().any(|(_, k)| k == "attack"));

    // A tool is found by its name's words and by its name run together,
    // and scores higher there than a record that only mentions the word.
    let run = lookup(out, "run");
    let tool = run
        .iter()
        .find(|(u, _, _)| u == "servers/job-runner/run_job/")
        .expect("run_job is found by `run`");
    assert!(run.iter().all(|(_, s, _)| *s <= tool.1), "{run:?}");
    assert_eq!(
        lookup(out, "runjob").first().map(|f| f.0.as_str()),
        Some("servers/job-runner/run_job/")
    );
    // Its facet names its risk and category for the filters.
    let facet = &m["facets"][tool.2 as usize];
    let risks = strings(&m["risks"]);
    let categories = strings(&m["categories"]);
    let page = parse_html(&out.join("servers/job-runner/run_job/index.html"));
    let text = page.root_element().text().collect::<String>();
    let risk = risks[facet[0].as_u64().unwrap() as usize];
    let category = categories[facet[1].as_u64().unwrap() as usize];
    assert!(text.contains(risk) && text.contains(category), "{facet}");
    // A filter with no query needs only the index file.
    let critical = risks.iter().position(|r| *r == "critical").unwrap();
    let browse = &m["browse"][format!("|{critical}")];
    assert!(browse[0].as_u64().unwrap() >= 1, "{browse}");
    assert!(out.join("assets/search.js").is_file());
}

/// The search forms of a page: (form id, input id).
fn search_forms(doc: &scraper::Html) -> Vec<(String, String)> {
    doc.select(&sel("form.search"))
        .map(|f| {
            let input = f
                .select(&sel("input[name=q]"))
                .next()
                .expect("a search input");
            (
                f.value().attr("id").unwrap_or("").to_string(),
                input.value().attr("id").unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn search_box_is_on_every_page_kind() {
    let out = shared_build("ok");
    let mut pages = 0;
    for page in html_files(out) {
        if page.starts_with("embed/") || page.starts_with("search/") {
            continue;
        }
        pages += 1;
        let doc = parse_html(&out.join(&page));
        let header: Vec<_> = doc.select(&sel("header.site-header form.search")).collect();
        assert_eq!(header.len(), 1, "{page}: one search box in the header");
        let forms = search_forms(&doc);
        // One box on every page, the home page included (the header's).
        assert_eq!(forms.len(), 1, "{page}: {forms:?}");
        let all_ids: Vec<String> = doc
            .select(&sel("[id]"))
            .map(|e| e.value().attr("id").unwrap().to_string())
            .collect();
        let unique: std::collections::HashSet<_> = all_ids.iter().collect();
        assert_eq!(unique.len(), all_ids.len(), "{page}: duplicate ids");
        for form in doc.select(&sel("form.search")) {
            let f = form.value();
            assert_eq!(f.attr("data-search"), Some("/search/"), "{page}");
            assert_eq!(f.attr("data-base"), Some("/"), "{page}");
            assert!(
                f.attr("hidden").is_some(),
                "{page}: hidden until the script shows it"
            );
            let input = form.select(&sel("input[name=q]")).next().unwrap();
            let id = input.value().attr("id").unwrap();
            assert_eq!(
                form.select(&sel(&format!("label[for=\"{id}\"]"))).count(),
                1,
                "{page}: the input has a label"
            );
            assert_eq!(input.value().attr("role"), Some("combobox"));
            let list = input.value().attr("aria-controls").unwrap();
            assert_eq!(
                form.select(&sel(&format!("#{list}[role=listbox]"))).count(),
                1,
                "{page}: aria-controls names the results list"
            );
            let options = |name: &str| -> Vec<String> {
                form.select(&sel(&format!("select[name={name}] option")))
                    .map(|o| o.value().attr("value").unwrap_or("").to_string())
                    .collect()
            };
            assert_eq!(
                options("category"),
                [
                    "",
                    "read",
                    "write",
                    "execute",
                    "destructive",
                    "financial",
                    "other"
                ],
                "{page}"
            );
            assert_eq!(
                options("risk"),
                ["", "low", "medium", "high", "critical"],
                "{page}"
            );
            for s in form.select(&sel("select")) {
                let id = s.value().attr("id").unwrap();
                assert_eq!(
                    form.select(&sel(&format!("label[for=\"{id}\"]"))).count(),
                    1,
                    "{page}: the filter {id} has a label"
                );
            }
        }
        assert_eq!(
            doc.select(&sel("script[src=\"/assets/search.js\"][defer]"))
                .count(),
            1,
            "{page}: the search script"
        );
    }
    assert!(pages > 20, "checked {pages} pages");
}

#[test]
fn search_can_be_switched_off() {
    let dir = tempdir();
    let site = dir.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let toml = site.join("site.toml");
    let text = read(&toml);
    std::fs::write(&toml, format!("{text}\n[search]\nenabled = \"no\"\n")).unwrap();
    let line = text.lines().count() + 3;
    build(&site, &dir.path().join("bad"))
        .failed("a wrong [search] value")
        .stderr_has(&format!("site.toml:{line}:"))
        .stderr_has("invalid type: string \"no\", expected a boolean");

    std::fs::write(&toml, format!("{text}\n[search]\nenabled = false\n")).unwrap();
    let out = dir.path().join("out");
    build(&site, &out).ok("build with search off");
    assert!(!out.join("search").exists(), "no index and no results page");
    assert!(!read(&out.join("_headers")).contains("/search/"));
    assert!(!out.join("assets/search.js").exists(), "no search script");
    for page in html_files(&out) {
        let html = read(&out.join(&page));
        assert!(
            !html.contains("search.js"),
            "{page} loads the search script"
        );
        let doc = scraper::Html::parse_document(&html);
        assert!(search_forms(&doc).is_empty(), "{page} has a search box");
    }
}

#[test]
fn search_results_page_is_built_beside_the_index_and_kept_out_of_search_engines() {
    let out = shared_build("ok");
    let doc = parse_html(&out.join("search/index.html"));
    assert_eq!(
        doc.select(&sel("meta[name=robots][content=noindex]"))
            .count(),
        1,
        "a page with no content of its own is not indexed"
    );
    let section = doc
        .select(&sel("main [data-search-page]"))
        .next()
        .expect("the results section");
    assert_eq!(section.value().attr("data-search-page"), Some("/search/"));
    let form = section.select(&sel("form")).next().unwrap();
    assert_eq!(form.value().attr("action"), Some("/search/"));
    for (field, name) in [("input", "q"), ("select", "category"), ("select", "risk")] {
        assert_eq!(
            form.select(&sel(&format!("{field}[name={name}]"))).count(),
            1,
            "the page's box has {name}"
        );
    }
    // Every category of the site is offered, as in the header box.
    let offered: Vec<String> = form
        .select(&sel("select[name=category] option"))
        .filter_map(|o| o.value().attr("value").map(str::to_string))
        .filter(|v| !v.is_empty())
        .collect();
    let header: Vec<String> = doc
        .select(&sel("header form.search select[name=category] option"))
        .filter_map(|o| o.value().attr("value").map(str::to_string))
        .filter(|v| !v.is_empty())
        .collect();
    assert!(!offered.is_empty());
    assert_eq!(offered, header);
    assert_eq!(section.select(&sel("ol.search-page-results")).count(), 1);
    // A parser that runs scripts reads <noscript> as text.
    let noscript: String = section
        .select(&sel("noscript"))
        .map(|n| n.inner_html())
        .collect();
    assert!(
        noscript.contains("/servers/") && noscript.contains("browse every server"),
        "readers without scripts are sent to the server list: {noscript}"
    );
    // Every box on every page sends its query here.
    for page in html_files(out) {
        let doc = parse_html(&out.join(&page));
        for (id, _) in search_forms(&doc) {
            let form = doc.select(&sel(&format!("form#{id}"))).next().unwrap();
            assert_eq!(form.value().attr("action"), Some("/search/"), "{page}");
        }
    }
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(!sitemap.contains("/search/"), "{sitemap}");
}

#[test]
fn search_box_follows_a_sub_path() {
    let dir = tempdir();
    let out = dir.path().join("out");
    toolrisk([
        "build".as_ref(),
        fixture("ok").as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--base-url".as_ref(),
        "https://fixture.example/docs/".as_ref(),
    ])
    .ok("build under /docs/");
    let doc = parse_html(&out.join("servers/job-runner/run_job/index.html"));
    let form = doc.select(&sel("header form.search")).next().unwrap();
    assert_eq!(form.value().attr("data-search"), Some("/docs/search/"));
    assert_eq!(form.value().attr("data-base"), Some("/docs/"));
    assert_eq!(form.value().attr("action"), Some("/docs/search/"));
    let page = parse_html(&out.join("search/index.html"));
    let section = page.select(&sel("[data-search-page]")).next().unwrap();
    assert_eq!(
        section.value().attr("data-search-page"),
        Some("/docs/search/")
    );
    assert_eq!(section.value().attr("data-base"), Some("/docs/"));
    assert_eq!(
        doc.select(&sel("script[src=\"/docs/assets/search.js\"]"))
            .count(),
        1
    );
    // The index holds site-relative URLs: it is the same wherever the site lives.
    let root = shared_build("ok");
    assert_eq!(
        std::fs::read(out.join("search/index.json")).unwrap(),
        std::fs::read(root.join("search/index.json")).unwrap()
    );
}
