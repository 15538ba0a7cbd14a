//! The vocabulary of attack-entry signals: the pieces of a tool's evidence
//! an entry can need (`signals = [...]` in its front matter), with their
//! names. Which tool shows which, and so which entries apply to it, is
//! `catalogue::index::signals`.

use super::arguments::ArgumentRisk;

/// A piece of a tool's evidence an attack entry can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An argument of this kind (code or query, path, amount, ...).
    Argument(ArgumentRisk),
    /// The description asks for secrets, or the name is about them.
    Secrets,
    /// Hidden characters or instructions to the model in the definition.
    Instructions,
    /// The name copies another server's well-known tool.
    Shadowing,
    /// The definition became more dangerous after it was first recorded.
    Changed,
    /// The name says the tool starts work: a run, a job, a deploy.
    StartsWork,
    /// The tool returns text other people wrote (messages, pages, issues)
    /// or declares it reaches the open world.
    OutsideText,
}

/// Every signal with its front-matter name, in the order reasons use.
pub const SIGNALS: &[(&str, Signal)] = &[
    ("code", Signal::Argument(ArgumentRisk::Code)),
    ("path", Signal::Argument(ArgumentRisk::Path)),
    ("money", Signal::Argument(ArgumentRisk::Money)),
    ("flag", Signal::Argument(ArgumentRisk::Flag)),
    ("address", Signal::Argument(ArgumentRisk::Address)),
    ("recipient", Signal::Argument(ArgumentRisk::Recipient)),
    ("bulk", Signal::Argument(ArgumentRisk::Bulk)),
    ("secrets", Signal::Secrets),
    ("instructions", Signal::Instructions),
    ("shadowing", Signal::Shadowing),
    ("changed", Signal::Changed),
    ("starts-work", Signal::StartsWork),
    ("outside-text", Signal::OutsideText),
];

/// The signal of a front-matter name.
pub fn parse(name: &str) -> Option<Signal> {
    SIGNALS.iter().find(|(n, _)| *n == name).map(|&(_, s)| s)
}

/// The front-matter names of every signal, for an error message.
pub fn names() -> String {
    SIGNALS
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    /// The attack front-matter schema offers exactly the signals the
    /// loader reads, in the same order.
    #[test]
    fn the_attack_schema_lists_every_signal() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../builtin/attack.schema.json")).unwrap();
        let listed: Vec<&str> = schema["properties"]["signals"]["items"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let read: Vec<&str> = super::SIGNALS.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, read);
    }
}
