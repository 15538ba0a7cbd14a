//! The rules for slugs, the file stems that become URL segments: what a
//! server, attack entry or page file may be called, and a valid name close
//! to one that is not. Below the catalogue and the content, which both name
//! their files by slug.

use crate::error::Diagnostic;
use crate::routes::{INDEX_FILE, LIST_PAGE};

/// Slugs of servers, attack entries and pages (`kind`): the file stem is the
/// URL segment, so it must be lowercase `[a-z0-9._-]`, not start with a dot,
/// not end with one, and not be `page` or a Windows device name.
pub fn check_slug(
    kind: &str,
    slug: &str,
    file: &std::path::Path,
    ext: &str,
) -> Result<(), Diagnostic> {
    let ext = if kind == "server" { "json" } else { ext };
    let valid_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let problem = if slug.is_empty() {
        Some("the file name is empty".to_string())
    } else if !valid_chars {
        Some(format!(
            "{kind} slug `{slug}` may only contain lowercase letters, digits, `.`, `_` and `-`"
        ))
    } else if slug.starts_with('.') || slug.ends_with('.') {
        Some(format!(
            "{kind} slug `{slug}` may not start or end with `.`"
        ))
    } else if slug == LIST_PAGE {
        Some(format!(
            "{kind} slug `page` is reserved for the numbered pages of long lists"
        ))
    } else if slug == INDEX_FILE {
        Some(format!(
            "{kind} slug `index.html` is the name of the list page in the same folder"
        ))
    } else if is_device_name(slug) {
        Some(format!(
            "{kind} slug `{slug}` is a device name on Windows and cannot be a folder there"
        ))
    } else if slug.len() > 100 {
        Some(format!(
            "{kind} slug is {} characters long; the most is 100",
            slug.len()
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(Diagnostic::in_file(file, p).help(format!(
            "rename the file to something like `{}.{ext}`; the file name is the {kind}'s URL",
            suggest_slug(slug, kind)
        ))),
    }
}

/// A valid slug close to `s` for a `kind` (server, attack, page).
pub fn suggest_slug(s: &str, kind: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    let out: String = out.chars().take(90).collect();
    if out.is_empty() {
        kind.into()
    } else if out == LIST_PAGE || out == INDEX_FILE || is_device_name(&out) {
        format!("{}-{kind}", out.replace('.', "-"))
    } else {
        out
    }
}

/// True for Windows device names (`con`, `nul`, `com1`, …), with or
/// without an extension, in any case.
pub fn is_device_name(name: &str) -> bool {
    const DEVICES: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or(&lower);
    DEVICES.contains(&stem)
}
