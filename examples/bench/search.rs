//! The search part of the benchmark: what the search index costs to build,
//! how big it is, and how many bytes a reader's browser fetches for a query,
//! worked out from the index files themselves (format: `src/search.rs`).
//!
//! A query fetches, once per page view, `search/index.json` and the script
//! `assets/search.js` (the *fixed* cost); then for each query word the word
//! chunks holding the words that start with it (up to three), and the
//! record chunk of each result shown — the box shows the first 10, best
//! scored first. The *common* word is the indexed word found on the most
//! records, the *rare* one the first word (in index order, at least six
//! letters) found on exactly one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// How many results the search box shows (and so records it fetches).
const SHOWN: usize = 10;

/// Word chunks `search.js` fetches per query word at most.
const MAX_CHUNKS: usize = 3;

fn size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn json(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// What one query word costs beyond the fixed files.
pub struct Query {
    pub word: String,
    pub records: usize,
    pub chunks: usize,
    pub chunk_bytes: u64,
    pub fragments: usize,
    pub fragment_bytes: u64,
}

impl Query {
    pub fn bytes(&self) -> u64 {
        self.chunk_bytes + self.fragment_bytes
    }
}

/// The index of one build, measured. *Fragments* are the record chunks.
pub struct Figures {
    pub records: usize,
    pub files: usize,
    pub bytes: u64,
    pub fragments: usize,
    pub fragment_bytes: u64,
    pub chunks: usize,
    pub chunk_bytes: u64,
    pub largest_chunk: u64,
    pub fixed: u64,
    pub fixed_parts: Vec<(String, u64)>,
    pub common: Option<Query>,
    pub rare: Option<Query>,
}

/// Measures the index in `dir` (an output's `search/` folder).
pub fn analyze(dir: &Path) -> Result<Figures, String> {
    let mut files = 0;
    let mut bytes = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_type().is_file() {
            files += 1;
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    let m = json(&dir.join("index.json"))?;
    let records = m["records"].as_u64().unwrap_or(0) as usize;
    let per = m["per_chunk"].as_u64().unwrap_or(1).max(1) as usize;
    let firsts: Vec<String> = m["chunks"]
        .as_array()
        .ok_or("index.json: no chunks")?
        .iter()
        .map(|c| c.as_str().unwrap_or("").to_string())
        .collect();
    // The built-in script (an index-only run writes no assets).
    let script = include_str!("../../src/builtin/static/search.js").len() as u64;
    let fixed_parts = vec![
        (
            "search/index.json".to_string(),
            size(&dir.join("index.json")),
        ),
        ("assets/search.js".to_string(), script),
    ];
    let fixed = fixed_parts.iter().map(|(_, n)| n).sum();
    let record_chunks = records.div_ceil(per);
    let fragment_bytes = (0..record_chunks)
        .map(|c| size(&dir.join(format!("r/{c}.json"))))
        .sum();
    let mut chunk_bytes = 0;
    let mut largest_chunk = 0;
    // Word → (true count, the kept postings as (id, score)).
    let mut words: BTreeMap<String, (usize, Vec<(usize, u64)>)> = BTreeMap::new();
    for c in 0..firsts.len() {
        let path = dir.join(format!("w/{c}.json"));
        let n = size(&path);
        chunk_bytes += n;
        largest_chunk = largest_chunk.max(n);
        let chunk = json(&path)?;
        let ws = chunk["w"].as_array().ok_or("chunk without words")?;
        let ps = chunk["p"].as_array().ok_or("chunk without postings")?;
        for (w, p) in ws.iter().zip(ps) {
            let p: Vec<u64> = p
                .as_array()
                .unwrap_or(&Vec::new())
                .iter()
                .map(|x| x.as_u64().unwrap_or(0))
                .collect();
            let mut id = 0;
            let mut list = Vec::new();
            for k in (1..p.len()).step_by(3) {
                id += p[k] as usize;
                list.push((id, p[k + 1]));
            }
            words.insert(
                w.as_str().unwrap_or("").to_string(),
                (p.first().copied().unwrap_or(0) as usize, list),
            );
        }
    }
    let query = |word: &str| -> Query {
        // As search.js: the chunk the word falls in and the next ones
        // while their first word still starts with it.
        let mut at = firsts.iter().rposition(|f| f.as_str() <= word).unwrap_or(0);
        let mut hit = vec![at];
        while hit.len() < MAX_CHUNKS && at + 1 < firsts.len() && firsts[at + 1].starts_with(word) {
            at += 1;
            hit.push(at);
        }
        let (count, mut list) = words.get(word).cloned().unwrap_or_default();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let shown: BTreeSet<usize> = list.iter().take(SHOWN).map(|(id, _)| id / per).collect();
        Query {
            word: word.to_string(),
            records: count,
            chunks: hit.len(),
            chunk_bytes: hit
                .iter()
                .map(|c| size(&dir.join(format!("w/{c}.json"))))
                .sum(),
            fragments: shown.len(),
            fragment_bytes: shown
                .iter()
                .map(|c| size(&dir.join(format!("r/{c}.json"))))
                .sum(),
        }
    };
    let letters = |w: &str, n: usize| w.len() >= n && w.bytes().all(|b| b.is_ascii_lowercase());
    let common = words
        .iter()
        .filter(|(w, _)| letters(w, 3))
        .max_by_key(|(w, (count, _))| (*count, std::cmp::Reverse((*w).clone())))
        .map(|(w, _)| query(w));
    let rare = words
        .iter()
        .find(|(w, (count, _))| letters(w, 6) && *count == 1)
        .map(|(w, _)| query(w));
    Ok(Figures {
        records,
        files,
        bytes,
        fragments: record_chunks,
        fragment_bytes,
        chunks: firsts.len(),
        chunk_bytes,
        largest_chunk,
        fixed,
        fixed_parts,
        common,
        rare,
    })
}

/// One row of the search table.
pub struct Row {
    pub servers: usize,
    pub tools: usize,
    /// Seconds of the search stage (from `--timings`, or the index-only run).
    pub index_secs: Option<f64>,
    /// The index-only run: wall time and peak RSS in KiB (loading included).
    pub alone: Option<(f64, Option<u64>)>,
    pub figures: Figures,
}

fn kb(b: u64) -> String {
    format!("{:.1}", b as f64 / 1000.0)
}

fn mb(b: u64) -> String {
    format!("{:.1}", b as f64 / 1e6)
}

/// The search section of the report.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str("\nSearch index (toolrisk's own, built from the catalogue). *index s* is the build's `search` stage; *alone* is a process that only loads the site and builds the index (wall s, peak RSS MiB). *Fragments* are the record chunks. Bytes are as stored, uncompressed JSON (a server that compresses responses sends about a fifth); kB = 1,000 bytes.\n\n");
    s.push_str("| servers | tools | records | index s | alone: wall s / peak RSS MiB | files | index MB | fragments (MB) | word chunks (MB, largest kB) | fixed per page view kB | common word: records, chunks kB + fragments kB | rare word: records, chunks kB + fragments kB | common + rare query kB, with fixed |\n");
    s.push_str("|---:|---:|---:|---:|---|---:|---:|---|---|---:|---|---|---:|\n");
    for r in rows {
        let f = &r.figures;
        let q = |q: &Option<Query>| match q {
            Some(q) => format!(
                "`{}`: {}, {} ({} chunk{}) + {} ({} fragments)",
                q.word,
                q.records,
                kb(q.chunk_bytes),
                q.chunks,
                if q.chunks == 1 { "" } else { "s" },
                kb(q.fragment_bytes),
                q.fragments
            ),
            None => "—".into(),
        };
        let both = f.fixed
            + f.common.as_ref().map_or(0, Query::bytes)
            + f.rare.as_ref().map_or(0, Query::bytes);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} ({}, {}) | {} | {} | {} | {} |",
            r.servers,
            r.tools,
            f.records,
            r.index_secs.map_or("—".into(), |x| format!("{x:.2}")),
            r.alone.map_or("—".into(), |(w, rss)| format!(
                "{w:.2} / {}",
                rss.map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0))
            )),
            f.files,
            mb(f.bytes),
            f.fragments,
            mb(f.fragment_bytes),
            f.chunks,
            mb(f.chunk_bytes),
            kb(f.largest_chunk),
            kb(f.fixed),
            q(&f.common),
            q(&f.rare),
            kb(both),
        );
    }
    if let Some(r) = rows.last() {
        let parts: Vec<String> = r
            .figures
            .fixed_parts
            .iter()
            .map(|(n, b)| format!("{n} {} kB", kb(*b)))
            .collect();
        let _ = writeln!(
            s,
            "\nFixed files ({} servers): {}.",
            r.servers,
            parts.join(", ")
        );
    }
    s
}

/// `bench --index-only SITE OUT`: loads the site and writes only its search
/// index into OUT (replaced), printing `records N load_s X index_s Y`.
pub fn index_only(site: &Path, out: &Path) -> Result<(), String> {
    let mut timings = toolrisk::site::Timings::default();
    let started = std::time::Instant::now();
    let cat = toolrisk::site::load(site, None, &mut timings).map_err(|d| d.to_string())?;
    let load_s = started.elapsed().as_secs_f64();
    let lock = toolrisk::output::Lock::acquire(out).map_err(|d| d.to_string())?;
    let staged = toolrisk::output::Staged::begin(lock, site).map_err(|d| d.to_string())?;
    let started = std::time::Instant::now();
    let stats = toolrisk::search::write_index(&cat, &staged).map_err(|d| d.to_string())?;
    let index_s = started.elapsed().as_secs_f64();
    staged.commit().map_err(|d| d.to_string())?.join();
    println!(
        "records {} tools {} load_s {load_s:.3} index_s {index_s:.3}",
        stats.records,
        cat.tool_count()
    );
    Ok(())
}
