//! Copies of an output tree for an incremental build: the copy made of
//! hard links, the standby that spares making it (the previous output,
//! kept with a note of the paths in which it differs from the output, and
//! brought up to date by those alone), and finding and removing the files
//! a rebuilt prefix owns.

use std::path::Path;

use super::{MARKER, check_relative};
use crate::error::Diagnostic;

/// The previous output, kept after an incremental build so that the next
/// one starts from it instead of linking the whole output again.
pub(super) const STANDBY: &str = "standby";
/// Inside the standby folder: the output it trails (device, inode, time) on
/// the first line, then every path in which the output differs from it.
pub(super) const STANDBY_NOTE: &str = ".toolrisk-standby";

/// Makes `staging` a copy of `previous` made of hard links (or copies,
/// where the filesystem has no hard links), without its marker.
pub(super) fn link_tree(previous: &Path, staging: &Path) -> Result<(), Diagnostic> {
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
pub(super) fn keep_as_standby(previous: &Path, target: &Path, changed: &[String]) -> bool {
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
pub(super) fn from_standby(target: &Path, staging: &Path) -> bool {
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
pub(super) fn files_under(root: &Path, prefix: &str) -> Result<Vec<String>, Diagnostic> {
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
