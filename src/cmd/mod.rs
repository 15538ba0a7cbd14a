//! The command line: clap definitions and one thin function per command.
//!
//! Commands parse arguments, call the pipeline in [`crate::site`], and print
//! results and problems. They hold no logic of their own beyond choosing
//! what to print.

mod build;
mod init;
mod shell;
mod snippet;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Diagnostics;

/// toolrisk turns a catalogue of MCP servers and their tools into a static
/// site of tool risk pages with recommended policies.
#[derive(Debug, Parser)]
#[command(name = "toolrisk", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print errors only: no summary, warnings, progress or status lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour toolrisk's own error, warning and help labels. `auto`
    /// colours on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, global = true, default_value_t = crate::term::ColorWhen::Auto, value_name = "WHEN")]
    pub color: crate::term::ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    ///
    /// The site is written to a staging folder beside the output and swapped
    /// in only when every page rendered; a failed build leaves the previous
    /// output untouched. When only existing server records changed since the
    /// last build into the same output, only the pages they reach are
    /// rendered, and only files whose bytes changed are rewritten in place.
    Build {
        /// The site folder (holding site.toml).
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Where to write the site [default: SITE_DIR/public]. Must be new,
        /// empty, or an earlier toolrisk output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Override site.toml's base_url (e.g. for a preview deployment).
        #[arg(long)]
        base_url: Option<String>,
        /// Render every page, even when the last build's state says that only
        /// some server records changed (or nothing did).
        #[arg(long)]
        full: bool,
        /// Print how long each stage took.
        #[arg(long)]
        timings: bool,
    },
    /// Load, validate, classify and render everything without writing, and
    /// check every internal link and #anchor of the rendered pages.
    ///
    /// Exits with code 1 and lists every problem when anything is wrong,
    /// each broken link with the page it is on.
    Check {
        /// The site folder (holding site.toml).
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Skip the link check (it reads every rendered page).
        #[arg(long)]
        no_links: bool,
        /// Also print the review queue: the tools classified with a
        /// confidence below `[review] below` in site.toml, least sure first,
        /// with their evidence and runner-up category.
        #[arg(long)]
        review: bool,
    },
    /// Build the site, serve it, and rebuild and reload open pages on every change.
    ///
    /// Watches content/, templates/, static/ and site.toml. A failed rebuild
    /// keeps serving the last good site and shows the errors on the open pages.
    Serve {
        /// The site folder (holding site.toml).
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// The port to listen on; the next free one is used if it is taken.
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on.
        #[arg(short, long, default_value = "127.0.0.1")]
        interface: String,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Print where each rebuild's time went, stage by stage.
        #[arg(long)]
        timings: bool,
    },
    /// Create a new site that builds at once.
    Init {
        /// The folder to create; must not exist or be empty.
        dir: PathBuf,
    },
    /// Write or update a server record from the live server's tool list.
    ///
    /// Starts the server (`-- COMMAND [ARGS...]`, over stdio) or reaches it
    /// (`--url URL`, Streamable HTTP), runs `initialize` and `tools/list` to
    /// its last page, and writes content/servers/SLUG.json: the tools as the
    /// server lists them, hand-set fields (category, risk, rationale; the
    /// server's name, description, repository, extra) kept, and a history
    /// entry for every tool whose definition changed. A failed import names
    /// the step and leaves the record as it was.
    #[command(
        after_help = "examples:\n  toolrisk import time -- uvx mcp-server-time\n  toolrisk import everything --url http://127.0.0.1:3001/mcp --header 'Authorization: Bearer TOKEN'\n  toolrisk import --pin time"
    )]
    Import {
        /// The server's slug: the record is content/servers/SLUG.json.
        slug: String,
        /// The site folder (holding site.toml).
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// A Streamable HTTP endpoint instead of a command.
        #[arg(long, conflicts_with = "command")]
        url: Option<String>,
        /// An HTTP header for --url, `NAME:VALUE`; may be repeated.
        #[arg(long = "header", requires = "url")]
        headers: Vec<String>,
        /// Seconds to wait for the whole session before giving up.
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
        /// The date to record as `checked` and in history [default: today, UTC].
        #[arg(long)]
        date: Option<String>,
        /// Record the current definitions in the record as reviewed, without
        /// contacting a server.
        #[arg(long, conflicts_with_all = ["url", "command"])]
        pin: bool,
        /// An MCP Registry server.json whose name, title, description,
        /// version, repository, packages and remotes are merged in.
        #[arg(long)]
        server_json: Option<PathBuf>,
        /// The server's command and arguments, after `--`.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Print a tool's or a server's recommended policy, or a tool's risk card.
    ///
    /// SERVER/TOOL prints one tool; SERVER alone prints the whole server's
    /// policy (json format only).
    Snippet {
        /// `server-slug/tool-name` or `server-slug`.
        reference: String,
        /// What to print.
        #[arg(short, long, value_enum, default_value_t = SnippetFormat::Json)]
        format: SnippetFormat,
        /// The site folder (holding site.toml).
        #[arg(long, default_value = ".")]
        site: PathBuf,
    },
    /// Print a shell completion script for toolrisk.
    ///
    /// bash: `toolrisk completions bash > ~/.local/share/bash-completion/completions/toolrisk`;
    /// zsh: `toolrisk completions zsh > "${fpath[1]}/_toolrisk"`;
    /// fish: `toolrisk completions fish > ~/.config/fish/completions/toolrisk.fish`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print toolrisk's manual page (roff), e.g. `toolrisk man > toolrisk.1`.
    Man,
}

/// Output formats of `snippet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnippetFormat {
    /// The policy.json document.
    Json,
    /// A markdown risk card with the policy.
    Markdown,
    /// An HTML risk card with the policy, as the tool_card shortcode renders it.
    Html,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    crate::term::configure(cli.quiet, cli.color);
    let result = match cli.command {
        Command::Build {
            site_dir,
            output,
            base_url,
            full,
            timings,
        } => build::build(&site_dir, output, base_url.as_deref(), full, timings),
        Command::Check {
            site_dir,
            no_links,
            review,
        } => build::check(&site_dir, !no_links, review),
        Command::Init { dir } => init::init(&dir),
        Command::Serve {
            site_dir,
            port,
            interface,
            open,
            timings,
        } => crate::serve::serve(crate::serve::Options {
            timings,
            site_dir,
            interface,
            port,
            open,
        }),
        Command::Import {
            slug,
            site,
            url,
            headers,
            timeout,
            date,
            pin,
            server_json,
            command,
        } => import(
            slug,
            site,
            url,
            headers,
            timeout,
            date,
            pin,
            server_json,
            command,
        ),
        Command::Snippet {
            reference,
            format,
            site,
        } => snippet::snippet(&site, &reference, format),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man => shell::man(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            crate::error::print_all(&problems);
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn import(
    slug: String,
    site_dir: PathBuf,
    url: Option<String>,
    headers: Vec<String>,
    timeout: f64,
    date: Option<String>,
    pin: bool,
    server_json: Option<PathBuf>,
    command: Vec<String>,
) -> CmdResult {
    use crate::error::Diagnostic;
    let mut parsed = Vec::new();
    for h in &headers {
        let Some((name, value)) = h.split_once(':').filter(|(n, _)| !n.trim().is_empty()) else {
            return Err(
                Diagnostic::new(format!("`--header {h}` is not `NAME:VALUE`"))
                    .help("write it as e.g. `--header 'Authorization: Bearer TOKEN'`")
                    .into(),
            );
        };
        parsed.push((name.trim().to_string(), value.trim().to_string()));
    }
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 86_400.0) {
        return Err(Diagnostic::new(format!(
            "`--timeout {timeout}` is not a number of seconds between 0 and 86400"
        ))
        .into());
    }
    let source = match (url, command.is_empty()) {
        (Some(url), _) => Some(crate::import::Source::Http {
            url,
            headers: parsed,
        }),
        (None, false) => Some(crate::import::Source::Stdio(command)),
        (None, true) => None,
    };
    crate::import::run(&crate::import::Options {
        slug,
        site_dir,
        source,
        timeout: std::time::Duration::from_secs_f64(timeout),
        date,
        pin,
        server_json,
    })
}

/// The result of a command: problems are printed by [`run`].
pub type CmdResult = Result<(), Diagnostics>;
