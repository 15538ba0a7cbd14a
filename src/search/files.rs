//! The index as files: records and postings in JSON, cut into the word
//! files, the record files and `index.json` that the search script reads.

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::catalogue::Catalogue;
use crate::config::Risk;

use super::*;

pub(super) fn record_json(r: &Record) -> serde_json::Value {
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
pub(super) fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Writes one word's posting list: `[count, id, score, facet, Δid, …]`.
pub(super) fn posting_json(out: &mut String, postings: &[Posting], count: usize, facets: &[u32]) {
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

/// The index files: every word file, `index.json`, and the record files
/// `records` (chunk number, JSON); `facets` and `record_digests` cover every
/// record and record file.
pub(super) fn files_of(
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
        files.push((Route::SearchWords(firsts.len()).path(), json.into_bytes()));
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
        hash.update(Route::SearchRecords(ci).path().as_bytes());
        hash.update(d);
    }
    let version: String = hash
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    for (ci, json) in records {
        files.push((Route::SearchRecords(ci).path(), json));
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
        Route::SearchIndex.path(),
        serde_json::to_vec(&manifest).expect("index serializes"),
    ));
    files
}
