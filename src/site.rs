//! The build pipeline, one method per stage: load → validate → model →
//! render → search index → write.
//!
//! Owns the order of the stages, timing each one, and the rule that a build
//! either completes or changes nothing. Commands (`build`, `check`,
//! `snippet`, `serve`) are thin layers over [`load`] and [`render`];
//! nothing here prints.

use crate::routes::{self, Route};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::catalogue::{Catalogue, load, model};
use crate::config::Config;
use crate::content;
use crate::error::{Diagnostic, Diagnostics};
use crate::fs::list_files;
use crate::linkcheck::{self, LinkCheck};
use crate::output::{DryRun, Lock, Sink, Staged};
use crate::render::pages::SiteRenderer;
use crate::render::views::{Link, SiteView};
use crate::render::{Renderer, builtin_assets};
use crate::state;

/// How long each stage took.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// Runs `f`, adding its duration as `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.stages.push((stage, start.elapsed()));
        out
    }

    /// The total of every stage.
    pub fn total(&self) -> Duration {
        self.stages.iter().map(|(_, d)| *d).sum()
    }
}

/// Loads, validates and models the site.
pub fn load(
    site_dir: &Path,
    base_url: Option<&str>,
    timings: &mut Timings,
) -> Result<Catalogue, Diagnostics> {
    let config = timings.time("config", || config(site_dir, base_url))?;
    let mut problems = Diagnostics::new();
    let (
        (servers, unloaded, server_problems),
        ((attacks, attack_problems), (pages, page_problems)),
    ) = timings.time("load", || {
        rayon::join(
            || load::load_servers(site_dir, &config),
            || {
                rayon::join(
                    || content::load_attacks(site_dir, &config),
                    || content::load_pages(site_dir, &config),
                )
            },
        )
    });
    problems.extend(server_problems);
    problems.extend(attack_problems);
    problems.extend(page_problems);
    let (servers, warnings) = timings.time("classify", || model::build_servers(servers, &config));
    let catalogue = timings.time("index", || {
        Catalogue::assemble(config, servers, attacks, pages, warnings)
    });
    problems.extend(timings.time("validate", || {
        crate::catalogue::check_references(&catalogue, &unloaded)
    }));
    problems.sort();
    problems.into_result()?;
    Ok(catalogue)
}

/// Reads site.toml, with `--base-url` (when given) in place of its
/// `base_url`.
pub fn config(site_dir: &Path, base_url: Option<&str>) -> Result<Config, Diagnostics> {
    let mut config = Config::load(site_dir)?;
    if let Some(url) = base_url {
        let patched = Config::parse(&format!("title = \"x\"\nbase_url = {}\n", toml_string(url)))
            .map_err(|problems| {
            problems
                .iter()
                .map(|d| {
                    Diagnostic::new(d.message.replace("base_url", "--base-url"))
                        .help("give an absolute URL, e.g. --base-url https://example.com/docs/")
                })
                .collect::<Diagnostics>()
        })?;
        config.base_url = patched.base_url;
        config.base_path = patched.base_path;
    }
    Ok(config)
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("string serialises")
}

/// Compiles the templates for a catalogue.
pub fn renderer(site_dir: &Path, cat: &Catalogue) -> Result<Renderer, Diagnostics> {
    let site = SiteView {
        title: cat.config.title.clone(),
        description: cat.config.description.clone(),
        base_url: cat.config.base_url.clone(),
        base_path: cat.config.base_path.clone(),
        language: cat.config.language.clone(),
        date: cat.date.clone(),
        search: cat.config.search.enabled,
        categories: cat
            .config
            .categories
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        pages: cat
            .pages
            .iter()
            .map(|p| Link {
                name: p.title.clone(),
                url: format!(
                    "{}{}",
                    cat.config.base_path,
                    crate::routes::Route::Page(&p.slug).path()
                ),
            })
            .collect(),
        extra: cat.config.extra.clone(),
    };
    Renderer::new(site_dir, &site, cat.config.minify)
}

/// Renders every page and copies static files into `sink`. Returns the
/// search postings (with search on) and warnings about the templates.
pub fn render(
    site_dir: &Path,
    cat: &Catalogue,
    sink: &dyn Sink,
    timings: &mut Timings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Option<crate::search::Postings>, Vec<Diagnostic>), Diagnostics> {
    let mut renderer = timings.time("templates", || renderer(site_dir, cat))?;
    let warnings = std::mem::take(&mut renderer.warnings);
    // Every tool's list row, with its table row rendered: shared by every
    // list page.
    let site = timings.time("rows", || SiteRenderer::new(cat, &renderer));
    let mut problems = timings.time("render", || site.render_all(sink, progress));
    // The list rows are not needed past the render: free them before the
    // search index, the other large structure, is built.
    drop(site);
    problems.extend(timings.time("static", || {
        copy_static(site_dir, sink, cat.config.search.enabled)
    }));
    let mut postings = None;
    if cat.config.search.enabled {
        let built = timings.time("search", || {
            let (files, kept) = crate::search::build_keeping(cat)?;
            crate::search::write(&files, sink)?;
            Ok::<_, Diagnostic>(kept)
        });
        match built {
            Ok(kept) => postings = Some(kept),
            Err(d) => problems.push(d),
        }
    }
    problems.into_result()?;
    Ok((postings, warnings))
}

/// Writes the built-in assets (the search script only with `search`), then
/// `static/` over them.
pub fn copy_static(site_dir: &Path, sink: &dyn Sink, search: bool) -> Diagnostics {
    let (files, mut problems) = list_files(site_dir, crate::layout::STATIC, None, true);
    let relative: Vec<String> = files
        .iter()
        .map(|f| {
            f.relative
                .strip_prefix(crate::layout::STATIC)
                .unwrap_or(&f.relative)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let search_js = crate::routes::Route::Asset("search.js").path();
    for (path, text) in builtin_assets() {
        if (search || path != search_js)
            && !relative.contains(&path)
            && let Err(d) = sink.write(&path, text.as_bytes())
        {
            problems.push(d);
        }
    }
    for (f, rel) in files.iter().zip(relative) {
        match std::fs::read(&f.path) {
            Ok(bytes) => {
                if let Err(d) = sink.write(&rel, &bytes) {
                    problems.push(Diagnostic::in_file(&f.relative, d.message));
                }
            }
            Err(e) => problems.push(Diagnostic::in_file(
                &f.relative,
                format!("cannot read: {e}"),
            )),
        }
    }
    problems
}

/// The outcome of a build or check.
#[derive(Debug)]
pub struct Report {
    pub servers: usize,
    pub tools: usize,
    pub files: usize,
    pub pages: usize,
    pub bytes: u64,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    pub output: Option<PathBuf>,
    /// The deletion of the previous output, still running.
    pub cleanup: Option<crate::output::Cleanup>,
    pub mode: Mode,
}

/// How a build went about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rendered every page into a new folder and swapped it in.
    Full,
    /// Rendered only what the changed server records reach, into the
    /// output in place: `written` files changed, `removed` went away.
    Incremental {
        servers: usize,
        written: usize,
        removed: usize,
    },
    /// Nothing changed since the last build.
    UpToDate,
}

/// What a caller that tried an incremental build first hands on to the
/// full build: the output's lock, the stamps of the inputs (`None` when a
/// file could not be stamped) and the stages timed so far.
pub struct Begun {
    pub lock: Lock,
    pub inputs: Option<state::Inputs>,
    pub timings: Timings,
}

impl Begun {
    /// Checks that `site_dir` is a site, takes the lock on `output` and
    /// stamps the inputs.
    pub fn start(site_dir: &Path, output: &Path) -> Result<Begun, Diagnostics> {
        // Before the lock, which makes the output's folder.
        if let Some(d) = crate::fs::not_a_site(site_dir, "give the site folder as an argument") {
            return Err(d.into());
        }
        let mut timings = Timings::default();
        let lock = Lock::acquire(output)?;
        let inputs = timings.time("stamp", || state::Inputs::stamp(site_dir));
        Ok(Begun {
            lock,
            inputs,
            timings,
        })
    }
}

/// Builds the whole site into a new folder that replaces `output` only on
/// success, and keeps the build state beside it (see [`crate::state`]) for
/// the next build to start from. `begun` is what a caller that tried an
/// incremental build first already did ([`Begun::start`]); `None` does it
/// here.
pub fn build(
    site_dir: &Path,
    output: &Path,
    base_url: Option<&str>,
    begun: Option<Begun>,
    progress: &(dyn Fn(u64) + Sync),
    on_loaded: &dyn Fn(&Catalogue),
) -> Result<Report, Diagnostics> {
    let begun = match begun {
        Some(begun) => begun,
        None => Begun::start(site_dir, output)?,
    };
    let Begun {
        lock,
        inputs,
        mut timings,
    } = begun;
    let cat = load(site_dir, base_url, &mut timings)?;
    on_loaded(&cat);
    let staged = Staged::begin(lock, site_dir)?;
    let compressed = crate::output::compress::Compressed { sink: &staged };
    let sink: &dyn Sink = if cat.config.compress {
        &compressed
    } else {
        &staged
    };
    let (postings, template_warnings) = match render(site_dir, &cat, sink, &mut timings, progress) {
        Ok(rendered) => rendered,
        Err(problems) => {
            drop(staged.abandon());
            return Err(problems);
        }
    };
    let files = staged.files.load(Ordering::Relaxed);
    let pages = staged.pages.load(Ordering::Relaxed);
    let bytes = staged.bytes.load(Ordering::Relaxed);
    let cleanup = timings.time("swap", || staged.commit())?;
    let mut warnings = cat.warnings.clone();
    warnings.extend(template_warnings);
    if let Some(inputs) = &inputs
        && let Err(d) = timings.time("state", || {
            state::save(
                site_dir,
                output,
                base_url,
                inputs,
                &cat,
                postings.as_ref(),
                None,
            )
        })
    {
        warnings.push(d);
    }
    let servers = cat.servers.len();
    let tools = cat.tool_count();
    // Freeing a large catalogue one allocation at a time takes a third of a
    // second at 80,000 tools; the command has nothing left to do but print
    // its summary and exit, so it is freed beside that, not before it.
    std::thread::spawn(move || drop(cat));
    Ok(Report {
        servers,
        tools,
        files,
        pages,
        bytes,
        warnings,
        timings,
        output: Some(output.to_path_buf()),
        cleanup: Some(cleanup),
        mode: Mode::Full,
    })
}

/// Loads and renders everything without writing. With `links`, every
/// internal link and `#anchor` of the rendered pages is checked too, and
/// each broken one is a problem.
pub fn check(site_dir: &Path, links: bool) -> Result<Report, Diagnostics> {
    let mut timings = Timings::default();
    let cat = load(site_dir, None, &mut timings)?;
    let sink = LinkCheck::new(
        DryRun::default(),
        &cat.config.base_path,
        &cat.config.base_url,
    );
    let (_, template_warnings) = if links {
        render(site_dir, &cat, &sink, &mut timings, &|_| {})?
    } else {
        render(site_dir, &cat, sink.inner(), &mut timings, &|_| {})?
    };
    let counts = sink.inner();
    let (files, pages, bytes) = (
        counts.files.load(Ordering::Relaxed),
        counts.pages.load(Ordering::Relaxed),
        counts.bytes.load(Ordering::Relaxed),
    );
    if links {
        let broken = timings.time("links", || sink.finish());
        let mut problems = linkcheck::to_diagnostics(
            &broken,
            &cat.config.base_path,
            site_dir,
            &CatalogueSources(&cat),
        );
        problems.sort();
        problems.into_result()?;
    }
    Ok(Report {
        servers: cat.servers.len(),
        tools: cat.tool_count(),
        files,
        pages,
        bytes,
        warnings: cat
            .warnings
            .iter()
            .cloned()
            .chain(template_warnings)
            .collect(),
        timings,
        output: None,
        cleanup: None,
        mode: Mode::Full,
    })
}

/// Maps a page back to the file its text comes from.
struct CatalogueSources<'a>(&'a Catalogue);

impl linkcheck::Sources for CatalogueSources<'_> {
    fn source_of(&self, page: &str) -> Option<PathBuf> {
        let cat = self.0;
        let (list, _) = routes::split_list_page(page);
        match Route::parse(list)? {
            Route::Server(slug)
            | Route::ServerPolicy(slug)
            | Route::Tool { server: slug, .. }
            | Route::ToolPolicy { server: slug, .. } => cat
                .servers
                .iter()
                .find(|s| s.slug == slug)
                .map(|s| s.file.clone()),
            Route::Attack(slug) => cat
                .attacks
                .iter()
                .find(|a| a.slug == slug)
                .map(|a| a.file.clone()),
            Route::Page(slug) => cat
                .pages
                .iter()
                .find(|p| p.slug == slug)
                .map(|p| p.file.clone()),
            _ => None,
        }
    }
}
