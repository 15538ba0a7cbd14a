//! Attack entries (`content/attacks/*.md`) and free-form pages
//! (`content/pages/*.md`): TOML front matter, markdown body, shortcodes.
//!
//! Owns splitting front matter from the body, checking the front matter,
//! rendering the body through [`crate::markdown::trusted`], and finding
//! shortcodes with their line numbers. Shortcodes are left as placeholders
//! in the HTML; the renderer fills them, since they need the catalogue and
//! the templates. References to servers and tools are checked against the
//! catalogue by [`crate::catalogue::check_references`].

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::config::{Config, Risk, toml_diagnostic};
use crate::error::{Diagnostic, Diagnostics, line_col};
use crate::fs::{SiteFile, list_files, read_text};
use crate::markdown;

/// An attack-pattern entry.
#[derive(Debug, Clone)]
pub struct Attack {
    pub slug: String,
    pub file: PathBuf,
    pub title: String,
    pub class: String,
    pub severity: Risk,
    pub categories: Vec<String>,
    /// The evidence a tool of those categories must show for the entry to
    /// apply (`signals` in the front matter); `None` takes the class's
    /// (see `catalogue::index::signals`).
    pub signals: Option<Vec<crate::classify::signals::Signal>>,
    /// Explicit `server/tool` references, with their line in the file.
    pub tools: Vec<(String, usize)>,
    pub summary: String,
    pub date: Option<String>,
    pub body_html: String,
}

/// A free-form page.
#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub file: PathBuf,
    pub title: String,
    pub description: String,
    /// HTML with shortcode placeholders (see [`placeholder`]).
    pub body_html: String,
    pub shortcodes: Vec<Shortcode>,
}

/// A shortcode call found in a page body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcode {
    pub kind: ShortcodeKind,
    /// The `server/tool` or `server` reference.
    pub target: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// The three shortcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortcodeKind {
    Policy,
    ToolCard,
    ServerPolicy,
}

/// The JSON Schema of an attack entry's front matter, as far as a schema
/// can say it (published at `/schema/attack.schema.json`).
pub const ATTACK_SCHEMA: &str = include_str!("builtin/attack.schema.json");

/// An attack entry's front matter; [`ATTACK_SCHEMA`] describes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttackFront {
    title: String,
    class: String,
    severity: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    tools: Vec<String>,
    #[serde(default)]
    signals: Option<Vec<String>>,
    summary: String,
    #[serde(default)]
    date: Option<toml::value::Datetime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFront {
    title: String,
    #[serde(default)]
    description: String,
}

/// The placeholder left in page HTML for shortcode number `i`.
pub fn placeholder(i: usize) -> String {
    format!("toolrisk-shortcode-{i}-placeholder")
}

/// Splits `+++` front matter from the body. Returns (front matter, body,
/// line where the front matter starts).
fn split_front_matter<'a>(
    file: &Path,
    text: &'a str,
) -> Result<(&'a str, &'a str, usize), Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        return Err(Diagnostic::in_file(file, "the file does not start with `+++` front matter")
            .at(1, 1)
            .help("begin the file with a `+++` line, the TOML settings (title = \"...\"), and another `+++` line"));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok((&rest[..offset], &rest[offset + line.len()..], 2));
        }
        offset += line.len();
    }
    Err(
        Diagnostic::in_file(file, "the front matter is never closed")
            .at(1, 1)
            .help("end the TOML settings with a line containing only `+++`"),
    )
}

fn front_matter_error(
    file: &Path,
    front: &str,
    start_line: usize,
    e: &toml::de::Error,
) -> Diagnostic {
    let mut d = toml_diagnostic(file, front, e);
    d.message = format!("bad front matter: {}", d.message);
    if let Some(line) = d.line {
        d.line = Some(line + start_line - 1);
    } else {
        d.line = Some(start_line);
    }
    d
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |i| line_col(text, i).0)
}

/// Parses one attack entry from its text.
pub fn parse_attack(
    slug: &str,
    file: &Path,
    text: &str,
    config: &Config,
) -> Result<Attack, Diagnostics> {
    let (attack, problems) = parse_attack_and_problems(slug, file, text, config)?;
    problems.into_result()?;
    Ok(attack)
}

/// Parses one attack entry, returning it with the problems that still
/// leave it readable (an unknown severity or category, a script link), so
/// that the references it makes are checked in the same run.
fn parse_attack_and_problems(
    slug: &str,
    file: &Path,
    text: &str,
    config: &Config,
) -> Result<(Attack, Diagnostics), Diagnostics> {
    let (front, body, start) = split_front_matter(file, text)?;
    let fm: AttackFront =
        toml::from_str(front).map_err(|e| front_matter_error(file, front, start, &e))?;
    let mut problems = Diagnostics::new();
    let severity = Risk::parse(&fm.severity).unwrap_or_else(|| {
        problems.push(
            Diagnostic::in_file(
                file,
                format!(
                    "unknown severity `{}`; expected one of `low`, `medium`, `high`, `critical`",
                    fm.severity
                ),
            )
            .at_line(line_of(text, "severity")),
        );
        Risk::Medium
    });
    for c in &fm.categories {
        if config.category(c).is_none() {
            problems.push(
                Diagnostic::in_file(
                    file,
                    format!(
                        "unknown category `{c}`; expected one of {}",
                        config.category_names()
                    ),
                )
                .at_line(line_of(text, &format!("\"{c}\""))),
            );
        }
    }
    let signals = fm.signals.as_ref().map(|names| {
        names
            .iter()
            .filter_map(|n| {
                let s = crate::classify::signals::parse(n);
                if s.is_none() {
                    problems.push(
                        Diagnostic::in_file(
                            file,
                            format!(
                                "unknown signal `{n}`; expected one of {}",
                                crate::classify::signals::names()
                            ),
                        )
                        .at_line(line_of(text, &format!("\"{n}\""))),
                    );
                }
                s
            })
            .collect()
    });
    problems.extend(script_link_problems(file, text, body));
    let tools = fm
        .tools
        .iter()
        .map(|t| (t.clone(), line_of(text, &format!("\"{t}\""))))
        .collect();
    let attack = Attack {
        slug: slug.to_string(),
        file: file.to_path_buf(),
        title: fm.title,
        class: fm.class,
        severity,
        categories: fm.categories,
        signals,
        tools,
        summary: fm.summary,
        date: fm.date.map(|d| d.to_string()),
        body_html: markdown::trusted(body),
    };
    Ok((attack, problems))
}

/// A problem for every link of `body` (a part of `text`) that would run
/// script, at its line and column in the file.
fn script_link_problems(file: &Path, text: &str, body: &str) -> Diagnostics {
    let body_at = text.len() - body.len();
    markdown::script_links(body)
        .into_iter()
        .map(|(offset, url)| {
            let (line, column) = crate::error::line_col(text, body_at + offset);
            Diagnostic::in_file(
                file,
                format!(
                    "the link to `{}` would run script, which the pages' \
                     Content-Security-Policy blocks: it does nothing",
                    crate::text::for_terminal(&url.chars().take(60).collect::<String>())
                ),
            )
            .at(line, column)
            .help("link to an https:// address, or remove the link")
        })
        .collect()
}

/// Parses one page from its text.
pub fn parse_page(slug: &str, file: &Path, text: &str) -> Result<Page, Diagnostics> {
    let (page, problems) = parse_page_and_problems(slug, file, text)?;
    problems.into_result()?;
    Ok(page)
}

/// Parses one page, returning it with the problems that still leave it
/// readable (a script link), so that its shortcodes are checked in the
/// same run.
fn parse_page_and_problems(
    slug: &str,
    file: &Path,
    text: &str,
) -> Result<(Page, Diagnostics), Diagnostics> {
    let (front, body, start) = split_front_matter(file, text)?;
    let fm: PageFront =
        toml::from_str(front).map_err(|e| front_matter_error(file, front, start, &e))?;
    let body_start_line = text[..text.len() - body.len()].lines().count() + 1;
    let problems = script_link_problems(file, text, body);
    let (body, shortcodes) = extract_shortcodes(file, body, body_start_line)?;
    let page = Page {
        slug: slug.to_string(),
        file: file.to_path_buf(),
        title: fm.title,
        description: fm.description,
        body_html: markdown::trusted(&body),
        shortcodes,
    };
    Ok((page, problems))
}

/// Replaces each `{{ name(arg="value") }}` outside fenced code with a
/// placeholder, recording the calls with their lines.
fn extract_shortcodes(
    file: &Path,
    body: &str,
    first_line: usize,
) -> Result<(String, Vec<Shortcode>), Diagnostics> {
    let mut out = String::with_capacity(body.len());
    let mut found = Vec::new();
    let mut problems = Diagnostics::new();
    let mut fence: Option<String> = None;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let line_no = first_line + i;
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            let inner = rest[start + 2..start + len].trim();
            out.push_str(&rest[..start]);
            match parse_call(inner) {
                Ok((kind, target)) => {
                    out.push_str(&placeholder(found.len()));
                    found.push(Shortcode {
                        kind,
                        target,
                        line: line_no,
                    });
                }
                Err(message) => {
                    problems.push(Diagnostic::in_file(file, message).at_line(line_no).help(
                        "write {{ policy(tool=\"server/tool\") }}, {{ tool_card(tool=\"server/tool\") }} or {{ server_policy(server=\"server\") }}",
                    ));
                }
            }
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
    }
    problems.into_result()?;
    Ok((out, found))
}

fn parse_call(inner: &str) -> Result<(ShortcodeKind, String), String> {
    let Some((name, args)) = inner.split_once('(') else {
        return Err(format!("`{{{{ {inner} }}}}` is not a shortcode call"));
    };
    let args = args
        .trim_end()
        .strip_suffix(')')
        .ok_or_else(|| format!("shortcode `{}` is missing its closing `)`", name.trim()))?;
    let (key, value) = args.split_once('=').ok_or_else(|| {
        format!(
            "shortcode `{}` needs an argument like tool=\"server/tool\"",
            name.trim()
        )
    })?;
    let value = value.trim().trim_matches('"').to_string();
    let (kind, expected_key) = match name.trim() {
        "policy" => (ShortcodeKind::Policy, "tool"),
        "tool_card" => (ShortcodeKind::ToolCard, "tool"),
        "server_policy" => (ShortcodeKind::ServerPolicy, "server"),
        other => {
            return Err(format!(
                "unknown shortcode `{other}`; expected `policy`, `tool_card` or `server_policy`"
            ));
        }
    };
    if key.trim() != expected_key {
        return Err(format!(
            "shortcode `{}` takes `{expected_key}=`, not `{}=`",
            name.trim(),
            key.trim()
        ));
    }
    Ok((kind, value))
}

fn load_markdown<T: Send>(
    site_dir: &Path,
    sub: &str,
    kind: &str,
    config: &Config,
    parse: impl Fn(&str, &SiteFile, &str) -> Result<(T, Diagnostics), Diagnostics> + Sync,
) -> (Vec<T>, Diagnostics) {
    let (files, mut problems) = list_files(
        site_dir,
        sub,
        Some(crate::layout::MARKDOWN_EXTENSION),
        false,
    );
    let results: Vec<_> = files
        .par_iter()
        .map(|f| {
            let text = read_text(f, config.limits.max_markdown_bytes, "max_markdown_bytes")
                .map_err(Diagnostics::from)?;
            let stem = f
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            crate::slug::check_slug(kind, &stem, &f.relative, "md").map_err(Diagnostics::from)?;
            parse(&stem, f, &text)
        })
        .collect();
    let mut items = Vec::new();
    for r in results {
        match r {
            Ok((v, more)) => {
                // Kept, though it has problems: its references are checked
                // in the same run. The problems fail the build all the same.
                items.push(v);
                problems.extend(more);
            }
            Err(d) => problems.extend(d),
        }
    }
    (items, problems)
}

/// Loads every attack entry, sorted by slug.
pub fn load_attacks(site_dir: &Path, config: &Config) -> (Vec<Attack>, Diagnostics) {
    load_markdown(
        site_dir,
        crate::layout::ATTACKS,
        "attack entry",
        config,
        |slug, f, text| parse_attack_and_problems(slug, &f.relative, text, config),
    )
}

/// Loads every page, sorted by slug.
pub fn load_pages(site_dir: &Path, config: &Config) -> (Vec<Page>, Diagnostics) {
    load_markdown(
        site_dir,
        crate::layout::PAGES,
        "page",
        config,
        |slug, f, text| parse_page_and_problems(slug, &f.relative, text),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
    }

    #[test]
    fn signals_are_read_and_an_unknown_one_is_refused_at_its_line() {
        let entry = |signals: &str| {
            format!(
                "+++\ntitle = \"T\"\nclass = \"C\"\nseverity = \"high\"\nsignals = {signals}\nsummary = \"S\"\n+++\nBody.\n"
            )
        };
        let file = Path::new("content/attacks/a.md");
        let ok = parse_attack("a", file, &entry("[\"path\", \"money\"]"), &config()).unwrap();
        assert_eq!(
            ok.signals,
            Some(vec![
                crate::classify::signals::parse("path").unwrap(),
                crate::classify::signals::parse("money").unwrap(),
            ])
        );
        let err = parse_attack("a", file, &entry("[\"path\", \"paths\"]"), &config())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("error 1: content/attacks/a.md:5: unknown signal `paths`; expected one of `code`, `path`"),
            "{err}"
        );
    }

    #[test]
    fn a_script_link_in_an_entry_or_a_page_is_refused_at_its_line() {
        let attack = "+++\ntitle = \"T\"\nclass = \"C\"\nseverity = \"high\"\nsummary = \"S\"\n+++\nIntro.\n\nSee [this](javascript:alert(1)).\n";
        let err = parse_attack("a", Path::new("content/attacks/a.md"), attack, &config())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "error 1: content/attacks/a.md:9:5: the link to `javascript:alert(1)` would run script"
            ) && err.contains("help: link to an https:// address"),
            "{err}"
        );
        let page = "+++\ntitle = \"P\"\n+++\n[x](vbscript:msgbox)\n";
        let err = parse_page("p", Path::new("content/pages/p.md"), page)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("content/pages/p.md:4:1: the link to `vbscript:msgbox`"),
            "{err}"
        );
    }

    #[test]
    fn bad_front_matter_names_the_line() {
        let text = "+++\ntitle = \"x\"\nclass = oops\n+++\nbody";
        let err =
            parse_attack("a", Path::new("content/attacks/a.md"), text, &config()).unwrap_err();
        let s = err.to_string();
        assert!(s.contains("content/attacks/a.md:3:"), "{s}");
        assert!(s.contains("bad front matter"), "{s}");
    }

    #[test]
    fn shortcodes_are_found_with_lines_and_skip_code_fences() {
        let text = "+++\ntitle = \"P\"\n+++\nIntro\n\n{{ policy(tool=\"s/t\") }}\n\n```\n{{ policy(tool=\"x/y\") }}\n```\n{{ server_policy(server=\"s\") }}\n";
        let page = parse_page("p", Path::new("content/pages/p.md"), text).unwrap();
        assert_eq!(
            page.shortcodes,
            vec![
                Shortcode {
                    kind: ShortcodeKind::Policy,
                    target: "s/t".into(),
                    line: 6
                },
                Shortcode {
                    kind: ShortcodeKind::ServerPolicy,
                    target: "s".into(),
                    line: 11
                },
            ]
        );
        assert!(page.body_html.contains(&placeholder(0)));
        assert!(
            page.body_html.contains("{{ policy(tool=\"x/y\") }}"),
            "{}",
            page.body_html
        );
    }

    #[test]
    fn unknown_shortcode_is_an_error() {
        let text = "+++\ntitle = \"P\"\n+++\n{{ polcy(tool=\"s/t\") }}\n";
        let err = parse_page("p", Path::new("p.md"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.md:4: unknown shortcode `polcy`"), "{err}");
    }
}
