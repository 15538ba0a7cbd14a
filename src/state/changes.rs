//! What changed since the state was written, from the stamps then and now:
//! nothing, only existing server records, or anything else.

use std::path::Path;

use super::inputs::{Inputs, Stamp, hash_file};

/// What changed since the state was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Nothing: the output is up to date.
    Nothing,
    /// Only these existing server records (slugs).
    Servers(Vec<String>),
    /// Anything else: build everything.
    Everything,
}

/// True when the file stamped `old` then and `new` now (at `path`) has not
/// changed.
fn unchanged(old: &Stamp, new: &Stamp, path: &Path) -> bool {
    if old.len != new.len || (old.modified == 0 && old.hash.is_none()) {
        return false;
    }
    match old.hash {
        Some(hash) => new.hash.or_else(|| hash_file(path)) == Some(hash),
        None => old.modified == new.modified,
    }
}

/// Compares the inputs now (of the site in `site_dir`) with those the state
/// was built from.
pub fn changes(before: &Inputs, now: &Inputs, site_dir: &Path) -> Changes {
    let same_paths = before.files.len() == now.files.len()
        && before.files.iter().zip(&now.files).all(|(a, b)| a.0 == b.0);
    if !same_paths {
        return Changes::Everything;
    }
    let mut servers = Vec::new();
    for ((path, old), (_, new)) in before.files.iter().zip(&now.files) {
        if unchanged(old, new, &site_dir.join(path)) {
            continue;
        }
        match server_slug(path) {
            Some(slug) => servers.push(slug.to_string()),
            None => return Changes::Everything,
        }
    }
    if servers.is_empty() {
        Changes::Nothing
    } else {
        Changes::Servers(servers)
    }
}

/// The slug of a server record's path (`content/servers/<slug>.json`).
pub(super) fn server_slug(path: &str) -> Option<&str> {
    let name = path
        .strip_prefix("content/servers/")?
        .strip_suffix(".json")?;
    (!name.contains('/')).then_some(name)
}
