//! A corpus of broken records and pages never crashes `check`.

use super::*;

const BASE_RECORD: &str = r#"{
  "name": "Base server",
  "tools": [
    { "name": "read_item", "description": "Reads one item." },
    { "name": "run_job", "description": "Runs a job." }
  ]
}
"#;

fn corpus_files(sub: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_inputs_never_crash() {
    let records = corpus_files("records", "json");
    let markdown = corpus_files("markdown", "md");
    assert!(records.len() >= 12, "only {} corpus records", records.len());
    assert!(
        markdown.len() >= 8,
        "only {} corpus markdown files",
        markdown.len()
    );

    // (corpus file, where it goes in the site)
    let mut cases: Vec<(PathBuf, String)> = Vec::new();
    for f in &records {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((f.clone(), format!("content/servers/{name}")));
    }
    for f in &markdown {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((f.clone(), format!("content/pages/{name}")));
        cases.push((f.clone(), format!("content/attacks/{name}")));
    }

    let tmp = tempdir();
    let mut problems = Vec::new();
    let mut outcomes = Vec::new();
    for (i, (file, dest)) in cases.iter().enumerate() {
        let site = tmp.path().join(format!("site-{i}"));
        write_site(&site, &[("base-server", BASE_RECORD.as_bytes())]);
        std::fs::create_dir_all(site.join("content/pages")).unwrap();
        std::fs::create_dir_all(site.join("content/attacks")).unwrap();
        let mut bytes = std::fs::read(file).unwrap();
        if dest.starts_with("content/attacks/") {
            // Give an attack entry the fields pages lack, so its body is
            // read too: after the first line when that is the `+++` opener.
            let first = bytes
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| i + 1);
            let opener = String::from_utf8_lossy(&bytes[..first]);
            if opener.trim_start_matches('\u{FEFF}').trim_end() == "+++" {
                let fields =
                    b"class = \"Corpus\"\nseverity = \"low\"\nsummary = \"A corpus entry.\"\n";
                bytes.splice(first..first, fields.iter().copied());
            }
        }
        std::fs::write(site.join(dest), &bytes).unwrap();
        let run = check_timed(&site, MINUTE);
        let what = format!(
            "{dest} (from tests/corpus/{})",
            file.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"))
                .unwrap()
                .display()
        );
        outcomes.push(format!("{what}: {:?}", run.code));
        if run.timed_out {
            problems.push(format!("{what}: did not finish in 60 s"));
        } else if let Some(sig) = run.signal {
            problems.push(format!(
                "{what}: killed by signal {sig}\n{}",
                clip(&run.stderr, 2000)
            ));
        } else if run.stderr.contains("panicked") || run.code == Some(101) {
            problems.push(format!(
                "{what}: panicked (exit {:?})\n{}",
                run.code,
                clip(&run.stderr, 2000)
            ));
        } else if !matches!(run.code, Some(0) | Some(1)) {
            problems.push(format!(
                "{what}: exit code {:?}\n{}",
                run.code,
                clip(&run.stderr, 2000)
            ));
        } else if run.code == Some(1) && !run.stderr.contains(dest.as_str()) {
            problems.push(format!(
                "{what}: refused without naming the file\n{}",
                clip(&run.stderr, 2000)
            ));
        }
        let _ = std::fs::remove_dir_all(&site);
    }
    assert!(
        problems.is_empty(),
        "{} of {} corpus runs went wrong:\n{}\n\nall outcomes:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n\n"),
        outcomes.join("\n")
    );
}
