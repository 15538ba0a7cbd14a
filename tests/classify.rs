//! The classifier against the labelled corpus of real tools (`corpus/`):
//! the corpus is what docs/classification.md says it is, the shipped
//! weights are the ones the corpus trains, and a model trained on the
//! development servers agrees with the labels of the held-out servers as
//! well as the documentation claims.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toolrisk::config::Config;
use toolrisk::corpus::{self, LabelledTool, Part};

fn corpus_tools() -> Vec<LabelledTool> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    corpus::load(&root).unwrap_or_else(|e| panic!("the corpus does not load: {e}"))
}

fn config() -> Config {
    Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
}

#[test]
fn corpus_is_large_varied_labelled_twice_and_sourced() {
    let tools = corpus_tools();
    let servers: BTreeSet<&str> = tools.iter().map(|t| t.server.as_str()).collect();
    assert!(tools.len() >= 1500, "{} labelled tools", tools.len());
    assert!(servers.len() >= 120, "{} servers", servers.len());
    let domains: BTreeSet<&str> = tools.iter().map(|t| t.domain.as_str()).collect();
    assert!(domains.len() >= 12, "domains: {domains:?}");
    for t in &tools {
        for l in [&t.label_a, &t.label_b, &t.label] {
            assert!(
                corpus::CLASSES.contains(&l.as_str()),
                "{}: `{l}` is not a category",
                t.id()
            );
        }
        assert!(
            t.label == t.label_a || t.label == t.label_b,
            "{}: the settled label is neither labeller's",
            t.id()
        );
    }
    // Every server file names where its definitions came from.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/servers");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let source = v["source"].as_str().unwrap_or("");
        assert!(
            source.starts_with("npm:")
                || source.starts_with("pypi:")
                || source.starts_with("repo:"),
            "{}: source `{source}` names no package or repository",
            path.display()
        );
        assert!(
            source.contains('@') || source.contains("=="),
            "{}: source `{source}` has no version or commit",
            path.display()
        );
    }
}

#[test]
fn shipped_weights_are_the_ones_the_corpus_trains() {
    let tools = corpus_tools();
    let all: Vec<&LabelledTool> = tools.iter().collect();
    let trained = corpus::trained_weights_json(&all, &config());
    let shipped = include_str!("../src/builtin/classifier.json");
    assert!(
        trained == shipped,
        "src/builtin/classifier.json is not what the corpus trains: run `cargo run --release --example classify_train`"
    );
}

#[test]
fn held_out_servers_agree_with_their_labels() {
    scored_part_meets_floors(
        &[Part::Development],
        Part::HeldOut,
        200,
        HELD_OUT_AGREEMENT,
        HELD_OUT_RECALL,
    );
}

#[test]
fn fresh_servers_agree_with_their_labels() {
    scored_part_meets_floors(
        &[Part::Development, Part::HeldOut],
        Part::Fresh,
        500,
        FRESH_AGREEMENT,
        FRESH_RECALL,
    );
}

#[test]
fn newest_servers_agree_with_their_labels() {
    scored_part_meets_floors(
        &[Part::Development, Part::HeldOut, Part::Fresh],
        Part::Newest,
        2000,
        NEWEST_AGREEMENT,
        NEWEST_RECALL,
    );
}

#[test]
fn latest_servers_agree_with_their_labels() {
    scored_part_meets_floors(
        &[Part::Development, Part::HeldOut, Part::Fresh, Part::Newest],
        Part::Latest,
        2500,
        LATEST_AGREEMENT,
        LATEST_RECALL,
    );
}

/// Trains on the `train` parts, scores the `scored` part and fails when its
/// agreement or a category's recall is below its floor, or confidence stops
/// telling the likely errors apart.
fn scored_part_meets_floors(
    train: &[Part],
    scored: Part,
    min_tools: usize,
    agreement: f64,
    recall: [(&str, f64); 5],
) {
    let tools = corpus_tools();
    let training: Vec<&LabelledTool> = tools.iter().filter(|t| train.contains(&t.part)).collect();
    let part: Vec<&LabelledTool> = tools.iter().filter(|t| t.part == scored).collect();
    assert!(
        part.len() >= min_tools,
        "{} tools in {scored:?}",
        part.len()
    );
    let config = config();
    let model = corpus::train(&training, &config, corpus::settings());
    let results = corpus::score(&part, &config, &model);
    let scores = corpus::scores(&results);
    let report = scores.to_markdown();
    assert!(
        scores.agreement() >= agreement,
        "{scored:?} agreement {:.3}\n{report}",
        scores.agreement()
    );
    for (c, floor) in recall {
        let i = corpus::CLASSES.iter().position(|k| *k == c).unwrap();
        let r = scores.recall(i).unwrap_or(0.0);
        assert!(
            r >= floor,
            "{scored:?}: recall of {c} {r:.3}, documented at least {floor}\n{report}"
        );
    }
    let (low, rest, _) = corpus::calibration(&results);
    assert!(
        low >= 2.0 * rest,
        "{scored:?}: the least confident tenth is wrong {low:.3} of the time, the rest {rest:.3}"
    );
}

/// The held-out figures docs/classification.md reports (86.5 % agreement;
/// recall read 94.9, write 83.3, execute 65.0, destructive 51.6, financial
/// 26.7 %), less a margin of a few tools: the test fails when a change makes
/// the classifier worse than documented. They are below the project's target
/// (95 %, every recall 90 %); the documentation says so.
const HELD_OUT_AGREEMENT: f64 = 0.84;
const HELD_OUT_RECALL: [(&str, f64); 5] = [
    ("read", 0.92),
    ("write", 0.79),
    ("execute", 0.55),
    ("destructive", 0.45),
    ("financial", 0.13),
];

/// The fresh servers' figures docs/classification.md reports (85.9 %;
/// recall read 90.7, write 82.4, execute 81.4, destructive 70.2, financial
/// 67.9 %), less a margin of a few tools.
const FRESH_AGREEMENT: f64 = 0.84;
const FRESH_RECALL: [(&str, f64); 5] = [
    ("read", 0.89),
    ("write", 0.79),
    ("execute", 0.79),
    ("destructive", 0.65),
    ("financial", 0.60),
];

/// The newest servers' figures docs/classification.md reports (91.3 %;
/// recall read 96.7, write 86.6, execute 74.0, destructive 70.6, financial
/// 64.0 %), less a margin of a few tools.
const NEWEST_AGREEMENT: f64 = 0.89;
const NEWEST_RECALL: [(&str, f64); 5] = [
    ("read", 0.95),
    ("write", 0.86),
    ("execute", 0.58),
    ("destructive", 0.64),
    ("financial", 0.40),
];

/// The latest servers' figures docs/classification.md reports (88.8 %;
/// recall read 96.3, write 85.0, execute 72.8, destructive 69.5, financial
/// 60.6 %), scored when the part was added, less a margin of a few
/// tools.
const LATEST_AGREEMENT: f64 = 0.87;
const LATEST_RECALL: [(&str, f64); 5] = [
    ("read", 0.95),
    ("write", 0.82),
    ("execute", 0.68),
    ("destructive", 0.66),
    ("financial", 0.55),
];

#[test]
fn a_server_is_never_in_two_folds_or_both_parts() {
    let tools = corpus_tools();
    let mut fold: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &tools {
        let f = corpus::fold_of(&t.server, 5);
        assert_eq!(*fold.entry(&t.server).or_insert(f), f);
    }
    let held: BTreeSet<&str> = tools
        .iter()
        .filter(|t| t.part == Part::HeldOut)
        .map(|t| t.server.as_str())
        .collect();
    // The fresh, newest and latest servers are listed by hand; the hash
    // chooses among the rest.
    let servers: BTreeSet<&str> = tools
        .iter()
        .filter(|t| !matches!(t.part, Part::Fresh | Part::Newest | Part::Latest))
        .map(|t| t.server.as_str())
        .collect();
    let share = held.len() as f64 / servers.len() as f64;
    assert!(
        (0.1..0.3).contains(&share),
        "held out: {share:.2} of servers"
    );
}
