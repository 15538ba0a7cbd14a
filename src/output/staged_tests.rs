//! Tests of the staging folder, the swap and the standby.

use super::*;

fn tree(root: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != MARKER)
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn site_and_output() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let out = dir.path().join("public");
    (dir, site, out)
}

fn full_build(site: &Path, out: &Path, files: &[(&str, &str)]) {
    let staged = Staged::begin(Lock::acquire(out).unwrap(), site).unwrap();
    for (path, text) in files {
        staged.write(path, text.as_bytes()).unwrap();
    }
    staged.commit().unwrap().join();
}

#[test]
fn a_partial_build_replaces_changed_files_and_removes_only_stale_owned_ones() {
    let (_dir, site, out) = site_and_output();
    full_build(
        &site,
        &out,
        &[
            ("servers/a/index.html", "a"),
            ("servers/a/old/index.html", "gone"),
            ("servers/ab/index.html", "neighbour"),
            ("sitemap-1.xml", "one"),
            ("sitemap-2.xml", "two"),
            ("sitemap-help/index.html", "a page"),
            ("index.html", "home"),
        ],
    );
    let before = tree(&out);
    let mut sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
    sink.write("servers/a/index.html", b"a").unwrap();
    sink.write("servers/a/new/index.html", b"new").unwrap();
    sink.write("sitemap-1.xml", b"one, again").unwrap();
    sink.write("index.html", b"home").unwrap();
    // A static file written after the page it replaces.
    sink.write("index.html", b"static home").unwrap();
    sink.remove_stale(&["servers/a/".into(), "sitemap-".into()])
        .unwrap();
    assert_eq!(
        sink.changed(),
        Committed {
            written: 3,
            removed: 2
        }
    );
    // Nothing reaches the output before the commit: the staging
    // folder's links were replaced, not written into.
    assert_eq!(tree(&out), before);
    sink.commit().unwrap().join();
    assert!(
        !out.join("servers/a/old").exists(),
        "emptied folders go too"
    );
    assert!(out.join(MARKER).is_file());
    assert_eq!(
        tree(&out),
        [
            ("index.html", "static home"),
            ("servers/a/index.html", "a"),
            ("servers/a/new/index.html", "new"),
            ("servers/ab/index.html", "neighbour"),
            ("sitemap-1.xml", "one, again"),
            ("sitemap-help/index.html", "a page"),
        ]
        .map(|(p, t)| (p.to_string(), t.to_string()))
    );
    assert!(all_of(&out, STAGING).is_empty());
}

#[test]
fn partial_builds_in_a_row_start_from_the_standby_and_agree_with_what_they_wrote() {
    let (_dir, site, out) = site_and_output();
    full_build(
        &site,
        &out,
        &[("index.html", "v0"), ("servers/a/index.html", "a0")],
    );
    let standby = super::super::beside(&out, STANDBY);
    assert!(!standby.exists(), "a full build keeps no standby");
    // Each step: the files written, the owned prefixes, what the
    // output must then be.
    type Files<'a> = &'a [(&'a str, &'a str)];
    let steps: [(Files, &[&str], Files); 4] = [
        (
            &[
                ("index.html", "v1"),
                ("servers/a/index.html", "a0"),
                ("servers/a/t/index.html", "t1"),
            ],
            &["servers/a/"],
            &[
                ("index.html", "v1"),
                ("servers/a/index.html", "a0"),
                ("servers/a/t/index.html", "t1"),
            ],
        ),
        (
            &[("index.html", "v2"), ("servers/a/index.html", "a2")],
            &["servers/a/"],
            &[("index.html", "v2"), ("servers/a/index.html", "a2")],
        ),
        (
            &[("index.html", "v2"), ("servers/b/index.html", "b3")],
            &[],
            &[
                ("index.html", "v2"),
                ("servers/a/index.html", "a2"),
                ("servers/b/index.html", "b3"),
            ],
        ),
        (
            &[("index.html", "v4")],
            &["servers/"],
            &[("index.html", "v4")],
        ),
    ];
    for (i, (writes, owned, expected)) in steps.iter().enumerate() {
        let used_standby = standby.join(STANDBY_NOTE).is_file();
        assert_eq!(
            used_standby,
            i > 0,
            "step {i}: a standby is there after a partial build"
        );
        let mut sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
        for (path, text) in *writes {
            sink.write(path, text.as_bytes()).unwrap();
        }
        let owned: Vec<String> = owned.iter().map(|o| o.to_string()).collect();
        sink.remove_stale(&owned).unwrap();
        sink.commit().unwrap().join();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        assert_eq!(tree(&out), want, "step {i}");
        assert!(
            !out.join(STANDBY_NOTE).exists(),
            "step {i}: no note in the output"
        );
    }
    // A full build drops the standby.
    full_build(&site, &out, &[("index.html", "v5")]);
    assert!(!standby.exists());
    assert_eq!(tree(&out), [("index.html".into(), "v5".into())]);
}

#[test]
fn a_standby_that_does_not_trail_the_output_is_not_used() {
    let (_dir, site, out) = site_and_output();
    full_build(&site, &out, &[("index.html", "v0")]);
    let step = |text: &str| {
        let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
        sink.write("index.html", text.as_bytes()).unwrap();
        sink.commit().unwrap().join();
    };
    step("v1");
    let standby = super::super::beside(&out, STANDBY);
    // The standby's note names another folder: it is linked afresh.
    std::fs::write(standby.join(STANDBY_NOTE), "0 0\nindex.html").unwrap();
    std::fs::write(standby.join("stray.html"), "from the standby").unwrap();
    step("v2");
    assert_eq!(tree(&out), [("index.html".into(), "v2".into())]);
}

#[test]
fn an_abandoned_build_leaves_the_previous_output_as_it_was() {
    let (_dir, site, out) = site_and_output();
    full_build(&site, &out, &[("index.html", "home")]);
    for from_previous in [false, true] {
        let lock = Lock::acquire(&out).unwrap();
        let sink = if from_previous {
            Staged::begin_from_previous(lock, &site)
        } else {
            Staged::begin(lock, &site)
        }
        .unwrap();
        sink.write("index.html", b"new home").unwrap();
        drop(sink.abandon());
        assert_eq!(tree(&out), [("index.html".into(), "home".into())]);
    }
    assert!(all_of(&out, STAGING).is_empty());
}

#[test]
fn refuses_paths_outside_the_output() {
    let (_dir, site, out) = site_and_output();
    full_build(&site, &out, &[("index.html", "home")]);
    let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
    assert!(sink.write("../x.html", b"x").is_err());
    assert_eq!(sink.changed(), Committed::default());
}

#[test]
fn the_next_build_puts_back_an_output_left_aside_and_sweeps_what_killed_builds_left() {
    let (dir, site, out) = site_and_output();
    full_build(&site, &out, &[("index.html", "home")]);
    // A build killed between the two renames of a swap: the output is
    // aside, and there is no output.
    let aside = dir.path().join(".public.toolrisk-swap-999999");
    std::fs::rename(&out, &aside).unwrap();
    // Leftovers of other killed builds, one without its marker (a
    // deletion that had begun).
    for name in [
        ".public.toolrisk-staging-999998",
        ".public.toolrisk-old-999997",
    ] {
        std::fs::create_dir_all(dir.path().join(name).join("servers")).unwrap();
    }
    // Beside another output, or named by a person: not ours to remove.
    let neighbour = dir.path().join(".publicity.toolrisk-old-5");
    std::fs::create_dir_all(&neighbour).unwrap();
    let backup = dir.path().join(".public.toolrisk-old-backup");
    std::fs::create_dir_all(&backup).unwrap();
    let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
    sink.write("about.html", b"about").unwrap();
    sink.commit().unwrap().join();
    assert_eq!(
        tree(&out),
        [
            ("about.html".into(), "about".into()),
            ("index.html".into(), "home".into())
        ]
    );
    // The sweep ran in the background, and the commit's cleanup waited
    // for it.
    for kind in [SWAP, OLD, STAGING] {
        assert_eq!(all_of(&out, kind), Vec::<PathBuf>::new(), "{kind}");
    }
    assert!(neighbour.is_dir());
    assert!(backup.is_dir());
}
