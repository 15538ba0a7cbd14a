//! Writing only what differs: the one piece both sinks of a rebuild use
//! (serve's preview, [`super::Incremental`], and an incremental build's
//! staging folder, [`super::Staged`]) to tell a file's new bytes from what
//! is there, to track every path a rebuild produced, and to find and
//! remove the stale files, the ones under a prefix the rebuild owns (such
//! as one server's folder) that it did not produce this time.
//!
//! The sinks differ in how they compare ([`Compare`]): the preview keeps a
//! hash of every file it wrote ([`Kept`]), since reading its own files back
//! would cost more than the render; the staging folder begins as hard links
//! to the previous output and compares with the bytes there ([`OnDisk`]),
//! since a build keeps no hashes between runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::tree::{files_under, remove_empty_parents};
use crate::error::Diagnostic;

/// How to tell whether a file's new bytes are what is there already.
pub(super) trait Compare: Sync {
    /// What is noted of each file produced: its hash, or nothing.
    type Mark: Send;
    /// Whether `bytes` are what `path` holds now, and the mark of `bytes`.
    fn same(&self, path: &str, bytes: &[u8]) -> (bool, Self::Mark);
    /// The paths there now that the prefix `owned` covers.
    fn under(&self, owned: &str) -> Result<Vec<String>, Diagnostic>;
}

/// Compares with the bytes of the file on disk under `root`; lists what a
/// prefix covers from the folder ([`files_under`]).
pub(super) struct OnDisk {
    pub root: PathBuf,
}

impl Compare for OnDisk {
    type Mark = ();

    fn same(&self, path: &str, bytes: &[u8]) -> (bool, ()) {
        let same = std::fs::read(self.root.join(path)).is_ok_and(|old| old == bytes);
        (same, ())
    }

    fn under(&self, owned: &str) -> Result<Vec<String>, Diagnostic> {
        files_under(&self.root, owned)
    }
}

/// Compares with the hashes of the files written, kept in memory: ordered,
/// so that the files under a prefix are a range of it, not a scan.
#[derive(Default)]
pub(super) struct Kept {
    pub files: BTreeMap<String, u64>,
}

fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Compare for Kept {
    type Mark = u64;

    fn same(&self, path: &str, bytes: &[u8]) -> (bool, u64) {
        let hash = content_hash(bytes);
        (self.files.get(path) == Some(&hash), hash)
    }

    fn under(&self, owned: &str) -> Result<Vec<String>, Diagnostic> {
        Ok(self
            .files
            .range::<str, _>((std::ops::Bound::Included(owned), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(owned))
            .map(|(k, _)| k.clone())
            .collect())
    }
}

/// Every path a rebuild produced, compared as it is written.
pub(super) struct Differ<C: Compare> {
    pub compare: C,
    produced: Mutex<HashMap<String, C::Mark>>,
}

impl<C: Compare> Differ<C> {
    pub fn new(compare: C) -> Differ<C> {
        Differ {
            compare,
            produced: Mutex::default(),
        }
    }

    /// Notes `path` as produced; true when `bytes` differ from what it
    /// holds, and so must be written.
    pub fn differs(&self, path: &str, bytes: &[u8]) -> bool {
        let (same, mark) = self.compare.same(path, bytes);
        self.produced
            .lock()
            .expect("produced")
            .insert(path.to_string(), mark);
        !same
    }

    /// The files under the prefixes `owned` that this rebuild did not
    /// produce.
    pub fn stale(&self, owned: &[String]) -> Result<BTreeSet<String>, Diagnostic> {
        let produced = self.produced.lock().expect("produced");
        let mut stale = BTreeSet::new();
        for prefix in owned {
            stale.extend(
                self.compare
                    .under(prefix)?
                    .into_iter()
                    .filter(|p| !produced.contains_key(p)),
            );
        }
        Ok(stale)
    }

    /// What the rebuild produced, for the next one to compare with; the
    /// tracking starts again.
    pub fn take(&mut self) -> HashMap<String, C::Mark> {
        std::mem::take(self.produced.get_mut().expect("produced"))
    }
}

/// Removes the files `paths` under `root` and the folders they leave empty
/// (a renamed tool leaves no empty folder behind). Returns the ones
/// removed, and the error that stopped it, if one did; a file already gone
/// is no error.
pub(super) fn remove_files<'p>(
    root: &Path,
    paths: impl IntoIterator<Item = &'p String>,
) -> (Vec<&'p String>, Option<Diagnostic>) {
    let mut removed = Vec::new();
    for path in paths {
        let full = root.join(path);
        match std::fs::remove_file(&full) {
            Ok(()) => {
                removed.push(path);
                remove_empty_parents(root, &full);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let d = Diagnostic::in_file(&full, format!("cannot remove: {e}"));
                return (removed, Some(d));
            }
        }
    }
    (removed, None)
}
