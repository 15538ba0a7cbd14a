//! Cross-links computed once per build: tools by category and by risk, the
//! attack entries that apply to each tool, and related tools.
//!
//! Nothing here compares every pair of tools. Related tools come from an
//! inverted index of name words within each category, weighted by rarity;
//! words shared by too many tools are not walked, and a name-sorted
//! neighbour list fills any gap, so the cost per tool stays flat as the
//! catalogue grows. Every list is in a deterministic order.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::catalogue::model::{Server, ToolId};
use crate::classify::name_tokens;
use crate::config::{Config, Risk};
use crate::content::Attack;

/// How many related tools a tool page shows.
pub const RELATED: usize = 6;
/// Words shared by more tools than this are too common to say anything.
const MAX_POSTING: usize = 256;

/// The build's indexes.
#[derive(Debug, Default)]
pub struct Index {
    /// For each category (config order), its tools in server then record order.
    pub by_category: Vec<Vec<ToolId>>,
    /// For each risk level (low first), its tools in server then record order.
    pub by_risk: Vec<Vec<ToolId>>,
    /// For each category, the attacks (indices) that name it.
    pub attacks_by_category: Vec<Vec<usize>>,
    /// Attacks that name a tool explicitly.
    pub attacks_by_tool: HashMap<ToolId, Vec<usize>>,
    /// For each attack, the tools it names explicitly.
    pub explicit_tools: Vec<Vec<ToolId>>,
    /// Related tools, per server then per tool.
    pub related: Vec<Vec<Vec<ToolId>>>,
}

impl Index {
    /// Builds every index.
    pub fn build(config: &Config, servers: &[Server], attacks: &[Attack]) -> Index {
        let ncat = config.categories.len();
        let mut by_category = vec![Vec::new(); ncat];
        let mut by_risk = vec![Vec::new(); Risk::ALL.len()];
        for (si, s) in servers.iter().enumerate() {
            for (ti, t) in s.tools.iter().enumerate() {
                let id = ToolId {
                    server: si as u32,
                    tool: ti as u32,
                };
                by_category[t.class.category].push(id);
                by_risk[t.risk() as usize].push(id);
            }
        }
        let mut attacks_by_category = vec![Vec::new(); ncat];
        let mut attacks_by_tool: HashMap<ToolId, Vec<usize>> = HashMap::new();
        let mut explicit_tools = Vec::with_capacity(attacks.len());
        for (ai, a) in attacks.iter().enumerate() {
            for c in &a.categories {
                if let Some(ci) = config.category_index(c) {
                    attacks_by_category[ci].push(ai);
                }
            }
            let mut ids = Vec::new();
            for (reference, _) in &a.tools {
                if let Some(id) = find(servers, reference) {
                    attacks_by_tool.entry(id).or_default().push(ai);
                    ids.push(id);
                }
            }
            explicit_tools.push(ids);
        }
        let related = related_tools(servers, &by_category);
        Index {
            by_category,
            by_risk,
            attacks_by_category,
            attacks_by_tool,
            explicit_tools,
            related,
        }
    }

    /// The attacks that apply to a tool: named explicitly, or by category;
    /// most severe first, then by title.
    pub fn attacks_for(&self, id: ToolId, category: usize, attacks: &[Attack]) -> Vec<usize> {
        let mut list: Vec<usize> = self.attacks_by_category[category].clone();
        if let Some(explicit) = self.attacks_by_tool.get(&id) {
            list.extend(explicit);
        }
        list.sort_unstable();
        list.dedup();
        list.sort_by(|&a, &b| {
            attacks[b]
                .severity
                .cmp(&attacks[a].severity)
                .then(attacks[a].title.cmp(&attacks[b].title))
                .then(a.cmp(&b))
        });
        list
    }

    /// The tools an attack entry applies to: those it names, then every
    /// tool of its categories, each once.
    pub fn attack_tools(&self, ai: usize, attack: &Attack, config: &Config) -> Vec<ToolId> {
        let mut seen: std::collections::HashSet<ToolId> = std::collections::HashSet::new();
        let mut out: Vec<ToolId> = self.explicit_tools[ai]
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        let mut categories: Vec<usize> = Vec::new();
        for c in &attack.categories {
            if let Some(ci) = config.category_index(c)
                && !categories.contains(&ci)
            {
                categories.push(ci);
                out.extend(
                    self.by_category[ci]
                        .iter()
                        .copied()
                        .filter(|id| !seen.contains(id)),
                );
            }
        }
        out
    }
}

fn find(servers: &[Server], reference: &str) -> Option<ToolId> {
    let (server, tool) = reference.split_once('/')?;
    let si = servers
        .binary_search_by(|s| s.slug.as_str().cmp(server))
        .ok()?;
    let ti = servers[si].tool(tool)?;
    Some(ToolId {
        server: si as u32,
        tool: ti as u32,
    })
}

fn related_tools(servers: &[Server], by_category: &[Vec<ToolId>]) -> Vec<Vec<Vec<ToolId>>> {
    // Per category: the inverted index and the name-sorted order.
    struct CategoryIndex {
        postings: HashMap<String, Vec<ToolId>>,
        sorted: Vec<ToolId>,
        position: HashMap<ToolId, usize>,
    }
    let tokens_of = |id: ToolId| -> Vec<String> {
        let mut t = name_tokens(&servers[id.server as usize].tools[id.tool as usize].name);
        t.sort();
        t.dedup();
        t
    };
    let indexes: Vec<CategoryIndex> = by_category
        .par_iter()
        .map(|ids| {
            let mut postings: HashMap<String, Vec<ToolId>> = HashMap::new();
            for &id in ids {
                for tok in tokens_of(id) {
                    postings.entry(tok).or_default().push(id);
                }
            }
            let mut sorted = ids.clone();
            sorted.sort_by_cached_key(|&id| {
                let t = &servers[id.server as usize].tools[id.tool as usize];
                (t.name.to_lowercase(), id)
            });
            let position = sorted.iter().enumerate().map(|(i, &id)| (id, i)).collect();
            CategoryIndex {
                postings,
                sorted,
                position,
            }
        })
        .collect();

    servers
        .par_iter()
        .enumerate()
        .map(|(si, s)| {
            let mut scores: HashMap<ToolId, f32> = HashMap::new();
            s.tools
                .iter()
                .enumerate()
                .map(|(ti, t)| {
                    let id = ToolId {
                        server: si as u32,
                        tool: ti as u32,
                    };
                    let ci = &indexes[t.class.category];
                    scores.clear();
                    for tok in tokens_of(id) {
                        let Some(posting) = ci.postings.get(&tok) else {
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
                    let mut ranked: Vec<(ToolId, f32)> =
                        scores.iter().map(|(&k, &v)| (k, v)).collect();
                    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    let mut out: Vec<ToolId> =
                        ranked.into_iter().take(RELATED).map(|(k, _)| k).collect();
                    if out.len() < RELATED {
                        fill_from_neighbours(&mut out, id, &ci.sorted, ci.position[&id]);
                    }
                    out
                })
                .collect()
        })
        .collect()
}

/// Adds tools next to `id` in name order (nearest first, other servers only).
fn fill_from_neighbours(out: &mut Vec<ToolId>, id: ToolId, sorted: &[ToolId], pos: usize) {
    let mut step = 1;
    while out.len() < RELATED && (step <= pos || pos + step < sorted.len()) {
        for p in [
            pos.checked_add(step).filter(|&p| p < sorted.len()),
            pos.checked_sub(step),
        ]
        .into_iter()
        .flatten()
        {
            {
                let other = sorted[p];
                if other.server != id.server && !out.contains(&other) && out.len() < RELATED {
                    out.push(other);
                }
            }
        }
        step += 1;
        if step > 64 {
            break;
        }
    }
}
