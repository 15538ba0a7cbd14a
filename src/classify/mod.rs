//! Classification: a tool's category and risk level, how sure that is, and
//! the evidence for both.
//!
//! Owns the decision: the record's own fields first; then the learned model
//! ([`model`]) over the signals of the tool's definition ([`features`]: the
//! name's verb and object, the description's words and qualifiers, the
//! input schema, the server's name); MCP annotations last, as untrusted
//! hints that may make the reading stricter but never laxer, a contradiction
//! kept as a finding. Categories a site adds in site.toml are decided by
//! their rules (`rules`: name words, description phrases, schema
//! properties), which the model does not know. Every decision keeps the
//! evidence quoted from the tool's own definition, so pages can show why.
//! The model's reading and its quoted evidence are built in `decision`;
//! the tool-poisoning detectors live in [`poison`]. Pure functions of the
//! record and the config: no I/O.

pub mod arguments;
mod decision;
pub mod explain;
pub mod features;
pub mod model;
pub mod poison;
mod rules;
pub mod signals;

use decision::{Decision, model_decision};
#[cfg(test)]
pub use rules::contains_phrase;
pub use rules::name_tokens;
use rules::{best_rule, score_rules};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::record::ToolRecord;
use crate::config::{Config, Risk};
use model::Model;

/// Below this confidence the explanation says the reading is uncertain
/// (the review queue's threshold is the site's own, `[review] below`).
pub const REVIEW_BELOW: f64 = 0.6;

/// A `destructiveHint: true` turns a write into a destructive reading only
/// when the definition itself gives destructive at least this probability.
/// Many servers set the hint on every tool that is not read-only (creating a
/// table, copying a message), so the hint alone cannot decide; the
/// definition has to lean that way too.
const DESTRUCTIVE_HINT_NEEDS: f64 = 0.1;

/// Confidence kept to two decimals, so pages and the API do not carry
/// float noise.
fn round_confidence(c: f64) -> f64 {
    (c.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

/// Where a piece of evidence was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The catalogue record's own `category`, `risk` or `rationale`.
    Record,
    /// A word of the tool's name.
    Name,
    /// A phrase of the description.
    Description,
    /// An MCP annotation.
    Annotation,
    /// A property of the input schema.
    Schema,
    /// The category's default in site.toml.
    Default,
    /// A tool-poisoning marker in the record.
    Poisoning,
}

impl Source {
    /// The name templates see (the serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Record => "record",
            Source::Name => "name",
            Source::Description => "description",
            Source::Annotation => "annotation",
            Source::Schema => "schema",
            Source::Default => "default",
            Source::Poisoning => "poisoning",
        }
    }
}

/// One reason behind a classification, quoted from the tool's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: Source,
    /// The words quoted from the definition (a name token, a phrase, an annotation).
    pub quote: String,
    /// What the quote shows, in a sentence.
    pub note: String,
}

/// The kind of a problem found in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Annotations say one thing, the name or description another.
    ContradictingAnnotations,
    /// Zero-width, bidi-control or tag characters in the text.
    HiddenCharacters,
    /// Instructions addressed to the model rather than the user.
    ModelInstructions,
    /// Asks for secrets, keys or private files.
    SecretAccess,
    /// The name copies a well-known tool of another server.
    Shadowing,
    /// A recorded change made the tool more dangerous after it was first
    /// recorded (see `catalogue::changes`).
    ChangedAfterReview,
}

/// A problem found in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The text found, or an excerpt around it cut at word boundaries;
    /// hidden characters shown as `[U+XXXX]`.
    pub quote: String,
    /// When `quote` is an excerpt, the exact span that matched inside it
    /// (hidden characters shown); empty when the quote is the span. (No
    /// `skip_serializing_if`: the build state's format is not
    /// self-describing.)
    pub span: String,
    pub note: String,
}

impl FindingKind {
    /// The name templates see (the serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::ContradictingAnnotations => "contradicting_annotations",
            FindingKind::HiddenCharacters => "hidden_characters",
            FindingKind::ModelInstructions => "model_instructions",
            FindingKind::SecretAccess => "secret_access",
            FindingKind::Shadowing => "shadowing",
            FindingKind::ChangedAfterReview => "changed_after_review",
        }
    }

    /// What was found, in words a reader understands (pages never show the
    /// serialized name).
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::ContradictingAnnotations => "Annotations contradict the definition",
            FindingKind::HiddenCharacters => "Hidden characters",
            FindingKind::ModelInstructions => "Instructions to the model",
            FindingKind::SecretAccess => "Reaches for secrets",
            FindingKind::Shadowing => "Copies another server's tool name",
            FindingKind::ChangedAfterReview => "Changed after it was recorded",
        }
    }

    /// True for the markers that make a record an attack in itself
    /// (it tells the model what to do, or reaches for secrets): they
    /// raise the tool to critical.
    pub fn is_critical(self) -> bool {
        matches!(
            self,
            FindingKind::ModelInstructions | FindingKind::SecretAccess
        )
    }

    /// True for the tool-poisoning markers, which raise the tool's risk.
    pub fn is_poisoning(self) -> bool {
        !matches!(self, FindingKind::ContradictingAnnotations)
    }
}

/// The outcome of classifying one tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Index into `Config::categories`.
    pub category: usize,
    pub risk: Risk,
    /// How sure the category is, 0 to 1: the model's probability for it,
    /// 1 when the record sets it.
    pub confidence: f64,
    /// The category the classifier would pick next, if it had one.
    pub runner_up: Option<usize>,
    /// Why the category was chosen, strongest reason first.
    pub category_evidence: Vec<Evidence>,
    /// Why the risk level was chosen.
    pub risk_evidence: Vec<Evidence>,
    pub findings: Vec<Finding>,
    pub rationale: String,
    /// True when the rationale is the record's own, not generated.
    pub rationale_from_record: bool,
}

impl Classification {
    /// True when the record itself sets the category.
    pub fn category_from_record(&self) -> bool {
        self.category_evidence
            .first()
            .is_some_and(|e| e.source == Source::Record)
    }

    /// True when a tool-poisoning marker was found in the record.
    pub fn is_poisoned(&self) -> bool {
        self.findings.iter().any(|f| f.kind.is_poisoning())
    }
}

/// Scans every text field of a record for tool-poisoning markers.
fn poisoning_findings(tool: &ToolRecord, server_slug: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    poison::scan_text("name", &tool.name, &mut out);
    if let Some(t) = &tool.title {
        poison::scan_text("title", t, &mut out);
    }
    if let Some(d) = &tool.description {
        poison::scan_text("description", d, &mut out);
    }
    if let Some(t) = tool.annotations.as_ref().and_then(|a| a.title.as_ref()) {
        poison::scan_text("annotations title", t, &mut out);
    }
    if let Some(schema) = &tool.input_schema {
        scan_schema(schema, 0, &mut out);
    }
    for (name, owner) in poison::WELL_KNOWN_TOOLS {
        if tool.name == *name && server_slug != *owner {
            out.push(Finding {
                kind: FindingKind::Shadowing,
                quote: tool.name.clone(),
                span: String::new(),
                note: format!(
                    "“{name}” is the name of a well-known tool of the {owner} server. A second tool of the same name lets this server intercept calls meant for the other one."
                ),
            });
        }
    }
    // One finding of each kind per field is enough; keep at most a dozen.
    out.truncate(12);
    out
}

/// Scans schema property names and descriptions, to a bounded depth.
fn scan_schema(schema: &Value, depth: usize, out: &mut Vec<Finding>) {
    if depth > 8 || out.len() > 12 {
        return;
    }
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        poison::scan_text("input schema", d, out);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props.iter().take(200) {
            poison::scan_text("input schema property name", name, out);
            scan_schema(sub, depth + 1, out);
        }
    }
    if let Some(items) = schema.get("items") {
        scan_schema(items, depth + 1, out);
    }
}

/// The site's rule scores (name words, description phrases, schema
/// properties of each category) for each class of the model, in its order.
pub fn rule_scores(tool: &ToolRecord, config: &Config, classes: &[String]) -> Vec<f64> {
    let rules = score_rules(tool, config);
    classes
        .iter()
        .map(|c| {
            config
                .category_index(c)
                .map_or(0.0, |ci| rules.scores[ci] as f64)
        })
        .collect()
}

/// Classifies one tool of the server `server_slug`.
///
/// In order: the record's own `category`; a category the site added whose
/// rules match (the model knows only the built-in ones); the learned model
/// over the tool's features; `other` when the model knows none of them.
/// Annotations never make the reading laxer: a `readOnlyHint` that
/// contradicts a stricter reading is kept as a finding, and a
/// `destructiveHint: true` on a tool read as a plain write makes it
/// destructive when the model had destructive as its runner-up.
pub fn classify(tool: &ToolRecord, server_slug: &str, config: &Config) -> Classification {
    classify_with(tool, server_slug, config, Model::builtin())
}

/// [`classify`] with the given model weights instead of the built-in ones
/// (the evaluation scores models trained on part of the corpus).
pub fn classify_with(
    tool: &ToolRecord,
    server_slug: &str,
    config: &Config,
    model: &Model,
) -> Classification {
    let rules = score_rules(tool, config);
    let rule_choice = best_rule(&rules, config);
    let read = config.category_index("read");
    let destructive = config.category_index("destructive");
    let other = config
        .category_index("other")
        .unwrap_or(config.categories.len() - 1);
    let annotations = tool.annotations.clone().unwrap_or_default();
    let mut findings = Vec::new();

    let record_category = tool
        .category
        .as_deref()
        .and_then(|c| config.category_index(c));
    let site_category =
        rule_choice.filter(|&rc| model.class_index(&config.categories[rc].name).is_none());
    let mut decision = if let Some(c) = record_category {
        Decision {
            category: c,
            confidence: 1.0,
            runner_up: None,
            runner_up_confidence: 0.0,
            evidence: vec![Evidence {
                source: Source::Record,
                quote: format!("\"category\": \"{}\"", config.categories[c].name),
                note: "the catalogue record sets the category".into(),
            }],
        }
    } else if let Some(rc) = site_category {
        Decision {
            category: rc,
            confidence: 0.5,
            runner_up: None,
            runner_up_confidence: 0.0,
            evidence: rules.evidence[rc].clone(),
        }
    } else if let Some(mut d) = model_decision(tool, server_slug, config, model) {
        decision::apply_joined_verb(
            &mut d,
            &features::effective_name_words(&tool.name, server_slug),
            config,
        );
        d
    } else {
        Decision {
            category: other,
            confidence: 0.2,
            runner_up: None,
            runner_up_confidence: 0.0,
            evidence: vec![Evidence {
                source: Source::Default,
                quote: poison::reveal(&tool.name).into(),
                note: "nothing in the name, description or input schema is known to the classifier"
                    .into(),
            }],
        }
    };

    if record_category.is_none() {
        let chosen = decision.category;
        let chosen_name = config.categories[chosen].name.clone();
        let reason = decision
            .evidence
            .first()
            .map(|e| e.note.clone())
            .unwrap_or_default();
        if annotations.read_only_hint == Some(true)
            && Some(chosen) != read
            && config.categories[chosen].risk > config.categories[read.unwrap_or(chosen)].risk
        {
            findings.push(Finding {
                kind: FindingKind::ContradictingAnnotations,
                quote: "readOnlyHint: true".into(),
                span: String::new(),
                note: format!(
                    "The server marks this tool read-only, but {reason}. The stricter reading, {chosen_name}, is used."
                ),
            });
        }
        if annotations.destructive_hint == Some(false) && Some(chosen) == destructive {
            findings.push(Finding {
                kind: FindingKind::ContradictingAnnotations,
                quote: "destructiveHint: false".into(),
                span: String::new(),
                note: format!(
                    "The server says this tool is not destructive, but {reason}. The stricter reading, destructive, is used."
                ),
            });
        }
        if let Some(d) = destructive
            && annotations.destructive_hint == Some(true)
            && annotations.read_only_hint != Some(true)
            && decision.runner_up_confidence >= DESTRUCTIVE_HINT_NEEDS
            && Some(chosen) == config.category_index("write")
            && decision.runner_up == Some(d)
        {
            decision.evidence.insert(
                0,
                Evidence {
                    source: Source::Annotation,
                    quote: "destructiveHint: true".into(),
                    note: "the server marks the tool destructive, and its definition leans that way too".into(),
                },
            );
            decision.runner_up = Some(chosen);
            decision.category = d;
        } else if annotations.destructive_hint == Some(true) && Some(chosen) == destructive {
            decision.evidence.push(Evidence {
                source: Source::Annotation,
                quote: "destructiveHint: true".into(),
                note: "the server marks the tool destructive, and its definition agrees".into(),
            });
        } else if annotations.read_only_hint == Some(true) && Some(chosen) == read {
            decision.evidence.push(Evidence {
                source: Source::Annotation,
                quote: "readOnlyHint: true".into(),
                note: "the server marks the tool read-only, and its definition agrees".into(),
            });
        } else if annotations.read_only_hint == Some(false) && Some(chosen) != read {
            decision.evidence.push(Evidence {
                source: Source::Annotation,
                quote: "readOnlyHint: false".into(),
                note: "the server says the tool changes state".into(),
            });
        }
        if annotations.open_world_hint == Some(true) {
            decision.evidence.push(Evidence {
                source: Source::Annotation,
                quote: "openWorldHint: true".into(),
                note: "the tool reaches systems outside the server".into(),
            });
        }
    }
    let category = decision.category;
    let category_evidence = decision.evidence;
    let confidence = decision.confidence;
    let runner_up = decision.runner_up;

    let cat = &config.categories[category];
    let mut risk_evidence = Vec::new();
    let risk = match tool.risk.as_deref().and_then(Risk::parse) {
        Some(r) => {
            risk_evidence.push(Evidence {
                source: Source::Record,
                quote: format!("\"risk\": \"{}\"", r.as_str()),
                note: "the catalogue record sets the risk level".into(),
            });
            r
        }
        None => {
            risk_evidence.push(Evidence {
                source: Source::Default,
                quote: cat.name.clone(),
                note: format!(
                    "{} tools are {} risk in this catalogue",
                    cat.name,
                    cat.risk.as_str()
                ),
            });
            cat.risk
        }
    };

    let poisoning = poisoning_findings(tool, server_slug);
    let risk = if poisoning.is_empty() {
        risk
    } else {
        // A record that instructs the model or reaches for secrets is an
        // attack in itself: critical, whatever the tool does.
        let critical = poisoning.iter().any(|f| f.kind.is_critical());
        let raised = if critical {
            Risk::Critical
        } else {
            risk.raised().max(Risk::High)
        };
        risk_evidence.push(Evidence {
            source: Source::Poisoning,
            quote: poisoning[0].quote.clone(),
            note: format!(
                "{} raise the risk from {} to {}, and the recommended policy hides the tool until the record is reviewed",
                if critical {
                    "instructions to the model or a reach for secrets in the record"
                } else {
                    "tool-poisoning markers in the record"
                },
                risk.as_str(),
                raised.as_str()
            ),
        });
        raised
    };
    findings.extend(poisoning);

    let rationale = match tool
        .rationale
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => poison::reveal(r).into_owned(),
        None => explain::explain(
            tool,
            cat,
            findings
                .iter()
                .find(|f| f.kind == FindingKind::ContradictingAnnotations)
                .map(|f| f.note.as_str()),
            confidence >= REVIEW_BELOW,
        ),
    };
    Classification {
        category,
        risk,
        confidence: round_confidence(confidence),
        runner_up,
        category_evidence,
        risk_evidence,
        findings,
        rationale_from_record: tool
            .rationale
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty()),
        rationale,
    }
}

#[cfg(test)]
mod tests;
