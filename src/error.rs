//! Diagnostics: problems found in the user's site, reported together.
//!
//! Every stage of the pipeline pushes what it finds into a [`Diagnostics`]
//! list instead of stopping at the first problem. A diagnostic names the file
//! (relative to the site folder), and the line and column where known, says
//! what was wrong and, where it can, how to fix it. The command layer prints
//! the whole list once, numbered, and exits with code 1.
//!
//! This module owns formatting only; it never reads files.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in the user's input, or in writing the output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// The file the problem is in, relative to the site folder where possible.
    pub file: Option<PathBuf>,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// What is wrong, and what was expected.
    pub message: String,
    /// How to fix it, where there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem with no file attached (a command-line mistake, say).
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    /// A problem in `file`.
    pub fn in_file(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: Some(file.as_ref().to_path_buf()),
            ..Diagnostic::new(message)
        }
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Sets the 1-based line only.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds advice on how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Every part may hold record text (a tool's name in a message, a
    /// file's name): control and hidden characters are shown as
    /// `[U+XXXX]`, so that printing a diagnostic never drives a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl Diagnostic {
    /// The diagnostic as [`fmt::Display`] writes it, with the `help:`
    /// label coloured when `color` is set (never the text: it may come
    /// from a record).
    pub fn render(&self, color: bool) -> String {
        use crate::text::for_terminal_lines as safe;
        let mut out = String::new();
        if let Some(file) = &self.file {
            out.push_str(&safe(&file.display().to_string()));
            if let Some(line) = self.line {
                out.push_str(&format!(":{line}"));
                if let Some(column) = self.column {
                    out.push_str(&format!(":{column}"));
                }
            }
            out.push_str(": ");
        }
        out.push_str(&safe(&self.message));
        if let Some(help) = &self.help {
            out.push_str("\n   ");
            out.push_str(&crate::term::paint(
                crate::term::Label::Help,
                "help:",
                color,
            ));
            out.push(' ');
            out.push_str(&safe(help));
        }
        out
    }
}

/// Every problem found in one run, in the order found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Moves every problem of `other` into this list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The problems, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorts the problems by file, line and column so that parallel stages
    /// report in a stable order.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
        self.items.dedup();
    }

    /// `Ok(())` when empty, else the list itself as the error.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics {
            items: vec![diagnostic],
        }
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

impl fmt::Display for Diagnostics {
    /// Numbered, one problem per entry, with a closing count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl Diagnostics {
    /// The list as [`fmt::Display`] writes it, with the `error N:` and
    /// `help:` labels coloured when `color` is set.
    pub fn render(&self, color: bool) -> String {
        use crate::term::{Label, paint};
        let mut out = String::new();
        for (i, d) in self.items.iter().enumerate() {
            out.push_str(&paint(Label::Error, &format!("error {}:", i + 1), color));
            out.push(' ');
            out.push_str(&d.render(color));
            out.push('\n');
        }
        let n = self.items.len();
        out.push_str(&format!(
            "{n} {} found",
            if n == 1 { "problem" } else { "problems" }
        ));
        out
    }
}

impl std::error::Error for Diagnostics {}

/// Turns a byte offset in `source` into a 1-based (line, column), counting
/// columns in characters.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Prints every problem of a run to standard error, always (also under
/// `--quiet`), coloured as `--color` says.
pub fn print_all(problems: &Diagnostics) {
    eprintln!("{}", problems.render(crate::term::color()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_file_line_column_and_help() {
        let d = Diagnostic::in_file("content/servers/a.json", "bad thing")
            .at(3, 7)
            .help("do this");
        assert_eq!(
            d.to_string(),
            "content/servers/a.json:3:7: bad thing\n   help: do this"
        );
    }

    #[test]
    fn numbers_every_problem() {
        let list: Diagnostics = vec![Diagnostic::new("one"), Diagnostic::new("two")]
            .into_iter()
            .collect();
        assert_eq!(
            list.to_string(),
            "error 1: one\nerror 2: two\n2 problems found"
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\ncdé f";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, src.find('f').unwrap()), (2, 5));
    }
}
