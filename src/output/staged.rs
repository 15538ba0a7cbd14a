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
//! it rebuilt in full.
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

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::{Folder, Lock, MARKER, MARKER_TEXT, Sink, check_relative, check_target};
use crate::error::Diagnostic;

/// The kinds of folder a build keeps beside the output, by name part.
const STAGING: &str = "staging";
const OLD: &str = "old";
const SWAP: &str = "swap";
/// A standby that no longer trails the output, moved aside for deletion.
const RETIRED: &str = "retired";
/// The previous output, kept after an incremental build so that the next
/// one starts from it instead of linking the whole output again.
const STANDBY: &str = "standby";
/// Inside the standby folder: the output it trails (device, inode, time) on
/// the first line, then every path in which the output differs from it.
const STANDBY_NOTE: &str = ".toolrisk-standby";

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
    /// this build wrote.
    produced: Option<Mutex<HashSet<String>>>,
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

/// Makes `staging` a copy of `previous` made of hard links (or copies,
/// where the filesystem has no hard links), without its marker.
fn link_tree(previous: &Path, staging: &Path) -> Result<(), Diagnostic> {
    for entry in walkdir::WalkDir::new(previous).min_depth(1) {
        let entry = entry.map_err(|e| {
            Diagnostic::in_file(
                e.path().unwrap_or(previous),
                format!("cannot read the previous output: {e}"),
            )
        })?;
        let rel = entry.path().strip_prefix(previous).expect("under previous");
        let to = staging.join(rel);
        let kind = entry.file_type();
        let copied = if kind.is_dir() {
            std::fs::create_dir(&to)
        } else if rel == Path::new(MARKER) {
            continue;
        } else if kind.is_file() {
            std::fs::hard_link(entry.path(), &to)
                .or_else(|_| std::fs::copy(entry.path(), &to).map(drop))
        } else {
            // The output holds only folders and files; anything else was
            // not made by a build and is not carried over.
            continue;
        };
        copied.map_err(|e| {
            Diagnostic::in_file(
                &to,
                format!("cannot copy the previous output into the staging folder: {e}"),
            )
        })?;
    }
    Ok(())
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
            staging,
            produced: from_previous.then(Mutex::default),
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
        let Some(produced) = &self.produced else {
            return Ok(());
        };
        let produced = produced.lock().expect("produced");
        for prefix in owned {
            for path in files_under(&self.staging, prefix)? {
                if produced.contains(&path) {
                    continue;
                }
                let full = self.staging.join(&path);
                match std::fs::remove_file(&full) {
                    Ok(()) => {
                        self.removed += 1;
                        self.changed_paths
                            .lock()
                            .expect("changed")
                            .push(path.clone());
                        remove_empty_parents(&self.staging, &full);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(Diagnostic::in_file(&full, format!("cannot remove: {e}")));
                    }
                }
            }
        }
        Ok(())
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
            let kept = self.produced.is_some()
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

/// The identity of a folder: device, inode and modification time.
#[cfg(unix)]
fn identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    m.is_dir()
        .then(|| format!("{} {} {} {}", m.dev(), m.ino(), m.mtime(), m.mtime_nsec()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<String> {
    None
}

/// Writes the standby note into `previous`: it trails the output `target`
/// by `changed`.
fn keep_as_standby(previous: &Path, target: &Path, changed: &[String]) -> bool {
    let Some(id) = identity(target) else {
        return false;
    };
    let mut note = id;
    for path in changed {
        note.push('\n');
        note.push_str(path);
    }
    std::fs::write(previous.join(STANDBY_NOTE), note).is_ok()
}

/// Makes `staging` the output `target` from the standby, when there is one
/// whose note names `target` as it is: the standby is moved to `staging`
/// and every path its note lists is made the output's (a hard link to the
/// output's file, or removed). False, with `staging` in an unknown state,
/// when there is no usable standby.
fn from_standby(target: &Path, staging: &Path) -> bool {
    let standby = super::beside(target, STANDBY);
    let Ok(note) = std::fs::read_to_string(standby.join(STANDBY_NOTE)) else {
        return false;
    };
    let mut lines = note.lines();
    if lines.next().is_none() || lines.clone().count() > 1_000_000 {
        return false;
    }
    if identity(target).as_deref() != note.lines().next() {
        return false;
    }
    let _ = std::fs::remove_dir_all(staging);
    // The note goes first: a standby moved but not brought up to date must
    // never pass for one that trails the output.
    if std::fs::remove_file(standby.join(STANDBY_NOTE)).is_err()
        || std::fs::rename(&standby, staging).is_err()
    {
        return false;
    }
    for path in lines {
        let Ok(rel) = check_relative(path) else {
            return false;
        };
        let (from, to) = (target.join(rel), staging.join(rel));
        let _ = std::fs::remove_file(&to);
        if from.is_file() {
            let linked = std::fs::hard_link(&from, &to).or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    let parent = to.parent().unwrap_or(staging);
                    std::fs::create_dir_all(parent)?;
                    std::fs::hard_link(&from, &to)
                } else {
                    Err(e)
                }
            });
            if linked.is_err() {
                return false;
            }
        } else {
            remove_empty_parents(staging, &to);
        }
    }
    true
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

/// Removes the folders above `file`, up to `root`, that it left empty.
pub(super) fn remove_empty_parents(root: &Path, file: &Path) {
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

impl Sink for Staged {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let rel =
            check_relative(path).map_err(|m| Diagnostic::new(format!("refusing to write: {m}")))?;
        let full = self.staging.join(rel);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Some(produced) = &self.produced {
            produced.lock().expect("produced").insert(path.to_string());
            // The file there may be a hard link to the live output's: it
            // is replaced, never written into.
            if std::fs::read(&full).is_ok_and(|old| old == bytes) {
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
        let folder = if path.ends_with("/index.html") {
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
mod tests {
    use super::*;

    fn tree(root: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && e.file_name() != MARKER)
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

    fn site_and_output() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(&site).unwrap();
        let out = dir.path().join("public");
        (dir, site, out)
    }

    fn full_build(site: &Path, out: &Path, files: &[(&str, &str)]) {
        let staged = Staged::begin(Lock::acquire(out).unwrap(), site).unwrap();
        for (path, text) in files {
            staged.write(path, text.as_bytes()).unwrap();
        }
        staged.commit().unwrap().join();
    }

    #[test]
    fn a_partial_build_replaces_changed_files_and_removes_only_stale_owned_ones() {
        let (_dir, site, out) = site_and_output();
        full_build(
            &site,
            &out,
            &[
                ("servers/a/index.html", "a"),
                ("servers/a/old/index.html", "gone"),
                ("servers/ab/index.html", "neighbour"),
                ("sitemap-1.xml", "one"),
                ("sitemap-2.xml", "two"),
                ("sitemap-help/index.html", "a page"),
                ("index.html", "home"),
            ],
        );
        let before = tree(&out);
        let mut sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
        sink.write("servers/a/index.html", b"a").unwrap();
        sink.write("servers/a/new/index.html", b"new").unwrap();
        sink.write("sitemap-1.xml", b"one, again").unwrap();
        sink.write("index.html", b"home").unwrap();
        // A static file written after the page it replaces.
        sink.write("index.html", b"static home").unwrap();
        sink.remove_stale(&["servers/a/".into(), "sitemap-".into()])
            .unwrap();
        assert_eq!(
            sink.changed(),
            Committed {
                written: 3,
                removed: 2
            }
        );
        // Nothing reaches the output before the commit: the staging
        // folder's links were replaced, not written into.
        assert_eq!(tree(&out), before);
        sink.commit().unwrap().join();
        assert!(
            !out.join("servers/a/old").exists(),
            "emptied folders go too"
        );
        assert!(out.join(MARKER).is_file());
        assert_eq!(
            tree(&out),
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
        assert!(all_of(&out, STAGING).is_empty());
    }

    #[test]
    fn partial_builds_in_a_row_start_from_the_standby_and_agree_with_what_they_wrote() {
        let (_dir, site, out) = site_and_output();
        full_build(
            &site,
            &out,
            &[("index.html", "v0"), ("servers/a/index.html", "a0")],
        );
        let standby = super::super::beside(&out, STANDBY);
        assert!(!standby.exists(), "a full build keeps no standby");
        // Each step: the files written, the owned prefixes, what the
        // output must then be.
        type Files<'a> = &'a [(&'a str, &'a str)];
        let steps: [(Files, &[&str], Files); 4] = [
            (
                &[
                    ("index.html", "v1"),
                    ("servers/a/index.html", "a0"),
                    ("servers/a/t/index.html", "t1"),
                ],
                &["servers/a/"],
                &[
                    ("index.html", "v1"),
                    ("servers/a/index.html", "a0"),
                    ("servers/a/t/index.html", "t1"),
                ],
            ),
            (
                &[("index.html", "v2"), ("servers/a/index.html", "a2")],
                &["servers/a/"],
                &[("index.html", "v2"), ("servers/a/index.html", "a2")],
            ),
            (
                &[("index.html", "v2"), ("servers/b/index.html", "b3")],
                &[],
                &[
                    ("index.html", "v2"),
                    ("servers/a/index.html", "a2"),
                    ("servers/b/index.html", "b3"),
                ],
            ),
            (
                &[("index.html", "v4")],
                &["servers/"],
                &[("index.html", "v4")],
            ),
        ];
        for (i, (writes, owned, expected)) in steps.iter().enumerate() {
            let used_standby = standby.join(STANDBY_NOTE).is_file();
            assert_eq!(
                used_standby,
                i > 0,
                "step {i}: a standby is there after a partial build"
            );
            let mut sink =
                Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
            for (path, text) in *writes {
                sink.write(path, text.as_bytes()).unwrap();
            }
            let owned: Vec<String> = owned.iter().map(|o| o.to_string()).collect();
            sink.remove_stale(&owned).unwrap();
            sink.commit().unwrap().join();
            let want: Vec<(String, String)> = expected
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
            assert_eq!(tree(&out), want, "step {i}");
            assert!(
                !out.join(STANDBY_NOTE).exists(),
                "step {i}: no note in the output"
            );
        }
        // A full build drops the standby.
        full_build(&site, &out, &[("index.html", "v5")]);
        assert!(!standby.exists());
        assert_eq!(tree(&out), [("index.html".into(), "v5".into())]);
    }

    #[test]
    fn a_standby_that_does_not_trail_the_output_is_not_used() {
        let (_dir, site, out) = site_and_output();
        full_build(&site, &out, &[("index.html", "v0")]);
        let step = |text: &str| {
            let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
            sink.write("index.html", text.as_bytes()).unwrap();
            sink.commit().unwrap().join();
        };
        step("v1");
        let standby = super::super::beside(&out, STANDBY);
        // The standby's note names another folder: it is linked afresh.
        std::fs::write(standby.join(STANDBY_NOTE), "0 0\nindex.html").unwrap();
        std::fs::write(standby.join("stray.html"), "from the standby").unwrap();
        step("v2");
        assert_eq!(tree(&out), [("index.html".into(), "v2".into())]);
    }

    #[test]
    fn an_abandoned_build_leaves_the_previous_output_as_it_was() {
        let (_dir, site, out) = site_and_output();
        full_build(&site, &out, &[("index.html", "home")]);
        for from_previous in [false, true] {
            let lock = Lock::acquire(&out).unwrap();
            let sink = if from_previous {
                Staged::begin_from_previous(lock, &site)
            } else {
                Staged::begin(lock, &site)
            }
            .unwrap();
            sink.write("index.html", b"new home").unwrap();
            drop(sink.abandon());
            assert_eq!(tree(&out), [("index.html".into(), "home".into())]);
        }
        assert!(all_of(&out, STAGING).is_empty());
    }

    #[test]
    fn refuses_paths_outside_the_output() {
        let (_dir, site, out) = site_and_output();
        full_build(&site, &out, &[("index.html", "home")]);
        let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
        assert!(sink.write("../x.html", b"x").is_err());
        assert_eq!(sink.changed(), Committed::default());
    }

    #[test]
    fn the_next_build_puts_back_an_output_left_aside_and_sweeps_what_killed_builds_left() {
        let (dir, site, out) = site_and_output();
        full_build(&site, &out, &[("index.html", "home")]);
        // A build killed between the two renames of a swap: the output is
        // aside, and there is no output.
        let aside = dir.path().join(".public.toolrisk-swap-999999");
        std::fs::rename(&out, &aside).unwrap();
        // Leftovers of other killed builds, one without its marker (a
        // deletion that had begun).
        for name in [
            ".public.toolrisk-staging-999998",
            ".public.toolrisk-old-999997",
        ] {
            std::fs::create_dir_all(dir.path().join(name).join("servers")).unwrap();
        }
        // Beside another output, or named by a person: not ours to remove.
        let neighbour = dir.path().join(".publicity.toolrisk-old-5");
        std::fs::create_dir_all(&neighbour).unwrap();
        let backup = dir.path().join(".public.toolrisk-old-backup");
        std::fs::create_dir_all(&backup).unwrap();
        let sink = Staged::begin_from_previous(Lock::acquire(&out).unwrap(), &site).unwrap();
        sink.write("about.html", b"about").unwrap();
        sink.commit().unwrap().join();
        assert_eq!(
            tree(&out),
            [
                ("about.html".into(), "about".into()),
                ("index.html".into(), "home".into())
            ]
        );
        // The sweep ran in the background, and the commit's cleanup waited
        // for it.
        for kind in [SWAP, OLD, STAGING] {
            assert_eq!(all_of(&out, kind), Vec::<PathBuf>::new(), "{kind}");
        }
        assert!(neighbour.is_dir());
        assert!(backup.is_dir());
    }
}
