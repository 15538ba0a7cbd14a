//! Carrying out a [`Plan`] on the kept [`Session`]: the one sequence both
//! `toolrisk serve` (into its preview) and `toolrisk build` (into a copy of
//! its previous output) rebuild by.
//!
//! In order: a reload when the plan asks for one; the changed server
//! records alone; the templates and every page when a template changed or a
//! static file went away (it may have hidden a built-in asset or a page of
//! its path); then the static files: every one after a render of some
//! pages (as in a full build they win over a page of their path, and are
//! not stale under a folder the render owns), only the changed ones when
//! nothing was rendered. The sink writes only what differs.
//!
//! The two callers differ in two rules, named by [`Target`]: where the
//! whole site must be loaded again, serve does so and build gives up (it
//! builds everything its own way, into a new folder); and the search index
//! after a server edit is brought up to date at once by build, and by serve
//! only once the pages are out ([`Session::refresh_search`]).

use crate::error::{Diagnostic, Diagnostics};
use crate::output::Sink;
use crate::site;

use super::changes::Plan;
use super::{Session, Work};

/// Where a rebuild goes, and the rules that follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The preview of `toolrisk serve`: whatever the plan needs is done,
    /// loading the whole site again if it must; the search index is left
    /// out of date for the caller to refresh when no change is waiting.
    Preview,
    /// A copy of the previous output of `toolrisk build`: only changed
    /// server records are rebuilt in it, and the search index with them;
    /// for anything else, or with `compress = true` (whose twins full
    /// builds write), nothing is done and `None` says a full build is
    /// needed.
    Output,
}

impl Session {
    /// Carries out `plan` into `sink`. `None` only for [`Target::Output`],
    /// with nothing written and the session as it was: a full build is
    /// needed. A failed rebuild may leave part of its files in `sink`,
    /// which the caller abandons.
    pub fn apply(
        &mut self,
        plan: &Plan,
        sink: &dyn Sink,
        target: Target,
    ) -> Result<Option<Work>, Diagnostics> {
        let output = target == Target::Output;
        if output && (!plan.in_place() || self.cat.config.compress) {
            return Ok(None);
        }
        self.timings = site::Timings::default();
        if plan.reload || self.unsure {
            return self.reload(sink).map(Some);
        }
        let mut work = Work::Statics;
        if !plan.servers.is_empty() {
            match self.update_servers(&plan.servers, sink)? {
                Some(done) => work = done,
                None if output => return Ok(None),
                None => return self.reload(sink).map(Some),
            }
        }
        // Past this point the records are taken in (a failed update puts
        // them back itself); if what follows fails, the output may not
        // show them, and the next rebuild starts afresh.
        let after = self.after_servers(plan, sink, output, work);
        if after.is_err() && !plan.servers.is_empty() {
            self.unsure = true;
        }
        after
    }

    /// [`Session::apply`] after the server records were taken in.
    fn after_servers(
        &mut self,
        plan: &Plan,
        sink: &dyn Sink,
        output: bool,
        mut work: Work,
    ) -> Result<Option<Work>, Diagnostics> {
        let removed_static = plan
            .statics
            .iter()
            .any(|p| !self.site_dir.join(crate::layout::STATIC).join(p).is_file());
        if plan.templates || removed_static {
            return self.templates(sink).map(Some);
        }
        if let Work::Servers { owned, .. } = &mut work {
            let search = self.cat.config.search.enabled;
            let site_dir = &self.site_dir;
            self.timings
                .time("static", || site::copy_static(site_dir, sink, search))
                .into_result()?;
            if output && self.search_pending() {
                owned.extend(self.update_search(sink)?);
            }
        } else {
            copy_statics(&self.site_dir, &plan.statics, sink)?;
        }
        Ok(Some(work))
    }
}

/// Copies the static files `paths` (under `static/`) alone.
fn copy_statics(
    site_dir: &std::path::Path,
    paths: &[String],
    sink: &dyn Sink,
) -> Result<(), Diagnostics> {
    let mut problems = Diagnostics::new();
    for p in paths {
        let src = site_dir.join(crate::layout::STATIC).join(p);
        match std::fs::read(&src) {
            Ok(bytes) => {
                if let Err(d) = sink.write(p, &bytes) {
                    problems.push(d);
                }
            }
            Err(e) => problems.push(Diagnostic::in_file(&src, format!("cannot read: {e}"))),
        }
    }
    problems.into_result()
}
