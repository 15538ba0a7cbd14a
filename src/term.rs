//! What toolrisk itself prints on the terminal: whether it prints anything
//! but errors (`--quiet`), and whether its `error`, `warning` and `help`
//! labels are coloured (`--color`, `NO_COLOR`).
//!
//! Set once by the command line before a command runs; read by whatever
//! prints (the commands and the preview server). Record text never gets
//! colour codes from here: only toolrisk's own labels are painted, and the
//! text between them is made safe for a terminal by [`crate::text`].

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static COLOR: AtomicBool = AtomicBool::new(false);

/// When to colour: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when standard error is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour, even into a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour, from the choice, the `NO_COLOR` and `TERM`
/// variables and whether standard error is a terminal. `NO_COLOR` set to
/// anything but the empty string turns colour off unless `always` is given.
pub fn decide(when: ColorWhen, no_color: Option<&str>, term: Option<&str>, tty: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            tty && no_color.is_none_or(str::is_empty) && term.is_none_or(|t| t != "dumb")
        }
    }
}

/// Sets what this process prints; called once, by the command line.
pub fn configure(quiet: bool, when: ColorWhen) {
    use std::io::IsTerminal;
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    let tty = std::io::stderr().is_terminal();
    QUIET.store(quiet, Ordering::Relaxed);
    COLOR.store(
        decide(when, no_color.as_deref(), term.as_deref(), tty),
        Ordering::Relaxed,
    );
}

/// True under `--quiet`: print errors only.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// True when labels are coloured.
pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// A label's look.
#[derive(Debug, Clone, Copy)]
pub enum Label {
    Error,
    Warning,
    Help,
    Done,
}

/// `text` painted as `label` when colour is on, else as it is.
pub fn paint(label: Label, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match label {
        Label::Error => "1;31",
        Label::Warning => "1;33",
        Label::Help => "1;36",
        Label::Done => "1;32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Prints a status line to standard error, unless quiet.
pub fn note(message: &str) {
    if !quiet() {
        eprintln!("{message}");
    }
}

/// Prints a warning to standard error, unless quiet.
pub fn warn(message: &str) {
    if !quiet() {
        eprintln!("{} {message}", paint(Label::Warning, "warning:", color()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_choice_no_color_and_the_terminal() {
        use ColorWhen::*;
        // (choice, NO_COLOR, TERM, terminal) → colour
        let table = [
            (Auto, None, Some("xterm"), true, true),
            (Auto, None, None, true, true),
            (Auto, None, Some("xterm"), false, false),
            (Auto, Some("1"), Some("xterm"), true, false),
            (Auto, Some(""), Some("xterm"), true, true),
            (Auto, None, Some("dumb"), true, false),
            (Always, Some("1"), Some("dumb"), false, true),
            (Never, None, Some("xterm"), true, false),
        ];
        for (when, no_color, term, tty, want) in table {
            assert_eq!(
                decide(when, no_color, term, tty),
                want,
                "{when:?} NO_COLOR={no_color:?} TERM={term:?} tty={tty}"
            );
        }
    }

    #[test]
    fn paint_wraps_only_when_colour_is_on() {
        assert_eq!(paint(Label::Error, "error 1:", false), "error 1:");
        assert_eq!(
            paint(Label::Error, "error 1:", true),
            "\x1b[1;31merror 1:\x1b[0m"
        );
    }
}
