//! Small helpers for generated English prose: articles, plurals, sentence
//! endings, one-line summaries. Everything a page says about counts or
//! categories goes through here, so "an execute tool", "1 tool" and "2 tools"
//! are right everywhere.

/// "a" or "an" for the word that follows.
pub fn article(word: &str) -> &'static str {
    let lower = word.to_lowercase();
    let vowel_sound = lower.starts_with(['a', 'e', 'i', 'o'])
        || (lower.starts_with('u') && !lower.starts_with("us") && !lower.starts_with("uni"))
        || lower.starts_with("hour");
    if vowel_sound { "an" } else { "a" }
}

/// "an execute tool", "a read tool": a tool of `category`, with its
/// article. A category called "other" reads "a tool of no named category",
/// never "an other tool".
pub fn category_tool(category: &str) -> String {
    if category.eq_ignore_ascii_case("other") {
        return "a tool of no named category".to_string();
    }
    format!("{} {category} tool", article(category))
}

/// Where the first sentence of `line` ends: just after the first `.`, `!`
/// or `?` followed by a space or the end, not counting the full stop of an
/// abbreviation ("e.g.", "i.e.", "etc.") or a version number ("v1.2.");
/// `line.len()` when there is one sentence.
pub fn first_sentence_end(line: &str) -> usize {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
            && !(b == b'.' && ends_with_abbreviation(&line[..=i]))
        {
            return i + 1;
        }
    }
    line.len()
}

/// Whether `s` ends with an abbreviation's or a version number's full stop.
fn ends_with_abbreviation(s: &str) -> bool {
    let last = s
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '[', '“', '"', '\'', '‘'])
        .to_lowercase();
    const ABBREVIATIONS: &[&str] = &[
        "e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "cf.", "eg.", "ie.",
    ];
    if ABBREVIATIONS.contains(&last.as_str()) {
        return true;
    }
    // A version number: digits and dots, an optional leading `v`, with a
    // dot inside it besides the final one ("1.2.", "v2.0.").
    let number = last.strip_prefix('v').unwrap_or(&last);
    number.len() > 2
        && number.matches('.').count() > 1
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// "1 tool", "2 tools", "0 tools".
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// "1 tool" / "3 tools" for the common regular plural.
pub fn count_s(n: usize, noun: &str) -> String {
    count(n, noun, &format!("{noun}s"))
}

/// The text with exactly one closing full stop (or other closing mark).
pub fn sentence(text: &str) -> String {
    let t = text.trim_end();
    let t = t.trim_end_matches('.');
    if t.is_empty() {
        return String::new();
    }
    if t.ends_with(['!', '?', '…', ':']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// The first sentence (or line) of a description, cut to about `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let s = &first_line[..first_sentence_end(first_line)];
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{}…", cut.trim_end_matches([',', ';', '.', ' ']))
}

/// A server name with " MCP Server" added only when it is not there already.
pub fn server_title(name: &str) -> String {
    let lower = name.to_lowercase();
    if lower.contains("mcp") {
        name.to_string()
    } else {
        format!("{name} MCP server")
    }
}

/// Text from a record made safe to print on one line of a terminal:
/// control characters (escape sequences and line breaks among them) and
/// hidden characters are shown as `[U+XXXX]`, so a record can neither
/// drive the terminal nor hide text.
pub fn for_terminal(s: &str) -> String {
    let revealed = crate::classify::poison::reveal(s);
    if !revealed.chars().any(char::is_control) {
        return revealed.into_owned();
    }
    let mut out = String::with_capacity(revealed.len());
    for c in revealed.chars() {
        if c.is_control() {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text of several lines made safe to print on a terminal: as
/// [`for_terminal`], but line feeds and tabs are kept.
pub fn for_terminal_lines(s: &str) -> std::borrow::Cow<'_, str> {
    let revealed = crate::classify::poison::reveal(s);
    if !revealed.contains('\r') {
        return revealed;
    }
    std::borrow::Cow::Owned(revealed.replace('\r', "[U+000D]"))
}

/// The candidate closest to `word` by edit distance, when it is close
/// enough to be a likely misspelling (at most a third of the word's
/// letters, and at least one, differ); `None` when nothing is.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(d, c)| d <= limit && c != word)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// What a misspelt name most likely meant: the [`closest`] candidate, or
/// else the one candidate that the word (three letters at least) begins,
/// compared without case (`exec` for `execute`, `Read` for `read`).
pub fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    if let Some(c) = closest(word, candidates.clone()) {
        return Some(c);
    }
    let lower = word.to_lowercase();
    let mut begun = candidates.into_iter().filter(|c| {
        let c = c.to_lowercase();
        c != word && (c == lower || (lower.chars().count() >= 3 && c.starts_with(&lower)))
    });
    match (begun.next(), begun.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The text with its first letter in upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// True for `YYYY-MM-DD` with a plausible month and day.
pub fn is_iso_date(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    // Digits only: `parse` alone would take a sign (`+202-01-01`).
    let digits = |r: std::ops::Range<usize>| {
        let part = &d[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (digits(0..4), digits(5..7), digits(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// Joins items as "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Joins items as "a, b or c".
pub fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_name_suggests_what_it_meant() {
        let categories = [
            "read",
            "write",
            "execute",
            "destructive",
            "financial",
            "other",
        ];
        assert_eq!(suggest("exec", categories), Some("execute"));
        assert_eq!(suggest("Read", categories), Some("read"));
        assert_eq!(suggest("wirte", categories), Some("write"));
        assert_eq!(suggest("destrutive", categories), Some("destructive"));
        // Too short to be a prefix, too far to be a misspelling, or two candidates.
        assert_eq!(suggest("ex", categories), None);
        assert_eq!(
            suggest("severe", ["low", "medium", "high", "critical"]),
            None
        );
        assert_eq!(suggest("pre", ["preview", "prefix"]), None);
        // A name that is already a candidate suggests nothing.
        assert_eq!(suggest("read", categories), None);
    }

    #[test]
    fn articles() {
        assert_eq!(article("execute"), "an");
        assert_eq!(article("other"), "an");
        assert_eq!(article("read"), "a");
        assert_eq!(article("write"), "a");
        assert_eq!(article("destructive"), "a");
        assert_eq!(article("hour"), "an");
        assert_eq!(article("unsafe"), "an");
        assert_eq!(article("user"), "a");
    }

    #[test]
    fn counts() {
        assert_eq!(count_s(1, "tool"), "1 tool");
        assert_eq!(count_s(2, "tool"), "2 tools");
        assert_eq!(count_s(0, "tool"), "0 tools");
        assert_eq!(count(3, "entry", "entries"), "3 entries");
    }

    #[test]
    fn sentences_end_once() {
        assert_eq!(sentence("Runs a job."), "Runs a job.");
        assert_eq!(sentence("Runs a job.."), "Runs a job.");
        assert_eq!(sentence("Runs a job"), "Runs a job.");
        assert_eq!(sentence("Really?"), "Really?");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn server_titles_never_double() {
        assert_eq!(
            server_title("Databricks MCP Server"),
            "Databricks MCP Server"
        );
        assert_eq!(server_title("Stripe"), "Stripe MCP server");
    }

    #[test]
    fn one_line_cuts_at_sentence_or_word() {
        assert_eq!(one_line("First. Second.", 80), "First.");
        assert_eq!(
            one_line("Fetch one issue by identifier (e.g. ENG-1). Then more.", 80),
            "Fetch one issue by identifier (e.g. ENG-1)."
        );
        assert_eq!(
            one_line("Uses API v1.2. of it. More.", 80),
            "Uses API v1.2. of it."
        );
        assert_eq!(one_line("Works, i.e. runs. Next", 80), "Works, i.e. runs.");
        assert_eq!(one_line("Really? Yes.", 80), "Really?");
        assert_eq!(category_tool("other"), "a tool of no named category");
        assert_eq!(category_tool("execute"), "an execute tool");
        assert_eq!(one_line("\n\nalpha beta gamma delta", 12), "alpha beta…");
    }

    #[test]
    fn capitalizes() {
        assert_eq!(capitalize("high"), "High");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn joins() {
        let v: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_and(&v), "a, b and c");
        assert_eq!(join_and(&v[..1]), "a");
    }
}
