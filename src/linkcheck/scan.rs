//! Reading a page for the link check: its ids (the headings' first) and
//! the URLs and id references in its attributes, decoded. A byte scanner,
//! not a parser: comments are skipped, and the text of raw-text elements is
//! not read as markup.

use std::borrow::Cow;

/// Attributes whose value is a URL.
pub(super) const URL_ATTRS: &[&str] = &["href", "src"];
/// Attributes whose value is a space-separated list of ids on the same page.
const IDREF_ATTRS: &[&str] = &[
    "for",
    "headers",
    "aria-labelledby",
    "aria-describedby",
    "aria-controls",
    "data-copy-target",
];

/// Elements whose text is not markup.
const RAW_TEXT: &[&str] = &["script", "style", "title", "textarea"];

/// One reference found in a page: the attribute and its decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref<'a> {
    pub attr: &'static str,
    pub value: Cow<'a, str>,
}

/// What a page holds that the link check needs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan<'a> {
    pub ids: Vec<Cow<'a, str>>,
    /// How many of `ids`, from the start, belong to headings (`h1`–`h6`):
    /// the ones worth suggesting as link targets.
    pub heading_ids: usize,
    pub refs: Vec<Ref<'a>>,
}

/// Scans HTML for ids and references. Comments are skipped, and the text of
/// `script`, `style`, `title` and `textarea` is not read as markup.
pub fn scan(html: &[u8]) -> Scan<'_> {
    let mut out = Scan::default();
    let b = html;
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &b[i..]) {
        i += lt + 1;
        if b[i..].starts_with(b"!--") {
            i = match find(&b[i + 3..], b"-->") {
                Some(end) => i + 3 + end + 3,
                None => b.len(),
            };
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            // `</x>`, `<!DOCTYPE>`, or a stray `<` in text.
            continue;
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let tag = &b[name_start..i];
        let before = out.ids.len();
        i = attributes(html, i, &mut out);
        let heading =
            tag.len() == 2 && tag[0].eq_ignore_ascii_case(&b'h') && (b'1'..=b'6').contains(&tag[1]);
        if heading && out.ids.len() > before {
            let id = out.ids.remove(before);
            out.ids.insert(out.heading_ids, id);
            out.heading_ids += 1;
        }
        if let Some(raw) = RAW_TEXT
            .iter()
            .find(|t| tag.eq_ignore_ascii_case(t.as_bytes()))
        {
            let close = format!("</{raw}");
            i = match find_ci(&b[i..], close.as_bytes()) {
                Some(end) => i + end,
                None => b.len(),
            };
        }
    }
    out
}

/// Reads the attributes of a start tag from `i` to its `>`; returns the
/// offset after the tag.
fn attributes<'a>(html: &'a [u8], mut i: usize, out: &mut Scan<'a>) -> usize {
    let b = html;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return i;
        }
        if b[i] == b'>' {
            return i + 1;
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"/>=".contains(&b[i]) {
            i += 1;
        }
        let name = &b[name_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = None;
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let (start, end, next) = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let end = memchr(q, &b[i + 1..]).map_or(b.len(), |e| i + 1 + e);
                (i + 1, end, (end + 1).min(b.len()))
            } else {
                let mut e = i;
                while e < b.len() && !b[e].is_ascii_whitespace() && b[e] != b'>' {
                    e += 1;
                }
                (i, e, e)
            };
            value = Some(&html[start..end]);
            i = next;
        }
        let Some(value) = value else { continue };
        if name.eq_ignore_ascii_case(b"id") {
            if !value.is_empty() {
                out.ids.push(attribute_text(value));
            }
        } else if let Some(attr) = URL_ATTRS
            .iter()
            .chain(IDREF_ATTRS)
            .find(|a| name.eq_ignore_ascii_case(a.as_bytes()))
        {
            out.refs.push(Ref {
                attr,
                value: attribute_text(value),
            });
        }
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// An attribute value as text: character references decoded, bytes that
/// are not UTF-8 replaced.
fn attribute_text(value: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(s) => decode_entities(s),
        Err(_) => Cow::Owned(decode_entities(&String::from_utf8_lossy(value)).into_owned()),
    }
}

/// Decodes the character references that attribute values carry.
fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map(|e| e + 1);
        let (entity, after) = match end {
            Some(e) if rest[e..].starts_with(';') => (&rest[1..e], &rest[e + 1..]),
            _ => {
                out.push('&');
                rest = &rest[1..];
                continue;
            }
        };
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity.strip_prefix('#').and_then(|n| {
                let code = match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = after;
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}
