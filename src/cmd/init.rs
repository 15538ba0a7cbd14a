//! `toolrisk init`: a new site that builds at once.

use std::path::Path;

use super::CmdResult;
use crate::error::Diagnostic;

const SITE_TOML: &str = r#"# Site settings. See docs/content-format.md in the toolrisk repository.
title = "My MCP tool catalogue"
description = "Risk pages and recommended gateway policies for the MCP tools we use."
base_url = "https://example.com/"
minify = true
per_page = 100

# Categories and their policies can be changed or added here, e.g.:
# [categories.write]
# max = 20
"#;

const SERVER: &str = r#"{
  "name": "Example Notes",
  "repository": "example/notes-mcp",
  "description": "Keeps short notes for an agent.",
  "checked": "2026-01-01",
  "tools": [
    {
      "name": "list_notes",
      "description": "List every note title.",
      "annotations": { "readOnlyHint": true }
    },
    {
      "name": "add_note",
      "description": "Add a note with a title and body.",
      "inputSchema": { "type": "object", "properties": { "title": { "type": "string" }, "body": { "type": "string" } }, "required": ["title"] }
    },
    {
      "name": "delete_note",
      "description": "Delete a note permanently.",
      "inputSchema": { "type": "object", "properties": { "title": { "type": "string" } }, "required": ["title"] }
    }
  ]
}
"#;

const ATTACK: &str = r#"+++
title = "Destructive operations"
class = "Agent behaviour"
severity = "critical"
categories = ["destructive"]
summary = "An agent deletes data it was only meant to read or tidy."
date = 2026-01-01
+++
An agent that can delete will, sooner or later, delete the wrong thing.

## The policy that stops it

Hide destructive tools so the agent never sees them.
"#;

const PAGE: &str = r#"+++
title = "About"
description = "What this catalogue is and how to use its policies."
+++
Every tool page shows a recommended policy. For example:

{{ policy(tool="example-notes/add_note") }}
"#;

pub fn init(dir: &Path) -> CmdResult {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            Diagnostic::in_file(dir, "the folder already exists and is not empty")
                .help("choose a new folder name")
                .into(),
        );
    }
    use crate::layout::{self, InputFile};
    let files = [
        (InputFile::Settings.path(), SITE_TOML),
        (InputFile::Server("example-notes".into()).path(), SERVER),
        (
            InputFile::Attack("destructive-operations".into()).path(),
            ATTACK,
        ),
        (InputFile::Page("about".into()).path(), PAGE),
        (format!("{}/.gitkeep", layout::STATIC), ""),
        (format!("{}/.gitkeep", layout::TEMPLATES), ""),
    ];
    for (path, text) in files {
        let full = dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Diagnostic::in_file(parent, format!("cannot create: {e}")))?;
        }
        std::fs::write(&full, text)
            .map_err(|e| Diagnostic::in_file(&full, format!("cannot write: {e}")))?;
    }
    if crate::term::quiet() {
        return Ok(());
    }
    println!(
        "Created a new site in {}. Build it with: toolrisk build {}",
        dir.display(),
        dir.display()
    );
    Ok(())
}
