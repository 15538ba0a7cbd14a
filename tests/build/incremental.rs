//! Incremental `toolrisk build`: after a change to server records alone, a
//! build renders only what they reach, into the output in place, and leaves
//! exactly the output a full build writes; any other change, or a state
//! that does not describe the output, makes it a full build.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::common::*;

/// A copy of fixture `name` and an output folder beside it, in a temporary
/// folder; every file dated an hour ago, so that none is too new to trust
/// its date (a file changed within two seconds of a build is read again by
/// the next one).
fn site_copy(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempdir();
    let site = dir.path().join("site");
    copy_dir(&fixture(name), &site);
    age(&site);
    let out = dir.path().join("public");
    (dir, site, out)
}

fn age(root: &Path) {
    for rel in list_files(root) {
        age_file(&root.join(rel));
    }
}

fn age_file(path: &Path) {
    let past = SystemTime::now() - Duration::from_secs(3600);
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(past).unwrap();
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn build_run(site: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    toolrisk(args)
}

/// [`build_run`], which must succeed.
fn built(site: &Path, out: &Path, extra: &[&str], what: &str) -> Run {
    let run = build_run(site, out, extra);
    run.ok(what);
    run
}

/// What a full build of `site` writes.
fn full_build(site: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = tempdir();
    let out = dir.path().join("full");
    built(site, &out, &["--full"], "full build");
    snapshot(&out)
}

fn assert_mode(run: &Run, start: &str) {
    assert!(
        run.stdout.starts_with(start),
        "expected a summary starting with {start:?}, got:\n{}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn record_edits_rebuild_in_place_what_a_full_build_writes() {
    let (_dir, site, out) = site_copy("ok");
    assert_mode(&built(&site, &out, &[], "first build"), "Built ");
    let notes = site.join("content/servers/notes-box.json");
    // A new description, and a tool renamed: its old pages must go.
    edit(
        &notes,
        "Remove a note for good.",
        "Remove a note & its history for good.",
    );
    edit(&notes, "\"getNoteById\"", "\"fetch_note\"");
    edit(
        &site.join("content/servers/job-runner.json"),
        "\"description\": \"",
        "\"description\": \"Edited: ",
    );
    let run = built(&site, &out, &[], "incremental build");
    assert_mode(&run, "Rebuilt for 2 changed server records:");
    assert!(!out.join("servers/notes-box/getNoteById").exists());
    assert!(
        out.join("servers/notes-box/fetch_note/index.html")
            .is_file()
    );
    // The Markdown twins moved with their pages, and are compared below
    // with the rest of the tree.
    assert!(
        read(&out.join("servers/notes-box/fetch_note/index.md")).starts_with("# fetch\\_note\n")
    );
    assert!(
        read(&out.join("servers/notes-box/delete_note/index.md"))
            .contains("\n> Remove a note \\& its history for good.\n")
    );
    assert!(read(&out.join("servers/notes-box/index.md")).contains("[fetch\\_note]("));
    assert!(read(&out.join("servers/job-runner/index.md")).contains("\n> Edited: "));
    assert_same_tree(
        &snapshot(&out),
        &full_build(&site),
        "after two record edits",
    );
}

#[test]
fn an_unchanged_site_is_up_to_date_and_a_save_without_changes_writes_nothing() {
    let (_dir, site, out) = site_copy("ok");
    built(&site, &out, &[], "first build");
    let before = snapshot(&out);
    assert_mode(&built(&site, &out, &[], "second build"), "Up to date");
    // Saved again with the same bytes: a new date, so the record is read
    // again, and nothing is written.
    let notes = site.join("content/servers/notes-box.json");
    edit(&notes, "Keeps short notes", "Keeps short notes");
    let run = built(&site, &out, &[], "after a save");
    assert_mode(&run, "Rebuilt for 1 changed server record:");
    assert!(
        run.stdout.contains(", 0 changed and written, 0 removed"),
        "{}",
        run.stdout
    );
    assert_same_tree(
        &snapshot(&out),
        &before,
        "after a save that changed nothing",
    );
    // It was saved just before that build: its bytes, not its date, tell
    // whether it changed since.
    age_file(&notes);
    assert_mode(&built(&site, &out, &[], "aged"), "Up to date");
    edit(&notes, "Keeps short notes", "Keeps small notes");
    age_file(&notes);
    assert_mode(
        &built(&site, &out, &[], "same length, old date"),
        "Rebuilt for 1 changed server record:",
    );
}

#[test]
fn other_changes_build_everything() {
    let (_dir, site, out) = site_copy("ok");
    built(&site, &out, &[], "first build");
    // A new static file.
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::write(site.join("static/robots-extra.txt"), "hello").unwrap();
    assert_mode(&built(&site, &out, &[], "static"), "Built ");
    assert!(out.join("robots-extra.txt").is_file());
    // A new server record.
    std::fs::copy(
        site.join("content/servers/notes-box.json"),
        site.join("content/servers/notes-box-two.json"),
    )
    .unwrap();
    assert_mode(&built(&site, &out, &[], "new record"), "Built ");
    assert!(out.join("servers/notes-box-two/index.html").is_file());
    // A record that moves the catalogue's date, shown on every page.
    edit(
        &site.join("content/servers/pay-desk.json"),
        "\"checked\": \"2026-01-20\"",
        "\"checked\": \"2026-03-09\"",
    );
    assert_mode(&built(&site, &out, &[], "new date"), "Built ");
    assert_same_tree(&snapshot(&out), &full_build(&site), "after a new date");
    // Another base URL, or --full.
    age(&site);
    let run = built(
        &site,
        &out,
        &["--base-url", "https://other.example/"],
        "base url",
    );
    assert_mode(&run, "Built ");
    age(&site);
    assert_mode(&built(&site, &out, &["--full"], "--full"), "Built ");
}

#[test]
fn a_broken_record_changes_nothing_and_its_fix_rebuilds() {
    let (_dir, site, out) = site_copy("ok");
    built(&site, &out, &[], "first build");
    let before = snapshot(&out);
    let notes = site.join("content/servers/notes-box.json");
    edit(&notes, "\"name\": \"ping\"", "\"name\": \"ping\",, ");
    let run = build_run(&site, &out, &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("notes-box.json"), "{}", run.stderr);
    assert_same_tree(&snapshot(&out), &before, "after a failed build");
    edit(&notes, "\"name\": \"ping\",, ", "\"name\": \"pong\"");
    let run = built(&site, &out, &[], "fixed");
    assert_mode(&run, "Rebuilt for 1 changed server record:");
    assert_same_tree(&snapshot(&out), &full_build(&site), "after the fix");
}

#[test]
fn a_state_left_by_another_output_or_a_replaced_output_is_not_used() {
    let (dir, site, out) = site_copy("ok");
    built(&site, &out, &[], "first build");
    // The output replaced by something else: the state no longer describes
    // it.
    let moved = dir.path().join("moved");
    std::fs::rename(&out, &moved).unwrap();
    copy_dir(&moved, &out);
    edit(
        &site.join("content/servers/notes-box.json"),
        "Keeps short notes",
        "Keeps brief notes",
    );
    assert_mode(&built(&site, &out, &[], "replaced output"), "Built ");
    // A damaged state file is ignored.
    let state = dir.path().join(".public.toolrisk-state");
    assert!(state.is_file(), "the state is kept beside the output");
    let mut bytes = std::fs::read(&state).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&state, bytes).unwrap();
    age(&site);
    edit(
        &site.join("content/servers/notes-box.json"),
        "Keeps brief notes",
        "Keeps short notes",
    );
    assert_mode(&built(&site, &out, &[], "damaged state"), "Built ");
    assert_same_tree(&snapshot(&out), &full_build(&site), "after a damaged state");
}

#[test]
fn a_list_that_gains_or_loses_a_page_reaches_the_sitemap() {
    // Two tools a page: a tool that moves from one category to another
    // moves both lists' page counts.
    let (_dir, site, out) = site_copy("paged");
    built(&site, &out, &[], "first build");
    let before = snapshot(&out);
    edit(
        &site.join("content/servers/alpha.json"),
        "\"annotations\": { \"readOnlyHint\": true }",
        "\"category\": \"destructive\"",
    );
    let run = built(&site, &out, &[], "incremental build");
    assert_mode(&run, "Rebuilt for 1 changed server record:");
    let after = snapshot(&out);
    assert_ne!(
        before.get("sitemap.xml"),
        after.get("sitemap.xml"),
        "the edit moves a list page in or out of the sitemap"
    );
    assert_same_tree(&after, &full_build(&site), "after a tool changed lists");
}

#[test]
fn static_files_keep_their_place_over_rendered_pages() {
    let (_dir, site, out) = site_copy("ok");
    for (path, text) in [
        ("static/robots.txt", "User-agent: *\nDisallow: /private/\n"),
        (
            "static/servers/notes-box/logo.txt",
            "a file beside the pages",
        ),
    ] {
        let full = site.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    age(&site);
    built(&site, &out, &[], "first build");
    edit(
        &site.join("content/servers/notes-box.json"),
        "\"getNoteById\"",
        "\"fetch_note\"",
    );
    let run = built(&site, &out, &[], "incremental build");
    assert_mode(&run, "Rebuilt for 1 changed server record:");
    assert_eq!(
        read(&out.join("robots.txt")),
        "User-agent: *\nDisallow: /private/\n"
    );
    assert!(out.join("servers/notes-box/logo.txt").is_file());
    assert_same_tree(&snapshot(&out), &full_build(&site), "with static files");
}

#[test]
fn an_output_emptied_by_hand_is_built_again() {
    let (_dir, site, out) = site_copy("ok");
    built(&site, &out, &[], "first build");
    for entry in std::fs::read_dir(&out).unwrap().flatten() {
        if entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).unwrap();
        } else if entry.file_name() != ".toolrisk-output" {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    assert_mode(&built(&site, &out, &[], "after emptying"), "Built ");
    assert!(out.join("index.html").is_file());
}
