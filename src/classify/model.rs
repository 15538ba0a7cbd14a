//! The learned part of the classifier: a multinomial logistic regression
//! over the [`features`](super::features) of a tool, trained on the labelled
//! corpus of real tools (`corpus/`) and shipped as a data file
//! (`src/builtin/classifier.json`, made by
//! `cargo run --release --example classify_train`).
//!
//! A linear model keeps every decision checkable: a category's score is the
//! sum of the weights of the features the tool has, so the features that
//! pushed hardest towards the chosen category, and away from the runner-up,
//! are the evidence a page quotes. Training is deterministic (full-batch
//! gradient descent in a fixed order, no randomness), so the same corpus
//! always gives the same weights. Owns: the weights, prediction, training.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::features::Feature;

/// The weights as stored in the data file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// The categories the model knows, in weight order.
    pub classes: Vec<String>,
    pub bias: Vec<f32>,
    /// Feature key → one weight per class.
    pub weights: BTreeMap<String, Vec<f32>>,
    /// How much the site's category rules count beside the weights: each
    /// class's logit gets this times its rule score (see `rule_offsets`).
    #[serde(default)]
    pub rule_weight: f32,
    /// How the weights were made (corpus size, settings), for the record.
    #[serde(default)]
    pub trained_on: String,
}

/// The model's reading of one tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// One probability per class of the model, summing to 1.
    pub probabilities: Vec<f64>,
    /// The features the model has weights for, with each one's pull towards
    /// the best class over the runner-up, largest first.
    pub contributions: Vec<(Feature, f64)>,
    /// Index of the best and the second-best class.
    pub best: usize,
    pub runner_up: usize,
    /// How many of the tool's features the model knows.
    pub known: usize,
}

/// One labelled example for training.
pub struct Example {
    /// Feature keys with their values (see [`Feature::value`]).
    pub features: Vec<(String, f64)>,
    pub class: usize,
    /// Weight of the example (a server with many tools counts less per tool).
    pub weight: f64,
    /// Fixed additions to each class's logit: the rule scores, already
    /// multiplied by the rule weight.
    pub offset: Vec<f64>,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainSettings {
    pub epochs: usize,
    pub learning_rate: f64,
    pub l2: f64,
    /// Features seen in fewer examples are left out.
    pub min_count: usize,
    /// The weight of the rule scores (kept in the model).
    pub rule_weight: f64,
    /// How much more a rare category's examples weigh: the inverse of the
    /// category's share of the examples, to this power (0: all equal).
    pub class_power: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 300,
            learning_rate: 0.5,
            l2: 0.0005,
            min_count: 2,
            rule_weight: 1.0,
            class_power: 0.5,
        }
    }
}

impl Model {
    /// The model shipped in the binary.
    pub fn builtin() -> &'static Model {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            serde_json::from_str(include_str!("../builtin/classifier.json"))
                .expect("the built-in classifier weights parse")
        })
    }

    /// The index of the class called `name`.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    /// Scores a tool's features.
    pub fn predict(&self, features: &[Feature], rule_scores: &[f64]) -> Prediction {
        let n = self.classes.len();
        let mut logits: Vec<f64> = self.bias.iter().map(|&b| b as f64).collect();
        for (l, s) in logits.iter_mut().zip(rule_scores) {
            *l += self.rule_weight as f64 * s;
        }
        let mut known = Vec::new();
        for f in features {
            if let Some(w) = self.weights.get(&f.key) {
                for (l, &wi) in logits.iter_mut().zip(w) {
                    *l += wi as f64 * f.value;
                }
                known.push((f, w));
            }
        }
        let probabilities = softmax(&logits);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            probabilities[b]
                .total_cmp(&probabilities[a])
                .then(a.cmp(&b))
        });
        let (best, runner_up) = (order[0], order.get(1).copied().unwrap_or(order[0]));
        let mut contributions: Vec<(Feature, f64)> = known
            .iter()
            .map(|(f, w)| {
                (
                    (*f).clone(),
                    (w[best] as f64 - w[runner_up] as f64) * f.value,
                )
            })
            .collect();
        contributions.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
        Prediction {
            probabilities,
            contributions,
            best,
            runner_up,
            known: known.len(),
        }
    }

    /// Trains a model on `examples`, deterministically.
    pub fn train(classes: &[String], examples: &[Example], settings: TrainSettings) -> Model {
        let n = classes.len();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for e in examples {
            for (f, _) in &e.features {
                *counts.entry(f.as_str()).or_default() += 1;
            }
        }
        let mut vocab: Vec<&str> = counts
            .iter()
            .filter(|&(_, &c)| c >= settings.min_count)
            .map(|(&k, _)| k)
            .collect();
        vocab.sort_unstable();
        let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        let rows: Vec<Vec<(usize, f64)>> = examples
            .iter()
            .map(|e| {
                let mut r: Vec<(usize, f64)> = e
                    .features
                    .iter()
                    .filter_map(|(f, v)| index.get(f.as_str()).map(|&i| (i, *v)))
                    .collect();
                r.sort_unstable_by_key(|a| a.0);
                r.dedup_by_key(|x| x.0);
                r
            })
            .collect();
        let total_weight: f64 = examples.iter().map(|e| e.weight).sum::<f64>().max(1e-9);
        let mut w = vec![0f64; vocab.len() * n];
        let mut b = vec![0f64; n];
        // AdaGrad keeps rare features from moving as slowly as the bias.
        let mut gw_sq = vec![1e-8f64; vocab.len() * n];
        let mut gb_sq = vec![1e-8f64; n];
        let mut grad_w = vec![0f64; vocab.len() * n];
        let mut grad_b = vec![0f64; n];
        let mut logits = vec![0f64; n];
        for _ in 0..settings.epochs {
            grad_w.iter_mut().for_each(|g| *g = 0.0);
            grad_b.iter_mut().for_each(|g| *g = 0.0);
            for (e, row) in examples.iter().zip(&rows) {
                for c in 0..n {
                    logits[c] = b[c] + e.offset.get(c).copied().unwrap_or(0.0);
                }
                for &(f, v) in row {
                    for c in 0..n {
                        logits[c] += w[f * n + c] * v;
                    }
                }
                let p = softmax(&logits);
                let scale = e.weight / total_weight;
                for c in 0..n {
                    let err = (p[c] - if c == e.class { 1.0 } else { 0.0 }) * scale;
                    grad_b[c] += err;
                    for &(f, v) in row {
                        grad_w[f * n + c] += err * v;
                    }
                }
            }
            for i in 0..w.len() {
                let g = grad_w[i] + settings.l2 * w[i];
                gw_sq[i] += g * g;
                w[i] -= settings.learning_rate * g / gw_sq[i].sqrt();
            }
            for c in 0..n {
                gb_sq[c] += grad_b[c] * grad_b[c];
                b[c] -= settings.learning_rate * grad_b[c] / gb_sq[c].sqrt();
            }
        }
        let weights = vocab
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                let row: Vec<f32> = (0..n).map(|c| round(w[i * n + c])).collect();
                (k.to_string(), row)
            })
            .filter(|(_, row)| row.iter().any(|&x| x != 0.0))
            .collect();
        Model {
            classes: classes.to_vec(),
            bias: b.iter().map(|&x| round(x)).collect(),
            rule_weight: settings.rule_weight as f32,
            weights,
            trained_on: String::new(),
        }
    }
}

/// Weights kept to four decimals: the data file stays small and its diffs
/// readable, and predictions do not move by more than rounding.
fn round(x: f64) -> f32 {
    ((x * 10_000.0).round() / 10_000.0) as f32
}

fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Source;

    fn feature(key: &str) -> Feature {
        Feature {
            key: key.into(),
            source: Source::Name,
            quote: key.into(),
            value: 1.0,
        }
    }

    #[test]
    fn learns_a_separable_toy_problem_deterministically() {
        let classes = vec!["read".to_string(), "destructive".to_string()];
        let examples: Vec<Example> = [("v:get", 0), ("v:list", 0), ("v:delete", 1), ("v:drop", 1)]
            .iter()
            .flat_map(|&(k, c)| {
                (0..3).map(move |_| Example {
                    features: vec![(k.to_string(), 1.0), ("s:db".to_string(), 1.0)],
                    class: c,
                    weight: 1.0,
                    offset: vec![0.0; 2],
                })
            })
            .collect();
        let settings = TrainSettings {
            min_count: 1,
            ..TrainSettings::default()
        };
        let a = Model::train(&classes, &examples, settings);
        let b = Model::train(&classes, &examples, settings);
        assert_eq!(a.weights, b.weights, "training is deterministic");
        let p = a.predict(&[feature("v:delete"), feature("s:db")], &[]);
        assert_eq!(p.best, 1);
        assert!(p.probabilities[1] > 0.9, "{:?}", p.probabilities);
        assert_eq!(p.contributions[0].0.key, "v:delete");
        let p = a.predict(&[feature("v:get")], &[]);
        assert_eq!(p.best, 0);
        assert_eq!(a.predict(&[feature("unknown")], &[]).known, 0);
    }
}
