//! Static full-text search: an index of every server, tool and attack entry,
//! built with the site and queried in the reader's browser by
//! `assets/search.js`, with no server at run time.
//!
//! Owns the index format: the inverted index, its files, and updating them
//! after a change to some servers. The search records (what each result is
//! found by, weighted so that a tool's own name counts most, plus the
//! filters and the plain text a result shows) are [`records`]'s, built from
//! the catalogue model, never by parsing rendered pages.
//!
//! # The index (`search/` in the output)
//!
//! - `index.json`, the only file every search fetches: the format number, a
//!   `version` (a hash of the whole index, added to every other file's URL
//!   so a cached chunk never meets a newer index), the record count, the
//!   category and risk names the filters use, the `facets` table
//!   (`[risk, category…]`, risk −1 when a record has none), the first word
//!   of every word chunk, and `browse`: for every filter combination
//!   (`"category|risk"`, either side empty for "any"), how many records it
//!   has and the first ones to show, most severe first, so that a filter
//!   with no query needs no other file.
//! - `w/N.json`, word chunks in word order, about [`CHUNK_BYTES`] each:
//!   `{"w": [words], "p": [postings]}`, one posting list per word:
//!   `[count, id, score, facet, Δid, score, facet, …]`, record ids ascending
//!   and delta-coded. A word on more than [`MAX_POSTINGS`] records keeps its
//!   best-scored ones (`count` stays the true number): such a word says
//!   little about a record, and its list would otherwise be most of a
//!   query's download.
//! - `r/N.json`, [`RECORDS_PER_CHUNK`] records each (record `id` is in chunk
//!   `id / RECORDS_PER_CHUNK`): `[url, kind, title, name, server, category,
//!   risk, excerpt, extra]`, where `url` is relative to the site's base and
//!   `extra` is a server's tool count or an attack entry's class.
//!
//! A query fetches `index.json`, for each query word the one to three word
//! chunks holding the words that start with it, and one record chunk per
//! result shown: a few dozen kilobytes whatever the size of the catalogue.
//!
//! Words are cut from text by [`words`], which `search.js` mirrors: runs of
//! letters and digits, split again where a lower-case letter or a digit is
//! followed by an upper-case one, lower-cased, at most [`MAX_WORD_CHARS`]
//! characters. A multi-word name is also indexed as one word (its words run
//! together), so `get_file_contents`, `get file contents` and
//! `getFileContents` all find the tool first; and as typed ([`literal`]), so
//! that of `get_issue` and `getIssue` the one typed comes first.
//!
//! Record text is hostile. It reaches readers only as JSON strings that the
//! search script inserts as text, never as markup.

/// Maps keyed by the catalogue's words: foldhash, seeded per process, is
/// several times quicker than the standard hasher on short keys.
type HashMap<K, V> = foldhash::HashMap<K, V>;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::catalogue::Catalogue;
use crate::config::Risk;
use crate::error::Diagnostic;
use crate::output::Sink;

mod records;

pub use records::{Kind, Record, literal, records, server_records, words};
use records::{Source, record, sources};

/// The folder of the index inside the output.
pub const DIR: &str = "search";

/// The index format, bumped when `search.js` must change with it.
const FORMAT: u32 = 1;

/// Records per record chunk.
pub const RECORDS_PER_CHUNK: usize = 16;

/// A word chunk is closed once it holds at least this many bytes.
pub const CHUNK_BYTES: usize = 16 * 1024;

/// Postings kept for one word.
pub const MAX_POSTINGS: usize = 1000;

/// Longest word indexed, in characters; longer words are cut.
pub const MAX_WORD_CHARS: usize = 40;

/// Records a filter with no query lists, like the search box's result list.
const BROWSE_SHOWN: usize = 10;

/// What writing the index produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub records: usize,
    pub files: usize,
    pub bytes: u64,
}

fn risk_index(risk: Option<Risk>) -> i32 {
    risk.map_or(-1, |r| {
        Risk::ALL.iter().position(|&a| a == r).unwrap() as i32
    })
}

/// One posting: a record id (the high 24 bits) and the word's score on it
/// (the low 8), packed so that a catalogue's postings take 4 bytes each and
/// sort by id.
type Posting = u32;

/// The most records an index can number.
const MAX_RECORDS: usize = 1 << 24;

fn posting(id: u32, score: u8) -> Posting {
    (id << 8) | u32::from(score)
}

fn posting_id(p: Posting) -> u32 {
    p >> 8
}

fn posting_score(p: Posting) -> u8 {
    (p & 0xff) as u8
}

/// What the filters know of a record: its risk ([`risk_index`]) and its
/// categories.
type FacetKey = (i32, Vec<usize>);

/// A file's SHA-256, from which the index version is made.
type Digest32 = [u8; 32];

fn digest(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

/// What one record chunk contributes: its JSON and that JSON's digest, and
/// per record the facet key.
struct ChunkPart {
    json: Vec<u8>,
    digest: Digest32,
    facets: Vec<FacetKey>,
}

fn record_json(r: &Record) -> serde_json::Value {
    serde_json::json!([
        r.url,
        r.kind.as_str(),
        r.title,
        r.name,
        r.server,
        r.category,
        r.risk.map_or("", Risk::as_str),
        r.excerpt,
        r.extra
    ])
}

/// Orders words as JavaScript compares strings (UTF-16 code units), so
/// that the reader's binary search over chunk boundaries agrees with ours.
fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Writes one word's posting list: `[count, id, score, facet, Δid, …]`.
fn posting_json(out: &mut String, postings: &[Posting], count: usize, facets: &[u32]) {
    let mut number = itoa::Buffer::new();
    out.push('[');
    out.push_str(number.format(count));
    let mut last = 0u32;
    for (i, &p) in postings.iter().enumerate() {
        let (id, score) = (posting_id(p), posting_score(p));
        let delta = if i == 0 { id } else { id - last };
        last = id;
        for n in [delta, u32::from(score), facets[id as usize]] {
            out.push(',');
            out.push_str(number.format(n));
        }
    }
    out.push(']');
}

/// The index's files: (path under [`DIR`], bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// The inverted index before it is cut into files, kept (by serve, and in
/// the build state) so that a change to some servers updates it instead of
/// building it again.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Postings {
    /// Records per server (its tools, then itself), in server order: while
    /// these stay the same, so do the ids of every record.
    per_server: Vec<u32>,
    /// Word → every posting, ids ascending (none cut).
    words: HashMap<String, Vec<Posting>>,
    /// Every record's facet key, in id order.
    facets: Vec<FacetKey>,
    /// The digest of every record file, in file order: an update makes
    /// only the record files of the servers it changes, and the index
    /// version still covers every file.
    record_digests: Vec<Digest32>,
}

fn records_per_server(cat: &Catalogue) -> Vec<u32> {
    cat.servers
        .iter()
        .map(|s| s.tools.len() as u32 + 1)
        .collect()
}

/// One record file's part from what its records show, without their words.
fn shown_part(cat: &Catalogue, chunk: &[Source]) -> ChunkPart {
    let records: Vec<Record> = chunk.iter().map(|&s| record(cat, s, false)).collect();
    part_of(&records)
}

/// One record file's part: its JSON, and per record the facet key.
fn part_of(records: &[Record]) -> ChunkPart {
    let rows: Vec<serde_json::Value> = records.iter().map(record_json).collect();
    let json = serde_json::to_vec(&rows).expect("records serialize");
    ChunkPart {
        digest: digest(&json),
        json,
        facets: records
            .iter()
            .map(|r| (risk_index(r.risk), r.categories.clone()))
            .collect(),
    }
}

fn too_many(total: usize) -> Result<(), Diagnostic> {
    if total >= MAX_RECORDS {
        return Err(Diagnostic::new(format!(
            "cannot build the search index: {total} records is more than it can number"
        ))
        .help("set `enabled = false` under `[search]` in site.toml"));
    }
    Ok(())
}

/// Builds the index of `cat`: every file (path under [`DIR`], bytes).
pub fn build(cat: &Catalogue) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    Ok(build_keeping(cat)?.0)
}

/// Updates `postings` after the records of `servers` changed, and makes
/// the files that differ from the index the postings were last cut into:
/// every word file, `index.json`, and the record files holding a record of
/// one of `servers`. The other record files are as they were, so that
/// written over the old index these files give what [`build`] makes of the
/// catalogue as it is now ([`apply`] does it in memory). `None` (and
/// `postings` untouched) when record ids moved (a server's tool count
/// changed, or a server came or went): build it all again.
pub fn update(
    cat: &Catalogue,
    postings: &mut Postings,
    servers: &[usize],
) -> Option<Result<Files, Diagnostic>> {
    if postings.per_server != records_per_server(cat) {
        return None;
    }
    let mut first_ids = Vec::with_capacity(cat.servers.len());
    let mut next = 0u32;
    for &n in &postings.per_server {
        first_ids.push(next);
        next += n;
    }
    let mut servers = servers.to_vec();
    servers.sort_unstable();
    servers.dedup();
    let mut chunks = Vec::new();
    for &si in &servers {
        let start = first_ids[si];
        let end = start + postings.per_server[si];
        // Every list is in id order: the server's postings are one run.
        for list in postings.words.values_mut() {
            let from = list.partition_point(|&p| posting_id(p) < start);
            let to = list.partition_point(|&p| posting_id(p) < end);
            if from < to {
                list.drain(from..to);
            }
        }
        let s = &cat.servers[si];
        let records = (0..s.tools.len())
            .map(|ti| Source::Tool(si, ti))
            .chain(std::iter::once(Source::Server(si)));
        for (id, source) in (start..).zip(records) {
            let r = record(cat, source, true);
            postings.facets[id as usize] = (risk_index(r.risk), r.categories);
            for (word, score) in r.words {
                let list = postings.words.entry(word).or_default();
                let at = list.partition_point(|&p| posting_id(p) < id);
                list.insert(at, posting(id, score));
            }
        }
        let per_chunk = RECORDS_PER_CHUNK as u32;
        chunks.extend(start / per_chunk..=(end - 1) / per_chunk);
    }
    postings.words.retain(|_, list| !list.is_empty());
    chunks.sort_unstable();
    chunks.dedup();
    let sources = sources(cat);
    Some(too_many(sources.len()).map(|()| {
        let records: Vec<(usize, Vec<u8>)> = chunks
            .par_iter()
            .map(|&ci| {
                let ci = ci as usize;
                let from = ci * RECORDS_PER_CHUNK;
                let to = (from + RECORDS_PER_CHUNK).min(sources.len());
                (ci, shown_part(cat, &sources[from..to]))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(ci, part)| {
                postings.record_digests[ci] = part.digest;
                (ci, part.json)
            })
            .collect();
        files_of(
            cat,
            &postings.facets,
            &postings.record_digests,
            records,
            &postings.words,
        )
    }))
}

/// Writes the files of an [`update`] over `index`, the files of the index
/// it updates: what [`build`] would now make.
pub fn apply(index: &mut Files, update: Files) {
    let words = format!("{DIR}/w/");
    index.retain(|(path, _)| !path.starts_with(&words));
    let mut at: HashMap<String, usize> = index
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (path.clone(), i))
        .collect();
    for (path, bytes) in update {
        match at.get(&path) {
            Some(&i) => index[i].1 = bytes,
            None => {
                at.insert(path.clone(), index.len());
                index.push((path, bytes));
            }
        }
    }
}

/// The folder whose files an [`update`] makes in full: word files it does
/// not make are stale. (Record files it does not make are unchanged.)
pub fn updated_in_full() -> String {
    format!("{DIR}/w/")
}

/// Builds the index of `cat`, and the postings to update it from.
pub fn build_keeping(cat: &Catalogue) -> Result<(Files, Postings), Diagnostic> {
    let sources = sources(cat);
    too_many(sources.len())?;

    // Records, chunk by chunk in parallel: each chunk's JSON and its
    // records' facets, and the words into one inverted map per worker (not
    // per chunk: each map repeats the words it holds).
    type WordLists = HashMap<String, Vec<Posting>>;
    let chunks: Vec<&[Source]> = sources.chunks(RECORDS_PER_CHUNK).collect();
    let (mut parts, mut merged): (Vec<(usize, ChunkPart)>, WordLists) = chunks
        .par_iter()
        .enumerate()
        .fold(
            || (Vec::new(), WordLists::default()),
            |(mut parts, mut postings), (ci, chunk)| {
                let records: Vec<Record> = chunk.iter().map(|&s| record(cat, s, true)).collect();
                for (k, r) in records.iter().enumerate() {
                    let id = (ci * RECORDS_PER_CHUNK + k) as u32;
                    for (word, score) in r.words.iter() {
                        match postings.get_mut(word.as_str()) {
                            Some(list) => list.push(posting(id, *score)),
                            None => {
                                postings.insert(word.clone(), vec![posting(id, *score)]);
                            }
                        }
                    }
                }
                parts.push((ci, part_of(&records)));
                (parts, postings)
            },
        )
        .reduce(
            || (Vec::new(), WordLists::default()),
            |(mut parts, a), (more, b)| {
                parts.extend(more);
                // Fold the smaller map into the larger.
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (word, list) in small {
                    big.entry(word).or_default().extend(list);
                }
                (parts, big)
            },
        );
    parts.sort_unstable_by_key(|(ci, _)| *ci);
    let mut facets = Vec::with_capacity(sources.len());
    let mut record_digests = Vec::with_capacity(parts.len());
    let mut records = Vec::with_capacity(parts.len());
    for (ci, part) in parts {
        facets.extend(part.facets);
        record_digests.push(part.digest);
        records.push((ci, part.json));
    }
    // Workers' lists were appended in any order.
    merged
        .par_iter_mut()
        .for_each(|(_, list)| list.sort_unstable());
    let files = files_of(cat, &facets, &record_digests, records, &merged);
    Ok((
        files,
        Postings {
            per_server: records_per_server(cat),
            words: merged,
            facets,
            record_digests,
        },
    ))
}

/// The index files: every word file, `index.json`, and the record files
/// `records` (chunk number, JSON); `facets` and `record_digests` cover every
/// record and record file.
fn files_of(
    cat: &Catalogue,
    facets: &[FacetKey],
    record_digests: &[Digest32],
    records: Vec<(usize, Vec<u8>)>,
    postings: &HashMap<String, Vec<Posting>>,
) -> Vec<(String, Vec<u8>)> {
    let total = facets.len();

    // Facets, numbered in order of first use; and each record's.
    let mut facet_ids: HashMap<&FacetKey, u32> = HashMap::default();
    let mut facet_table: Vec<serde_json::Value> = Vec::new();
    let mut record_facets: Vec<u32> = Vec::with_capacity(total);
    for key in facets {
        let id = match facet_ids.get(key) {
            Some(&id) => id,
            None => {
                let id = facet_ids.len() as u32;
                let mut v = vec![serde_json::json!(key.0)];
                v.extend(key.1.iter().map(|&c| serde_json::json!(c)));
                facet_table.push(serde_json::Value::Array(v));
                facet_ids.insert(key, id);
                id
            }
        };
        record_facets.push(id);
    }

    // Words in the reader's string order; long lists cut to their best.
    let mut words: Vec<(&String, &Vec<Posting>)> = postings.iter().collect();
    words.par_sort_unstable_by(|a, b| js_order(a.0, b.0));
    let lists: Vec<String> = words
        .par_iter()
        .map(|&(_, list)| {
            let count = list.len();
            let mut out = String::new();
            if list.len() > MAX_POSTINGS {
                let mut best = list.clone();
                best.sort_unstable_by(|&a, &b| {
                    posting_score(b)
                        .cmp(&posting_score(a))
                        .then(posting_id(a).cmp(&posting_id(b)))
                });
                best.truncate(MAX_POSTINGS);
                best.sort_unstable();
                posting_json(&mut out, &best, count, &record_facets);
            } else {
                posting_json(&mut out, list, count, &record_facets);
            }
            out
        })
        .collect();

    // Word chunks of about CHUNK_BYTES.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut firsts: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let start = i;
        let mut bytes = 0;
        while i < words.len() && (i == start || bytes < CHUNK_BYTES) {
            bytes += words[i].0.len() + lists[i].len() + 4;
            i += 1;
        }
        let ws: Vec<&str> = words[start..i].iter().map(|(w, _)| w.as_str()).collect();
        let mut json = String::with_capacity(bytes + 16);
        json.push_str("{\"w\":");
        json.push_str(&serde_json::to_string(&ws).expect("words serialize"));
        json.push_str(",\"p\":[");
        json.push_str(&lists[start..i].join(","));
        json.push_str("]}");
        files.push((format!("{DIR}/w/{}.json", firsts.len()), json.into_bytes()));
        firsts.push(words[start].0);
    }
    // The version covers every file: the word files by their bytes, the
    // record files by their digests.
    let word_digests: Vec<Digest32> = files.par_iter().map(|(_, b)| digest(b)).collect();
    let mut hash = Sha256::new();
    for ((path, _), d) in files.iter().zip(&word_digests) {
        hash.update(path.as_bytes());
        hash.update(d);
    }
    for (ci, d) in record_digests.iter().enumerate() {
        hash.update(format!("{DIR}/r/{ci}.json").as_bytes());
        hash.update(d);
    }
    let version: String = hash
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    for (ci, json) in records {
        files.push((format!("{DIR}/r/{ci}.json"), json));
    }

    // What each filter with no query shows: most severe first, then in
    // index order.
    let mut by_severity: Vec<u32> = (0..total as u32).collect();
    by_severity.sort_by_key(|&id| std::cmp::Reverse(facets[id as usize].0));
    let mut browse = serde_json::Map::new();
    let category_keys: Vec<Option<usize>> = std::iter::once(None)
        .chain((0..cat.config.categories.len()).map(Some))
        .collect();
    let risk_keys: Vec<Option<i32>> = std::iter::once(None).chain((0..4).map(Some)).collect();
    for &c in &category_keys {
        for &r in &risk_keys {
            if c.is_none() && r.is_none() {
                continue;
            }
            let mut count = 0usize;
            let mut first = Vec::new();
            for &id in &by_severity {
                let i = id as usize;
                if c.is_some_and(|c| !facets[i].1.contains(&c))
                    || r.is_some_and(|r| facets[i].0 != r)
                {
                    continue;
                }
                count += 1;
                if first.len() < BROWSE_SHOWN {
                    first.push(id);
                }
            }
            let key = format!(
                "{}|{}",
                c.map(|c| c.to_string()).unwrap_or_default(),
                r.map(|r| r.to_string()).unwrap_or_default()
            );
            browse.insert(key, serde_json::json!([count, first]));
        }
    }

    let manifest = serde_json::json!({
        "format": FORMAT,
        "version": version,
        "records": total,
        "per_chunk": RECORDS_PER_CHUNK,
        "categories": cat.config.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "risks": Risk::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "facets": facet_table,
        "chunks": firsts,
        "browse": browse,
    });
    files.push((
        format!("{DIR}/index.json"),
        serde_json::to_vec(&manifest).expect("index serializes"),
    ));
    files
}

/// Writes index files made by [`build`].
pub fn write(files: &[(String, Vec<u8>)], sink: &dyn Sink) -> Result<(), Diagnostic> {
    files
        .par_iter()
        .try_for_each(|(path, bytes)| sink.write(path, bytes))
}

/// Builds the index of `cat` and writes it under [`DIR`].
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
    fn posting_lists_are_delta_coded_with_facets() {
        let mut out = String::new();
        posting_json(
            &mut out,
            &[posting(3, 170), posting(4, 16), posting(10, 32)],
            3,
            &[0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 5],
        );
        assert_eq!(out, "[3,3,170,2,1,16,1,6,32,5]");
        let p = posting(MAX_RECORDS as u32 - 1, 255);
        assert_eq!(
            (posting_id(p), posting_score(p)),
            (MAX_RECORDS as u32 - 1, 255)
        );
    }

    #[test]
    fn words_sort_as_javascript_compares_strings() {
        // U+FF5E (one UTF-16 unit) sorts before U+1D400 in UTF-8 but after
        // it in UTF-16, where U+1D400 is a surrogate pair (0xD835 …).
        assert_eq!(
            js_order("\u{ff5e}", "\u{1d400}"),
            std::cmp::Ordering::Greater
        );
        assert_eq!(js_order("ab", "abc"), std::cmp::Ordering::Less);
    }
}
