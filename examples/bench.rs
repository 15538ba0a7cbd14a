//! End-to-end benchmark of `toolrisk build` and `toolrisk check` on
//! synthetic catalogues of several sizes.
//!
//! ```text
//! cargo run --release --example bench -- [--sizes 1000,10000,40000] [--dir /dev/shm/toolrisk-bench] [--seed 1] [--runs 2] [--keep]
//! ```
//!
//! For every size, in one run and on one filesystem (`--dir`):
//!
//! 1. generates the site with `target/release/examples/synth`;
//! 2. runs a cold `toolrisk build SITE --output OUT --timings` with
//!    `minify = true`: wall time, peak RSS of the child, output bytes and
//!    file count (walking the output), pages/s, and each stage's share of
//!    the wall time as `--timings` prints it;
//! 3. the floor: the same relative paths with the same sizes written again
//!    into a fresh folder, with no rendering, over 2 rayon threads (the real
//!    bytes, read into memory beforehand, when the output holds at most
//!    3 GB; zero-filled buffers of the same sizes above that), timing the
//!    writes (and the `mkdir`s of the same folders) only, in the faster of
//!    two passes (the second writes into the memory the first one freed);
//!
//!    Steps 2 and 3 alternate `--runs` times (default 2: build, floor,
//!    build, floor); the fastest build (its stages too) and the fastest
//!    floor are reported, with the highest peak RSS, so that a busy moment
//!    on a shared machine weighs on neither side of the ratio alone;
//! 4. `toolrisk check SITE`: wall time and peak RSS;
//! 5. [`RECORD_REBUILDS`] rebuilds into the same OUT, each after editing one
//!    word of one tool description in one server file (the same word,
//!    changed back and forth), reported as their median with the fastest and
//!    the slowest; then a rebuild after adding
//!    `SITE/templates/tool.html` (the built-in template with one extra word
//!    in a paragraph, so every tool page changes);
//! 6. steps 2 and 3 again with `minify = false`;
//! 7. the search index of the minify-on build (see `bench/search.rs`): the
//!    `search` stage's time, the index's size on disk, and the bytes a query
//!    fetches. With `--search-only`, steps 2–6 are skipped and the index is
//!    built alone by a child process (`bench --index-only SITE OUT`) that
//!    only loads the site and writes the index, so a large catalogue's index
//!    is measured without writing its pages; its wall time and peak RSS
//!    are reported too.
//!
//! Peak RSS comes from `/usr/bin/time -f %M` when it exists, else from
//! polling `/proc/<pid>/status` (`VmHWM`) every 20 ms. Steps that need more
//! free space than `--dir` has (a rebuild keeps the previous output beside
//! its staging folder) are skipped and say why; a run is killed, and
//! recorded as stopped, when the machine's available memory falls below
//! 2 GiB (output on tmpfs is memory, and there may be no swap). The report (machine, command,
//! tables, notes) goes to stdout and to `DIR/report.md`; progress goes to
//! stderr.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[path = "bench/search.rs"]
mod search;

const USAGE: &str = "usage: cargo run --release --example bench -- [--sizes 1000,10000,40000] [--dir /dev/shm/toolrisk-bench] [--seed 1] [--runs 2] [--keep] [--search-only]";

/// Above this many output bytes the floor writes zero-filled buffers
/// instead of the real bytes (which would have to be held in memory).
const REAL_BYTES_LIMIT: u64 = 3_000_000_000;

/// The stages `toolrisk build --timings` prints, in order.
const STAGES: [&str; 13] = [
    "stamp",
    "config",
    "load",
    "classify",
    "index",
    "validate",
    "templates",
    "rows",
    "render",
    "static",
    "search",
    "swap",
    "state",
];

const GB: f64 = 1_000_000_000.0;

/// A measured run is stopped when the machine's available memory falls
/// below this.
const MEMORY_GUARD: u64 = 2 * 1024 * 1024 * 1024;
const MIB: f64 = 1024.0 * 1024.0;

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

struct Opts {
    sizes: Vec<usize>,
    dir: PathBuf,
    seed: u64,
    keep: bool,
    search_only: bool,
    /// Cold builds (each followed by a floor) per size and mode; the
    /// fastest build and the fastest floor are reported.
    runs: usize,
}

fn parse_args() -> Result<Opts, String> {
    let mut opts = Opts {
        sizes: vec![1000, 10_000, 40_000],
        dir: PathBuf::from("/dev/shm/toolrisk-bench"),
        seed: 1,
        keep: false,
        search_only: false,
        runs: 2,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--sizes" => {
                opts.sizes = value("--sizes")?
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse::<usize>()
                            .map_err(|e| format!("--sizes: `{s}`: {e}"))
                    })
                    .collect::<Result<_, _>>()?;
                if opts.sizes.is_empty() || opts.sizes.contains(&0) {
                    return Err("--sizes needs positive numbers".into());
                }
            }
            "--dir" => opts.dir = PathBuf::from(value("--dir")?),
            "--seed" => {
                opts.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--keep" => opts.keep = true,
            "--runs" => {
                opts.runs = value("--runs")?
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--runs needs a positive number")?
            }
            "--search-only" => opts.search_only = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(opts)
}

// ---------------------------------------------------------------------------
// Running a child and measuring it
// ---------------------------------------------------------------------------

/// One finished child process.
struct Measured {
    wall: f64,
    /// Peak resident set size in KiB.
    rss_kb: Option<u64>,
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
    /// The 1-minute load average before and after the run.
    load: (f64, f64),
}

impl Measured {
    /// The first lines of stderr (or stdout), for reporting a failure.
    fn error_excerpt(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| !is_stage_line(l))
            .take(6)
            .collect();
        format!("{}: {}", self.status, lines.join(" | "))
    }
}

struct Runner {
    /// `/usr/bin/time`, when present.
    time: Option<PathBuf>,
    logs: PathBuf,
}

impl Runner {
    fn rss_method(&self) -> &'static str {
        if self.time.is_some() {
            "`/usr/bin/time -f %M` (the child's getrusage ru_maxrss)"
        } else {
            "`VmHWM` of `/proc/<pid>/status`, polled every 20 ms"
        }
    }

    /// Runs `program args` with stdout and stderr in files, measuring wall
    /// time and peak RSS.
    fn run(&self, program: &Path, args: &[&str]) -> Result<Measured, String> {
        let out_path = self.logs.join("child.stdout");
        let err_path = self.logs.join("child.stderr");
        let rss_path = self.logs.join("child.rss");
        let _ = fs::remove_file(&rss_path);
        let stdout = File::create(&out_path).map_err(|e| format!("cannot create log: {e}"))?;
        let stderr = File::create(&err_path).map_err(|e| format!("cannot create log: {e}"))?;
        let mut cmd = match &self.time {
            Some(time) => {
                let mut c = Command::new(time);
                c.arg("-f")
                    .arg("%M")
                    .arg("-o")
                    .arg(&rss_path)
                    .arg(program)
                    .args(args);
                c
            }
            None => {
                let mut c = Command::new(program);
                c.args(args);
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr));
        let load_before = load_average();
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut hwm = None;
        // Poll every 20 ms: for VmHWM when there is no /usr/bin/time, and
        // to stop the run before the machine runs out of memory (tmpfs
        // output is memory too, and there is often no swap).
        let status_file = format!("/proc/{}/status", child.id());
        let mut stopped = None;
        let mut polls = 0u64;
        let status = loop {
            if self.time.is_none()
                && let Some(kb) = read_vm_hwm(&status_file)
            {
                hwm = Some(hwm.unwrap_or(0).max(kb));
            }
            if let Some(s) = child.try_wait().map_err(|e| format!("wait: {e}"))? {
                break s;
            }
            polls += 1;
            if stopped.is_none()
                && polls.is_multiple_of(10)
                && let Some(avail) = meminfo("MemAvailable")
                && avail < MEMORY_GUARD
            {
                stopped = Some(format!(
                    "stopped by the bench after {:.1} s: only {} of memory was left available",
                    start.elapsed().as_secs_f64(),
                    gb(avail)
                ));
                kill_tree(child.id());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let wall = start.elapsed().as_secs_f64();
        let rss_kb = if self.time.is_some() {
            fs::read_to_string(&rss_path)
                .ok()
                .and_then(|t| t.lines().rev().find_map(|l| l.trim().parse::<u64>().ok()))
        } else {
            hwm
        };
        let status_text = match (&stopped, status.code()) {
            (Some(why), _) => why.clone(),
            (None, Some(c)) => format!("exit {c}"),
            (None, None) => format!("killed ({status})"),
        };
        Ok(Measured {
            wall,
            rss_kb,
            success: status.success() && stopped.is_none(),
            status: status_text,
            stdout: fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: fs::read_to_string(&err_path).unwrap_or_default(),
            load: (load_before, load_average()),
        })
    }
}

/// The 1-minute load average (other work on the machine shows up here).
fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Kills a process and its descendants (children first listed by
/// `/proc/<pid>/task/<pid>/children`).
fn kill_tree(pid: u32) {
    let children =
        fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for c in children
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
    {
        kill_tree(c);
    }
    let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
}

fn read_vm_hwm(status_file: &str) -> Option<u64> {
    let text = fs::read_to_string(status_file).ok()?;
    text.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------
// Parsing toolrisk's output
// ---------------------------------------------------------------------------

fn is_stage_line(line: &str) -> bool {
    parse_stage_line(line).is_some()
}

/// `"    render    47.076 s  93.2 %"` → `("render", 47.076)`.
fn parse_stage_line(line: &str) -> Option<(String, f64)> {
    let t: Vec<&str> = line.split_whitespace().collect();
    if t.len() == 5 && t[2] == "s" && t[4] == "%" && t[3].parse::<f64>().is_ok() {
        let secs = t[1].parse::<f64>().ok()?;
        return Some((t[0].to_string(), secs));
    }
    None
}

fn parse_stages(stderr: &str) -> Vec<(String, f64)> {
    stderr.lines().filter_map(parse_stage_line).collect()
}

/// Counts from the summary line:
/// `Built N pages and M more files (X MB) for S servers and T tools with W warnings in Y s (Z pages/s) → DIR`.
#[derive(Default, Clone, Copy)]
struct Summary {
    pages: usize,
    other_files: usize,
    servers: usize,
    tools: usize,
    warnings: usize,
}

fn parse_summary(stdout: &str, verb: &str) -> Option<Summary> {
    let line = stdout.lines().rev().find(|l| l.starts_with(verb))?;
    let t: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| -> Option<usize> { t.get(i)?.replace(',', "").parse().ok() };
    let at = |word: &str| t.iter().position(|w| *w == word);
    let for_at = at("for")?;
    let with_at = at("with")?;
    Some(Summary {
        pages: num(1)?,
        other_files: num(4)?,
        servers: num(for_at + 1)?,
        tools: num(for_at + 4)?,
        warnings: num(with_at + 1)?,
    })
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// Every file of a tree: relative path and size.
struct Tree {
    files: Vec<(PathBuf, u64)>,
    bytes: u64,
    /// Space taken on the filesystem (st_blocks × 512).
    disk: u64,
}

fn walk(root: &Path) -> Result<Tree, String> {
    let mut files = Vec::new();
    let mut bytes = 0;
    let mut disk = 0;
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.map_err(|e| format!("cannot walk {}: {e}", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| format!("cannot stat {}: {e}", entry.path().display()))?;
        bytes += meta.len();
        disk += meta.blocks() * 512;
        let rel = entry
            .path()
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .to_path_buf();
        files.push((rel, meta.len()));
    }
    Ok(Tree { files, bytes, disk })
}

/// Removes a tree, deleting its files in parallel.
fn remove_tree(dir: &Path) {
    if !dir.exists() {
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for entry in rd.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => {
                    dirs.push(entry.path());
                    stack.push(entry.path());
                }
                _ => files.push(entry.path()),
            }
        }
    }
    files.par_iter().for_each(|f| {
        let _ = fs::remove_file(f);
    });
    let _ = fs::remove_dir_all(dir);
}

/// Free bytes on the filesystem holding `dir` (from `df`), and for tmpfs no
/// more than the memory available, since tmpfs pages are memory.
fn free_space(dir: &Path, fstype: &str) -> Option<u64> {
    let out = Command::new("df")
        .arg("-B1")
        .arg("--output=avail")
        .arg(dir)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let df: u64 = text.lines().nth(1)?.trim().parse().ok()?;
    if fstype == "tmpfs" {
        Some(df.min(meminfo("MemAvailable").unwrap_or(u64::MAX)))
    } else {
        Some(df)
    }
}

/// The build state `toolrisk build` keeps beside `out`: deleted before a
/// cold build, so that it cannot be taken up.
fn state_file(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.toolrisk-state"))
}

/// A `/proc/meminfo` field in bytes.
fn meminfo(key: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with(&format!("{key}:")))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

// ---------------------------------------------------------------------------
// The floor
// ---------------------------------------------------------------------------

struct Floor {
    secs: f64,
    real_bytes: bool,
    /// Set when the output had to be deleted first for lack of space.
    freed_output: bool,
}

/// Writes `tree`'s files again under `floor_dir` (same relative paths and
/// sizes) over 2 threads and times the writes. Reads the real bytes from
/// `out` first when they fit the limit; deletes `out` first when there is
/// not room for both copies.
fn floor(
    out: &Path,
    floor_dir: &Path,
    tree: &Tree,
    dir: &Path,
    fstype: &str,
) -> Result<Floor, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .map_err(|e| e.to_string())?;
    let real_bytes = tree.bytes <= REAL_BYTES_LIMIT;
    let contents: Vec<Vec<u8>> = if real_bytes {
        pool.install(|| {
            tree.files
                .par_iter()
                .map(|(rel, _)| fs::read(out.join(rel)))
                .collect::<Result<_, _>>()
        })
        .map_err(|e| format!("cannot read the output: {e}"))?
    } else {
        Vec::new()
    };
    let need = tree.disk + tree.disk / 20 + 256 * 1024 * 1024;
    let free = free_space(dir, fstype).unwrap_or(u64::MAX);
    let freed_output = need > free;
    if freed_output {
        remove_tree(out);
    }
    let dirs: BTreeSet<PathBuf> = tree
        .files
        .iter()
        .filter_map(|(rel, _)| rel.parent().map(|p| floor_dir.join(p)))
        .collect();
    let dirs: Vec<PathBuf> = dirs.into_iter().collect();
    let zeros = if real_bytes {
        Vec::new()
    } else {
        vec![0u8; tree.files.iter().map(|f| f.1).max().unwrap_or(0) as usize]
    };

    // Two passes, the faster kept: the second writes into the memory the
    // first one's deletion just freed, as a cold build writes into the
    // memory the deletion of the previous output freed. (On this virtual
    // machine, memory the guest has not touched for a while costs several
    // times more to write the first time.)
    let mut secs = f64::INFINITY;
    for _ in 0..2 {
        remove_tree(floor_dir);
        fs::create_dir_all(floor_dir)
            .map_err(|e| format!("cannot create the floor folder: {e}"))?;
        let start = Instant::now();
        pool.install(|| -> Result<(), String> {
            dirs.par_iter()
                .try_for_each(fs::create_dir_all)
                .map_err(|e| format!("floor mkdir: {e}"))?;
            tree.files
                .par_iter()
                .enumerate()
                .try_for_each(|(i, (rel, len))| {
                    let data: &[u8] = if real_bytes {
                        &contents[i]
                    } else {
                        &zeros[..*len as usize]
                    };
                    fs::write(floor_dir.join(rel), data)
                })
                .map_err(|e| format!("floor write: {e}"))
        })?;
        secs = secs.min(start.elapsed().as_secs_f64());
    }
    drop(contents);
    remove_tree(floor_dir);
    Ok(Floor {
        secs,
        real_bytes,
        freed_output,
    })
}

// ---------------------------------------------------------------------------
// Site edits
// ---------------------------------------------------------------------------

/// Sets `minify` in `site.toml`.
fn set_minify(site: &Path, on: bool) -> Result<(), String> {
    let path = site.join("site.toml");
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read site.toml: {e}"))?;
    let line = format!("minify = {on}");
    let mut found = false;
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("minify") && l.contains('=') {
                found = true;
                line.clone()
            } else {
                l.to_string()
            }
        })
        .collect();
    if !found {
        lines.insert(0, line);
    }
    fs::write(&path, lines.join("\n") + "\n").map_err(|e| format!("cannot write site.toml: {e}"))
}

/// Replaces one word of the first tool description of the first server
/// file (by name) that has one. Returns the file and its original text.
fn edit_one_record(site: &Path) -> Result<(PathBuf, String, String), String> {
    let dir = site.join("content/servers");
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for path in names {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        if let Some((edited, what)) = replace_word_in_description(&text)
            && serde_json::from_str::<serde_json::Value>(&edited).is_ok()
        {
            fs::write(&path, &edited).map_err(|e| format!("cannot write: {e}"))?;
            return Ok((path, text, what));
        }
    }
    Err("no server file has a tool description with a word to change".into())
}

fn replace_word_in_description(text: &str) -> Option<(String, String)> {
    const KEY: &str = "\"description\": \"";
    let tools_at = text.find("\"tools\"")?;
    let mut from = tools_at;
    while let Some(found) = text[from..].find(KEY) {
        let start = from + found + KEY.len();
        let bytes = text.as_bytes();
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let body = &text[start..end.min(bytes.len())];
        // The first run of at least four ASCII letters, bounded by non-letters.
        let b = body.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphabetic() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                let mut j = i;
                while j < b.len() && b[j].is_ascii_alphabetic() {
                    j += 1;
                }
                if j - i >= 4 && (j == b.len() || !b[j].is_ascii_alphanumeric()) {
                    let word = &body[i..j];
                    let new = if word == "altered" {
                        "changed"
                    } else {
                        "altered"
                    };
                    let at = start + i;
                    let mut edited = String::with_capacity(text.len() + 8);
                    edited.push_str(&text[..at]);
                    edited.push_str(new);
                    edited.push_str(&text[at + word.len()..]);
                    return Some((edited, format!("`{word}` → `{new}`")));
                }
                i = j;
            } else {
                i += 1;
            }
        }
        from = end.min(bytes.len());
    }
    None
}

/// Writes `SITE/templates/tool.html`: the built-in template with one more
/// word in its first paragraph. Returns whether `templates/` was created.
fn add_tool_template(site: &Path) -> Result<bool, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtin/templates/tool.html");
    let text =
        fs::read_to_string(&src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    let at = if let Some(i) = text.find("<p>") {
        i + 3
    } else {
        let i = text.find("<p ").ok_or("tool.html has no <p>")?;
        i + text[i..].find('>').ok_or("tool.html: unclosed <p")? + 1
    };
    let edited = format!("{}benchmarked {}", &text[..at], &text[at..]);
    let dir = site.join("templates");
    let created = !dir.exists();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create templates/: {e}"))?;
    fs::write(dir.join("tool.html"), edited).map_err(|e| format!("cannot write: {e}"))?;
    Ok(created)
}

// ---------------------------------------------------------------------------
// One size
// ---------------------------------------------------------------------------

#[derive(Default)]
struct BuildFigures {
    summary: Summary,
    wall: f64,
    rss_kb: Option<u64>,
    bytes: u64,
    disk: u64,
    files: usize,
    stages: Vec<(String, f64)>,
    floor_secs: Option<f64>,
    floor_note: String,
}

#[derive(Default)]
struct Row {
    servers: usize,
    minify: bool,
    build: Option<BuildFigures>,
    check: Option<(f64, Option<u64>)>,
    /// Every one-record rebuild's wall time, in the order run.
    record_rebuilds: Vec<f64>,
    template_rebuild: Option<f64>,
}

/// One-record rebuilds in a row: one rebuild's time moves by a factor of
/// two within minutes on a shared machine, so the table gives their median.
const RECORD_REBUILDS: usize = 5;

struct Ctx {
    runner: Runner,
    toolrisk: PathBuf,
    synth: PathBuf,
    dir: PathBuf,
    fstype: String,
    notes: Vec<String>,
    /// 1-minute load average before → after each measured run.
    loads: Vec<String>,
    /// This benchmark's own binary, for `--index-only` runs.
    bench: PathBuf,
    search_only: bool,
    search_rows: Vec<search::Row>,
    runs: usize,
}

fn progress(msg: &str) {
    eprintln!("[bench {}] {msg}", clock());
}

/// Seconds since the bench started, for progress lines.
fn clock() -> String {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let s = START.get_or_init(Instant::now).elapsed().as_secs();
    format!("{:>2}:{:02}", s / 60, s % 60)
}

fn gb(b: u64) -> String {
    format!("{:.2} GB", b as f64 / GB)
}

impl Ctx {
    fn note(&mut self, n: String) {
        progress(&format!("NOTE: {n}"));
        self.notes.push(n);
    }

    /// Measures the index under `out/search` and keeps the row.
    fn search_row(
        &mut self,
        servers: usize,
        tools: usize,
        out: &Path,
        index_secs: Option<f64>,
        alone: Option<(f64, Option<u64>)>,
    ) {
        match search::analyze(&out.join("search")) {
            Ok(figures) => {
                progress(&format!(
                    "  search index: {} records, {} files, {:.1} MB",
                    figures.records,
                    figures.files,
                    figures.bytes as f64 / 1e6
                ));
                self.search_rows.push(search::Row {
                    servers,
                    tools,
                    index_secs,
                    alone,
                    figures,
                });
            }
            Err(e) => self.note(format!(
                "{servers} servers: cannot measure the search index: {e}"
            )),
        }
    }

    /// Builds only the search index, in a child process of its own.
    fn index_alone(&mut self, servers: usize, site: &Path, out: &Path) {
        remove_tree(out);
        progress(&format!("{servers} servers: search index alone"));
        let (Some(site_s), Some(out_s)) = (site.to_str(), out.to_str()) else {
            self.note(format!("{servers} servers: non-UTF-8 path"));
            return;
        };
        let bench = self.bench.clone();
        match self.runner.run(&bench, &["--index-only", site_s, out_s]) {
            Ok(m) if m.success => {
                let field = |key: &str| -> Option<f64> {
                    let t: Vec<&str> = m.stdout.split_whitespace().collect();
                    let i = t.iter().position(|w| *w == key)?;
                    t.get(i + 1)?.parse().ok()
                };
                progress(&format!(
                    "  {:.2} s, peak RSS {:.0} MiB: {}",
                    m.wall,
                    m.rss_kb.unwrap_or(0) as f64 / 1024.0,
                    m.stdout.trim()
                ));
                self.loads.push(format!(
                    "{servers} search index {:.1} → {:.1}",
                    m.load.0, m.load.1
                ));
                self.notes.push(format!(
                    "{servers} servers, search index alone: {}",
                    m.stdout.trim()
                ));
                let tools = field("tools").unwrap_or(0.0) as usize;
                self.search_row(
                    servers,
                    tools,
                    out,
                    field("index_s"),
                    Some((m.wall, m.rss_kb)),
                );
            }
            Ok(m) => self.note(format!(
                "{servers} servers: search index FAILED after {:.1} s ({})",
                m.wall,
                m.error_excerpt()
            )),
            Err(e) => self.note(format!(
                "{servers} servers: search index could not run: {e}"
            )),
        }
    }

    /// `toolrisk build SITE --output OUT --timings`, measured.
    fn build(&self, site: &Path, out: &Path) -> Result<Measured, String> {
        let path = |p: &Path| p.to_str().map(str::to_string).ok_or("a path is not UTF-8");
        let (site, out) = (path(site)?, path(out)?);
        self.runner.run(
            &self.toolrisk,
            &["build", &site, "--output", &out, "--timings"],
        )
    }

    /// A cold build into `out` (deleted first), walked afterwards.
    fn cold_build(
        &mut self,
        servers: usize,
        site: &Path,
        out: &Path,
        minify: bool,
    ) -> Option<BuildFigures> {
        let mode = if minify { "minify on" } else { "minify off" };
        // Builds and floors alternate, `runs` of each, so that a busy
        // moment on a shared machine weighs on neither alone; the fastest
        // of each is kept, and the highest peak RSS.
        let mut best: Option<Measured> = None;
        let mut floors: Vec<Floor> = Vec::new();
        let mut tree: Option<Tree> = None;
        let mut peak_rss: Option<u64> = None;
        for run in 1..=self.runs {
            remove_tree(out);
            let _ = fs::remove_file(state_file(out));
            progress(&format!(
                "{servers} servers, {mode}: cold build (run {run} of {})",
                self.runs
            ));
            let m = match self.build(site, out) {
                Ok(m) => m,
                Err(e) => {
                    self.note(format!(
                        "{servers} servers, {mode}: build could not run: {e}"
                    ));
                    return None;
                }
            };
            if !m.success {
                self.note(format!(
                    "{servers} servers, {mode}: build FAILED after {:.1} s ({})",
                    m.wall,
                    m.error_excerpt()
                ));
                return None;
            }
            progress(&format!("  {:.2} s", m.wall));
            peak_rss = peak_rss.max(m.rss_kb);
            if tree.is_none() {
                match walk(out) {
                    Ok(t) => tree = Some(t),
                    Err(e) => {
                        self.note(format!("{servers} servers, {mode}: {e}"));
                        return None;
                    }
                }
            }
            let tree = tree.as_ref()?;
            if best.as_ref().is_none_or(|b| m.wall < b.wall) {
                best = Some(m);
            }
            // The search index is measured (once) before the floor, which
            // may delete the output to make room.
            if minify && run == 1 {
                let index_secs = parse_stages(&best.as_ref()?.stderr)
                    .iter()
                    .find(|(n, _)| n == "search")
                    .map(|(_, d)| *d);
                let tools = parse_summary(&best.as_ref()?.stdout, "Built").map_or(0, |s| s.tools);
                self.search_row(servers, tools, out, index_secs, None);
            }
            progress(&format!("  floor: rewriting {} files", tree.files.len()));
            let floor_dir = self.dir.join(format!("s{servers}/floor"));
            match floor(out, &floor_dir, tree, &self.dir, &self.fstype) {
                Ok(f) => {
                    progress(&format!(
                        "  floor {:.2} s ({})",
                        f.secs,
                        if f.real_bytes {
                            "real bytes"
                        } else {
                            "zero-filled"
                        }
                    ));
                    floors.push(f);
                }
                Err(e) => self.note(format!("{servers} servers, {mode}: floor failed: {e}")),
            }
        }
        let m = best?;
        let tree = tree?;
        let summary = parse_summary(&m.stdout, "Built").unwrap_or_default();
        progress(&format!(
            "  fastest {:.2} s, {} pages, {} files, {}, peak RSS {:.0} MiB, load {:.1} → {:.1}",
            m.wall,
            summary.pages,
            tree.files.len(),
            gb(tree.bytes),
            peak_rss.unwrap_or(0) as f64 * 1024.0 / MIB,
            m.load.0,
            m.load.1
        ));
        self.loads.push(format!(
            "{servers} {mode} build {:.1} → {:.1}",
            m.load.0, m.load.1
        ));
        if summary.servers != servers {
            self.note(format!(
                "{servers} servers, {mode}: the build reported {} servers",
                summary.servers
            ));
        }
        let reported = summary.pages + summary.other_files;
        if reported.abs_diff(tree.files.len()) > 1 {
            self.notes.push(format!(
                "{servers} servers, {mode}: the summary counts {reported} files, the output folder holds {}",
                tree.files.len()
            ));
        }
        if summary.warnings > 0 {
            self.notes.push(format!(
                "{servers} servers, {mode}: the build reported {} warnings",
                summary.warnings
            ));
        }
        let mut fig = BuildFigures {
            summary,
            wall: m.wall,
            rss_kb: peak_rss,
            bytes: tree.bytes,
            disk: tree.disk,
            files: tree.files.len(),
            stages: parse_stages(&m.stderr),
            ..Default::default()
        };
        if let Some(f) = floors.iter().min_by(|a, b| a.secs.total_cmp(&b.secs)) {
            fig.floor_secs = Some(f.secs);
            fig.floor_note = if f.real_bytes {
                "real bytes".into()
            } else {
                "zeros".into()
            };
        }
        if floors.iter().any(|f| f.freed_output) {
            self.note(format!(
                "{servers} servers, {mode}: not enough free space for the output and the floor copy side by side \
                 ({} on disk each); the output was deleted before the floor was written",
                gb(tree.disk)
            ));
        }
        Some(fig)
    }

    /// A rebuild into the existing `out`; its wall time. With `partial`,
    /// only when the build says it rebuilt for one changed record.
    fn rebuild(
        &mut self,
        servers: usize,
        what: &str,
        site: &Path,
        out: &Path,
        partial: bool,
    ) -> Option<f64> {
        progress(&format!("{servers} servers: rebuild after {what}"));
        let m = self
            .build(site, out)
            .map_err(|e| {
                self.note(format!(
                    "{servers} servers: rebuild ({what}) could not run: {e}"
                ))
            })
            .ok()?;
        if !m.success {
            self.note(format!(
                "{servers} servers: rebuild after {what} FAILED after {:.1} s ({})",
                m.wall,
                m.error_excerpt()
            ));
            return None;
        }
        // The summary line says which kind of build ran: a record edit that
        // fell back to a full build is not a one-record rebuild.
        let summary = m.stdout.lines().last().unwrap_or_default();
        if partial && !summary.starts_with("Rebuilt for 1 changed server record") {
            self.note(format!(
                "{servers} servers: the rebuild after {what} was not a one-record rebuild, not counted: {summary}"
            ));
            return None;
        }
        let render = parse_stages(&m.stderr)
            .into_iter()
            .find(|(s, _)| s == "render")
            .map(|(_, d)| d)
            .unwrap_or(0.0);
        progress(&format!(
            "  {:.2} s (render {:.2} s), peak RSS {:.0} MiB, load {:.1} → {:.1}",
            m.wall,
            render,
            m.rss_kb.unwrap_or(0) as f64 * 1024.0 / MIB,
            m.load.0,
            m.load.1
        ));
        self.loads.push(format!(
            "{servers} rebuild ({what}) {:.1} → {:.1}",
            m.load.0, m.load.1
        ));
        Some(m.wall)
    }

    fn size(&mut self, servers: usize, seed: u64, keep: bool) -> Vec<Row> {
        let root = self.dir.join(format!("s{servers}"));
        let site = root.join("site");
        let out = root.join("out");
        let mut on = Row {
            servers,
            minify: true,
            ..Default::default()
        };
        let mut off = Row {
            servers,
            minify: false,
            ..Default::default()
        };
        remove_tree(&root);
        if let Err(e) = fs::create_dir_all(&root) {
            self.note(format!(
                "{servers} servers: cannot create {}: {e}",
                root.display()
            ));
            return vec![on, off];
        }
        progress(&format!("{servers} servers: generating"));
        let seed_s = seed.to_string();
        let servers_s = servers.to_string();
        let synth = self.synth.clone();
        let gen_run = match site.to_str() {
            Some(site_s) => self.runner.run(
                &synth,
                &[
                    "--servers",
                    &servers_s,
                    "--seed",
                    &seed_s,
                    "--out",
                    site_s,
                    "--force",
                ],
            ),
            None => Err("non-UTF-8 path".into()),
        };
        match gen_run {
            Ok(m) if m.success => {
                progress(&format!("  {}", m.stdout.trim()));
                self.notes.push(format!(
                    "{servers} servers: synth took {:.1} s: {}",
                    m.wall,
                    m.stdout.trim()
                ));
            }
            Ok(m) => {
                self.note(format!(
                    "{servers} servers: synth failed ({})",
                    m.error_excerpt()
                ));
                return vec![on, off];
            }
            Err(e) => {
                self.note(format!("{servers} servers: synth could not run: {e}"));
                return vec![on, off];
            }
        }

        if self.search_only {
            self.index_alone(servers, &site, &out);
            remove_tree(&out);
            if !keep {
                remove_tree(&root);
            }
            return Vec::new();
        }

        // Minify on: cold build, floor, check, rebuilds.
        if let Err(e) = set_minify(&site, true) {
            self.note(format!("{servers} servers: {e}"));
            return vec![on, off];
        }
        on.build = self.cold_build(servers, &site, &out, true);

        progress(&format!("{servers} servers: check"));
        match self
            .runner
            .run(&self.toolrisk, &["check", site.to_str().unwrap_or(".")])
        {
            Ok(m) if m.success => {
                progress(&format!(
                    "  {:.2} s, peak RSS {:.0} MiB, load {:.1} → {:.1}",
                    m.wall,
                    m.rss_kb.unwrap_or(0) as f64 * 1024.0 / MIB,
                    m.load.0,
                    m.load.1
                ));
                self.loads
                    .push(format!("{servers} check {:.1} → {:.1}", m.load.0, m.load.1));
                on.check = Some((m.wall, m.rss_kb));
            }
            Ok(m) => self.note(format!(
                "{servers} servers: check FAILED after {:.1} s ({})",
                m.wall,
                m.error_excerpt()
            )),
            Err(e) => self.note(format!("{servers} servers: check could not run: {e}")),
        }

        if let Some(b) = &on.build {
            // A rebuild writes a full staging folder beside the previous output.
            let need = b.disk + b.disk / 10 + b.rss_kb.unwrap_or(0) * 1024 + 512 * 1024 * 1024;
            let free = free_space(&self.dir, &self.fstype).unwrap_or(u64::MAX);
            if !out.exists() {
                self.note(format!(
                    "{servers} servers: rebuilds skipped: the output had been deleted to make room for the floor"
                ));
            } else if need > free {
                self.note(format!(
                    "{servers} servers: rebuilds skipped: a rebuild stages a second full output ({} on disk) beside \
                     the previous one and needs about {} free with the build's memory; {} was free on {}",
                    gb(b.disk),
                    gb(need),
                    gb(free),
                    self.fstype
                ));
            } else {
                match edit_one_record(&site) {
                    Ok((path, original, what)) => {
                        self.notes.push(format!(
                            "{servers} servers: one-record edit: {what} in the first tool description of {}",
                            path.file_name().unwrap_or_default().to_string_lossy()
                        ));
                        for n in 0..RECORD_REBUILDS {
                            if n > 0
                                && let Err(e) = edit_one_record(&site)
                            {
                                self.note(format!("{servers} servers: {e}"));
                                break;
                            }
                            match self.rebuild(servers, "a one-word record edit", &site, &out, true)
                            {
                                Some(wall) => on.record_rebuilds.push(wall),
                                None => break,
                            }
                        }
                        let _ = fs::write(&path, original);
                    }
                    Err(e) => self.note(format!("{servers} servers: {e}")),
                }
                match add_tool_template(&site) {
                    Ok(created) => {
                        on.template_rebuild =
                            self.rebuild(servers, "a tool.html template edit", &site, &out, false);
                        let _ = fs::remove_file(site.join("templates/tool.html"));
                        if created {
                            let _ = fs::remove_dir(site.join("templates"));
                        }
                    }
                    Err(e) => self.note(format!("{servers} servers: {e}")),
                }
            }
        }

        // Minify off.
        remove_tree(&out);
        match set_minify(&site, false) {
            Ok(()) => {
                off.build = self.cold_build(servers, &site, &out, false);
                let _ = set_minify(&site, true);
            }
            Err(e) => self.note(format!("{servers} servers: {e}")),
        }
        remove_tree(&out);
        if !keep {
            remove_tree(&root);
        }
        vec![on, off]
    }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

fn f1(x: f64) -> String {
    format!("{x:.1}")
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn f2(x: f64) -> String {
    format!("{x:.2}")
}

fn mib(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.0}", k as f64 * 1024.0 / MIB))
        .unwrap_or_else(|| "?".into())
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn tables(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str(
        "| servers | mode | tools | pages | files | output MB | wall s | pages/s | ms per 1,000 pages | peak RSS MiB | floor s | × floor | check s | check RSS MiB | one-record rebuild s: median (fastest–slowest) | one-template rebuild s |\n",
    );
    s.push_str(
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let dash = || "—".to_string();
    for r in rows {
        let mode = if r.minify { "minify on" } else { "minify off" };
        let (check_s, check_rss) = match (r.minify, r.check) {
            (true, Some((w, rss))) => (f2(w), mib(rss)),
            (true, None) => ("failed/skipped".into(), dash()),
            (false, _) => (dash(), dash()),
        };
        let rebuild = |x: Option<f64>| match (r.minify, x) {
            (true, Some(w)) => f2(w),
            (true, None) => "skipped".into(),
            (false, _) => dash(),
        };
        let record_rebuilds = match (r.minify, median(&r.record_rebuilds)) {
            (true, Some(m)) => {
                let fastest = r.record_rebuilds.iter().copied().fold(f64::MAX, f64::min);
                let slowest = r.record_rebuilds.iter().copied().fold(0.0, f64::max);
                format!(
                    "{} ({}–{}, {} runs)",
                    f2(m),
                    f2(fastest),
                    f2(slowest),
                    r.record_rebuilds.len()
                )
            }
            (true, None) => "skipped".into(),
            (false, _) => dash(),
        };
        match &r.build {
            Some(b) => {
                let pages = b.summary.pages.max(1) as f64;
                let floor = b
                    .floor_secs
                    .map(|f| format!("{} ({})", f2(f), b.floor_note));
                let ratio = b.floor_secs.map(|f| format!("{:.1}", b.wall / f));
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    thousands(r.servers),
                    mode,
                    thousands(b.summary.tools),
                    thousands(b.summary.pages),
                    thousands(b.files),
                    f1(b.bytes as f64 / 1e6),
                    f2(b.wall),
                    pages / b.wall,
                    f1(1000.0 * b.wall * 1000.0 / pages),
                    mib(b.rss_kb),
                    floor.unwrap_or_else(dash),
                    ratio.unwrap_or_else(dash),
                    check_s,
                    check_rss,
                    record_rebuilds.clone(),
                    rebuild(r.template_rebuild),
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "| {} | {} | build failed or skipped (see notes) | | | | | | | | | | {} | {} | {} | {} |",
                    thousands(r.servers),
                    mode,
                    check_s,
                    check_rss,
                    record_rebuilds.clone(),
                    rebuild(r.template_rebuild),
                );
            }
        }
    }

    s.push_str("\nShare of the build's wall time per stage (`--timings`), in %; *outside* is wall time not in any stage (process start, waiting for the previous output's deletion, exit):\n\n");
    s.push_str("| servers | mode |");
    for st in STAGES {
        let _ = write!(s, " {st} |");
    }
    s.push_str(" outside | stage sum s |\n|---:|---|");
    for _ in STAGES {
        s.push_str("---:|");
    }
    s.push_str("---:|---:|\n");
    for r in rows {
        let Some(b) = &r.build else { continue };
        let mode = if r.minify { "minify on" } else { "minify off" };
        let _ = write!(s, "| {} | {} |", thousands(r.servers), mode);
        let mut sum = 0.0;
        for st in STAGES {
            let d: f64 = b
                .stages
                .iter()
                .filter(|(n, _)| n == st)
                .map(|(_, d)| d)
                .sum();
            sum += d;
            let _ = write!(s, " {:.1} |", 100.0 * d / b.wall);
        }
        let _ = writeln!(
            s,
            " {:.1} | {:.2} |",
            100.0 * (b.wall - sum).max(0.0) / b.wall,
            sum
        );
    }
    s
}

fn machine(dir: &Path) -> (String, String) {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = meminfo("MemTotal").map(|b| format!("{:.1} GiB", b as f64 / (1024.0 * MIB)));
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let (mount, fstype) = fs_of(dir);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into());
    let text = format!(
        "- CPU: {cpu}, {nproc} logical CPUs (nproc)\n- memory: {}\n- kernel: Linux {kernel}\n- `--dir` {}: {fstype} (mounted at {mount})\n- {rustc}, release profile\n",
        mem.unwrap_or_else(|| "?".into()),
        dir.display()
    );
    (text, fstype)
}

/// The mount point and filesystem type holding `dir`, from `/proc/mounts`.
fn fs_of(dir: &Path) -> (String, String) {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut best: Option<(String, String)> = None;
    for line in mounts.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 3 {
            continue;
        }
        let mp = t[1].replace("\\040", " ");
        if dir.starts_with(&mp) && best.as_ref().is_none_or(|(b, _)| mp.len() >= b.len()) {
            best = Some((mp, t[2].to_string()));
        }
    }
    best.unwrap_or_else(|| ("?".into(), "?".into()))
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

/// Builds the binaries once, retrying while the crate does not compile.
fn build_binaries() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for attempt in 1..=5 {
        progress("cargo build --release --examples --bins");
        let status = Command::new(&cargo)
            .args(["build", "--release", "--examples", "--bins"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            return Ok(());
        }
        if attempt < 5 {
            progress("the crate does not compile right now; retrying in 60 s");
            std::thread::sleep(Duration::from_secs(60));
        }
    }
    Err("cargo build failed five times".into())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--index-only") {
        let (Some(site), Some(out)) = (args.get(2), args.get(3)) else {
            eprintln!("bench: --index-only SITE OUT");
            return ExitCode::from(2);
        };
        return match search::index_only(Path::new(site), Path::new(out)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    clock();
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("bench: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    if let Err(e) = build_binaries() {
        eprintln!("bench: {e}");
        return ExitCode::FAILURE;
    }
    let release = match std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.to_path_buf()))
    {
        Some(p) => p,
        None => {
            eprintln!("bench: cannot locate target/release");
            return ExitCode::FAILURE;
        }
    };
    let toolrisk = release.join("toolrisk");
    let synth = release.join("examples/synth");
    for p in [&toolrisk, &synth] {
        if !p.exists() {
            eprintln!("bench: {} is missing", p.display());
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = fs::create_dir_all(&opts.dir) {
        eprintln!("bench: cannot create {}: {e}", opts.dir.display());
        return ExitCode::FAILURE;
    }
    let logs = opts.dir.join("logs");
    let _ = fs::create_dir_all(&logs);
    // Snapshot the binaries: other work in the same checkout (`cargo test
    // --release`) may rebuild target/release/toolrisk during a long run.
    let bin = opts.dir.join("bin");
    let _ = fs::create_dir_all(&bin);
    let mut snapshot = Vec::new();
    for p in [&toolrisk, &synth] {
        let copy = bin.join(p.file_name().unwrap_or_default());
        if let Err(e) = fs::copy(p, &copy) {
            eprintln!("bench: cannot copy {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
        snapshot.push(copy);
    }
    let (toolrisk, synth) = (snapshot[0].clone(), snapshot[1].clone());
    let bench = bin.join("bench");
    if let Err(e) = std::env::current_exe().and_then(|me| fs::copy(me, &bench)) {
        eprintln!("bench: cannot copy this benchmark's binary: {e}");
        return ExitCode::FAILURE;
    }
    let time = Path::new("/usr/bin/time");
    let runner = Runner {
        time: time.exists().then(|| time.to_path_buf()),
        logs,
    };
    let (machine_text, fstype) = machine(&opts.dir);
    let command = format!(
        "cargo run --release --example bench -- --sizes {} --dir {} --seed {}{}",
        opts.sizes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(","),
        opts.dir.display(),
        opts.seed,
        if opts.keep { " --keep" } else { "" }
    ) + if opts.search_only {
        " --search-only"
    } else {
        ""
    };
    let mut ctx = Ctx {
        runner,
        toolrisk,
        synth,
        dir: opts.dir.clone(),
        fstype,
        notes: Vec::new(),
        loads: Vec::new(),
        bench,
        search_only: opts.search_only,
        search_rows: Vec::new(),
        runs: opts.runs,
    };
    let started = Instant::now();
    let mut rows = Vec::new();
    for &n in &opts.sizes {
        rows.extend(ctx.size(n, opts.seed, opts.keep));
    }
    let mut report = String::new();
    let _ = writeln!(report, "Command:\n\n    {command}\n");
    let _ = writeln!(report, "Machine:\n\n{machine_text}");
    let _ = writeln!(
        report,
        "Peak RSS: {}. Floor: 2 rayon threads, real bytes when the output is at most 3 GB, else zero-filled buffers of the same sizes. Runs are stopped when available memory falls below 2 GiB.\n",
        ctx.runner.rss_method()
    );
    if !rows.is_empty() {
        report.push_str(&tables(&rows));
    }
    if !ctx.search_rows.is_empty() {
        report.push_str(&search::table(&ctx.search_rows));
    }
    if !ctx.notes.is_empty() {
        report.push_str("\nNotes:\n\n");
        for n in &ctx.notes {
            let _ = writeln!(report, "- {n}");
        }
    }
    if !ctx.loads.is_empty() {
        let _ = writeln!(
            report,
            "\n1-minute load average before → after each run ({} CPUs; above that, other work competed for the CPUs): {}.",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            ctx.loads.join("; ")
        );
    }
    let _ = writeln!(
        report,
        "\nWhole benchmark: {:.1} min.",
        started.elapsed().as_secs_f64() / 60.0
    );
    println!("{report}");
    let _ = fs::write(opts.dir.join("report.md"), &report);
    let _ = fs::remove_dir_all(opts.dir.join("logs"));
    let _ = fs::remove_dir_all(opts.dir.join("bin"));
    ExitCode::SUCCESS
}
