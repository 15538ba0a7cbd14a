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
//!   risk, excerpt, extra]`, where `url` is relative to the site's base,
//!   `title` is what the result is called (a tool's name, as every list of
//!   the site names tools; a server's name; an attack entry's title),
//!   `name` a tool's own title when the server gives one, and `extra` a
//!   server's tool count or an attack entry's class.
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
use crate::routes::{self, Route};

mod records;

pub use records::{Kind, Record, literal, records, server_records, words};
use records::{Source, record, sources};

mod files;
mod update;

use files::{files_of, record_json};
pub use update::{apply, built_in_full, update, updated_in_full};

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

/// The index's files: (path, bytes; each a [`Route`] of the index).
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

/// Builds the index of `cat`: every file (path, bytes; each a [`Route`] of the index).
pub fn build(cat: &Catalogue) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    Ok(build_keeping(cat)?.0)
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

/// Writes index files made by [`build`].
pub fn write(files: &[(String, Vec<u8>)], sink: &dyn Sink) -> Result<(), Diagnostic> {
    files
        .par_iter()
        .try_for_each(|(path, bytes)| sink.write(path, bytes))
}

/// Builds the index of `cat` and writes it under [`routes::SEARCH`].
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
    use super::files::{js_order, posting_json};
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
