//! The labelled corpus of real MCP tools (`corpus/` at the repository root)
//! that the classifier is trained on and measured against: reading the
//! server files and the labels, the per-server sample, the split into the
//! development part and the held-out part, the folds grouped by server, and
//! the agreement figures. Used by the `classify_train` and `classify_eval`
//! examples and by the classifier tests; the site build never reads it.
//!
//! Layout (documented in `docs/classification.md`):
//! - `corpus/servers/<slug>.json`: one server's tools exactly as its
//!   `tools/list` returned them, with `source` (package and version, or
//!   repository and commit) and `domain`;
//! - `corpus/labels.tsv`: `id`, `label_a`, `label_b`, `label`, `note` per
//!   tool, where `id` is `<slug>/<tool name>`, `label_a` and `label_b` are
//!   the two labellers' categories and `label` the settled one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::classify::classify_with;
use crate::classify::features;
pub use crate::classify::model::TrainSettings;
use crate::classify::model::{Example, Model};
use crate::config::Config;
use crate::record::ToolRecord;

/// Tools of one server that the corpus samples at most.
pub const PER_SERVER: usize = 40;

/// One labelled tool.
#[derive(Debug, Clone)]
pub struct LabelledTool {
    pub server: String,
    /// Which part of the corpus the tool's server is in.
    pub part: Part,
    pub domain: String,
    pub tool: ToolRecord,
    pub label_a: String,
    pub label_b: String,
    pub label: String,
}

impl LabelledTool {
    pub fn id(&self) -> String {
        format!("{}/{}", self.server, self.tool.name)
    }
}

/// Which part of the corpus a server belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Rules and settings may be tuned on it (by cross-validation).
    Development,
    /// Scored only at the end; never looked at while tuning.
    HeldOut,
    /// Servers added after the classifier's design was settled (listed in
    /// `corpus/fresh.txt`), scored once by a model trained on the
    /// development and held-out parts.
    Fresh,
    /// Servers added later still (listed in `corpus/newest.txt`), after
    /// the fresh part had been scored and the rules changed again; scored
    /// by a model trained on the three parts before it.
    Newest,
    /// Servers listed in `corpus/latest.txt`, added in session 20 after
    /// every other part had been scored and the rules had been tried on a
    /// cross-validation over all of them; scored once by a model trained on
    /// every other part.
    Latest,
}

fn server_hash(slug: &str) -> [u8; 32] {
    Sha256::digest(slug.as_bytes()).into()
}

/// A fifth of the servers, chosen by a hash of the slug, are held out (a
/// server `corpus/fresh.txt` lists is in [`Part::Fresh`] instead).
pub fn part_of(slug: &str) -> Part {
    if server_hash(slug)[0].is_multiple_of(5) {
        Part::HeldOut
    } else {
        Part::Development
    }
}

/// The fold (0..k) of a development server, by a hash of its slug, so a
/// server's tools are always in one fold.
pub fn fold_of(slug: &str, k: usize) -> usize {
    server_hash(slug)[1] as usize % k
}

/// The sampled tools of one server: at most [`PER_SERVER`], chosen by a
/// hash of the name (first of each name only), in name order.
pub fn sample(tools: &[Value]) -> Vec<&Value> {
    let mut named: BTreeMap<&str, &Value> = BTreeMap::new();
    for t in tools {
        if let Some(n) = t.get("name").and_then(Value::as_str) {
            named.entry(n).or_insert(t);
        }
    }
    let mut keyed: Vec<(String, &Value)> = named
        .iter()
        .map(|(n, t)| (hex(&Sha256::digest(n.as_bytes())), *t))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.truncate(PER_SERVER);
    let mut out: Vec<&Value> = keyed.into_iter().map(|(_, t)| t).collect();
    out.sort_by_key(|t| t.get("name").and_then(Value::as_str).unwrap_or(""));
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fields of a listed tool that a catalogue record has.
pub fn to_record(tool: &Value) -> Result<ToolRecord, String> {
    let mut t = serde_json::Map::new();
    for key in ["name", "title", "description", "inputSchema", "annotations"] {
        if let Some(v) = tool.get(key)
            && !v.is_null()
        {
            t.insert(key.to_string(), v.clone());
        }
    }
    serde_json::from_value(Value::Object(t)).map_err(|e| e.to_string())
}

/// The server slugs a list file of the corpus names (`fresh.txt`,
/// `newest.txt`, `latest.txt`): one a line, `#` starts a comment; no file is no servers.
fn listed_servers(root: &Path, file: &str) -> Result<std::collections::BTreeSet<String>, String> {
    let path = root.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Reads the corpus under `root` (`corpus/`): every labelled, sampled tool.
/// Tools without a settled label are left out; an unknown id in the labels
/// is an error, so a label never silently stops counting.
pub fn load(root: &Path) -> Result<Vec<LabelledTool>, String> {
    let labels_path = root.join("labels.tsv");
    let text = std::fs::read_to_string(&labels_path)
        .map_err(|e| format!("{}: {e}", labels_path.display()))?;
    let mut labels: HashMap<String, (String, String, String)> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            return Err(format!(
                "{}:{}: expected id, label_a, label_b, label and note separated by tabs",
                labels_path.display(),
                i + 1
            ));
        }
        labels.insert(
            cols[0].to_string(),
            (cols[1].into(), cols[2].into(), cols[3].into()),
        );
    }
    let fresh = listed_servers(root, "fresh.txt")?;
    let newest = listed_servers(root, "newest.txt")?;
    let latest = listed_servers(root, "latest.txt")?;
    let lists = [
        ("fresh.txt", &fresh),
        ("newest.txt", &newest),
        ("latest.txt", &latest),
    ];
    for (i, (file, servers)) in lists.iter().enumerate() {
        for (earlier, other) in &lists[..i] {
            if let Some(slug) = servers.intersection(other).next() {
                return Err(format!(
                    "{}: `{slug}` is also in {earlier}; a server is in one part only",
                    root.join(file).display()
                ));
            }
        }
    }
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("servers"))
        .map_err(|e| format!("{}: {e}", root.join("servers").display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let slug = v["slug"].as_str().unwrap_or_default().to_string();
        let domain = v["domain"].as_str().unwrap_or_default().to_string();
        let tools = v["tools"].as_array().cloned().unwrap_or_default();
        let part = if latest.contains(&slug) {
            Part::Latest
        } else if newest.contains(&slug) {
            Part::Newest
        } else if fresh.contains(&slug) {
            Part::Fresh
        } else {
            part_of(&slug)
        };
        for t in sample(&tools) {
            let tool = to_record(t).map_err(|e| format!("{}: {e}", path.display()))?;
            let id = format!("{slug}/{}", tool.name);
            if let Some((a, b, label)) = labels.remove(&id) {
                out.push(LabelledTool {
                    server: slug.clone(),
                    part,
                    domain: domain.clone(),
                    tool,
                    label_a: a,
                    label_b: b,
                    label,
                });
            }
        }
    }
    let listed: std::collections::BTreeSet<&str> = out.iter().map(|t| t.server.as_str()).collect();
    for (file, servers) in lists {
        if let Some(slug) = servers.iter().find(|s| !listed.contains(s.as_str())) {
            return Err(format!(
                "{}: `{slug}` names no server of the corpus with labelled tools",
                root.join(file).display()
            ));
        }
    }
    if let Some(id) = labels.keys().min() {
        return Err(format!(
            "{}: the label of `{id}` names no sampled tool of the corpus ({} such labels)",
            labels_path.display(),
            labels.len()
        ));
    }
    Ok(out)
}

/// Agreement figures of predictions against labels.
#[derive(Debug, Clone)]
pub struct Scores {
    pub classes: Vec<String>,
    /// `confusion[label][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

impl Scores {
    pub fn new(classes: &[String]) -> Self {
        Scores {
            classes: classes.to_vec(),
            confusion: vec![vec![0; classes.len()]; classes.len()],
        }
    }

    pub fn add(&mut self, label: usize, predicted: usize) {
        self.confusion[label][predicted] += 1;
    }

    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    pub fn agreement(&self) -> f64 {
        let right: usize = (0..self.classes.len()).map(|i| self.confusion[i][i]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// Recall of class `c`: of the tools labelled `c`, the share predicted `c`.
    pub fn recall(&self, c: usize) -> Option<f64> {
        let n: usize = self.confusion[c].iter().sum();
        (n > 0).then(|| self.confusion[c][c] as f64 / n as f64)
    }

    /// Precision of class `c`: of the tools predicted `c`, the share labelled `c`.
    pub fn precision(&self, c: usize) -> Option<f64> {
        let n: usize = self.confusion.iter().map(|row| row[c]).sum();
        (n > 0).then(|| self.confusion[c][c] as f64 / n as f64)
    }

    /// The figures as a Markdown table, then the confusion matrix.
    pub fn to_markdown(&self) -> String {
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{:.1} %", x * 100.0));
        let mut s = String::from(
            "| category | labelled | precision | recall |\n| --- | ---: | ---: | ---: |\n",
        );
        for (i, c) in self.classes.iter().enumerate() {
            let n: usize = self.confusion[i].iter().sum();
            s.push_str(&format!(
                "| {c} | {n} | {} | {} |\n",
                pct(self.precision(i)),
                pct(self.recall(i))
            ));
        }
        s.push_str("\nConfusion matrix (rows: label, columns: classifier):\n\n| |");
        for c in &self.classes {
            s.push_str(&format!(" {c} |"));
        }
        s.push_str("\n| --- |");
        for _ in &self.classes {
            s.push_str(" ---: |");
        }
        s.push('\n');
        for (i, c) in self.classes.iter().enumerate() {
            s.push_str(&format!("| {c} |"));
            for n in &self.confusion[i] {
                s.push_str(&format!(" {n} |"));
            }
            s.push('\n');
        }
        s
    }
}

/// The categories the model is trained to tell apart, in weight order: the
/// built-in ones.
pub const CLASSES: [&str; 6] = crate::config::BUILTIN_ORDER;

/// The settings the shipped weights are trained with.
pub fn settings() -> TrainSettings {
    TrainSettings::default()
}

/// Training examples from labelled tools: each tool's feature keys and its
/// settled label. A server's tools weigh `1/sqrt(n)` each, so a server with
/// forty tools does not outvote eight servers of five.
pub fn examples(
    tools: &[&LabelledTool],
    config: &Config,
    settings: &TrainSettings,
) -> Vec<Example> {
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    let mut per_server: HashMap<&str, usize> = HashMap::new();
    let mut per_class: HashMap<&str, usize> = HashMap::new();
    for t in tools {
        *per_server.entry(t.server.as_str()).or_default() += 1;
        *per_class.entry(t.label.as_str()).or_default() += 1;
    }
    // Rare categories weigh more (the inverse share to the power
    // `class_power`, a square root by default), so a category with few
    // examples is not simply outvoted.
    let total = tools.len().max(1) as f64;
    let class_weight = |label: &str| {
        let n = per_class.get(label).copied().unwrap_or(1).max(1) as f64;
        (total / (CLASSES.len() as f64 * n)).powf(settings.class_power)
    };
    tools
        .iter()
        .filter_map(|t| {
            let class = CLASSES.iter().position(|c| *c == t.label)?;
            let n = per_server[t.server.as_str()] as f64;
            Some(Example {
                features: features::extract(&t.tool, &t.server, config)
                    .into_iter()
                    .map(|f| (f.key, f.value))
                    .collect(),
                class,
                weight: class_weight(&t.label) / n.sqrt(),
                offset: crate::classify::rule_scores(&t.tool, config, &classes)
                    .into_iter()
                    .map(|s| s * settings.rule_weight)
                    .collect(),
            })
        })
        .collect()
}

/// Trains on `train`.
pub fn train(train: &[&LabelledTool], config: &Config, settings: TrainSettings) -> Model {
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    Model::train(&classes, &examples(train, config, &settings), settings)
}

/// The shipped weights file, as `classify_train` writes it: trained on
/// `tools` with [`settings`], one feature a line so diffs stay readable.
pub fn trained_weights_json(tools: &[&LabelledTool], config: &Config) -> String {
    let mut model = train(tools, config, settings());
    let servers: std::collections::BTreeSet<&str> =
        tools.iter().map(|t| t.server.as_str()).collect();
    model.trained_on = format!(
        "{} labelled tools of {} servers in corpus/; {:?}",
        tools.len(),
        servers.len(),
        settings()
    );
    let mut s = String::from("{\n");
    s.push_str(&format!(
        "\"trained_on\": {},\n",
        serde_json::to_string(&model.trained_on).unwrap()
    ));
    s.push_str(&format!(
        "\"classes\": {},\n",
        serde_json::to_string(&model.classes).unwrap()
    ));
    s.push_str(&format!(
        "\"bias\": {},\n",
        serde_json::to_string(&model.bias).unwrap()
    ));
    s.push_str(&format!(
        "\"rule_weight\": {},\n",
        serde_json::to_string(&model.rule_weight).unwrap()
    ));
    s.push_str("\"weights\": {");
    for (i, (k, w)) in model.weights.iter().enumerate() {
        s.push_str(if i == 0 { "\n" } else { ",\n" });
        s.push_str(&format!(
            "{}: {}",
            serde_json::to_string(k).unwrap(),
            serde_json::to_string(w).unwrap()
        ));
    }
    s.push_str("\n}\n}\n");
    s
}

/// One scored tool: its label, the classifier's category and confidence.
#[derive(Debug, Clone)]
pub struct Scored {
    pub id: String,
    pub label: String,
    pub predicted: String,
    pub confidence: f64,
}

/// Classifies `test` with `model` through the whole classifier (model,
/// annotations, fallbacks), as a site build would, ignoring any category
/// the record sets.
pub fn score(test: &[&LabelledTool], config: &Config, model: &Model) -> Vec<Scored> {
    test.iter()
        .map(|t| {
            let mut tool = t.tool.clone();
            tool.category = None;
            tool.risk = None;
            let c = classify_with(&tool, &t.server, config, model);
            Scored {
                id: t.id(),
                label: t.label.clone(),
                predicted: config.categories[c.category].name.clone(),
                confidence: c.confidence,
            }
        })
        .collect()
}

/// Folds the scored tools into agreement figures.
pub fn scores(scored: &[Scored]) -> Scores {
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    let mut s = Scores::new(&classes);
    for r in scored {
        let (Some(l), Some(p)) = (
            CLASSES.iter().position(|c| *c == r.label),
            CLASSES.iter().position(|c| *c == r.predicted),
        ) else {
            continue;
        };
        s.add(l, p);
    }
    s
}

/// Cross-validation grouped by server over `tools`: `k` folds, each scored
/// by a model trained on the other folds only.
pub fn cross_validate(
    tools: &[&LabelledTool],
    config: &Config,
    settings: TrainSettings,
    k: usize,
) -> Vec<Scored> {
    let mut out = Vec::new();
    for fold in 0..k {
        let (test, learn): (Vec<&LabelledTool>, Vec<&LabelledTool>) =
            tools.iter().partition(|t| fold_of(&t.server, k) == fold);
        let model = train(&learn, config, settings);
        out.extend(score(&test, config, &model));
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Calibration: the share wrong among the tenth of tools with the lowest
/// confidence, the share wrong among the rest, and their ratio.
pub fn calibration(scored: &[Scored]) -> (f64, f64, f64) {
    let mut by_conf: Vec<&Scored> = scored.iter().collect();
    by_conf.sort_by(|a, b| a.confidence.total_cmp(&b.confidence).then(a.id.cmp(&b.id)));
    let cut = (by_conf.len() / 10).max(1).min(by_conf.len());
    let wrong = |s: &[&Scored]| {
        s.iter().filter(|r| r.label != r.predicted).count() as f64 / s.len().max(1) as f64
    };
    let (low, rest) = by_conf.split_at(cut);
    let (lw, rw) = (wrong(low), wrong(rest));
    (lw, rw, if rw > 0.0 { lw / rw } else { f64::INFINITY })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_listed_in_two_parts_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("servers")).unwrap();
        std::fs::write(
            dir.path().join("labels.tsv"),
            "id\tlabel_a\tlabel_b\tlabel\tnote\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("fresh.txt"), "# fresh\nacme-pay\n").unwrap();
        std::fs::write(dir.path().join("latest.txt"), "acme-pay # again\n").unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(
            e.contains("latest.txt") && e.contains("`acme-pay` is also in fresh.txt"),
            "{e}"
        );
    }

    #[test]
    fn sampling_does_not_depend_on_listing_order() {
        let tools: Vec<Value> = (0..60)
            .map(|i| serde_json::json!({ "name": format!("tool_{i}") }))
            .collect();
        let mut reversed = tools.clone();
        reversed.reverse();
        let a: Vec<_> = sample(&tools).iter().map(|t| t["name"].clone()).collect();
        let b: Vec<_> = sample(&reversed)
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(a.len(), PER_SERVER);
        assert_eq!(a, b);
    }

    #[test]
    fn scores_count_precision_and_recall() {
        let mut s = Scores::new(&["read".into(), "write".into()]);
        s.add(0, 0);
        s.add(0, 1);
        s.add(1, 1);
        assert_eq!(s.total(), 3);
        assert!((s.agreement() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.recall(0), Some(0.5));
        assert_eq!(s.precision(1), Some(0.5));
    }
}
