//! What changed in a site, by kind, and the work it asks for.
//!
//! One [`Changes`] value, made either from the paths the watcher of
//! `toolrisk serve` saw ([`Changes::from_paths`]) or from the stamps a
//! `toolrisk build` kept beside its output and the stamps of the inputs now
//! ([`Changes::from_stamps`]). Its one decision, [`Changes::plan`], says what
//! the [`super::Session`] has to do; the session carries it out
//! ([`super::Session::apply`]) for both commands. Pure functions with table
//! tests.

use std::path::Path;

use crate::layout::InputFile;
use crate::state::Inputs;

/// What changed, by kind. Names are slugs (server records, attack entries,
/// pages) or paths under their folder (templates, static files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// An input of no kind below changed (from the stamps: a file under an
    /// input folder that is none of them): everything is redone.
    pub unknown: bool,
    /// `site.toml`.
    pub config: bool,
    /// `content/attacks/<slug>.md`.
    pub attacks: Vec<String>,
    /// `content/pages/<slug>.md`.
    pub pages: Vec<String>,
    /// `templates/<name>`.
    pub templates: Vec<String>,
    /// `static/<path>`, changed, added or removed.
    pub statics: Vec<String>,
    /// `content/servers/<slug>.json` changed. From the watcher, also one
    /// added or removed: it cannot tell, and the session finds out.
    pub servers: Vec<String>,
    /// Server records added (known from the stamps only).
    pub added_servers: Vec<String>,
    /// Server records removed (known from the stamps only).
    pub removed_servers: Vec<String>,
}

/// The work a set of changes asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Load the whole site again: site.toml, an attack entry, a page, the
    /// set of server records or an input of unknown kind changed.
    pub reload: bool,
    /// Recompile the templates and render every page.
    pub templates: bool,
    /// Server records to reload alone, by slug.
    pub servers: Vec<String>,
    /// Static files to copy (or remove) alone, under `static/`.
    pub statics: Vec<String>,
}

impl Plan {
    /// True when nothing needs doing.
    pub fn is_empty(&self) -> bool {
        !self.reload && !self.templates && self.servers.is_empty() && self.statics.is_empty()
    }

    /// True when the work can be done in an existing output in place of a
    /// full build: changed server records alone. A template or static
    /// file touches every page or any path, and a full build into a new
    /// folder is then no slower than rendering into a copy of the old one.
    pub fn in_place(&self) -> bool {
        !self.reload && !self.templates && self.statics.is_empty() && !self.servers.is_empty()
    }
}

/// Classifies a path relative to the site folder: the input it is
/// (`layout`), or `None` for anything else (editor swap files, the output
/// folder, `.git`, …).
fn classify(relative: &Path) -> Option<InputFile> {
    let file = relative.file_name()?.to_str()?;
    if is_editor_noise(file) {
        return None;
    }
    InputFile::parse(relative)
}

/// Swap, backup and lock files that editors write beside the real one.
fn is_editor_noise(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with('#')
        || name == "4913"
}

/// How a path changed, for the server records, whose set matters.
#[derive(Clone, Copy)]
enum How {
    Changed,
    Added,
    Removed,
}

impl Changes {
    /// The changes the watcher saw, from paths relative to the site
    /// folder. Paths of no kind (editor noise, the output) are left out.
    pub fn from_paths<'p>(relative: impl IntoIterator<Item = &'p Path>) -> Changes {
        let mut changes = Changes::default();
        for path in relative {
            if let Some(file) = classify(path) {
                changes.add(file, How::Changed);
            }
        }
        changes.tidy();
        changes
    }

    /// What changed between the stamps `before` (kept by the last build)
    /// and `now` of the site in `site_dir`. Every stamped file is an input,
    /// so one of no kind is an unknown change.
    pub fn from_stamps(before: &Inputs, now: &Inputs, site_dir: &Path) -> Changes {
        let mut changes = Changes::default();
        let (mut old, mut new) = (before.files.iter().peekable(), now.files.iter().peekable());
        loop {
            let (path, how) = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some((a, sa)), Some((b, sb))) if a == b => {
                    let changed = !sa.unchanged(sb, &site_dir.join(a));
                    old.next();
                    new.next();
                    if !changed {
                        continue;
                    }
                    (a, How::Changed)
                }
                (Some((a, _)), Some((b, _))) if a < b => {
                    old.next();
                    (a, How::Removed)
                }
                (Some((a, _)), None) => {
                    old.next();
                    (a, How::Removed)
                }
                (_, Some((b, _))) => {
                    new.next();
                    (b, How::Added)
                }
            };
            match classify(Path::new(path)) {
                None => changes.unknown = true,
                Some(file) => changes.add(file, how),
            }
        }
        changes.tidy();
        changes
    }

    fn add(&mut self, file: InputFile, how: How) {
        match file {
            InputFile::Settings => self.config = true,
            InputFile::Attack(s) => self.attacks.push(s),
            InputFile::Page(s) => self.pages.push(s),
            InputFile::Template(s) => self.templates.push(s),
            InputFile::Static(s) => self.statics.push(s),
            InputFile::Server(s) => match how {
                How::Changed => self.servers.push(s),
                How::Added => self.added_servers.push(s),
                How::Removed => self.removed_servers.push(s),
            },
        }
    }

    /// Sorts every list and drops repeats.
    fn tidy(&mut self) {
        for list in [
            &mut self.attacks,
            &mut self.pages,
            &mut self.templates,
            &mut self.statics,
            &mut self.servers,
            &mut self.added_servers,
            &mut self.removed_servers,
        ] {
            list.sort();
            list.dedup();
        }
    }

    /// Adds the changes of `other` (e.g. a failed rebuild's, to try again).
    pub fn merge(&mut self, other: &Changes) {
        self.unknown |= other.unknown;
        self.config |= other.config;
        for (mine, theirs) in [
            (&mut self.attacks, &other.attacks),
            (&mut self.pages, &other.pages),
            (&mut self.templates, &other.templates),
            (&mut self.statics, &other.statics),
            (&mut self.servers, &other.servers),
            (&mut self.added_servers, &other.added_servers),
            (&mut self.removed_servers, &other.removed_servers),
        ] {
            mine.extend(theirs.iter().cloned());
        }
        self.tidy();
    }

    /// The work these changes ask for.
    pub fn plan(&self) -> Plan {
        Plan {
            reload: self.unknown
                || self.config
                || !self.attacks.is_empty()
                || !self.pages.is_empty()
                || !self.added_servers.is_empty()
                || !self.removed_servers.is_empty(),
            templates: !self.templates.is_empty(),
            servers: self.servers.clone(),
            statics: self.statics.clone(),
        }
    }
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
