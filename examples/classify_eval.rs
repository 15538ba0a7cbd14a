//! Measures the classifier against the labelled corpus of real tools.
//!
//!     cargo run --release --example classify_eval [-- --held-out] [-- --fresh] [-- --newest] [-- --latest] [-- --whole] [-- --with-newest] [-- --with-latest] [-- --errors]
//!
//! Prints agreement, per-category precision and recall, the confusion
//! matrix and the confidence calibration, under 5-fold cross-validation
//! grouped by server over the development part of the corpus: every fold is
//! scored by a model trained on the other folds, so a server's tools are
//! never both learned from and scored. With `--held-out` it also scores the
//! held-out fifth of the servers, with a model trained on the whole
//! development part; that part is for the end of a round of tuning only.
//! With `--fresh` it scores the servers `corpus/fresh.txt` lists, added
//! after the design was settled, with a model trained on the development
//! and held-out parts; with `--newest` the servers `corpus/newest.txt`
//! lists, added after that, with a model trained on the three parts before it.
//! `--with-newest` adds the newest part to the held-out and fresh models'
//! training, to measure what more servers are worth, and `--with-latest`
//! adds the latest part to the held-out, fresh and newest models' training.
//! `--whole` runs the
//! same server-grouped folds over every part but the latest (every other
//! part has been scored, so changes are tried there now), and `--latest`
//! scores the servers `corpus/latest.txt` lists with a model trained on
//! every other part. `--errors` lists every tool the classifier and the labels disagree on.

use std::path::Path;

use toolrisk::config::Config;
use toolrisk::corpus::{self, Part, Scored};

fn report(title: &str, scored: &[Scored], errors: bool) {
    let s = corpus::scores(scored);
    let servers: std::collections::BTreeSet<&str> = scored
        .iter()
        .map(|r| r.id.split('/').next().unwrap_or(""))
        .collect();
    println!("## {title}\n");
    println!(
        "{} tools of {} servers; agreement {:.1} %\n",
        s.total(),
        servers.len(),
        s.agreement() * 100.0
    );
    println!("{}", s.to_markdown());
    let (low, rest, ratio) = corpus::calibration(scored);
    println!(
        "Calibration: the lowest tenth of confidence is wrong {:.1} % of the time, the rest {:.1} %: {:.1} times as often.\n",
        low * 100.0,
        rest * 100.0,
        ratio
    );
    if errors {
        for r in scored.iter().filter(|r| r.label != r.predicted) {
            println!(
                "- {}: labelled {}, classified {} ({:.2})",
                r.id, r.label, r.predicted, r.confidence
            );
        }
        println!();
    }
}

/// The shipped training settings, with any of `--epochs N`, `--l2 X`,
/// `--min-count N`, `--rule-weight X` or `--class-power X` given on the line instead, to try
/// other settings under cross-validation before changing the shipped ones.
fn settings_from(args: &[String]) -> corpus::TrainSettings {
    let mut s = corpus::settings();
    let value = |flag: &str| -> Option<f64> {
        let i = args.iter().position(|a| a == flag)?;
        let v = args.get(i + 1)?;
        Some(v.parse().unwrap_or_else(|_| {
            eprintln!("error: {flag} takes a number, not `{v}`");
            std::process::exit(2)
        }))
    };
    if let Some(v) = value("--epochs") {
        s.epochs = v as usize;
    }
    if let Some(v) = value("--l2") {
        s.l2 = v;
    }
    if let Some(v) = value("--min-count") {
        s.min_count = v as usize;
    }
    if let Some(v) = value("--rule-weight") {
        s.rule_weight = v;
    }
    if let Some(v) = value("--class-power") {
        s.class_power = v;
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let held_out = args.iter().any(|a| a == "--held-out");
    let errors = args.iter().any(|a| a == "--errors");
    let fresh_part = args.iter().any(|a| a == "--fresh");
    let newest_part = args.iter().any(|a| a == "--newest");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let tools = corpus::load(&root).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let config = Config::parse("title = \"Evaluation\"\nbase_url = \"https://e.com/\"\n")
        .expect("the default settings parse");
    let part =
        |p: Part| -> Vec<&corpus::LabelledTool> { tools.iter().filter(|t| t.part == p).collect() };
    let (dev, test, fresh, newest, latest) = (
        part(Part::Development),
        part(Part::HeldOut),
        part(Part::Fresh),
        part(Part::Newest),
        part(Part::Latest),
    );
    let all_but_latest: Vec<_> = tools.iter().filter(|t| t.part != Part::Latest).collect();
    let agree = tools.iter().filter(|t| t.label_a == t.label_b).count();
    println!(
        "# Classifier evaluation\n\nCorpus: {} labelled tools; the two labellers agree on {} ({:.1} %).\n",
        tools.len(),
        agree,
        agree as f64 * 100.0 / tools.len().max(1) as f64
    );
    if let Some(i) = args.iter().position(|a| a == "--explain") {
        // Why the model trained without the tool's own server decides as it does.
        let id = args.get(i + 1).cloned().unwrap_or_default();
        // `--explain '{"name": ...}'` explains a definition given on the line.
        let given = serde_json::from_str::<serde_json::Value>(&id)
            .ok()
            .map(|v| corpus::LabelledTool {
                server: "given".into(),
                part: Part::Development,
                domain: String::new(),
                tool: corpus::to_record(&v).expect("a tool definition"),
                label_a: String::new(),
                label_b: String::new(),
                label: "?".into(),
            });
        let t = given
            .as_ref()
            .or_else(|| tools.iter().find(|t| t.id() == id))
            .unwrap_or_else(|| {
                eprintln!("error: no labelled tool `{id}`");
                std::process::exit(1)
            });
        let learn: Vec<_> = dev
            .iter()
            .copied()
            .filter(|o| o.server != t.server)
            .collect();
        let model = corpus::train(&learn, &config, corpus::settings());
        let feats = toolrisk::classify::features::extract(&t.tool, &t.server, &config);
        let p = model.predict(
            &feats,
            &toolrisk::classify::rule_scores(&t.tool, &config, &model.classes),
        );
        println!(
            "{id}: labelled {}, best {} ({:.2}), runner-up {}",
            t.label, model.classes[p.best], p.probabilities[p.best], model.classes[p.runner_up]
        );
        for (f, pull) in &p.contributions {
            println!("  {:+.3}  {}  {:?}", pull, f.key, f.quote);
        }
        return;
    }
    let settings = settings_from(&args);
    let cv = corpus::cross_validate(&dev, &config, settings, 5);
    report(
        "Development part, 5-fold cross-validation grouped by server",
        &cv,
        errors,
    );
    // `--whole`: the same folds over every part. Every part has been scored
    // once, so from session 20 on this is where changes are tried; a part
    // listed after them is what judges them.
    if args.iter().any(|a| a == "--whole") {
        let cv = corpus::cross_validate(&all_but_latest, &config, settings, 5);
        report(
            "Every part but the latest, 5-fold cross-validation grouped by server",
            &cv,
            errors,
        );
    }
    // `--with-newest`: the held-out and fresh models also learn from the
    // newest part, to measure what more servers in training are worth;
    // `--with-latest` adds the latest part to the held-out, fresh and
    // newest models.
    let with_newest = args.iter().any(|a| a == "--with-newest");
    let with_latest = args.iter().any(|a| a == "--with-latest");
    let latest_extra: &[&corpus::LabelledTool] = if with_latest { &latest } else { &[] };
    let extra: Vec<&corpus::LabelledTool> = if with_newest { &newest[..] } else { &[] }
        .iter()
        .chain(latest_extra)
        .copied()
        .collect();
    let also = if with_latest {
        " (and the latest part)"
    } else {
        ""
    };
    if held_out {
        let learn: Vec<_> = dev.iter().chain(&extra).copied().collect();
        let model = corpus::train(&learn, &config, settings);
        let scored = corpus::score(&test, &config, &model);
        report(
            &if with_newest {
                format!("Held-out servers, model trained on the development and newest parts{also}")
            } else {
                format!("Held-out servers, model trained on the development part{also}")
            },
            &scored,
            errors,
        );
    }
    if fresh_part {
        let learn: Vec<_> = dev.iter().chain(&test).chain(&extra).copied().collect();
        let model = corpus::train(&learn, &config, settings);
        let scored = corpus::score(&fresh, &config, &model);
        report(
            &if with_newest {
                format!(
                    "Fresh servers, model trained on the development, held-out and newest parts{also}"
                )
            } else {
                format!("Fresh servers, model trained on the development and held-out parts{also}")
            },
            &scored,
            errors,
        );
    }
    if newest_part {
        let learn: Vec<_> = dev
            .iter()
            .chain(&test)
            .chain(&fresh)
            .chain(latest_extra)
            .copied()
            .collect();
        let model = corpus::train(&learn, &config, settings);
        let scored = corpus::score(&newest, &config, &model);
        report(
            &if with_latest {
                "Newest servers, model trained on every other part".to_string()
            } else {
                "Newest servers, model trained on the parts before it".to_string()
            },
            &scored,
            errors,
        );
    }
    if args.iter().any(|a| a == "--latest") {
        let model = corpus::train(&all_but_latest, &config, settings);
        let scored = corpus::score(&latest, &config, &model);
        report(
            "Latest servers, model trained on every other part",
            &scored,
            errors,
        );
    }
}
