use super::*;
use crate::state::Stamp;

#[test]
fn paths_are_classified() {
    let cases: &[(&str, Option<InputFile>)] = &[
        ("site.toml", Some(InputFile::Settings)),
        (
            "content/servers/github.json",
            Some(InputFile::Server("github".into())),
        ),
        ("content/servers/notes.txt", None),
        (
            "content/attacks/rug-pull.md",
            Some(InputFile::Attack("rug-pull".into())),
        ),
        (
            "content/pages/about.md",
            Some(InputFile::Page("about".into())),
        ),
        (
            "templates/tool.html",
            Some(InputFile::Template("tool.html".into())),
        ),
        (
            "templates/partials/policy.html",
            Some(InputFile::Template("partials/policy.html".into())),
        ),
        (
            "static/img/logo.svg",
            Some(InputFile::Static("img/logo.svg".into())),
        ),
        ("content/servers/.github.json.swp", None),
        ("content/servers/github.json~", None),
        ("templates/4913", None),
        ("public/index.html", None),
        ("Cargo.toml", None),
        ("content/servers/nested/x.json", None),
    ];
    for (path, want) in cases {
        assert_eq!(&classify(Path::new(path)), want, "{path}");
    }
}

fn plan_of(paths: &[&str]) -> Plan {
    Changes::from_paths(paths.iter().map(Path::new)).plan()
}

#[test]
fn plans_fold_changes() {
    let cases: Vec<(Vec<&str>, Plan)> = vec![
        (vec!["public/x.html"], Plan::default()),
        (
            vec!["static/a.css", "static/a.css"],
            Plan {
                statics: vec!["a.css".into()],
                ..Plan::default()
            },
        ),
        (
            vec![
                "content/servers/x.json",
                "static/b",
                "content/servers/x.json",
            ],
            Plan {
                servers: vec!["x".into()],
                statics: vec!["b".into()],
                ..Plan::default()
            },
        ),
        (
            vec!["templates/tool.html"],
            Plan {
                templates: true,
                ..Plan::default()
            },
        ),
        (
            vec!["content/attacks/a.md", "content/servers/x.json"],
            Plan {
                reload: true,
                servers: vec!["x".into()],
                ..Plan::default()
            },
        ),
        (
            vec!["site.toml"],
            Plan {
                reload: true,
                ..Plan::default()
            },
        ),
        (
            vec!["content/pages/about.md"],
            Plan {
                reload: true,
                ..Plan::default()
            },
        ),
    ];
    for (paths, want) in cases {
        assert_eq!(plan_of(&paths), want, "{paths:?}");
    }
    assert!(plan_of(&["public/x.html"]).is_empty());
}

#[test]
fn a_failed_plan_merges_into_the_next() {
    let mut next = Changes::from_paths([Path::new("content/servers/b.json")]);
    next.merge(&Changes::from_paths(
        ["content/servers/a.json", "content/servers/b.json"].map(Path::new),
    ));
    let plan = next.plan();
    assert_eq!(plan.servers, vec!["a".to_string(), "b".to_string()]);
    assert!(!plan.reload && !plan.templates);
    next.merge(&Changes::from_paths([Path::new("templates/x.html")]));
    assert!(next.plan().templates);
}

fn inputs(files: &[(&str, u64, u128)]) -> Inputs {
    Inputs {
        files: files
            .iter()
            .map(|&(p, len, modified)| {
                (
                    p.to_string(),
                    Stamp {
                        len,
                        modified,
                        hash: None,
                    },
                )
            })
            .collect(),
    }
}

#[test]
fn only_existing_server_records_are_changes_of_their_own() {
    let nowhere = Path::new("/nonexistent-site");
    let before = inputs(&[
        ("content/servers/a.json", 10, 5),
        ("content/servers/b.json", 10, 5),
        ("site.toml", 3, 5),
        ("templates/page.html", 3, 5),
    ]);
    let changes = |now: &Inputs| Changes::from_stamps(&before, now, nowhere);
    assert!(changes(&before).plan().is_empty());
    let mut now = before.clone();
    now.files[1].1.modified = 6;
    let plan = changes(&now).plan();
    assert!(plan.in_place());
    assert_eq!(plan.servers, vec!["b".to_string()]);
    let mut now = before.clone();
    now.files[3].1.len = 4;
    assert_eq!(
        changes(&now),
        Changes {
            templates: vec!["page.html".into()],
            ..Changes::default()
        }
    );
    assert!(!changes(&now).plan().in_place());
    let mut now = before.clone();
    now.files.remove(1);
    assert_eq!(
        changes(&now),
        Changes {
            removed_servers: vec!["b".into()],
            ..Changes::default()
        }
    );
    assert!(changes(&now).plan().reload);
    let mut now = before.clone();
    now.files[1].0 = "content/servers/c.json".into();
    assert_eq!(
        changes(&now),
        Changes {
            added_servers: vec!["c".into()],
            removed_servers: vec!["b".into()],
            ..Changes::default()
        }
    );
    assert!(changes(&now).plan().reload);
    // A file under an input folder that is no input of a known kind.
    for odd in [
        "content/servers/notes.txt",
        "content/servers/x/a.json",
        "content/attacks/a.json",
    ] {
        let mut now = before.clone();
        now.files.push((odd.into(), now.files[0].1));
        now.files.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(changes(&now).unknown, "{odd}");
        assert!(changes(&now).plan().reload, "{odd}");
    }
}

#[test]
fn a_file_too_new_to_trust_its_date_is_told_by_its_bytes() {
    let site = tempfile::tempdir().unwrap();
    let dir = site.path().join("content/servers");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), "{\"name\": \"A\"}").unwrap();
    std::fs::write(site.path().join("site.toml"), "title = \"t\"").unwrap();
    let before = Inputs::stamp(site.path()).unwrap();
    assert!(
        before.files.iter().all(|(_, s)| s.hash.is_some()),
        "just written: hashed"
    );
    let changes = |b: &Inputs, now: &Inputs| Changes::from_stamps(b, now, site.path()).plan();
    assert!(changes(&before, &before).is_empty());
    // Rewritten in the same clock tick, same length: the date cannot
    // tell, the bytes do.
    let mut now = before.clone();
    std::fs::write(dir.join("a.json"), "{\"name\": \"B\"}").unwrap();
    now.files[0].1.hash = None;
    let plan = changes(&before, &now);
    assert!(plan.in_place());
    assert_eq!(plan.servers, vec!["a".to_string()]);
    std::fs::write(site.path().join("site.toml"), "title = \"u\"").unwrap();
    let now = Inputs::stamp(site.path()).unwrap();
    assert!(changes(&before, &now).reload);
    // A new file too large to read for a hash counts as changed.
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    let big = vec![b'x'; crate::state::RACY_HASH_LIMIT as usize + 1];
    std::fs::write(site.path().join("static/big.bin"), big).unwrap();
    let with_big = Inputs::stamp(site.path()).unwrap();
    let stamp = &with_big
        .files
        .iter()
        .find(|(p, _)| p == "static/big.bin")
        .unwrap()
        .1;
    assert_eq!((stamp.modified, stamp.hash), (0, None));
    let plan = changes(&with_big, &with_big);
    assert_eq!(plan.statics, vec!["big.bin".to_string()]);
    assert!(!plan.in_place());
}
