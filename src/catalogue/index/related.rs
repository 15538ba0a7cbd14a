//! Related tools: an inverted index of name words within each category,
//! weighted by rarity, and a name-sorted neighbour list that fills any gap,
//! kept so that one server's change updates them without recomputing every
//! tool ([`Index::listed_by`](super::Index) says which lists it can reach).

use crate::catalogue::model::{Server, ToolId};
use crate::classify::name_tokens;

use super::RELATED;

/// Words shared by more tools than this are too common to say anything.
pub(super) const MAX_POSTING: usize = 256;
/// [`Index::listed_by`] made from the related lists.
pub(super) fn listers_of(related: &[Vec<Vec<ToolId>>]) -> Vec<Vec<ToolId>> {
    let mut listers = vec![Vec::new(); related.len()];
    for (si, per_server) in related.iter().enumerate() {
        for (ti, list) in per_server.iter().enumerate() {
            let id = ToolId {
                server: si as u32,
                tool: ti as u32,
            };
            for r in list {
                listers[r.server as usize].push(id);
            }
        }
    }
    listers
}

/// Moves `id` in `listers` from the servers of its old related list to
/// those of its new one.
pub(super) fn relist(listers: &mut [Vec<ToolId>], id: ToolId, old: &[ToolId], new: &[ToolId]) {
    for r in old {
        let of = &mut listers[r.server as usize];
        if let Some(at) = of.iter().position(|x| *x == id) {
            of.swap_remove(at);
        }
    }
    for r in new {
        listers[r.server as usize].push(id);
    }
}

/// One category's name words: an inverted index and the name order.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct CategoryWords {
    /// Word → the category's tools whose name has it, in id order.
    pub(super) postings: foldhash::HashMap<String, Vec<ToolId>>,
    /// The category's tools by lower-cased name, then id.
    pub(super) sorted: Vec<(String, ToolId)>,
}

impl CategoryWords {
    pub(super) fn build(servers: &[Server], ids: &[ToolId]) -> CategoryWords {
        let mut postings = foldhash::HashMap::<String, Vec<ToolId>>::default();
        let mut sorted = Vec::with_capacity(ids.len());
        for &id in ids {
            let name = &tool_of(servers, id).name;
            for word in words_of(name) {
                postings.entry(word).or_default().push(id);
            }
            sorted.push((name.to_lowercase(), id));
        }
        sorted.sort();
        CategoryWords { postings, sorted }
    }

    /// Where `(key, id)` is, or would be, in the name order.
    pub(super) fn position(&self, key: &str, id: ToolId) -> Result<usize, usize> {
        self.sorted
            .binary_search_by(|(k, i)| k.as_str().cmp(key).then(i.cmp(&id)))
    }

    pub(super) fn remove(&mut self, name: &str, id: ToolId) {
        for word in words_of(name) {
            if let Some(list) = self.postings.get_mut(&word) {
                if let Ok(i) = list.binary_search(&id) {
                    list.remove(i);
                }
                if list.is_empty() {
                    self.postings.remove(&word);
                }
            }
        }
        if let Ok(i) = self.position(&name.to_lowercase(), id) {
            self.sorted.remove(i);
        }
    }

    pub(super) fn insert(&mut self, name: &str, id: ToolId) {
        for word in words_of(name) {
            let list = self.postings.entry(word).or_default();
            if let Err(i) = list.binary_search(&id) {
                list.insert(i, id);
            }
        }
        let key = name.to_lowercase();
        if let Err(i) = self.position(&key, id) {
            self.sorted.insert(i, (key, id));
        }
    }
}

fn tool_of(servers: &[Server], id: ToolId) -> &crate::catalogue::Tool {
    &servers[id.server as usize].tools[id.tool as usize]
}

/// A name's distinct words, sorted.
pub(super) fn words_of(name: &str) -> Vec<String> {
    let mut t = name_tokens(name);
    t.sort();
    t.dedup();
    t
}

/// Related-tool scores by tool, cleared for each tool.
pub(super) type Scores = foldhash::HashMap<ToolId, f32>;

/// How far the name-order fill walks on each side.
pub(super) const FILL_STEPS: usize = 64;

/// The related tools of one tool: the other servers' tools of its category
/// that share the most rare name words, then its name-order neighbours.
pub(super) fn related_to(
    servers: &[Server],
    words: &[CategoryWords],
    id: ToolId,
    scores: &mut Scores,
) -> Vec<ToolId> {
    let t = tool_of(servers, id);
    let ci = &words[t.class.category];
    scores.clear();
    for word in words_of(&t.name) {
        let Some(posting) = ci.postings.get(&word) else {
            continue;
        };
        if posting.len() > MAX_POSTING {
            continue;
        }
        let weight = 1.0 / (posting.len() as f32).ln_1p();
        for &other in posting {
            if other.server != id.server {
                *scores.entry(other).or_default() += weight;
            }
        }
    }
    let mut out = best(scores, RELATED);
    if out.len() < RELATED
        && let Ok(pos) = ci.position(&t.name.to_lowercase(), id)
    {
        fill_from_neighbours(&mut out, id, &ci.sorted, pos);
    }
    out
}

/// The `n` best-scoring tools, best first, ties by id. Only those are
/// sorted: most tools score against hundreds of others.
pub(super) fn best(scores: &Scores, n: usize) -> Vec<ToolId> {
    let mut ranked: Vec<(ToolId, f32)> = scores.iter().map(|(&k, &v)| (k, v)).collect();
    let best_first = |a: &(ToolId, f32), b: &(ToolId, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if ranked.len() > n {
        ranked.select_nth_unstable_by(n, best_first);
        ranked.truncate(n);
    }
    ranked.sort_unstable_by(best_first);
    ranked.into_iter().map(|(k, _)| k).collect()
}

/// Adds tools next to `id` in name order (nearest first, other servers only).
fn fill_from_neighbours(
    out: &mut Vec<ToolId>,
    id: ToolId,
    sorted: &[(String, ToolId)],
    pos: usize,
) {
    for step in 1..=FILL_STEPS {
        if out.len() >= RELATED || (step > pos && pos + step >= sorted.len()) {
            break;
        }
        for p in [
            pos.checked_add(step).filter(|&p| p < sorted.len()),
            pos.checked_sub(step),
        ]
        .into_iter()
        .flatten()
        {
            let other = sorted[p].1;
            if other.server != id.server && !out.contains(&other) && out.len() < RELATED {
                out.push(other);
            }
        }
    }
}
