//! Oversized inputs: huge records, descriptions, tool counts, nested
//! schemas, names and titles are refused or cut, with the limit.

use super::*;

#[test]
fn huge_record_is_refused_without_reading_it() {
    const SIZE: u64 = 200 * 1024 * 1024;
    let tmp = tempdir();
    let site = tmp.path().join("site");
    write_site(&site, &[]);
    let huge = std::fs::File::create(site.join("content/servers/huge.json")).unwrap();
    huge.set_len(SIZE).unwrap();
    drop(huge);
    let out = tmp.path().join("out");

    let time = Path::new("/usr/bin/time");
    let with_time = time.is_file() && {
        let probe = Command::new(time).args(["-v", "true"]).output();
        probe.is_ok_and(|o| o.status.success())
    };
    let run = if with_time {
        let mut cmd = Command::new(time);
        cmd.arg("-v")
            .arg(env!("CARGO_BIN_EXE_toolrisk"))
            .arg("build")
            .arg(&site)
            .arg("--output")
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        run_timed(cmd, MINUTE)
    } else {
        build_timed(&site, &out, MINUTE)
    };
    assert_eq!(run.code, Some(1), "build\n{}", run.describe());
    assert!(
        run.elapsed < Duration::from_secs(20),
        "refusing took {:.1} s",
        run.elapsed.as_secs_f64()
    );
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("content/servers/huge.json"))
        .unwrap_or_else(|| panic!("no message names the file\n{}", run.describe()));
    assert!(
        line.contains(&SIZE.to_string()) && line.contains("33554432"),
        "the message does not give the size and the limit: {line}"
    );
    assert!(
        run.stderr.contains("max_record_bytes"),
        "the message does not name `max_record_bytes`\n{}",
        run.describe()
    );
    assert!(!out.exists(), "a refused build created the output");

    // Peak memory: far below the file's size.
    let peak_kib = if with_time {
        run.stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse::<u64>().ok())
    } else {
        run.peak_kib
    };
    match peak_kib {
        Some(kib) => assert!(
            kib < 100 * 1024,
            "peak memory {kib} KiB: the 200 MB file was read"
        ),
        None => eprintln!("note: peak memory could not be measured; skipped that assertion"),
    }
}

#[test]
fn ten_megabyte_description_is_cut_with_a_warning() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let description =
        "All work and no play makes a long description. ".repeat(10 * 1024 * 1024 / 48);
    let record = json!({
        "name": "Big description",
        "tools": [
            { "name": "big_tool", "description": description },
            { "name": "small_tool", "description": "Lists the items." }
        ]
    });
    write_site(
        &site,
        &[("big", serde_json::to_string(&record).unwrap().as_bytes())],
    );
    let out = tmp.path().join("out");
    let run = build_timed(&site, &out, MINUTE);
    assert_eq!(run.code, Some(0), "build\n{}", run.describe());
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("big_tool"))
        .unwrap_or_else(|| panic!("no warning names big_tool\n{}", run.describe()));
    assert!(
        warning.contains("65536") && warning.contains(&description.len().to_string()),
        "the warning does not give the size and the limit: {warning}"
    );
    let page = out.join("servers/big/big_tool/index.html");
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 200 * 1024, "the tool page is {size} bytes");
    let text = visible_text(&parse_html(&page));
    assert!(
        text.contains("All work and no play"),
        "the kept part of the description is not shown"
    );
    for f in list_files(&out) {
        let size = std::fs::metadata(out.join(&f)).unwrap().len();
        assert!(
            size < 1024 * 1024,
            "{f} is {size} bytes: the description was not cut there"
        );
    }
}

#[test]
fn too_many_tools_on_one_server_is_refused() {
    // The default `limits.max_tools_per_server` is 20,000 (src/config.rs),
    // so 100,000 tools must be refused.
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let mut record = String::from("{\"name\": \"Many\", \"tools\": [\n");
    for i in 0..100_000 {
        if i > 0 {
            record.push_str(",\n");
        }
        record.push_str(&format!("{{\"name\": \"t{i}\"}}"));
    }
    record.push_str("\n]}\n");
    write_site(&site, &[("many", record.as_bytes())]);
    let out = tmp.path().join("out");
    let run = build_timed(&site, &out, MINUTE);
    assert!(!run.timed_out, "did not finish in 60 s\n{}", run.describe());
    assert_eq!(run.code, Some(1), "build\n{}", run.describe());
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("content/servers/many.json"))
        .unwrap_or_else(|| panic!("no message names the file\n{}", run.describe()));
    assert!(
        line.contains("100000") && line.contains("20000"),
        "the message does not give the count and the limit: {line}"
    );
    assert!(
        run.stderr.contains("max_tools_per_server"),
        "the message does not name `max_tools_per_server`\n{}",
        run.describe()
    );
    assert!(!out.exists(), "a refused build created the output");
}

#[test]
fn deeply_nested_schema_is_refused_or_handled() {
    const DEPTH: usize = 10_000;
    let objects = format!(
        "{{\"name\": \"Deep\", \"tools\": [{{\"name\": \"deep\", \"inputSchema\": {}{{}}{}}}]}}",
        "{\"properties\": {\"x\": ".repeat(DEPTH),
        "}}".repeat(DEPTH)
    );
    let arrays = format!(
        "{{\"name\": \"Deep\", \"tools\": [{{\"name\": \"deep\", \"inputSchema\": {{\"type\": \"object\", \"default\": {}1{}}}}}]}}",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    for (what, text) in [("objects", objects), ("arrays", arrays)] {
        let tmp = tempdir();
        let site = tmp.path().join("site");
        write_site(&site, &[("deep", text.as_bytes())]);
        let out = tmp.path().join("out");
        let run = build_timed(&site, &out, MINUTE);
        run.assert_clean_exit(&format!("nested {what}"));
        if run.code == Some(1) {
            assert!(
                run.stderr.contains("content/servers/deep.json"),
                "nested {what}: refused without naming the file\n{}",
                run.describe()
            );
        } else {
            assert!(out.join("servers/deep/deep/index.html").is_file());
        }
    }
}

/// A megabyte-long name once made a 23 MB page. Names and titles past the
/// limits of site.toml are refused, with the file, the line and the limit.
#[test]
fn oversized_names_and_titles_are_refused_with_the_limit() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let long_name = "n".repeat(1_000_000);
    let record = format!(
        "{{\"name\": \"Big\", \"tools\": [\n{{\"name\": \"ok\"}},\n{{\"name\": \"{long_name}\"}},\n{{\"name\": \"titled\", \"title\": \"{}\"}}\n]}}\n",
        "t".repeat(300)
    );
    write_site(&site, &[("big", record.as_bytes())]);
    let out = tmp.path().join("out");
    let run = build_timed(&site, &out, MINUTE);
    run.assert_clean_exit("build");
    assert_eq!(run.code, Some(1), "build\n{}", run.describe());
    assert!(
        run.stderr.contains("content/servers/big.json:3:1")
            && run.stderr.contains("name of 1000000 characters")
            && run.stderr.contains("max_name_chars"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("content/servers/big.json:4:1")
            && run.stderr.contains("title of 300 characters")
            && run.stderr.contains("max_title_chars"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.len() < 10_000,
        "the message repeats the name: {} bytes",
        run.stderr.len()
    );
    assert!(!out.exists(), "a refused build created the output");
    // The limit is the site's to raise.
    std::fs::write(
        site.join("site.toml"),
        "title = \"T\"\nbase_url = \"https://hostile-test.example/\"\n[limits]\nmax_name_chars = 2000000\nmax_title_chars = 400\n",
    )
    .unwrap();
    build_timed(&site, &out, MINUTE).assert_clean_exit("build with raised limits");
}
