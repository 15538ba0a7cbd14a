//! Which attack entries apply to a tool, from the tool's own evidence.
//!
//! An entry reaches a tool it names, or a tool of one of its categories
//! that shows one of the entry's *signals*: an argument of a risky kind
//! (from `classify::arguments`), a finding of the classifier, or a word of
//! the name. The signals an entry needs are its front matter's `signals`
//! when it has them, else those of its `class` in [`CLASS_SIGNALS`]; an
//! entry with none applies to every tool of its categories. How many
//! signals match is the strength the tool page ranks by, and the first
//! matches make the sentence saying why the entry applies.

use crate::catalogue::Tool;
use crate::classify::FindingKind;
use crate::classify::arguments::ArgumentRisk;
use crate::classify::name_tokens;
pub use crate::classify::signals::{SIGNALS, Signal, names, parse};
use crate::content::Attack;

/// The signals an entry of each class needs when its front matter names
/// none. A class not listed needs none: its entries apply to every tool of
/// their categories. Documented in docs/content-format.md.
pub const CLASS_SIGNALS: &[(&str, &[&str])] = &[
    (
        "Prompt injection",
        &["outside-text", "address", "instructions"],
    ),
    (
        "Data security",
        &["path", "address", "recipient", "code", "bulk", "secrets"],
    ),
    ("Access control", &["code", "path", "address", "bulk"]),
];

/// Name words that say a tool starts work.
const STARTS_WORK: &[&str] = &[
    "run", "runs", "rerun", "start", "trigger", "launch", "execute", "exec", "invoke", "dispatch",
    "deploy", "build", "schedule", "submit", "retry", "job", "jobs", "workflow", "pipeline",
];
/// Name words that say a tool returns text someone else wrote.
const OUTSIDE_TEXT: &[&str] = &[
    "issue", "issues", "comment", "comments", "message", "messages", "history", "page", "pages",
    "web", "fetch", "browse", "browser", "snapshot", "email", "emails", "mail", "ticket",
    "tickets", "post", "posts", "thread", "content", "contents", "document", "block", "channel",
    "scrape", "crawl", "url", "search",
];
/// Name words about secrets.
const SECRETS: &[&str] = &[
    "secret",
    "secrets",
    "token",
    "tokens",
    "credential",
    "credentials",
    "password",
    "passwords",
    "key",
    "keys",
    "env",
    "config",
];

/// The signals `attack` needs, and whether it needs any.
pub fn needed(attack: &Attack) -> Vec<Signal> {
    if let Some(own) = &attack.signals {
        return own.clone();
    }
    CLASS_SIGNALS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(attack.class.trim()))
        .map(|(_, names)| names.iter().filter_map(|n| parse(n)).collect())
        .unwrap_or_default()
}

/// One piece of evidence that matched, with the words the reason quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub signal: Signal,
    /// The argument name or name word that showed it, if any.
    pub quote: Option<String>,
}

/// The evidence `tool` shows for `signal`, if any.
pub fn shows(tool: &Tool, signal: Signal) -> Option<Matched> {
    let found = |quote: Option<String>| Some(Matched { signal, quote });
    let finding =
        |kinds: &[FindingKind]| tool.class.findings.iter().any(|f| kinds.contains(&f.kind));
    let word = |list: &[&str]| {
        name_tokens(&tool.name)
            .into_iter()
            .find(|w| list.contains(&w.as_str()))
    };
    match signal {
        Signal::Argument(kind) => tool
            .arguments
            .iter()
            .find(|a| a.risk == Some(kind))
            .and_then(|a| found(Some(a.name.clone()))),
        Signal::Secrets if finding(&[FindingKind::SecretAccess]) => found(None),
        Signal::Secrets => word(SECRETS).and_then(|w| found(Some(w))),
        Signal::Instructions
            if finding(&[
                FindingKind::ModelInstructions,
                FindingKind::HiddenCharacters,
            ]) =>
        {
            found(None)
        }
        Signal::Shadowing if finding(&[FindingKind::Shadowing]) => found(None),
        Signal::Changed if finding(&[FindingKind::ChangedAfterReview]) => found(None),
        Signal::StartsWork => word(STARTS_WORK).and_then(|w| found(Some(w))),
        Signal::OutsideText => match word(OUTSIDE_TEXT) {
            Some(w) => found(Some(w)),
            None if tool
                .annotations
                .as_ref()
                .is_some_and(|a| a.open_world_hint == Some(true)) =>
            {
                found(None)
            }
            None => None,
        },
        _ => None,
    }
}

/// How an entry reaches a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The entry names the tool.
    Named,
    /// The tool is of one of the entry's categories, which needs no signal.
    Category,
    /// The tool is of one of the entry's categories and shows these of
    /// its signals (at least one).
    Evidence(Vec<Matched>),
}

impl Reach {
    /// How strongly the evidence matches: named first, then by how many
    /// signals match, then category alone.
    pub fn strength(&self) -> usize {
        match self {
            Reach::Named => usize::MAX,
            Reach::Category => 0,
            Reach::Evidence(m) => m.len(),
        }
    }
}

/// How an entry reaches `tool` (`named` by it; `in_category`: of one of
/// its categories), or `None`.
/// `needed` is [`needed`] of the entry.
pub fn reach(needed: &[Signal], named: bool, in_category: bool, tool: &Tool) -> Option<Reach> {
    if named {
        return Some(Reach::Named);
    }
    if !in_category {
        return None;
    }
    if needed.is_empty() {
        return Some(Reach::Category);
    }
    let matched: Vec<Matched> = needed.iter().filter_map(|&s| shows(tool, s)).collect();
    (!matched.is_empty()).then_some(Reach::Evidence(matched))
}

/// One sentence saying why an entry applies to `tool`, as plain text.
pub fn reason(reach: &Reach, tool: &Tool, category: &str) -> String {
    let name = &tool.shown_name;
    match reach {
        Reach::Named => {
            format!("This entry names `{name}` as a tool the pattern has been seen with.")
        }
        Reach::Category => format!(
            "Applies to every {category} tool, and `{name}` is {} {category} tool.",
            crate::text::article(category)
        ),
        Reach::Evidence(matched) => {
            let parts: Vec<String> = matched.iter().take(2).map(phrase).collect();
            format!("Applies because {}.", parts.join(", and "))
        }
    }
}

/// What one matched signal shows, as a clause.
fn phrase(m: &Matched) -> String {
    let q = m.quote.as_deref().unwrap_or("");
    match m.signal {
        Signal::Argument(kind) => format!("`{q}` {}", argument_phrase(kind)),
        Signal::Secrets if q.is_empty() => "its description asks for secrets or keys".to_string(),
        Signal::Secrets => format!("its name is about secrets (`{q}`)"),
        Signal::Instructions => {
            "its definition carries hidden characters or instructions to the model".to_string()
        }
        Signal::Shadowing => "its name copies another server's well-known tool".to_string(),
        Signal::Changed => "its definition became more dangerous after it was recorded".to_string(),
        Signal::StartsWork => {
            format!("its name says it starts work (`{q}`), which can be repeated")
        }
        Signal::OutsideText if q.is_empty() => {
            "it declares that it reaches the open world, so what it returns is others' text"
                .to_string()
        }
        Signal::OutsideText => {
            format!("it returns text other people wrote (its name says `{q}`)")
        }
    }
}

fn argument_phrase(kind: ArgumentRisk) -> &'static str {
    match kind {
        ArgumentRisk::Code => "takes free-form code, a command or a query",
        ArgumentRisk::Path => "names a file or folder",
        ArgumentRisk::Money => "sets an amount of money",
        ArgumentRisk::Flag => "is a flag that widens the effect or skips a check",
        ArgumentRisk::Address => "lets the caller point it at any address",
        ArgumentRisk::Recipient => "chooses who receives what it sends",
        ArgumentRisk::Bulk => "is a list, so one call acts on many items",
    }
}
