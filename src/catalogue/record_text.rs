//! Checks on a server record's JSON text that serde's reading does not
//! make: what a file is when it is not a record at all (empty, an array, a
//! pasted `tools/list` result), and keys written twice in one object; and
//! serde's own errors told in a reader's words, with what a misspelt field
//! most likely meant.

use crate::error::Diagnostic;

/// A file that is plainly something other than a server record: empty, or
/// a JSON array or scalar.
pub(crate) fn not_a_record(file: &std::path::Path, text: &str) -> Option<Diagnostic> {
    let start = text.trim_start();
    if start.is_empty() {
        return Some(Diagnostic::in_file(file, "the file is empty").help(
            "a server record is a JSON object with a `name` and a `tools` list; \
             see docs/content-format.md",
        ));
    }
    if !start.starts_with('{') {
        let what = if start.starts_with('[') {
            "a JSON array"
        } else {
            "a single JSON value"
        };
        let (line, column) = crate::error::line_col(text, text.len() - start.len());
        return Some(
            Diagnostic::in_file(
                file,
                format!("the file holds {what}; a server record is a JSON object"),
            )
            .at(line, column)
            .help("write `{ \"name\": \"…\", \"tools\": [ … ] }`; see docs/content-format.md"),
        );
    }
    None
}

/// A file that failed to parse as a record because it is an MCP
/// `tools/list` result pasted as it came: a JSON-RPC response (or another
/// JSON-RPC message), or its `result` (tools and no server `name`). Points
/// at the `tools` key, and says how to make a record of it.
pub(crate) fn pasted_tools_list(file: &std::path::Path, text: &str) -> Option<Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    let slug = file
        .file_stem()
        .map_or("SLUG".into(), |s| s.to_string_lossy().into_owned());
    let import = format!(
        "write the record from the live server with `toolrisk import {slug} -- COMMAND` \
         (or `--url URL`)"
    );
    let (what, tools_at) = if object.contains_key("jsonrpc") {
        let listed = object
            .get("result")
            .and_then(|r| r.get("tools"))
            .is_some_and(serde_json::Value::is_array);
        if !listed {
            return Some(at_first(file, text, "{").with(
                "the file holds a JSON-RPC message, not a server record",
                format!("{import}; see docs/content-format.md, \"Importing a server\""),
            ));
        }
        ("a JSON-RPC response to `tools/list`", "`result.tools`")
    } else if object.contains_key("tools")
        && object
            .keys()
            .all(|k| ["tools", "nextCursor", "_meta"].contains(&k.as_str()))
    {
        ("an MCP `tools/list` result", "`tools`")
    } else {
        return None;
    };
    Some(at_first(file, text, "\"tools\"").with(
        format!("the file holds {what}, not a server record: it has no server `name`"),
        format!(
            "{import}; or, by hand, keep the list under {tools_at} as the record's `tools` and \
             add the server's `\"name\"`: {{ \"name\": \"…\", \"tools\": [ … ] }}"
        ),
    ))
}

/// A diagnostic in `file` at the first `needle` of `text` (the file when
/// there is none).
fn at_first(file: &std::path::Path, text: &str, needle: &str) -> Located {
    let d = Diagnostic::in_file(file, "");
    Located(match text.find(needle) {
        Some(offset) => {
            let (line, column) = crate::error::line_col(text, offset);
            d.at(line, column)
        }
        None => d,
    })
}

struct Located(Diagnostic);

impl Located {
    fn with(self, message: impl Into<String>, help: impl Into<String>) -> Diagnostic {
        let mut d = self.0;
        d.message = message.into();
        d.help(help.into())
    }
}

/// A record that failed to parse because an object has no `name`: says
/// which one (the server, or tool number N) and points at its start.
pub(crate) fn missing_name(file: &std::path::Path, text: &str) -> Option<Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    if !object.contains_key("name") {
        let (line, column) = crate::error::line_col(text, text.len() - text.trim_start().len());
        return Some(
            Diagnostic::in_file(file, "the server has no `name`")
                .at(line, column)
                .help("add the server's display name, e.g. \"name\": \"GitHub MCP Server\""),
        );
    }
    let tools = object.get("tools")?.as_array()?;
    let i = tools
        .iter()
        .position(|t| t.as_object().is_some_and(|t| !t.contains_key("name")))?;
    let mut d = tool_location(file, text, i);
    d.message = format!("tool {} has no `name`", i + 1);
    Some(d.help(
        "every tool needs the name it has in the server's tools/list, e.g. \"name\": \"search_issues\"",
    ))
}

/// A warning for every key written twice in one object of the record, at
/// its second place: JSON parsers differ on which one counts (this one
/// keeps the last), so a record could show one description to a reviewer
/// and another to an agent.
pub(crate) fn duplicate_keys(file: &std::path::Path, text: &str) -> Vec<Diagnostic> {
    let bytes = text.as_bytes();
    // Per open object or array: whether it is an object, and its keys.
    let mut stack: Vec<Option<Keys>> = Vec::new();
    let mut warnings = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => stack.push(Some(Keys::default())),
            b'[' => stack.push(None),
            b'}' | b']' => {
                stack.pop();
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let end = i.min(bytes.len());
                // A key is a string followed by a colon.
                let mut j = end + 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if bytes.get(j) == Some(&b':')
                    && let Some(Some(keys)) = stack.last_mut()
                {
                    let raw = &text[start..end];
                    // An escaped spelling of a key is the same key.
                    let key = if raw.contains('\\') {
                        serde_json::from_str::<String>(&text[start - 1..end + 1])
                            .map_or(std::borrow::Cow::Borrowed(raw), std::borrow::Cow::Owned)
                    } else {
                        std::borrow::Cow::Borrowed(raw)
                    };
                    if !keys.insert(key) {
                        let (line, column) = crate::error::line_col(text, start - 1);
                        warnings.push(
                            Diagnostic::in_file(
                                file,
                                format!(
                                    "the key `{}` appears twice in one object; only the last one is read",
                                    clip_chars(raw, 60)
                                ),
                            )
                            .at(line, column)
                            .help("remove one of the two, so that every reader of the record sees the same value"),
                        );
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    warnings
}

/// The keys of one object so far: a list while short (most objects have a
/// few keys, and a list is faster to search than a set is to build), a set
/// once long, so that an object of a million keys stays linear.
#[derive(Default)]
struct Keys<'a> {
    few: Vec<std::borrow::Cow<'a, str>>,
    many: std::collections::HashSet<std::borrow::Cow<'a, str>>,
}

impl<'a> Keys<'a> {
    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: std::borrow::Cow<'a, str>) -> bool {
        const FEW: usize = 16;
        if self.many.is_empty() {
            if self.few.contains(&key) {
                return false;
            }
            if self.few.len() < FEW {
                self.few.push(key);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key)
    }
}

fn clip_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// The position of the `index`-th object of the `"tools"` array, found by a
/// small scan of the text. Records are well-formed JSON by the time this
/// runs; when the scan finds nothing, the file alone is named.
pub(super) fn tool_location(file: &std::path::Path, text: &str, index: usize) -> Diagnostic {
    let tools_at = text.find("\"tools\"").unwrap_or(0);
    match nth_tool_start(&text[tools_at..], index) {
        Some(offset) => {
            let (line, col) = crate::error::line_col(text, tools_at + offset);
            Diagnostic::in_file(file, String::new()).at(line, col)
        }
        None => Diagnostic::in_file(file, String::new()),
    }
}

/// Byte offset of the `index`-th object directly inside the first array of
/// `text` (the tools array), by a small scan that respects strings.
pub(super) fn nth_tool_start(text: &str, index: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    let mut count = 0usize;
    let mut started = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                if b == b'[' && !started {
                    started = true;
                    depth = 1;
                    continue;
                }
                if started && depth == 1 && b == b'{' {
                    if count == index {
                        return Some(i);
                    }
                    count += 1;
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth -= 1;
                if started && depth == 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// Turns a serde_json error into a diagnostic with line and column and a
/// message in plain words.
pub fn json_diagnostic(file: &std::path::Path, e: &serde_json::Error) -> Diagnostic {
    let full = e.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m)
        .to_string();
    let (message, help) = match e.classify() {
        serde_json::error::Category::Syntax if message.starts_with("recursion limit exceeded") => (
            "the JSON nests more than 128 levels deep".to_string(),
            Some(
                "a server record needs only a few levels; flatten the deeply nested part \
                 (an input schema nested this deep is refused)"
                    .to_string(),
            ),
        ),
        serde_json::error::Category::Syntax => (
            format!("malformed JSON: {message}"),
            Some(
                "look for a missing comma, quote or bracket at or just before this point"
                    .to_string(),
            ),
        ),
        serde_json::error::Category::Eof => (
            format!("malformed JSON: the file ends too early ({message})"),
            Some("close every `{` and `[` that is opened".to_string()),
        ),
        serde_json::error::Category::Data if message.starts_with("missing field `name`") => (
            "a server or tool object has no `name`".to_string(),
            Some("every server and every tool needs a `name`; the object ends here".to_string()),
        ),
        serde_json::error::Category::Data if message.starts_with("duplicate field") => (
            message.clone(),
            Some("remove one of the two; a record names each field once".to_string()),
        ),
        serde_json::error::Category::Data if message.starts_with("unknown field") => {
            let help = match unknown_field_suggestion(&message) {
                Some(meant) => {
                    format!("did you mean `{meant}`? Otherwise move the data under `extra`")
                }
                None => "fix the spelling, or move the data under `extra`".to_string(),
            };
            (message.clone(), Some(help))
        }
        _ => (message.clone(), None),
    };
    let mut d = Diagnostic::in_file(file, message);
    if e.line() > 0 {
        d = d.at(e.line(), e.column().max(1));
    }
    if let Some(h) = help {
        d = d.help(h);
    }
    d
}

/// The field a serde "unknown field `x`, expected one of `a`, `b`" message
/// most likely meant.
fn unknown_field_suggestion(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    crate::text::suggest(unknown, names.iter().copied()).map(str::to_string)
}
