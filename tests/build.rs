//! Integration tests: drive the `toolrisk` binary over the fixture sites in
//! tests/fixtures and check the output as a user and a browser see it.
//!
//! One module per feature under tests/build/, each saying in its own docs
//! what it covers; the helpers they share are in tests/common/mod.rs.

#[path = "build/check.rs"]
mod check;
#[path = "build/checkers.rs"]
mod checkers;
#[path = "build/cli.rs"]
mod cli;
mod common;
#[path = "build/errors.rs"]
mod errors;
#[path = "build/evidence.rs"]
mod evidence;
#[path = "build/example_site.rs"]
mod example_site;
#[path = "build/hostile/mod.rs"]
mod hostile;
#[path = "build/incremental.rs"]
mod incremental;
#[path = "build/init.rs"]
mod init;
#[path = "build/links.rs"]
mod links;
#[path = "build/output_safety.rs"]
mod output_safety;
#[path = "build/own_templates.rs"]
mod own_templates;
#[path = "build/page_kinds.rs"]
mod page_kinds;
#[path = "build/pages.rs"]
mod pages;
#[path = "build/pagination.rs"]
mod pagination;
#[path = "build/policies.rs"]
mod policies;
#[path = "build/prose.rs"]
mod prose;
#[path = "build/publish.rs"]
mod publish;
#[path = "build/reliability.rs"]
mod reliability;
#[path = "build/review.rs"]
mod review;
#[path = "build/schema.rs"]
mod schema;
#[path = "build/search/mod.rs"]
mod search;
#[path = "build/serve/mod.rs"]
mod serve;
#[path = "build/serve_broken.rs"]
mod serve_broken;
#[path = "build/sitemap.rs"]
mod sitemap;
#[path = "build/snippet.rs"]
mod snippet;
#[path = "build/twins.rs"]
mod twins;
#[path = "build/weight.rs"]
mod weight;
