//! The layout of a site folder (CONTENT-FORMAT.md), in one place: where the
//! settings, the server records, the attack entries, the pages, the
//! templates and the static files live, as a [`InputFile`] with its path and
//! its reverse.
//!
//! This is the input side; the output's URL scheme is `routes`. Paths here
//! are relative to the site folder and use `/`. No I/O: loaders, the
//! watcher, the build stamps and import all name a file through this
//! module, so moving a folder is one change.

use std::path::{Path, PathBuf};

/// The site's settings file.
pub const SITE_TOML: &str = "site.toml";
/// The folder of everything written by hand or imported.
pub const CONTENT: &str = "content";
/// The server records: `content/servers/<slug>.json`.
pub const SERVERS: &str = "content/servers";
/// The attack entries: `content/attacks/<slug>.md`.
pub const ATTACKS: &str = "content/attacks";
/// The free-form pages: `content/pages/<slug>.md`.
pub const PAGES: &str = "content/pages";
/// The site's own templates, overriding the built-in ones by name.
pub const TEMPLATES: &str = "templates";
/// Files copied to the output as they are.
pub const STATIC: &str = "static";

/// The extension of a server record.
pub const RECORD_EXTENSION: &str = "json";
/// The extension of an attack entry or a page.
pub const MARKDOWN_EXTENSION: &str = "md";

/// The files and folders of a site folder that a build reads: a change
/// anywhere else does not change the output.
pub const INPUT_ROOTS: [&str; 4] = [SITE_TOML, CONTENT, TEMPLATES, STATIC];

/// The folders of a site folder that hold inputs.
pub const SOURCE_FOLDERS: [&str; 3] = [CONTENT, TEMPLATES, STATIC];

/// A file of a site folder that a build reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFile {
    /// `site.toml`.
    Settings,
    /// A server record, by slug.
    Server(String),
    /// An attack entry, by slug.
    Attack(String),
    /// A page of `content/pages/`, by slug.
    Page(String),
    /// A template, by its path under `templates/`.
    Template(String),
    /// A static file, by its path under `static/`.
    Static(String),
}

impl InputFile {
    /// The path relative to the site folder, with `/` between segments.
    pub fn path(&self) -> String {
        match self {
            InputFile::Settings => SITE_TOML.to_string(),
            InputFile::Server(slug) => format!("{SERVERS}/{slug}.{RECORD_EXTENSION}"),
            InputFile::Attack(slug) => format!("{ATTACKS}/{slug}.{MARKDOWN_EXTENSION}"),
            InputFile::Page(slug) => format!("{PAGES}/{slug}.{MARKDOWN_EXTENSION}"),
            InputFile::Template(name) => format!("{TEMPLATES}/{name}"),
            InputFile::Static(name) => format!("{STATIC}/{name}"),
        }
    }

    /// The path relative to the site folder, as a `PathBuf`.
    pub fn relative(&self) -> PathBuf {
        PathBuf::from(self.path())
    }

    /// The file a path relative to the site folder names, or `None` for a
    /// path a build does not read (a record without the right extension, a
    /// file in a folder of its own under `content/servers/`, anything
    /// outside the inputs).
    pub fn parse(relative: &Path) -> Option<InputFile> {
        let parts: Vec<&str> = relative
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        let slug_of = |file: &str, ext: &str| {
            file.strip_suffix(ext)
                .and_then(|s| s.strip_suffix('.'))
                .map(str::to_string)
        };
        let (&file, folders) = parts.split_last()?;
        let folder = folders.join("/");
        match (folders.first().copied(), folder.as_str()) {
            (None, _) if file == SITE_TOML => Some(InputFile::Settings),
            (_, SERVERS) => slug_of(file, RECORD_EXTENSION).map(InputFile::Server),
            (_, ATTACKS) => slug_of(file, MARKDOWN_EXTENSION).map(InputFile::Attack),
            (_, PAGES) => slug_of(file, MARKDOWN_EXTENSION).map(InputFile::Page),
            (Some(TEMPLATES), _) => Some(InputFile::Template(parts[1..].join("/"))),
            (Some(STATIC), _) => Some(InputFile::Static(parts[1..].join("/"))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_its_paths_reverse() {
        for file in [
            InputFile::Settings,
            InputFile::Server("github".into()),
            InputFile::Attack("rug-pull".into()),
            InputFile::Page("about".into()),
            InputFile::Template("tool.html".into()),
            InputFile::Template("partials/head.html".into()),
            InputFile::Static("img/logo.png".into()),
        ] {
            assert_eq!(InputFile::parse(&file.relative()), Some(file.clone()));
        }
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        assert_eq!(
            InputFile::Server("github".into()).path(),
            "content/servers/github.json"
        );
        assert_eq!(InputFile::Attack("a".into()).path(), "content/attacks/a.md");
        assert_eq!(InputFile::Page("p".into()).path(), "content/pages/p.md");
        assert!(SERVERS.starts_with(CONTENT) && ATTACKS.starts_with(CONTENT));
    }

    #[test]
    fn paths_a_build_does_not_read_are_none() {
        for path in [
            "content/servers/a.md",
            "content/servers/sub/a.json",
            "content/attacks/a.json",
            "content/other/a.md",
            "templates",
            "static",
            "README.md",
            "content/servers/json",
        ] {
            assert_eq!(InputFile::parse(Path::new(path)), None, "{path}");
        }
    }
}
