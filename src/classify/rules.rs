//! The classification rules: splitting names into words, and scoring
//! each category from name words, description phrases and input-schema
//! properties, with the evidence for each score.

use serde_json::Value;

use super::{Evidence, Source, poison};
use crate::catalogue::record::ToolRecord;
use crate::config::{Config, Risk};

/// Splits a tool name into lowercase words: snake_case, camelCase,
/// PascalCase, kebab-case, dotted and slashed names, and acronyms
/// (`getHTTPStatus` → get, http, status).
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0 && {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                (c.is_uppercase() && prev.is_lowercase())
                    || (c.is_uppercase() && prev.is_uppercase() && next_lower)
            };
            if boundary && !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
            current.push(c);
        }
        if !current.is_empty() {
            words.push(current.to_lowercase());
        }
    }
    words
}

/// The property names of an input schema's top level, with whether each is
/// an array (a sign of bulk operations).
pub(super) fn schema_params(schema: Option<&Value>) -> Vec<(String, bool)> {
    super::features::schema_properties(schema)
        .into_iter()
        .map(|(name, ty, _)| (name, ty == "array"))
        .collect()
}

/// Scores of each category from the rules, with the evidence for each.
pub(super) struct RuleScores {
    pub(super) scores: Vec<u32>,
    pub(super) evidence: Vec<Vec<Evidence>>,
}

pub(super) fn score_rules(tool: &ToolRecord, config: &Config) -> RuleScores {
    let n = config.categories.len();
    let mut scores = vec![0u32; n];
    let mut evidence: Vec<Vec<Evidence>> = vec![Vec::new(); n];
    let tokens = name_tokens(&tool.name);

    // The verb: the first name word that any category knows. Leading words
    // no rule knows (a product prefix like `slack_` or `API-`) are skipped.
    // The verb's risk: an object word of a riskier category ("refund" in
    // `create_refund`) outweighs the verb, unless the verb only reads.
    let mut verb_risk: Option<Risk> = None;
    let read_index = config.category_index("read");
    let mut verb_is_read = false;
    for token in &tokens {
        let matched = config.categories_of_word(token);
        if matched.is_empty() {
            continue;
        }
        let is_verb = verb_risk.is_none();
        for &ci in &matched {
            let cat = &config.categories[ci];
            // Money outweighs any verb that acts: `cancel_subscription` moves
            // money though `cancel` alone is destructive.
            let outweighs =
                verb_risk.is_some_and(|v| cat.risk > v || cat.name == "financial") && !verb_is_read;
            let weight = if is_verb || outweighs { 4 } else { 1 };
            scores[ci] += weight;
            let note = if is_verb {
                format!("the name's verb “{token}” points to {}", cat.name)
            } else {
                format!("the word “{token}” in the name points to {}", cat.name)
            };
            evidence[ci].push(Evidence {
                source: Source::Name,
                quote: token.clone(),
                note,
            });
        }
        if is_verb {
            verb_risk = matched.iter().map(|&ci| config.categories[ci].risk).max();
            verb_is_read = matched.iter().any(|&ci| Some(ci) == read_index);
        }
    }

    let description = tool.description.as_deref().unwrap_or("").to_lowercase();
    if !description.is_empty() {
        let found = config.phrases_in(&description);
        for (ci, cat) in config.categories.iter().enumerate() {
            let mut hits = 0;
            for (phrase, &present) in cat.phrases.iter().zip(&found[ci]) {
                if hits < 2 && present {
                    scores[ci] += 1;
                    hits += 1;
                    evidence[ci].push(Evidence {
                        source: Source::Description,
                        quote: phrase.clone(),
                        note: format!("the description says “{phrase}”"),
                    });
                }
            }
        }
    }

    for (param, is_array) in schema_params(tool.input_schema.as_ref()) {
        let lower = param.to_lowercase();
        for (ci, cat) in config.categories.iter().enumerate() {
            if cat.params.contains(&lower) {
                scores[ci] += 2;
                let note = if cat.name == "execute" {
                    format!(
                        "the input “{}” takes free-form code or a query",
                        poison::reveal(&param)
                    )
                } else {
                    format!(
                        "the input “{}” points to {}",
                        poison::reveal(&param),
                        cat.name
                    )
                };
                evidence[ci].push(Evidence {
                    source: Source::Schema,
                    quote: poison::reveal(&param).into_owned(),
                    note,
                });
            }
        }
        if is_array && (lower.ends_with("ids") || lower.ends_with('s')) {
            // Bulk operations make every other category's effect larger;
            // recorded as evidence for whichever category wins.
            for ev in evidence.iter_mut() {
                ev.push(Evidence {
                    source: Source::Schema,
                    quote: poison::reveal(&param).into_owned(),
                    note: format!(
                        "the input “{}” is a list, so one call can act on many items",
                        poison::reveal(&param)
                    ),
                });
            }
        }
    }
    RuleScores { scores, evidence }
}

/// Whole-word phrase match by trying every position: the reference that
/// [`Config::phrases_in`] is tested against.
#[cfg(test)]
pub fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    !phrase.is_empty()
        && (0..haystack.len()).any(|at| {
            haystack.is_char_boundary(at)
                && haystack[at..].starts_with(phrase)
                && crate::config::is_whole_words(haystack, at, at + phrase.len())
        })
}

/// The best-scoring category: highest score, ties broken towards the
/// stricter (higher-risk, later-listed) category. `None` when nothing scored.
pub(super) fn best_rule(scores: &RuleScores, config: &Config) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &s) in scores.scores.iter().enumerate() {
        if s == 0
            || scores.evidence[i]
                .iter()
                .all(|e| e.source == Source::Schema && e.note.contains("is a list"))
        {
            continue;
        }
        best = match best {
            None => Some(i),
            Some(b) => {
                let (sb, si) = (scores.scores[b], s);
                if si > sb || (si == sb && config.categories[i].risk >= config.categories[b].risk) {
                    Some(i)
                } else {
                    Some(b)
                }
            }
        };
    }
    best
}

/// A name that joins a second verb to its first (`get_or_create_label`,
/// `search_and_replace`, `run_and_wait`: the conjunction right after the
/// verb) does both, so the graver of the two effects is its category (the
/// guideline's rule 2). Returns the category of the graver verb and the
/// verb, when that category carries a higher risk than `chosen`.
pub(super) fn graver_joined_verb(
    name_words: &[String],
    config: &Config,
    chosen: usize,
) -> Option<(usize, String)> {
    // Only a conjunction right after the name's verb joins two verbs:
    // `get_or_create_label`, not `get_orders_and_payments`, whose joined
    // word is a second object.
    let joined = name_words.get(2)?;
    if !matches!(name_words[1].as_str(), "and" | "or" | "then") {
        return None;
    }
    [&name_words[0], joined]
        .into_iter()
        .flat_map(|verb| {
            config
                .categories_of_word(verb)
                .into_iter()
                .map(move |ci| (ci, verb))
        })
        .filter(|&(ci, _)| config.categories[ci].risk > config.categories[chosen].risk)
        .max_by_key(|&(ci, _)| config.categories[ci].risk)
        .map(|(ci, verb)| (ci, verb.clone()))
}
