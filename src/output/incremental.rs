//! The live preview's sink: every file of a build is hashed, and only the
//! files that changed since the last good build are written, on commit.
//! The comparing, the paths produced and the stale files are
//! [`super::differ`]'s, comparing with the hashes kept ([`Kept`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::differ::{Differ, Kept, remove_files};
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
    /// The hashes of what is on disk, and every path the current build
    /// produced.
    differ: Differ<Kept>,
    /// Changed files waiting for commit.
    pending: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
    pub pages: AtomicUsize,
}

impl Incremental {
    /// A sink over `root`, which is created if missing.
    pub fn new(root: &Path) -> Result<Incremental, Diagnostic> {
        std::fs::create_dir_all(root)
            .map_err(|e| Diagnostic::in_file(root, format!("cannot create: {e}")))?;
        Ok(Incremental {
            root: root.to_path_buf(),
            differ: Differ::new(Kept::default()),
            pending: Default::default(),
            pages: AtomicUsize::new(0),
        })
    }

    /// Starts a build.
    pub fn begin(&mut self) {
        self.abandon();
        self.pages.store(0, Ordering::Relaxed);
    }

    /// Writes the changed files. With `full`, also removes every file the
    /// last good build wrote that this build did not produce.
    pub fn commit(&mut self, full: bool) -> Result<Committed, Diagnostic> {
        let everything = [String::new()];
        self.commit_partial(if full { &everything } else { &[] })
    }

    /// Writes the changed files of a partial render, and removes the files
    /// under `owned` (path prefixes the render wrote in full, such as one
    /// server's folder; `""` for every file) that it did not produce this
    /// time.
    pub fn commit_partial(&mut self, owned: &[String]) -> Result<Committed, Diagnostic> {
        let stale = self.differ.stale(owned)?;
        let pending = std::mem::take(self.pending.get_mut().expect("pending"));
        let mut done = Committed::default();
        for (path, bytes) in pending {
            replace_file(&self.root.join(&path), &bytes)?;
            done.written += 1;
        }
        let produced = self.differ.take();
        let kept = &mut self.differ.compare.files;
        for path in &stale {
            // A file that cannot be removed is left, and its hash kept, so
            // that the next rebuild owning its folder tries again; the
            // preview goes on.
            let (removed, failed) = remove_files(&self.root, [path]);
            done.removed += removed.len();
            if failed.is_none() {
                kept.remove(path);
            }
        }
        kept.extend(produced);
        Ok(done)
    }

    /// Drops what the build produced; the folder stays as it was.
    pub fn abandon(&mut self) {
        self.pending.get_mut().expect("pending").clear();
        self.differ.take();
    }
}

impl Sink for Incremental {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        check_relative(path).map_err(|m| Diagnostic::new(format!("refusing to write: {m}")))?;
        if self.differ.differs(path, bytes) {
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
    fn a_stale_file_that_cannot_be_removed_is_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Incremental::new(dir.path()).unwrap();
        sink.begin();
        sink.write("s/a/one.html", b"x").unwrap();
        sink.write("s/a/two.html", b"x").unwrap();
        sink.commit(true).unwrap();
        // Something put a folder where `two.html` was: removing it fails.
        let two = dir.path().join("s/a/two.html");
        std::fs::remove_file(&two).unwrap();
        std::fs::create_dir(&two).unwrap();
        std::fs::write(two.join("held"), b"h").unwrap();
        sink.begin();
        sink.write("s/a/one.html", b"x").unwrap();
        let owned = ["s/a/".to_string()];
        assert_eq!(sink.commit_partial(&owned).unwrap().removed, 0);
        assert!(two.is_dir());
        // Once it can be removed, the next rebuild of the folder removes it.
        std::fs::remove_dir_all(&two).unwrap();
        std::fs::write(&two, b"x").unwrap();
        sink.begin();
        sink.write("s/a/one.html", b"x").unwrap();
        assert_eq!(sink.commit_partial(&owned).unwrap().removed, 1);
        assert!(!two.exists());
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
