//! `toolrisk serve` in a real headless Chromium through chromedriver: an
//! open page updates by itself and shows the error overlay.

use super::*;

#[test]
fn browser_page_updates_by_itself_and_shows_the_overlay() {
    let server = Server::start("ok");
    let browser = Browser::start();
    browser.goto(&server.url(TOOL_PAGE));
    browser.wait_until("return document.querySelector('h1') && document.querySelector('h1').textContent === 'Run job'", "the tool page");
    // Mark the page: a reload by the server clears the mark.
    browser.eval("window.__before_edit = true; return true;");
    let record = server.site.join(RECORD);
    edit(
        &record,
        "Trigger a run of a stored batch job.",
        "Trigger one stored batch job, edited live.",
    );
    browser.wait_until(
        "return !window.__before_edit && document.body.textContent.includes('Trigger one stored batch job, edited live.')",
        "the page to reload with the edit",
    );

    edit(&record, "\"tools\": [", "\"tools\": [[,");
    let overlay = browser.wait_until(
        "var o = document.getElementById('toolrisk-overlay'); return o && o.textContent",
        "the error overlay",
    );
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("content/servers/job-runner.json:"),
        "{overlay}"
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("serve-overlay.png"));

    edit(&record, "\"tools\": [[,", "\"tools\": [");
    browser.wait_until(
        "return !document.getElementById('toolrisk-overlay') && document.querySelector('h1') && document.querySelector('h1').textContent === 'Run job'",
        "the overlay to clear",
    );

    // The copy button copies the policy and says so. The page's clipboard
    // writer is swapped for one that keeps the text, to read it back.
    let policy = browser.eval("return document.querySelector('pre.json').textContent");
    browser.eval(
        "window.__copied = null; navigator.clipboard.writeText = function (t) { window.__copied = t; return Promise.resolve(); }; return true;",
    );
    browser.eval("document.querySelector('button.copy').click(); return true;");
    browser.wait_until(
        "return document.querySelector('button.copy').textContent === 'Copied'",
        "the copy button to confirm",
    );
    let served: Value =
        serde_json::from_str(&server.get(&format!("{TOOL_PAGE}policy.json")).2).unwrap();
    let shown: Value = serde_json::from_str(policy.as_str().unwrap()).unwrap();
    assert_eq!(shown, served, "the highlighted snippet is still the policy");
    let copied = browser.eval("return window.__copied");
    let copied = copied.as_str().expect("the button copied some text");
    assert_eq!(
        copied,
        policy.as_str().unwrap(),
        "the copied text is the snippet"
    );
    let copied: Value = serde_json::from_str(copied).unwrap();
    assert_eq!(copied, served, "the copied text is the policy");
    browser.screenshot(&shots.join("tool-page.png"));
}
