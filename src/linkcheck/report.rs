//! The broken links as diagnostics: each in the source file of its page,
//! at the line that mentions it where one does. The caller says where a
//! page's text came from ([`Sources`]).

use std::path::{Path, PathBuf};

use super::{Broken, Problem};
use crate::error::{Diagnostic, Diagnostics};

/// Where the text of a page came from, for pointing at the line of a link.
pub trait Sources {
    /// The site-relative source file of the page at site path `page`
    /// (`guide/`), where one file holds its text.
    fn source_of(&self, page: &str) -> Option<PathBuf>;
}

/// The broken links as diagnostics. A link on a page whose text comes from
/// one file (a free-form page, an attack entry, a server record) is reported
/// in that file, at the first line that mentions it, where one does.
pub fn to_diagnostics(
    broken: &[Broken],
    base_path: &str,
    site_dir: &Path,
    sources: &dyn Sources,
) -> Diagnostics {
    broken
        .iter()
        .map(|b| {
            let page = b.pages.first().map(String::as_str).unwrap_or("");
            let shown = format!("{base_path}{page}");
            let what = match &b.problem {
                Problem::NoPage => format!("`{}` leads to no page of the site", b.target),
                Problem::NoAnchor { .. } if b.target.starts_with('#') => format!(
                    "`{}`: this page has no element with id `{}`",
                    b.target,
                    &b.target[1..]
                ),
                Problem::NoAnchor { .. } => {
                    let (p, f) = b.target.split_once('#').unwrap_or((&b.target, ""));
                    format!("`{}`: the page {p} has no element with id `{f}`", b.target)
                }
                Problem::NoId { attr } => format!(
                    "`{attr}=\"{}\"` names no element of this page (no id `{}`)",
                    b.target, b.target
                ),
                Problem::Outside => {
                    format!("`{}` climbs above the site's root", b.target)
                }
            };
            let mut message = format!("broken link on page {shown}: {what}");
            let others = b.pages.len().saturating_sub(1) + b.more;
            if others > 0 {
                let mut named: Vec<String> = b.pages[1..]
                    .iter()
                    .map(|p| format!("{base_path}{p}"))
                    .collect();
                if b.more > 0 {
                    named.push("…".into());
                }
                message.push_str(&format!(
                    " (and on {others} other page{}: {})",
                    if others == 1 { "" } else { "s" },
                    named.join(", ")
                ));
            }
            let help = match &b.problem {
                Problem::NoPage => {
                    "fix the link, or add the page it points to; URLs of the site are listed in docs/content-format.md".to_string()
                }
                Problem::NoAnchor { ids } if !ids.is_empty() => format!(
                    "link to an id the page has, e.g. {}",
                    // The header's own ids (search box, `site-…`) last: a
                    // link into a page means its content.
                    ids.iter()
                        .filter(|i| !i.starts_with("site-"))
                        .chain(ids.iter().filter(|i| i.starts_with("site-")))
                        .take(8)
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Problem::NoAnchor { .. } => {
                    "link to a heading or element id that the page has, or drop the fragment".into()
                }
                Problem::NoId { .. } => "give the element it refers to that id, or fix the reference".into(),
                Problem::Outside => "use a path from the site's root, e.g. /servers/".into(),
            };
            // The source file only where a line of it holds the link: a
            // link the templates made is not the page's author's to fix.
            let place = sources.source_of(page).and_then(|file| {
                let text = std::fs::read_to_string(site_dir.join(&file)).ok()?;
                let line = line_mentioning(&text, &b.target, base_path)?;
                Some((file, line))
            });
            let d = match place {
                Some((file, line)) => Diagnostic::in_file(file, message).at_line(line),
                None => Diagnostic::new(message),
            };
            d.help(help)
        })
        .collect()
}

/// The first line of `text` that mentions `target` (as written, without
/// the base path, or by its fragment alone).
fn line_mentioning(text: &str, target: &str, base_path: &str) -> Option<usize> {
    let bare = target.strip_prefix(base_path).unwrap_or(target);
    let frag = target.find('#').map(|i| &target[i..]);
    let mut needles = vec![target];
    if !bare.is_empty() {
        needles.push(bare);
    }
    needles.extend(frag);
    needles
        .iter()
        .find_map(|n| text.lines().position(|l| l.contains(n)).map(|i| i + 1))
}
