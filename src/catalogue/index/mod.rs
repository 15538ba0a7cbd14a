//! Cross-links computed once per build: tools by category and by risk, the
//! attack entries that apply to each tool, and related tools.
//!
//! An attack entry applies to the tools it names and to the tools of its
//! categories whose own evidence shows one of the signals the entry needs
//! ([`signals`]); the tool page and the entry's page both read that one
//! relation, so they agree.
//!
//! Nothing here compares every pair of tools. Related tools come from an
//! inverted index, within each category, of name words, argument names and
//! description words, each weighted by rarity ([`related`]); terms shared
//! by too many tools are not walked, so the cost per tool stays flat as the
//! catalogue grows. A tool sharing too little with every other gets fewer
//! related tools rather than unrelated ones. Every list is in a
//! deterministic order.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::catalogue::model::{Server, ToolId};
use crate::config::{Config, Risk};
use crate::content::Attack;

mod attacks;
mod related;
pub mod signals;

use attacks::find;
pub use attacks::{attack_categories, attack_position, attack_tools_in};
use related::{CategoryWords, MAX_POSTING, Scores, listers_of, related_to, relist, terms_of};
pub use signals::{Reach, Signal};

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
    /// For each attack, the tools of its categories it reaches through
    /// their evidence (or every one, for an entry needing no signal), in
    /// id order; named tools may be among them.
    pub applied: Vec<Vec<ToolId>>,
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
    let applied = attacks
        .par_iter()
        .map(|a| {
            let needed = signals::needed(a);
            let categories = attack_categories(a, config);
            let mut ids: Vec<ToolId> = categories
                .iter()
                .flat_map(|&ci| by_category[ci].iter().copied())
                .filter(|&id| {
                    let t = &servers[id.server as usize].tools[id.tool as usize];
                    signals::reach(&needed, false, true, t).is_some()
                })
                .collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    (
        by_category,
        by_risk,
        attacks_by_category,
        attacks_by_tool,
        explicit_tools,
        applied,
    )
}

impl Index {
    /// Builds every index.
    pub fn build(config: &Config, servers: &[Server], attacks: &[Attack]) -> Index {
        let (by_category, by_risk, attacks_by_category, attacks_by_tool, explicit_tools, applied) =
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
            applied,
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
        // Note every term of the old and new tools with how many tools had
        // it, then take the old tools out of the index and put the new ones
        // in.
        let mut before: HashMap<(usize, String), usize> = HashMap::new();
        for t in old.tools.iter().chain(&new.tools) {
            let ci = t.class.category;
            for w in terms_of(t) {
                let len = self.words[ci].len(&w);
                before.insert((ci, w), len);
            }
        }
        for (ti, t) in old.tools.iter().enumerate() {
            self.words[t.class.category].remove(t, id_of(ti));
        }
        for (ti, t) in new.tools.iter().enumerate() {
            self.words[t.class.category].insert(t, id_of(ti));
        }

        // Which tools' related lists may differ: those sharing a term that
        // is walked before or after the change (a term's weight and which
        // description words are walked follow how many tools have it), and
        // those that listed a changed tool.
        let mut candidates: HashSet<ToolId> = HashSet::new();
        for ((ci, w), was) in &before {
            let now = self.words[*ci].postings.get(w);
            if *was <= MAX_POSTING || now.is_some_and(|l| l.len() <= MAX_POSTING) {
                candidates.extend(now.into_iter().flatten().copied());
            }
        }
        let mut listers = self
            .listed_by
            .take()
            .unwrap_or_else(|| listers_of(&self.related));
        candidates.extend(listers[si].iter().copied());

        let (by_category, by_risk, attacks_by_category, attacks_by_tool, explicit_tools, applied) =
            lists(config, servers, attacks);
        self.applied = applied;
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

    /// The attacks that apply to a tool, each with how it reaches the tool,
    /// in page order: entries naming the tool, then by how many of their
    /// signals the tool shows, then most severe, then by title.
    pub fn attacks_for(
        &self,
        id: ToolId,
        tool: &crate::catalogue::Tool,
        attacks: &[Attack],
    ) -> Vec<(usize, Reach)> {
        let named = self.attacks_by_tool.get(&id);
        let in_category = &self.attacks_by_category[tool.class.category];
        let mut list: Vec<(usize, Reach)> = attacks
            .iter()
            .enumerate()
            .filter_map(|(ai, a)| {
                let reach = signals::reach(
                    &signals::needed(a),
                    named.is_some_and(|n| n.contains(&ai)),
                    in_category.contains(&ai),
                    tool,
                )?;
                Some((ai, reach))
            })
            .collect();
        list.sort_by(|(a, ra), (b, rb)| {
            rb.strength()
                .cmp(&ra.strength())
                .then(attacks[*b].severity.cmp(&attacks[*a].severity))
                .then(attacks[*a].title.cmp(&attacks[*b].title))
                .then(a.cmp(b))
        });
        list
    }

    /// What each of `id`'s related tools shares with it, in a sentence
    /// each, in list order. The tool's own terms are read once for all.
    pub fn related_reasons(&self, servers: &[Server], id: ToolId) -> Vec<String> {
        let tool = &servers[id.server as usize].tools[id.tool as usize];
        let mine = related::terms_of(tool);
        let words = &self.words[tool.class.category];
        self.related[id.server as usize][id.tool as usize]
            .iter()
            .map(|&other| related::reason(words, &mine, other))
            .collect()
    }

    /// The tools an attack entry applies to, in page order: the tools it
    /// names, then the others it reaches, in id order.
    pub fn attack_tools(&self, ai: usize) -> Vec<ToolId> {
        attack_tools_in(&self.explicit_tools[ai], &self.applied[ai]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::related::{self, best};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_reason_quotes_the_longest_shared_description_words() {
        let id = |tool: u32| ToolId { server: 1, tool };
        let other = id(0);
        let mut words = CategoryWords::default();
        // Whatever their counts, the longest words are quoted.
        for (term, tools) in [
            ("d:look", 40),
            ("d:name", 60),
            ("d:specific", 30),
            ("d:snowflake", 2),
            ("d:warehouse", 2),
            ("n:run", 2),
        ] {
            words
                .postings
                .insert(term.into(), (0..tools).map(id).collect());
        }
        let mine: Vec<String> = [
            "d:look",
            "d:name",
            "d:snowflake",
            "d:specific",
            "d:warehouse",
            "n:run",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            related::reason(&words, &mine, other),
            "Its name shares run; both descriptions mention snowflake, warehouse, specific."
        );
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
                .map(|&(server, tool, score)| {
                    let value = f32::from(score);
                    (ToolId { server, tool }, related::Score { value, evidence: u16::from(score), described: 0.0 })
                })
                .collect();
            let mut all: Vec<(ToolId, f32)> = scores
                .iter()
                .filter(|(_, s)| s.evidence >= 2)
                .map(|(&k, s)| (k, s.value))
                .collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let head: Vec<ToolId> = all.into_iter().take(n).map(|(k, _)| k).collect();
            prop_assert_eq!(best(&scores, n), head);
        }

        /// The worked-out place of every tool is its place in the walked
        /// sequence, and a tool not in it has none.
        #[test]
        fn attack_positions_match_the_walk(
            reached in prop::collection::btree_set(0usize..120, 0..80),
            named in prop::collection::vec(0usize..140, 0..6),
        ) {
            let id = |i: usize| ToolId { server: (i / 10) as u32, tool: (i % 10) as u32 };
            let applied: Vec<ToolId> = reached.iter().map(|&i| id(i)).collect();
            let explicit: Vec<ToolId> = named.iter().map(|&i| id(i)).collect();
            let walked: Vec<ToolId> = attack_tools_in(&explicit, &applied).collect();
            for (p, &t) in walked.iter().enumerate() {
                prop_assert_eq!(attack_position(&explicit, &applied, t), Some(p));
            }
            for i in 0..150 {
                if !walked.contains(&id(i)) {
                    prop_assert_eq!(attack_position(&explicit, &applied, id(i)), None);
                }
            }
        }
    }
}
