//! `toolrisk serve` started on a site that does not build: every path
//! answers with an error page carrying the overlay and the live-reload
//! script, which turns into the site once the file is fixed.

use super::serve::{Browser, Server, edit};
use crate::common::*;

const RECORD: &str = "content/servers/job-runner.json";

/// A copy of the ok fixture whose record of job-runner is malformed.
fn broken_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let src = fixture("ok");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::copy(src.join("site.toml"), site.join("site.toml")).unwrap();
    copy_dir(&src.join("content"), &site.join("content"));
    edit(&site.join(RECORD), "\"tools\": [", "\"tools\": [[,");
    (tmp, site)
}

#[test]
fn serve_on_a_broken_site_serves_the_errors_and_reloads_once_fixed() {
    let (_tmp, site) = broken_site();
    let server = Server::start_broken_site(&site);
    for path in ["/", "/servers/job-runner/run_job/", "/no/such/page/"] {
        let (status, head, body) = server.get(path);
        assert_eq!(status, 503, "{path}");
        assert!(head.contains("content-type: text/html"), "{head}");
        assert!(
            head.contains("content-security-policy: default-src 'self'"),
            "{head}"
        );
        assert!(
            body.contains("<h1>The site could not be built</h1>"),
            "{body}"
        );
        assert!(body.contains("content/servers/job-runner.json:"), "{body}");
        assert!(
            body.contains("<script src=\"/__toolrisk/live.js\"></script></body>"),
            "{body}"
        );
    }
    let browser = Browser::start();
    browser.goto(&server.url("/servers/job-runner/run_job/"));
    let overlay = browser.wait_until(
        "var o = document.getElementById('toolrisk-overlay'); return o && o.textContent",
        "the error overlay on the error page",
    );
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("no build has succeeded yet")
            && overlay.contains("content/servers/job-runner.json:"),
        "{overlay}"
    );
    edit(&server.site.join(RECORD), "\"tools\": [[,", "\"tools\": [");
    browser.wait_until(
        "return !document.getElementById('toolrisk-overlay') && document.querySelector('h1') && document.querySelector('h1').textContent === 'Run job'",
        "the page to reload into the tool page",
    );
    assert_eq!(server.get("/").0, 200);
}
