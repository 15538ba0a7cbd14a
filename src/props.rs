//! Property tests over hostile input: the record loader, the front-matter
//! and markdown loader, the classifier and the policy builder. Invariants:
//! nothing panics, every emitted policy passes the schema, untrusted
//! markdown never yields script, event handlers or unsafe links, and output
//! paths never leave the output folder. (Fuzzing with cargo-fuzz needs a
//! nightly toolchain this project does not use; proptest runs on stable and
//! in CI.) Failing cases are saved under `proptest-regressions/`.

use std::path::Path;

use proptest::prelude::*;

use crate::catalogue::load::parse_server;
use crate::catalogue::model::{assign_segments, natural_segment};
use crate::config::Config;
use crate::content::{parse_attack, parse_page};
use crate::markdown;
use crate::policy;
use crate::slug::is_device_name;

fn config() -> Config {
    Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
}

/// Text mixing markup, script vectors, hidden characters and JSON/TOML syntax.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("<script>alert(1)</script>".to_string()),
            Just("<img src=x onerror=alert(1)>".to_string()),
            Just("[x](javascript:alert(1))".to_string()),
            Just("[y](JAVAscript&#58;alert(1))".to_string()),
            Just("[z]( data:text/html,<b>)".to_string()),
            Just("![i](https://evil.example/p.png)".to_string()),
            Just("<a href=\"javascript:x\">a</a>".to_string()),
            Just("</script><script>".to_string()),
            Just("\"}],\"x\":{".to_string()),
            Just("+++".to_string()),
            Just("{{ policy(tool=\"a/b\") }}".to_string()),
            Just("\u{200B}\u{202E}\u{E0041}".to_string()),
            Just("# heading\n".to_string()),
            Just("```\ncode\n```\n".to_string()),
            "[a-zA-Z0-9 _.\\-/:<>\"'&=()\\[\\]{}#*`!\n]{0,20}",
            any::<String>(),
        ],
        0..8,
    );
    pieces.prop_map(|v| v.concat())
}

fn assert_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script in {html:?}");
    assert!(!lower.contains("<img"), "img in {html:?}");
    assert!(!lower.contains("<iframe"), "iframe in {html:?}");
    let doc = scraper::Html::parse_fragment(html);
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "event handler {name} in {html:?}");
            if name == "href" || name == "src" {
                assert!(
                    markdown::is_safe_url(value),
                    "unsafe link {value:?} in {html:?}"
                );
            }
        }
    }
}

/// Tool names built to collide and to hit every segment rule: dots, spaces,
/// dashes, reserved names, device names, look-alikes, and arbitrary text.
fn tool_name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(".".to_string()),
        Just("..".to_string()),
        Just(" ".to_string()),
        Just("-".to_string()),
        Just("_".to_string()),
        Just("x".to_string()),
        Just("X".to_string()),
        Just("con".to_string()),
        Just("page".to_string()),
        Just("policy.json".to_string()),
        Just("index.html".to_string()),
        Just("-2".to_string()),
        Just("\u{2024}".to_string()),
        Just("\u{2215}".to_string()),
        Just("\u{FF0E}".to_string()),
        Just("/".to_string()),
        "[a-z0-9]{1,3}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 1..5).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn untrusted_markdown_is_inert(text in hostile_text()) {
        assert_inert(&markdown::untrusted(&text));
        let _ = markdown::plain_text(&text);
    }

    #[test]
    fn record_loader_never_panics(text in hostile_text()) {
        let _ = parse_server("s", Path::new("s.json"), &text, &config());
    }

    #[test]
    fn records_with_hostile_fields_classify_and_validate(
        name in hostile_text().prop_filter("non-empty", |s| !s.is_empty()),
        title in proptest::option::of(hostile_text()),
        description in proptest::option::of(hostile_text()),
        prop_name in hostile_text(),
    ) {
        let record = serde_json::json!({
            "name": "S",
            "tools": [{
                "name": name,
                "title": title,
                "description": description,
                "inputSchema": {"type": "object", "properties": {prop_name: {"type": "string", "description": "x"}}},
                "annotations": {"readOnlyHint": true, "title": "t"}
            }]
        });
        let text = serde_json::to_string(&record).unwrap();
        // Names and titles of any length: the limits have a test of their own.
        let config = Config::parse(
            "title = \"T\"\nbase_url = \"https://e.com/\"\n[limits]\nmax_name_chars = 1000000\nmax_title_chars = 1000000\n",
        )
        .unwrap();
        let loaded = parse_server("s", Path::new("s.json"), &text, &config).expect("valid record loads");
        let (server, _) = crate::catalogue::model::build_server(loaded, &config);
        for tool in &server.tools {
            prop_assert!(policy::validate(&tool.policy(&config)).is_ok());
            let path = format!("servers/s/{}/index.html", tool.slug);
            prop_assert!(crate::output::check_relative(&path).is_ok());
            assert_inert(&markdown::untrusted(&tool.description));
        }
        prop_assert!(policy::validate(&server.policy(&config)).is_ok());
    }

    #[test]
    fn fitted_policies_are_valid_and_explained_for_any_arguments(
        args in prop::collection::vec(
            (
                prop_oneof![
                    Just("path".to_string()), Just("file_path".to_string()),
                    Just("amount".to_string()), Just("limit".to_string()),
                    Just("force".to_string()), Just("confirm".to_string()),
                    Just("repo".to_string()), Just("channel_id".to_string()),
                    Just("env".to_string()), hostile_text(),
                ],
                prop_oneof![
                    Just("string"), Just("integer"), Just("number"),
                    Just("boolean"), Just("array"), Just("object"),
                ],
                proptest::option::of(prop::collection::vec(hostile_text(), 0..4)),
            ),
            0..8,
        ),
        category in prop_oneof![
            Just("read"), Just("write"), Just("execute"),
            Just("destructive"), Just("financial"), Just("other"),
        ],
    ) {
        let mut props = serde_json::Map::new();
        for (name, ty, values) in &args {
            let mut p = serde_json::json!({"type": ty});
            if let Some(v) = values {
                p["enum"] = serde_json::json!(v);
            }
            props.insert(name.clone(), p);
        }
        let record = serde_json::json!({"name": "S", "tools": [{
            "name": "t", "category": category,
            "inputSchema": {"type": "object", "properties": props}
        }]});
        let config = config();
        let loaded = parse_server("s", Path::new("s.json"), &record.to_string(), &config)
            .expect("valid record loads");
        let (server, _) = crate::catalogue::model::build_server(loaded, &config);
        let doc = server.tools[0].policy(&config);
        prop_assert!(policy::validate(&doc).is_ok(), "{doc}");
        let summary = policy::PolicySummary::of(&doc, "t");
        let said = summary.explain("t");
        for c in &summary.conditions {
            let shown = crate::classify::poison::reveal(&c.arg).replace('`', "'");
            prop_assert!(said.contains(&format!("`{shown}`")), "{said}");
        }
    }

    #[test]
    fn phrases_found_in_one_pass_are_the_phrases_found_one_by_one(
        text in prop::collection::vec(
            prop_oneof![
                Just("returns".to_string()),
                Just("read only".to_string()),
                Just("read-only".to_string()),
                Just("deletes".to_string()),
                Just("sends a".to_string()),
                Just("é".to_string()),
                "[a-z _.é-]{0,6}",
            ],
            0..10,
        ),
        extra in prop::collection::vec("[a-z][a-z ]{0,5}", 0..4),
    ) {
        let text = text.concat();
        // Phrases that overlap and repeat across categories.
        let mut toml = String::from("title = \"T\"\nbase_url = \"https://e.com/\"\n");
        toml.push_str("[categories.read]\nphrases = [\"read\", \"read only\", \"only\", \"returns\"");
        for p in &extra {
            toml.push_str(&format!(", {p:?}"));
        }
        toml.push_str("]\n[categories.write]\nphrases = [\"only\", \"sends a\", \"a\"]\n");
        let config = Config::parse(&toml).unwrap();
        let found = config.phrases_in(&text);
        for (ci, c) in config.categories.iter().enumerate() {
            for (pi, phrase) in c.phrases.iter().enumerate() {
                prop_assert_eq!(
                    found[ci][pi],
                    crate::classify::contains_phrase(&text, phrase),
                    "{:?} in {:?}", phrase, text
                );
            }
        }
    }

    #[test]
    fn tool_segments_are_safe(name in any::<String>()) {
        let seg = natural_segment(&name);
        prop_assert!(crate::output::check_relative(&seg).is_ok(), "{seg:?}");
        prop_assert!(seg.len() <= 128);
    }

    /// Segment assignment ends and gives every tool a distinct, safe segment
    /// for any set of names, those made of dots, spaces and dashes, reserved
    /// and device names and Unicode look-alikes of `.` and `/` among them.
    #[test]
    fn segment_assignment_terminates_and_is_unique(names in prop::collection::vec(tool_name(), 1..24)) {
        let tools: Vec<crate::record::ToolRecord> = names
            .iter()
            .map(|n| serde_json::from_value(serde_json::json!({ "name": n })).unwrap())
            .collect();
        let segments = assign_segments(&tools);
        prop_assert_eq!(segments.len(), tools.len());
        let mut seen = std::collections::HashSet::new();
        for seg in &segments {
            prop_assert!(seen.insert(seg.slug.to_lowercase()), "{:?} twice in {:?}", seg.slug, names);
            prop_assert!(crate::output::check_relative(&seg.slug).is_ok(), "{:?}", seg.slug);
            prop_assert!(!seg.slug.starts_with('.') && !seg.slug.ends_with('.'), "{:?}", seg.slug);
            prop_assert!(!is_device_name(&seg.slug), "{:?}", seg.slug);
            prop_assert!(!["policy.json", "index.html", "page"].contains(&seg.slug.to_lowercase().as_str()));
        }
    }

    #[test]
    fn front_matter_loader_never_panics(front in hostile_text(), body in hostile_text()) {
        let text = format!("+++\n{front}\n+++\n{body}");
        let _ = parse_attack("a", Path::new("a.md"), &text, &config());
        let _ = parse_page("p", Path::new("p.md"), &text);
        let _ = parse_page("p", Path::new("p.md"), &body);
    }
}
