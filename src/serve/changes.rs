//! Classifying file changes: which part of the site a changed path belongs
//! to, and what a batch of changes requires. Pure functions with table tests;
//! the watcher and rebuild loop act on the [`Plan`].

use std::path::{Component, Path};

/// What a changed path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `site.toml`.
    Config,
    /// `content/servers/<slug>.json`.
    Server(String),
    /// `content/attacks/<slug>.md`.
    Attack(String),
    /// `content/pages/<slug>.md`.
    Page(String),
    /// `templates/<name>`.
    Template(String),
    /// `static/<path>`.
    Static(String),
    /// Anything else (editor swap files, the output folder, `.git`, …).
    Ignored,
}

/// Classifies a path relative to the site folder.
pub fn classify(relative: &Path) -> Change {
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let Some(file) = parts.last() else {
        return Change::Ignored;
    };
    if is_editor_noise(file) {
        return Change::Ignored;
    }
    let stem = |ext: &str| file.strip_suffix(ext).map(str::to_string);
    match parts
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["site.toml"] => Change::Config,
        ["content", "servers", _] => stem(".json").map_or(Change::Ignored, Change::Server),
        ["content", "attacks", _] => stem(".md").map_or(Change::Ignored, Change::Attack),
        ["content", "pages", _] => stem(".md").map_or(Change::Ignored, Change::Page),
        ["templates", rest @ ..] if !rest.is_empty() => Change::Template(rest.join("/")),
        ["static", rest @ ..] if !rest.is_empty() => Change::Static(rest.join("/")),
        _ => Change::Ignored,
    }
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

/// What a batch of changes requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Load the whole site again: site.toml, an attack entry or a page changed.
    pub reload: bool,
    /// Recompile the templates and render every page.
    pub templates: bool,
    /// Server records to reload alone, by slug.
    pub servers: Vec<String>,
    /// Static files to copy (or remove) alone, site-relative under `static/`.
    pub statics: Vec<String>,
}

impl Plan {
    /// True when nothing needs doing.
    pub fn is_empty(&self) -> bool {
        !self.reload && !self.templates && self.servers.is_empty() && self.statics.is_empty()
    }

    /// Adds the work of `other` (e.g. a failed rebuild's, to try again).
    pub fn merge(&mut self, other: &Plan) {
        self.reload |= other.reload;
        self.templates |= other.templates;
        for (mine, theirs) in [
            (&mut self.servers, &other.servers),
            (&mut self.statics, &other.statics),
        ] {
            mine.extend(theirs.iter().cloned());
            mine.sort();
            mine.dedup();
        }
    }
}

/// Folds a batch of changes into a plan.
pub fn plan(changes: &[Change]) -> Plan {
    let mut p = Plan::default();
    for c in changes {
        match c {
            Change::Config | Change::Attack(_) | Change::Page(_) => p.reload = true,
            Change::Template(_) => p.templates = true,
            Change::Server(slug) => p.servers.push(slug.clone()),
            Change::Static(path) => p.statics.push(path.clone()),
            Change::Ignored => {}
        }
    }
    for list in [&mut p.servers, &mut p.statics] {
        list.sort();
        list.dedup();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        let cases: &[(&str, Change)] = &[
            ("site.toml", Change::Config),
            (
                "content/servers/github.json",
                Change::Server("github".into()),
            ),
            ("content/servers/notes.txt", Change::Ignored),
            (
                "content/attacks/rug-pull.md",
                Change::Attack("rug-pull".into()),
            ),
            ("content/pages/about.md", Change::Page("about".into())),
            ("templates/tool.html", Change::Template("tool.html".into())),
            (
                "templates/partials/policy.html",
                Change::Template("partials/policy.html".into()),
            ),
            ("static/img/logo.svg", Change::Static("img/logo.svg".into())),
            ("content/servers/.github.json.swp", Change::Ignored),
            ("content/servers/github.json~", Change::Ignored),
            ("templates/4913", Change::Ignored),
            ("public/index.html", Change::Ignored),
            ("Cargo.toml", Change::Ignored),
            ("content/servers/nested/x.json", Change::Ignored),
        ];
        for (path, want) in cases {
            assert_eq!(&classify(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn plans_fold_changes() {
        let cases: Vec<(Vec<Change>, Plan)> = vec![
            (vec![Change::Ignored], Plan::default()),
            (
                vec![
                    Change::Static("a.css".into()),
                    Change::Static("a.css".into()),
                ],
                Plan {
                    statics: vec!["a.css".into()],
                    ..Plan::default()
                },
            ),
            (
                vec![
                    Change::Server("x".into()),
                    Change::Static("b".into()),
                    Change::Server("x".into()),
                ],
                Plan {
                    servers: vec!["x".into()],
                    statics: vec!["b".into()],
                    ..Plan::default()
                },
            ),
            (
                vec![Change::Template("tool.html".into())],
                Plan {
                    templates: true,
                    ..Plan::default()
                },
            ),
            (
                vec![Change::Attack("a".into()), Change::Server("x".into())],
                Plan {
                    reload: true,
                    servers: vec!["x".into()],
                    ..Plan::default()
                },
            ),
            (
                vec![Change::Config],
                Plan {
                    reload: true,
                    ..Plan::default()
                },
            ),
            (
                vec![Change::Page("about".into())],
                Plan {
                    reload: true,
                    ..Plan::default()
                },
            ),
        ];
        for (changes, want) in cases {
            assert_eq!(plan(&changes), want, "{changes:?}");
        }
        assert!(plan(&[Change::Ignored]).is_empty());
    }

    #[test]
    fn a_failed_plan_merges_into_the_next() {
        let mut next = plan(&[Change::Server("b".into())]);
        next.merge(&plan(&[
            Change::Server("a".into()),
            Change::Server("b".into()),
        ]));
        assert_eq!(next.servers, vec!["a".to_string(), "b".to_string()]);
        assert!(!next.reload && !next.templates);
        next.merge(&plan(&[Change::Template("x.html".into())]));
        assert!(next.templates);
    }
}
