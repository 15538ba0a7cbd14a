//! What a build promises when it is killed, runs beside another build of
//! the same output, or runs out of disk (docs/reliability.md): the output
//! is always the previous site or the new one, nothing a killed build left
//! outlives the next build, and a second build is refused clearly.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::common::*;

/// A site of `copies` copies of the `ok` fixture's servers (renamed, so
/// every copy is a server of its own) in a temporary folder, its files
/// dated an hour ago so that none is too new to trust its date, and the
/// output folder's path beside it.
fn big_site(copies: usize) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempdir();
    let site = dir.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let servers = site.join("content/servers");
    let originals: Vec<(String, serde_json::Value)> = records(&site);
    for i in 0..copies {
        for (slug, record) in &originals {
            let mut record = record.clone();
            let name = record["name"].as_str().unwrap().to_string();
            record["name"] = format!("{name} {i}").into();
            std::fs::write(
                servers.join(format!("{slug}-{i}.json")),
                serde_json::to_string_pretty(&record).unwrap(),
            )
            .unwrap();
        }
    }
    let past = SystemTime::now() - Duration::from_secs(3600);
    for rel in list_files(&site) {
        let file = std::fs::File::options()
            .write(true)
            .open(site.join(rel))
            .unwrap();
        file.set_modified(past).unwrap();
    }
    let out = dir.path().join("public");
    (dir, site, out)
}

fn build_command(site: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolrisk"));
    cmd.arg("build")
        .arg(site)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Runs a build of `site` into `out` and kills it (SIGKILL) after `delay`,
/// unless it finished first.
fn build_killed_after(site: &Path, out: &Path, delay: Duration) {
    let mut child = build_command(site, out).spawn().unwrap();
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The folders and files beside `out` that builds keep there, other than
/// the lock, the state and the standby (the previous output an incremental
/// build keeps for the next).
fn leftovers_beside(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!(".{name}.toolrisk-");
    let mut found: Vec<String> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .filter(|n| {
            !["lock", "state", "standby"]
                .map(|k| format!("{prefix}{k}"))
                .contains(n)
        })
        .collect();
    found.sort();
    found
}

/// Which of the known sites `tree` is, by name.
fn which<'a>(
    tree: &std::collections::BTreeMap<String, Vec<u8>>,
    known: &[(&'a str, &std::collections::BTreeMap<String, Vec<u8>>)],
) -> Option<&'a str> {
    known.iter().find(|(_, t)| *t == tree).map(|(n, _)| *n)
}

#[test]
fn a_killed_incremental_build_leaves_the_previous_site_or_the_new_one() {
    let (dir, site, out) = big_site(60);
    let record = site.join("content/servers/notes-box-7.json");
    let text_a = std::fs::read_to_string(&record).unwrap();
    // The new input renames a tool (its pages go) and edits a description.
    let text_b = text_a
        .replacen("\"getNoteById\"", "\"fetch_note\"", 1)
        .replacen("Fetch one note", "Fetch a single note", 1);
    assert_ne!(text_a, text_b);
    let site_of = |text: &str| std::fs::write(&record, text).unwrap();

    // What full builds of either input write.
    let reference = |text: &str, name: &str| {
        site_of(text);
        let out = dir.path().join(name);
        build(&site, &out).ok(name);
        snapshot(&out)
    };
    let site_b = reference(&text_b, "full-b");
    let site_a = reference(&text_a, "full-a");
    let known = [("previous", &site_a), ("new", &site_b)];

    build(&site, &out).ok("first build");
    assert_eq!(which(&snapshot(&out), &known), Some("previous"));
    // How long an incremental build takes here, to kill builds across it.
    site_of(&text_b);
    let started = Instant::now();
    build(&site, &out).ok("timed incremental build");
    let took = started.elapsed();
    assert_eq!(which(&snapshot(&out), &known), Some("new"));

    let mut current = ("new", &text_b);
    let mut seen = std::collections::BTreeSet::new();
    for step in 0..10u32 {
        let (next_name, next_text) = if current.0 == "new" {
            ("previous", &text_a)
        } else {
            ("new", &text_b)
        };
        site_of(next_text);
        let delay = took * step / 8;
        build_killed_after(&site, &out, delay);
        let after_kill = snapshot(&out);
        let found = which(&after_kill, &known);
        assert!(
            found.is_some(),
            "killed after {delay:?} (build takes {took:?}): the output is neither the previous \
             site nor the new one"
        );
        seen.insert(found == Some(current.0));
        // The next build, not killed, gives the new site and sweeps what
        // the killed one left.
        build(&site, &out).ok("build after a kill");
        assert_eq!(
            which(&snapshot(&out), &known),
            Some(next_name),
            "after a kill at {delay:?}"
        );
        assert_eq!(leftovers_beside(&out), Vec::<String>::new());
        current = (next_name, next_text);
    }
    assert!(
        seen.contains(&true),
        "no kill landed before the swap: the test did not test a killed build"
    );
}

#[test]
fn killed_full_builds_leave_nothing_once_the_next_build_finishes() {
    let (_dir, site, out) = big_site(40);
    build(&site, &out).ok("first build");
    let first = snapshot(&out);
    let started = Instant::now();
    toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--full".as_ref(),
    ])
    .ok("timed full build");
    let took = started.elapsed();
    for step in 1..6u32 {
        let mut child = build_command(&site, &out).arg("--full").spawn().unwrap();
        std::thread::sleep(took * step / 6);
        let _ = child.kill();
        let _ = child.wait();
        // Unchanged input: whichever build won, the site is the same.
        assert_same_tree(&snapshot(&out), &first, "after a killed full build");
    }
    build(&site, &out).ok("build after the kills");
    assert_eq!(leftovers_beside(&out), Vec::<String>::new());
    assert_same_tree(&snapshot(&out), &first, "after the kills");
}

#[test]
fn a_second_build_of_the_same_output_is_refused_while_the_first_runs() {
    let (_dir, site, out) = big_site(40);
    let mut first = build_command(&site, &out).spawn().unwrap();
    // Wait until the first build holds the lock: its staging folder is there.
    let deadline = Instant::now() + Duration::from_secs(60);
    while leftovers_beside(&out).is_empty() {
        assert!(Instant::now() < deadline, "the first build never began");
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first build finished before the second could start: make the site bigger"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let second = build(&site, &out);
    let status = first.wait().unwrap();
    assert!(status.success());
    second.failed("the second build");
    assert!(
        second.stderr.contains("is writing this output folder")
            && second.stderr.contains("wait for it to finish"),
        "{}",
        second.stderr
    );
    // Once the first is done, a build runs and finds the site up to date.
    let third = build(&site, &out);
    third.ok("a build after the first");
    assert!(third.stdout.starts_with("Up to date"), "{}", third.stdout);
}

/// A tmpfs of `bytes` mounted at a new folder, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where this machine lets no one mount (a container without the
    /// capability, no root and no sudo): said on stderr.
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempdir();
        let size = format!("size={bytes}");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            || Command::new("sudo")
                .args(["-n", "mount", "-t", "tmpfs", "-o", &size, "tmpfs"])
                .arg(dir.path())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!(
                "SKIPPED: the full-disk test mounts a small tmpfs, which needs root or sudo \
                 and the mount capability; this machine has neither"
            );
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk until at most `room` bytes are left.
    fn fill(&self, room: u64) {
        let free = free_bytes(self.path());
        let filler = self.path().join("filler");
        let _ = std::fs::write(&filler, vec![0u8; free.saturating_sub(room) as usize]);
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let umounted = Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !umounted {
            let _ = Command::new("sudo")
                .args(["-n", "umount"])
                .arg(self.dir.path())
                .status();
        }
    }
}

fn free_bytes(path: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn tree_bytes(root: &Path) -> u64 {
    snapshot(root).values().map(|b| b.len() as u64).sum()
}

#[test]
fn a_full_disk_fails_the_build_and_keeps_the_previous_site() {
    let (dir, site, _) = big_site(3);
    let probe = dir.path().join("probe");
    build(&site, &probe).ok("a build to size the disk");
    let size = tree_bytes(&probe);
    let files = list_files(&probe).len() as u64;
    // Room for one output and a half (tmpfs counts each file in whole
    // pages): a second full build cannot fit beside the first.
    let Some(disk) = SmallDisk::mount((size + files * 4096) * 3 / 2) else {
        return;
    };
    let out = disk.path().join("public");
    build(&site, &out).ok("first build on the small disk");
    let first = snapshot(&out);

    let record = site.join("content/servers/notes-box-1.json");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(
        &record,
        text.replacen("Fetch one note", "Fetch a single note", 1),
    )
    .unwrap();
    for (what, args) in [("full", vec!["--full"]), ("incremental", vec![])] {
        if what == "incremental" {
            // Hard links take no room; the changed pages do.
            disk.fill(8 * 1024);
        }
        let mut full_args: Vec<&std::ffi::OsStr> = vec![
            "build".as_ref(),
            site.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
        ];
        full_args.extend(args.iter().map(std::ffi::OsStr::new));
        let run = toolrisk(&full_args);
        run.failed(&format!("a {what} build on a full disk"));
        assert!(
            run.stderr.contains("No space left on device"),
            "{what}: {}",
            run.stderr
        );
        assert_same_tree(
            &snapshot(&out),
            &first,
            &format!("after a {what} build ran out of room"),
        );
        assert_eq!(leftovers_beside(&out), Vec::<String>::new(), "{what}");
    }
    // With room again, the build goes through.
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    build(&site, &out).ok("build with room again");
    let expected = dir.path().join("expected");
    build(&site, &expected).ok("reference build");
    assert_same_tree(&snapshot(&out), &snapshot(&expected), "after room again");
}

/// Every test docs/reliability.md names as a promise's proof exists, so
/// the page cannot go on citing a test that was renamed or removed.
#[test]
fn every_test_the_reliability_page_cites_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/reliability.md")).unwrap();
    let mut sources = String::new();
    for dir in ["src", "tests"] {
        for rel in list_files(&root.join(dir)) {
            if rel.ends_with(".rs") {
                sources.push_str(&std::fs::read_to_string(root.join(dir).join(rel)).unwrap());
            }
        }
    }
    let mut cited = 0;
    let mut missing = Vec::new();
    for span in page.split('`').skip(1).step_by(2) {
        let Some((module, name)) = span.rsplit_once("::") else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') || module.contains(' ') {
            continue;
        }
        cited += 1;
        if !sources.contains(&format!("fn {name}(")) {
            missing.push(span.to_string());
        }
    }
    assert!(cited >= 30, "only {cited} tests cited");
    assert!(missing.is_empty(), "cited but not found: {missing:?}");
}
