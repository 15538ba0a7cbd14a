//! `toolrisk snippet`: prints the policies a build shows, in each format,
//! and refuses unknown tools and servers.

use crate::common::*;

fn snippet(args: &[&str]) -> Run {
    let site = fixture("ok");
    let mut all: Vec<std::ffi::OsString> = vec!["snippet".into()];
    all.extend(args.iter().map(Into::into));
    all.push("--site".into());
    all.push(site.into_os_string());
    toolrisk(all)
}

#[test]
fn snippet_prints_the_built_policies() {
    let out = shared_build("ok");
    for (slug, rec) in records(&fixture("ok")) {
        for t in rec["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            let reference = format!("{slug}/{name}");
            let run = snippet(&[&reference]);
            run.ok(&reference);
            assert_eq!(
                run.stdout,
                read(&out.join(format!("servers/{slug}/{name}/policy.json"))),
                "snippet {reference} differs from the built policy.json"
            );
        }
        let run = snippet(&[&slug, "--format", "json"]);
        run.ok(&slug);
        assert_eq!(
            run.stdout,
            read(&out.join(format!("servers/{slug}/policy.json"))),
            "snippet {slug}"
        );
    }

    let policy = read(&out.join("servers/notes-box/notes.create/policy.json"));
    let md = snippet(&["notes-box/notes.create", "--format", "markdown"]);
    md.ok("markdown");
    assert!(md.stdout.starts_with("### "), "{}", md.stdout);
    assert!(
        md.stdout.contains(&format!("```json\n{policy}```")),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("https://fixture.example/servers/notes-box/notes.create/"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("Medium risk"), "{}", md.stdout);

    let html = snippet(&["notes-box/notes.create", "--format", "html"]);
    html.ok("html");
    let frag = scraper::Html::parse_fragment(&html.stdout);
    assert!(
        frag.select(&sel(".tool-card")).next().is_some(),
        "{}",
        html.stdout
    );
    let pre = frag
        .select(&sel("pre"))
        .next()
        .expect("html snippet has the policy");
    assert_eq!(text_of(pre), policy);
    let guide = parse_html(&out.join("guide/index.html"));
    let card_on_page = guide.select(&sel(".tool-card")).next().unwrap().html();
    let card_in_snippet = frag.select(&sel(".tool-card")).next().unwrap().html();
    assert_eq!(
        card_on_page.split_whitespace().collect::<String>(),
        card_in_snippet.split_whitespace().collect::<String>(),
        "the html snippet's card differs from the tool_card shortcode"
    );

    snippet(&["notes-box/no_such_tool"])
        .failed("unknown tool")
        .stderr_has("no tool `notes-box/no_such_tool` in the catalogue")
        .stderr_has("list_notes");
    snippet(&["no-such-server/x"])
        .failed("unknown server in reference")
        .stderr_has("no tool `no-such-server/x` in the catalogue");
    snippet(&["no-such-server"])
        .failed("unknown server")
        .stderr_has("no server `no-such-server` in the catalogue");
    snippet(&["pay-desk", "--format", "markdown"])
        .failed("server as markdown")
        .stderr_has("only available as --format json");
}
