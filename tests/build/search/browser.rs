//! The search box in the browser: a reader using it in headless Chromium,
//! over `toolrisk serve` and under a sub-path from a plain static file
//! server, with hostile text, crowded sites and the results page.

use super::*;

const ENTER: &str = "\u{E007}";
const DOWN: &str = "\u{E015}";
const UP: &str = "\u{E013}";
const ESCAPE: &str = "\u{E00C}";
const TAB: &str = "\u{E004}";

/// Script that waits until the header box lists results for `query` and
/// returns them as [{href, title, risk, kind, text}] (not the last option
/// that opens the results page).
fn results_for(query: &str) -> String {
    format!(
        "var l = document.getElementById('site-results');
         if (!l || l.getAttribute('data-query') !== {q}) return null;
         return Array.prototype.map.call(l.querySelectorAll('[role=option]:not(.search-all)'), function (o) {{
           var b = o.querySelector('.badge');
           return {{href: o.getAttribute('href'), title: o.querySelector('.hit-title').textContent,
                    risk: b ? b.textContent : null, kind: o.querySelector('.hit-kind').textContent,
                    text: o.textContent, selected: o.getAttribute('aria-selected')}};
         }});",
        q = json!(query)
    )
}

fn focus_header_box(browser: &Browser) {
    browser.wait_until(
        "var f = document.getElementById('site-search'); return f && !f.hidden",
        "the header search box to show",
    );
    browser
        .eval("var i = document.getElementById('site-q'); i.value = ''; i.focus(); return true;");
}

fn path_now(browser: &Browser) -> String {
    browser
        .eval("return location.pathname")
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn browser_search_finds_filters_and_opens_results() {
    let server = Server::start("ok");
    let browser = Browser::start();
    browser.goto(&server.url("/servers/job-runner/run_job/"));
    focus_header_box(&browser);
    browser.keys("list_notes");
    let hits = browser.wait_until(&results_for("list_notes"), "results for list_notes");
    let hits = hits.as_array().unwrap();
    assert_eq!(
        hits[0]["href"], "/servers/notes-box/list_notes/",
        "{hits:?}"
    );
    assert_eq!(hits[0]["kind"], "tool");
    assert_eq!(hits[0]["selected"], "true", "the first result is chosen");
    assert_eq!(
        browser.eval("return document.getElementById('site-q').getAttribute('aria-expanded')"),
        "true"
    );

    // A risk filter keeps only that level.
    browser.eval(
        "document.getElementById('site-results').removeAttribute('data-query');
         var i = document.getElementById('site-q'); i.value = 'notes';
         var r = document.getElementById('site-risk'); r.value = 'low';
         r.dispatchEvent(new Event('change')); return true;",
    );
    let low = browser.wait_until(&results_for("notes"), "filtered results");
    let low = low.as_array().unwrap();
    assert!(!low.is_empty(), "a low-risk notes tool exists");
    for h in low {
        assert_eq!(h["risk"], "low", "{h}");
    }
    browser.eval(
        "document.getElementById('site-results').removeAttribute('data-query');
         var r = document.getElementById('site-risk'); r.value = 'critical';
         r.dispatchEvent(new Event('change')); return true;",
    );
    let critical = browser.wait_until(&results_for("notes"), "critical results");
    for h in critical.as_array().unwrap() {
        assert_eq!(h["risk"], "critical", "{h}");
        assert!(!h["href"].as_str().unwrap().contains("list_notes"), "{h}");
    }
    browser.eval(
        "var r = document.getElementById('site-risk'); r.value = '';
         r.dispatchEvent(new Event('change')); return true;",
    );

    // Keyboard alone: Escape closes, arrows choose, Enter opens.
    focus_header_box(&browser);
    browser.keys("run_job");
    let hits = browser.wait_until(&results_for("run_job"), "results for run_job");
    assert_eq!(hits[0]["href"], "/servers/job-runner/run_job/", "{hits}");
    browser.keys(ESCAPE);
    assert_eq!(
        browser.eval("return document.getElementById('site-results').hidden"),
        true
    );
    browser.keys(DOWN);
    assert_eq!(
        browser.eval("return document.getElementById('site-results').hidden"),
        false,
        "ArrowDown opens the list again"
    );
    // Tab goes through the filters to the results, arrows on from there.
    browser.keys(&format!("{TAB}{TAB}{TAB}"));
    let focused = browser.eval("return document.activeElement.getAttribute('href')");
    assert_eq!(focused, hits[0]["href"], "Tab reaches the first result");
    if hits.as_array().unwrap().len() > 1 {
        browser.keys(DOWN);
        let focused = browser.eval("return document.activeElement.getAttribute('href')");
        assert_eq!(
            focused, hits[1]["href"],
            "ArrowDown moves to the next result"
        );
    }
    browser.keys(ESCAPE);
    assert_eq!(
        browser.eval("return document.activeElement.id"),
        "site-q",
        "Escape in the results goes back to the box"
    );
    browser.keys(ENTER);
    browser.wait_until(
        "return location.pathname === '/servers/job-runner/run_job/' && document.readyState === 'complete'",
        "Enter to open the first result",
    );

    // Servers and attack entries are found too.
    focus_header_box(&browser);
    browser.keys("Runaway");
    let hits = browser.wait_until(&results_for("Runaway"), "results for an attack");
    assert_eq!(hits[0]["href"], "/attacks/runaway-jobs/", "{hits}");
    assert_eq!(hits[0]["kind"], "attack");
    focus_header_box(&browser);
    browser.keys("Job Runner");
    let hits = browser.wait_until(&results_for("Job Runner"), "results for a server");
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["href"] == "/servers/job-runner/" && h["kind"] == "server"),
        "{hits}"
    );
}

#[test]
fn browser_search_shows_hostile_text_as_text() {
    let server = Server::start("hostile");
    let browser = Browser::start();
    browser.goto(&server.url("/"));
    browser.eval("window.alert = function () { window.__alerted = true; }; return true;");
    focus_header_box(&browser);
    browser.keys("Reads things");
    let hits = browser.wait_until(&results_for("Reads things"), "results for the hostile tool");
    let hits = hits.as_array().unwrap();
    let hostile = hits
        .iter()
        .find(|h| h["text"].as_str().unwrap().contains("Reads things"))
        .unwrap_or_else(|| panic!("the hostile tool is found: {hits:?}"));
    assert_eq!(
        hostile["title"], "<script>alert(1)</script>",
        "the hostile name is shown as text"
    );
    assert!(
        hostile["text"]
            .as_str()
            .unwrap()
            .contains("<img src=x onerror=alert(1)> \u{b7} on "),
        "the hostile title is shown as text after it: {hostile}"
    );
    let elements = browser.eval(
        "var seen = {};
         document.querySelectorAll('#site-results *').forEach(function (e) { seen[e.localName] = true; });
         return Object.keys(seen).sort();",
    );
    assert_eq!(
        elements,
        json!(["a", "mark", "span"]),
        "only the elements the script builds"
    );
    let attrs = browser.eval(
        "var bad = [];
         document.querySelectorAll('#site-results *').forEach(function (e) {
           for (var i = 0; i < e.attributes.length; i++) {
             var n = e.attributes[i].name;
             if (['class', 'id', 'role', 'href', 'aria-selected'].indexOf(n) < 0) bad.push(e.localName + ' ' + n);
           }
         });
         return bad;",
    );
    assert_eq!(attrs, json!([]), "no attribute comes from a record");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        browser.eval("return !!window.__alerted"),
        false,
        "no record script ran"
    );
    // Query words are marked, inside the hostile text too.
    let marks = browser.eval(
        "return Array.prototype.map.call(document.querySelectorAll('#site-results mark'), function (m) { return m.textContent.toLowerCase(); });",
    );
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "reads"),
        "{marks}"
    );
}

/// Every tool of the example site: (name, its page's URL path).
fn example_tools() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for (slug, record) in records(root) {
        for t in record["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap().to_string();
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)),
                "{name}: the example's tool names are their URL segments"
            );
            out.push((name.clone(), format!("/servers/{slug}/{name}/")));
        }
    }
    out
}

#[test]
fn browser_finds_every_example_tool_within_two_keys_of_its_name() {
    let server = Server::start_site(Path::new(env!("CARGO_MANIFEST_DIR")));
    let browser = Browser::start();
    browser.goto(&server.url("/"));
    focus_header_box(&browser);
    let tools = example_tools();
    assert!(tools.len() > 200, "{} tools", tools.len());
    // Drive the box for every name at once: type, wait for that query's
    // results, note where each tool's page is among them.
    let names: Vec<Value> = tools
        .iter()
        .map(|(n, u)| json!({"name": n, "url": u}))
        .collect();
    let script = format!(
        "var done = arguments[arguments.length - 1];
         var tools = {tools};
         var input = document.getElementById('site-q');
         var list = document.getElementById('site-results');
         var out = [];
         function next(i) {{
           if (i >= tools.length) return done(out);
           var t = tools[i];
           input.value = t.name;
           input.dispatchEvent(new Event('input'));
           var tries = 0;
           (function wait() {{
             if (list.getAttribute('data-query') !== t.name) {{
               if (++tries > 200) {{ out.push({{name: t.name, url: t.url, rank: -2}}); return next(i + 1); }}
               return setTimeout(wait, 25);
             }}
             var hrefs = Array.prototype.map.call(list.querySelectorAll('[role=option]'), function (o) {{ return o.getAttribute('href'); }});
             out.push({{name: t.name, url: t.url, rank: hrefs.indexOf(t.url), hrefs: hrefs.slice(0, 3)}});
             next(i + 1);
           }})();
         }}
         next(0);",
        tools = Value::Array(names)
    );
    let ranks = browser.eval_async(&script, Duration::from_secs(240));
    let ranks = ranks.as_array().expect("ranks");
    assert_eq!(ranks.len(), tools.len());
    let mut count = std::collections::HashMap::new();
    for (n, _) in &tools {
        *count.entry(n.clone()).or_insert(0) += 1;
    }
    let mut problems = Vec::new();
    for r in ranks {
        let name = r["name"].as_str().unwrap();
        let rank = r["rank"].as_i64().unwrap();
        // Enter opens the first result; ArrowDown then Enter the second,
        // which is where a tool lands when another server has a tool of
        // the same name.
        let ok = rank == 0 || (rank == 1 && count[name] > 1);
        if !ok {
            problems.push(format!(
                "{name} ({}): rank {rank}, saw {}",
                r["url"], r["hrefs"]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} tools are not within two keys of their name:\n{}",
        problems.len(),
        tools.len(),
        problems.join("\n")
    );

    // With real keys: a shared name, ArrowDown and Enter open the second.
    let (shared, _) = tools
        .iter()
        .find(|(n, _)| count[n] > 1)
        .expect("the example site has a shared tool name");
    focus_header_box(&browser);
    browser.keys(shared);
    let hits = browser.wait_until(&results_for(shared), "results for a shared name");
    let second = hits[1]["href"].as_str().unwrap().to_string();
    browser.keys(&format!("{DOWN}{ENTER}"));
    browser.wait_until(
        &format!(
            "return location.pathname === {} && document.readyState === 'complete'",
            json!(second)
        ),
        "ArrowDown, Enter to open the second result",
    );
    assert_eq!(path_now(&browser), second);

    // The screenshot of the product's search for the docs.
    browser.goto(&server.url("/servers/github/"));
    focus_header_box(&browser);
    browser.keys("issue");
    browser.wait_until(&results_for("issue"), "results for the screenshot");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("search.png"));
}

/// Serves `root` under `/docs/` on a free port until the test process ends.
fn serve_under_docs(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let target = request.split_whitespace().nth(1).unwrap_or("/");
                let path = target.split('?').next().unwrap_or("/");
                let file = resolve(&root, "/docs/", path);
                let (status, kind, body) = match file {
                    Some(f) => {
                        let kind = match f.extension().and_then(|e| e.to_str()) {
                            Some("html") => "text/html; charset=utf-8",
                            Some("css") => "text/css",
                            Some("js") => "text/javascript",
                            Some("json") => "application/json",
                            _ => "application/octet-stream",
                        };
                        ("200 OK", kind, std::fs::read(f).unwrap_or_default())
                    }
                    None => ("404 Not Found", "text/plain", b"not found".to_vec()),
                };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}

#[test]
fn browser_search_works_under_a_sub_path() {
    let dir = tempdir();
    let out = dir.path().join("out");
    toolrisk([
        "build".as_ref(),
        fixture("ok").as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--base-url".as_ref(),
        "https://fixture.example/docs/".as_ref(),
    ])
    .ok("build under /docs/");
    let port = serve_under_docs(out.clone());
    let browser = Browser::start();
    // The pages carry their policy in a meta element only: this also shows
    // that it lets the index's WebAssembly run.
    browser.goto(&format!("http://127.0.0.1:{port}/docs/servers/"));
    focus_header_box(&browser);
    browser.keys("run_job");
    let hits = browser.wait_until(&results_for("run_job"), "results under /docs/");
    assert_eq!(
        hits[0]["href"], "/docs/servers/job-runner/run_job/",
        "{hits}"
    );
    browser.keys(ENTER);
    browser.wait_until(
        "return location.pathname === '/docs/servers/job-runner/run_job/' && document.querySelector('h1') && document.querySelector('h1').textContent === 'Run job'",
        "Enter to open the tool page under /docs/",
    );
}

/// A site of one server with `n` tools `get_item_0` … that all share the
/// words `get` and `item`, so those words are on more records than a word
/// keeps postings for.
fn crowded_site(n: usize) -> tempfile::TempDir {
    let dir = tempdir();
    let site = dir.path();
    std::fs::create_dir_all(site.join("content/servers")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"Crowded\"\nbase_url = \"https://crowded.example/\"\nper_page = 100\n",
    )
    .unwrap();
    let tools: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "name": format!("get_item_{i}"),
                "description": format!("Gets item number {i} of the store."),
                "inputSchema": {"type": "object"}
            })
        })
        .collect();
    std::fs::write(
        site.join("content/servers/store.json"),
        serde_json::to_string(&json!({"name": "Store", "tools": tools})).unwrap(),
    )
    .unwrap();
    dir
}

#[test]
fn browser_finds_a_tool_by_its_name_when_its_words_are_on_very_many_records() {
    let site = crowded_site(1_200);
    // The index cut the list of `get`: the last tools are not on it.
    let out = tempdir();
    let out = out.path().join("out");
    build(site.path(), &out).ok("build the crowded site");
    let list = posting_list(&out, "get").expect("`get` is indexed");
    assert_eq!(list[0], 1_200, "the true count is kept");
    assert!((list.len() - 1) / 3 < 1_200, "the list is cut");
    let server = Server::start_site(site.path());
    let browser = Browser::start();
    browser.goto(&server.url("/"));
    for name in ["get_item_1150", "get item 1199", "getItem1100"] {
        focus_header_box(&browser);
        browser.eval("var i = document.getElementById('site-q'); i.value = ''; return true;");
        browser.keys(name);
        let hits = browser.wait_until(&results_for(name), "results for a crowded name");
        let want = format!(
            "/servers/store/{}/",
            name.replace(' ', "_").replace("getItem", "get_item_")
        );
        assert_eq!(
            hits[0]["href"].as_str(),
            Some(want.as_str()),
            "{name}: the tool is first: {hits}"
        );
    }
    // A very common word alone says how many more there are.
    browser.eval("var i = document.getElementById('site-q'); i.value = ''; return true;");
    focus_header_box(&browser);
    browser.keys("item");
    browser.wait_until(&results_for("item"), "results for a common word");
    let status = browser.eval("return document.getElementById('site-status').textContent;");
    assert!(
        status.as_str().unwrap().contains("or more results"),
        "{status}"
    );
}

/// The hrefs of the results page's list, once it shows `query` with at
/// least `n` results.
fn page_results(browser: &Browser, query: &str, n: usize) -> Vec<String> {
    let hrefs = browser.wait_until(
        &format!(
            "var l = document.getElementById('page-results');
             if (!l || l.getAttribute('data-query') !== {q}) return null;
             var a = l.querySelectorAll('li > a.search-hit');
             if (a.length < {n}) return null;
             return Array.prototype.map.call(a, function (e) {{ return e.getAttribute('href'); }});",
            q = json!(query)
        ),
        &format!("{n} results for {query} on the results page"),
    );
    hrefs
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

fn page_status(browser: &Browser) -> String {
    browser
        .eval("return document.getElementById('page-status').textContent")
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn browser_results_page_shows_every_result_from_the_lists_show_all() {
    let n = 130;
    let site = crowded_site(n);
    let server = Server::start_site(site.path());
    let browser = Browser::start();
    browser.goto(&server.url("/"));
    focus_header_box(&browser);
    browser.keys("item");
    let hits = browser.wait_until(&results_for("item"), "the list for a word of every tool");
    let listed: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["href"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed.len(), 10);
    let all = browser.eval(
        "var a = document.getElementById('site-hit-all');
         return a && {href: a.getAttribute('href'), text: a.textContent, role: a.getAttribute('role'),
                      last: a === a.parentNode.lastElementChild};",
    );
    assert_eq!(all["href"], "/search/?q=item", "{all}");
    assert_eq!(all["text"], format!("Show all {n} results"));
    assert_eq!(all["role"], "option", "the arrows reach it");
    assert_eq!(all["last"], true);

    // Up from the first result wraps to "show all"; Enter opens the page.
    browser.keys(UP);
    assert_eq!(
        browser
            .eval("return document.getElementById('site-q').getAttribute('aria-activedescendant')"),
        "site-hit-all"
    );
    browser.keys(ENTER);
    let first = page_results(&browser, "item", 50);
    assert_eq!(path_now(&browser), "/search/");
    assert_eq!(first.len(), 50, "one step of results at a time");
    assert_eq!(first[..10], listed[..], "the same ranking as the list");
    assert_eq!(
        browser.eval("return document.getElementById('page-q').value"),
        "item",
        "the page's box holds the query from the address"
    );
    assert_eq!(
        page_status(&browser),
        format!("Showing 50 of {n} results for \u{201c}item\u{201d}.")
    );
    assert!(
        browser
            .eval("return document.title")
            .as_str()
            .unwrap()
            .starts_with("\u{201c}item\u{201d}")
    );

    // "Show more" until every result is there, focus on the first new one.
    browser.eval("document.getElementById('page-more').click(); return true;");
    let second = page_results(&browser, "item", 100);
    assert_eq!(second[..50], first[..]);
    let focused = browser.eval("return document.activeElement.getAttribute('href')");
    assert_eq!(focused.as_str(), Some(second[50].as_str()));
    browser.eval("document.getElementById('page-more').click(); return true;");
    let every = page_results(&browser, "item", n);
    assert_eq!(every.len(), n);
    assert_eq!(
        browser.eval("return document.getElementById('page-more').hidden"),
        true,
        "nothing more to show"
    );
    assert_eq!(
        page_status(&browser),
        format!("{n} results for \u{201c}item\u{201d}.")
    );
    let mut want: Vec<String> = (0..n)
        .map(|i| format!("/servers/store/get_item_{i}/"))
        .collect();
    let mut got = every.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "every tool once");

    // The page's own box: a new query changes the address; Back returns.
    browser.eval(
        "var i = document.getElementById('page-q'); i.value = 'get_item_7';
         document.getElementById('page-search').requestSubmit(); return true;",
    );
    let seven = page_results(&browser, "get_item_7", 1);
    assert_eq!(seven[0], "/servers/store/get_item_7/");
    assert_eq!(browser.eval("return location.search"), "?q=get_item_7");
    browser.eval("history.back(); return true;");
    let back = page_results(&browser, "item", 50);
    assert_eq!(back, first);
    assert_eq!(browser.eval("return location.search"), "?q=item");

    // Filters come from the address too; a value the site lacks is dropped.
    browser.goto(&server.url("/search/?q=item&risk=nonsense&category=nothing"));
    page_results(&browser, "item", 50);
    assert_eq!(
        browser.eval(
            "return [document.getElementById('page-risk').value, document.getElementById('page-category').value]"
        ),
        json!(["", ""])
    );
    // With no query, the page says what to do.
    browser.goto(&server.url("/search/"));
    browser.wait_until(
        "var s = document.getElementById('page-status'); return s && s.textContent.indexOf('Type the name') === 0",
        "the empty page's hint",
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('#page-results li').length"),
        0
    );
}

#[test]
fn browser_results_page_shows_hostile_text_as_text() {
    let server = Server::start("hostile");
    let browser = Browser::start();
    browser.goto(&server.url("/search/?q=Reads%20things"));
    browser.eval("window.alert = function () { window.__alerted = true; }; return true;");
    page_results(&browser, "Reads things", 1);
    let shown = browser.eval(
        "return Array.prototype.map.call(document.querySelectorAll('#page-results .search-hit'), function (t) {
           return [t.querySelector('.hit-title').textContent, t.textContent]; });",
    );
    assert!(
        shown
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t[0] == "<script>alert(1)</script>"
                && t[1]
                    .as_str()
                    .unwrap()
                    .contains("<img src=x onerror=alert(1)>")),
        "the hostile name and title are text: {shown}"
    );
    let elements = browser.eval(
        "var seen = {};
         document.querySelectorAll('#page-results *').forEach(function (e) { seen[e.localName] = true; });
         return Object.keys(seen).sort();",
    );
    assert_eq!(elements, json!(["a", "li", "mark", "span"]));
    let attrs = browser.eval(
        "var bad = [];
         document.querySelectorAll('#page-results *').forEach(function (e) {
           for (var i = 0; i < e.attributes.length; i++) {
             var n = e.attributes[i].name;
             if (['class', 'href'].indexOf(n) < 0) bad.push(e.localName + ' ' + n);
           }
         });
         return bad;",
    );
    assert_eq!(attrs, json!([]), "no attribute comes from a record");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(browser.eval("return !!window.__alerted"), false);
}
