//! Hostile names never write outside the output, and names with leading
//! dots never hang a command.

use super::*;

fn is_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or(segment)
        .to_ascii_lowercase();
    let stem = stem.trim_end_matches([' ', '.']);
    matches!(stem, "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && matches!(stem.as_bytes()[3], b'1'..=b'9'))
}

#[test]
fn hostile_names_never_write_outside_the_output() {
    let long_name: String = "very_long_tool_name_".repeat(15);
    assert_eq!(long_name.len(), 300);
    let names: Vec<String> = [
        "..",
        ".",
        "../../escape",
        "/abs/path",
        "a\\b\\..\\c",
        "nul\u{0}byte",
        "CON",
        "con.txt",
        "aux",
        "page",
        long_name.as_str(),
        "a\u{2215}b",
        "a\u{2044}b",
        "a\u{FF0F}b",
        "policy.json",
        "index.html",
        "Tool",
        "tool",
        "\u{1F525}\u{1F4A3}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let abs_existed = Path::new("/abs").exists();

    let tmp = tempdir();
    let site = tmp.path().join("site");
    let record = json!({
        "name": "Hostile names",
        "tools": names.iter().map(|n| json!({ "name": n, "description": "Does a thing." })).collect::<Vec<_>>(),
    });
    write_site(
        &site,
        &[(
            "names",
            serde_json::to_string_pretty(&record).unwrap().as_bytes(),
        )],
    );
    // The 300-character name is over the default name limit; this test is
    // about where its page goes, so the site allows it.
    std::fs::write(
        site.join("site.toml"),
        "title = \"Hostile test site\"\nbase_url = \"https://hostile-test.example/\"\n[limits]\nmax_name_chars = 400\n",
    )
    .unwrap();
    let site_before = walk_no_follow(&site);
    std::fs::create_dir_all(tmp.path().join("site-out")).unwrap();
    let out = tmp.path().join("site-out/out");
    let run = build_timed(&site, &out, MINUTE);
    assert_eq!(run.code, Some(0), "build\n{}", run.describe());

    // Nothing outside <tmp>/site-out/out except the site as it was and the
    // build state, named after the output, beside it.
    assert_eq!(
        walk_no_follow(&site),
        site_before,
        "the build changed the site folder"
    );
    let strays: Vec<_> = walk_no_follow(tmp.path())
        .into_iter()
        .filter(|(p, _)| {
            !(p.starts_with("site")
                || p.starts_with("site-out/out")
                || p == Path::new("site-out")
                || p == Path::new("site-out/.out.toolrisk-state"))
        })
        .collect();
    assert!(strays.is_empty(), "written outside the output: {strays:?}");
    if !abs_existed {
        assert!(!Path::new("/abs").exists(), "the build wrote /abs");
    }

    // One distinct, safe folder per tool.
    let server_dir = out.join("servers/names");
    let folders: BTreeSet<String> = std::fs::read_dir(&server_dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut problems = Vec::new();
    if folders.len() != names.len() {
        problems.push(format!(
            "{} tool folders for {} tools: {folders:?}",
            folders.len(),
            names.len()
        ));
    }
    let mut lower = HashSet::new();
    for f in &folders {
        if f.is_empty()
            || !f
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        {
            problems.push(format!("folder {f:?} is outside [A-Za-z0-9_.-]+"));
        }
        if f.len() > 140 {
            problems.push(format!("folder {f:?} is {} bytes long", f.len()));
        }
        if is_device_name(f) {
            problems.push(format!("folder {f:?} is a Windows device name"));
        }
        if f == "." || f == ".." {
            problems.push(format!("folder {f:?}"));
        }
        if !lower.insert(f.to_lowercase()) {
            problems.push(format!("folder {f:?} differs from another only in case"));
        }
    }

    // Each tool's page and policy are at its own folder, keyed by the raw name.
    let api = read_json(&out.join("api/servers/names.json"));
    let tools = api["tools"].as_array().unwrap();
    assert_eq!(tools.len(), names.len(), "the API lists every tool");
    let mut seen_folders = HashSet::new();
    for t in tools {
        let name = t["name"].as_str().unwrap();
        let url = t["url"].as_str().unwrap();
        let seg = url
            .strip_prefix("https://hostile-test.example/servers/names/")
            .and_then(|s| s.strip_suffix('/'))
            .unwrap_or_else(|| panic!("tool url {url}"));
        if !seen_folders.insert(seg.to_string()) {
            problems.push(format!("{name:?} shares folder {seg:?} with another tool"));
        }
        if !folders.contains(seg) {
            problems.push(format!("{name:?}: no folder {seg:?}"));
            continue;
        }
        let dir = server_dir.join(seg);
        if !dir.join("index.html").is_file() {
            problems.push(format!("{name:?}: no {seg}/index.html"));
        }
        let policy = read_json(&dir.join("policy.json"));
        let keyed = policy["tools"].get(name).is_some()
            || policy["hide"]
                .as_array()
                .is_some_and(|h| h.iter().any(|n| n == name));
        if !keyed {
            problems.push(format!(
                "{seg}/policy.json is not keyed by the raw name {name:?}: {policy}"
            ));
        }
        if let Err(e) = toolrisk::policy::validate(&policy) {
            problems.push(format!("{seg}/policy.json fails the schema: {e}"));
        }
        if !name.contains('\0') {
            let doc = parse_html(&dir.join("index.html"));
            let raw = doc.select(&sel("code.raw-name")).next().map(text_of);
            if raw.as_deref() != Some(name) {
                problems.push(format!("{seg}/: code.raw-name shows {raw:?}, not {name:?}"));
            }
        }
        // A renamed segment is announced.
        let natural = toolrisk::catalogue::model::natural_segment(name);
        if seg != natural
            && !run
                .stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(&format!("tool `{name}`")))
        {
            problems.push(format!(
                "{name:?} moved from {natural:?} to {seg:?} without a warning"
            ));
        }
    }
    if !run.stderr.contains("warning:") {
        problems.push("the build printed no warning for renamed segments".into());
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}\n--- stderr\n{}",
        problems.len(),
        problems.join("\n"),
        run.stderr
    );
}

/// Names whose natural segment is reserved and cannot be numbered as it
/// stands (`.x` stays hidden whatever follows it) once made every command
/// loop forever. Each command must now finish, and every tool gets a page.
#[test]
fn names_with_leading_dots_never_hang_a_command() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let record = json!({
        "name": "Dots",
        "tools": [
            {"name": ".x", "description": "A leading dot."},
            {"name": "..x", "description": "Two leading dots."},
            {"name": "x.", "description": "A trailing dot."},
            {"name": "...", "description": "Only dots."},
            {"name": "x", "description": "The name the others fall back to."},
            {"name": ".con.txt", "description": "A hidden device name."}
        ]
    });
    write_site(&site, &[("dots", record.to_string().as_bytes())]);
    let out = tmp.path().join("out");
    let run = build_timed(&site, &out, MINUTE);
    run.assert_clean_exit("build");
    assert_eq!(run.code, Some(0), "build\n{}", run.describe());
    let server = out.join("servers/dots");
    let pages: BTreeSet<String> = std::fs::read_dir(&server)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.path()
                .join("index.html")
                .is_file()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(pages.len(), 6, "one page per tool: {pages:?}");
    assert!(
        pages
            .iter()
            .all(|p| !p.starts_with('.') && !p.ends_with('.')),
        "{pages:?}"
    );
    check_timed(&site, MINUTE).assert_clean_exit("check");
    let snippet = run_timed(
        toolrisk_cmd([
            "snippet".as_ref(),
            "dots/.x".as_ref(),
            "--site".as_ref(),
            site.as_os_str(),
        ]),
        MINUTE,
    );
    snippet.assert_clean_exit("snippet");
    assert_eq!(snippet.code, Some(0), "snippet\n{}", snippet.describe());
}
