//! `toolrisk serve`: build, serve over HTTP, watch, rebuild, live reload.
//!
//! An outer layer over the same pipeline `build` uses ([`crate::site`]):
//! this module owns the preview folder (a temporary folder, never the
//! user's output; where it goes is [`preview_dir`]'s), the watcher and its
//! debounce, the rebuild loop (the watched paths made into
//! [`Changes`], whose plan the kept [`Session`] applies, as `build` does),
//! and the state the HTTP layer in [`http`] reads: the last build's errors and the reload broadcast. A
//! failed rebuild leaves the last good site in place and sends the errors to
//! every open page, which shows them as an overlay.

pub mod http;
pub mod preview_dir;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::{Diagnostic, Diagnostics};
use crate::incremental::{Changes, Plan, Session, Target, Work};
use crate::layout::{self, InputFile};
use crate::output::Incremental;
use crate::text;

/// Options of `toolrisk serve`.
#[derive(Debug, Clone)]
pub struct Options {
    pub site_dir: PathBuf,
    pub interface: String,
    pub port: u16,
    pub open: bool,
    /// Print each rebuild's stages.
    pub timings: bool,
}

/// A message to the open pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The site changed: reload.
    Reload,
    /// The last rebuild failed: show these problems.
    Errors { errors: Vec<String> },
}

/// What the HTTP layer shares with the rebuild loop.
pub struct State {
    /// The folder being served.
    pub root: PathBuf,
    /// The problems of the last rebuild, empty when it succeeded.
    pub errors: RwLock<Vec<String>>,
    pub events: broadcast::Sender<LiveEvent>,
    /// The `--interface` given, a host name requests may also use.
    pub interface: String,
}

/// The most threads serve's file reads may use at once.
const BLOCKING_THREADS: usize = 8;

/// Runs the preview server until Ctrl-C.
pub fn serve(opts: Options) -> Result<(), Diagnostics> {
    // File reads run on tokio's blocking pool, which grows to 512 threads
    // by default: under 64 connections it grew to 59, each thread keeping
    // an allocator heap of its own, and memory grew with it. A preview on a
    // 2-core machine gains nothing past a few.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::new(format!("cannot start the server runtime: {e}")))?;
    let listener = runtime.block_on(http::bind(&opts.interface, opts.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Diagnostic::new(format!("cannot read the bound address: {e}")))?;
    if opts.port != 0 && addr.port() != opts.port {
        crate::term::note(&format!(
            "port {} is in use; serving on port {} instead",
            opts.port,
            addr.port()
        ));
    }
    let base_url = format!("http://{}/", addr);
    // A fresh folder of its own (never a path another user could plant),
    // removed when the server stops.
    let prefix = format!("toolrisk-serve-{}-", std::process::id());
    let preview = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(preview_dir::parent(&opts.site_dir))
        .or_else(|_| tempfile::Builder::new().prefix(&prefix).tempdir())
        .map_err(|e| Diagnostic::new(format!("cannot create the preview folder: {e}")))?;
    let root = preview.path().to_path_buf();
    crate::term::note(&format!("preview folder: {}", root.display()));
    preview_dir::sweep_stale(&root);
    let sink = Incremental::new(&root)?;
    let (events, _) = broadcast::channel(64);
    let state = Arc::new(State {
        root: root.clone(),
        errors: RwLock::new(Vec::new()),
        events,
        interface: opts.interface.clone(),
    });

    let started = Instant::now();
    let mut preview_site = Preview {
        site_dir: opts.site_dir.clone(),
        base_url: base_url.clone(),
        sink,
        session: None,
        timings: opts.timings,
    };
    let first = preview_site.apply(&Plan::default(), &state);
    match &first {
        Ok(done) => crate::term::note(&format!(
            "built {} in {} ms",
            text::count_s(done.written, "file"),
            started.elapsed().as_millis()
        )),
        Err(problems) => {
            crate::error::print_all(problems);
            crate::term::note(
                "the site has problems; serving what could be built and showing the errors in the page",
            );
        }
    }

    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(Duration::from_millis(DEBOUNCE_MS), None, move |r| {
        let _ = tx.send(r);
    })
    .map_err(|e| Diagnostic::new(format!("cannot watch the site folder: {e}")))?;
    // The site folder itself only for site.toml and for content/,
    // templates/ and static/ appearing; those three recursively. Never the
    // whole tree: it may hold the build output or a `target/` folder.
    debouncer
        .watch(&opts.site_dir, RecursiveMode::NonRecursive)
        .map_err(|e| Diagnostic::in_file(&opts.site_dir, format!("cannot watch: {e}")))?;
    let mut watched = Vec::new();
    watch_source_folders(&mut debouncer, &opts.site_dir, &mut watched);

    let loop_state = state.clone();
    std::thread::spawn(move || watch_loop(rx, preview_site, &loop_state, debouncer, watched));

    let shutdown = {
        let _inside = runtime.enter();
        http::Shutdown::listen()
    };
    crate::term::note(&format!(
        "serving {} at {base_url} (Ctrl-C to stop)",
        opts.site_dir.display()
    ));
    if opts.open {
        open_browser(&base_url);
    }
    runtime.block_on(http::run(listener, state, shutdown))?;
    drop(preview);
    crate::term::note("stopped");
    Ok(())
}

/// How long the watcher waits for a burst of file events to end. Editors
/// save in a few milliseconds (write beside, rename over).
const DEBOUNCE_MS: u64 = 25;

/// The folders watched recursively.
use crate::layout::SOURCE_FOLDERS;

type Debouncer = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Starts watching the source folders that exist and are not watched yet.
fn watch_source_folders(
    debouncer: &mut Debouncer,
    site_dir: &Path,
    watched: &mut Vec<&'static str>,
) {
    for sub in SOURCE_FOLDERS {
        let p = site_dir.join(sub);
        if !watched.contains(&sub) && p.is_dir() {
            match debouncer.watch(&p, RecursiveMode::Recursive) {
                Ok(()) => watched.push(sub),
                Err(e) => crate::term::warn(&format!("cannot watch {}: {e}", p.display())),
            }
        }
    }
}

/// Waits for changes and applies them until the channel closes.
fn watch_loop(
    rx: std::sync::mpsc::Receiver<DebounceEventResult>,
    mut preview: Preview,
    state: &State,
    mut debouncer: Debouncer,
    mut watched: Vec<&'static str>,
) {
    let site_dir = preview.site_dir.clone();
    let site_dir = site_dir.as_path();
    let mut retry = Changes::default();
    let site_abs = site_dir
        .canonicalize()
        .unwrap_or_else(|_| site_dir.to_path_buf());
    loop {
        // The search index is rebuilt once the pages are out, when no
        // change is waiting (a change is worked on first).
        let first = if preview.search_pending() {
            match rx.try_recv() {
                Ok(batch) => batch,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    preview.refresh_search();
                    continue;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(batch) => batch,
                Err(_) => break,
            }
        };
        // Take every batch already waiting, so one save of many files is one rebuild.
        let mut batches = vec![first];
        while let Ok(more) = rx.try_recv() {
            batches.push(more);
        }
        let started = Instant::now();
        let mut found = Vec::new();
        for batch in batches.into_iter().flatten() {
            for event in batch {
                use notify::EventKind;
                use notify::event::ModifyKind;
                if matches!(
                    event.kind,
                    EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
                ) {
                    continue;
                }
                for path in &event.paths {
                    let rel = path
                        .strip_prefix(&site_abs)
                        .or_else(|_| path.strip_prefix(site_dir))
                        .unwrap_or(path);
                    found.push(rel.to_path_buf());
                }
            }
        }
        if watched.len() < SOURCE_FOLDERS.len() {
            let before = watched.len();
            watch_source_folders(&mut debouncer, site_dir, &mut watched);
            if watched.len() > before {
                // Files created with a new folder may predate its watch: rebuild, and copy every static file.
                found.push(InputFile::Settings.relative());
                let (files, _) = crate::fs::list_files(site_dir, layout::STATIC, None, true);
                found.extend(files.into_iter().map(|f| f.relative));
            }
        }
        let mut changes = Changes::from_paths(found.iter().map(PathBuf::as_path));
        if changes.plan().is_empty() {
            continue;
        }
        // Work a failed rebuild left undone is done with this one.
        changes.merge(&retry);
        let result = preview.apply(&changes.plan(), state);
        retry = if result.is_ok() {
            Changes::default()
        } else {
            changes
        };
        match result {
            Ok(done) => crate::term::note(&format!(
                "rebuilt in {} ms ({}): {} written, {} removed",
                started.elapsed().as_millis(),
                done.work,
                text::count_s(done.written, "file"),
                done.removed
            )),
            Err(problems) => crate::error::print_all(&problems),
        }
    }
}

/// What a rebuild did and wrote.
struct Done {
    work: String,
    written: usize,
    removed: usize,
    /// How long writing into the preview folder took.
    commit: std::time::Duration,
}

/// The preview folder and the build state behind it.
struct Preview {
    site_dir: PathBuf,
    base_url: String,
    sink: Incremental,
    /// The last good build; `None` until one succeeds.
    session: Option<Session>,
    /// Print each rebuild's stages.
    timings: bool,
}

impl Preview {
    fn search_pending(&self) -> bool {
        self.session.as_ref().is_some_and(Session::search_pending)
    }

    /// Rebuilds the search index after a rebuild left it out of date, and
    /// commits the index folder alone. Pages already loaded keep the index
    /// they fetched; the next search of a new page view sees this one. A
    /// failure is reported and the index marked up to date, so that it is
    /// not tried again until the next change.
    fn refresh_search(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let started = Instant::now();
        self.sink.begin();
        let result = session.refresh_search(&self.sink).and_then(|folders| {
            self.sink
                .commit_partial(&folders)
                .map_err(Diagnostics::from)
        });
        match result {
            Ok(c) => crate::term::note(&format!(
                "search index rebuilt in {} ms: {} written, {} removed",
                started.elapsed().as_millis(),
                text::count_s(c.written, "file"),
                c.removed
            )),
            Err(problems) => {
                self.sink.abandon();
                session.search_given_up();
                crate::error::print_all(&problems);
            }
        }
    }

    /// Carries out `plan` (a full build when there is no session yet);
    /// writes what changed into the preview folder only when everything
    /// succeeded; then tells the pages to reload or shows the errors.
    fn apply(&mut self, plan: &Plan, state: &State) -> Result<Done, Diagnostics> {
        self.sink.begin();
        let sink = &mut self.sink;
        let ran = run_plan(
            &self.site_dir,
            &self.base_url,
            plan,
            &mut self.session,
            sink,
        );
        let rendered = ran.is_ok();
        let result = ran.and_then(|work| {
            let commit_started = Instant::now();
            let committed = match &work {
                Work::Servers { owned, .. } => sink.commit_partial(owned),
                Work::Statics => sink.commit(false),
                Work::Full | Work::Templates => sink.commit(true),
            };
            committed.map_err(Diagnostics::from).map(|c| Done {
                work: describe(&work),
                written: c.written,
                removed: c.removed,
                commit: commit_started.elapsed(),
            })
        });
        if result.is_err() {
            sink.abandon();
            // Rendered but not written: the session is ahead of the folder.
            if rendered && let Some(session) = self.session.as_mut() {
                session.distrust();
            }
        }
        publish(state, result.as_ref().map(|d| d.written + d.removed));
        if self.timings
            && let Some(s) = &self.session
        {
            // The session's stages, then the write into the preview folder.
            let commit = result.as_ref().ok().map(|d| ("commit", d.commit));
            let stages: Vec<String> = s
                .timings
                .stages
                .iter()
                .copied()
                .chain(commit)
                .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1000.0))
                .collect();
            crate::term::note(&format!("  stages: {}", stages.join(", ")));
        }
        result
    }
}

fn describe(work: &Work) -> String {
    match work {
        Work::Statics => "static files".into(),
        Work::Full => "whole site".into(),
        Work::Templates => "templates, every page".into(),
        Work::Servers {
            servers,
            tool_pages,
            ..
        } => format!(
            "{}, {}",
            text::count_s(*servers, "server record"),
            text::count_s(*tool_pages, "tool page")
        ),
    }
}

/// The first build when there is no session yet, else `plan` applied to
/// the session.
fn run_plan(
    site_dir: &Path,
    base_url: &str,
    plan: &Plan,
    session: &mut Option<Session>,
    sink: &Incremental,
) -> Result<Work, Diagnostics> {
    let Some(current) = session else {
        *session = Some(Session::start(site_dir, base_url, sink)?);
        return Ok(Work::Full);
    };
    Ok(current
        .apply(plan, sink, Target::Preview)?
        .expect("a preview rebuild never gives up"))
}

/// Records the outcome and tells every open page: reload when files
/// changed or errors cleared, the errors when there are any, nothing when a
/// save changed nothing.
fn publish(state: &State, result: Result<usize, &Diagnostics>) {
    let errors: Vec<String> = match result {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    };
    let had_errors = {
        let mut current = state.errors.write().expect("error state");
        let had = !current.is_empty();
        *current = errors.clone();
        had
    };
    let event = match result {
        Err(_) => Some(LiveEvent::Errors { errors }),
        Ok(files) if files > 0 || had_errors => Some(LiveEvent::Reload),
        Ok(_) => None,
    };
    if let Some(event) = event {
        let _ = state.events.send(event);
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        crate::term::note(&format!("cannot open a browser ({e}); open {url} yourself"));
    }
}
