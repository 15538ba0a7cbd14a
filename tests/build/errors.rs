//! Bad inputs: each `bad-*` fixture fails to build, leaves nothing behind,
//! and reports its problems with their file, line and help. The whole
//! stderr of each is kept beside the fixture as a snapshot.

use crate::common::*;

/// Builds fixture `name`, which must fail without leaving anything behind,
/// and compares its whole stderr with tests/fixtures/NAME/build.stderr.
fn build_bad(name: &str) -> Run {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let site = fixture(name);
    let run = toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--color".as_ref(),
        "never".as_ref(),
    ]);
    run.failed(name);
    assert!(
        !out.exists(),
        "{name}: a failed build created the output folder"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "{name}: a failed build left {left:?} beside the output"
    );
    assert!(!run.stdout.contains("Built"), "{name}: {}", run.stdout);
    assert_stderr_snapshot(
        &run,
        name,
        "build.stderr",
        &[
            (&tmp.path().to_string_lossy(), "[TMP]"),
            (&site.to_string_lossy(), "[SITE]"),
        ],
    );
    run
}

#[test]
fn bad_json_names_file_line_and_column() {
    build_bad("bad-json");
}

#[test]
fn bad_unknown_field_names_it_and_the_expected_fields() {
    build_bad("bad-unknown-field");
}

#[test]
fn bad_missing_tool_name() {
    build_bad("bad-missing-name");
}

#[test]
fn bad_duplicate_tool() {
    build_bad("bad-duplicate-tool");
}

#[test]
fn bad_server_slug_names_the_file() {
    build_bad("bad-slug");
}

#[test]
fn bad_category() {
    build_bad("bad-category");
}

#[test]
fn bad_risk() {
    build_bad("bad-risk");
}

#[test]
fn bad_front_matter_names_file_and_line() {
    build_bad("bad-front-matter");
}

#[test]
fn bad_shortcode_names_file_and_line() {
    build_bad("bad-shortcode");
}

#[test]
fn bad_template_names_template_and_line() {
    build_bad("bad-template");
}

#[test]
fn three_problems_in_three_files_are_all_reported() {
    build_bad("bad-three");
}

#[test]
fn an_entry_with_a_bad_field_still_has_its_references_checked_in_the_same_run() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let entry = site.join("content/attacks/refund-abuse.md");
    let text = read(&entry)
        .replacen("severity = \"critical\"", "severity = \"urgent\"", 1)
        .replacen(
            "categories = [\"financial\"]",
            "categories = [\"financial\"]\ntools = [\"notes-box/no_such_tool\"]",
            1,
        );
    std::fs::write(&entry, text).unwrap();
    let run = build(&site, &tmp.path().join("out"));
    run.failed("an entry with two problems");
    run.stderr_has("content/attacks/refund-abuse.md:4: unknown severity `urgent`")
        .stderr_has(
            "content/attacks/refund-abuse.md:6: `tools` names `notes-box/no_such_tool`, which is not in the catalogue",
        )
        .stderr_has("2 problems found");
}

/// Every `bad-*` fixture has its stderr kept beside it, so that a new one
/// cannot be added without its messages being reviewed.
#[test]
fn every_bad_fixture_keeps_its_stderr() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("bad-") {
            bad.push(name);
        }
    }
    bad.sort();
    assert!(bad.len() >= 12, "{bad:?}");
    let missing: Vec<_> = bad
        .iter()
        .filter(|name| {
            let dir = fixtures.join(name);
            !dir.join("build.stderr").is_file() && !dir.join("check.stderr").is_file()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no build.stderr or check.stderr in {missing:?}"
    );
}
