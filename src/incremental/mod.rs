//! Incremental rebuilds, for `toolrisk serve` and for `toolrisk build`
//! taking up the state of the last build ([`Session::resume`]).
//!
//! Owns the state kept between rebuilds — the last good catalogue, its
//! compiled templates and every list row — and turns a batch of changes
//! into the smallest render that writes what a full build would:
//!
//! - a changed server record is read, classified and indexed alone
//!   ([`crate::catalogue::Index::update_server`]), and only the pages it
//!   reaches are rendered: that server's pages, the tool pages whose
//!   related tools moved, the list pages whose slice changed, and the small
//!   global pages ([`affected_pages`] computes which);
//! - a changed template recompiles the templates and renders every page
//!   from the kept catalogue, without reading a record;
//! - anything else (site.toml, attack entries, pages, a record added,
//!   removed or turned into a link, a new catalogue date) loads the whole
//!   site again ([`Session::update_servers`] says so instead, for `build`
//!   to build everything its own way);
//! - the search index is built again with every full render; a server edit
//!   that changes the searchable text of its tools or itself only marks it
//!   out of date ([`Session::search_pending`]), and the caller rebuilds it
//!   after the pages are out ([`Session::refresh_search`]): at 100,000
//!   tools the index takes seconds, the pages milliseconds.
//!
//! Every path writes through the serve sink, which the caller commits only
//! when the whole rebuild succeeded; a failed rebuild leaves the session as
//! it was.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

#[cfg(test)]
use crate::catalogue::Index;
use crate::catalogue::index::{attack_categories, attack_position, attack_tools_in};
use crate::catalogue::{Catalogue, ToolId, catalogue_date, load, model};
use crate::content;
use crate::error::{Diagnostic, Diagnostics};
use crate::fs::SiteFile;
use crate::output::Sink;
use crate::render::pages::SiteRenderer;
use crate::render::selection::{
    List, Pages, Selection, changed_pages, changed_pages_of, is_changed, servers_of,
};
use crate::render::urls::Urls;
use crate::render::{Renderer, api};
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
    /// Reloaded these server records and rendered the pages they reach.
    Servers {
        servers: usize,
        tool_pages: usize,
        /// Path prefixes the render wrote in full: files under them that it
        /// did not write are stale.
        owned: Vec<String>,
    },
}

/// The lists a server change can move, taken before the change.
struct ListsBefore {
    by_category: Vec<Vec<ToolId>>,
    by_risk: Vec<Vec<ToolId>>,
    flagged: Vec<ToolId>,
    review: Vec<ToolId>,
    /// The tools each attack entry names; with `by_category`, its list.
    explicit_tools: Vec<Vec<ToolId>>,
}

impl ListsBefore {
    fn of(cat: &Catalogue) -> ListsBefore {
        ListsBefore {
            by_category: cat.index.by_category.clone(),
            by_risk: cat.index.by_risk.clone(),
            flagged: crate::render::flagged_ids(cat),
            review: crate::render::review_ids(cat),
            explicit_tools: cat.index.explicit_tools.clone(),
        }
    }
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

    /// Reloads the records of `slugs` alone and renders the pages they
    /// reach. Falls back to [`Session::reload`] when a record is new,
    /// gone or not a plain file, or when the catalogue's date moved (every
    /// page shows it).
    pub fn servers(&mut self, slugs: &[String], sink: &dyn Sink) -> Result<Work, Diagnostics> {
        match self.update_servers(slugs, sink)? {
            Some(work) => Ok(work),
            None => self.reload(sink),
        }
    }

    /// Like [`Session::servers`], but `None` (with the session as it was
    /// and nothing written) where that falls back to loading everything.
    pub fn update_servers(
        &mut self,
        slugs: &[String],
        sink: &dyn Sink,
    ) -> Result<Option<Work>, Diagnostics> {
        self.timings = Timings::default();
        let started = std::time::Instant::now();
        let mut loaded = Vec::new();
        let mut problems = Diagnostics::new();
        for slug in slugs {
            let relative = Path::new("content/servers").join(format!("{slug}.json"));
            let path = self.site_dir.join(&relative);
            let plain_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
            let Some(si) = self.cat.find_server(slug).filter(|_| plain_file) else {
                return Ok(None);
            };
            match load::load_server_file(&SiteFile { path, relative }, &self.cat.config) {
                Ok(record) => loaded.push((si, record)),
                Err(more) => problems.extend(more),
            }
        }
        problems.sort();
        problems.into_result()?;
        self.timings.stages.push(("load", started.elapsed()));

        let before = self.timings.time("lists", || ListsBefore::of(&self.cat));
        let rows_started = std::time::Instant::now();
        let rows_before: Vec<(usize, Vec<tera::Value>, serde_json::Value)> = loaded
            .iter()
            .map(|(si, _)| {
                let s = &self.cat.servers[*si];
                (
                    *si,
                    self.urls.server_rows(&self.cat, &self.renderer, *si),
                    api::catalogue_entry(&self.urls, &self.cat, s),
                )
            })
            .collect();
        let mut rows_time = rows_started.elapsed();
        // What the search index holds of these servers, to tell whether it
        // must be built again.
        let searchable = |cat: &Catalogue, si: usize| -> Vec<search::Record> {
            if cat.config.search.enabled {
                search::server_records(cat, &cat.servers[si])
            } else {
                Vec::new()
            }
        };
        let search_before: Vec<Vec<search::Record>> = loaded
            .iter()
            .map(|(si, _)| searchable(&self.cat, *si))
            .collect();
        let started = std::time::Instant::now();
        let warnings_before = self.cat.warnings.clone();
        let mut replaced = Vec::new();
        let mut related_moved = HashSet::new();
        for (si, record) in loaded {
            let (server, warnings) = model::build_server(record, &self.cat.config);
            let old = std::mem::replace(&mut self.cat.servers[si], server);
            let cat = &mut self.cat;
            cat.warnings
                .retain(|w| w.file.as_deref() != Some(old.file.as_path()));
            cat.warnings.extend(warnings);
            related_moved.extend(cat.index.update_server(
                &cat.config,
                &cat.servers,
                &cat.attacks,
                si,
                &old,
            ));
            replaced.push((si, old));
        }
        self.timings.stages.push(("index", started.elapsed()));
        let invalid = self
            .timings
            .time("validate", || content::check_references(&self.cat, &[]));
        if !invalid.is_empty() {
            self.put_back(replaced, warnings_before);
            return Err(invalid);
        }
        let date = catalogue_date(&self.cat.config, &self.cat.servers);
        if date != self.cat.date {
            // Every page's footer shows the date: everything is rendered
            // again, from the files on disk (the templates may have changed
            // in the same batch).
            self.put_back(replaced, warnings_before);
            return Ok(None);
        }
        for (si, _) in &replaced {
            self.urls.refresh_server(&self.cat, *si);
        }
        // A list or related-tools entry shows a tool's row: only tools whose
        // row changed move other pages.
        let rows_started = std::time::Instant::now();
        let mut rows_changed = HashSet::new();
        let mut catalogue_json = false;
        for (si, old_rows, old_entry) in &rows_before {
            let new_rows = self.urls.server_rows(&self.cat, &self.renderer, *si);
            for ti in 0..old_rows.len().max(new_rows.len()) {
                if old_rows.get(ti) != new_rows.get(ti) {
                    rows_changed.insert(ToolId {
                        server: *si as u32,
                        tool: ti as u32,
                    });
                }
            }
            let entry = api::catalogue_entry(&self.urls, &self.cat, &self.cat.servers[*si]);
            catalogue_json |= entry != *old_entry;
        }
        rows_time += rows_started.elapsed();
        // The changed servers' rows and catalogue entries, before and after.
        self.timings.stages.push(("rows", rows_time));
        let changed: Vec<(usize, &crate::catalogue::Server)> =
            replaced.iter().map(|(si, old)| (*si, old)).collect();
        let mut selection = self.timings.time("select", || {
            affected_pages(&before, &self.cat, &changed, &related_moved, &rows_changed)
        });
        selection.catalogue_json = catalogue_json;
        let mut owned = Vec::new();
        for (si, _) in &replaced {
            let slug = &self.cat.servers[*si].slug;
            owned.push(format!("servers/{slug}/"));
            owned.push(format!("embed/{slug}/"));
        }
        for (list, pages) in &selection.lists {
            if *pages == Pages::All
                && let Some(path) = list_path(&self.cat, *list)
            {
                owned.push(format!("{path}page/"));
            }
        }
        if selection.sitemap {
            owned.push("sitemap-".into());
        }
        let reindex = replaced
            .iter()
            .zip(&search_before)
            .any(|((si, _), before)| searchable(&self.cat, *si) != *before);
        let work = Work::Servers {
            servers: replaced.len(),
            tool_pages: selection.tools.len()
                + selection
                    .servers
                    .iter()
                    .map(|&si| self.cat.servers[si].tools.len())
                    .sum::<usize>(),
            owned,
        };
        if let Err(problems) = self.render(Some(selection), false, sink) {
            self.put_back(replaced, warnings_before);
            return Err(problems);
        }
        if reindex {
            self.search_stale = true;
            self.search_dirty.extend(replaced.iter().map(|(si, _)| *si));
        }
        Ok(Some(work))
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
    /// index folder alone. Returns the folder (a path prefix) whose files it
    /// wrote in full: files under it that it did not write are stale.
    pub fn refresh_search(&mut self, sink: &dyn Sink) -> Result<String, Diagnostics> {
        self.timings = Timings::default();
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
            return Ok(format!("{}/", search::DIR));
        }
        if let Some(index) = self.index.as_mut() {
            search::apply(index, files);
        }
        Ok(search::updated_in_full())
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

/// The site path of a list's first page.
fn list_path(cat: &Catalogue, list: List) -> Option<String> {
    Some(match list {
        List::Servers => "servers/".into(),
        List::Flagged => "flagged/".into(),
        List::Review => "review/".into(),
        List::Changes => "changes/".into(),
        List::Category(ci) => format!("categories/{}/", cat.config.categories.get(ci)?.name),
        List::Risk(r) => format!("risk/{}/", crate::config::Risk::ALL.get(r)?.as_str()),
        List::Attack(ai) => format!("attacks/{}/", cat.attacks.get(ai)?.slug),
    })
}

/// The pages a change to the servers `changed` (index, old version) reaches,
/// given the lists before the change, the catalogue after it, the other
/// tools whose related list moved, and the tools whose list row changed.
fn affected_pages(
    before: &ListsBefore,
    cat: &Catalogue,
    changed: &[(usize, &crate::catalogue::Server)],
    related_moved: &HashSet<ToolId>,
    rows_changed: &HashSet<ToolId>,
) -> Selection {
    let per_page = cat.config.per_page;
    let mut selection = Selection {
        tools: related_moved.iter().copied().collect(),
        ..Selection::default()
    };
    // Tool pages that show a changed row among their related tools.
    if !rows_changed.is_empty() {
        let servers = servers_of(rows_changed);
        for id in cat.index.tools_listing(&servers) {
            let list = &cat.index.related[id.server as usize][id.tool as usize];
            if list.iter().any(|r| is_changed(&servers, rows_changed, r)) {
                selection.tools.insert(id);
            }
        }
    }
    let touched = rows_changed;
    let mut server_pages = BTreeSet::new();
    for &(si, old) in changed {
        let new = &cat.servers[si];
        selection.servers.insert(si);
        server_pages.insert(si / per_page.max(1) + 1);
        let slugs = |s: &crate::catalogue::Server| {
            s.tools.iter().map(|t| t.slug.clone()).collect::<Vec<_>>()
        };
        if slugs(old) != slugs(new) {
            selection.sitemap = true;
        }
    }
    selection
        .lists
        .insert(List::Servers, Pages::Some(server_pages));
    for (ci, old) in before.by_category.iter().enumerate() {
        let pages = changed_pages(old, &cat.index.by_category[ci], touched, per_page);
        selection.add_list(List::Category(ci), pages);
    }
    for (r, old) in before.by_risk.iter().enumerate() {
        let pages = changed_pages(old, &cat.index.by_risk[r], touched, per_page);
        selection.add_list(List::Risk(r), pages);
    }
    // The flagged list also shows each tool's findings, which can change
    // while its row stays the same.
    let mut with_findings = touched.clone();
    for &(si, old) in changed {
        let count = old.tools.len().max(cat.servers[si].tools.len());
        with_findings.extend((0..count).map(|ti| ToolId {
            server: si as u32,
            tool: ti as u32,
        }));
    }
    let flagged = crate::render::flagged_ids(cat);
    selection.add_list(
        List::Flagged,
        changed_pages(&before.flagged, &flagged, &with_findings, per_page),
    );
    // The review queue shows each tool's confidence and evidence, which can
    // likewise change while its row stays the same.
    let review = crate::render::review_ids(cat);
    selection.add_list(
        List::Review,
        changed_pages(&before.review, &review, &with_findings, per_page),
    );
    // Each entry's list is its named tools and its categories' lists. When
    // none of those moved, the list is the same and only the pages showing
    // a changed row are redone: their places are worked out, not searched.
    let same_category: Vec<bool> = before
        .by_category
        .iter()
        .zip(&cat.index.by_category)
        .map(|(old, new)| old == new)
        .collect();
    for (ai, attack) in cat.attacks.iter().enumerate() {
        let explicit = &cat.index.explicit_tools[ai];
        let unchanged = before.explicit_tools[ai] == *explicit
            && attack_categories(attack, &cat.config)
                .iter()
                .all(|&ci| same_category[ci]);
        if unchanged {
            let pages: BTreeSet<usize> = touched
                .iter()
                .filter_map(|&id| {
                    attack_position(explicit, &cat.index.by_category, attack, &cat.config, id)
                })
                .map(|p| p / per_page.max(1) + 1)
                .collect();
            selection.add_list(
                List::Attack(ai),
                (!pages.is_empty()).then_some(Pages::Some(pages)),
            );
            continue;
        }
        let old = attack_tools_in(
            &before.explicit_tools[ai],
            &before.by_category,
            attack,
            &cat.config,
        );
        let new = attack_tools_in(explicit, &cat.index.by_category, attack, &cat.config);
        selection.add_list(
            List::Attack(ai),
            changed_pages_of(old, new, touched, per_page),
        );
    }
    // A list whose length moved may have gained or lost a page, which the
    // sitemap lists.
    if selection.lists.values().any(|p| *p == Pages::All) {
        selection.sitemap = true;
    }
    // `/changes/` and its feed are small and read every server's history:
    // written whole on every render. When a changed record gained or lost
    // changes, `/changes/` may have gained or lost a page.
    selection.lists.insert(List::Changes, Pages::All);
    if changed
        .iter()
        .any(|&(si, old)| change_count(old) != change_count(&cat.servers[si]))
    {
        selection.sitemap = true;
    }
    selection
}

/// How many entries a server puts on `/changes/`.
fn change_count(s: &crate::catalogue::Server) -> usize {
    let tools: usize = s
        .tools
        .iter()
        .filter_map(|t| t.history.as_ref())
        .map(|h| h.changes.len())
        .sum();
    tools
        + s.history
            .iter()
            .map(|e| e.added.len() + e.removed.len())
            .sum::<usize>()
}

#[cfg(test)]
mod tests;
