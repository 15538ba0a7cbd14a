//! `cargo build --release` and `cargo test --release` compile every
//! dependency once between them: each package both builds use is asked for
//! with the same features in both, so the test build finds it compiled.
//!
//! A dev-dependency that turns on a feature of a shared package (scraper
//! turns on syn's `visit`, through derive_more) makes the test build compile
//! that package again with everything built on it, which was most of the
//! dependencies. Cargo.toml asks for those features in every build; this
//! test reads both feature sets with `cargo tree` and fails, naming the
//! package and the features, when a dependency update brings a new one.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Package (`name vX.Y.Z`) → the features `cargo tree` shows it built with,
/// over the dependency kinds `edges` (`normal,build` or with `dev`).
fn features(edges: &str) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            // The host's packages only: the builds have fetched them, so
            // nothing needs the network (other platforms' packages may
            // never have been fetched).
            "tree",
            "--offline",
            "--prefix",
            "none",
            "--format",
            "{p} [{f}]",
            "--edges",
            edges,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&String::from_utf8(out.stdout).unwrap())
}

/// Reads `cargo tree --prefix none --format "{p} [{f}]"` output.
fn parse(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_end().trim_end_matches(" (*)");
        let Some((package, features)) = line.rsplit_once(" [") else {
            continue;
        };
        // `(proc-macro)` and the path of a local package stay in the key:
        // they tell apart what a name and version alone would not.
        let features = features.strip_suffix(']').unwrap_or(features);
        out.entry(package.trim().to_string()).or_default().extend(
            features
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string),
        );
    }
    out
}

/// The packages both builds use with features that differ, each with the
/// features only the test build turns on (and any only the plain build
/// does).
fn differences(
    plain: &BTreeMap<String, BTreeSet<String>>,
    test: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    plain
        .iter()
        .filter_map(|(package, features)| {
            let other = test.get(package)?;
            (features != other).then(|| {
                format!(
                    "{package}: the test build adds {:?}{}",
                    other.difference(features).collect::<Vec<_>>(),
                    match features.difference(other).collect::<Vec<_>>() {
                        only if only.is_empty() => String::new(),
                        only => format!(", the plain build alone has {only:?}"),
                    }
                )
            })
        })
        .collect()
}

#[test]
fn the_build_and_the_test_build_ask_for_the_same_features() {
    let plain = features("normal,build");
    let test = features("normal,build,dev");
    assert!(plain.len() > 100, "{} packages", plain.len());
    assert!(
        test.len() > plain.len(),
        "the test build has its own packages too"
    );
    let problems = differences(&plain, &test);
    assert!(
        problems.is_empty(),
        "these packages would be compiled twice (ask for the test build's features \
         in Cargo.toml's [dependencies], as for derive_more):\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_feature_only_tests_turn_on_is_reported() {
    let plain = parse(
        "toolrisk v0.1.0 (/x) [default]\nsyn v2.0.1 [default,full]\nserde v1.0.0 [std] (*)\n",
    );
    let test = parse(
        "toolrisk v0.1.0 (/x) [default]\nsyn v2.0.1 [default,full,visit]\nserde v1.0.0 [std]\n\
         scraper v0.29.0 [default]\n",
    );
    assert_eq!(
        differences(&plain, &test),
        ["syn v2.0.1: the test build adds [\"visit\"]"]
    );
    assert!(differences(&plain, &plain).is_empty());
}
