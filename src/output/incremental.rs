//! The live preview's sink: every file of a build is hashed, and only the
//! files that changed since the last good build are written, on commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Committed, Sink, check_relative, replace_file};
use crate::error::Diagnostic;

/// A sink for the live preview, over a folder it owns (never the user's
/// build output). A build renders everything, but only files whose content
/// changed since the last good build (a content hash tells) are kept, in
/// memory; [`Incremental::commit`] writes them and removes what the build no
/// longer produced, and [`Incremental::abandon`] drops them, so a failed
/// rebuild leaves the last good site exactly as it was.
pub struct Incremental {
    root: PathBuf,
    /// Path → content hash of what is on disk.
    /// Ordered, so that the files under one folder are a range of it.
    manifest: std::collections::BTreeMap<String, u64>,
    /// Every path the current build produced, with its hash.
    seen: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// Changed files waiting for commit.
    pending: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
    pub pages: AtomicUsize,
}

fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Incremental {
    /// A sink over `root`, which is created if missing.
    pub fn new(root: &Path) -> Result<Incremental, Diagnostic> {
        std::fs::create_dir_all(root)
            .map_err(|e| Diagnostic::in_file(root, format!("cannot create: {e}")))?;
        Ok(Incremental {
            root: root.to_path_buf(),
            manifest: Default::default(),
            seen: Default::default(),
            pending: Default::default(),
            pages: AtomicUsize::new(0),
        })
    }

    /// Starts a build.
    pub fn begin(&mut self) {
        self.seen.get_mut().expect("manifest").clear();
        self.pending.get_mut().expect("pending").clear();
        self.pages.store(0, Ordering::Relaxed);
    }

    /// Writes the changed files. With `full`, also removes every file the
    /// last good build wrote that this build did not produce.
    pub fn commit(&mut self, full: bool) -> Result<Committed, Diagnostic> {
        let pending = std::mem::take(self.pending.get_mut().expect("pending"));
        let seen = std::mem::take(self.seen.get_mut().expect("manifest"));
        let mut done = Committed::default();
        for (path, bytes) in pending {
            let full_path = self.root.join(&path);
            replace_file(&full_path, &bytes)?;
            done.written += 1;
        }
        if full {
            let stale: Vec<String> = self
                .manifest
                .keys()
                .filter(|k| !seen.contains_key(*k))
                .cloned()
                .collect();
            for path in stale {
                self.manifest.remove(&path);
                let file = self.root.join(&path);
                if std::fs::remove_file(&file).is_ok() {
                    done.removed += 1;
                    // A renamed tool leaves no empty folder behind.
                    super::tree::remove_empty_parents(&self.root, &file);
                }
            }
        }
        self.manifest.extend(seen);
        Ok(done)
    }

    /// Writes the changed files of a partial render, and removes the files
    /// under `owned` (path prefixes the render wrote in full, such as one
    /// server's folder) that it did not produce this time.
    pub fn commit_partial(&mut self, owned: &[String]) -> Result<Committed, Diagnostic> {
        // Only the files under `owned` are candidates: a range of the
        // ordered manifest each, not a scan of every file of the site.
        let stale: std::collections::BTreeSet<String> = {
            let seen = self.seen.get_mut().expect("manifest");
            owned
                .iter()
                .flat_map(|prefix| {
                    self.manifest
                        .range::<str, _>((
                            std::ops::Bound::Included(prefix.as_str()),
                            std::ops::Bound::Unbounded,
                        ))
                        .take_while(move |(k, _)| k.starts_with(prefix.as_str()))
                        .map(|(k, _)| k)
                })
                .filter(|k| !seen.contains_key(*k))
                .cloned()
                .collect()
        };
        let mut done = self.commit(false)?;
        for path in stale {
            self.manifest.remove(&path);
            let file = self.root.join(&path);
            if std::fs::remove_file(&file).is_ok() {
                done.removed += 1;
                // A renamed tool leaves no empty folder behind.
                super::tree::remove_empty_parents(&self.root, &file);
            }
        }
        Ok(done)
    }

    /// Drops what the build produced; the folder stays as it was.
    pub fn abandon(&mut self) {
        self.pending.get_mut().expect("pending").clear();
        self.seen.get_mut().expect("manifest").clear();
    }
}

impl Sink for Incremental {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        check_relative(path).map_err(|m| Diagnostic::new(format!("refusing to write: {m}")))?;
        let hash = content_hash(bytes);
        self.seen
            .lock()
            .expect("manifest")
            .insert(path.to_string(), hash);
        if self.manifest.get(path) != Some(&hash) {
            self.pending
                .lock()
                .expect("pending")
                .push((path.to_string(), bytes.to_vec()));
        }
        Ok(())
    }

    fn count_page(&self) {
        self.pages.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod incremental_tests {
    use super::*;

    #[test]
    fn writes_only_changes_and_keeps_the_last_good_site_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Incremental::new(dir.path()).unwrap();
        sink.begin();
        sink.write("a/index.html", b"one").unwrap();
        sink.write("b.txt", b"bee").unwrap();
        assert_eq!(
            sink.commit(true).unwrap(),
            Committed {
                written: 2,
                removed: 0
            }
        );

        sink.begin();
        sink.write("a/index.html", b"two").unwrap();
        sink.abandon();
        assert_eq!(
            std::fs::read(dir.path().join("a/index.html")).unwrap(),
            b"one"
        );

        sink.begin();
        sink.write("a/index.html", b"one").unwrap();
        sink.write("c.txt", b"new").unwrap();
        assert_eq!(
            sink.commit(true).unwrap(),
            Committed {
                written: 1,
                removed: 1
            }
        );
        assert!(!dir.path().join("b.txt").exists());
        assert!(dir.path().join("c.txt").exists());
    }

    #[test]
    fn a_partial_commit_removes_only_stale_files_it_owns() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Incremental::new(dir.path()).unwrap();
        sink.begin();
        for p in [
            "s/a/one/index.html",
            "s/a/two/index.html",
            "s/a-z/index.html",
            "s/ab/index.html",
            "s/b/index.html",
            "s/c/gone.html",
            "home.html",
        ] {
            sink.write(p, b"x").unwrap();
        }
        sink.commit(true).unwrap();
        // The server `a` lost its tool `two`; `s/b` and the home page were not rendered.
        sink.begin();
        sink.write("s/a/one/index.html", b"y").unwrap();
        // Neighbours in path order (`s/a-z`, `s/ab`) are not under `s/a/`.
        assert_eq!(
            sink.commit_partial(&["s/a/".to_string(), "s/c/".to_string()])
                .unwrap(),
            Committed {
                written: 1,
                removed: 2
            }
        );
        assert!(!dir.path().join("s/a/two/index.html").exists());
        assert!(!dir.path().join("s/c/gone.html").exists());
        // The folders they leave empty go too.
        assert!(!dir.path().join("s/a/two").exists());
        assert!(!dir.path().join("s/c").exists());
        assert!(dir.path().join("s/a/one").is_dir());
        for kept in ["s/a-z/index.html", "s/ab/index.html", "s/b/index.html"] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
        assert!(dir.path().join("home.html").exists());
        assert_eq!(
            std::fs::read(dir.path().join("s/a/one/index.html")).unwrap(),
            b"y"
        );
    }
}
