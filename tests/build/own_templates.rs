//! A site's own templates and partials: its header, footer and tool row
//! reach every page, a record's `extra` reaches them escaped, and own
//! templates come out collapsed (or build with a warning when they cannot be).

use std::collections::HashSet;
use std::path::Path;

use crate::common::*;

/// A copy of the `ok` fixture with these files under `templates/partials/`.
fn ok_site_with_partials(partials: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    std::fs::create_dir_all(site.join("templates/partials")).unwrap();
    for (name, text) in partials {
        std::fs::write(site.join("templates/partials").join(name), text).unwrap();
    }
    (tmp, site)
}

/// The site's own header and footer partials reach every page: rendered
/// once when they need only `site`, on each page when they need the page.
#[test]
fn a_sites_own_header_and_footer_reach_every_page() {
    for (header, alone) in [
        (r#"<header class="mine">{{ site.title }}</header>"#, true),
        (
            r#"<header class="mine">{{ site.title }} on {{ page.title }}</header>"#,
            false,
        ),
    ] {
        let (tmp, site) = ok_site_with_partials(&[
            ("header.html", header),
            (
                "footer.html",
                r#"<footer class="mine">made with care</footer>"#,
            ),
        ]);
        let out = tmp.path().join("out");
        build(&site, &out).ok("own header and footer");
        let mut titles = HashSet::new();
        for page in [
            "index.html",
            "servers/job-runner/index.html",
            "servers/job-runner/run_job/index.html",
            "attacks/runaway-jobs/index.html",
        ] {
            let doc = parse_html(&out.join(page));
            let head = doc.select(&sel("body > header.mine")).next();
            let head = text_of(head.unwrap_or_else(|| panic!("{page}: no header")));
            // A header that needs the page shows each page's own title.
            if let Some((_, title)) = head.split_once(" on ") {
                titles.insert(title.to_string());
            }
            let foot = doc.select(&sel("body > footer.mine")).next();
            assert_eq!(
                foot.map(text_of).as_deref(),
                Some("made with care"),
                "{page}"
            );
            assert_eq!(
                doc.select(&sel("header.site-header, footer.site-footer"))
                    .count(),
                0,
                "{page}"
            );
        }
        assert_eq!(titles.len(), if alone { 0 } else { 4 }, "{titles:?}");
    }
}

/// The tool rows of every list come from the site's own
/// `partials/tool_row.html`: printed as rendered once per tool when the row
/// stands alone, rendered in place on each page when it needs the page.
#[test]
fn a_sites_own_tool_row_reaches_every_tool_table() {
    for (row, alone) in [
        (
            r#"<tr class="mine"><td><a href="{{ t.url }}">{{ t.name }}</a></td></tr>"#,
            true,
        ),
        (
            r#"<tr class="mine"><td><a href="{{ t.url }}">{{ t.name }}</a> on {{ page.title }}</td></tr>"#,
            false,
        ),
    ] {
        let (tmp, site) = ok_site_with_partials(&[("tool_row.html", row)]);
        let out = tmp.path().join("out");
        build(&site, &out).ok("own tool row");
        for (page, tools) in [
            // An attack entry (every row has a server column), a server's
            // own page (none).
            (
                "attacks/runaway-jobs/index.html",
                &[
                    "/servers/notes-box/delete_note/",
                    "/servers/job-runner/run_job/",
                ][..],
            ),
            (
                "servers/job-runner/index.html",
                &["/servers/job-runner/run_job/"][..],
            ),
        ] {
            let doc = parse_html(&out.join(page));
            let rows: Vec<_> = doc.select(&sel("table.tools tbody tr")).collect();
            assert!(!rows.is_empty(), "{page}: no rows");
            for r in &rows {
                assert_eq!(
                    r.value().attr("class"),
                    Some("mine"),
                    "{page}: {}",
                    r.html()
                );
                // A row that needs the page was rendered on this page.
                let on_page = text_of(*r).split_once(" on ").map(|(_, t)| t.to_string());
                assert_eq!(
                    on_page.is_some_and(|t| !t.is_empty()),
                    !alone,
                    "{page}: {}",
                    r.html()
                );
            }
            let linked: HashSet<&str> = doc
                .select(&sel("tr.mine a"))
                .filter_map(|a| a.value().attr("href"))
                .collect();
            for want in tools {
                assert!(
                    linked.contains(want),
                    "{page} does not list {want}: {linked:?}"
                );
            }
        }
    }
}

/// A record's `extra` object reaches the site's templates as
/// `server.extra`, on the server's page and its tool pages, escaped like any
/// other field of a record.
#[test]
fn a_records_extra_reaches_the_sites_templates_escaped() {
    let (tmp, site) = ok_site_with_partials(&[]);
    let record = site.join("content/servers/job-runner.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let team = "<script>alert(1)</script> platform & jobs";
    doc["extra"] = serde_json::json!({ "team": team, "oncall": ["ana", "bo"] });
    std::fs::write(&record, doc.to_string()).unwrap();
    let shown = r#"<p id="team">{{ server.extra.team | default(value="none") }}</p><p id="oncall">{{ server.extra.oncall | default(value=[]) | length }}</p>"#;
    std::fs::write(
        site.join("templates/server.html"),
        format!(r#"{{% extends "base.html" %}}{{% block content %}}{shown}{{% endblock %}}"#),
    )
    .unwrap();
    std::fs::write(
        site.join("templates/tool.html"),
        format!(
            r#"{{% extends "base.html" %}}{{% block content %}}{}{{% endblock %}}"#,
            shown.replace("server.extra", "tool.server.extra")
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    build(&site, &out).ok("extra in templates");
    for (page, want_team, want_oncall) in [
        ("servers/job-runner/index.html", team, "2"),
        ("servers/job-runner/run_job/index.html", team, "2"),
        ("servers/notes-box/index.html", "none", "0"),
    ] {
        let doc = parse_html(&out.join(page));
        let main = doc.select(&sel("main")).next().expect("main");
        assert_eq!(main.select(&sel("script")).count(), 0, "{page}");
        let text = |id: &str| text_of(doc.select(&sel(id)).next().expect(id));
        assert_eq!(text("#team"), want_team, "{page}");
        assert_eq!(text("#oncall"), want_oncall, "{page}");
    }
}

/// A site with templates of its own, built with `minify`: the indentation
/// of its templates collapses, what they place where whitespace counts
/// comes through as written, and no page is left with template indentation.
#[test]
fn own_templates_come_out_collapsed_with_their_preformatted_text_intact() {
    let out = tempdir();
    let run = build(&fixture("own-templates"), out.path());
    run.ok("build of a site with its own templates");
    assert!(run.stdout.contains("0 warnings"), "{}", run.stdout);
    let page = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    for kept in [
        "Rule one:\n    read the policy\nRule two:\n    then   ask\n      a reviewer\n</pre>",
        "<pre class=\"direct\">\n  issue_refund\n    <b>indented</b>\n</pre>",
        "<textarea readonly>\n  issue_refund\n      stays indented\n</textarea>",
        "title=\"Hover\n   text\"",
    ] {
        assert!(page.contains(kept), "{kept:?} not in:\n{page}");
    }
    assert!(!page.contains("\n    <p>"), "indentation left:\n{page}");
    // The built-in templates the site did not replace come out minified.
    let server = read(&out.path().join("servers/pay-desk/index.html"));
    assert!(
        server.contains("<table class=tools><thead><tr><th scope=col>Tool</th>"),
        "{server}"
    );
    assert!(
        server.contains("<div class=policy><div class=policy-bar>"),
        "{server}"
    );
}

/// Own templates whose HTML cannot be followed through the template code
/// still build, minified page by page, with a warning naming the line.
#[test]
fn own_templates_that_cannot_be_collapsed_build_with_a_warning() {
    let site = tempdir();
    copy_dir(&fixture("ok"), site.path());
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtin/templates/page.html"),
    )
    .unwrap();
    let tangled = base.replacen(
        "{% block content %}",
        "{% block content %}\n{% if page.title %}<pre>{% endif %}</pre>",
        1,
    );
    assert_ne!(tangled, base);
    std::fs::write(site.path().join("templates/page.html"), tangled).unwrap();
    let out = tempdir();
    let run = build(site.path(), out.path());
    run.ok("build with a template that cannot be collapsed");
    run.stderr_has("warning: templates/page.html:3: ")
        .stderr_has("minify = false");
    assert!(run.stdout.contains("1 warning"), "{}", run.stdout);
    let tool = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    assert!(!tool.contains("\n  <"), "not minified:\n{tool}");
}

/// A site that replaces its footer and home page, not the tool page, keeps
/// its own footer on tool pages written without the template engine.
#[test]
fn own_footer_reaches_tool_pages_written_directly() {
    let out = tempdir();
    build(&fixture("own-chrome"), out.path()).ok("build with an own footer");
    let tool = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    assert!(
        tool.contains(
            "<p class=\"house-footer\">\nPublished by the docs team of Own chrome fixture\n</p>"
        ),
        "{tool}"
    );
    assert!(tool.contains("<article class=tool>"), "{tool}");
    let home = read(&out.path().join("index.html"));
    assert!(
        home.contains("<p class=\"house-intro\">\nEvery tool below was checked\nby hand.\n</p>"),
        "{home}"
    );
}
