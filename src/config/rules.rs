//! The indexes the classification rules read from the categories: name
//! words to categories, and every description phrase in one automaton.
//! Built once with the settings.

use super::Category;

/// The description phrases of every category in one automaton: a
/// description is read once, not once per phrase.
#[derive(Debug, Clone)]
pub(super) struct PhraseIndex {
    /// Each distinct non-empty phrase once; `None` when there is none.
    automaton: Option<aho_corasick::AhoCorasick>,
    /// For each category, each of its phrases' pattern in `automaton`
    /// (`None` for an empty phrase, which never matches).
    patterns: Vec<Vec<Option<usize>>>,
}

impl PhraseIndex {
    pub(super) fn new(categories: &[Category]) -> PhraseIndex {
        let mut distinct: Vec<&str> = Vec::new();
        let mut ids: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let patterns = categories
            .iter()
            .map(|c| {
                c.phrases
                    .iter()
                    .map(|p| {
                        (!p.is_empty()).then(|| {
                            *ids.entry(p.as_str()).or_insert_with(|| {
                                distinct.push(p);
                                distinct.len() - 1
                            })
                        })
                    })
                    .collect()
            })
            .collect();
        PhraseIndex {
            automaton: (!distinct.is_empty())
                .then(|| aho_corasick::AhoCorasick::new(&distinct).ok())
                .flatten(),
            patterns,
        }
    }

    /// For each category, for each of its phrases, whether `text` holds the
    /// phrase as whole words (not inside a longer word).
    pub(super) fn find(&self, text: &str) -> Vec<Vec<bool>> {
        let mut found = Vec::new();
        if let Some(automaton) = &self.automaton {
            found = vec![false; automaton.patterns_len()];
            for m in automaton.find_overlapping_iter(text) {
                if !found[m.pattern().as_usize()] && is_whole_words(text, m.start(), m.end()) {
                    found[m.pattern().as_usize()] = true;
                }
            }
        }
        self.patterns
            .iter()
            .map(|phrases| {
                phrases
                    .iter()
                    .map(|p| p.is_some_and(|id| found[id]))
                    .collect()
            })
            .collect()
    }
}

/// Whether `text[start..end]` neither starts nor ends inside a word.
pub fn is_whole_words(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
}

/// Name word → the categories whose `words` hold it (config order).
pub(super) fn word_index(categories: &[Category]) -> std::collections::HashMap<String, Vec<usize>> {
    let mut index: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (ci, c) in categories.iter().enumerate() {
        for w in &c.words {
            let slot = index.entry(w.clone()).or_default();
            if !slot.contains(&ci) {
                slot.push(ci);
            }
        }
    }
    index
}
