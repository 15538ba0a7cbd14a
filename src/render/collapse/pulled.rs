//! What a template pulls in: the templates it includes or extends, the
//! blocks and components it prints, read from its template tags alone,
//! for finding every template whose output lands where whitespace counts.

use super::Sensitive;
use super::tags::{component_calls, split_strings, tag_end};

/// Every template, block and component that `source` prints, found from
/// its template tags alone.
pub(super) fn pulled_in(source: &str, into: &mut Sensitive) {
    let src = source.as_bytes();
    let mut at = 0;
    while let Some(n) = source[at..].find('{') {
        at += n;
        if !matches!(src.get(at + 1), Some(b'{' | b'%')) {
            at += 1;
            continue;
        }
        let Some(end) = tag_end(src, at) else { return };
        let inner = source[at + 2..end - 2]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        let (code, literals) = split_strings(inner);
        into.components.extend(component_calls(&code));
        let word = code
            .split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.')))
            .filter(|w| !w.is_empty())
            .take(2)
            .collect::<Vec<_>>();
        match word.as_slice() {
            ["include", ..] => into.templates.extend(literals),
            ["block", name] => {
                into.blocks.insert(name.to_string());
            }
            _ => {}
        }
        at = end;
    }
}
