//! Template errors as diagnostics: which template a Tera error is about,
//! and the file, line and column it names.

use crate::error::Diagnostic;

/// The name of the template a Tera error is about.
pub(super) fn failing_template(e: &tera::Error) -> Option<String> {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            Some(r.filename().to_string())
        }
        tera::ErrorKind::MissingParent { current, .. } => Some(current.clone()),
        tera::ErrorKind::CircularExtend { tpl, .. }
        | tera::ErrorKind::CircularInclude { tpl, .. } => Some(tpl.clone()),
        tera::ErrorKind::Msg(m) => report_location(m).map(|(name, ..)| name),
        _ => None,
    }
}

/// The engine checks every template's filters, tests, functions,
/// components and blocks once all are loaded, and reports what it finds as
/// one message of reports, each pointing at ` --> name:line:column`. The
/// first report's text (its `error: ` line) and place.
fn report_location(message: &str) -> Option<(String, usize, usize, String)> {
    let at = message.find("--> ")?;
    let place = message[at + 4..].lines().next()?.trim();
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let name = parts.next()?.to_string();
    let text = message[..at]
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(message.lines().next().unwrap_or_default())
        .to_string();
    Some((name, line, column, text))
}

/// A Tera error as a diagnostic naming the template file and line.
pub fn template_diagnostic(fallback: &str, e: &tera::Error) -> Diagnostic {
    use std::error::Error;
    if let tera::ErrorKind::Msg(m) = e.kind()
        && let Some((name, line, column, text)) = report_location(m)
    {
        return Diagnostic::in_file(
            format!("templates/{name}"),
            format!("template error: {text}"),
        )
        .at(line, column)
        .help("fix the template, or delete it to use the built-in one");
    }
    let (file, line, message) = match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let name = if r.filename().is_empty() {
                fallback
            } else {
                r.filename()
            };
            (
                name.to_string(),
                Some(r.span().start_line),
                r.message().to_string(),
            )
        }
        _ => {
            let mut m = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                m.push_str(": ");
                m.push_str(&s.to_string());
                source = s.source();
            }
            (fallback.to_string(), None, m)
        }
    };
    let mut d = Diagnostic::in_file(
        format!("templates/{file}"),
        format!("template error: {message}"),
    );
    if let Some(line) = line {
        d = d.at_line(line);
    }
    d.help("fix the template, or delete it to use the built-in one")
}
