//! The incremental build of `toolrisk build`: from the state kept beside the
//! output, what changed since, and a [`Session`] resumed from that state to
//! render only the pages the changed records reach into a copy of the
//! previous output. Handed to [`site::build`] as its
//! [`site::BuildChanges`].

use std::path::Path;
use std::sync::atomic::Ordering;

use super::{Session, Work};
use crate::error::Diagnostics;
use crate::output::{Cleanup, Lock, Staged};
use crate::site::{self, Mode, Report, Timings};
use crate::state;

/// The incremental build: `None` when the state is missing or out of
/// date, or the changes need a full build (the lock is then left in
/// `lock` for it).
pub fn build_changes(
    site_dir: &Path,
    lock: &mut Option<Lock>,
    base_url: Option<&str>,
    inputs: &state::Inputs,
    stamped: &Timings,
) -> Result<Option<Report>, Diagnostics> {
    let output = &lock.as_ref().expect("locked").target().to_path_buf();
    let mut timings = stamped.clone();
    let Some(opened) = timings.time("state", || state::open(site_dir, output, base_url)) else {
        return Ok(None);
    };
    let slugs = match state::changes(&opened.inputs, inputs, site_dir) {
        state::Changes::Everything => return Ok(None),
        state::Changes::Nothing => {
            return Ok(Some(Report {
                servers: opened.summary.servers,
                tools: opened.summary.tools,
                files: 0,
                pages: 0,
                bytes: 0,
                warnings: opened.summary.warnings,
                timings,
                output: Some(output.to_path_buf()),
                cleanup: Some(Cleanup::nothing(lock.take())),
                mode: Mode::UpToDate,
            }));
        }
        state::Changes::Servers(slugs) => slugs,
    };
    let Some(mut saved) = timings.time("decode", || opened.decode()) else {
        return Ok(None);
    };
    let blocks = std::mem::take(&mut saved.blocks);
    let mut session = Session::resume(site_dir, base_url, saved)?;
    // The twins of `compress = true` are written by full builds only.
    if session.catalogue().config.compress {
        return Ok(None);
    }
    timings
        .stages
        .append(&mut std::mem::take(&mut session.timings.stages));
    let mut sink = Staged::begin_from_previous(lock.take().expect("locked"), site_dir)?;
    let work = match session.update_servers(&slugs, &sink) {
        Ok(Some(work @ Work::Servers { .. })) => work,
        gave_up => {
            *lock = Some(sink.abandon());
            return gave_up.map(|_| None);
        }
    };
    timings
        .stages
        .append(&mut std::mem::take(&mut session.timings.stages));
    let Work::Servers { mut owned, .. } = work else {
        unreachable!("matched above");
    };
    // As in a full build, static files replace rendered pages of the same
    // path; and the ones under a folder the rebuild owns are not stale.
    let search = session.catalogue().config.search.enabled;
    let finished = (|| -> Result<(), Diagnostics> {
        timings
            .time("static", || site::copy_static(site_dir, &sink, search))
            .into_result()?;
        if session.search_pending() {
            owned.extend(session.refresh_search(&sink)?);
            timings
                .stages
                .append(&mut std::mem::take(&mut session.timings.stages));
        }
        timings.time("stale", || sink.remove_stale(&owned))?;
        Ok(())
    })();
    if let Err(problems) = finished {
        drop(sink.abandon());
        return Err(problems);
    }
    let (files, pages, bytes) = (
        sink.files.load(Ordering::Relaxed),
        sink.pages.load(Ordering::Relaxed),
        sink.bytes.load(Ordering::Relaxed),
    );
    let done = sink.changed();
    // The swap gives the output a new folder identity: the state of the
    // previous build no longer describes it, whatever happens next.
    let cleanup = timings.time("swap", || sink.commit())?;
    let cat = session.catalogue();
    let changed: Vec<usize> = slugs.iter().filter_map(|s| cat.find_server(s)).collect();
    let mut warnings = cat.warnings.clone();
    if let Err(d) = timings.time("state", || {
        state::save(
            site_dir,
            output,
            base_url,
            inputs,
            cat,
            session.search_postings(),
            Some((&blocks, &changed)),
        )
    }) {
        warnings.push(d);
    }
    let report = Report {
        servers: cat.servers.len(),
        tools: cat.tool_count(),
        files,
        pages,
        bytes,
        warnings,
        timings,
        output: Some(output.to_path_buf()),
        cleanup: Some(cleanup),
        mode: Mode::Incremental {
            servers: slugs.len(),
            written: done.written,
            removed: done.removed,
        },
    };
    std::thread::spawn(move || drop(session));
    Ok(Some(report))
}
