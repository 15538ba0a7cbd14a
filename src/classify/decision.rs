//! The model's reading of one tool as a decision: its category, how sure
//! the model is, the runner-up, and the evidence quoted from the tool's own
//! definition (the signals that pulled hardest, each quoting words no
//! other item already quotes, with a sentence saying what it shows), and
//! the joined-verb rule applied to that reading.

use super::model::Model;
use super::{Evidence, Source, features, poison, rules};
use crate::catalogue::record::ToolRecord;
use crate::config::Config;

/// How the category was decided.
pub(super) struct Decision {
    pub(super) category: usize,
    pub(super) confidence: f64,
    pub(super) runner_up: Option<usize>,
    /// The model's probability for the runner-up (0 without a model).
    pub(super) runner_up_confidence: f64,
    pub(super) evidence: Vec<Evidence>,
}

/// What a feature of the given kind says, in a sentence, for the evidence list.
fn feature_note(f: &features::Feature, category: &str) -> String {
    let quote = poison::reveal(&f.quote);
    let kind = f.key.split(':').next().unwrap_or("");
    match kind {
        "v" => format!("the name's verb “{quote}” points to {category}"),
        "o" => format!("the name's object “{quote}” points to {category}"),
        "vo" => format!("the name “{quote}” points to {category}"),
        "w" | "rw" => format!("the word “{quote}” in the name points to {category}"),
        "rv" => format!("the name's verb “{quote}” points to {category}"),
        "t" => format!("the title's word “{quote}” points to {category}"),
        "d" | "d0" | "dv" | "dd" | "d2" | "rd" => format!("the description says “{quote}”"),
        "rpd" => format!("the description of the input “{quote}” points to {category}"),
        "rp" if category == "execute" => {
            format!("the input “{quote}” takes free-form code, a command or a query")
        }
        "pb" => format!("the flag “{quote}” points to {category}"),
        "p" | "pn" | "rp" => format!("the input “{quote}” points to {category}"),
        "s" => format!("the server's name (“{quote}”) points to {category}"),
        _ => format!("“{quote}” points to {category}"),
    }
}

/// Whether a feature's quote says nothing an evidence item of the same
/// source does not already quote: the same words, or words one of the two
/// contains (the description's first word "Delete" and its pair "Delete a").
fn repeats(e: &Evidence, f: &features::Feature) -> bool {
    if e.quote == f.quote {
        return true;
    }
    if e.source != f.source {
        return false;
    }
    let (a, b) = (e.quote.to_lowercase(), f.quote.to_lowercase());
    holds_words(&a, &b) || holds_words(&b, &a)
}

/// Whether `words` occurs in `text` as whole words (not `code` inside
/// `barcode` or `country_code`).
fn holds_words(text: &str, words: &str) -> bool {
    let inside = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(words).any(|(at, _)| {
        let end = at + words.len();
        !text[..at].chars().next_back().is_some_and(inside)
            && !text[end..].chars().next().is_some_and(inside)
    })
}

/// The model's reading, as a decision with evidence a reader can check:
/// the features that pulled hardest towards the chosen category over the
/// runner-up, one per quoted text, at most four.
pub(super) fn model_decision(
    tool: &ToolRecord,
    server_slug: &str,
    config: &Config,
    model: &Model,
) -> Option<Decision> {
    let feats = features::extract(tool, server_slug, config);
    let prediction = model.predict(&feats, &super::rule_scores(tool, config, &model.classes));
    if prediction.known == 0 {
        return None;
    }
    let category = config.category_index(&model.classes[prediction.best])?;
    let runner_up = config.category_index(&model.classes[prediction.runner_up]);
    let name = &config.categories[category].name;
    let mut evidence: Vec<Evidence> = Vec::new();
    for (f, pull) in &prediction.contributions {
        if *pull <= 0.05 || evidence.len() >= 4 {
            break;
        }
        if f.quote.is_empty() || evidence.iter().any(|e| repeats(e, f)) {
            continue;
        }
        evidence.push(Evidence {
            source: f.source,
            quote: poison::reveal(&f.quote).into_owned(),
            note: feature_note(f, name),
        });
    }
    Some(Decision {
        category,
        confidence: prediction.probabilities[prediction.best],
        runner_up: runner_up.filter(|&r| r != category),
        runner_up_confidence: prediction.probabilities[prediction.runner_up],
        evidence,
    })
}

/// The confidence of a category the name's joined verb decided: the rule,
/// not the model, decided, and too few tools join two verbs for the
/// model's probability to say how sure it is.
pub(super) const JOINED_VERB_CONFIDENCE: f64 = 0.7;

/// Makes `d` the graver joined verb's category when the name has one (see
/// [`rules::graver_joined_verb`]), quoting the verb and keeping the model's
/// reading as the runner-up.
pub(super) fn apply_joined_verb(d: &mut Decision, name_words: &[String], config: &Config) {
    let Some((graver, verb)) = rules::graver_joined_verb(name_words, config, d.category) else {
        return;
    };
    // The model's evidence may quote the same verb already.
    d.evidence
        .retain(|e| !(e.source == Source::Name && e.quote.eq_ignore_ascii_case(&verb)));
    d.evidence.insert(
        0,
        Evidence {
            source: Source::Name,
            quote: verb.clone(),
            note: format!(
                "the name joins two verbs, \"{}\" and \"{}\", and a tool that does both is as grave as the graver, \"{verb}\"",
                name_words[0], name_words[2]
            ),
        },
    );
    d.runner_up = Some(d.category);
    d.runner_up_confidence = d.confidence;
    d.category = graver;
    d.confidence = JOINED_VERB_CONFIDENCE;
}
