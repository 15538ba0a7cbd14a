//! The one rebuild path, for `toolrisk serve` and for `toolrisk build`
//! taking up the state of the last build ([`Session::resume`]).
//!
//! What changed is one [`Changes`] value, from the watcher's paths or from
//! the stamps kept beside the output ([`changes`]); its plan is carried out
//! on the [`Session`] by [`Session::apply`] for both commands (`apply`),
//! and `toolrisk build` tries that before a full build ([`build()`]).
//!
//! The session owns the state kept between rebuilds — the last good
//! catalogue, its compiled templates and every list row, the search
//! postings — and turns a plan into the smallest render that writes what
//! a full build would:
//!
//! - a changed server record is read, classified and indexed alone
//!   ([`crate::catalogue::Index::update_server`]), and only the pages it
//!   reaches are rendered: that server's pages, the tool pages whose
//!   related tools moved, the list pages whose slice changed, and the small
//!   global pages (`affected` computes which);
//! - a changed template recompiles the templates and renders every page
//!   from the kept catalogue, without reading a record;
//! - anything else (site.toml, attack entries, pages, a record added,
//!   removed or turned into a link, a new catalogue date) loads the whole
//!   site again ([`Session::update_servers`] says so instead, for `build`
//!   to build everything its own way);
//! - the search index is built again with every full render; a server edit
//!   that changes the searchable text of its tools or itself only marks it
//!   out of date ([`Session::search_pending`]), and it is rebuilt after the
//!   pages ([`Session::refresh_search`]): at 100,000 tools the index takes
//!   seconds, the pages milliseconds.
//!
//! Every path writes through a sink that writes only what differs
//! (serve's preview, or a build's staging folder), which the caller commits
//! only when the whole rebuild succeeded; a failed rebuild leaves the
//! session as it was.

mod affected;
mod apply;
mod build;
pub mod changes;
mod servers;

pub use apply::Target;
pub use build::build;
pub use changes::{Changes, Plan};

use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;
#[cfg(test)]
use crate::catalogue::Index;
use crate::content;
use crate::error::{Diagnostic, Diagnostics};
use crate::output::Sink;
use crate::render::Renderer;
use crate::render::pages::SiteRenderer;
use crate::render::selection::Selection;
use crate::render::urls::Urls;
use crate::search;
use crate::site::{self, Timings};

/// The last good build, kept to rebuild from.
pub struct Session {
    site_dir: PathBuf,
    base_url: Option<String>,
    cat: Catalogue,
    renderer: Renderer,
    urls: Urls,
    /// The search index of the last good build, written again by renders
    /// that do not change it (a full render's commit removes what it did
    /// not write).
    /// `None` when the session did not build it (a session resumed from
    /// the build state): the next full render builds it.
    index: Option<search::Files>,
    /// The catalogue changed since `index` was built.
    search_stale: bool,
    /// The inverted index `index` was cut from, to update it from.
    postings: Option<search::Postings>,
    /// The servers whose searchable text changed since `postings` was
    /// brought up to date.
    search_dirty: Vec<usize>,
    /// The kept catalogue may be ahead of what reached the output (a
    /// rebuild failed after the records were taken in): the next
    /// [`Session::apply`] loads the whole site again.
    unsure: bool,
    /// Where the last rebuild's time went, stage by stage.
    pub timings: Timings,
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Loaded and rendered everything.
    Full,
    /// Recompiled the templates and rendered every page.
    Templates,
    /// Copied changed static files alone; rendered nothing.
    Statics,
    /// Reloaded these server records and rendered the pages they reach.
    Servers {
        servers: usize,
        tool_pages: usize,
        /// Path prefixes the render wrote in full: files under them that it
        /// did not write are stale.
        owned: Vec<String>,
    },
}

impl Session {
    /// Loads the whole site and renders every page into `sink`.
    pub fn start(site_dir: &Path, base_url: &str, sink: &dyn Sink) -> Result<Session, Diagnostics> {
        Session::load_all(site_dir.to_path_buf(), Some(base_url.to_string()), sink)
    }

    fn load_all(
        site_dir: PathBuf,
        base_url: Option<String>,
        sink: &dyn Sink,
    ) -> Result<Session, Diagnostics> {
        let mut timings = Timings::default();
        let cat = site::load(&site_dir, base_url.as_deref(), &mut timings)?;
        let renderer = site::renderer(&site_dir, &cat)?;
        let urls = Urls::new(&cat, &renderer);
        let mut session = Session {
            site_dir,
            base_url,
            cat,
            renderer,
            urls,
            index: None,
            search_stale: false,
            postings: None,
            search_dirty: Vec::new(),
            unsure: false,
            timings,
        };
        session.render(None, true, sink)?;
        Ok(session)
    }

    /// The catalogue of the last good build.
    pub fn catalogue(&self) -> &Catalogue {
        &self.cat
    }

    /// The search postings, when up to date with the catalogue.
    pub fn search_postings(&self) -> Option<&search::Postings> {
        self.postings
            .as_ref()
            .filter(|_| self.search_dirty.is_empty())
    }

    /// Loads the whole site again and renders every page.
    pub fn reload(&mut self, sink: &dyn Sink) -> Result<Work, Diagnostics> {
        *self = Session::load_all(self.site_dir.clone(), self.base_url.clone(), sink)?;
        Ok(Work::Full)
    }

    /// Takes up the state a previous `toolrisk build` kept: site.toml, the
    /// attack entries and the pages are read again (the state was checked
    /// to be from the same files), the servers and indexes come from the
    /// state. Nothing is rendered.
    pub fn resume(
        site_dir: &Path,
        base_url: Option<&str>,
        saved: crate::state::Saved,
    ) -> Result<Session, Diagnostics> {
        let mut timings = Timings::default();
        let config = timings.time("config", || site::config(site_dir, base_url))?;
        let ((mut attacks, attack_problems), (mut pages, page_problems)) =
            timings.time("load", || {
                rayon::join(
                    || content::load_attacks(site_dir, &config),
                    || content::load_pages(site_dir, &config),
                )
            });
        let mut problems = attack_problems;
        problems.extend(page_problems);
        problems.into_result()?;
        attacks.sort_by(|a, b| a.slug.cmp(&b.slug));
        pages.sort_by(|a, b| a.slug.cmp(&b.slug));
        let cat = Catalogue {
            config,
            servers: saved.servers,
            attacks,
            pages,
            date: saved.date,
            index: saved.index,
            warnings: saved.warnings,
        };
        let renderer = timings.time("templates", || site::renderer(site_dir, &cat))?;
        let urls = Urls::lazy(&cat);
        Ok(Session {
            site_dir: site_dir.to_path_buf(),
            base_url: base_url.map(str::to_string),
            cat,
            renderer,
            urls,
            // Partial renders do not write the index: the one in the
            // output stays until a change makes it out of date.
            index: None,
            search_stale: false,
            postings: saved.search,
            search_dirty: Vec::new(),
            unsure: false,
            timings,
        })
    }

    /// Recompiles the templates and renders every page from the kept
    /// catalogue.
    pub fn templates(&mut self, sink: &dyn Sink) -> Result<Work, Diagnostics> {
        self.timings = Timings::default();
        let renderer = self
            .timings
            .time("templates", || site::renderer(&self.site_dir, &self.cat))?;
        let previous = std::mem::replace(&mut self.renderer, renderer);
        // The list rows are rendered with the templates.
        let urls = self
            .timings
            .time("rows", || Urls::new(&self.cat, &self.renderer));
        let previous_urls = std::mem::replace(&mut self.urls, urls);
        if let Err(problems) = self.render(None, false, sink) {
            self.renderer = previous;
            self.urls = previous_urls;
            return Err(problems);
        }
        Ok(Work::Templates)
    }

    /// True when the catalogue changed since the search index was built
    /// (and the site has search): call [`Session::refresh_search`].
    pub fn search_pending(&self) -> bool {
        self.search_stale && self.cat.config.search.enabled
    }

    /// Stops asking for a search rebuild that failed; the next change asks
    /// again. What the failed rebuild made may not be in the output, so the
    /// postings and files it updated are dropped: the next one builds the
    /// whole index and writes every file.
    pub fn search_given_up(&mut self) {
        self.search_stale = false;
        self.postings = None;
        self.index = None;
    }

    /// Brings the search index up to date with the current catalogue and
    /// writes into `sink` the files that changed: the caller commits the
    /// index folders alone. Returns the folders (path prefixes) whose files
    /// it wrote in full: files under them that it did not write are stale.
    pub fn refresh_search(&mut self, sink: &dyn Sink) -> Result<Vec<String>, Diagnostics> {
        self.timings = Timings::default();
        self.update_search(sink)
    }

    /// [`Session::refresh_search`], its stage added to the timings of the
    /// rebuild under way.
    fn update_search(&mut self, sink: &dyn Sink) -> Result<Vec<String>, Diagnostics> {
        let cat = &self.cat;
        let (postings, dirty) = (&mut self.postings, &mut self.search_dirty);
        let (files, updated) = self
            .timings
            .time("search", || {
                let updated = postings
                    .as_mut()
                    .and_then(|p| search::update(cat, p, dirty));
                match updated {
                    Some(files) => files.map(|f| (f, true)),
                    None => search::build_keeping(cat).map(|(files, fresh)| {
                        *postings = Some(fresh);
                        (files, false)
                    }),
                }
            })
            .map_err(Diagnostics::from)?;
        self.search_dirty.clear();
        search::write(&files, sink).map_err(Diagnostics::from)?;
        self.search_stale = false;
        if !updated {
            self.index = Some(files);
            return Ok(search::built_in_full());
        }
        if let Some(index) = self.index.as_mut() {
            search::apply(index, files);
        }
        Ok(search::updated_in_full())
    }

    /// Says that what this session rendered did not all reach the output
    /// (its commit failed): the next [`Session::apply`] loads everything
    /// again instead of comparing with a catalogue the output never saw.
    pub fn distrust(&mut self) {
        self.unsure = true;
    }

    /// Undoes server replacements after a failed update.
    fn put_back(
        &mut self,
        replaced: Vec<(usize, crate::catalogue::Server)>,
        warnings: Vec<Diagnostic>,
    ) {
        for (si, old) in replaced.into_iter().rev() {
            let new = std::mem::replace(&mut self.cat.servers[si], old);
            let cat = &mut self.cat;
            cat.index
                .update_server(&cat.config, &cat.servers, &cat.attacks, si, &new);
            self.urls.refresh_server(&self.cat, si);
        }
        self.cat.warnings = warnings;
    }

    /// Renders `selection` (everything when `None`) and, for a full render,
    /// the static files; with `reindex`, builds the search index again
    /// (when the site has search), and writes it with every full render.
    fn render(
        &mut self,
        selection: Option<Selection>,
        reindex: bool,
        sink: &dyn Sink,
    ) -> Result<(), Diagnostics> {
        let full = selection.is_none();
        let search = self.cat.config.search.enabled;
        // A full render replaces every file: an out-of-date index is built
        // again rather than written as it was.
        let reindex = reindex || (full && (self.search_stale || self.index.is_none()));
        let urls = std::mem::replace(&mut self.urls, Urls::empty(&self.cat));
        let site = SiteRenderer::with_urls(&self.cat, &self.renderer, urls, selection);
        let mut problems = self
            .timings
            .time("render", || site.render_all(sink, &|_| {}));
        self.urls = site.urls;
        if full {
            problems.extend(
                self.timings
                    .time("static", || site::copy_static(&self.site_dir, sink, search)),
            );
        }
        let mut fresh = None;
        if search && reindex {
            match self
                .timings
                .time("search", || search::build_keeping(&self.cat))
            {
                Ok(built) => fresh = Some(built),
                Err(d) => problems.push(d),
            }
        }
        if search
            && (reindex || full)
            && let Some(files) = fresh.as_ref().map(|f| &f.0).or(self.index.as_ref())
            && let Err(d) = search::write(files, sink)
        {
            problems.push(d);
        }
        // Kept only once the whole render succeeded.
        if problems.is_empty()
            && let Some((files, postings)) = fresh
        {
            self.index = Some(files);
            self.postings = Some(postings);
            self.search_dirty.clear();
            self.search_stale = false;
        }
        problems.into_result()
    }
}

#[cfg(test)]
mod tests;
