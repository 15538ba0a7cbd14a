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
use crate::config::{Config, Risk};
use crate::content::Attack;

mod attacks;
mod related;

use attacks::find;
pub use attacks::{attack_categories, attack_position, attack_tools_in};
use related::{
    CategoryWords, FILL_STEPS, MAX_POSTING, Scores, listers_of, related_to, relist, words_of,
};

/// How many related tools a tool page shows.
pub const RELATED: usize = 6;

/// The build's indexes.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
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
    /// What related tools are computed from, kept so that one server's
    /// change updates them without recomputing every tool.
    words: Vec<CategoryWords>,
    /// For each server, the other servers' tools whose related list holds
    /// one of its tools, once per such entry, in no order: which related
    /// lists a change to a server can reach, without reading every list.
    /// Not kept in the build state: made from `related` by the first
    /// [`Index::update_server`], then kept up to date by it.
    #[serde(skip)]
    listed_by: Option<Vec<Vec<ToolId>>>,
}

/// The lists of tools by category and risk, and the attack links.
type Lists = (
    Vec<Vec<ToolId>>,
    Vec<Vec<ToolId>>,
    Vec<Vec<usize>>,
    HashMap<ToolId, Vec<usize>>,
    Vec<Vec<ToolId>>,
);

fn lists(config: &Config, servers: &[Server], attacks: &[Attack]) -> Lists {
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
    (
        by_category,
        by_risk,
        attacks_by_category,
        attacks_by_tool,
        explicit_tools,
    )
}

impl Index {
    /// Builds every index.
    pub fn build(config: &Config, servers: &[Server], attacks: &[Attack]) -> Index {
        let (by_category, by_risk, attacks_by_category, attacks_by_tool, explicit_tools) =
            lists(config, servers, attacks);
        let words: Vec<CategoryWords> = by_category
            .par_iter()
            .map(|ids| CategoryWords::build(servers, ids))
            .collect();
        let related = servers
            .par_iter()
            .enumerate()
            .map(|(si, s)| {
                let mut scores = Scores::default();
                (0..s.tools.len())
                    .map(|ti| {
                        let id = ToolId {
                            server: si as u32,
                            tool: ti as u32,
                        };
                        related_to(servers, &words, id, &mut scores)
                    })
                    .collect()
            })
            .collect();
        Index {
            by_category,
            by_risk,
            attacks_by_category,
            attacks_by_tool,
            explicit_tools,
            related,
            words,
            listed_by: None,
        }
    }

    /// The tools whose related list holds a tool of one of `servers`
    /// (sorted), each once.
    pub fn tools_listing(&self, servers: &[u32]) -> Vec<ToolId> {
        let mut out: Vec<ToolId> = match &self.listed_by {
            Some(listers) => servers
                .iter()
                .flat_map(|&s| listers[s as usize].iter().copied())
                .collect(),
            None => listers_of(&self.related)
                .into_iter()
                .enumerate()
                .filter(|(s, _)| servers.binary_search(&(*s as u32)).is_ok())
                .flat_map(|(_, of)| of)
                .collect(),
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when the kept listers are those the related lists give (or
    /// not made yet).
    #[cfg(test)]
    pub fn listers_agree(&self) -> bool {
        let sorted = |mut v: Vec<Vec<ToolId>>| {
            v.iter_mut().for_each(|l| l.sort_unstable());
            v
        };
        self.listed_by
            .as_ref()
            .is_none_or(|kept| sorted(kept.clone()) == sorted(listers_of(&self.related)))
    }

    /// Brings the indexes up to date after the server at `si` changed from
    /// `old` to `servers[si]` (same slug, so every other tool keeps its id).
    ///
    /// Returns the tools other than the changed server's whose related list
    /// changed. The result equals [`Index::build`] over `servers`.
    pub fn update_server(
        &mut self,
        config: &Config,
        servers: &[Server],
        attacks: &[Attack],
        si: usize,
        old: &Server,
    ) -> std::collections::HashSet<ToolId> {
        use std::collections::HashSet;
        let new = &servers[si];
        let id_of = |ti: usize| ToolId {
            server: si as u32,
            tool: ti as u32,
        };
        // Note every word of the old and new tools with how many tools had
        // it, then take the old tools out of the word index and put the new
        // ones in.
        let mut before: HashMap<(usize, String), usize> = HashMap::new();
        for t in old.tools.iter().chain(&new.tools) {
            let ci = t.class.category;
            for w in words_of(&t.name) {
                let len = self.words[ci].postings.get(&w).map_or(0, Vec::len);
                before.insert((ci, w), len);
            }
        }
        let mut touched_names: Vec<(usize, String, ToolId)> = Vec::new();
        for (ti, t) in old.tools.iter().enumerate() {
            let ci = t.class.category;
            self.words[ci].remove(&t.name, id_of(ti));
            touched_names.push((ci, t.name.to_lowercase(), id_of(ti)));
        }
        for (ti, t) in new.tools.iter().enumerate() {
            let ci = t.class.category;
            self.words[ci].insert(&t.name, id_of(ti));
            touched_names.push((ci, t.name.to_lowercase(), id_of(ti)));
        }

        // Which tools' related lists may differ: those sharing a word that
        // is scored before or after the change, those near a moved name in
        // the name order (the fill walks FILL_STEPS each way), and those
        // that listed a changed tool.
        let mut candidates: HashSet<ToolId> = HashSet::new();
        for ((ci, w), was) in &before {
            let now = self.words[*ci].postings.get(w);
            if *was <= MAX_POSTING || now.is_some_and(|l| l.len() <= MAX_POSTING) {
                candidates.extend(now.into_iter().flatten().copied());
            }
        }
        for (ci, key, id) in &touched_names {
            let sorted = &self.words[*ci].sorted;
            let at = match self.words[*ci].position(key, *id) {
                Ok(i) | Err(i) => i,
            };
            let from = at.saturating_sub(FILL_STEPS + 1);
            let to = (at + FILL_STEPS + 2).min(sorted.len());
            candidates.extend(sorted[from..to].iter().map(|(_, id)| *id));
        }
        let mut listers = self
            .listed_by
            .take()
            .unwrap_or_else(|| listers_of(&self.related));
        candidates.extend(listers[si].iter().copied());

        let (by_category, by_risk, attacks_by_category, attacks_by_tool, explicit_tools) =
            lists(config, servers, attacks);
        self.by_category = by_category;
        self.by_risk = by_risk;
        self.attacks_by_category = attacks_by_category;
        self.attacks_by_tool = attacks_by_tool;
        self.explicit_tools = explicit_tools;

        let mut scores = Scores::default();
        let lists: Vec<Vec<ToolId>> = (0..new.tools.len())
            .map(|ti| related_to(servers, &self.words, id_of(ti), &mut scores))
            .collect();
        let was = std::mem::replace(&mut self.related[si], lists);
        for ti in 0..was.len().max(new.tools.len()) {
            let empty = Vec::new();
            let old_list = was.get(ti).unwrap_or(&empty);
            let new_list = self.related[si].get(ti).unwrap_or(&empty);
            relist(&mut listers, id_of(ti), old_list, new_list);
        }
        let mut affected = HashSet::new();
        for id in candidates {
            if id.server as usize == si {
                continue;
            }
            let fresh = related_to(servers, &self.words, id, &mut scores);
            let slot = &mut self.related[id.server as usize][id.tool as usize];
            if *slot != fresh {
                relist(&mut listers, id, slot, &fresh);
                affected.insert(id);
                *slot = fresh;
            }
        }
        self.listed_by = Some(listers);
        affected
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

    /// The tools an attack entry applies to, in page order: the tools it
    /// names, then every tool of its categories it does not name.
    pub fn attack_tools(&self, ai: usize, attack: &Attack, config: &Config) -> Vec<ToolId> {
        attack_tools_in(&self.explicit_tools[ai], &self.by_category, attack, config).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::related::best;
    use super::*;
    use proptest::prelude::*;

    fn attack(categories: Vec<String>) -> Attack {
        Attack {
            slug: "a".into(),
            file: "a.md".into(),
            title: "A".into(),
            class: "c".into(),
            severity: Risk::High,
            categories,
            tools: Vec::new(),
            summary: String::new(),
            date: None,
            body_html: String::new(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// The best few picked are the first few of the whole list sorted.
        #[test]
        fn the_best_related_are_the_head_of_the_full_ranking(
            scored in prop::collection::vec((0u32..5, 0u32..4, 0u8..4), 0..40),
            n in 0usize..8,
        ) {
            let scores: Scores = scored
                .iter()
                .map(|&(server, tool, score)| (ToolId { server, tool }, f32::from(score)))
                .collect();
            let mut all: Vec<(ToolId, f32)> = scores.iter().map(|(&k, &v)| (k, v)).collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let head: Vec<ToolId> = all.into_iter().take(n).map(|(k, _)| k).collect();
            prop_assert_eq!(best(&scores, n), head);
        }

        /// The worked-out place of every tool is its place in the walked
        /// sequence, and a tool not in it has none.
        #[test]
        fn attack_positions_match_the_walk(
            owners in prop::collection::vec(0usize..6, 0..120),
            named in prop::collection::vec(0usize..140, 0..6),
            picked in prop::collection::vec(
                prop_oneof![
                    Just("read"), Just("write"), Just("execute"),
                    Just("destructive"), Just("other"), Just("no-such"),
                ],
                0..5,
            ),
        ) {
            let config = Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap();
            // Tool i of one server belongs to category owners[i]: every
            // category list is sorted by id and they are disjoint.
            let id = |i: usize| ToolId { server: (i / 10) as u32, tool: (i % 10) as u32 };
            let mut by_category = vec![Vec::new(); config.categories.len()];
            for (i, &c) in owners.iter().enumerate() {
                by_category[c].push(id(i));
            }
            let explicit: Vec<ToolId> = named.iter().map(|&i| id(i)).collect();
            let entry = attack(picked.iter().map(|s| s.to_string()).collect());
            let walked: Vec<ToolId> =
                attack_tools_in(&explicit, &by_category, &entry, &config).collect();
            for (p, &t) in walked.iter().enumerate() {
                prop_assert_eq!(
                    attack_position(&explicit, &by_category, &entry, &config, t),
                    Some(p)
                );
            }
            for i in 0..150 {
                if !walked.contains(&id(i)) {
                    prop_assert_eq!(
                        attack_position(&explicit, &by_category, &entry, &config, id(i)),
                        None
                    );
                }
            }
        }
    }
}
