//! `[policy]` in site.toml: the values a fitted policy writes into its
//! conditions (`policy::fit`): the folder a path argument must stay in, the
//! largest amount of money and the largest count one call may ask for, and
//! whether arguments that choose a target get an allow-list to fill in.

use serde::Deserialize;

use crate::error::{Diagnostic, Diagnostics};

/// `[policy]`: what the recommended policies allow inside a call.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// The folder every path argument must stay inside (ends with `/`).
    pub path_prefix: String,
    /// The largest `amount` (or price, cost, budget) one call may set.
    pub max_amount: u64,
    /// The largest `limit` (or count, page size) one call may ask for.
    pub max_count: u64,
    /// Whether an argument that chooses where a change lands (a repository,
    /// project, database, bucket, channel...) gets an allow-list holding a
    /// placeholder that the site owner replaces with the values agents may use.
    pub target_allow_lists: bool,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            path_prefix: "/workspace/".into(),
            max_amount: 100,
            max_count: 100,
            target_allow_lists: true,
        }
    }
}

impl PolicySettings {
    /// Reports settings no policy could use.
    pub(super) fn check(&self, problems: &mut Diagnostics) {
        let p = &self.path_prefix;
        if !p.starts_with('/') || !p.ends_with('/') || p.contains("..") {
            problems.push(
                Diagnostic::in_file(
                    "site.toml",
                    format!("[policy] path_prefix `{p}` is not an absolute folder"),
                )
                .help("write it with a leading and a trailing slash and no `..`, e.g. path_prefix = \"/workspace/\""),
            );
        }
        if self.max_amount == 0 || self.max_count == 0 {
            problems.push(
                Diagnostic::in_file("site.toml", "[policy] max_amount and max_count must be at least 1")
                    .help("a tool that must never move money or fetch anything is better hidden: set its category's policy = \"hide\""),
            );
        }
    }
}
