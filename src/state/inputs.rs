//! The stamps of a site's input files: the length and modification time
//! of each, and a hash of the bytes of one modified too recently for its
//! time to tell a second save from the first.

use std::path::Path;
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A file modified this close to being stamped is stamped with a hash of
/// its bytes.
const RACY: Duration = Duration::from_secs(2);

/// Such a file larger than this is not read to be hashed (the build may
/// refuse to read it at all): it is stamped as changed instead.
pub const RACY_HASH_LIMIT: u64 = 4 * 1024 * 1024;

/// What is known of an input file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    /// Nanoseconds since the Unix epoch; 0 for "changed, whatever it
    /// holds".
    pub modified: u128,
    /// For a file modified within [`RACY`] of being stamped, a hash of its
    /// bytes ([`content_hash`]).
    pub hash: Option<u64>,
}

impl Stamp {
    /// True when the file stamped `self` then and `now` now (at `path`)
    /// has not changed.
    pub fn unchanged(&self, now: &Stamp, path: &Path) -> bool {
        if self.len != now.len || (self.modified == 0 && self.hash.is_none()) {
            return false;
        }
        match self.hash {
            Some(hash) => now.hash.or_else(|| hash_file(path)) == Some(hash),
            None => self.modified == now.modified,
        }
    }
}

/// A hash of a file's bytes; the same within one build of the program
/// (a state is only read by the program that wrote it).
fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn hash_file(path: &Path) -> Option<u64> {
    std::fs::read(path).ok().map(|b| content_hash(&b))
}

/// Every input file of a site, by path relative to the site folder
/// (`/`-separated), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub files: Vec<(String, Stamp)>,
}

/// The folders (and file) a site is built from.
use crate::layout::INPUT_ROOTS;

impl Inputs {
    /// Stamps every input file of the site. `None` when a file or folder
    /// cannot be read: the build then neither uses nor keeps a state.
    pub fn stamp(site_dir: &Path) -> Option<Inputs> {
        let now = SystemTime::now();
        let mut files = Vec::new();
        let mut racy_files = Vec::new();
        for root in INPUT_ROOTS {
            let path = site_dir.join(root);
            if !path.exists() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&path).follow_links(true) {
                let entry = entry.ok()?;
                if entry.file_type().is_dir() {
                    continue;
                }
                let meta = entry.metadata().ok()?;
                let relative = entry.path().strip_prefix(site_dir).ok()?;
                let name = relative.to_str()?.replace('\\', "/");
                let modified = meta.modified().ok()?;
                let racy = now.duration_since(modified).map_or(true, |age| age < RACY);
                let modified = if racy && meta.len() > RACY_HASH_LIMIT {
                    0
                } else {
                    if racy {
                        racy_files.push(files.len());
                    }
                    modified
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .ok()?
                        .as_nanos()
                };
                files.push((
                    name,
                    Stamp {
                        len: meta.len(),
                        modified,
                        hash: None,
                    },
                ));
            }
        }
        let hashes: Option<Vec<u64>> = racy_files
            .par_iter()
            .map(|&i| hash_file(&site_dir.join(&files[i].0)))
            .collect();
        for (i, hash) in racy_files.into_iter().zip(hashes?) {
            files[i].1.hash = Some(hash);
        }
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Some(Inputs { files })
    }
}
