//! Related tools: an inverted index, within each category, of the terms
//! that say what a tool does: its name words, its argument names and its
//! description's content words (stop words dropped). A shared term counts
//! for more the rarer it is, and a name word for more than an argument
//! name, which counts for more than a description word; all the shared
//! description words together add at most [`DESCRIPTION_CAP`] (a long
//! description's boilerplate must not outvote what the names say). Common
//! verbs and generic argument names count nothing. Terms shared by
//! too many tools are not walked, and only a tool's rarest description
//! words are, so the cost per tool stays flat. A tool that shares too
//! little with any other gets fewer related tools, never unrelated ones.
//! The index is kept so that one server's change updates it without
//! recomputing every tool ([`Index::listed_by`](super::Index) says which
//! lists it can reach).

use crate::catalogue::Tool;
use crate::catalogue::model::{Server, ToolId};
use crate::classify::features::stem;
use crate::classify::name_tokens;

use super::RELATED;

/// Terms shared by more tools than this are too common to say anything.
pub(super) const MAX_POSTING: usize = 256;
/// Description words shared by more tools than this are not walked.
const MAX_DESCRIPTION_POSTING: usize = 128;
/// How many of a tool's description words (its rarest) are walked.
const DESCRIPTION_WALKED: usize = 12;
/// How many description words of a tool are indexed.
const DESCRIPTION_KEPT: usize = 40;
/// The most the shared description words add to a score: one shared name
/// word shared by few tools is worth more than any number of them.
const DESCRIPTION_CAP: f32 = 0.5;
/// How much evidence a related tool needs: a shared name word that is not
/// a common verb counts 2, an argument name that is not a generic one or a
/// description word 1, a common verb or a generic argument nothing (two
/// tools that both "create" or both take an `id` do not do the same thing).
const ENOUGH: u16 = 2;
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

/// One category's terms: an inverted index.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct CategoryWords {
    /// Term → the category's tools that have it, in id order.
    pub(super) postings: foldhash::HashMap<String, Vec<ToolId>>,
}

impl CategoryWords {
    pub(super) fn build(servers: &[Server], ids: &[ToolId]) -> CategoryWords {
        let mut postings = foldhash::HashMap::<String, Vec<ToolId>>::default();
        for &id in ids {
            for term in terms_of(tool_of(servers, id)) {
                postings.entry(term).or_default().push(id);
            }
        }
        CategoryWords { postings }
    }

    /// How many tools have `term`.
    pub(super) fn len(&self, term: &str) -> usize {
        self.postings.get(term).map_or(0, Vec::len)
    }

    pub(super) fn remove(&mut self, tool: &Tool, id: ToolId) {
        for term in terms_of(tool) {
            if let Some(list) = self.postings.get_mut(&term) {
                if let Ok(i) = list.binary_search(&id) {
                    list.remove(i);
                }
                if list.is_empty() {
                    self.postings.remove(&term);
                }
            }
        }
    }

    pub(super) fn insert(&mut self, tool: &Tool, id: ToolId) {
        for term in terms_of(tool) {
            let list = self.postings.entry(term).or_default();
            if let Err(i) = list.binary_search(&id) {
                list.insert(i, id);
            }
        }
    }
}

fn tool_of(servers: &[Server], id: ToolId) -> &Tool {
    &servers[id.server as usize].tools[id.tool as usize]
}

/// Name words so common in tool names that sharing one says little.
const COMMON_VERBS: &[&str] = &[
    "get", "list", "create", "add", "update", "delete", "remove", "set", "read", "write", "search",
    "find", "fetch", "put", "post", "show", "describe", "make", "new", "edit", "modify", "query",
    "check", "info", "by", "all", "to", "of", "for", "and", "or", "with", "from", "in", "on",
    "use", "do", "perform", "manage", "handle", "process", "change", "view", "retrieve", "details",
    "detail", "item", "items", "data", "one", "many", "multiple", "batch", "bulk", "id", "ids",
    "start",
];

/// Argument names nearly every kind of tool takes: sharing one says
/// nothing about what two tools do.
const GENERIC_ARGUMENTS: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "limit",
    "offset",
    "page",
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "cursor",
    "after",
    "before",
    "format",
    "verbose",
    "fields",
    "sort",
    "order",
    "order_by",
    "sort_by",
    "filter",
    "filters",
    "options",
    "params",
    "parameters",
    "type",
    "description",
    "title",
    "include",
    "timeout",
    "max_results",
    "maxresults",
    "count",
];

/// Description words that say nothing about what a tool does.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "from",
    "this",
    "that",
    "are",
    "will",
    "can",
    "use",
    "used",
    "you",
    "your",
    "into",
    "when",
    "which",
    "return",
    "returns",
    "returned",
    "given",
    "specified",
    "based",
    "using",
    "one",
    "all",
    "any",
    "each",
    "its",
    "not",
    "has",
    "have",
    "was",
    "were",
    "been",
    "but",
    "also",
    "only",
    "may",
    "must",
    "should",
    "such",
    "than",
    "then",
    "there",
    "these",
    "those",
    "their",
    "them",
    "they",
    "what",
    "who",
    "how",
    "other",
    "more",
    "most",
    "some",
    "about",
    "over",
    "under",
    "after",
    "before",
    "via",
    "per",
    "out",
    "tool",
    "tools",
    "optional",
    "required",
    "default",
    "provided",
    "provide",
    "provides",
    "information",
    "data",
    "get",
    "gets",
    "list",
    "lists",
    "new",
    "like",
    "etc",
    "e.g",
    "i.e",
    // Words that describe any tool's call, not what it touches.
    "specific",
    "particular",
    "including",
    "include",
    "includes",
    "multiple",
    "single",
    "operation",
    "operations",
    "allowed",
    "allow",
    "allows",
    "need",
    "needs",
    "call",
    "calls",
    "user",
    "users",
    "request",
    "requests",
    "response",
    "result",
    "results",
    "resource",
    "resources",
    "ids",
    "name",
    "names",
    "exact",
    "style",
    "make",
    "change",
    "changes",
    "current",
    "value",
    "values",
    "field",
    "fields",
    "type",
    "types",
    "option",
    "options",
    "parameter",
    "parameters",
    "item",
    "items",
    "object",
    "objects",
    "detail",
    "details",
    "detailed",
    "example",
    "format",
    "string",
    "number",
    "true",
    "false",
    "null",
    "available",
    "existing",
    "different",
    "various",
    "following",
    "useful",
    "want",
    "helpful",
    "support",
    "supports",
    "first",
    "next",
    "page",
    "limit",
    "otherwise",
    "instead",
    "either",
    "whether",
    // How a server is configured, not what a tool does ("credentials come
    // from environment variables").
    "environment",
    "variable",
    "variables",
    "credentials",
    "configured",
    "within",
    "without",
    "between",
    "through",
    "where",
    "while",
    "well",
    "very",
    "just",
    "even",
    "still",
    "already",
    "alway",
    "never",
    "able",
    "two",
    "three",
    "argument",
    "arguments",
    "input",
    "output",
    "look",
    "way",
];

/// A tool's distinct terms, sorted: `n:` name words, `a:` argument names,
/// `d:` description content words (the first [`DESCRIPTION_KEPT`]).
pub(super) fn terms_of(tool: &Tool) -> Vec<String> {
    let mut terms: Vec<String> = name_tokens(&tool.name)
        .into_iter()
        .map(|w| format!("n:{}", stem(&w)))
        .collect();
    terms.extend(
        tool.arguments
            .iter()
            .map(|a| format!("a:{}", a.name.to_lowercase())),
    );
    let mut kept = 0;
    for w in tool
        .plain_description
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
    {
        let w = stem(&w.to_lowercase());
        if STOP_WORDS.contains(&w.as_str()) || COMMON_VERBS.contains(&w.as_str()) {
            continue;
        }
        let term = format!("d:{w}");
        if !terms.contains(&term) {
            terms.push(term);
            kept += 1;
            if kept >= DESCRIPTION_KEPT {
                break;
            }
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// What a shared term weighs before rarity, and the evidence it counts.
fn weight(term: &str) -> (f32, u16) {
    match term.split_at(2) {
        ("n:", w) if COMMON_VERBS.contains(&w) => (0.0, 0),
        ("n:", _) => (1.0, 2),
        ("a:", w) if GENERIC_ARGUMENTS.contains(&w) => (0.0, 0),
        ("a:", _) => (0.6, 1),
        _ => (0.35, 1),
    }
}

/// A candidate's score and evidence.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Score {
    pub(super) value: f32,
    pub(super) evidence: u16,
    /// How much of `value` the description words gave.
    pub(super) described: f32,
}

/// Related-tool scores by tool, cleared for each tool.
pub(super) type Scores = foldhash::HashMap<ToolId, Score>;

/// The terms of `tool` that are walked: every name word and argument name
/// shared by at most [`MAX_POSTING`] tools, and the rarest description
/// words (by how many tools have them, then the word).
fn walked(ci: &CategoryWords, tool: &Tool) -> Vec<String> {
    let mut out = Vec::new();
    let mut description = Vec::new();
    for term in terms_of(tool) {
        let n = ci.len(&term);
        if term.starts_with("d:") {
            if n <= MAX_DESCRIPTION_POSTING {
                description.push((n, term));
            }
        } else if n <= MAX_POSTING && weight(&term).0 > 0.0 {
            out.push(term);
        }
    }
    description.sort();
    out.extend(
        description
            .into_iter()
            .take(DESCRIPTION_WALKED)
            .map(|(_, t)| t),
    );
    out
}

/// The related tools of one tool: the other servers' tools of its category
/// whose shared terms weigh most, among those with enough evidence.
pub(super) fn related_to(
    servers: &[Server],
    words: &[CategoryWords],
    id: ToolId,
    scores: &mut Scores,
) -> Vec<ToolId> {
    let t = tool_of(servers, id);
    let ci = &words[t.class.category];
    scores.clear();
    for term in walked(ci, t) {
        let Some(posting) = ci.postings.get(&term) else {
            continue;
        };
        let (base, evidence) = weight(&term);
        let value = base / (posting.len() as f32).ln_1p();
        let described = term.starts_with("d:");
        for &other in posting {
            if other.server != id.server {
                let s = scores.entry(other).or_default();
                if described {
                    let add = value.min(DESCRIPTION_CAP - s.described).max(0.0);
                    s.described += add;
                    s.value += add;
                } else {
                    s.value += value;
                }
                s.evidence += evidence;
            }
        }
    }
    best(scores, RELATED)
}

/// The `n` best-scoring tools with enough evidence, best first, ties by
/// id. Only those are sorted: most tools score against hundreds of others.
pub(super) fn best(scores: &Scores, n: usize) -> Vec<ToolId> {
    let mut ranked: Vec<(ToolId, f32)> = scores
        .iter()
        .filter(|(_, s)| s.evidence >= ENOUGH)
        .map(|(&k, s)| (k, s.value))
        .collect();
    let best_first = |a: &(ToolId, f32), b: &(ToolId, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if ranked.len() > n {
        ranked.select_nth_unstable_by(n, best_first);
        ranked.truncate(n);
    }
    ranked.sort_unstable_by(best_first);
    ranked.into_iter().map(|(k, _)| k).collect()
}

/// What `other` shares with `tool` among the terms that count (shared by
/// at most [`MAX_POSTING`] tools), as one short sentence of plain text.
/// `mine` is the tool's own [`terms_of`]; whether `other` has a term is
/// read from the term's posting list (short, for the terms that count),
/// so the other tool's terms are never recomputed.
pub(super) fn reason(ci: &CategoryWords, mine: &[String], other: ToolId) -> String {
    let shared: Vec<&String> = mine
        .iter()
        .filter(|t| {
            ci.postings
                .get(t.as_str())
                .is_some_and(|p| p.len() <= MAX_POSTING && p.binary_search(&other).is_ok())
        })
        .collect();
    let of = |prefix: &str| -> Vec<&str> {
        shared
            .iter()
            .filter_map(|t| t.strip_prefix(prefix))
            .collect()
    };
    let mut parts = Vec::new();
    // A shared common verb is no reason: it gave the tool no evidence.
    let names: Vec<&str> = of("n:")
        .into_iter()
        .filter(|w| !COMMON_VERBS.contains(w))
        .take(3)
        .collect();
    if !names.is_empty() {
        parts.push(format!("its name shares {}", names.join(", ")));
    }
    let args: Vec<&str> = of("a:")
        .into_iter()
        .filter(|a| !GENERIC_ARGUMENTS.contains(a))
        .take(3)
        .collect();
    if !args.is_empty() {
        let quoted: Vec<String> = args.iter().map(|a| format!("`{a}`")).collect();
        parts.push(format!("it also takes {}", quoted.join(", ")));
    }
    // The longest shared description words say most of what the two have
    // in common (`warehouse` rather than `name`). Length, not rarity: a
    // word's count changes with every other server, and a page's reasons
    // must not (an incremental build re-renders only the pages a change
    // reaches). A word the names already share is not said twice.
    let mut described: Vec<&str> = shared
        .iter()
        .filter_map(|t| t.strip_prefix("d:"))
        .filter(|w| !names.contains(w))
        .collect();
    described.sort_by_key(|w| (std::cmp::Reverse(w.chars().count()), *w));
    described.truncate(3);
    if !described.is_empty() {
        parts.push(format!(
            "both descriptions mention {}",
            described.join(", ")
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    crate::text::capitalize(&format!("{}.", parts.join("; ")))
}
