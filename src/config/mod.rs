//! `site.toml`: the site's settings, categories and classification rules.
//!
//! Owns parsing and validating the settings file and merging it over the
//! built-in category table (`src/builtin/categories.toml`). It knows nothing
//! about servers or tools; the classifier and policy builder read the
//! [`Category`] values it produces.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Diagnostic, Diagnostics, line_col};

mod categories;
mod policy;
mod rules;
mod type_errors;
use categories::merge_categories;
pub use policy::PolicySettings;
pub use rules::is_whole_words;
use rules::{PhraseIndex, word_index};

/// The built-in categories, merged under whatever site.toml says.
pub const BUILTIN_CATEGORIES: &str = include_str!("../builtin/categories.toml");

/// The order in which the built-in categories are listed.
pub const BUILTIN_ORDER: [&str; 6] = [
    "read",
    "write",
    "execute",
    "destructive",
    "financial",
    "other",
];

/// Risk levels, least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    /// Every level, least severe first.
    pub const ALL: [Risk; 4] = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical];

    /// The level's name as written in files and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    /// Parses a level name.
    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The next level up, saturating at critical.
    pub fn raised(self) -> Risk {
        match self {
            Risk::Low => Risk::Medium,
            Risk::Medium => Risk::High,
            Risk::High | Risk::Critical => Risk::Critical,
        }
    }

    /// What the level means, in one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Risk::Low => "Mistakes are cheap: nothing changes, or the change is trivially undone.",
            Risk::Medium => "Changes data in ways that can usually be undone, given time.",
            Risk::High => {
                "Runs actions whose effect cannot be checked in advance; damage is possible."
            }
            Risk::Critical => "Mistakes cannot be undone: data is lost or money moves.",
        }
    }
}

/// What the recommended policy does with a category's tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyAction {
    /// Listed and allowed without conditions.
    Allow,
    /// Allowed, at most `max` calls per `window`.
    Limit,
    /// Removed from `tools/list` and denied.
    Hide,
    /// Listed, but every call is denied with `on_deny`.
    Deny,
    /// Listed, and each call waits for a person to approve it; denied with
    /// `on_deny` when no approval comes. Limited like `Limit` as well.
    Approve,
}

/// A rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    /// The window's name as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Minute => "minute",
            Window::Hour => "hour",
            Window::Day => "day",
        }
    }
}

/// One category of tools, with its risk level, policy and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub name: String,
    pub risk: Risk,
    pub meaning: String,
    pub policy: PolicyAction,
    pub max: u32,
    pub window: Window,
    /// Further caps for a limited or approved tool: calls per hour and per
    /// day, on the same counter (a job runner at 10 a minute would
    /// otherwise run 14,400 times a day).
    pub per_hour: Option<u32>,
    pub per_day: Option<u32>,
    pub on_deny: String,
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    pub params: Vec<String>,
}

/// A category as written in TOML; every field optional so site.toml can
/// override only what it needs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryPatch {
    risk: Option<Risk>,
    meaning: Option<String>,
    policy: Option<PolicyAction>,
    max: Option<u32>,
    window: Option<Window>,
    per_hour: Option<u32>,
    per_day: Option<u32>,
    on_deny: Option<String>,
    words: Option<Vec<String>>,
    phrases: Option<Vec<String>>,
    params: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    categories: BTreeMap<String, CategoryPatch>,
}

/// Limits on input size, so that a hostile or broken catalogue is refused
/// with a clear error instead of exhausting the machine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputLimits {
    /// Largest server record file, in bytes.
    pub max_record_bytes: u64,
    /// Largest markdown file (attack entry or page), in bytes.
    pub max_markdown_bytes: u64,
    /// Longest tool description kept, in bytes; longer ones are cut with a warning.
    pub max_description_bytes: usize,
    /// Most tools on one server.
    pub max_tools_per_server: usize,
    /// Longest tool name, in characters (MCP recommends at most 128).
    pub max_name_chars: usize,
    /// Longest tool title, in characters.
    pub max_title_chars: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_record_bytes: 32 * 1024 * 1024,
            max_markdown_bytes: 4 * 1024 * 1024,
            max_description_bytes: 64 * 1024,
            max_tools_per_server: 20_000,
            max_name_chars: 128,
            max_title_chars: 256,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    base_url: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default = "yes")]
    minify: bool,
    #[serde(default)]
    compress: bool,
    #[serde(default = "default_per_page")]
    per_page: usize,
    #[serde(default)]
    date: Option<toml::value::Datetime>,
    #[serde(default)]
    limits: InputLimits,
    #[serde(default)]
    categories: BTreeMap<String, CategoryPatch>,
    #[serde(default)]
    search: SearchSettings,
    #[serde(default)]
    review: ReviewSettings,
    #[serde(default)]
    policy: PolicySettings,
    #[serde(default)]
    extra: toml::Table,
}

/// `[review]`: the queue of tools whose classification is uncertain
/// (`/review/` and `toolrisk check --review`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewSettings {
    /// Tools classified with a confidence below this are listed (0 to 1).
    pub below: f64,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings { below: 0.6 }
    }
}

/// `[search]`: the static search index and the search boxes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// Build the index and show the search boxes (default true).
    pub enabled: bool,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings { enabled: true }
    }
}

fn default_language() -> String {
    "en".into()
}
fn yes() -> bool {
    true
}
fn default_per_page() -> usize {
    100
}

/// The site's settings, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Always ends with `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/docs/`), for root-relative links.
    pub base_path: String,
    pub language: String,
    pub minify: bool,
    /// Write `.br` and `.gz` twins of every text file (`compress = true`).
    pub compress: bool,
    pub per_page: usize,
    /// The catalogue date set in site.toml, as `YYYY-MM-DD`.
    pub date: Option<String>,
    pub limits: InputLimits,
    pub search: SearchSettings,
    pub review: ReviewSettings,
    pub policy: PolicySettings,
    /// Categories in display order: the built-in ones, then added ones by name.
    pub categories: Vec<Category>,
    pub extra: serde_json::Value,
    /// Name word → the categories whose `words` hold it (config order).
    word_index: std::collections::HashMap<String, Vec<usize>>,
    /// Every category's description phrases, found in one pass.
    phrase_index: PhraseIndex,
}

impl Config {
    /// Reads `site.toml` from the site folder.
    pub fn load(site_dir: &Path) -> Result<Config, Diagnostics> {
        if let Some(d) = crate::fs::not_a_site(site_dir, "give the site folder as an argument") {
            return Err(d.into());
        }
        let path = site_dir.join(crate::layout::SITE_TOML);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::in_file("site.toml", format!("cannot read the site settings: {e}"))
                .help("check that the file can be read")
        })?;
        Config::parse(&text)
    }

    /// Parses the text of `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostics> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| type_errors::all(text, toml_diagnostic("site.toml", text, &e)))?;
        let mut problems = Diagnostics::new();

        let base_url = if raw.base_url.ends_with('/') {
            raw.base_url.clone()
        } else {
            format!("{}/", raw.base_url)
        };
        if base_url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\{}|^".contains(c))
        {
            problems.push(
                Diagnostic::in_file(
                    "site.toml",
                    format!(
                        "base_url `{}` contains a character that is not allowed in a URL",
                        raw.base_url
                    ),
                )
                .help("percent-encode spaces and quotes, e.g. %20"),
            );
        }
        let base_path = match base_url.split_once("://") {
            Some((scheme, rest)) if scheme == "http" || scheme == "https" => rest
                .find('/')
                .map_or("/".to_string(), |i| rest[i..].to_string()),
            _ => {
                problems.push(
                    Diagnostic::in_file(
                        "site.toml",
                        format!("base_url `{}` is not an absolute http(s) URL", raw.base_url),
                    )
                    .help("write it like base_url = \"https://example.com/\""),
                );
                "/".to_string()
            }
        };
        if let Some(d) = &raw.date
            && (d.date.is_none() || d.time.is_some())
        {
            problems.push(
                Diagnostic::in_file("site.toml", format!("date `{d}` is not a calendar date"))
                    .help("write it as date = 2026-11-01"),
            );
        }
        if !(0.0..=1.0).contains(&raw.review.below) {
            problems.push(
                Diagnostic::in_file(
                    "site.toml",
                    format!(
                        "[review] below = {} is not between 0 and 1",
                        raw.review.below
                    ),
                )
                .help("write it as a confidence, for example below = 0.6"),
            );
        }
        raw.policy.check(&mut problems);
        if raw.per_page == 0 {
            problems.push(Diagnostic::in_file(
                "site.toml",
                "per_page must be at least 1",
            ));
        }

        let categories = merge_categories(raw.categories, &mut problems);
        problems.into_result()?;
        Ok(Config {
            title: raw.title,
            description: raw.description,
            base_url,
            base_path,
            language: raw.language,
            minify: raw.minify,
            compress: raw.compress,
            per_page: raw.per_page.max(1),
            date: raw.date.map(|d| d.to_string()),
            limits: raw.limits,
            search: raw.search,
            review: raw.review,
            policy: raw.policy,
            word_index: word_index(&categories),
            phrase_index: PhraseIndex::new(&categories),
            categories,
            extra: serde_json::to_value(raw.extra).unwrap_or_default(),
        })
    }

    /// The categories whose name words include `token`, or its singular
    /// when `token` ends in `s` (`refunds` matches `refund`).
    pub fn categories_of_word(&self, token: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.word_index.get(token).cloned().unwrap_or_default();
        if let Some(singular) = token.strip_suffix('s')
            && let Some(more) = self.word_index.get(singular)
        {
            out.extend(more);
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// For each category, for each of its phrases, whether `text` holds the
    /// phrase as whole words (not inside a longer word).
    pub fn phrases_in(&self, text: &str) -> Vec<Vec<bool>> {
        self.phrase_index.find(text)
    }

    /// The category called `name`.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// The index of the category called `name`.
    pub fn category_index(&self, name: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.name == name)
    }

    /// The names of every category, for error messages.
    pub fn category_names(&self) -> String {
        self.categories
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Turns a TOML error into a diagnostic with line and column.
pub fn toml_diagnostic(file: impl AsRef<Path>, text: &str, e: &toml::de::Error) -> Diagnostic {
    let mut d = Diagnostic::in_file(file, e.message().trim().to_string());
    if let Some(span) = e.span() {
        let (line, col) = line_col(text, span.start);
        d = d.at(line, col);
    }
    d
}

#[cfg(test)]
mod tests;
