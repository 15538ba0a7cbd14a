//! Control characters never reach a terminal or a page raw.

use super::*;

/// The control characters in `text` other than tab and line breaks: what
/// could drive a terminal or hide in a page. Defined here, not by the
/// product, so that the test does not share its blind spots.
fn raw_controls(text: &str) -> Vec<String> {
    text.char_indices()
        .filter(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .take(5)
        .map(|(i, c)| format!("U+{:04X} at byte {i}", c as u32))
        .collect()
}

#[test]
fn control_characters_never_reach_a_terminal_or_a_page_raw() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    // An OSC sequence that sets a terminal's title, a colour escape, NUL,
    // BEL and a C1 control, in every field a command prints or a page shows.
    let osc = "\u{1b}]0;PWNED\u{7}";
    let record = json!({
        "name": format!("Escaping{osc} server"),
        "description": format!("Says \u{1b}[31mred\u{1b}[0m and \u{0}."),
        "tools": [
            {
                "name": format!("read{osc}_file"),
                "title": format!("Read\u{9b}2J a file"),
                "description": format!("Reads one file.{osc} Then more text, enough to be cut."),
                "inputSchema": {
                    "type": "object",
                    "properties": { "path": { "type": "string", "description": "The path\u{1b}[2J." } }
                }
            }
        ]
    });
    write_site(
        &site,
        &[(
            "escaping",
            serde_json::to_string_pretty(&record).unwrap().as_bytes(),
        )],
    );
    // A small description limit, so that the build warns about the tool by
    // its name.
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        format!("{toml}\n[limits]\nmax_description_bytes = 20\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let name = format!("read{osc}_file");
    let reference = format!("escaping/{name}");
    let misspelled = format!("escaping/{name}x");
    let runs: Vec<(&str, Run)> = vec![
        ("build", build(&site, &out)),
        (
            "check --review",
            toolrisk(["check".as_ref(), site.as_os_str(), "--review".as_ref()]),
        ),
        (
            "snippet --format markdown",
            toolrisk([
                "snippet".as_ref(),
                reference.as_ref(),
                "--site".as_ref(),
                site.as_os_str(),
                "--format".as_ref(),
                "markdown".as_ref(),
            ]),
        ),
        (
            "snippet --format html",
            toolrisk([
                "snippet".as_ref(),
                reference.as_ref(),
                "--site".as_ref(),
                site.as_os_str(),
                "--format".as_ref(),
                "html".as_ref(),
            ]),
        ),
        (
            "snippet of a misspelled name",
            toolrisk([
                "snippet".as_ref(),
                misspelled.as_ref(),
                "--site".as_ref(),
                site.as_os_str(),
            ]),
        ),
    ];
    let mut problems = Vec::new();
    for (what, run) in &runs {
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            let raw = raw_controls(text);
            if !raw.is_empty() {
                problems.push(format!("{what}: {stream} holds {raw:?}:\n{text}"));
            }
        }
    }
    runs[0].1.ok("build");
    assert!(
        runs[0]
            .1
            .stderr
            .contains("read[U+001B]]0;PWNED[U+0007]_file"),
        "the build's warning names the tool with its controls shown:\n{}",
        runs[0].1.stderr
    );
    runs[4].1.failed("a misspelled snippet");
    for f in list_files(&out) {
        let Ok(text) = std::fs::read_to_string(out.join(&f)) else {
            continue;
        };
        let raw = raw_controls(&text);
        if !raw.is_empty() {
            problems.push(format!("{f} holds {raw:?}"));
        }
    }
    let api = read_json(&out.join("api/servers/escaping.json"));
    let page = resolve(
        &out,
        "/",
        url_path(
            api["tools"][0]["url"].as_str().unwrap(),
            "https://hostile-test.example/",
        ),
    )
    .expect("the tool page exists");
    let text = visible_text(&parse_html(&page));
    if !text.contains("read[U+001B]]0;PWNED[U+0007]_file") {
        problems.push("the tool page does not show the name's controls as [U+XXXX]".into());
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
