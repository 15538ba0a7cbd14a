//! The build lock: one `toolrisk build` per output folder at a time.
//!
//! Owns the lock file beside an output folder (`.public.toolrisk-lock`
//! beside `public`), held with the operating system's advisory file lock
//! (the standard library's `File::try_lock`: the kernel releases it when
//! the process ends, however it ends, so a killed build never leaves a
//! stale lock). The holder deletes the file as it lets go, still holding
//! the lock; a build that opened the file before it was deleted, and locks
//! it after, finds that the path no longer names the file it locked and
//! tries again, so two builds never both hold a lock. The file holds the
//! process id of its holder, for the message a second build prints.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;

/// The lock on one output folder, held until dropped. Work on what killed
/// builds left beside the output runs in the background while the lock is
/// held, and dropping the lock waits for it.
#[derive(Debug)]
pub struct Lock {
    target: PathBuf,
    _file: File,
    pub(super) background: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Lock {
    fn drop(&mut self) {
        for h in self.background.drain(..) {
            let _ = h.join();
        }
        let _ = std::fs::remove_file(lock_path(&self.target));
    }
}

/// Whether `path` still names the open file `file`.
#[cfg(unix)]
fn still_named(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_named(path: &Path, _: &File) -> bool {
    path.exists()
}

/// The lock file of the output folder `target`: beside it, named after it.
pub fn lock_path(target: &Path) -> PathBuf {
    super::beside(target, "lock")
}

impl Lock {
    /// Takes the lock on the output folder `target` (which need not exist
    /// yet), or says which process holds it; [`Lock::acquire`] in
    /// [`super::staged`] also tidies what killed builds left.
    pub(super) fn take(target: &Path) -> Result<Lock, Diagnostic> {
        let path = lock_path(target);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::in_file(
                    parent,
                    format!("cannot create the output's parent folder: {e}"),
                )
            })?;
        }
        let mut file = loop {
            if let Some(file) = Lock::try_open(target, &path)?
                && still_named(&path, &file)
            {
                break file;
            }
        };
        // Best effort: the pid is only for the second build's message.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        Ok(Lock {
            target: target.to_path_buf(),
            _file: file,
            background: Vec::new(),
        })
    }

    /// Opens (or creates) the lock file and locks it; `None` when the file
    /// it opened was removed by its holder meanwhile (try again).
    fn try_open(target: &Path, path: &Path) -> Result<Option<File>, Diagnostic> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Diagnostic::in_file(path, format!("cannot open the build lock: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if !still_named(path, &file) => Ok(None),
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another toolrisk build".to_string()
                } else {
                    format!("another toolrisk build (process {holder})")
                };
                Err(
                    Diagnostic::in_file(target, format!("{who} is writing this output folder"))
                        .help(
                            "wait for it to finish and run the build again, or build into another \
                     folder with --output",
                        ),
                )
            }
            Err(std::fs::TryLockError::Error(e)) => Err(Diagnostic::in_file(
                path,
                format!("cannot take the build lock: {e}"),
            )),
        }
    }

    /// The output folder this lock is for.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_output_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = Lock::acquire(&out).unwrap();
        let err = Lock::acquire(&out).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "another toolrisk build (process {}) is writing this output folder",
                std::process::id()
            )
        );
        assert!(err.help.unwrap().contains("--output"));
        // Another output is not locked by it.
        Lock::acquire(&dir.path().join("other")).unwrap();
        drop(first);
        assert!(!lock_path(&out).exists(), "the holder removes the file");
        let again = Lock::acquire(&out).unwrap();
        // A build that opened the file before its holder removed it finds
        // that it locked a file no longer named by the path.
        let stale = OpenOptions::new().read(true).open(lock_path(&out)).unwrap();
        drop(again);
        stale.try_lock().unwrap();
        assert!(!still_named(&lock_path(&out), &stale));
        Lock::acquire(&out).unwrap();
    }
}
