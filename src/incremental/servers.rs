//! A change to existing server records: each read, classified and indexed
//! alone, and only the pages it reaches rendered; or, where that cannot be
//! done (a record new, gone or no plain file, a new catalogue date), word
//! that the whole site must be loaded again.

use crate::routes::{self, Route};
use std::collections::HashSet;

use crate::catalogue::{Catalogue, ToolId, catalogue_date, load, model};
use crate::error::Diagnostics;
use crate::fs::SiteFile;
use crate::layout::InputFile;
use crate::output::Sink;
use crate::render::api;
use crate::render::selection::Pages;
use crate::search;
use crate::site::Timings;

use super::affected::{ListsBefore, affected_pages, list_path};
use super::{Session, Work};

impl Session {
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
            let relative = InputFile::Server(slug.to_string()).relative();
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
        let rows_before: Vec<(
            usize,
            Vec<std::sync::Arc<crate::render::urls::Row>>,
            serde_json::Value,
        )> = loaded
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
        let invalid = self.timings.time("validate", || {
            crate::catalogue::check_references(&self.cat, &[])
        });
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
                if old_rows.get(ti).map(|r| r.typed()) != new_rows.get(ti).map(|r| r.typed()) {
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
            owned.push(Route::Server(slug).path());
            owned.push(routes::embeds_of(slug));
        }
        for (list, pages) in &selection.lists {
            if *pages == Pages::All
                && let Some(path) = list_path(&self.cat, *list)
            {
                owned.push(routes::list_pages_of(&path));
            }
        }
        if selection.sitemap {
            owned.push(routes::SITEMAP_PARTS.into());
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
}
