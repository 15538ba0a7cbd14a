//! `toolrisk build` and `toolrisk check`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use super::CmdResult;
use crate::site::{self, Mode, Report};

/// Builds with fewer tools than this finish too fast for a progress bar.
const PROGRESS_THRESHOLD: usize = 5_000;

pub fn build(
    site_dir: &Path,
    output: Option<PathBuf>,
    base_url: Option<&str>,
    full: bool,
    timings: bool,
) -> CmdResult {
    let started = std::time::Instant::now();
    let output = output.unwrap_or_else(|| site_dir.join("public"));
    let bar = ProgressBar::hidden();
    let show = std::io::stderr().is_terminal() && !crate::term::quiet();
    let progress = |n: u64| bar.inc(n);
    let on_loaded = |cat: &crate::catalogue::Catalogue| {
        if show && cat.tool_count() >= PROGRESS_THRESHOLD {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(crate::render::expected_pages(cat) as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} rendering {pos}/{len} pages [{bar:30}] {per_sec} eta {eta}",
                )
                .expect("progress template")
                .progress_chars("=> "),
            );
        }
    };
    let report =
        crate::incremental::build(site_dir, &output, base_url, full, &progress, &on_loaded);
    bar.finish_and_clear();
    let mut report = report?;
    print_warnings(&report);
    if timings && !crate::term::quiet() {
        print_timings(&report);
    }
    if let Some(cleanup) = report.cleanup.take() {
        cleanup.join();
    }
    if !crate::term::quiet() {
        println!("{}", summary("Built", &report, started.elapsed()));
    }
    Ok(())
}

/// One line per stage with its share of the total.
fn print_timings(report: &Report) {
    let total = report.timings.total().as_secs_f64().max(1e-9);
    for (stage, d) in &report.timings.stages {
        eprintln!(
            "{stage:>10} {:>9.3} s {:>5.1} %",
            d.as_secs_f64(),
            100.0 * d.as_secs_f64() / total
        );
    }
}

pub fn check(site_dir: &Path, links: bool, review: bool) -> CmdResult {
    let started = std::time::Instant::now();
    let report = site::check(site_dir, links)?;
    print_warnings(&report);
    if review {
        let cat = site::load(site_dir, None, &mut site::Timings::default())?;
        print!("{}", review_queue(&cat));
    }
    if !crate::term::quiet() {
        println!("{}", summary("Checked", &report, started.elapsed()));
    }
    Ok(())
}

/// The review queue as terminal text: one block per tool, least sure first.
/// Every record-supplied string is made safe for a terminal.
pub fn review_queue(cat: &crate::catalogue::Catalogue) -> String {
    use crate::text::for_terminal;
    let ids = crate::render::review_ids(cat);
    let mut out = format!(
        "Review queue: {} classified with a confidence below {:.2}\n",
        crate::text::count_s(ids.len(), "tool"),
        cat.config.review.below
    );
    for id in ids {
        let (server, tool) = (cat.server(id), cat.tool(id));
        let class = &tool.class;
        let runner_up = class
            .runner_up
            .map(|r| format!("; runner-up {}", cat.config.categories[r].name))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}/{}: {} (confidence {:.2}{runner_up})\n",
            server.slug,
            for_terminal(&tool.name),
            cat.config.categories[class.category].name,
            class.confidence
        ));
        for e in &class.category_evidence {
            out.push_str(&format!(
                "      {} “{}”: {}\n",
                e.source.as_str(),
                for_terminal(&e.quote),
                for_terminal(&e.note)
            ));
        }
    }
    out
}

fn print_warnings(report: &Report) {
    for w in &report.warnings {
        crate::term::warn(&w.to_string());
    }
}

/// The closing summary line; `took` is the whole command's time.
pub fn summary(verb: &str, r: &Report, took: std::time::Duration) -> String {
    let secs = took.as_secs_f64();
    // HTML pages per second; the other files (policy.json, API, assets) are
    // counted but not in the rate.
    let rate = if secs > 0.0 {
        r.pages as f64 / secs
    } else {
        0.0
    };
    let changes = match r.mode {
        Mode::Full => None,
        Mode::UpToDate => Some(
            "Up to date: no input changed since the last build (--full renders everything)"
                .to_string(),
        ),
        Mode::Incremental {
            servers,
            written,
            removed,
        } => Some(format!(
            "Rebuilt for {}: {} rendered, {written} changed and written, {removed} removed",
            crate::text::count_s(servers, "changed server record"),
            crate::text::count_s(r.files, "file"),
        )),
    };
    if let Some(mut s) = changes {
        s.push_str(&format!(
            " ({} and {}, {} in {:.2} s)",
            crate::text::count_s(r.servers, "server"),
            crate::text::count_s(r.tools, "tool"),
            crate::text::count_s(r.warnings.len(), "warning"),
            secs
        ));
        if let Some(out) = &r.output {
            s.push_str(&format!(" → {}", out.display()));
        }
        return s;
    }
    let mut s = format!(
        "{verb} {} and {} more files ({:.1} MB) for {} and {} with {} in {:.2} s ({:.0} pages/s)",
        crate::text::count_s(r.pages, "page"),
        r.files - r.pages,
        r.bytes as f64 / 1_000_000.0,
        crate::text::count_s(r.servers, "server"),
        crate::text::count_s(r.tools, "tool"),
        crate::text::count_s(r.warnings.len(), "warning"),
        secs,
        rate,
    );
    if let Some(out) = &r.output {
        s.push_str(&format!(" → {}", out.display()));
    }
    s
}
