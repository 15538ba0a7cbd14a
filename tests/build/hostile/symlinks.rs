//! Symlinks: one leading outside the site is refused, a loop does not hang,
//! and one inside the site is accepted.

use super::*;

const SECRET_MARKER: &str = "OUTSIDE-SECRET-7f3a9c";

/// A site with one good record, and an outside folder holding a record and
/// a folder that carry `SECRET_MARKER`.
fn site_with_outside(tmp: &Path) -> (PathBuf, PathBuf) {
    let site = tmp.join("site");
    write_site(
        &site,
        &[(
            "good",
            br#"{"name": "Good", "tools": [{"name": "list_items"}]}"#,
        )],
    );
    let outside = tmp.join("outside");
    std::fs::create_dir_all(outside.join("dir")).unwrap();
    std::fs::write(
        outside.join("secret.json"),
        format!(r#"{{"name": "{SECRET_MARKER}", "tools": [{{"name": "{SECRET_MARKER}"}}]}}"#),
    )
    .unwrap();
    std::fs::write(outside.join("dir/secret.txt"), SECRET_MARKER).unwrap();
    (site, outside)
}

/// Panics if any file under `root` (links not followed) contains `needle`.
fn assert_nowhere(root: &Path, needle: &str, what: &str) {
    for (rel, kind) in walk_no_follow(root) {
        if kind == "file" {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "{what}: {} contains the outside file's content",
                rel.display()
            );
        }
    }
}

#[test]
fn symlink_outside_the_site_is_refused() {
    use std::os::unix::fs::symlink;
    let cases: [(&str, &str); 2] = [
        ("content/servers/evil.json", "secret.json"),
        ("static/leak", "dir"),
    ];
    for (link, target) in cases {
        let tmp = tempdir();
        let (site, outside) = site_with_outside(tmp.path());
        std::fs::create_dir_all(site.join(link).parent().unwrap()).unwrap();
        symlink(outside.join(target), site.join(link)).unwrap();
        let out = tmp.path().join("out");
        for (what, run) in [
            ("build", build_timed(&site, &out, MINUTE)),
            ("check", check_timed(&site, MINUTE)),
        ] {
            let ctx = format!("{what} with {link} -> {target}");
            assert_eq!(run.code, Some(1), "{ctx}\n{}", run.describe());
            let line = run
                .stderr
                .lines()
                .find(|l| l.contains(link))
                .unwrap_or_else(|| panic!("{ctx}: no message names {link}\n{}", run.describe()));
            assert!(
                line.contains("points outside the site folder"),
                "{ctx}: the message does not say the link points outside the site folder: {line}"
            );
            assert!(
                !run.stdout.contains(SECRET_MARKER) && !run.stderr.contains(SECRET_MARKER),
                "{ctx}: the outside content was printed\n{}",
                run.describe()
            );
        }
        assert!(!out.exists(), "{link}: a refused build created the output");
        assert_nowhere(tmp.path().join("site").as_path(), SECRET_MARKER, link);
        let strays: Vec<_> = walk_no_follow(tmp.path())
            .into_iter()
            .filter(|(p, _)| !(p.starts_with("site") || p.starts_with("outside")))
            .collect();
        assert!(strays.is_empty(), "{link}: a refused build left {strays:?}");
    }
}

#[test]
fn symlink_loop_does_not_hang() {
    use std::os::unix::fs::symlink;
    let cases: [(&str, &str); 3] = [
        // static/loop -> static/
        ("static/loop", "."),
        // static/a/up -> static/a/.. = static/
        ("static/a/up", ".."),
        // a link to itself
        ("static/self", "self"),
    ];
    for (link, target) in cases {
        let tmp = tempdir();
        let site = tmp.path().join("site");
        write_site(
            &site,
            &[(
                "good",
                br#"{"name": "Good", "tools": [{"name": "list_items"}]}"#,
            )],
        );
        std::fs::create_dir_all(site.join("static/a")).unwrap();
        std::fs::write(site.join("static/a/file.txt"), "a file").unwrap();
        symlink(target, site.join(link)).unwrap();
        let out = tmp.path().join("out");
        let run = build_timed(&site, &out, MINUTE);
        let ctx = format!("build with {link} -> {target}");
        run.assert_clean_exit(&ctx);
        if run.code == Some(1) {
            assert!(
                run.stderr.contains(link),
                "{ctx}: refused without naming the link\n{}",
                run.describe()
            );
        } else {
            assert!(
                out.join("a/file.txt").is_file(),
                "{ctx}: static file missing"
            );
        }
    }
}

#[test]
fn symlink_inside_the_site_is_accepted() {
    use std::os::unix::fs::symlink;
    let tmp = tempdir();
    let site = tmp.path().join("site");
    write_site(
        &site,
        &[(
            "good",
            br#"{"name": "Good", "tools": [{"name": "list_items"}]}"#,
        )],
    );
    std::fs::create_dir_all(site.join("data/shared")).unwrap();
    std::fs::write(
        site.join("data/real.json"),
        r#"{"name": "Linked server", "tools": [{"name": "read_item"}]}"#,
    )
    .unwrap();
    std::fs::write(site.join("data/shared/note.txt"), "shared note").unwrap();
    std::fs::create_dir_all(site.join("static")).unwrap();
    symlink(
        "../../data/real.json",
        site.join("content/servers/alias.json"),
    )
    .unwrap();
    symlink("../data/shared", site.join("static/shared")).unwrap();
    let out = tmp.path().join("out");
    let run = build_timed(&site, &out, MINUTE);
    assert_eq!(run.code, Some(0), "build\n{}", run.describe());
    assert!(
        out.join("servers/alias/read_item/index.html").is_file(),
        "the linked record was not built"
    );
    assert_eq!(read(&out.join("shared/note.txt")), "shared note");
}
