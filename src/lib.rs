//! toolrisk: a static site generator for MCP tool risk pages.
//!
//! The pipeline, one module per stage: [`config`] (site.toml) →
//! [`catalogue`] (server records: load, validate, model, indexes) and
//! [`content`] (attack entries and pages) → [`classify`] and [`policy`]
//! (category, risk, evidence, recommended policies) → [`render`] (templates
//! and page kinds) and [`search`] (the static search index) → [`output`]
//! (the one place that writes). [`site`] runs
//! the stages in order; [`cmd`] holds the command-line glue.

pub mod catalogue;
pub mod classify;
pub mod cmd;
pub mod config;
pub mod content;
pub mod corpus;
pub mod error;
pub mod fs;
pub mod history;
pub mod import;
pub mod incremental;
pub mod layout;
pub mod linkcheck;
pub mod markdown;
pub mod output;
pub mod policy;
#[cfg(test)]
mod props;
pub mod record;
pub mod render;
pub mod routes;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod state;
pub mod term;
pub mod text;
