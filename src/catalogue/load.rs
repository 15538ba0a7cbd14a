//! Loading server records from `content/servers/*.json`.
//!
//! Owns reading, parsing and validating the records of each file in
//! isolation (JSON syntax, unknown fields, required fields, slug, duplicate
//! tool names, known category and risk names). Files are parsed in parallel.
//! The result is a list of [`LoadedServer`]s for the model to classify; every
//! problem becomes a diagnostic with file, line and column.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::{Config, Risk};
use crate::error::{Diagnostic, Diagnostics, line_col};
use crate::fs::{SiteFile, list_files, read_text};
use crate::record::ServerRecord;
use crate::slug::check_slug;

/// A server record read from disk and checked on its own.
#[derive(Debug, Clone)]
pub struct LoadedServer {
    /// The URL segment: the file stem.
    pub slug: String,
    /// The file, relative to the site folder.
    pub file: PathBuf,
    pub record: ServerRecord,
    /// Problems that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}

/// Reads every server record of the site. Also returns the slugs of the
/// files that failed, so later checks do not report references into them.
pub fn load_servers(
    site_dir: &std::path::Path,
    config: &Config,
) -> (Vec<LoadedServer>, Vec<String>, Diagnostics) {
    let (files, mut problems) = list_files(
        site_dir,
        crate::layout::SERVERS,
        Some(crate::layout::RECORD_EXTENSION),
        false,
    );
    let results: Vec<Result<LoadedServer, Diagnostics>> = files
        .par_iter()
        .map(|f| load_server_file(f, config))
        .collect();
    let mut servers = Vec::with_capacity(results.len());
    let mut failed = Vec::new();
    for (r, f) in results.into_iter().zip(&files) {
        match r {
            Ok(s) => servers.push(s),
            Err(d) => {
                problems.extend(d);
                failed.push(
                    f.path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            }
        }
    }
    (servers, failed, problems)
}

/// Reads one server file.
pub fn load_server_file(file: &SiteFile, config: &Config) -> Result<LoadedServer, Diagnostics> {
    let stem = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut problems = Diagnostics::new();
    if let Err(d) = check_server_slug(&stem, &file.relative) {
        problems.push(d);
    }
    let text = read_text(file, config.limits.max_record_bytes, "max_record_bytes")
        .map_err(Diagnostics::from)?;
    match parse_server(&stem, &file.relative, &text, config) {
        Ok(server) if problems.is_empty() => Ok(server),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

/// Parses and checks the text of one server file. `file` is only used in messages.
pub fn parse_server(
    slug: &str,
    file: &std::path::Path,
    text: &str,
    config: &Config,
) -> Result<LoadedServer, Diagnostics> {
    // A byte-order mark is not JSON, but editors add one; skip it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(d) = super::record_text::not_a_record(file, text) {
        return Err(d.into());
    }
    let record: ServerRecord = serde_json::from_str(text).map_err(|e| {
        super::record_text::pasted_tools_list(file, text)
            .or_else(|| {
                let no_name = e.to_string().starts_with("missing field `name`");
                no_name
                    .then(|| super::record_text::missing_name(file, text))
                    .flatten()
            })
            .unwrap_or_else(|| super::record_text::json_diagnostic(file, &e))
    })?;
    let mut problems = Diagnostics::new();
    let mut warnings = super::record_text::duplicate_keys(file, text);
    if record.name.trim().is_empty() {
        problems.push(
            at_key(file, text, "name", "the server's `name` is empty")
                .help("give the server a display name"),
        );
    }
    if let Some(checked) = &record.checked
        && !crate::text::is_iso_date(checked)
    {
        problems.push(
            at_key(file, text, "checked", &format!("`checked` is `{checked}`, not a date"))
                .help("write the date the record was verified as YYYY-MM-DD, e.g. \"checked\": \"2026-10-06\""),
        );
    }
    if record.tools.len() > config.limits.max_tools_per_server {
        problems.push(
            Diagnostic::in_file(
                file,
                format!(
                    "the server lists {} tools, more than the limit of {}",
                    record.tools.len(),
                    config.limits.max_tools_per_server
                ),
            )
            .help("raise `limits.max_tools_per_server` in site.toml if this is intended"),
        );
    }
    let mut seen = std::collections::HashMap::new();
    for (i, tool) in record.tools.iter().enumerate() {
        if tool.name.is_empty() {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!("tool {} has an empty `name`", i + 1))
                    .help("every tool needs the name it has in the server's tools/list"),
            );
            continue;
        }
        let name_chars = tool.name.chars().count();
        if name_chars > config.limits.max_name_chars {
            let shown: String = crate::text::for_terminal(&tool.name)
                .chars()
                .take(40)
                .collect();
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool {} has a name of {name_chars} characters (“{shown}…”), more than the limit of {}",
                        i + 1,
                        config.limits.max_name_chars
                    ))
                    .help("MCP recommends tool names of at most 128 characters; shorten it, or raise `limits.max_name_chars` in site.toml"),
            );
            continue;
        }
        if let Some(title) = &tool.title
            && title.chars().count() > config.limits.max_title_chars
        {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool `{}` has a title of {} characters, more than the limit of {}",
                        crate::text::for_terminal(&tool.name),
                        title.chars().count(),
                        config.limits.max_title_chars
                    ))
                    .help("shorten the title, or raise `limits.max_title_chars` in site.toml"),
            );
        }
        if let Some(first) = seen.insert(tool.name.as_str(), i) {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "duplicate tool `{}`: tools {} and {} have the same name",
                        tool.name,
                        first + 1,
                        i + 1
                    ))
                    .help("tool names are unique within a server; remove or rename one of them"),
            );
        }
        if let Some(category) = &tool.category
            && config.category(category).is_none()
        {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool `{}` has unknown category `{category}`; expected one of {}",
                        tool.name,
                        config.category_names()
                    ))
                    .help(match crate::text::suggest(
                        category,
                        config.categories.iter().map(|c| c.name.as_str()),
                    ) {
                        Some(meant) => format!(
                            "did you mean `{meant}`? Otherwise leave the field out to classify the tool, or add the category to site.toml as a `[categories.{}]` table with a risk and a policy",
                            crate::text::for_terminal(category)
                        ),
                        None => format!(
                            "fix the spelling, leave the field out to classify the tool, or add the category to site.toml as a `[categories.{}]` table with a risk and a policy",
                            crate::text::for_terminal(category)
                        ),
                    }),
            );
        }
        for (field, schema) in [
            ("inputSchema", &tool.input_schema),
            ("outputSchema", &tool.output_schema),
        ] {
            if let Some(kind) = schema.as_ref().filter(|v| !v.is_object()).map(json_kind) {
                problems.push(
                    super::record_text::tool_location(file, text, i)
                        .with_message(format!(
                            "tool `{}` has an `{field}` that is {kind}, not a JSON Schema object",
                            crate::text::for_terminal(&tool.name)
                        ))
                        .help("MCP's schemas are objects, e.g. { \"type\": \"object\", \"properties\": { … } }; fix it, or leave the field out"),
                );
            }
        }
        if let Some(risk) = &tool.risk
            && Risk::parse(risk).is_none()
        {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool `{}` has unknown risk `{risk}`; expected one of `low`, `medium`, `high`, `critical`",
                        tool.name
                    ))
                    .help(match crate::text::suggest(risk, ["low", "medium", "high", "critical"]) {
                        Some(meant) => format!(
                            "did you mean `{meant}`? Otherwise leave the field out to use the category's level"
                        ),
                        None => "fix the spelling, or leave the field out to use the category's level".to_string(),
                    }),
            );
        }
        for (n, message) in crate::catalogue::history::check_tool_history(&tool.history) {
            problems.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool `{}`: history entry {n}: {message}",
                        crate::text::for_terminal(&tool.name)
                    ))
                    .help("history is written by `toolrisk import`; see docs/content-format.md, \"Definition history\", or remove the entry"),
            );
        }
        if let Some(newest) = tool.history.last()
            && crate::text::is_iso_date(&newest.date)
            && newest.hash != crate::catalogue::history::hash(tool)
        {
            warnings.push(
                super::record_text::tool_location(file, text, i)
                    .with_message(format!(
                        "tool `{}`: the definition no longer matches the newest hash in its history (recorded {}); it was changed without an import",
                        crate::text::for_terminal(&tool.name),
                        newest.date
                    ))
                    .help(format!(
                        "review the change, then record it with `toolrisk import --pin {slug}`, or import the server again"
                    )),
            );
        }
        if let Some(d) = &tool.description
            && d.len() > config.limits.max_description_bytes
        {
            warnings.push(
                super::record_text::tool_location(file, text, i).with_message(format!(
                    "tool `{}` has a description of {} bytes; only the first {} are kept",
                    tool.name,
                    d.len(),
                    config.limits.max_description_bytes
                )),
            );
        }
    }
    for (i, e) in record.history.iter().enumerate() {
        if !crate::text::is_iso_date(&e.date) {
            problems.push(
                at_key(
                    file,
                    text,
                    "history",
                    &format!(
                        "server history entry {}: `date` is `{}`, not a date",
                        i + 1,
                        e.date
                    ),
                )
                .help("write dates as YYYY-MM-DD; history is written by `toolrisk import`"),
            );
        }
    }
    problems.into_result()?;
    Ok(LoadedServer {
        slug: slug.to_string(),
        file: file.to_path_buf(),
        record,
        warnings,
    })
}

/// Server slugs: lowercase `[a-z0-9._-]`, not starting with a dot, not a
/// reserved URL segment or device name.
pub fn check_server_slug(slug: &str, file: &std::path::Path) -> Result<(), Diagnostic> {
    check_slug("server", slug, file, "md")
}

/// What a JSON value is, in words: "a string", "an array".
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

trait WithMessage {
    fn with_message(self, m: String) -> Diagnostic;
}
impl WithMessage for Diagnostic {
    fn with_message(mut self, m: String) -> Diagnostic {
        self.message = m;
        self
    }
}

fn at_key(file: &std::path::Path, text: &str, key: &str, message: &str) -> Diagnostic {
    let needle = format!("\"{key}\"");
    match text.find(&needle) {
        Some(offset) => {
            let (line, col) = line_col(text, offset);
            Diagnostic::in_file(file, message).at(line, col)
        }
        None => Diagnostic::in_file(file, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slug::suggest_slug;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
    }

    fn parse(text: &str) -> Result<LoadedServer, Diagnostics> {
        parse_server(
            "s",
            std::path::Path::new("content/servers/s.json"),
            text,
            &config(),
        )
    }

    #[test]
    fn finds_the_nth_tool_object() {
        use crate::catalogue::record_text::nth_tool_start;
        let text = "[{\"a\":{\"b\":1}}, {\"name\":\"x}\"}, {}]";
        assert_eq!(nth_tool_start(text, 0), Some(1));
        assert_eq!(nth_tool_start(text, 1), Some(16));
        assert_eq!(nth_tool_start(text, 2), Some(31));
        assert_eq!(nth_tool_start(text, 3), None);
    }

    #[test]
    fn files_that_are_not_records_say_what_they_are() {
        let said = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            said("  \n"),
            "error 1: content/servers/s.json: the file is empty\n   help: a server record is a \
             JSON object with a `name` and a `tools` list; see docs/content-format.md\n1 problem found"
        );
        assert!(
            said("\n[1,2]").starts_with(
                "error 1: content/servers/s.json:2:1: the file holds a JSON array; a server record is a JSON object"
            ),
            "{}",
            said("[1,2]")
        );
        assert!(said("\"x\"").contains("the file holds a single JSON value"));
        let import = "help: write the record from the live server with `toolrisk import s -- \
                      COMMAND` (or `--url URL`)";
        assert_eq!(
            said("{\"jsonrpc\":\"2.0\",\"id\":1,\n \"result\":{\"tools\":[{\"name\":\"a\"}]}}"),
            format!(
                "error 1: content/servers/s.json:2:12: the file holds a JSON-RPC response to \
                 `tools/list`, not a server record: it has no server `name`\n   {import}; or, by \
                 hand, keep the list under `result.tools` as the record's `tools` and add the \
                 server's `\"name\"`: {{ \"name\": \"…\", \"tools\": [ … ] }}\n1 problem found"
            )
        );
        assert_eq!(
            said(r#"{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":"x"}"#),
            format!(
                "error 1: content/servers/s.json:1:2: the file holds an MCP `tools/list` result, \
                 not a server record: it has no server `name`\n   {import}; or, by hand, keep \
                 the list under `tools` as the record's `tools` and add the server's `\"name\"`: \
                 {{ \"name\": \"…\", \"tools\": [ … ] }}\n1 problem found"
            )
        );
        assert_eq!(
            said(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}"#),
            format!(
                "error 1: content/servers/s.json:1:1: the file holds a JSON-RPC message, not a \
                 server record\n   {import}; see docs/content-format.md, \"Importing a \
                 server\"\n1 problem found"
            )
        );
        assert_eq!(
            said("{\"name\":\"S\",\"tools\":[\n{\"name\":\"a\",\"inputSchema\":\"object\"}]}"),
            "error 1: content/servers/s.json:2:1: tool `a` has an `inputSchema` that is a string, \
             not a JSON Schema object\n   help: MCP's schemas are objects, e.g. { \"type\": \
             \"object\", \"properties\": { … } }; fix it, or leave the field out\n1 problem found"
        );
        // A record with more than tools is a record missing its name.
        assert!(said(r#"{"description":"d","tools":[]}"#).contains("the server has no `name`"));
        let deep = format!(
            "{{\"name\":\"S\",\"tools\":[{{\"name\":\"a\",\"inputSchema\":{}1{}}}]}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let deep = said(&deep);
        assert!(
            deep.contains("the JSON nests more than 128 levels deep")
                && !deep.contains("recursion limit")
                && !deep.contains("missing comma"),
            "{deep}"
        );
    }

    #[test]
    fn a_key_written_twice_in_one_object_is_a_warning_at_its_second_place() {
        let text = "{\"name\":\"S\",\"tools\":[{\"name\":\"a\",\n \"description\":\"Reads.\",\n \
                    \"inputSchema\":{\"type\":\"object\",\"properties\":{\"p\":{},\n \"\\u0070\":{}},\n \
                    \"type\":\"string\"}}]}";
        let loaded = parse(text).unwrap();
        let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            warnings,
            [
                "content/servers/s.json:4:2: the key `\\u0070` appears twice in one object; only the last one is read\n   help: remove one of the two, so that every reader of the record sees the same value",
                "content/servers/s.json:5:2: the key `type` appears twice in one object; only the last one is read\n   help: remove one of the two, so that every reader of the record sees the same value",
            ]
        );
        // A field of the record itself written twice is refused by the
        // parser, with help.
        let twice = parse("{\"name\":\"S\",\"name\":\"T\",\"tools\":[]}")
            .unwrap_err()
            .to_string();
        assert!(
            twice.contains("duplicate field `name`")
                && twice.contains("help: remove one of the two"),
            "{twice}"
        );
        // Past the short list, a long object is still checked.
        let props: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{{}}")).collect();
        let long = format!(
            "{{\"name\":\"S\",\"tools\":[{{\"name\":\"a\",\"inputSchema\":{{\"properties\":{{{},\"k3\":{{}}}}}}}}]}}",
            props.join(",")
        );
        let warned: Vec<String> = parse(&long)
            .unwrap()
            .warnings
            .iter()
            .map(|w| w.message.clone())
            .collect();
        assert_eq!(
            warned,
            ["the key `k3` appears twice in one object; only the last one is read"]
        );
        // The same key in different objects is no duplicate.
        let fine = "{\"name\":\"S\",\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}]}";
        assert!(parse(fine).unwrap().warnings.is_empty());
    }

    #[test]
    fn duplicate_tool_points_at_the_second() {
        let text = "{\"name\":\"S\",\"tools\":[\n{\"name\":\"a\"},\n{\"name\":\"a\"}\n]}";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.contains(
                "content/servers/s.json:3:1: duplicate tool `a`: tools 1 and 2 have the same name"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_server_file_named_like_the_list_page_is_refused_at_load() {
        let err = check_slug(
            "server",
            "index.html",
            std::path::Path::new("content/servers/index.html.json"),
            "md",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "content/servers/index.html.json: server slug `index.html` is the name of the list \
             page in the same folder\n   help: rename the file to something like \
             `index-html-server.json`; the file name is the server's URL"
        );
    }

    #[test]
    fn slug_rules() {
        let p = std::path::Path::new("x.json");
        assert!(check_server_slug("github", p).is_ok());
        assert!(check_server_slug("a.b_c-1", p).is_ok());
        for bad in ["GitHub", "a b", "../x", ".hidden", "page", "a/b", "é"] {
            assert!(check_server_slug(bad, p).is_err(), "{bad}");
        }
        assert_eq!(suggest_slug("My Server!", "server"), "my-server");
        // The suggestion is itself valid.
        for bad in ["con", "CON", "index.html", "page", "", "Nul", "..."] {
            let suggested = suggest_slug(bad, "server");
            assert!(
                check_slug("server", &suggested, std::path::Path::new("x.json"), "md").is_ok(),
                "{bad:?} → {suggested:?}"
            );
        }
    }
}
