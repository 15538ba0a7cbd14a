//! Helpers shared by the integration tests: running the binary, fixtures,
//! shared builds, walking and snapshotting output folders, and reading HTML.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the command exited with `code`.
    pub fn expect_code(&self, code: i32, what: &str) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "{what}: expected exit code {code}, got {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn ok(&self, what: &str) -> &Self {
        self.expect_code(0, what)
    }

    pub fn failed(&self, what: &str) -> &Self {
        self.expect_code(1, what)
    }

    /// Panics unless stderr contains `needle`.
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n--- stderr\n{}\n--- stdout\n{}",
            self.stderr,
            self.stdout
        );
        self
    }
}

/// Compares the whole stderr of `run` with the snapshot file `file` kept
/// beside fixture `name` (tests/fixtures/NAME/FILE), byte for byte but for
/// `replace`: each (text, placeholder) pair stands for a path that differs
/// from machine to machine, such as a temporary folder. Run the tests with
/// `SNAPSHOTS=overwrite` to write the snapshots anew, then review them with
/// `git diff`.
pub fn assert_stderr_snapshot(run: &Run, name: &str, file: &str, replace: &[(&str, &str)]) {
    let mut stderr = run.stderr.clone();
    for (text, placeholder) in replace {
        stderr = stderr.replace(text, placeholder);
    }
    let path = fixture(name).join(file);
    snapbox::assert_data_eq!(stderr, snapbox::Data::read_from(&path, None).raw());
}

/// Runs `toolrisk` with `args` in `cwd` (the crate root when `None`).
pub fn toolrisk_in<I, S>(cwd: Option<&Path>, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolrisk"));
    cmd.args(args);
    cmd.current_dir(cwd.unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR"))));
    let out = cmd.output().expect("the toolrisk binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn toolrisk<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    toolrisk_in(None, args)
}

/// `toolrisk build <site> --output <out>`.
pub fn build(site: &Path, out: &Path) -> Run {
    toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ])
}

/// The folder of fixture `name`.
pub fn fixture(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name);
    assert!(p.join("site.toml").is_file(), "fixture {name} exists");
    p
}

/// The `base_url` of the `ok` fixture.
pub const OK_BASE: &str = "https://fixture.example/";

/// The example site: the repository root.
pub fn example_site() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh temporary folder inside the target folder, removed on drop.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("toolrisk-test-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir")
}

/// Builds fixture `name` once per test process and returns the output
/// folder. The output lives in a fixed folder under the target's tmp dir,
/// which toolrisk itself replaces on the next run.
pub fn shared_build(name: &'static str) -> &'static Path {
    static OK: OnceLock<PathBuf> = OnceLock::new();
    static HOSTILE: OnceLock<PathBuf> = OnceLock::new();
    static PAGED: OnceLock<PathBuf> = OnceLock::new();
    static EXAMPLE: OnceLock<PathBuf> = OnceLock::new();
    let cell = match name {
        "ok" => &OK,
        "hostile" => &HOSTILE,
        "paged" => &PAGED,
        "example" => &EXAMPLE,
        other => panic!("no shared build for {other}"),
    };
    cell.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("shared-builds")
            .join(name);
        let site = if name == "example" {
            example_site()
        } else {
            fixture(name)
        };
        build(&site, &out).ok(&format!("building fixture {name}"));
        assert!(out.join("index.html").is_file(), "{name}: index.html built");
        out
    })
}

/// Every file under `root`, as sorted relative `/`-separated paths.
pub fn list_files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Every file under `root` with its bytes.
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    list_files(root)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// Panics with the differences unless the two snapshots are equal.
pub fn assert_same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    let only_a: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_b: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    let differ: Vec<_> = a
        .iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        only_a.is_empty() && only_b.is_empty() && differ.is_empty(),
        "{what}: trees differ\n only in first: {only_a:?}\n only in second: {only_b:?}\n different content: {differ:?}"
    );
}

/// Copies a folder recursively.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for rel in list_files(src) {
        let to = dst.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(&rel), &to).unwrap();
    }
}

/// The HTML files of an output folder (relative paths).
pub fn html_files(root: &Path) -> Vec<String> {
    list_files(root)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub fn parse_html(path: &Path) -> Html {
    Html::parse_document(&read(path))
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e:?}"))
}

/// The text of an element, entities decoded.
pub fn text_of(el: ElementRef) -> String {
    el.text().collect()
}

/// The text a reader sees: every text node outside `<script>` and `<style>`.
pub fn visible_text(doc: &Html) -> String {
    let mut out = String::new();
    for node in doc.tree.nodes() {
        if let Node::Text(t) = node.value() {
            let hidden = node.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "script" | "style"))
            });
            if !hidden {
                out.push_str(t);
            }
        }
    }
    out
}

/// Decodes `%XX` escapes in a URL path.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file a root-relative URL path (`/servers/x/`) names in `root`, with
/// `base_path` (`/` or `/docs/`) stripped; `None` when no file exists.
pub fn resolve(root: &Path, base_path: &str, url_path: &str) -> Option<PathBuf> {
    let rel = url_path.strip_prefix(base_path)?;
    let rel = percent_decode(rel);
    if rel.split('/').any(|seg| seg == "..") {
        return None;
    }
    let candidate = if rel.is_empty() || rel.ends_with('/') {
        root.join(&rel).join("index.html")
    } else {
        root.join(&rel)
    };
    if candidate.is_file() {
        return Some(candidate);
    }
    let dir_index = root.join(&rel).join("index.html");
    dir_index.is_file().then_some(dir_index)
}

/// Every `id` attribute in a document.
pub fn ids(doc: &Html) -> std::collections::HashSet<String> {
    doc.select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect()
}

/// The server records of a fixture: (slug, record), by slug.
pub fn records(site: &Path) -> Vec<(String, Value)> {
    let dir = site.join("content/servers");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let slug = p.file_stem().unwrap().to_string_lossy().into_owned();
            (slug, read_json(&p))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every key and every string, number and boolean value anywhere in a
/// JSON document, as text.
pub fn json_words(v: &Value, out: &mut std::collections::HashSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Number(_) | Value::Bool(_) => {
            out.insert(v.to_string());
        }
        Value::Array(a) => a.iter().for_each(|x| json_words(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                json_words(x, out);
            }
        }
        _ => {}
    }
}

/// Every (key, value) pair anywhere in a JSON document.
pub fn json_pairs(v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| json_pairs(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push((k.clone(), x.clone()));
                json_pairs(x, out);
            }
        }
        _ => {}
    }
}

/// Every `max` number anywhere in a policy document.
pub fn max_values(v: &Value) -> Vec<u64> {
    let mut pairs = Vec::new();
    json_pairs(v, &mut pairs);
    pairs
        .into_iter()
        .filter(|(k, _)| k == "max")
        .filter_map(|(_, v)| v.as_u64())
        .collect()
}

/// Every number anywhere in a policy document: the limits' `max` and the
/// conditions' values.
pub fn policy_numbers(v: &Value) -> Vec<u64> {
    fn walk(v: &Value, out: &mut Vec<u64>) {
        match v {
            Value::Number(n) => out.extend(n.as_u64()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

/// The runs of ASCII digits in `s`.
pub fn numbers_in(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// True when `phrase` occurs in `text` not preceded by a letter or digit
/// (so "1 tools" does not match inside "11 tools").
pub fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric())
    })
}
