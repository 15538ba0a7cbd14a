//! Reading template tags, for both the scanner and the search for what a
//! template pulls in: where a tag ends, its code without its string
//! literals, and the components it calls.

/// The index just past the template tag that starts at `at`, skipping
/// string literals in it.
pub(super) fn tag_end(src: &[u8], at: usize) -> Option<usize> {
    let close = match src[at + 1] {
        b'{' => b'}',
        b'%' => b'%',
        _ => b'#',
    };
    let mut i = at + 2;
    let comment = close == b'#';
    while i + 1 < src.len() {
        let c = src[i];
        if !comment && matches!(c, b'"' | b'\'' | b'`') {
            // A string literal, where `\` escapes the next character.
            i += 1;
            while *src.get(i)? != c {
                i += if src[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c == close && src[i + 1] == b'}' {
            return Some(i + 2);
        }
        i += 1;
    }
    None
}

/// `code` with its string literals taken out, and the literals (escapes
/// left as written).
pub(super) fn split_strings(code: &str) -> (String, Vec<String>) {
    let mut rest = String::with_capacity(code.len());
    let mut literals = Vec::new();
    let mut quote: Option<(char, String)> = None;
    let mut escaped = false;
    for c in code.chars() {
        match &mut quote {
            Some((_, s)) if escaped => {
                s.push(c);
                escaped = false;
            }
            Some((_, s)) if c == '\\' => {
                s.push(c);
                escaped = true;
            }
            Some((q, s)) if c == *q => {
                literals.push(std::mem::take(s));
                quote = None;
            }
            Some((_, s)) => s.push(c),
            None if matches!(c, '"' | '\'' | '`') => quote = Some((c, String::new())),
            None => rest.push(c),
        }
    }
    (rest, literals)
}

/// The names of the components called in `code` (`<name`), and of some
/// variables compared with `<`, which costs nothing but collapsing less.
pub(super) fn component_calls(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find('<') {
        let after = rest[i + 1..].trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
        rest = &rest[i + 1..];
    }
    names
}
