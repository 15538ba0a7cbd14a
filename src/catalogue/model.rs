//! The catalogue model: servers and tools with their classification, URL
//! segments and policies, plus the attack entries and pages.
//!
//! Owns turning loaded records into the model (classifying each tool,
//! assigning URL segments, building policies) and looking things up by
//! reference (`server/tool`). Built once per build, then only read: the
//! renderer borrows it and never changes it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::load::LoadedServer;
use crate::classify::arguments::{Argument, argument_count, arguments};
use crate::classify::poison::reveal;
use crate::classify::{Classification, classify};
use crate::config::{Category, Config, Risk};
use crate::error::Diagnostic;
use crate::policy;
use crate::record::{Annotations, ToolRecord};
use crate::slug::is_device_name;

/// Serde helpers that store a value as its JSON text, for fields (JSON
/// values, maps, records with skipped fields) that a compact binary format
/// (the build state's) cannot describe on its own.
pub mod json_text {
    use serde::de::{DeserializeOwned, Error};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        serde_json::from_str(&text).map_err(D::Error::custom)
    }
}

/// A tool, classified. Its policy is not kept: it follows from the name
/// and the classification ([`Tool::policy`]), and is built where a page
/// shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    /// The raw name, as the server lists it; the policy key.
    pub name: String,
    /// The name as pages show it: hidden characters made visible as `[U+XXXX]`.
    pub shown_name: String,
    /// The URL segment under the server's folder.
    pub slug: String,
    pub title: Option<String>,
    /// The description, cut to the configured length; may be empty.
    pub description: String,
    /// The description as plain text (markdown removed), computed once.
    pub plain_description: String,
    /// The first sentence of the plain description, for lists.
    pub summary: String,
    pub annotations: Option<Annotations>,
    /// The input schema's top-level arguments, with the risk each carries.
    pub arguments: Vec<Argument>,
    /// How many top-level arguments the schema has (more than `arguments`
    /// holds when the schema was cut at
    /// [`crate::classify::arguments::MAX_ARGUMENTS`]).
    pub argument_count: usize,
    pub class: Classification,
    /// The definition's recorded changes, when the record has a history.
    pub history: Option<crate::catalogue::changes::ToolHistory>,
}

impl Tool {
    /// The name shown to readers: `title`, then `annotations.title`, then
    /// `name`, hidden characters made visible.
    pub fn display_name(&self) -> &str {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| {
                self.annotations
                    .as_ref()
                    .and_then(|a| a.title.as_deref())
                    .filter(|t| !t.trim().is_empty())
            })
            .unwrap_or(&self.shown_name)
    }

    /// The risk level.
    pub fn risk(&self) -> Risk {
        self.class.risk
    }

    /// The tool's policy.json document under the site's categories.
    pub fn policy(&self, config: &Config) -> Value {
        policy::tool_policy(
            policy::ToolInput {
                name: &self.name,
                category: &policy_category(&self.class, config),
                arguments: &self.arguments,
            },
            &config.policy,
        )
    }
}

/// A server and its tools, in the record's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Server {
    pub slug: String,
    pub name: String,
    pub repository: Option<String>,
    pub description: String,
    pub homepage: Option<String>,
    pub checked: Option<String>,
    #[serde(with = "json_text")]
    pub extra: serde_json::Map<String, Value>,
    pub file: PathBuf,
    pub tools: Vec<Tool>,
    /// Tools added and removed by imports, oldest first.
    pub history: Vec<crate::catalogue::changes::ServerEvent>,
}

impl Server {
    /// The whole server's policy.json document under the site's categories.
    pub fn policy(&self, config: &Config) -> Value {
        let categories: Vec<Cow<Category>> = self
            .tools
            .iter()
            .map(|t| policy_category(&t.class, config))
            .collect();
        policy::server_policy(
            self.tools
                .iter()
                .zip(&categories)
                .map(|(t, c)| policy::ToolInput {
                    name: &t.name,
                    category: c.as_ref(),
                    arguments: &t.arguments,
                }),
            &config.policy,
        )
    }

    /// The server's highest tool risk, `None` when it has no tools.
    pub fn overall_risk(&self) -> Option<Risk> {
        self.tools.iter().map(Tool::risk).max()
    }

    /// Finds a tool by raw name or URL segment.
    pub fn tool(&self, name_or_slug: &str) -> Option<usize> {
        self.tools
            .iter()
            .position(|t| t.name == name_or_slug)
            .or_else(|| self.tools.iter().position(|t| t.slug == name_or_slug))
    }
}

/// A tool's address in the catalogue: (server index, tool index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ToolId {
    pub server: u32,
    pub tool: u32,
}

/// Builds the model of one server from its loaded record.
pub fn build_server(loaded: LoadedServer, config: &Config) -> (Server, Vec<Diagnostic>) {
    let LoadedServer {
        slug,
        file,
        record,
        mut warnings,
    } = loaded;
    let segments = assign_segments(&record.tools);
    for (i, seg) in segments.iter().enumerate() {
        if seg.renamed {
            warnings.push(Diagnostic::in_file(
                &file,
                format!(
                    "tool `{}` would share its URL with another tool of this server (or a reserved name); its pages are at `{}/` instead",
                    record.tools[i].name, seg.slug
                ),
            ));
        }
    }
    let tools: Vec<Tool> = record
        .tools
        .into_iter()
        .zip(segments)
        .map(|(t, seg)| build_tool(t, seg.slug, &slug, config))
        .collect();
    let server = Server {
        slug,
        name: reveal(record.name.trim()).into_owned(),
        repository: record.repository.filter(|r| !r.trim().is_empty()),
        description: reveal(record.description.as_deref().unwrap_or_default().trim()).into_owned(),
        homepage: record.homepage.filter(|h| !h.trim().is_empty()),
        checked: record.checked,
        extra: record.extra,
        file,
        tools,
        history: record.history.iter().map(Into::into).collect(),
    };
    (server, warnings)
}

fn build_tool(record: ToolRecord, slug: String, server_slug: &str, config: &Config) -> Tool {
    let mut class = classify(&record, server_slug, config);
    let arguments = arguments(&record, &config.categories[class.category].name);
    let argument_count = argument_count(&record);
    let history = crate::catalogue::changes::read(&record, server_slug, config);
    if let Some(f) = history
        .as_ref()
        .and_then(crate::catalogue::changes::after_review_finding)
    {
        // Flagged like a poisoning marker: risk raised, policy hidden.
        if !class.is_poisoned() {
            let raised = class.risk.raised().max(Risk::High);
            class.risk_evidence.push(crate::classify::Evidence {
                source: crate::classify::Source::Poisoning,
                quote: f.quote.clone(),
                note: format!(
                    "a change to the definition after it was recorded raises the risk from {} to {}, and the recommended policy hides the tool until the change is reviewed",
                    class.risk.as_str(),
                    raised.as_str()
                ),
            });
            class.risk = raised;
        }
        class.findings.push(f);
    }
    let mut description = reveal(record.description.as_deref().unwrap_or("")).into_owned();
    if description.len() > config.limits.max_description_bytes {
        let mut cut = config.limits.max_description_bytes;
        while !description.is_char_boundary(cut) {
            cut -= 1;
        }
        description.truncate(cut);
        description.push('…');
    }
    let mut annotations = record.annotations;
    if let Some(t) = annotations.as_mut().and_then(|a| a.title.as_mut()) {
        *t = reveal(t).into_owned();
    }
    let plain_description = crate::markdown::plain_text(&description);
    let summary = crate::text::one_line(&plain_description, 140);
    Tool {
        plain_description,
        summary,
        shown_name: reveal(&record.name).into_owned(),
        name: record.name,
        slug,
        title: record.title.map(|t| reveal(&t).into_owned()),
        description,
        annotations,
        arguments,
        argument_count,
        class,
        history,
    }
}

/// Builds every server in parallel, in slug order.
pub fn build_servers(loaded: Vec<LoadedServer>, config: &Config) -> (Vec<Server>, Vec<Diagnostic>) {
    let mut built: Vec<(Server, Vec<Diagnostic>)> = loaded
        .into_par_iter()
        .map(|l| build_server(l, config))
        .collect();
    built.sort_by(|a, b| a.0.slug.cmp(&b.0.slug));
    let mut warnings = Vec::new();
    let servers = built
        .into_iter()
        .map(|(s, w)| {
            warnings.extend(w);
            s
        })
        .collect();
    (servers, warnings)
}

/// The category whose policy rule applies: the tool's own, except that a
/// poisoned record is hidden whatever its category.
fn policy_category<'c>(class: &Classification, config: &'c Config) -> Cow<'c, Category> {
    let category = &config.categories[class.category];
    if class.is_poisoned() {
        Cow::Owned(Category {
            policy: crate::config::PolicyAction::Hide,
            ..category.clone()
        })
    } else {
        Cow::Borrowed(category)
    }
}

pub(crate) struct Segment {
    pub(crate) slug: String,
    pub(crate) renamed: bool,
}

/// URL segments reserved under a server's folder, or unsafe as file names.
fn is_reserved(lower: &str) -> bool {
    crate::routes::IN_PAGE_FOLDER.contains(&lower)
        || is_device_name(lower)
        || lower.ends_with('.')
        || lower.starts_with('.')
}

/// The URL segment a tool name asks for, before collisions are resolved:
/// the name itself where it fits MCP's recommended charset, else a slug.
pub fn natural_segment(name: &str) -> String {
    let fits = !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if fits {
        return name.to_string();
    }
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 100 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "tool".into() } else { out }
}

/// The stem a taken or reserved segment is numbered from: the natural segment
/// without the leading and trailing dots that no suffix can make safe
/// (`.x` stays reserved whatever follows it), or `tool` when nothing is left.
fn numbering_base(natural: &str) -> String {
    let trimmed = natural.trim_matches('.');
    if trimmed.is_empty() {
        "tool".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The first `base-N` (N = 2, 3, …) that is neither reserved nor taken, and
/// marks it taken. `base` has no leading or trailing dot, so no candidate
/// starts or ends with one, and a device stem is numbered before its first
/// dot (`con.txt` becomes `con-2.txt`, never `con.txt-2`): every candidate is
/// therefore unreserved, all candidates differ, and the loop ends within
/// `taken.len() + 1` steps.
fn numbered_segment(base: &str, taken: &mut HashSet<String>) -> String {
    debug_assert!(!base.is_empty() && !base.starts_with('.') && !base.ends_with('.'));
    let bound = taken.len() + 2;
    for n in 2..=bound + 1 {
        let candidate = match base.split_once('.') {
            Some((stem, rest)) if is_device_name(stem) => format!("{stem}-{n}.{rest}"),
            _ => format!("{base}-{n}"),
        };
        let lower = candidate.to_lowercase();
        if !is_reserved(&lower) && taken.insert(lower) {
            return candidate;
        }
    }
    unreachable!(
        "{} taken segments cannot hold {bound} distinct candidates",
        taken.len()
    )
}

/// Assigns unique, case-insensitively distinct segments; tools later in name
/// order get `-2`, `-3`, … when theirs is taken.
pub(crate) fn assign_segments(tools: &[ToolRecord]) -> Vec<Segment> {
    let mut order: Vec<usize> = (0..tools.len()).collect();
    order.sort_by(|&a, &b| tools[a].name.cmp(&tools[b].name));
    let mut taken: HashSet<String> = HashSet::new();
    let mut out: Vec<Option<Segment>> = (0..tools.len()).map(|_| None).collect();
    for &i in &order {
        let natural = natural_segment(&tools[i].name);
        let lower = natural.to_lowercase();
        if !is_reserved(&lower) && taken.insert(lower) {
            out[i] = Some(Segment {
                slug: natural,
                renamed: false,
            });
            continue;
        }
        let slug = numbered_segment(&numbering_base(&natural), &mut taken);
        out[i] = Some(Segment {
            slug,
            renamed: true,
        });
    }
    out.into_iter()
        .map(|s| s.expect("every tool gets a segment"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(names: &[&str]) -> Vec<ToolRecord> {
        names
            .iter()
            .map(|n| serde_json::from_value(serde_json::json!({ "name": n })).unwrap())
            .collect()
    }

    #[test]
    fn natural_segments() {
        assert_eq!(natural_segment("run_job"), "run_job");
        assert_eq!(natural_segment("kubectl.delete"), "kubectl.delete");
        assert_eq!(natural_segment("Get Issue!"), "get-issue");
        assert_eq!(natural_segment(".."), "tool");
        assert_eq!(natural_segment("../../etc/passwd"), "etc-passwd");
        assert_eq!(natural_segment("a\u{2215}b"), "a-b");
        assert_eq!(natural_segment("日本"), "tool");
    }

    #[test]
    fn collisions_get_numbered_in_name_order() {
        let segs = assign_segments(&records(&[
            "b",
            "Run Job",
            "run-job",
            "Foo",
            "foo",
            "policy.json",
            "index.md",
            "CON",
            "con.txt",
            "Lpt1.tar.gz",
        ]));
        let slugs: Vec<_> = segs.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "b",
                "run-job",
                "run-job-2",
                "Foo",
                "foo-2",
                "policy.json-2",
                "index.md-2",
                "CON-2",
                "con-2.txt",
                "Lpt1-2.tar.gz"
            ]
        );
        assert!(!segs[1].renamed && segs[2].renamed);
    }
}
