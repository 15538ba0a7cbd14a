//! The sink of an incremental `toolrisk build`: the files of a partial
//! rebuild are kept in memory until the whole rebuild succeeded, then
//! written into the existing output, each only when its bytes differ from
//! the file already there, so that a failed rebuild changes nothing.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::{Committed, Sink, check_relative, replace_file};
use crate::error::Diagnostic;

/// Collects a partial rebuild for an existing output folder.
pub struct InPlace {
    root: PathBuf,
    files: Mutex<Vec<(String, Vec<u8>)>>,
    pub pages: AtomicUsize,
    pub bytes: AtomicU64,
}

impl InPlace {
    /// A sink over the output folder `root`.
    pub fn new(root: &Path) -> InPlace {
        InPlace {
            root: root.to_path_buf(),
            files: Mutex::default(),
            pages: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// How many files the rebuild produced.
    pub fn files(&self) -> usize {
        self.files.lock().expect("files").len()
    }

    /// Writes the files whose bytes differ from those on disk (of a path
    /// written twice, the last bytes: static files are written after the
    /// pages they replace), then removes the files under `owned` (path
    /// prefixes the rebuild wrote in full, such as one server's folder) that
    /// it did not produce. A file that cannot be removed is an error.
    pub fn commit(self, owned: &[String]) -> Result<Committed, Diagnostic> {
        let files = self.files.into_inner().expect("files");
        let mut done = Committed::default();
        let mut last = std::collections::HashMap::with_capacity(files.len());
        for (i, (path, _)) in files.iter().enumerate() {
            last.insert(path.as_str(), i);
        }
        for (i, (path, bytes)) in files.iter().enumerate() {
            if last[path.as_str()] != i {
                continue;
            }
            let full = self.root.join(path);
            if std::fs::read(&full).is_ok_and(|old| old == *bytes) {
                continue;
            }
            replace_file(&full, bytes)?;
            done.written += 1;
        }
        for prefix in owned {
            for path in files_under(&self.root, prefix)? {
                if last.contains_key(path.as_str()) {
                    continue;
                }
                let full = self.root.join(&path);
                match std::fs::remove_file(&full) {
                    Ok(()) => {
                        done.removed += 1;
                        remove_empty_parents(&self.root, &full);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(Diagnostic::in_file(&full, format!("cannot remove: {e}")));
                    }
                }
            }
        }
        Ok(done)
    }
}

/// Removes the folders above `file`, up to `root`, that it left empty.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// The files under `root` that a prefix owns, as `/`-separated relative
/// paths: for `servers/x/`, every file in that folder and below; for
/// `sitemap-`, the files (not folders) of that folder whose names start
/// with it. Found without walking the rest of the output.
fn files_under(root: &Path, prefix: &str) -> Result<Vec<String>, Diagnostic> {
    let (dir, start) = match prefix.rfind('/') {
        Some(i) => prefix.split_at(i + 1),
        None => ("", prefix),
    };
    let mut out = Vec::new();
    let folder = root.join(dir);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Diagnostic::in_file(&folder, format!("cannot list: {e}"))),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(start) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && start.is_empty() {
            for file in walkdir::WalkDir::new(entry.path()).into_iter().flatten() {
                if file.file_type().is_file()
                    && let Ok(rel) = file.path().strip_prefix(root)
                {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        } else if !kind.is_dir() {
            out.push(format!("{dir}{name}"));
        }
    }
    Ok(out)
}

impl Sink for InPlace {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        check_relative(path).map_err(|m| Diagnostic::new(format!("refusing to write: {m}")))?;
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.files
            .lock()
            .expect("files")
            .push((path.to_string(), bytes.to_vec()));
        Ok(())
    }

    fn count_page(&self) {
        self.pages.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
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

    #[test]
    fn writes_changed_files_and_removes_only_stale_owned_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("servers/a/index.html", "a"),
            ("servers/a/old/index.html", "gone"),
            ("servers/ab/index.html", "neighbour"),
            ("sitemap-1.xml", "one"),
            ("sitemap-2.xml", "two"),
            ("sitemap-help/index.html", "a page"),
            ("index.html", "home"),
        ] {
            replace_file(&root.join(path), text.as_bytes()).unwrap();
        }
        let sink = InPlace::new(root);
        sink.write("servers/a/index.html", b"a").unwrap();
        sink.write("servers/a/new/index.html", b"new").unwrap();
        sink.write("sitemap-1.xml", b"one, again").unwrap();
        sink.write("index.html", b"home").unwrap();
        // A static file written after the page it replaces.
        sink.write("index.html", b"static home").unwrap();
        assert_eq!(sink.files(), 5);
        let done = sink
            .commit(&["servers/a/".into(), "sitemap-".into()])
            .unwrap();
        assert_eq!(
            done,
            Committed {
                written: 3,
                removed: 2
            }
        );
        assert!(
            !root.join("servers/a/old").exists(),
            "emptied folders go too"
        );
        assert_eq!(
            tree(root),
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
    }

    #[test]
    fn refuses_paths_outside_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let sink = InPlace::new(dir.path());
        assert!(sink.write("../x.html", b"x").is_err());
        assert_eq!(sink.files(), 0);
    }
}
