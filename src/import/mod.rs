//! `toolrisk import`: bringing a server record up to date from the live
//! server, and recording every change to a tool's definition.
//!
//! Owns the whole of an import: checking the slug and the existing record
//! first, asking the server (`client`, over stdio, or `http`), merging its
//! answer into the record while keeping the fields people set by hand and
//! appending definition history (`merge`), checking the result with the
//! build's own loader, and writing it in one atomic step. A failed import
//! names the server and the step and leaves the record as it was.
//! `--pin` records the current definitions without a server.
//!
//! The history format and the hash are the catalogue's
//! ([`crate::catalogue::history`]): builds read and check them too.

pub mod client;
mod http;
pub mod merge;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};

pub use client::Source;
use client::{Bounds, Failure, Listing, Step};

/// What `toolrisk import` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub slug: String,
    pub site_dir: PathBuf,
    /// `None` with `pin`.
    pub source: Option<Source>,
    pub timeout: Duration,
    /// The date recorded (`checked`, history); today when not given.
    pub date: Option<String>,
    pub pin: bool,
    pub server_json: Option<PathBuf>,
}

/// Runs an import; prints one summary line on success.
pub fn run(opts: &Options) -> Result<(), Diagnostics> {
    let config = Config::load(&opts.site_dir)?;
    let relative = crate::layout::InputFile::Server(opts.slug.clone()).relative();
    crate::catalogue::load::check_server_slug(&opts.slug, &relative).map_err(|mut d| {
        d.message = format!(
            "`{}` cannot be a server slug (it names the record file): {}",
            crate::text::for_terminal(&opts.slug),
            d.message
        );
        Diagnostics::from(d)
    })?;
    let date = match &opts.date {
        Some(d) if crate::text::is_iso_date(d) => d.clone(),
        Some(d) => {
            return Err(Diagnostic::new(format!(
                "`--date {}` is not a date",
                crate::text::for_terminal(d)
            ))
            .help("write it as YYYY-MM-DD")
            .into());
        }
        None => today(),
    };
    let path = opts.site_dir.join(&relative);
    let old = read_existing(&path, &relative, &opts.slug, &config)?;

    let (record, line) = if opts.pin {
        let Some(mut record) = old else {
            return Err(
                Diagnostic::in_file(&relative, "there is no such record to pin")
                    .help("import the server first: `toolrisk import SLUG -- COMMAND`")
                    .into(),
            );
        };
        let pinned =
            merge::pin(&mut record, &date).map_err(|m| Diagnostic::in_file(&relative, m))?;
        if pinned.is_empty() {
            println!(
                "{}: every tool already matches its newest recorded definition",
                relative.display()
            );
            return Ok(());
        }
        let line = format!(
            "Pinned {} of {}: {}",
            crate::text::count_s(pinned.len(), "tool definition"),
            relative.display(),
            crate::text::for_terminal(&pinned.join(", "))
        );
        (record, line)
    } else {
        let Some(source) = &opts.source else {
            return Err(Diagnostic::new("no server to import from")
                .help("give its command after `--` (stdio), or `--url URL` (Streamable HTTP), or use `--pin`")
                .into());
        };
        let bounds = client::Bounds {
            timeout: opts.timeout,
            max_tools: config.limits.max_tools_per_server,
            max_bytes: config.limits.max_record_bytes.saturating_mul(2),
        };
        let listing = fetch(source, bounds).map_err(|f| {
            Diagnostics::from(
                Diagnostic::new(format!(
                    "importing {} from {}: {}: {}",
                    opts.slug,
                    source.describe(),
                    f.step.as_str(),
                    f.message
                ))
                .help(format!(
                    "{}\n   {} was left as it was",
                    f.help,
                    relative.display()
                )),
            )
        })?;
        let (mut record, summary) = merge::merge(
            old.as_ref(),
            &listing.info,
            &listing.tools,
            &opts.slug,
            &date,
        )
        .map_err(|m| {
            Diagnostic::new(format!(
                "importing {} from {}: checking the tool list: {m}",
                opts.slug,
                source.describe()
            ))
            .help(format!("{} was left as it was", relative.display()))
        })?;
        if old.is_none() {
            record = with_schema(record, &config);
        }
        if let Some(file) = &opts.server_json {
            server_json(&mut record, file)?;
        }
        let mut parts = vec![crate::text::count_s(summary.tools, "tool")];
        for (what, names) in [
            ("added", &summary.added),
            ("removed", &summary.removed),
            ("changed", &summary.changed),
        ] {
            if !names.is_empty() {
                parts.push(format!(
                    "{what}: {}",
                    crate::text::for_terminal(&names.join(", "))
                ));
            }
        }
        let line = format!(
            "Imported {} into {} ({})",
            opts.slug,
            relative.display(),
            parts.join("; ")
        );
        (record, line)
    };
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&Value::Object(record)).unwrap_or_default()
    );
    // The result must be a record the build accepts, or nothing is written.
    if let Err(problems) =
        crate::catalogue::load::parse_server(&opts.slug, &relative, &text, &config)
    {
        let mut out = Diagnostics::new();
        out.push(
            Diagnostic::new(format!(
                "importing {}: checking the tool list: the server's answer would make an invalid record ({})",
                opts.slug,
                crate::text::count_s(problems.len(), "problem")
            ))
            .help(format!("{} was left as it was; the problems follow", relative.display())),
        );
        out.extend(problems);
        return Err(out);
    }
    write_atomic(&path, text.as_bytes()).map_err(|e| {
        Diagnostic::in_file(&relative, format!("could not write the record: {e}"))
            .help("check that the folder exists and is writable; the old record was kept")
    })?;
    println!("{line}");
    Ok(())
}

/// The existing record as JSON, after checking that it is a valid record
/// (a broken one is not overwritten: fix it first).
fn read_existing(
    path: &Path,
    relative: &Path,
    slug: &str,
    config: &Config,
) -> Result<Option<Map<String, Value>>, Diagnostics> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(
                Diagnostic::in_file(relative, format!("could not read the record: {e}")).into(),
            );
        }
    };
    crate::catalogue::load::parse_server(slug, relative, &text, config).map_err(|mut d| {
        d.push(
            Diagnostic::in_file(
                relative,
                "the existing record has problems, so import will not rewrite it",
            )
            .help("fix them (`toolrisk check` lists them) and import again"),
        );
        d
    })?;
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        Diagnostics::from(crate::catalogue::record_text::json_diagnostic(relative, &e))
    })?;
    Ok(v.as_object().cloned())
}

/// Merges an MCP Registry `server.json`: name, title, description,
/// version, repository, packages and remotes.
fn server_json(record: &mut Map<String, Value>, file: &Path) -> Result<(), Diagnostics> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Diagnostic::in_file(file, format!("could not read {shown}: {e}")))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| Diagnostics::from(crate::catalogue::record_text::json_diagnostic(file, &e)))?;
    let Some(obj) = v.as_object() else {
        return Err(Diagnostic::in_file(file, "a server.json is a JSON object").into());
    };
    let text_field = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(1024).collect::<String>())
    };
    if let Some(d) = text_field("description") {
        record.entry("description").or_insert(Value::String(d));
    }
    if let Some(t) = text_field("title") {
        record.insert("name".into(), Value::String(t));
    }
    if let Some(url) = obj
        .get("repository")
        .and_then(|r| r.get("url"))
        .and_then(Value::as_str)
    {
        let repo = url
            .trim_end_matches(".git")
            .strip_prefix("https://github.com/")
            .unwrap_or(url)
            .to_string();
        record.entry("repository").or_insert(Value::String(repo));
    }
    let extra = record
        .entry("extra")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(extra) = extra.as_object_mut() {
        let mut reg = Map::new();
        for k in ["name", "title", "version", "packages", "remotes"] {
            if let Some(v) = obj.get(k) {
                reg.insert(k.into(), v.clone());
            }
        }
        extra.insert("registry".into(), Value::Object(reg));
    }
    Ok(())
}

/// Writes `bytes` to `path` in one step: a temporary file beside it,
/// synced, then renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".import-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date((secs / 86_400) as i64)
}

/// The calendar date `days` after 1970-01-01 (proleptic Gregorian).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Connects over stdio or HTTP, lists every tool and disconnects.
fn fetch(source: &Source, bounds: Bounds) -> Result<Listing, Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            step: Step::Start,
            message: format!("could not start the async runtime: {e}"),
            help: String::new(),
        })?;
    rt.block_on(async {
        match source {
            Source::Stdio(argv) => client::stdio(argv, bounds).await,
            Source::Http { url, headers } => http::fetch(url, headers, bounds).await,
        }
    })
}

/// A new record, naming first the site's published record schema
/// (`"$schema"`), so that an editor completes and checks it. A record that
/// exists keeps what it has.
fn with_schema(
    record: serde_json::Map<String, serde_json::Value>,
    config: &Config,
) -> serde_json::Map<String, serde_json::Value> {
    let url = format!(
        "{}{}",
        config.base_url,
        crate::routes::Route::ServerSchema.path()
    );
    let mut out = serde_json::Map::new();
    out.insert("$schema".into(), serde_json::Value::String(url));
    out.extend(record);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(19_723), "2024-01-01");
        assert_eq!(super::civil_date(20_694), "2026-08-29");
    }
}
