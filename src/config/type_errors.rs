//! Every type error of a `site.toml` in one run.
//!
//! The settings are read by serde in one pass, which stops at the first
//! value of the wrong type. When that happens, this module reads the file
//! again as plain TOML and tries each setting on its own (beside the two a
//! file must have), so that a writer who got three values wrong is told of
//! all three at once, each at its line.

use super::RawConfig;
use crate::error::{Diagnostic, Diagnostics};

/// The problems of `text`, of which `first` is the one serde stopped at.
pub(super) fn all(text: &str, first: Diagnostic) -> Diagnostics {
    // A file that is not TOML has only the one problem to report.
    let Ok(table) = text.parse::<toml::Table>() else {
        return first.into();
    };
    let mut probed = Vec::new();
    let mut path = Vec::new();
    probe(&table, &mut path, text, &mut probed);
    // The one serde stopped at keeps its column, and takes the probe's
    // wording, which names the setting.
    let mut first = first;
    let mut found: Vec<Diagnostic> = Vec::new();
    for d in probed {
        if first.line.is_some() && d.line == first.line {
            if !first.message.contains('`') {
                first.message = d.message;
            }
        } else {
            found.push(d);
        }
    }
    found.push(first);
    found.sort_by_key(|d| d.line);
    found.into_iter().collect()
}

/// Tries every setting under `table` (at `path`) on its own.
fn probe<'a>(
    table: &'a toml::Table,
    path: &mut Vec<&'a str>,
    text: &str,
    found: &mut Vec<Diagnostic>,
) {
    for (key, value) in table {
        path.push(key);
        match value {
            // `[extra]` is the site's own, read by its templates.
            toml::Value::Table(inner) if *path != ["extra"] => probe(inner, path, text, found),
            _ => {
                if let Err(e) = alone(path, value) {
                    let message = e.message().trim().to_string();
                    // A setting that needs its neighbours (a new category's
                    // required fields) is judged with them, by serde's
                    // first error.
                    if !message.starts_with("missing field") {
                        // Name the setting, unless the message does.
                        let message = if message.contains('`') {
                            message
                        } else {
                            format!("`{}`: {message}", path.join("."))
                        };
                        let mut d = Diagnostic::in_file("site.toml", message);
                        if let Some(line) = line_of(text, path) {
                            d = d.at_line(line);
                        }
                        found.push(d);
                    }
                }
            }
        }
        path.pop();
    }
}

/// Reads a file holding only `value` at `path` (and a title and address).
fn alone(path: &[&str], value: &toml::Value) -> Result<RawConfig, toml::de::Error> {
    let mut root = toml::Table::new();
    root.insert("title".into(), "x".into());
    root.insert("base_url".into(), "https://example.com/".into());
    let mut at = &mut root;
    for key in &path[..path.len() - 1] {
        at = at
            .entry(key.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("a table on the way");
    }
    at.insert(path[path.len() - 1].to_string(), value.clone());
    toml::Value::Table(root).try_into()
}

/// The line of the setting at `path`: its `key =` under its `[table]`
/// header, or written as a dotted key.
fn line_of(text: &str, path: &[&str]) -> Option<usize> {
    let (leaf, tables) = path.split_last()?;
    let header = format!("[{}]", tables.join("."));
    let dotted = path.join(".");
    let mut in_table = tables.is_empty();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == header;
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        if (in_table && key == *leaf) || key == dotted {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn every_wrong_value_is_reported_in_one_run_at_its_line() {
        let text = "title = \"T\"\nbase_url = \"https://e.com/\"\nper_page = \"fifty\"\n\n[limits]\nmax_name_chars = \"long\"\nmax_title_chars = 300\n\n[review]\nbelow = \"half\"\n\n[extra]\nanything = \"goes\"\n";
        let err = Config::parse(text).unwrap_err();
        let lines: Vec<String> = err.iter().map(|d| d.to_string()).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].starts_with("site.toml:3:"), "{lines:#?}");
        assert!(
            lines[1].starts_with("site.toml:6:18: `limits.max_name_chars`: invalid type"),
            "{lines:#?}"
        );
        assert!(lines[1].contains("limits.max_name_chars"), "{lines:#?}");
        assert!(lines[2].starts_with("site.toml:10"), "{lines:#?}");
        assert!(lines[2].contains("review.below"), "{lines:#?}");
    }

    #[test]
    fn a_file_that_is_not_toml_has_its_one_problem() {
        let err = Config::parse("title = \"T\"\nbase_url = \n").unwrap_err();
        assert_eq!(err.len(), 1);
    }
}
