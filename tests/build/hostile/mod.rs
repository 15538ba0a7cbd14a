//! Hostile input: poisoned records, names that try to leave the output
//! folder, symlinks, oversized files, a corpus of broken records and pages,
//! and embed cards that must stay self-contained.
//!
//! Every run of the binary here has a time limit, so a hang fails the test
//! instead of stalling the suite.
//!
//! This file holds the helpers the parts share (running with a time limit,
//! writing sites, walking folders, the hostile-poison build); each part is
//! one job: `poison`, `names`, `symlinks`, `oversized`, `corpus`, `embed`,
//! `controls`, and `inert` (hostile records come out inert).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::*;

mod controls;
mod corpus;
mod embed;
pub(crate) mod inert;
mod names;
mod oversized;
mod poison;
mod symlinks;

/// What a timed run of a command produced.
#[derive(Debug)]
struct Timed {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
    /// Peak resident memory in KiB, read from /proc/<pid>/status while the
    /// child ran (`None` when it ended before the first look).
    peak_kib: Option<u64>,
}

impl Timed {
    fn describe(&self) -> String {
        format!(
            "exit code {:?}, signal {:?}, {:.2} s{}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.signal,
            self.elapsed.as_secs_f64(),
            if self.timed_out {
                " (killed: time limit)"
            } else {
                ""
            },
            clip(&self.stdout, 4000),
            clip(&self.stderr, 4000)
        )
    }

    /// Panics unless the command ended on its own, without a signal or a
    /// panic, with exit code 0 or 1.
    fn assert_clean_exit(&self, what: &str) {
        assert!(
            !self.timed_out,
            "{what}: did not finish\n{}",
            self.describe()
        );
        assert!(
            self.signal.is_none(),
            "{what}: killed by a signal\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: panicked\n{}",
            self.describe()
        );
        assert!(
            matches!(self.code, Some(0) | Some(1)),
            "{what}: exit code is not 0 or 1\n{}",
            self.describe()
        );
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes]", &s[..end], s.len() - end)
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `cmd`, killing it after `limit`; both streams are drained on
/// threads so a chatty child cannot block on a full pipe.
fn run_timed(mut cmd: Command, limit: Duration) -> Timed {
    use std::os::unix::process::ExitStatusExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("the command starts");
    let pid = child.id();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut peak = None;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    Timed {
        code: status.code(),
        signal: status.signal(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed,
        timed_out,
        peak_kib: peak,
    }
}

fn toolrisk_cmd<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolrisk"));
    cmd.args(args);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn build_timed(site: &Path, out: &Path, limit: Duration) -> Timed {
    run_timed(
        toolrisk_cmd([
            "build".as_ref(),
            site.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
        ]),
        limit,
    )
}

fn check_timed(site: &Path, limit: Duration) -> Timed {
    run_timed(toolrisk_cmd(["check".as_ref(), site.as_os_str()]), limit)
}

const MINUTE: Duration = Duration::from_secs(60);

/// Writes a site with `site.toml` and the given server records.
fn write_site(site: &Path, records: &[(&str, &[u8])]) {
    std::fs::create_dir_all(site.join("content/servers")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"Hostile test site\"\nbase_url = \"https://hostile-test.example/\"\n",
    )
    .unwrap();
    for (slug, bytes) in records {
        std::fs::write(site.join(format!("content/servers/{slug}.json")), bytes).unwrap();
    }
}

/// Every path under `root` (files, folders and links), without following
/// links, as (relative path, kind).
fn walk_no_follow(root: &Path) -> Vec<(PathBuf, &'static str)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, &'static str)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if meta.file_type().is_symlink() {
                out.push((rel, "link"));
            } else if meta.is_dir() {
                out.push((rel, "dir"));
                walk(root, &p, out);
            } else {
                out.push((rel, "file"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Standard base64 with padding, written here so the test does not trust
/// the crate's own encoder.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The hidden characters (as the product defines them) in `text`, with
/// their positions, at most a few.
fn raw_hidden_chars(text: &str) -> Vec<String> {
    text.char_indices()
        .filter(|(_, c)| toolrisk::classify::poison::hidden_char_name(*c).is_some())
        .take(5)
        .map(|(i, c)| format!("U+{:04X} at byte {i}", c as u32))
        .collect()
}

/// The path part of a URL of the site at `base`, or the URL itself when it
/// is already root-relative.
fn url_path<'a>(url: &'a str, base: &str) -> &'a str {
    url.strip_prefix(base.trim_end_matches('/')).unwrap_or(url)
}

/// The `base_url` of the hostile-poison fixture, whose build the poison
/// and embed tests share.
const POISON_BASE: &str = "https://poison.example/";

/// The build of the hostile-poison fixture, once per test process.
fn poison_build() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("shared-builds")
            .join("hostile-poison");
        let run = build_timed(&fixture("hostile-poison"), &out, MINUTE);
        assert_eq!(
            run.code,
            Some(0),
            "building fixture hostile-poison\n{}",
            run.describe()
        );
        out
    })
}
