//! Internal link and anchor checking for `toolrisk check`.
//!
//! [`LinkCheck`] is a [`Sink`] that wraps another one: every file the
//! render writes is recorded as a link target, and every HTML page is
//! scanned, as it streams past, for its `id`s and for the URLs and id
//! references in its attributes (`href`, `src`, `for`, `headers`,
//! `aria-labelledby`, `aria-describedby`, `aria-controls`,
//! `data-copy-target`). [`LinkCheck::finish`] then resolves every link
//! that stays inside the site (root-relative under the base path, absolute
//! under `base_url`, relative, or `#fragment` alone) against the files and
//! ids that were written, and lists each broken one with the page it is on.
//!
//! Memory stays proportional to the number of distinct link targets, not
//! to the number of links: paths and ids are interned once, a page keeps
//! only its interned ids, and a link seen on many pages (the header's
//! navigation is on all of them) is stored once with a count and the first
//! few pages it is on. References to the page's own ids are checked when
//! the page is scanned, so nothing of them is kept. Pages are scanned
//! outside the lock; each page takes it once.
//!
//! Not checked: links outside the site (other hosts, or root-relative
//! paths outside a sub-path base), `srcset`, and URLs inside CSS or
//! scripts. This module reads nothing from disk; mapping a page back to the
//! file it came from is [`to_diagnostics`]' job, given by the caller.
//!
//! The parts: [`scan`] reads a page, [`resolve`] says where a URL leads,
//! this module collects and checks, and `report` turns what is broken into
//! diagnostics.

mod report;
mod resolve;
mod scan;

pub use report::{Sources, to_diagnostics};
use resolve::page_path;
pub use resolve::{Target, resolve};
use scan::URL_ATTRS;
pub use scan::{Ref, Scan, scan};

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Diagnostic;
use crate::output::Sink;

/// How many pages a broken link names before it only counts the rest.
const SAMPLE: usize = 3;
/// Marks "no fragment" and empty sample slots.
const NONE: u32 = u32::MAX;

/// Strings interned to `u32` ids.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// The pages a link is on: how many, and the first few by path.
#[derive(Clone, Copy)]
struct Uses {
    count: u32,
    pages: [u32; SAMPLE],
}

impl Uses {
    fn add(&mut self, page: u32, names: &Interner) {
        self.count += 1;
        let mut slot = page;
        for p in &mut self.pages {
            if *p == NONE {
                *p = slot;
                return;
            }
            if names.name(slot) < names.name(*p) {
                std::mem::swap(p, &mut slot);
            }
        }
    }
}

impl Default for Uses {
    fn default() -> Self {
        Uses {
            count: 0,
            pages: [NONE; SAMPLE],
        }
    }
}

/// A problem found on the page itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Local {
    /// `#id` naming no id of the page.
    Fragment(u32),
    /// An id reference (`for`, `aria-*`, …) naming no id of the page.
    IdRef(&'static str, u32),
    /// A relative URL that climbs above the root.
    Outside(u32),
}

#[derive(Default)]
struct State {
    names: Interner,
    /// Written files, by interned site path (`servers/x/` for
    /// `servers/x/index.html`) → the interned ids of an HTML page, `None`
    /// for other files.
    files: HashMap<u32, Option<Box<[u32]>>>,
    /// (site path, fragment or NONE) → the pages linking there.
    links: HashMap<(u32, u32), Uses>,
    /// Problems found on the page itself → the pages they are on.
    local: HashMap<Local, Uses>,
}

/// A sink that checks links while passing every write on to `inner`.
pub struct LinkCheck<S: Sink> {
    inner: S,
    base_path: String,
    base_url: String,
    state: Mutex<State>,
}

/// What is wrong with a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No file of the output answers the URL.
    NoPage,
    /// The page exists but has no element with this id; `ids` are the ids
    /// it has, headings first (none when the link is to the page itself).
    NoAnchor { ids: Vec<String> },
    /// An id reference of an attribute names no id of its own page.
    NoId { attr: &'static str },
    /// A relative URL that climbs above the site's root.
    Outside,
}

/// One broken link, found on `pages.len() + more` pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The URL as the site serves it (`/servers/x/#policy`), the fragment
    /// (`#top`), the relative URL as written, or the id an attribute names.
    pub target: String,
    pub problem: Problem,
    /// The first pages it is on (site paths, `` for the home page).
    pub pages: Vec<String>,
    /// How many other pages it is on.
    pub more: usize,
}

impl<S: Sink> LinkCheck<S> {
    /// Checks the links of a site served at `base_path` and `base_url`.
    pub fn new(inner: S, base_path: &str, base_url: &str) -> Self {
        LinkCheck {
            inner,
            base_path: base_path.to_string(),
            base_url: base_url.to_string(),
            state: Mutex::new(State::default()),
        }
    }

    /// The wrapped sink.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Records a written file; an HTML page is scanned first, outside the lock.
    fn record(&self, file: &str, html: Option<&[u8]>) {
        let page = page_path(file);
        let Some(html) = html else {
            let mut st = self.state.lock().expect("link state");
            let id = st.names.id(page);
            st.files.entry(id).or_insert(None);
            return;
        };
        let found = scan(html);
        let own: std::collections::HashSet<&str> = found.ids.iter().map(|i| &**i).collect();
        let mut links: Vec<(Cow<str>, Option<Cow<str>>)> = Vec::new();
        let mut local: Vec<(Option<&'static str>, Cow<str>, bool)> = Vec::new();
        for r in &found.refs {
            if URL_ATTRS.contains(&r.attr) {
                match resolve(&r.value, page, &self.base_path, &self.base_url) {
                    Target::SamePage(frag) => {
                        if !own.contains(&*frag) {
                            local.push((None, frag, false));
                        }
                    }
                    Target::Site(path, frag) => links.push((path, frag)),
                    Target::Outside => local.push((None, r.value.clone(), true)),
                    Target::Skip => {}
                }
            } else {
                for id in r.value.split_ascii_whitespace() {
                    if !own.contains(id) {
                        local.push((Some(r.attr), Cow::Borrowed(id), false));
                    }
                }
            }
        }
        // Problems on the page itself are rare: their strings are sorted.
        local.sort();
        local.dedup();
        let mut st = self.state.lock().expect("link state");
        let st = &mut *st;
        let page_id = st.names.id(page);
        let ids: Box<[u32]> = found.ids.iter().map(|i| st.names.id(i)).collect();
        st.files.insert(page_id, Some(ids));
        // A link counts once per page; deduplicated as interned ids, which
        // is cheaper than sorting the strings.
        let mut keys: Vec<(u32, u32)> = links
            .iter()
            .map(|(path, frag)| {
                let frag = frag.as_ref().map_or(NONE, |f| st.names.id(f));
                (st.names.id(path), frag)
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            st.links.entry(key).or_default().add(page_id, &st.names);
        }
        for (attr, value, outside) in local {
            let v = st.names.id(&value);
            let key = match (attr, outside) {
                (_, true) => Local::Outside(v),
                (Some(a), _) => Local::IdRef(a, v),
                (None, _) => Local::Fragment(v),
            };
            st.local.entry(key).or_default().add(page_id, &st.names);
        }
    }

    /// Resolves every link seen and returns the broken ones, ordered by
    /// the first page they are on.
    pub fn finish(self) -> Vec<Broken> {
        let st = self.state.into_inner().expect("link state");
        let names = &st.names;
        // A file is known by its site path; `servers/x` also finds `servers/x/`.
        let file = |path: &str| -> Option<&Option<Box<[u32]>>> {
            let direct = names.get(path).and_then(|id| st.files.get(&id));
            if direct.is_some() || path.is_empty() || path.ends_with('/') {
                return direct;
            }
            names
                .get(&format!("{path}/"))
                .and_then(|id| st.files.get(&id))
        };
        let sample = |u: &Uses| -> (Vec<String>, usize) {
            let pages: Vec<String> = u
                .pages
                .iter()
                .filter(|&&p| p != NONE)
                .map(|&p| names.name(p).to_string())
                .collect();
            let more = u.count as usize - pages.len();
            (pages, more)
        };
        let mut out = Vec::new();
        for (&(path, frag), uses) in &st.links {
            let path_s = names.name(path);
            let problem = match file(path_s) {
                None => Some(Problem::NoPage),
                Some(Some(ids)) if frag != NONE && !ids.contains(&frag) => {
                    Some(Problem::NoAnchor {
                        ids: ids.iter().map(|&i| names.name(i).into()).collect(),
                    })
                }
                // A fragment on a file that is not HTML is not checked.
                Some(_) => None,
            };
            if let Some(problem) = problem {
                let (pages, more) = sample(uses);
                let mut target = format!("{}{path_s}", self.base_path);
                if frag != NONE {
                    target.push('#');
                    target.push_str(names.name(frag));
                }
                out.push(Broken {
                    target,
                    problem,
                    pages,
                    more,
                });
            }
        }
        for (key, uses) in &st.local {
            let (pages, more) = sample(uses);
            let (target, problem) = match *key {
                Local::Fragment(v) => (
                    format!("#{}", names.name(v)),
                    Problem::NoAnchor { ids: Vec::new() },
                ),
                Local::IdRef(attr, v) => (names.name(v).to_string(), Problem::NoId { attr }),
                Local::Outside(v) => (names.name(v).to_string(), Problem::Outside),
            };
            out.push(Broken {
                target,
                problem,
                pages,
                more,
            });
        }
        out.sort_by(|a, b| (a.pages.first(), &a.target).cmp(&(b.pages.first(), &b.target)));
        out
    }
}

impl<S: Sink> Sink for LinkCheck<S> {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.inner.write(path, bytes)?;
        self.record(path, path.ends_with(".html").then_some(bytes));
        Ok(())
    }

    fn count_page(&self) {
        self.inner.count_page();
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::output::DryRun;

    #[test]
    fn scans_ids_and_references_in_any_quoting() {
        let s = scan(
            b"<!DOCTYPE html><html><head><title>a <b id=no></title>\
             <script>var x = '<a href=/no/>';</script><!-- <a href=/nope/> -->\
             <link rel=stylesheet href=/assets/style.css></head>\
             <body><p id=intro>i</p><a class=x href='/a/?q=1&amp;r=2#top' >a</a><h2 id=\"top\">T</h2>\
             <label for=f>x</label><input id=f><img src=\"/i.png\" alt=\"\">\
             <button data-copy-target=\"p&#45;1\">c</button><a href=/caf\xc3\xa9/ id=\xff>x</a></body></html>",
        );
        // Heading ids come first.
        assert_eq!(s.ids, ["top", "intro", "f", "\u{fffd}"]);
        assert_eq!(s.heading_ids, 1);
        let refs: Vec<(&str, &str)> = s.refs.iter().map(|r| (r.attr, &*r.value)).collect();
        assert_eq!(
            refs,
            [
                ("href", "/assets/style.css"),
                ("href", "/a/?q=1&r=2#top"),
                ("for", "f"),
                ("src", "/i.png"),
                ("data-copy-target", "p-1"),
                ("href", "/café/"),
            ]
        );
    }

    #[test]
    fn resolves_urls_against_the_page_and_base() {
        fn r(u: &'static str, page: &str) -> Target<'static> {
            resolve(u, page, "/docs/", "https://e.com/docs/")
        }
        fn site(p: &'static str, f: Option<&'static str>) -> Target<'static> {
            Target::Site(p.into(), f.map(Into::into))
        }
        assert_eq!(r("/docs/servers/", "x/"), site("servers/", None));
        assert_eq!(r("/docs/", "x/"), site("", None));
        assert_eq!(r("/docs", "x/"), site("", None));
        assert_eq!(r("https://e.com/docs/a/#b", ""), site("a/", Some("b")));
        assert_eq!(r("https://e.com/docs", ""), site("", None));
        assert_eq!(r("../b/c.json", "a/x/"), site("a/b/c.json", None));
        assert_eq!(r("y/", "a/x/"), site("a/x/y/", None));
        assert_eq!(r("./", "a/"), site("a/", None));
        assert_eq!(r("../../../", "a/"), Target::Outside);
        assert_eq!(r("#top", "a/"), Target::SamePage("top".into()));
        assert_eq!(r("/other/", "a/"), Target::Skip);
        assert_eq!(r("https://other.org/docs/", "a/"), Target::Skip);
        assert_eq!(r("mailto:a@b.c", "a/"), Target::Skip);
        assert_eq!(r("//cdn.example/x.js", "a/"), Target::Skip);
        assert_eq!(r("#", "a/"), Target::Skip);
        assert_eq!(r("/docs/a%20b/", ""), site("a b/", None));
    }

    fn check(pages: &[(&str, &str)]) -> Vec<Broken> {
        let lc = LinkCheck::new(DryRun::default(), "/", "https://e.com/");
        for (path, html) in pages {
            lc.write(path, html.as_bytes()).unwrap();
        }
        lc.finish()
    }

    #[test]
    fn a_fine_site_has_no_broken_links() {
        let broken = check(&[
            (
                "index.html",
                "<a href=#main>skip</a><main id=main><a href=/servers/>s</a>\
                 <a href=https://e.com/servers/x/#policy>p</a><a href=servers/x/policy.json>j</a>\
                 <a href=/404.html>n</a><a href=https://elsewhere.org/nope>e</a></main>",
            ),
            ("servers/index.html", "<a href=/>home</a><a href=x>x</a>"),
            (
                "servers/x/index.html",
                "<h2 id=policy>P</h2><button data-copy-target=pj>c</button><pre id=pj></pre>\
                 <section aria-labelledby=policy></section><a href=../>up</a>",
            ),
            ("servers/x/policy.json", "{}"),
            ("404.html", "<a href=/>home</a>"),
        ]);
        assert_eq!(broken, []);
    }

    #[test]
    fn broken_links_and_anchors_are_reported_with_their_pages() {
        let broken = check(&[
            (
                "index.html",
                "<h2 id=top>t</h2><a href=/servers/nowhere/>x</a><a href=/guide/#nope>y</a>\
                 <a href=#gone>z</a><label for=missing>l</label>",
            ),
            (
                "guide/index.html",
                "<h2 id=intro>I</h2><a href=/servers/nowhere/>x</a><a href=../../x/>up</a>",
            ),
            ("b/index.html", "<a href=/servers/nowhere/>x</a>"),
            ("c/index.html", "<a href=/servers/nowhere/>x</a>"),
            ("d/index.html", "<a href=/servers/nowhere/>x</a>"),
        ]);
        let summary: Vec<(String, Vec<String>, usize)> = broken
            .iter()
            .map(|b| (b.target.clone(), b.pages.clone(), b.more))
            .collect();
        assert_eq!(
            summary,
            [
                ("#gone".into(), vec!["".into()], 0),
                ("/guide/#nope".into(), vec!["".into()], 0),
                (
                    "/servers/nowhere/".into(),
                    vec!["".into(), "b/".into(), "c/".into()],
                    2
                ),
                ("missing".into(), vec!["".into()], 0),
                ("../../x/".into(), vec!["guide/".into()], 0),
            ]
        );
        assert_eq!(broken[2].problem, Problem::NoPage);
        assert_eq!(
            broken[1].problem,
            Problem::NoAnchor {
                ids: vec!["intro".into()]
            }
        );
        assert_eq!(broken[3].problem, Problem::NoId { attr: "for" });
        assert_eq!(broken[4].problem, Problem::Outside);
    }

    struct OneSource;
    impl Sources for OneSource {
        fn source_of(&self, page: &str) -> Option<PathBuf> {
            (page == "guide/").then(|| PathBuf::from("content/pages/guide.md"))
        }
    }

    #[test]
    fn diagnostics_point_into_the_source_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content/pages")).unwrap();
        std::fs::write(
            dir.path().join("content/pages/guide.md"),
            "+++\ntitle = \"G\"\n+++\nSee [the job](/servers/jobs/run/#polcy).\n",
        )
        .unwrap();
        let broken = check(&[
            ("guide/index.html", "<a href=/servers/jobs/run/#polcy>x</a>"),
            ("servers/jobs/run/index.html", "<h2 id=policy>P</h2>"),
            (
                "index.html",
                "<a href=/nowhere/>x</a><a href=/nowhere/>x</a>",
            ),
            ("a/index.html", "<a href=/nowhere/>x</a>"),
        ]);
        let d = to_diagnostics(&broken, "/", dir.path(), &OneSource);
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "broken link on page /: `/nowhere/` leads to no page of the site (and on 1 other page: /a/)\n   help: fix the link, or add the page it points to; URLs of the site are listed in docs/content-format.md",
                "content/pages/guide.md:4: broken link on page /guide/: `/servers/jobs/run/#polcy`: the page /servers/jobs/run/ has no element with id `polcy`\n   help: link to an id the page has, e.g. #policy",
            ]
        );
    }
}
