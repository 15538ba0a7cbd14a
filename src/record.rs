//! The server record as written on disk: `content/servers/<slug>.json`.
//!
//! These types mirror the file format exactly and reject unknown fields, so a
//! typo is an error instead of a silent loss. They carry no derived data;
//! classification and policies live in the model built from them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON Schema of a server file (published at
/// `/schema/server.schema.json`), which agrees with these types: the tests
/// in tests/build/schema.rs hold every record to both.
pub const SERVER_SCHEMA: &str = include_str!("builtin/server.schema.json");

/// One server file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerRecord {
    /// The JSON Schema the record names for editors (`"$schema"`): read
    /// and ignored, never checked against or fetched.
    #[serde(default, rename = "$schema")]
    pub schema: Option<String>,
    pub name: String,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub homepage: Option<String>,
    #[serde(default)]
    pub checked: Option<String>,
    pub tools: Vec<ToolRecord>,
    #[serde(default)]
    pub extra: Map<String, Value>,
    /// What the server said about itself at the last import (`initialize`).
    #[serde(default, rename = "serverInfo")]
    pub server_info: Option<ServerInfo>,
    /// Tools added and removed, oldest first (written by `toolrisk import`).
    #[serde(default)]
    pub history: Vec<ServerChange>,
}

/// The `serverInfo` of MCP's `initialize` result, as import keeps it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One tool: MCP's `Tool` object plus the catalogue's own three fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolRecord {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "inputSchema")]
    pub input_schema: Option<Value>,
    #[serde(default, rename = "outputSchema")]
    pub output_schema: Option<Value>,
    #[serde(default)]
    pub annotations: Option<Annotations>,
    #[serde(default)]
    pub icons: Option<Value>,
    #[serde(default, rename = "_meta")]
    pub meta: Option<Value>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub risk: Option<String>,
    #[serde(default)]
    pub rationale: Option<String>,
    /// The definition's recorded versions, oldest first.
    #[serde(default)]
    pub history: Vec<ToolChange>,
}

/// MCP tool annotations: hints from an untrusted server. (Serialized only
/// into the build state, which stores every field in order.)
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, rename = "readOnlyHint")]
    pub read_only_hint: Option<bool>,
    #[serde(default, rename = "destructiveHint")]
    pub destructive_hint: Option<bool>,
    #[serde(default, rename = "idempotentHint")]
    pub idempotent_hint: Option<bool>,
    #[serde(default, rename = "openWorldHint")]
    pub open_world_hint: Option<bool>,
}

/// One version of a tool's definition.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolChange {
    /// The day this version was first seen, `YYYY-MM-DD`.
    pub date: String,
    /// The hash of this version.
    pub hash: String,
    /// The hash of the version before, absent on the first entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// The definition fields that differ from the version before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The previous value of each changed field (absent: the field was not set).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub before: Map<String, Value>,
    /// Changed fields whose previous value was too long to keep whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut: Vec<String>,
}

/// Tools a server gained or lost at one import.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerChange {
    pub date: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}
