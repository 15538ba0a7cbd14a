//! Static full-text search: a Pagefind index of every server, tool and attack
//! entry, built with the site and queried in the reader's browser.
//!
//! Owns the search records — the text each result is found by (weighted so a
//! tool's own name counts most), the filters `kind` (tool, server, attack),
//! `category` and `risk`, and the plain-text meta the search box shows
//! (title, server, a short excerpt) — and running Pagefind over them. Records
//! are built from the catalogue model, never by parsing rendered pages.
//! Pagefind is async: this module runs it on a small tokio runtime of its own,
//! on a thread of its own, so no caller sees a runtime. Every file Pagefind
//! produces goes to the [`Sink`] under `pagefind/`, so staged builds and
//! serve's incremental sink treat the index like any other output. Pagefind
//! splits the index into chunks by word and stores each record's text in its
//! own fragment file, so a query downloads only the chunks and fragments it
//! needs.
//!
//! Record text is hostile. It reaches readers only as meta and fragment
//! strings that the search script (`assets/search.js`) inserts as text, never
//! as markup; here it is only kept from steering the indexer (see [`inert`]).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::catalogue::{Catalogue, Server, Tool};
use crate::config::Risk;
use crate::error::Diagnostic;
use crate::output::Sink;
use crate::text;

/// The folder of the index inside the output.
pub const DIR: &str = "pagefind";

/// Longest excerpt kept in a record's meta, in characters.
const EXCERPT_CHARS: usize = 160;

/// One searchable item: a tool, server or attack page.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Site-relative URL (`/servers/x/`), without the base path, so that the
    /// index does not depend on where the site is served from.
    pub url: String,
    /// The text the record is found by, with Pagefind's weight markers.
    pub content: String,
    /// Plain text shown in results: `title`, `kind`, `excerpt`, and where
    /// they apply `server`, `name`, `category`, `risk`.
    pub meta: BTreeMap<String, String>,
    /// `kind`, `category` and `risk` values.
    pub filters: BTreeMap<String, Vec<String>>,
}

/// What writing the index produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub records: usize,
    pub files: usize,
    pub bytes: u64,
}

/// Pagefind files no page of ours loads: its ready-made interfaces (ours is
/// `assets/search.js`) and its playground.
fn is_unused(path: &str) -> bool {
    [
        "pagefind-ui.",
        "pagefind-modular-ui.",
        "pagefind-component-ui.",
        "pagefind-highlight.",
        "playground/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// Keeps hostile text from steering the indexer: Pagefind reads words that
/// start with `___PAGEFIND_` (or `___END_PAGEFIND_`) in a record's content
/// as weight and anchor instructions, so a description could otherwise hide
/// itself or outweigh a tool's name. Leading underscores of any word that
/// starts with three are cut to one; words are joined by single spaces,
/// which Pagefind would do anyway.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.starts_with("___") {
            out.push('_');
            out.push_str(word.trim_start_matches('_'));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Appends `text` to `content` at `weight` (Pagefind's scale: 1 normal, 10 most).
fn weighted(content: &mut String, weight: u8, text: &str) {
    let text = inert(text);
    if text.is_empty() {
        return;
    }
    if !content.is_empty() {
        content.push(' ');
    }
    if weight == 1 {
        content.push_str(&text);
    } else {
        content.push_str(&format!(
            "___PAGEFIND_WEIGHT___{weight} {text} ___END_PAGEFIND_WEIGHT___"
        ));
    }
}

fn excerpt(text: &str) -> String {
    text::one_line(text, EXCERPT_CHARS)
}

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn filters(kind: &str, categories: Vec<String>, risks: Vec<&str>) -> BTreeMap<String, Vec<String>> {
    let mut f = BTreeMap::new();
    f.insert("kind".to_string(), vec![kind.to_string()]);
    if !categories.is_empty() {
        f.insert("category".to_string(), categories);
    }
    if !risks.is_empty() {
        f.insert(
            "risk".to_string(),
            risks.into_iter().map(str::to_string).collect(),
        );
    }
    f
}

fn tool_record(cat: &Catalogue, s: &Server, t: &Tool) -> Record {
    let category = &cat.config.categories[t.class.category].name;
    let risk = t.risk().as_str();
    let title = t.display_name();
    let mut content = String::new();
    weighted(&mut content, 10, &t.shown_name);
    if title != t.shown_name {
        weighted(&mut content, 3, title);
    }
    weighted(&mut content, 2, &s.name);
    weighted(&mut content, 1, &t.plain_description);
    weighted(&mut content, 1, &format!("{category} {risk}"));
    let name = if title != t.shown_name {
        t.shown_name.as_str()
    } else {
        ""
    };
    Record {
        url: format!("/servers/{}/{}/", s.slug, t.slug),
        content,
        meta: meta(&[
            ("title", title),
            ("kind", "tool"),
            ("name", name),
            ("server", &s.name),
            ("category", category),
            ("risk", risk),
            ("excerpt", &t.summary),
        ]),
        filters: filters("tool", vec![category.clone()], vec![risk]),
    }
}

fn server_record(cat: &Catalogue, s: &Server) -> Record {
    let mut categories: Vec<usize> = s.tools.iter().map(|t| t.class.category).collect();
    categories.sort_unstable();
    categories.dedup();
    let description = crate::markdown::plain_text(&s.description);
    let mut content = String::new();
    weighted(&mut content, 8, &s.name);
    weighted(&mut content, 4, &s.slug);
    weighted(&mut content, 2, s.repository.as_deref().unwrap_or(""));
    weighted(&mut content, 1, &description);
    let count = text::count_s(s.tools.len(), "tool");
    let risk = s.overall_risk().map(Risk::as_str).unwrap_or("");
    Record {
        url: format!("/servers/{}/", s.slug),
        content,
        meta: meta(&[
            ("title", &s.name),
            ("kind", "server"),
            ("tools", &count),
            ("risk", risk),
            ("excerpt", &excerpt(&description)),
        ]),
        filters: filters(
            "server",
            categories
                .into_iter()
                .map(|c| cat.config.categories[c].name.clone())
                .collect(),
            s.overall_risk().map(Risk::as_str).into_iter().collect(),
        ),
    }
}

fn attack_record(a: &crate::content::Attack) -> Record {
    let mut content = String::new();
    weighted(&mut content, 8, &a.title);
    weighted(&mut content, 3, &a.class);
    weighted(&mut content, 1, &a.summary);
    weighted(&mut content, 1, &a.categories.join(" "));
    Record {
        url: format!("/attacks/{}/", a.slug),
        content,
        meta: meta(&[
            ("title", &a.title),
            ("kind", "attack"),
            ("class", &a.class),
            ("risk", a.severity.as_str()),
            ("excerpt", &excerpt(&a.summary)),
        ]),
        filters: filters("attack", a.categories.clone(), vec![a.severity.as_str()]),
    }
}

/// The records of one server: its tools, then itself.
pub fn server_records(cat: &Catalogue, s: &Server) -> Vec<Record> {
    let mut out: Vec<Record> = s.tools.iter().map(|t| tool_record(cat, s, t)).collect();
    out.push(server_record(cat, s));
    out
}

/// Every record of the catalogue: tools, then servers, then attack entries.
pub fn records(cat: &Catalogue) -> Vec<Record> {
    let mut out: Vec<Record> = cat
        .servers
        .par_iter()
        .flat_map_iter(|s| s.tools.iter().map(move |t| tool_record(cat, s, t)))
        .collect();
    out.extend(cat.servers.iter().map(|s| server_record(cat, s)));
    out.extend(cat.attacks.iter().map(attack_record));
    out
}

fn pagefind_error(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(format!("cannot build the search index: {e}")).help(
        "this is a fault in toolrisk; to build without search meanwhile, set `enabled = false` under `[search]` in site.toml",
    )
}

/// Runs Pagefind over `records` and returns its files (path, bytes), the
/// ones no page loads left out.
pub fn index_files(
    records: Vec<Record>,
    language: &str,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    use pagefind::api::PagefindIndex;
    use pagefind::options::PagefindServiceConfig;

    let language = language.to_string();
    let job = move || -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(pagefind_error)?;
        runtime.block_on(async move {
            let options = PagefindServiceConfig::builder()
                .force_language(language.clone())
                .build();
            let mut index = PagefindIndex::new(Some(options)).map_err(pagefind_error)?;
            for r in records {
                index
                    .add_custom_record(
                        r.url,
                        r.content,
                        language.clone(),
                        Some(r.meta),
                        Some(r.filters),
                        None,
                    )
                    .await
                    .map_err(pagefind_error)?;
            }
            let files = index.get_files().await.map_err(pagefind_error)?;
            Ok(files
                .into_iter()
                .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
                .filter(|(path, _)| !is_unused(path))
                .collect())
        })
    };
    // A thread of its own: the caller may itself be inside a runtime
    // (serve), and a runtime cannot be started inside another.
    std::thread::scope(|scope| {
        scope
            .spawn(job)
            .join()
            .unwrap_or_else(|_| Err(pagefind_error("the indexer stopped unexpectedly")))
    })
}

/// The index of `cat`: every file to write, with its path in the output
/// (under `pagefind/`).
pub fn build(cat: &Catalogue) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    let files = index_files(records(cat), &cat.config.language)?;
    Ok(files
        .into_iter()
        .map(|(path, bytes)| (format!("{DIR}/{path}"), bytes))
        .collect())
}

/// Writes index files made by [`build`].
pub fn write(files: &[(String, Vec<u8>)], sink: &dyn Sink) -> Result<(), Diagnostic> {
    for (path, bytes) in files {
        sink.write(path, bytes)?;
    }
    Ok(())
}

/// Builds the index of `cat` and writes it under `pagefind/`.
pub fn write_index(cat: &Catalogue, sink: &dyn Sink) -> Result<Stats, Diagnostic> {
    let files = build(cat)?;
    write(&files, sink)?;
    Ok(Stats {
        records: cat.tool_count() + cat.servers.len() + cat.attacks.len(),
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_words_cannot_steer_the_indexer() {
        assert_eq!(
            inert("a ___PAGEFIND_WEIGHT___0 b\n____END_PAGEFIND_WEIGHT___ ___x"),
            "a _PAGEFIND_WEIGHT___0 b _END_PAGEFIND_WEIGHT___ _x"
        );
        assert_eq!(inert("  plain   words\t"), "plain words");
        let mut content = String::new();
        weighted(&mut content, 10, "run_job");
        weighted(&mut content, 1, "___PAGEFIND_WEIGHT___0 hidden");
        assert_eq!(
            content,
            "___PAGEFIND_WEIGHT___10 run_job ___END_PAGEFIND_WEIGHT___ _PAGEFIND_WEIGHT___0 hidden"
        );
    }

    #[test]
    fn unused_pagefind_files_are_left_out() {
        assert!(is_unused("pagefind-ui.js"));
        assert!(is_unused("pagefind-component-ui.css"));
        assert!(is_unused("playground/index.html"));
        assert!(!is_unused("pagefind.js"));
        assert!(!is_unused("pagefind-worker.js"));
        assert!(!is_unused("pagefind-entry.json"));
        assert!(!is_unused("index/en_abc.pf_index"));
    }

    #[test]
    fn records_are_indexed_and_chunked() {
        let records = vec![
            Record {
                url: "/servers/a/run_job/".into(),
                content: "___PAGEFIND_WEIGHT___10 run_job ___END_PAGEFIND_WEIGHT___ Trigger a job"
                    .into(),
                meta: meta(&[("title", "Run job"), ("kind", "tool")]),
                filters: filters("tool", vec!["execute".into()], vec!["high"]),
            },
            Record {
                url: "/servers/a/".into(),
                content: "Jobs server".into(),
                meta: meta(&[("title", "Jobs"), ("kind", "server")]),
                filters: filters("server", vec![], vec![]),
            },
        ];
        let files = index_files(records, "en").unwrap();
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        for must in ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json"] {
            assert!(names.contains(&must), "{must} in {names:?}");
        }
        let count = |ext: &str| names.iter().filter(|n| n.ends_with(ext)).count();
        assert_eq!(
            count(".pf_fragment"),
            2,
            "one fragment per record: {names:?}"
        );
        assert!(count(".pf_index") >= 1, "{names:?}");
        assert!(count(".pf_filter") >= 1, "{names:?}");
        assert_eq!(count(".pf_meta"), 1, "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("wasm.")), "{names:?}");
        assert!(!names.iter().any(|n| is_unused(n)), "{names:?}");
    }
}
