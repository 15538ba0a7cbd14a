//! The indentation of a site's own templates, collapsed once before they are
//! compiled, so that a site with templates of its own is built with
//! `minify` without minifying every page after rendering (which took three
//! quarters of such a build).
//!
//! A general minifier cannot be run over template source: it reads template
//! code inside a tag as attributes, and drops quotes around a value that
//! only becomes hostile once rendered. This pass changes one thing only: a
//! run of whitespace that holds a line break, in text between tags, becomes
//! one line break. A browser shows such a run as one space wherever
//! whitespace collapses, so a page means the same before and after.
//!
//! Whitespace is left as written where it does not collapse or is not
//! text: inside `<pre>`, `<listing>`, `<textarea>`, `<script>`, `<style>`,
//! `<xmp>`, `<plaintext>` and `<title>`, inside a tag (attribute values), inside
//! comments, template tags, `{% raw %}`, `{% filter %}` and `{% set %}` bodies. Template
//! text rendered into such a place from elsewhere is left as written too:
//! a template included there, a block whose placeholder sits there, a
//! component printed there or whose output is filtered or stored, the body
//! of a component call or of a `{% set %}` (captured as a value), a parent
//! block printed with `super()` there. Templates the caller names are kept
//! whole (a site's own shortcodes, which a page's markdown can paste into a
//! `<pre>`), and so is whatever a template that is not HTML prints. These are found by scanning every template
//! until no new one turns up.
//!
//! The scan reads HTML in source order, so an element whose start and end
//! are in different branches of an `{% if %}`, or in different templates,
//! cannot be followed: [`collapse`] then returns why, and the caller
//! minifies pages one by one instead, as before.
//!
//! The parts: `scan` (with `scan::template`) is the one pass over a
//! template, `pulled` finds what a template prints from elsewhere, `tags`
//! reads a template tag for both, and this module runs them over a site's
//! templates.

mod pulled;
mod scan;
mod tags;

use pulled::pulled_in;
use scan::Scan;

use std::collections::HashSet;

/// Why the templates cannot be collapsed safely: (template, line, reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfollowable {
    pub template: String,
    pub line: usize,
    pub reason: String,
}

/// A template set after [`collapse`].
#[derive(Debug)]
pub struct Collapsed {
    /// (name, source), in the order given.
    pub sources: Vec<(String, String)>,
    /// The templates some of whose text lands where whitespace counts
    /// because of template code elsewhere.
    pub lands_sensitive: HashSet<String>,
}

/// The places in a template set whose rendered text lands where whitespace
/// counts.
#[derive(Default, Debug)]
struct Sensitive {
    templates: HashSet<String>,
    blocks: HashSet<String>,
    components: HashSet<String>,
}

impl Sensitive {
    fn len(&self) -> usize {
        self.templates.len() + self.blocks.len() + self.components.len()
    }
}

/// Every `.html` template of `sources` with its indentation collapsed (the
/// others as they are; those `kept_whole` accepts as they are too, and
/// whatever they print), and the names of the templates some of whose text
/// lands where whitespace counts because of template code elsewhere (a
/// general minifier must not be run over those). An error when some HTML
/// cannot be followed through the template code.
pub fn collapse(
    sources: &[(String, String)],
    kept_whole: impl Fn(&str) -> bool,
) -> Result<Collapsed, Unfollowable> {
    let html: Vec<&(String, String)> = sources.iter().filter(|(n, _)| is_html(n)).collect();
    let mut sensitive = Sensitive::default();
    for (name, source) in sources {
        if kept_whole(name) {
            sensitive.templates.insert(name.clone());
        }
        // What a template that is not HTML prints is not read here.
        if !is_html(name) {
            pulled_in(source, &mut sensitive);
        }
    }
    // Grow the set of sensitive places until a scan finds nothing new.
    loop {
        let mut found = Sensitive::default();
        for (name, source) in &html {
            Scan::new(name, source, &sensitive, &mut found, None).run()?;
        }
        let before = sensitive.len();
        sensitive.templates.extend(found.templates);
        sensitive.blocks.extend(found.blocks);
        sensitive.components.extend(found.components);
        if sensitive.len() == before {
            break;
        }
    }
    let mut lands_sensitive = HashSet::new();
    let mut out = Vec::with_capacity(sources.len());
    for (name, source) in sources {
        if !is_html(name) {
            out.push((name.clone(), source.clone()));
            continue;
        }
        let mut collapsed = String::with_capacity(source.len());
        let mut unused = Sensitive::default();
        if Scan::new(name, source, &sensitive, &mut unused, Some(&mut collapsed)).run()? {
            lands_sensitive.insert(name.clone());
        }
        out.push((name.clone(), collapsed));
    }
    Ok(Collapsed {
        sources: out,
        lands_sensitive,
    })
}

/// The templates this module changes.
pub fn is_html(name: &str) -> bool {
    name.ends_with(".html") || name.ends_with(".htm")
}

#[cfg(test)]
mod tests;
