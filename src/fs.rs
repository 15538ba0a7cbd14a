//! Reading the site folder safely.
//!
//! Owns walking `content/` and `static/`: every error names the path, symlinks
//! that lead outside the site folder are refused, symlink loops end the walk
//! with an error instead of a hang, and files over a size limit are refused
//! before they are read. Nothing here writes; see `output` for that.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Diagnostic, Diagnostics};

/// A file found under the site folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Absolute or site-relative path used to open the file.
    pub path: PathBuf,
    /// The path relative to the site folder, for messages and URLs.
    pub relative: PathBuf,
}

/// Lists the files under `site_dir/sub` (recursively when `recursive`),
/// keeping those whose extension is `ext` when given, sorted by path.
/// A missing folder gives an empty list.
pub fn list_files(
    site_dir: &Path,
    sub: &str,
    ext: Option<&str>,
    recursive: bool,
) -> (Vec<SiteFile>, Diagnostics) {
    let mut files = Vec::new();
    let mut problems = Diagnostics::new();
    let root = site_dir.join(sub);
    if !root.is_dir() {
        return (files, problems);
    }
    let site_real = match site_dir.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            problems.push(Diagnostic::in_file(
                site_dir,
                format!("cannot read the site folder: {e}"),
            ));
            return (files, problems);
        }
    };
    let walker = WalkDir::new(&root)
        .follow_links(true)
        .min_depth(1)
        .max_depth(if recursive { 64 } else { 1 })
        .sort_by_file_name();
    let mut iter = walker.into_iter();
    while let Some(entry) = iter.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative_to(site_dir, p))
                    .unwrap_or_else(|| PathBuf::from(sub));
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop: this link points back at a folder that contains it".to_string()
                } else {
                    format!("cannot read: {e}")
                };
                problems.push(
                    Diagnostic::in_file(path, message)
                        .help("remove the link or point it at a real folder inside the site"),
                );
                continue;
            }
        };
        let relative = relative_to(site_dir, entry.path());
        if entry.path_is_symlink() {
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&site_real) => {}
                Ok(target) => {
                    problems.push(
                        Diagnostic::in_file(
                            &relative,
                            format!(
                                "symlink points outside the site folder, to {}",
                                target.display()
                            ),
                        )
                        .help("copy the file into the site instead of linking to it"),
                    );
                    if entry.file_type().is_dir() {
                        iter.skip_current_dir();
                    }
                    continue;
                }
                Err(e) => {
                    problems.push(Diagnostic::in_file(
                        &relative,
                        format!("broken symlink: {e}"),
                    ));
                    continue;
                }
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if let Some(ext) = ext
            && entry.path().extension().and_then(|e| e.to_str()) != Some(ext)
        {
            continue;
        }
        files.push(SiteFile {
            path: entry.path().to_path_buf(),
            relative,
        });
    }
    (files, problems)
}

/// Reads a text file of at most `max_bytes`, naming the file in every error.
pub fn read_text(file: &SiteFile, max_bytes: u64, limit_name: &str) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(&file.path)
        .map_err(|e| Diagnostic::in_file(&file.relative, format!("cannot read: {e}")))?;
    if meta.len() > max_bytes {
        return Err(Diagnostic::in_file(
            &file.relative,
            format!(
                "file is {} bytes, more than the limit of {} bytes",
                meta.len(),
                max_bytes
            ),
        )
        .help(format!(
            "split the file, or raise `limits.{limit_name}` in site.toml"
        )));
    }
    let bytes = std::fs::read(&file.path)
        .map_err(|e| Diagnostic::in_file(&file.relative, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = crate::error::line_col(
            &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
            usize::MAX,
        );
        Diagnostic::in_file(&file.relative, "file is not valid UTF-8")
            .at(line, col)
            .help("save the file as UTF-8")
    })
}

fn relative_to(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// Bytes an unprivileged writer may still write on the filesystem that
/// holds `path`; `None` where that cannot be told.
#[cfg(unix)]
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is NUL-terminated and `stat` is a `statvfs` the call
    // fills in; it is read only when the call succeeded.
    let stat = unsafe {
        if libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    let (blocks, size) = (u64::from(stat.f_bavail), u64::from(stat.f_frsize));
    Some(blocks.saturating_mul(size))
}

/// Bytes free on the filesystem of `path`: not told on this system.
#[cfg(not(unix))]
pub fn free_bytes(_path: &Path) -> Option<u64> {
    None
}

/// The problem with `site_dir` when it is no site folder: missing, or
/// without a `site.toml`. Names the folder looked in (absolute, so that
/// `.` says where it is); `how` says how this command is given a folder.
pub fn not_a_site(site_dir: &Path, how: &str) -> Option<Diagnostic> {
    let shown = std::path::absolute(site_dir).unwrap_or_else(|_| site_dir.to_path_buf());
    let help = format!(
        "{how}, or run the command in the site folder (the one holding site.toml); \
         `toolrisk init DIR` makes a new site"
    );
    if !site_dir.is_dir() {
        let what = if site_dir.exists() {
            "that is a file, not a folder"
        } else {
            "there is no such folder"
        };
        return Some(Diagnostic::new(format!("no site at {}: {what}", shown.display())).help(help));
    }
    if !site_dir.join(crate::layout::SITE_TOML).exists() {
        return Some(
            Diagnostic::new(format!(
                "no site at {}: the folder has no site.toml",
                shown.display()
            ))
            .help(help),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn free_bytes_reads_the_filesystem_of_a_path() {
        let dir = tempfile::tempdir().unwrap();
        assert!(super::free_bytes(dir.path()).is_some_and(|b| b > 0));
        assert_eq!(super::free_bytes(&dir.path().join("missing")), None);
    }
}
