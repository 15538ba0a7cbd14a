//! Search records: what each result of a search is (a tool, a server or an
//! attack entry), what it shows, and the words it is found by, with their
//! scores. Built from the catalogue model, never from rendered pages; the
//! index format they are cut into is [`super`]'s.

use rayon::prelude::*;

use super::{HashMap, MAX_WORD_CHARS};
use crate::catalogue::{Catalogue, Server, Tool};
use crate::config::{Config, Risk};
use crate::routes::Route;
use crate::text;

/// Longest excerpt kept in a record, in characters.
const EXCERPT_CHARS: usize = 160;

/// What a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tool,
    Server,
    Attack,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Server => "server",
            Kind::Attack => "attack",
        }
    }
}

/// One searchable item: a tool, server or attack page.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// URL relative to the site's base (`servers/x/`), so that the index
    /// does not depend on where the site is served from.
    pub url: String,
    pub kind: Kind,
    /// What the result is called: a tool's name (what an agent calls and a
    /// policy names, so that every tool of a list is named alike), a
    /// server's name, an attack entry's title.
    pub title: String,
    /// A tool's title, when the server gives one other than its name.
    pub name: String,
    pub server: String,
    pub category: String,
    pub risk: Option<Risk>,
    pub excerpt: String,
    /// A server's tool count, an attack entry's class.
    pub extra: String,
    /// Indexes into the site's categories, for the category filter.
    pub categories: Vec<usize>,
    /// Every word the record is found by, with its score (the best of the
    /// fields it is in), sorted by word.
    pub words: Vec<(String, u8)>,
}

/// Cuts `text` into index words (see the module docs); `search.js` cuts
/// queries the same way.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut after_lower_or_digit = false;
    let finish = |current: &mut String, out: &mut Vec<String>| {
        if current.is_empty() {
        } else if current.is_ascii() {
            let mut word = current[..current.len().min(MAX_WORD_CHARS)].to_string();
            word.make_ascii_lowercase();
            out.push(word);
        } else {
            out.push(
                current
                    .to_lowercase()
                    .chars()
                    .take(MAX_WORD_CHARS)
                    .collect(),
            );
        }
        current.clear();
    };
    for c in text.chars() {
        if c.is_alphabetic() || c.is_numeric() {
            if c.is_uppercase() && after_lower_or_digit {
                finish(&mut current, &mut out);
            }
            current.push(c);
            after_lower_or_digit = c.is_lowercase() || c.is_numeric();
        } else {
            finish(&mut current, &mut out);
            after_lower_or_digit = false;
        }
    }
    finish(&mut current, &mut out);
    out
}

/// A name as typed, marked with a leading `=` (which no word has):
/// lower-cased, spaces collapsed, cut to [`MAX_WORD_CHARS`]. It tells apart
/// names that have the same words (`get_issue`, `getIssue`), so the one typed
/// exactly ranks first.
pub fn literal(name: &str) -> String {
    let spaced = name.split_whitespace().collect::<Vec<_>>().join(" ");
    std::iter::once('=')
        .chain(spaced.to_lowercase().chars().take(MAX_WORD_CHARS))
        .collect()
}

/// A record's words, each at the best score of the fields it is in.
struct Scorer {
    best: HashMap<String, u8>,
    /// False when only what a record shows is wanted, not its words.
    on: bool,
}

impl Scorer {
    fn new(on: bool) -> Scorer {
        Scorer {
            best: HashMap::default(),
            on,
        }
    }

    fn put(&mut self, word: String, score: u8) {
        let e = self.best.entry(word).or_insert(0);
        *e = (*e).max(score);
    }

    /// Adds `text`'s words at `weight` (1 for running text, up to 12).
    fn field(&mut self, weight: u8, text: &str) {
        if !self.on {
            return;
        }
        for w in words(text) {
            self.put(w, weight * 16);
        }
    }

    /// Adds a name: its words and the words run together, at `weight`, with
    /// a bonus for short names, so that the tool called exactly what was
    /// typed ranks above the ones whose name merely starts with it.
    fn name(&mut self, weight: u8, name: &str) {
        if !self.on {
            return;
        }
        let ws = words(name);
        let bonus = 15u8.saturating_sub(ws.len().saturating_sub(1).min(15) as u8);
        let score = weight * 16 + bonus;
        if ws.len() > 1 {
            let joined: String = ws.concat().chars().take(MAX_WORD_CHARS).collect();
            self.put(joined, score);
        }
        let literal = literal(name);
        if literal.len() > 1 && (ws.len() > 1 || ws.first().is_none_or(|w| literal[1..] != **w)) {
            self.put(literal, score);
        }
        for w in ws {
            self.put(w, score);
        }
    }

    fn done(self) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = self.best.into_iter().collect();
        out.sort_unstable();
        out
    }
}

fn category_index(config: &Config, name: &str) -> Option<usize> {
    config.categories.iter().position(|c| c.name == name)
}

fn tool_record(cat: &Catalogue, s: &Server, t: &Tool, with_words: bool) -> Record {
    let category = &cat.config.categories[t.class.category].name;
    let risk = t.risk();
    let title = t.display_name();
    let mut words = Scorer::new(with_words);
    words.name(10, &t.shown_name);
    if title != t.shown_name {
        words.field(6, title);
    }
    words.field(3, &s.name);
    words.field(2, &format!("{category} {}", risk.as_str()));
    words.field(1, &t.plain_description);
    Record {
        url: Route::Tool {
            server: &s.slug,
            tool: &t.slug,
        }
        .path(),
        kind: Kind::Tool,
        title: t.shown_name.clone(),
        name: if title != t.shown_name {
            title.to_string()
        } else {
            String::new()
        },
        server: s.name.clone(),
        category: category.clone(),
        risk: Some(risk),
        excerpt: t.summary.clone(),
        extra: String::new(),
        categories: vec![t.class.category],
        words: words.done(),
    }
}

fn server_record(s: &Server, with_words: bool) -> Record {
    let mut categories: Vec<usize> = s.tools.iter().map(|t| t.class.category).collect();
    categories.sort_unstable();
    categories.dedup();
    let description = crate::markdown::plain_text(&s.description);
    let mut words = Scorer::new(with_words);
    words.name(8, &s.name);
    words.field(6, &s.slug);
    words.field(2, s.repository.as_deref().unwrap_or(""));
    words.field(1, &description);
    Record {
        url: Route::Server(&s.slug).path(),
        kind: Kind::Server,
        title: s.name.clone(),
        name: String::new(),
        server: String::new(),
        category: String::new(),
        risk: s.overall_risk(),
        excerpt: text::one_line(&description, EXCERPT_CHARS),
        extra: text::count_s(s.tools.len(), "tool"),
        categories,
        words: words.done(),
    }
}

fn attack_record(config: &Config, a: &crate::content::Attack, with_words: bool) -> Record {
    let mut words = Scorer::new(with_words);
    words.name(8, &a.title);
    words.field(3, &a.class);
    words.field(1, &a.summary);
    words.field(1, &a.categories.join(" "));
    let mut categories: Vec<usize> = a
        .categories
        .iter()
        .filter_map(|c| category_index(config, c))
        .collect();
    categories.sort_unstable();
    categories.dedup();
    Record {
        url: Route::Attack(&a.slug).path(),
        kind: Kind::Attack,
        title: a.title.clone(),
        name: String::new(),
        server: String::new(),
        category: String::new(),
        risk: Some(a.severity),
        excerpt: text::one_line(&a.summary, EXCERPT_CHARS),
        extra: a.class.clone(),
        categories,
        words: words.done(),
    }
}

/// The records of one server: its tools, then itself (the order of the
/// index).
pub fn server_records(cat: &Catalogue, s: &Server) -> Vec<Record> {
    let mut out: Vec<Record> = s
        .tools
        .iter()
        .map(|t| tool_record(cat, s, t, true))
        .collect();
    out.push(server_record(s, true));
    out
}

/// Where record `id` comes from: a tool (server, tool), a server, or an
/// attack entry.
#[derive(Clone, Copy)]
pub(super) enum Source {
    Tool(usize, usize),
    Server(usize),
    Attack(usize),
}

pub(super) fn sources(cat: &Catalogue) -> Vec<Source> {
    let mut out = Vec::with_capacity(cat.tool_count() + cat.servers.len() + cat.attacks.len());
    for (si, s) in cat.servers.iter().enumerate() {
        out.extend((0..s.tools.len()).map(|ti| Source::Tool(si, ti)));
        out.push(Source::Server(si));
    }
    out.extend((0..cat.attacks.len()).map(Source::Attack));
    out
}

/// Record `source`; without `with_words`, only what it shows and its
/// filters.
pub(super) fn record(cat: &Catalogue, source: Source, with_words: bool) -> Record {
    match source {
        Source::Tool(si, ti) => {
            let s = &cat.servers[si];
            tool_record(cat, s, &s.tools[ti], with_words)
        }
        Source::Server(si) => server_record(&cat.servers[si], with_words),
        Source::Attack(ai) => attack_record(&cat.config, &cat.attacks[ai], with_words),
    }
}

/// Every record of the catalogue, in index order: each server's tools and
/// then the server, then the attack entries.
pub fn records(cat: &Catalogue) -> Vec<Record> {
    sources(cat)
        .into_par_iter()
        .map(|s| record(cat, s, true))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn words_split_on_separators_and_case_changes() {
        assert_eq!(words("get_file_contents"), ["get", "file", "contents"]);
        assert_eq!(words("getFileContents"), ["get", "file", "contents"]);
        assert_eq!(words("files.read-v2"), ["files", "read", "v2"]);
        assert_eq!(words("HTTPServer x2Y"), ["httpserver", "x2", "y"]);
        assert_eq!(words("Café ÜBER straße"), ["café", "über", "straße"]);
        assert_eq!(
            words("<img onerror=alert(1)>"),
            ["img", "onerror", "alert", "1"]
        );
        assert_eq!(words("  ,;  "), Vec::<String>::new());
        // Long words are cut at MAX_WORD_CHARS characters, ASCII or not.
        let long = format!("{}Tail", "A".repeat(MAX_WORD_CHARS + 5));
        assert_eq!(words(&long), ["a".repeat(MAX_WORD_CHARS)]);
        let long = "É".repeat(MAX_WORD_CHARS + 5);
        assert_eq!(words(&long), ["é".repeat(MAX_WORD_CHARS)]);
        let long = "a".repeat(60);
        assert_eq!(words(&long), ["a".repeat(MAX_WORD_CHARS)]);
    }

    #[test]
    fn names_outscore_text_and_short_names_outscore_long_ones() {
        let mut s = Scorer::new(true);
        s.name(10, "list_notes");
        s.field(1, "Lists notes and more notes");
        let w: BTreeMap<String, u8> = s.done().into_iter().collect();
        assert_eq!(w["list"], 10 * 16 + 14);
        assert_eq!(w["notes"], 10 * 16 + 14, "the best field wins");
        assert_eq!(w["listnotes"], 10 * 16 + 14, "the name run together");
        assert_eq!(w["lists"], 16);
        assert_eq!(w["and"], 16);
        let mut long = Scorer::new(true);
        long.name(10, "list_notes_by_tag");
        let l: BTreeMap<String, u8> = long.done().into_iter().collect();
        assert!(l["list"] < w["list"]);
        assert_eq!(l["listnotesbytag"], 10 * 16 + 12);
        assert_eq!(w["=list_notes"], 10 * 16 + 14, "the name as typed");
        let mut one = Scorer::new(true);
        one.name(10, "search");
        let o: BTreeMap<String, u8> = one.done().into_iter().collect();
        assert_eq!(o.len(), 1, "a one-word name is not indexed twice: {o:?}");
        let mut camel = Scorer::new(true);
        camel.name(10, "getIssue");
        let c: Vec<String> = camel.done().into_iter().map(|(w, _)| w).collect();
        assert_eq!(c, ["=getissue", "get", "getissue", "issue"]);
        assert_eq!(literal("  Job \t Runner "), "=job runner");
    }
}
