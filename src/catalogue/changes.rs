//! What a tool's history says, read once per build for the pages: each
//! recorded change with a word-level diff of the description, the schema
//! properties added and removed and the annotations changed, and the
//! "changed after review" finding when a change made the tool more
//! dangerous (a poisoning marker added, a free-form code, command or path
//! input added, or the category raised).
//!
//! Older definitions are rebuilt from the newest one and each entry's
//! previous values ([`history::before`]); the walk stops at an entry whose
//! previous text was cut.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::history::{self, ToolChange};
use super::record::ToolRecord;
use crate::classify::arguments::{ArgumentRisk, risky_arguments};
use crate::classify::{Finding, FindingKind, classify};
use crate::config::Config;

/// One run of words in a description diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffPart {
    /// `same`, `removed` or `added`.
    pub op: DiffOp,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Same,
    Removed,
    Added,
}

/// One recorded change of a tool's definition, as pages show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeNote {
    pub date: String,
    /// The definition fields that changed, in the record's words.
    pub fields: Vec<String>,
    /// The description before and after, word by word; empty when the
    /// description did not change or its previous text was not kept whole.
    pub description_diff: Vec<DiffPart>,
    pub properties_added: Vec<String>,
    pub properties_removed: Vec<String>,
    /// `readOnlyHint: true → false`, and the like.
    pub annotations_changed: Vec<String>,
    /// Why this change made the tool more dangerous; empty when it did not.
    pub after_review: Vec<String>,
    /// True when the previous definition could not be rebuilt (cut text),
    /// so only the field names are known.
    pub partial: bool,
}

/// A tool's history for the pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolHistory {
    /// The date of the first recorded definition.
    pub since: String,
    /// The recorded changes, oldest first.
    pub changes: Vec<ChangeNote>,
    /// How many of the newest changes came after the last review
    /// (`import --pin` of an unchanged definition); all when never reviewed.
    pub unreviewed: usize,
}

/// Tools a server gained or lost at one import (the record's server
/// `history`, in a form the build state can store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEvent {
    pub date: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl From<&history::ServerChange> for ServerEvent {
    fn from(c: &history::ServerChange) -> Self {
        ServerEvent {
            date: c.date.clone(),
            added: c.added.clone(),
            removed: c.removed.clone(),
        }
    }
}

/// Reads a tool's history; `None` when it has none.
pub fn read(tool: &ToolRecord, server_slug: &str, config: &Config) -> Option<ToolHistory> {
    let first = tool.history.first()?;
    let mut out = ToolHistory {
        since: first.date.clone(),
        changes: Vec::new(),
        unreviewed: usize::MAX,
    };
    // Newest first: each step rebuilds the definition before the entry.
    let mut after = Some(tool.clone());
    for entry in tool.history.iter().rev() {
        if entry.previous.as_deref() == Some(entry.hash.as_str()) {
            // A review: the definition was pinned as it was.
            if out.unreviewed == usize::MAX {
                out.unreviewed = out.changes.len();
            }
            continue;
        }
        if entry.previous.is_none() {
            // The first version recorded: nothing before it.
            after = None;
            continue;
        }
        // The walk needs the definition this entry recorded; after a hand
        // edit, or past a pinned entry (which keeps no previous values),
        // only the entry's own words are known.
        if after
            .as_ref()
            .is_some_and(|a| history::hash(a) != entry.hash)
            || entry.changed.is_empty()
        {
            after = None;
        }
        let before = after.as_ref().and_then(|a| history::before(a, entry));
        let note = match (&after, &before) {
            (Some(a), Some(b)) => note(b, a, entry, server_slug, config),
            _ => ChangeNote {
                date: entry.date.clone(),
                fields: entry.changed.clone(),
                partial: true,
                ..ChangeNote::default()
            },
        };
        out.changes.push(note);
        after = before;
    }
    out.changes.reverse();
    out.unreviewed = out.unreviewed.min(out.changes.len());
    Some(out)
}

fn note(
    old: &ToolRecord,
    new: &ToolRecord,
    entry: &ToolChange,
    slug: &str,
    config: &Config,
) -> ChangeNote {
    let mut n = ChangeNote {
        date: entry.date.clone(),
        fields: entry.changed.clone(),
        ..ChangeNote::default()
    };
    if entry.changed.iter().any(|f| f == "description") {
        n.description_diff = word_diff(
            old.description.as_deref().unwrap_or(""),
            new.description.as_deref().unwrap_or(""),
        );
    }
    let props = |t: &ToolRecord| -> Vec<String> {
        t.input_schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (was, is) = (props(old), props(new));
    n.properties_added = is.iter().filter(|p| !was.contains(p)).cloned().collect();
    n.properties_removed = was.iter().filter(|p| !is.contains(p)).cloned().collect();
    let hints = |t: &ToolRecord| {
        let a = t.annotations.clone().unwrap_or_default();
        [
            ("readOnlyHint", a.read_only_hint),
            ("destructiveHint", a.destructive_hint),
            ("idempotentHint", a.idempotent_hint),
            ("openWorldHint", a.open_world_hint),
        ]
    };
    let show = |v: Option<bool>| v.map_or("unset".to_string(), |b| b.to_string());
    for ((k, a), (_, b)) in hints(old).into_iter().zip(hints(new)) {
        if a != b {
            n.annotations_changed
                .push(format!("{k}: {} → {}", show(a), show(b)));
        }
    }

    // Did the change make the tool more dangerous?
    let (old_class, new_class) = (classify(old, slug, config), classify(new, slug, config));
    let markers = |f: &[Finding]| -> Vec<FindingKind> {
        f.iter()
            .filter(|f| f.kind.is_poisoning())
            .map(|f| f.kind)
            .collect()
    };
    let (had, has) = (markers(&old_class.findings), markers(&new_class.findings));
    for k in has.iter().filter(|k| !had.contains(k)) {
        n.after_review.push(format!(
            "it added a tool-poisoning marker ({})",
            k.as_str().replace('_', " ")
        ));
    }
    let category = &config.categories[new_class.category].name;
    for (name, risk) in risky_arguments(new, category) {
        if matches!(risk, ArgumentRisk::Code | ArgumentRisk::Path)
            && n.properties_added.contains(&name)
        {
            n.after_review.push(format!(
                "it added the input “{}”, which {}",
                crate::classify::poison::reveal(&name),
                risk.reason()
            ));
        }
    }
    let (was_c, is_c) = (
        &config.categories[old_class.category],
        &config.categories[new_class.category],
    );
    if is_c.risk > was_c.risk {
        n.after_review.push(format!(
            "it moved the tool from {} ({} risk) to {} ({} risk)",
            was_c.name,
            was_c.risk.as_str(),
            is_c.name,
            is_c.risk.as_str()
        ));
    }
    n
}

/// The finding a tool gets when any recorded change made it more dangerous.
pub fn after_review_finding(h: &ToolHistory) -> Option<Finding> {
    let c = h
        .changes
        .iter()
        .rev()
        .take(h.unreviewed)
        .find(|c| !c.after_review.is_empty())?;
    Some(Finding {
        kind: FindingKind::ChangedAfterReview,
        quote: c.date.clone(),
        span: String::new(),
        note: format!(
            "The definition changed on {} after it was first recorded, and {}. Review the change before relying on the tool, then record the review with `toolrisk import --pin`.",
            c.date,
            crate::text::join_and(&c.after_review)
        ),
    })
}

/// The most words of each side a diff compares; past it the rest is shown
/// as removed and added whole.
const MAX_DIFF_WORDS: usize = 1500;

/// A word-level diff (words and the spaces after them as units), by the
/// longest common subsequence after the shared start and end are set aside.
pub fn word_diff(old: &str, new: &str) -> Vec<DiffPart> {
    let a = words(old);
    let b = words(new);
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<(DiffOp, &str)> = a[..pre].iter().map(|w| (DiffOp::Same, *w)).collect();
    if am.len() > MAX_DIFF_WORDS || bm.len() > MAX_DIFF_WORDS {
        ops.extend(am.iter().map(|w| (DiffOp::Removed, *w)));
        ops.extend(bm.iter().map(|w| (DiffOp::Added, *w)));
    } else {
        // lcs[i][j]: the common subsequence length of am[i..] and bm[j..].
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![0u16; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((DiffOp::Same, am[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                ops.push((DiffOp::Removed, am[i]));
                i += 1;
            } else {
                ops.push((DiffOp::Added, bm[j]));
                j += 1;
            }
        }
    }
    ops.extend(a[a.len() - suf..].iter().map(|w| (DiffOp::Same, *w)));
    // Runs of one kind become one part; removals before additions.
    let mut out: Vec<DiffPart> = Vec::new();
    for (op, w) in ops {
        match out.last_mut() {
            Some(p) if p.op == op => p.text.push_str(w),
            _ => out.push(DiffPart {
                op,
                text: w.to_string(),
            }),
        }
    }
    out
}

/// Words with the whitespace that follows each (leading space is its own unit).
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = true;
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if !space && in_space && i > start {
            out.push(&s[start..i]);
            start = i;
        }
        in_space = space;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[DiffPart]) -> String {
        parts
            .iter()
            .map(|p| match p.op {
                DiffOp::Same => p.text.clone(),
                DiffOp::Removed => format!("[-{}]", p.text),
                DiffOp::Added => format!("{{+{}}}", p.text),
            })
            .collect()
    }

    #[test]
    fn word_diff_marks_only_the_changed_words() {
        let d = word_diff(
            "Read one note by its id.",
            "Read one note by its id, and its attachments.",
        );
        assert_eq!(
            render(&d),
            "Read one note by its [-id.]{+id, and its attachments.}"
        );
        let d = word_diff("a b c d", "a x c d");
        assert_eq!(render(&d), "a [-b ]{+x }c d");
        assert_eq!(render(&word_diff("", "new")), "{+new}");
        assert_eq!(render(&word_diff("same", "same")), "same");
    }

    #[test]
    fn a_long_middle_is_replaced_whole() {
        let old = "w ".repeat(MAX_DIFF_WORDS + 10);
        let d = word_diff(&format!("start {old}"), "start end");
        assert_eq!(d[0].text, "start ");
        assert_eq!(d.len(), 3);
    }
}
