//! Bad inputs: each `bad-*` fixture fails to build, leaves nothing behind,
//! and reports its problems with their file, line and help.

use crate::common::*;

fn build_bad(name: &str) -> Run {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let run = build(&fixture(name), &out);
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
    run
}

#[test]
fn bad_json_names_file_line_and_column() {
    build_bad("bad-json")
        .stderr_has("error 1: content/servers/broken.json:6:7: malformed JSON: expected `,` or `}`")
        .stderr_has("help: look for a missing comma")
        .stderr_has("1 problem found");
}

#[test]
fn bad_unknown_field_names_it_and_the_expected_fields() {
    build_bad("bad-unknown-field").stderr_has(
        "content/servers/typo.json:6:18: unknown field `descripton`, expected one of `name`, `title`, `description`, `inputSchema`, `outputSchema`, `annotations`, `icons`, `_meta`, `category`, `risk`, `rationale`",
    ).stderr_has("move the data under `extra`");
}

#[test]
fn bad_missing_tool_name() {
    let run = build_bad("bad-missing-name");
    assert_eq!(
        run.stderr,
        "error 1: content/servers/nameless.json:5:5: tool 2 has no `name`\n   help: every tool \
         needs the name it has in the server's tools/list, e.g. \"name\": \"search_issues\"\n\
         1 problem found\n"
    );
}

#[test]
fn bad_duplicate_tool() {
    build_bad("bad-duplicate-tool").stderr_has(
        "content/servers/twice.json:6:5: duplicate tool `read_item`: tools 1 and 3 have the same name",
    );
}

#[test]
fn bad_server_slug_names_the_file() {
    build_bad("bad-slug")
        .stderr_has("content/servers/Bad Slug.json: server slug `Bad Slug` may only contain lowercase letters, digits, `.`, `_` and `-`")
        .stderr_has("rename the file to something like `bad-slug.json`");
}

#[test]
fn bad_category() {
    build_bad("bad-category").stderr_has(
        "content/servers/cats.json:5:5: tool `run_thing` has unknown category `exec`; expected one of `read`, `write`, `execute`, `destructive`, `financial`, `other`",
    );
}

#[test]
fn bad_risk() {
    build_bad("bad-risk").stderr_has(
        "content/servers/risky.json:4:5: tool `read_item` has unknown risk `severe`; expected one of `low`, `medium`, `high`, `critical`",
    );
}

#[test]
fn bad_front_matter_names_file_and_line() {
    build_bad("bad-front-matter")
        .stderr_has("content/attacks/broken-entry.md:4:12: bad front matter: ");
}

#[test]
fn bad_shortcode_names_file_and_line() {
    build_bad("bad-shortcode")
        .stderr_has("content/pages/examples.md:10: shortcode names tool `fine/no_such_tool`, which is not in the catalogue")
        .stderr_has("check the tool's name in content/servers/fine.json");
}

#[test]
fn bad_template_names_template_and_line() {
    build_bad("bad-template")
        .stderr_has("templates/tool.html:4: template error: ")
        .stderr_has("1 problem found");
}

#[test]
fn three_problems_in_three_files_are_all_reported() {
    let run = build_bad("bad-three");
    let e = &run.stderr;
    for needle in [
        "error 1: content/attacks/gamma.md:4: unknown severity `urgent`; expected one of `low`, `medium`, `high`, `critical`",
        "error 2: content/servers/alpha.json:4:5: tool `read_item` has unknown risk `extreme`",
        "error 3: content/servers/beta.json:5:3: malformed JSON: trailing comma",
        "3 problems found",
    ] {
        run.stderr_has(needle);
    }
    assert!(!e.contains("error 4:"), "{e}");
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
