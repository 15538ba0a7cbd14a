//! The output folder is safe: a failed build keeps the old output, two
//! builds are byte-identical, and `--output` refuses folders toolrisk does
//! not own.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

fn failed_build_keeps_output(break_site: impl Fn(&Path), what: &str) {
    let out_parent = tempdir();
    let out = out_parent.path().join("out");
    build(&fixture("ok"), &out).ok("first build");
    let before = snapshot(&out);
    assert!(before.len() > 50);

    let site_tmp = tempdir();
    let site = site_tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    break_site(&site);
    let run = build(&site, &out);
    run.failed(what);
    assert!(run.stderr.contains("problem"), "{}", run.stderr);

    let after = snapshot(&out);
    assert_same_tree(&before, &after, what);
    // The first build's state stays: the output it describes is unchanged.
    let mut beside: Vec<String> = std::fs::read_dir(out_parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(
        beside,
        vec![".out.toolrisk-state".to_string(), "out".to_string()],
        "{what}: staging left beside the output"
    );
    let in_site: Vec<String> = list_files(&site)
        .into_iter()
        .filter(|f| f.contains("toolrisk-"))
        .collect();
    assert!(
        in_site.is_empty(),
        "{what}: left {in_site:?} in the site folder"
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_load_error() {
    failed_build_keeps_output(
        |site| {
            std::fs::write(
                site.join("content/servers/broken.json"),
                "{ \"name\": \"x\" \"tools\": [] }",
            )
            .unwrap()
        },
        "broken record",
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_render_error() {
    // A template error is found after the staging folder exists.
    failed_build_keeps_output(
        |site| {
            std::fs::create_dir_all(site.join("templates")).unwrap();
            std::fs::write(
                site.join("templates/server.html"),
                "{% extends \"base.html\" %}{% block content %}{{ nope(\" }}{% endblock content %}",
            )
            .unwrap();
        },
        "broken template",
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_runtime_template_error() {
    // Compiles, but fails while rendering: a missing variable.
    failed_build_keeps_output(
        |site| {
            std::fs::create_dir_all(site.join("templates")).unwrap();
            std::fs::write(
                site.join("templates/page.html"),
                "{% extends \"base.html\" %}{% block content %}{{ no_such_variable.field }}{% endblock content %}",
            )
            .unwrap();
        },
        "template failing at render time",
    );
}

// ---------------------------------------------------------------------------
// Reproducible builds.
// ---------------------------------------------------------------------------

#[test]
fn two_builds_are_byte_identical() {
    for name in ["ok", "hostile"] {
        let a = tempdir();
        let b = tempdir();
        build(&fixture(name), &a.path().join("out")).ok("build a");
        build(&fixture(name), &b.path().join("elsewhere")).ok("build b");
        let sa = snapshot(&a.path().join("out"));
        let sb = snapshot(&b.path().join("elsewhere"));
        assert_same_tree(&sa, &sb, name);
        // And against the shared build (a third run, another output path).
        assert_same_tree(&sa, &snapshot(shared_build(name)), name);
    }
}

// ---------------------------------------------------------------------------
// --output refuses folders it does not own.
// ---------------------------------------------------------------------------

#[test]
fn output_refuses_foreign_and_site_folders() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let site_before = snapshot(&site);

    // A non-empty folder that toolrisk did not make.
    let foreign = tmp.path().join("docs");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "mine").unwrap();
    let run = build(&site, &foreign);
    run.failed("foreign output").stderr_has("refusing");
    assert_eq!(list_files(&foreign), vec!["keep.txt".to_string()]);
    assert_eq!(read(&foreign.join("keep.txt")), "mine");

    // The site folder itself, and a folder containing it.
    for target in [site.clone(), tmp.path().to_path_buf()] {
        let run = build(&site, &target);
        run.failed(&format!("output {}", target.display()))
            .stderr_has("refusing");
    }
    assert_same_tree(
        &site_before,
        &snapshot(&site),
        "site folder after refused builds",
    );
    let top: BTreeSet<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        top,
        BTreeSet::from(["docs".to_string(), "site".to_string()]),
        "refused builds left files"
    );

    // An empty folder and an earlier output are fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    build(&site, &empty).ok("empty output folder");
    build(&site, &empty).ok("rebuild over an earlier output");
    assert!(empty.join("index.html").is_file());
}
