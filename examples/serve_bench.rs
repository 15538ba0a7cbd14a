//! Benchmark of `toolrisk serve`: how long from saving a file to the
//! reload message reaching an open page.
//!
//! ```text
//! cargo build --release --examples && \
//! cargo run --release --example serve_bench -- [--servers 12400] [--seed 1] [--dir /dev/shm/toolrisk-serve-bench] [--edits 20] [--templates 3]
//! ```
//!
//! Generates a synthetic site with `target/release/examples/synth`
//! (12,400 servers are about 100,000 tools), starts `toolrisk serve` on it,
//! subscribes to the live-reload event stream as a page does, and then, one
//! at a time:
//!
//! - edits one word of one tool description in a different server record
//!   each time (`--edits` times) and measures from the moment the file is
//!   written to the moment the `reload` event arrives;
//! - writes `templates/tool.html` (the built-in template with one more word,
//!   changed each time) `--templates` times, measured the same way.
//!
//! The figures include the watcher's debounce. Prints the median, the
//! fastest and the slowest of each, with serve's own account of each
//! rebuild ("rebuilt in … ms (what): … written") and of the search index
//! rebuilt after it when the edit changed searchable text.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Opts {
    servers: usize,
    seed: u64,
    dir: PathBuf,
    edits: usize,
    templates: usize,
}

const USAGE: &str = "usage: cargo run --release --example serve_bench -- [--servers 12400] [--seed 1] [--dir /dev/shm/toolrisk-serve-bench] [--edits 20] [--templates 3]";

fn parse_args() -> Result<Opts, String> {
    let mut opts = Opts {
        servers: 12_400,
        seed: 1,
        dir: PathBuf::from("/dev/shm/toolrisk-serve-bench"),
        edits: 20,
        templates: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .map_err(|e| format!("{name}: `{v}`: {e}"))
        };
        match a.as_str() {
            "--servers" => opts.servers = number("--servers", value("--servers")?)?,
            "--seed" => opts.seed = number("--seed", value("--seed")?)? as u64,
            "--dir" => opts.dir = PathBuf::from(value("--dir")?),
            "--edits" => opts.edits = number("--edits", value("--edits")?)?,
            "--templates" => opts.templates = number("--templates", value("--templates")?)?,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(opts: &Opts) -> Result<(), String> {
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release");
    let toolrisk = release.join("toolrisk");
    let synth = release.join("examples/synth");
    for p in [&toolrisk, &synth] {
        if !p.is_file() {
            return Err(format!(
                "{} is missing: run `cargo build --release --examples` first",
                p.display()
            ));
        }
    }
    let site = opts.dir.join(format!("site-{}", opts.servers));
    if !site.join("site.toml").is_file() {
        eprintln!(
            "generating {} servers into {}",
            opts.servers,
            site.display()
        );
        let status = Command::new(&synth)
            .args(["--servers", &opts.servers.to_string()])
            .args(["--seed", &opts.seed.to_string()])
            .arg("--out")
            .arg(&site)
            .arg("--force")
            .status()
            .map_err(|e| format!("cannot run synth: {e}"))?;
        if !status.success() {
            return Err("synth failed".into());
        }
    }
    // An empty templates/ folder from the start: creating it later would
    // count as a new source folder, which reloads everything.
    let _ = std::fs::remove_dir_all(site.join("templates"));
    std::fs::create_dir_all(site.join("templates")).map_err(|e| e.to_string())?;
    let tools = count_tools(&site)?;

    let started = Instant::now();
    let mut child = Command::new(&toolrisk)
        .arg("serve")
        .arg(&site)
        .args(["--port", "0", "--timings"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start toolrisk serve: {e}"))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = (|| {
        let addr = wait_for_address(&lines, Duration::from_secs(600))?;
        let first_build = started.elapsed();
        println!(
            "serve benchmark: {} servers, {tools} tools, seed {}, site in {}; first build until serving: {:.1} s",
            opts.servers,
            opts.seed,
            opts.dir.display(),
            first_build.as_secs_f64()
        );
        let events = subscribe(&addr)?;

        let records = server_files(&site)?;
        let step = (records.len() / opts.edits.max(1)).max(1);
        let mut record_times = Vec::new();
        let mut record_notes = Vec::new();
        for i in 0..opts.edits {
            let path = &records[(i * step + 7) % records.len()];
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            let Some(edited) = change_one_word(&text) else {
                continue;
            };
            drain(&lines);
            drain(&events);
            let t0 = Instant::now();
            std::fs::write(path, edited).map_err(|e| e.to_string())?;
            record_times.push(wait_for_reload(&events, t0, Duration::from_secs(120))?);
            let mut note = last_rebuild_line(&lines);
            // The search index follows the reload when the edit changed
            // searchable text; wait for it, so the next edit starts clean.
            if let Some(search) = search_line(&lines) {
                note.push_str(&format!("\n             then: {search}"));
            }
            record_notes.push(note);
            std::thread::sleep(Duration::from_millis(150));
        }

        let mut template_times = Vec::new();
        let mut template_notes = Vec::new();
        let builtin = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtin/templates/tool.html"),
        )
        .map_err(|e| e.to_string())?;
        print_samples(
            &format!(
                "{} servers, {tools} tools: save one server record → reload event",
                opts.servers
            ),
            &record_times,
            &record_notes,
        );
        for i in 0..opts.templates {
            let text = builtin.replacen("<p>", &format!("<p>Edition {i}. "), 1);
            drain(&lines);
            drain(&events);
            let t0 = Instant::now();
            std::fs::write(site.join("templates/tool.html"), text).map_err(|e| e.to_string())?;
            template_times.push(wait_for_reload(&events, t0, Duration::from_secs(600))?);
            template_notes.push(last_rebuild_line(&lines));
            std::thread::sleep(Duration::from_millis(300));
        }
        print_samples(
            "save templates/tool.html → reload event",
            &template_times,
            &template_notes,
        );
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(site.join("templates"));
    result
}

fn count_tools(site: &Path) -> Result<usize, String> {
    let mut n = 0;
    for path in server_files(site)? {
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        n += v["tools"].as_array().map_or(0, Vec::len);
    }
    Ok(n)
}

fn server_files(site: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = site.join("content/servers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The record with the first tool description's first long word swapped
/// for another, or `None` when it has none.
fn change_one_word(text: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    for tool in v["tools"].as_array_mut()? {
        let Some(d) = tool["description"].as_str() else {
            continue;
        };
        let Some(word) = d
            .split(|c: char| !c.is_ascii_alphabetic())
            .find(|w| w.len() >= 4)
        else {
            continue;
        };
        let new = if word == "altered" {
            "changed"
        } else {
            "altered"
        };
        tool["description"] = serde_json::Value::String(d.replacen(word, new, 1));
        return serde_json::to_string_pretty(&v).ok();
    }
    None
}

fn wait_for_address(lines: &mpsc::Receiver<String>, limit: Duration) -> Result<String, String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .map_err(|_| "serve did not say where it serves".to_string())?;
        eprintln!("serve: {line}");
        if let Some(rest) = line.split(" at http://").nth(1) {
            let addr = rest.split('/').next().unwrap_or_default();
            return Ok(addr.to_string());
        }
    }
}

/// Opens the live-reload event stream and hands its `data:` lines to a channel.
fn subscribe(addr: &str) -> Result<mpsc::Receiver<(Instant, String)>, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    write!(
        stream,
        "GET /__toolrisk/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut pending = String::new();
        loop {
            let n = match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let now = Instant::now();
            pending.push_str(&String::from_utf8_lossy(&buf[..n]));
            while let Some(i) = pending.find('\n') {
                let line: String = pending.drain(..=i).collect();
                if let Some(data) = line.trim_end().strip_prefix("data:")
                    && tx.send((now, data.trim().to_string())).is_err()
                {
                    return;
                }
            }
        }
    });
    Ok(rx)
}

/// Waits for the next `reload` event; returns its arrival time less `t0`.
fn wait_for_reload(
    events: &mpsc::Receiver<(Instant, String)>,
    t0: Instant,
    limit: Duration,
) -> Result<Duration, String> {
    loop {
        let left = (t0 + limit).saturating_duration_since(Instant::now());
        let (at, data) = events
            .recv_timeout(left)
            .map_err(|_| format!("no reload within {} s", limit.as_secs()))?;
        if data.contains("\"reload\"") {
            return Ok(at.saturating_duration_since(t0));
        }
        if data.contains("\"errors\"") {
            return Err(format!("the rebuild failed: {data}"));
        }
    }
}

fn drain<T>(channel: &mpsc::Receiver<T>) {
    while channel.try_recv().is_ok() {}
}

fn last_rebuild_line(lines: &mpsc::Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut stages = String::new();
    while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(s) = line.trim().strip_prefix("stages: ") {
            stages = s.to_string();
        } else if line.starts_with("rebuilt") {
            return format!("{line}\n             stages: {stages}");
        }
    }
    format!("(no rebuild line) stages: {stages}")
}

/// The "search index rebuilt" line that follows a rebuild, if one comes
/// within a minute.
fn search_line(lines: &mpsc::Receiver<String>) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.starts_with("search index rebuilt") {
            return Some(line);
        }
    }
    None
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn summary(times: &[Duration]) -> String {
    if times.is_empty() {
        return "no samples".into();
    }
    let mut sorted = times.to_vec();
    sorted.sort();
    format!(
        "median {}, fastest {}, slowest {} ({} samples)",
        ms(sorted[sorted.len() / 2]),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    )
}

fn print_samples(what: &str, times: &[Duration], notes: &[String]) {
    println!("{what}: {}", summary(times));
    for (t, note) in times.iter().zip(notes) {
        println!("  {:>9}  serve: {note}", ms(*t));
    }
}
