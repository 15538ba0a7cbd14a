//! Confidence and the review queue: uncertain tools are queued for review,
//! and a record's own category settles them.

use crate::common::*;

#[test]
fn uncertain_tools_are_queued_for_review_and_a_record_category_settles_them() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("content/servers")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"Review\"\nbase_url = \"https://review.example/\"\n\n[review]\nbelow = 0.6\n",
    )
    .unwrap();
    let record = serde_json::json!({
        "name": "Vague",
        "tools": [
            {"name": "frobnicate"},
            {"name": "frobnicate_twice", "category": "write"},
            {"name": "delete_repository", "description": "Permanently deletes a repository and all of its issues. This cannot be undone."}
        ]
    });
    std::fs::write(site.join("content/servers/vague.json"), record.to_string()).unwrap();
    let out = tmp.path().join("out");
    build(&site, &out).expect_code(0, "build");

    // The queue lists the tool the classifier knows nothing of, and neither
    // the one whose record sets its category nor the clear one.
    let queue = read(&out.join("review/index.html"));
    assert!(queue.contains("servers/vague/frobnicate/"), "{queue}");
    assert!(
        !queue.contains("servers/vague/frobnicate_twice/"),
        "{queue}"
    );
    assert!(
        !queue.contains("servers/vague/delete_repository/"),
        "{queue}"
    );
    assert!(queue.contains("noindex"), "the queue is not marked noindex");
    // Linked from no other page.
    for page in html_files(&out) {
        if !page.starts_with("review/") {
            assert!(
                !read(&out.join(&page)).contains("/review/"),
                "{page} links to the review queue"
            );
        }
    }

    // The API carries each tool's confidence; a record's category is sure.
    let api = read_json(&out.join("api/servers/vague.json"));
    let confidence = |name: &str| {
        api["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["confidence"].as_f64())
            .unwrap_or_else(|| panic!("no confidence for {name}: {api}"))
    };
    assert!(confidence("frobnicate") < 0.6);
    assert_eq!(confidence("frobnicate_twice"), 1.0);
    assert!(confidence("delete_repository") >= 0.6);

    // The page says it in words.
    let page = parse_html(&out.join("servers/vague/frobnicate/index.html"));
    let text = visible_text(&page);
    assert!(text.contains("Confidence"), "{text}");
    assert!(text.contains("queued for review"), "{text}");

    // `check --review` prints the same queue.
    let run = toolrisk(["check".as_ref(), site.as_os_str(), "--review".as_ref()]);
    run.expect_code(0, "check --review");
    assert!(
        run.stdout.contains("Review queue: 1 tool"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("vague/frobnicate: other"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("frobnicate_twice"), "{}", run.stdout);
}
