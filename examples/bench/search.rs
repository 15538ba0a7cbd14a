//! The search part of the benchmark: what the Pagefind index costs to build,
//! how big it is, and how many bytes a reader's browser fetches for a query,
//! worked out from the index files themselves.
//!
//! A query fetches, once per page view: `pagefind-entry.json`, `pagefind.js`,
//! `pagefind-worker.js`, the WebAssembly engine `wasm.<lang>.pagefind` and the
//! metadata `pagefind.<hash>.pf_meta` (the *fixed* cost); then for each query
//! word, the index chunks whose word range (`from`..`to` in the metadata)
//! overlaps the words starting with it (the last word is matched as a
//! prefix), and the fragment (the record's text) of each result shown — the
//! box shows the first 10. The *common* word is the indexed word found on the
//! most records, the *rare* one the first word (in index order, at least six
//! letters) found on exactly one. Pagefind's files are gzip streams of
//! `pagefind_dcd` followed by CBOR; a small CBOR reader below decodes them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::Path;

/// How many results the search box shows (and so fragments it fetches).
const SHOWN: usize = 10;

#[derive(Debug)]
enum Cbor {
    Int(i128),
    Text(String),
    Array(Vec<Cbor>),
    /// Byte strings, maps, floats and simple values: read past, not kept.
    Other,
}

impl Cbor {
    fn array(&self) -> &[Cbor] {
        match self {
            Cbor::Array(a) => a,
            _ => &[],
        }
    }
    fn text(&self) -> &str {
        match self {
            Cbor::Text(t) => t,
            _ => "",
        }
    }
    fn int(&self) -> Option<i128> {
        match self {
            Cbor::Int(i) => Some(*i),
            _ => None,
        }
    }
}

fn cbor(b: &[u8], i: &mut usize) -> Result<Cbor, String> {
    let byte = *b.get(*i).ok_or("CBOR: unexpected end")?;
    *i += 1;
    let major = byte >> 5;
    let info = byte & 31;
    let mut arg = |info: u8| -> Result<u64, String> {
        let n = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return Err(format!("CBOR: unsupported length code {info}")),
        };
        let bytes = b.get(*i..*i + n).ok_or("CBOR: unexpected end")?;
        *i += n;
        Ok(bytes.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
    };
    Ok(match major {
        0 => Cbor::Int(i128::from(arg(info)?)),
        1 => Cbor::Int(-1 - i128::from(arg(info)?)),
        2 | 3 => {
            let n = arg(info)? as usize;
            let bytes = b.get(*i..*i + n).ok_or("CBOR: unexpected end")?.to_vec();
            *i += n;
            if major == 2 {
                Cbor::Other
            } else {
                Cbor::Text(String::from_utf8(bytes).map_err(|e| e.to_string())?)
            }
        }
        4 => {
            let n = arg(info)? as usize;
            let mut items = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                items.push(cbor(b, i)?);
            }
            Cbor::Array(items)
        }
        5 => {
            let n = arg(info)? as usize;
            for _ in 0..2 * n {
                cbor(b, i)?;
            }
            Cbor::Other
        }
        6 => {
            arg(info)?;
            cbor(b, i)?
        }
        _ => {
            arg(info)?;
            Cbor::Other
        }
    })
}

/// Reads a compressed Pagefind file and decodes its CBOR.
fn decode(path: &Path) -> Result<Cbor, String> {
    let raw = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut data)
        .map_err(|e| format!("{}: not gzip: {e}", path.display()))?;
    let body = data
        .strip_prefix(b"pagefind_dcd")
        .ok_or_else(|| format!("{}: no pagefind_dcd signature", path.display()))?;
    let mut i = 0;
    cbor(body, &mut i)
}

fn size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
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

/// The index of one build, measured.
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

/// Measures the index in `dir` (an output's `pagefind/` folder).
pub fn analyze(dir: &Path) -> Result<Figures, String> {
    let mut files = 0;
    let mut bytes = 0;
    let mut fragments = 0;
    let mut fragment_bytes = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_type().is_file() {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            files += 1;
            bytes += len;
            if entry.path().extension().is_some_and(|e| e == "pf_fragment") {
                fragments += 1;
                fragment_bytes += len;
            }
        }
    }
    let entry: serde_json::Value = serde_json::from_slice(
        &fs::read(dir.join("pagefind-entry.json")).map_err(|e| format!("entry: {e}"))?,
    )
    .map_err(|e| format!("entry: {e}"))?;
    let (_, lang) = entry["languages"]
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or("pagefind-entry.json lists no language")?;
    let hash = lang["hash"].as_str().ok_or("entry: no hash")?;
    let wasm = lang["wasm"].as_str().unwrap_or("unknown");
    let records = lang["page_count"].as_u64().unwrap_or(0) as usize;
    let meta_path = dir.join(format!("pagefind.{hash}.pf_meta"));
    let fixed_parts: Vec<(String, u64)> = [
        "pagefind-entry.json".to_string(),
        "pagefind.js".to_string(),
        "pagefind-worker.js".to_string(),
        format!("wasm.{wasm}.pagefind"),
        format!("pagefind.{hash}.pf_meta"),
    ]
    .into_iter()
    .map(|f| {
        let n = size(&dir.join(&f));
        (f, n)
    })
    .collect();
    let fixed = fixed_parts.iter().map(|(_, n)| n).sum();

    let meta = decode(&meta_path)?;
    let parts = meta.array();
    let pages: Vec<String> = parts
        .get(1)
        .map(|p| p.array())
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            p.array()
                .first()
                .map(|h| h.text().to_string())
                .unwrap_or_default()
        })
        .collect();
    let chunk_list: Vec<(String, String, String)> = parts
        .get(2)
        .map(|p| p.array())
        .unwrap_or(&[])
        .iter()
        .map(|c| {
            let a = c.array();
            let t = |i: usize| a.get(i).map(|x| x.text().to_string()).unwrap_or_default();
            (t(0), t(1), t(2))
        })
        .collect();
    let mut chunk_bytes = 0;
    let mut largest_chunk = 0;
    // Word → the records it is on, in page order.
    let mut words: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (_, _, h) in &chunk_list {
        let path = dir.join(format!("index/{h}.pf_index"));
        let n = size(&path);
        chunk_bytes += n;
        largest_chunk = largest_chunk.max(n);
        let chunk = decode(&path)?;
        let list = chunk.array().first().map(|w| w.array()).unwrap_or(&[]);
        for w in list {
            let a = w.array();
            let word = a.first().map(|x| x.text().to_string()).unwrap_or_default();
            let on: Vec<usize> = a
                .get(1)
                .map(|p| p.array())
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| p.array().first().and_then(Cbor::int))
                .map(|n| n as usize)
                .collect();
            words.entry(word).or_default().extend(on);
        }
    }
    let query = |word: &str| -> Query {
        // Pagefind matches the last word as a prefix: every chunk whose
        // range overlaps [word, word + anything] is fetched.
        let upper = format!("{word}\u{10FFFF}");
        let hit: Vec<&(String, String, String)> = chunk_list
            .iter()
            .filter(|(from, to, _)| from.as_str() <= upper.as_str() && to.as_str() >= word)
            .collect();
        let on = words.get(word).cloned().unwrap_or_default();
        let shown: Vec<usize> = on.iter().copied().take(SHOWN).collect();
        let fragment_bytes = shown
            .iter()
            .filter_map(|p| pages.get(*p))
            .map(|h| size(&dir.join(format!("fragment/{h}.pf_fragment"))))
            .sum();
        Query {
            word: word.to_string(),
            records: on.len(),
            chunks: hit.len(),
            chunk_bytes: hit
                .iter()
                .map(|(_, _, h)| size(&dir.join(format!("index/{h}.pf_index"))))
                .sum(),
            fragments: shown.len(),
            fragment_bytes,
        }
    };
    let letters = |w: &str, n: usize| w.len() >= n && w.bytes().all(|b| b.is_ascii_lowercase());
    let common = words
        .iter()
        .filter(|(w, _)| letters(w, 3))
        .max_by_key(|(w, on)| (on.len(), std::cmp::Reverse((*w).clone())))
        .map(|(w, _)| query(w));
    let rare = words
        .iter()
        .find(|(w, on)| letters(w, 6) && on.len() == 1)
        .map(|(w, _)| query(w));
    Ok(Figures {
        records,
        files,
        bytes,
        fragments,
        fragment_bytes,
        chunks: chunk_list.len(),
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
    s.push_str("\nSearch index (Pagefind, custom records built from the catalogue). *index s* is the build's `search` stage; *alone* is a process that only loads the site and builds the index (wall s, peak RSS MiB). Bytes are as stored (Pagefind's files are already gzip-compressed); kB = 1,000 bytes.\n\n");
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
    let staged = toolrisk::output::Staged::begin(out, site).map_err(|d| d.to_string())?;
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
