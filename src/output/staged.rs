//! The staging folder of a build and the swap that makes it the output.
//!
//! Every `toolrisk build`, full or incremental, writes into a staging
//! folder beside the output (`.public.toolrisk-staging-<pid>` beside
//! `public`) and then exchanges it with the output in one atomic step, so
//! that whoever reads the output (a web server, a person, a build killed
//! at any moment) sees the previous site or the new one, never a mix. A
//! full build starts from an empty staging folder; an incremental one from
//! a copy of the previous output made of hard links (no file's bytes are
//! copied), replaces the files whose bytes changed (a new file, never a
//! write into the shared one) and removes the stale files of the prefixes
//! it rebuilt in full; the comparing and the stale files are
//! [`super::differ`]'s, comparing with the bytes on disk ([`OnDisk`]).
//!
//! Linking a large output is not free (at 300,000 files it is seconds of
//! system time, and deleting the previous output as much again), so an
//! incremental build keeps the previous output beside the new one as a
//! standby (`.public.toolrisk-standby`), with a note of the paths in which
//! the two differ; the next incremental build brings the standby up to the
//! output by those paths alone and starts from it. The standby is used
//! only while its note names the output folder as it is; otherwise (a full
//! build came between, a build was killed while updating it) it is removed
//! and the output is linked afresh.
//!
//! The swap is Linux's `renameat2(RENAME_EXCHANGE)` where the filesystem
//! has it; elsewhere two renames, the previous output first moved to a
//! `.public.toolrisk-swap-<pid>` folder that the next build moves back if
//! it finds no output (a build killed between the renames). Every folder
//! those names describe that a killed build left is removed by the next
//! build of the same output, which holds the output's [`Lock`], so no
//! other build can be using them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::differ::{Differ, OnDisk, remove_files};
use super::tree::{STANDBY, STANDBY_NOTE, from_standby, keep_as_standby, link_tree};
use super::{Folder, Lock, MARKER, MARKER_TEXT, Sink, check_relative, check_target};
use crate::error::Diagnostic;

/// The kinds of folder a build keeps beside the output, by name part.
const STAGING: &str = "staging";
const OLD: &str = "old";
const SWAP: &str = "swap";
/// A standby that no longer trails the output, moved aside for deletion.
const RETIRED: &str = "retired";

/// What an incremental build changed, compared with the previous output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub written: usize,
    pub removed: usize,
}

/// The background deletion of the previous output, and the lock held
/// until it is done.
#[derive(Debug)]
pub struct Cleanup {
    thread: Option<std::thread::JoinHandle<()>>,
    lock: Option<Lock>,
}

impl Cleanup {
    /// Nothing to delete; the lock (if any) is released when this is.
    pub fn nothing(lock: Option<Lock>) -> Cleanup {
        Cleanup { thread: None, lock }
    }

    /// Waits until the previous output (and whatever killed builds left)
    /// is gone, then releases the lock.
    pub fn join(self) {
        if let Some(h) = self.thread {
            let _ = h.join();
        }
        drop(self.lock);
    }
}

/// A staging folder that becomes the output on [`Staged::commit`].
pub struct Staged {
    lock: Lock,
    staging: PathBuf,
    /// For a staging folder that began as the previous output: every path
    /// this build wrote, compared with the file there.
    differ: Option<Differ<OnDisk>>,
    pub files: AtomicUsize,
    pub pages: AtomicUsize,
    pub bytes: AtomicU64,
    /// Files whose bytes differ from the previous output's (counted when
    /// the staging folder began as the previous output).
    written: AtomicUsize,
    removed: usize,
    /// The paths written with new bytes or removed, for the standby note.
    changed_paths: Mutex<Vec<String>>,
}

/// The name of a folder of `kind` beside `target` for this process.
fn own(target: &Path, kind: &str) -> PathBuf {
    let mut name = super::beside(target, kind).into_os_string();
    name.push(format!("-{}", std::process::id()));
    PathBuf::from(name)
}

/// The folders of `kind` beside `target`, of any process.
fn all_of(target: &Path, kind: &str) -> Vec<PathBuf> {
    let pattern = super::beside(target, kind);
    let (Some(parent), Some(prefix)) = (pattern.parent(), pattern.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}-", prefix.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix(&prefix)
                .is_some_and(|rest| {
                    rest.starts_with(|c: char| c.is_ascii_digit())
                        && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
                })
        })
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// Deletes `dirs` on a thread of its own, so that nothing waits for it;
/// what cannot be deleted is left.
pub fn remove_in_background(dirs: Vec<PathBuf>) -> Option<std::thread::JoinHandle<()>> {
    (!dirs.is_empty()).then(|| {
        std::thread::spawn(move || {
            for dir in dirs {
                let _ = std::fs::remove_dir_all(dir);
            }
        })
    })
}

impl Lock {
    /// Takes the lock on the output folder `target` (which need not exist
    /// yet), or says which process holds it. Taking it also puts back an
    /// output a killed swap left aside and starts removing what killed
    /// builds left beside the output. Here, not in `lock`, so that the lock
    /// knows nothing of staging.
    pub fn acquire(target: &Path) -> Result<Lock, Diagnostic> {
        let mut lock = Lock::take(target)?;
        recover_and_sweep(&mut lock);
        Ok(lock)
    }
}

/// Puts back an output that a build killed between the two renames of a
/// swap left moved aside, then deletes, in the background (the lock waits
/// for it), every folder that killed builds left beside the output. Run by
/// [`Lock::acquire`], so that no other build can be using them.
pub(super) fn recover_and_sweep(lock: &mut Lock) {
    let target = lock.target().to_path_buf();
    let target = target.as_path();
    let mut swapped = all_of(target, SWAP);
    if !target.exists() {
        // The newest one is the output that was in place last.
        swapped.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        if let Some(previous) = swapped.pop()
            && previous.join(MARKER).is_file()
        {
            let _ = std::fs::rename(&previous, target);
        }
    }
    // This process's own names (a process id reused) are removed now: the
    // build is about to use them.
    let ours = [STAGING, OLD, SWAP, RETIRED].map(|kind| own(target, kind));
    for path in &ours {
        if path.exists() {
            let _ = std::fs::remove_dir_all(path);
        }
    }
    // A parked output is renamed before it is deleted, so that a swap-
    // folder is always whole: a later recovery can trust any it finds.
    let mut leftovers: Vec<PathBuf> = Vec::new();
    for (i, parked) in all_of(target, SWAP).into_iter().enumerate() {
        let mut doomed = own(target, OLD).into_os_string();
        doomed.push(format!("-{i}"));
        let doomed = PathBuf::from(doomed);
        if std::fs::rename(&parked, &doomed).is_ok() {
            leftovers.push(doomed);
        }
    }
    let others: Vec<PathBuf> = [OLD, STAGING, RETIRED]
        .iter()
        .flat_map(|kind| all_of(target, kind))
        .filter(|p| !ours.contains(p) && !leftovers.contains(p))
        .collect();
    leftovers.extend(others);
    lock.background.extend(remove_in_background(leftovers));
}

impl Staged {
    /// Prepares an empty staging folder beside the locked output after
    /// checking that the output may be replaced.
    pub fn begin(lock: Lock, site_dir: &Path) -> Result<Staged, Diagnostic> {
        Staged::prepare(lock, site_dir, false)
    }

    /// Prepares a staging folder that starts as the previous output (which
    /// must exist), for a build that rewrites only part of it.
    pub fn begin_from_previous(lock: Lock, site_dir: &Path) -> Result<Staged, Diagnostic> {
        Staged::prepare(lock, site_dir, true)
    }

    fn prepare(lock: Lock, site_dir: &Path, from_previous: bool) -> Result<Staged, Diagnostic> {
        let target = lock.target();
        check_target(target, site_dir)?;
        let staging = own(target, STAGING);
        std::fs::create_dir_all(&staging).map_err(|e| {
            Diagnostic::in_file(&staging, format!("cannot create the staging folder: {e}"))
        })?;
        let staged = Staged {
            differ: from_previous.then(|| {
                Differ::new(OnDisk {
                    root: staging.clone(),
                })
            }),
            staging,
            files: AtomicUsize::new(0),
            pages: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            written: AtomicUsize::new(0),
            removed: 0,
            changed_paths: Mutex::default(),
            lock,
        };
        let ready = (|| {
            if from_previous && staged.lock.target().is_dir() {
                let target = staged.lock.target();
                if !from_standby(target, &staged.staging) {
                    let _ = std::fs::remove_dir_all(&staged.staging);
                    std::fs::create_dir_all(&staged.staging).map_err(|e| {
                        Diagnostic::in_file(
                            &staged.staging,
                            format!("cannot create the staging folder: {e}"),
                        )
                    })?;
                    link_tree(target, &staged.staging)?;
                }
            }
            let _ = std::fs::remove_file(staged.staging.join(MARKER));
            std::fs::write(staged.staging.join(MARKER), MARKER_TEXT)
                .map_err(|e| Diagnostic::in_file(&staged.staging, format!("cannot write: {e}")))
        })();
        match ready {
            Ok(()) => Ok(staged),
            Err(e) => {
                drop(staged.abandon());
                Err(e)
            }
        }
    }

    /// Removes the files under `owned` (path prefixes the build wrote in
    /// full, such as one server's folder `servers/x/`, or `sitemap-` for
    /// the sitemap files at the top) that this build did not write, and
    /// the folders that leaves empty. Only for a staging folder that began
    /// as the previous output.
    pub fn remove_stale(&mut self, owned: &[String]) -> Result<(), Diagnostic> {
        let Some(differ) = &self.differ else {
            return Ok(());
        };
        let stale = differ.stale(owned)?;
        let (removed, failed) = remove_files(&self.staging, &stale);
        self.removed += removed.len();
        self.changed_paths
            .get_mut()
            .expect("changed")
            .extend(removed.into_iter().cloned());
        failed.map_or(Ok(()), Err)
    }

    /// What this build changed compared with the previous output.
    pub fn changed(&self) -> Committed {
        Committed {
            written: self.written.load(Ordering::Relaxed),
            removed: self.removed,
        }
    }

    /// Makes the staging folder the output in one step. The previous output
    /// is deleted on a background thread, so its deletion is not on the
    /// build's critical path; join the returned [`Cleanup`] before the
    /// process exits (it holds the lock until then).
    pub fn commit(self) -> Result<Cleanup, Diagnostic> {
        let target = self.lock.target().to_path_buf();
        let standby = super::beside(&target, STANDBY);
        let previous = match swap(&self.staging, &target) {
            Ok(previous) => previous,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&self.staging);
                return Err(e);
            }
        };
        let mut doomed = Vec::new();
        // A standby left from before no longer trails the output: its
        // note goes first, so that it can never be taken for one that does.
        if standby.exists() {
            let _ = std::fs::remove_file(standby.join(STANDBY_NOTE));
            let aside = own(&target, RETIRED);
            if std::fs::rename(&standby, &aside).is_ok() {
                doomed.push(aside);
            } else {
                let _ = std::fs::remove_dir_all(&standby);
            }
        }
        if let Some(previous) = previous {
            let changed = self.changed_paths.into_inner().expect("changed");
            let kept = self.differ.is_some()
                && keep_as_standby(&previous, &target, &changed)
                && std::fs::rename(&previous, &standby).is_ok();
            if !kept {
                doomed.push(previous);
            }
        }
        Ok(Cleanup {
            thread: remove_in_background(doomed),
            lock: Some(self.lock),
        })
    }

    /// Removes the staging folder; the previous output stays as it was.
    /// Gives back the lock, for a caller that goes on another way.
    pub fn abandon(self) -> Lock {
        let _ = std::fs::remove_dir_all(&self.staging);
        self.lock
    }
}

/// Puts `staging` in place of `target`; returns where the previous output
/// went, if there was one.
fn swap(staging: &Path, target: &Path) -> Result<Option<PathBuf>, Diagnostic> {
    let moved = |e: std::io::Error| {
        Diagnostic::in_file(
            target,
            format!("cannot move the new output into place: {e}"),
        )
    };
    if std::fs::symlink_metadata(target).is_err() {
        std::fs::rename(staging, target).map_err(moved)?;
        return Ok(None);
    }
    if exchange(staging, target).map_err(moved)? {
        // The staging folder's name now holds the previous output.
        return Ok(Some(staging.to_path_buf()));
    }
    let aside = own(target, SWAP);
    std::fs::rename(target, &aside).map_err(|e| {
        Diagnostic::in_file(
            target,
            format!("cannot move the previous output aside: {e}"),
        )
    })?;
    if let Err(e) = std::fs::rename(staging, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(moved(e));
    }
    // Deleted only under an old- name: a swap- folder is always a whole
    // output (the sweep renames one before deleting it too).
    let old = own(target, OLD);
    Ok(std::fs::rename(&aside, &old).is_ok().then_some(old))
}

/// Exchanges `a` and `b` atomically: `Ok(false)` where the platform or the
/// filesystem cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
    let (Ok(a), Ok(b)) = (c(a), c(b)) else {
        return Ok(false);
    };
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

impl Sink for Staged {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let rel =
            check_relative(path).map_err(|m| Diagnostic::new(format!("refusing to write: {m}")))?;
        let full = self.staging.join(rel);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Some(differ) = &self.differ {
            // The file there may be a hard link to the live output's: it
            // is replaced, never written into.
            if !differ.differs(path, bytes) {
                return Ok(());
            }
            // Whatever the read said (a different file, none, or an error
            // such as too many open files), the name is unlinked before
            // the write, so the write makes a new file.
            match std::fs::remove_file(&full) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Diagnostic::in_file(&full, format!("cannot replace: {e}")));
                }
                _ => {}
            }
            self.written.fetch_add(1, Ordering::Relaxed);
            self.changed_paths
                .lock()
                .expect("changed")
                .push(path.to_string());
            return super::write_creating_folder(&full, bytes, Folder::Existing);
        }
        // A page is the `index.html` of a folder of its own (the URL
        // scheme), so its folder is new: made first, one `mkdir` per
        // folder as in the floor. Other files go where a page went before.
        let folder = if path
            .strip_suffix(crate::routes::INDEX_FILE)
            .is_some_and(|p| p.ends_with('/'))
        {
            Folder::New
        } else {
            Folder::Existing
        };
        super::write_creating_folder(&full, bytes, folder)
    }

    fn count_page(&self) {
        self.pages.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[path = "staged_tests.rs"]
mod tests;
