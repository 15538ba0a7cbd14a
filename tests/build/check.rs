//! `toolrisk check`: validates without writing, reports every broken link
//! with its page and line, and finds none in the example site.

use crate::common::*;

#[test]
fn check_validates_without_writing() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let before = snapshot(&site);
    let run = toolrisk_in(Some(tmp.path()), ["check".as_ref(), site.as_os_str()]);
    run.ok("check ok");
    assert!(run.stdout.contains("Checked"), "{}", run.stdout);
    assert!(
        run.stdout.contains("4 servers and 12 tools"),
        "{}",
        run.stdout
    );
    assert_same_tree(&before, &snapshot(&site), "site after check");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "check wrote beside the site"
    );

    let bad = tmp.path().join("bad");
    copy_dir(&fixture("bad-three"), &bad);
    let bad_before = snapshot(&bad);
    let run = toolrisk_in(Some(tmp.path()), ["check".as_ref(), bad.as_os_str()]);
    run.failed("check bad")
        .stderr_has("error 1: content/attacks/gamma.md:4:")
        .stderr_has("error 2: content/servers/alpha.json:4:5:")
        .stderr_has("error 3: content/servers/beta.json:5:3:")
        .stderr_has("3 problems found");
    assert_same_tree(&bad_before, &snapshot(&bad), "bad site after check");

    // A render-time problem is found by check too.
    let tpl = tmp.path().join("tpl");
    copy_dir(&fixture("bad-template"), &tpl);
    toolrisk(["check".as_ref(), tpl.as_os_str()])
        .failed("check bad template")
        .stderr_has("templates/tool.html:4: template error");
    assert!(!tpl.join("public").exists());
}

#[test]
fn check_reports_every_broken_link_with_its_page_and_line() {
    let site = fixture("bad-links");
    let run = toolrisk([
        "check".as_ref(),
        site.as_os_str(),
        "--color".as_ref(),
        "never".as_ref(),
    ]);
    assert_stderr_snapshot(
        &run,
        "bad-links",
        "check.stderr",
        &[(&site.to_string_lossy(), "[SITE]")],
    );
    run.failed("check a site with broken links");
    // The links are check's business; the site itself renders.
    toolrisk(["check".as_ref(), site.as_os_str(), "--no-links".as_ref()]).ok("check --no-links");
}

#[test]
fn the_example_site_has_no_broken_links() {
    let run = toolrisk(["check".as_ref(), example_site().as_os_str()]);
    run.ok("check of the example site");
    assert!(run.stdout.contains("Checked"), "{}", run.stdout);
}
