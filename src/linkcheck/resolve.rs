//! Where a URL found on a page leads: resolved against the page's path and
//! the site's base path and base URL, percent-decoded and normalised, or
//! left alone when it leaves the site.

use std::borrow::Cow;

/// Decodes `%XX` escapes; the text as it is when it has none or when the
/// result would not be UTF-8.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_or(Cow::Borrowed(s), Cow::Owned)
}

/// Where a URL found on a page leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// `#id` on the page itself.
    SamePage(Cow<'a, str>),
    /// A path of the site (no leading slash: `servers/x/`, `` for the home
    /// page), with its fragment.
    Site(Cow<'a, str>, Option<Cow<'a, str>>),
    /// A relative path that climbs above the site's root.
    Outside,
    /// Another site, a non-HTTP scheme, or nothing to check.
    Skip,
}

/// Resolves `url`, found on the page at site path `page` (`servers/x/`,
/// `404.html`), for a site at `base_path` (`/` or `/docs/`) and `base_url`
/// (absolute, ending in `/`).
pub fn resolve<'a>(url: &'a str, page: &str, base_path: &str, base_url: &str) -> Target<'a> {
    let url = url.trim();
    if url.is_empty() || url.starts_with('?') {
        return Target::Skip;
    }
    if let Some(frag) = url.strip_prefix('#') {
        return if frag.is_empty() || frag.starts_with(":~:") {
            Target::Skip
        } else {
            Target::SamePage(percent_decode(frag))
        };
    }
    let (rest, frag) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let rest = rest.split('?').next().unwrap_or("");
    let path: Cow<'a, str> = if let Some(p) = rest.strip_prefix(base_url) {
        Cow::Borrowed(p)
    } else if rest == base_url.trim_end_matches('/') {
        Cow::Borrowed("")
    } else if rest.starts_with("//") || has_scheme(rest) {
        return Target::Skip;
    } else if rest.starts_with('/') {
        match rest.strip_prefix(base_path) {
            Some(p) => Cow::Borrowed(p),
            None if rest.len() + 1 == base_path.len() && base_path.starts_with(rest) => {
                Cow::Borrowed("")
            }
            None => return Target::Skip,
        }
    } else {
        let dir = match page.rfind('/') {
            Some(i) => &page[..=i],
            None => "",
        };
        Cow::Owned(format!("{dir}{rest}"))
    };
    let path = if needs_normalising(&path) {
        match normalise(&path) {
            Some(p) => Cow::Owned(p),
            None => return Target::Outside,
        }
    } else {
        path
    };
    let path = match percent_decode(&path) {
        Cow::Borrowed(_) => path,
        Cow::Owned(p) => Cow::Owned(p),
    };
    let frag = frag
        .filter(|f| !f.is_empty() && !f.starts_with(":~:"))
        .map(percent_decode);
    Target::Site(path, frag)
}

/// True when a path has empty, `.` or `..` segments.
fn needs_normalising(path: &str) -> bool {
    path.starts_with('/')
        || path.contains("//")
        || path.split('/').any(|seg| seg == "." || seg == "..")
}

fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            let scheme = &url[..i];
            !scheme.is_empty()
                && scheme.as_bytes()[0].is_ascii_alphabetic()
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
                && !url[..i].contains('/')
        }
        None => false,
    }
}

/// Removes `.` and `..` segments; `None` when `..` climbs above the root.
fn normalise(path: &str) -> Option<String> {
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut segs: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop()?;
            }
            s => segs.push(s),
        }
    }
    let mut out = segs.join("/");
    if trailing && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// The site path of an output file: `servers/x/index.html` → `servers/x/`.
pub(super) fn page_path(file: &str) -> &str {
    crate::routes::page_of(file)
}
