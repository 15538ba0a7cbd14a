//! Updating the index after some servers changed, from the postings kept
//! since it was built, instead of building it again.

use rayon::prelude::*;

use crate::catalogue::Catalogue;
use crate::error::Diagnostic;

use super::*;

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
    let words = routes::SEARCH_WORDS;
    index.retain(|(path, _)| !path.starts_with(words));
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

/// The folders whose files an [`update`] makes in full: word files it does
/// not make are stale. (Record files it does not make are unchanged.)
pub fn updated_in_full() -> Vec<String> {
    vec![routes::SEARCH_WORDS.to_string()]
}

/// The folders whose files a whole index makes in full: word and record
/// files it does not make are stale. Not `search/` itself, which holds the
/// results page beside the index (`index.json` is always written).
pub fn built_in_full() -> Vec<String> {
    vec![
        routes::SEARCH_WORDS.to_string(),
        routes::SEARCH_RECORDS.to_string(),
    ]
}
