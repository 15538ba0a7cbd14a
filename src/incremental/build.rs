//! `toolrisk build`: the incremental build tried first, the full build
//! ([`site::build`]) when it gives up.
//!
//! The incremental build reads the state kept beside the output, tells
//! from its stamps what changed ([`Changes::from_stamps`]), and when the
//! plan can be done in place resumes a [`Session`] from that state and
//! applies the plan ([`Session::apply`] for [`Target::Output`]) into a
//! copy of the previous output that is swapped in on success.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::{Changes, Session, Target, Work};
use crate::catalogue::Catalogue;
use crate::error::Diagnostics;
use crate::output::{Cleanup, Lock, Staged};
use crate::site::{self, Begun, Mode, Report, Timings};
use crate::state;

/// Builds the site into `output`: with `full`, everything; otherwise only
/// what changed since the build whose state is kept beside the output
/// (nothing when no input changed), or everything when that cannot be done
/// in place.
pub fn build(
    site_dir: &Path,
    output: &Path,
    base_url: Option<&str>,
    full: bool,
    progress: &(dyn Fn(u64) + Sync),
    on_loaded: &dyn Fn(&Catalogue),
) -> Result<Report, Diagnostics> {
    if full {
        return site::build(site_dir, output, base_url, None, progress, on_loaded);
    }
    let begun = Begun::start(site_dir, output)?;
    let mut lock = Some(begun.lock);
    if let Some(inputs) = &begun.inputs
        && let Some(report) = build_changes(site_dir, &mut lock, base_url, inputs, &begun.timings)?
    {
        return Ok(report);
    }
    let begun = Begun {
        lock: lock.expect("an incremental build that gives up keeps the lock"),
        ..begun
    };
    site::build(site_dir, output, base_url, Some(begun), progress, on_loaded)
}

/// The incremental build: `None` when the state is missing or out of
/// date, or the changes need a full build (the lock is then left in
/// `lock` for it).
fn build_changes(
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
    let plan = Changes::from_stamps(&opened.inputs, inputs, site_dir).plan();
    if plan.is_empty() {
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
    // Said again by `Session::apply`; asked here before the state is
    // decoded for nothing.
    if !plan.in_place() {
        return Ok(None);
    }
    let Some(mut saved) = timings.time("decode", || opened.decode()) else {
        return Ok(None);
    };
    let blocks = std::mem::take(&mut saved.blocks);
    let mut session = Session::resume(site_dir, base_url, saved)?;
    timings
        .stages
        .append(&mut std::mem::take(&mut session.timings.stages));
    if session.catalogue().config.compress {
        return Ok(None);
    }
    let mut sink = Staged::begin_from_previous(lock.take().expect("locked"), site_dir)?;
    let owned = match session.apply(&plan, &sink, Target::Output) {
        Ok(Some(Work::Servers { owned, .. })) => owned,
        gave_up => {
            *lock = Some(sink.abandon());
            return gave_up.map(|_| None);
        }
    };
    timings
        .stages
        .append(&mut std::mem::take(&mut session.timings.stages));
    if let Err(problems) = timings.time("stale", || sink.remove_stale(&owned)) {
        drop(sink.abandon());
        return Err(problems.into());
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
    let changed: Vec<usize> = plan
        .servers
        .iter()
        .filter_map(|s| cat.find_server(s))
        .collect();
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
            servers: plan.servers.len(),
            written: done.written,
            removed: done.removed,
        },
    };
    std::thread::spawn(move || drop(session));
    Ok(Some(report))
}
