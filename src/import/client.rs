//! Talking to one MCP server with the official Rust SDK: start it (a child
//! process over stdio) or reach it (Streamable HTTP), `initialize`, page
//! through `tools/list`, shut it down, and always reap the child.
//!
//! Everything the server sends is untrusted: its output on stdout is read
//! through a tap that bounds its size and remembers the first line that is
//! not JSON-RPC (the usual fault: a server logging to stdout), its stderr is
//! kept to a bounded tail for error messages, and the tool list is bounded
//! in pages and tools.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{
    ClientCapabilities, Implementation, InitializeRequestParams, PaginatedRequestParams,
    ProtocolVersion,
};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// Where the server is.
#[derive(Debug, Clone)]
pub enum Source {
    /// A command to start, speaking MCP on its stdin and stdout.
    Stdio(Vec<String>),
    /// A Streamable HTTP endpoint, with extra request headers.
    Http {
        url: String,
        headers: Vec<(String, String)>,
    },
}

impl Source {
    /// How messages name the server: the command line or the URL.
    pub fn describe(&self) -> String {
        match self {
            Source::Stdio(argv) => format!("`{}`", crate::text::for_terminal(&argv.join(" "))),
            Source::Http { url, .. } => format!("<{}>", crate::text::for_terminal(url)),
        }
    }
}

/// What a server said: who it is and its tools, as JSON objects.
#[derive(Debug)]
pub struct Listing {
    pub info: Implementation,
    pub protocol: String,
    pub tools: Vec<Value>,
}

/// The step an import was at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Start,
    Initialize,
    ListTools,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Start => "starting the server",
            Step::Initialize => "initialize",
            Step::ListTools => "tools/list",
        }
    }
}

/// Why an import failed, for a human.
#[derive(Debug)]
pub struct Failure {
    pub step: Step,
    pub message: String,
    pub help: String,
}

/// Bounds on what a server may send.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub timeout: Duration,
    pub max_tools: usize,
    pub max_bytes: u64,
}

/// The most `tools/list` pages followed before giving up.
const MAX_PAGES: usize = 10_000;

/// What the tap saw on the server's stdout.
#[derive(Debug, Default)]
struct TapState {
    bytes: u64,
    at_line_start: bool,
    /// The first line that does not start like a JSON-RPC message.
    garbage: Option<String>,
    too_big: bool,
}

/// Reads the server's stdout on the SDK's behalf, bounding it and noting
/// lines that are not JSON.
struct Tap<R> {
    inner: R,
    state: Arc<Mutex<TapState>>,
    max_bytes: u64,
    line: Vec<u8>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Tap<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let new = &buf.filled()[before..];
            let mut st = this.state.lock().expect("tap lock");
            st.bytes += new.len() as u64;
            if st.bytes > this.max_bytes {
                st.too_big = true;
                return Poll::Ready(Err(std::io::Error::other("the server sent too much")));
            }
            if st.garbage.is_none() {
                for &b in new {
                    if b == b'\n' {
                        let line = String::from_utf8_lossy(&this.line).trim().to_string();
                        if !line.is_empty() && !line.starts_with('{') && !line.starts_with('[') {
                            st.garbage = Some(crate::text::one_line(
                                &crate::text::for_terminal(&line),
                                120,
                            ));
                            break;
                        }
                        this.line.clear();
                        st.at_line_start = true;
                    } else if this.line.len() < 200 {
                        this.line.push(b);
                    }
                }
            }
        }
        r
    }
}

pub(super) async fn stdio(argv: &[String], bounds: Bounds) -> Result<Listing, Failure> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Failure {
            step: Step::Start,
            message: "no command was given".into(),
            help: "write the server's command after `--`, e.g. `toolrisk import time -- uvx mcp-server-time`".into(),
        });
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|e| Failure {
        step: Step::Start,
        message: format!("the command could not be started: {e}"),
        help: if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "`{}` is not on PATH; check the spelling, or give its full path",
                crate::text::for_terminal(program)
            )
        } else {
            "check that the command exists and may be run".into()
        },
    })?;
    let pid = child.id();
    let stdout = child.stdout.take().expect("piped stdout");
    let stdin = child.stdin.take().expect("piped stdin");
    let stderr_tail = Arc::new(Mutex::new(Vec::<u8>::new()));
    if let Some(mut err) = child.stderr.take() {
        let tail = stderr_tail.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let mut t = tail.lock().expect("stderr lock");
                t.extend_from_slice(&buf[..n]);
                let len = t.len();
                if len > 2048 {
                    t.drain(..len - 2048);
                }
            }
        });
    }
    let tap_state = Arc::new(Mutex::new(TapState::default()));
    let tap = Tap {
        inner: stdout,
        state: tap_state.clone(),
        max_bytes: bounds.max_bytes,
        line: Vec::new(),
    };
    let step = Arc::new(Mutex::new(Step::Initialize));
    let session = session((tap, stdin), bounds, step.clone());
    let outcome = tokio::select! {
        r = tokio::time::timeout(bounds.timeout, session) => match r {
            Ok(r) => r,
            Err(_) => Err(Failure {
                step: *step.lock().expect("step lock"),
                message: format!("the server did not answer within {} s", bounds.timeout.as_secs_f64()),
                help: "a server that needs longer (a first download, say) can be given more with `--timeout SECONDS`".into(),
            }),
        },
        _ = tokio::signal::ctrl_c() => Err(Failure {
            step: *step.lock().expect("step lock"),
            message: "interrupted (Ctrl-C)".into(),
            help: "the record was left as it was".into(),
        }),
    };
    let status = reap(&mut child, pid).await;
    outcome.map_err(|mut f| {
        let st = tap_state.lock().expect("tap lock");
        if st.too_big {
            f.message = format!("the server sent more than {} bytes", bounds.max_bytes);
            f.help = "raise `limits.max_record_bytes` in site.toml if such a tool list is real".into();
        } else if let Some(line) = &st.garbage {
            f.message = format!("{}; it wrote text that is not JSON-RPC on stdout: “{line}”", f.message);
            f.help = "an MCP server over stdio must write only JSON-RPC messages to stdout (logs go to stderr); check the command and its options".into();
        }
        if let Some(code) = status.filter(|s| !s.success()) {
            f.message = format!("{} (the server exited: {code})", f.message);
        }
        let tail = stderr_tail.lock().expect("stderr lock");
        let tail = String::from_utf8_lossy(&tail);
        let tail = tail.trim();
        if !tail.is_empty() {
            let last: Vec<&str> = tail.lines().rev().take(5).collect();
            let last: Vec<String> = last.into_iter().rev().map(|l| crate::text::one_line(&crate::text::for_terminal(l), 200)).collect();
            f.help = format!("{}\n   the server's last words on stderr:\n     {}", f.help, last.join("\n     "));
        }
        f
    })
}

/// initialize, tools/list to the last page, then a clean close.
pub(super) async fn session<T, E, A>(
    transport: T,
    bounds: Bounds,
    step: Arc<Mutex<Step>>,
) -> Result<Listing, Failure>
where
    T: rmcp::transport::IntoTransport<rmcp::RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    // The SDK's default version is its newest, which has no `initialize`
    // handshake at all (the lifecycle moved into each request's `_meta`);
    // this client does the handshake, so it offers the newest version that
    // has one, and the server answers with the version it will speak.
    let config = InitializeRequestParams::new(
        ClientCapabilities::default(),
        Implementation::new("toolrisk", env!("CARGO_PKG_VERSION")),
    )
    .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE);
    let running = config.serve(transport).await.map_err(|e| Failure {
        step: Step::Initialize,
        message: format!("the server did not complete the handshake: {e}"),
        help: "check that the command or URL is an MCP server".into(),
    })?;
    let peer = running.peer().clone();
    let info = peer.peer_info();
    let (info, protocol) = match info.as_deref() {
        Some(i) => (
            i.server_info
                .clone()
                .unwrap_or_else(|| Implementation::new("", "")),
            i.protocol_version.to_string(),
        ),
        None => (Implementation::new("", ""), String::new()),
    };
    *step.lock().expect("step lock") = Step::ListTools;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAGES {
        let page = peer
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor.clone())))
            .await
            .map_err(|e| Failure {
                step: Step::ListTools,
                message: format!("the server's answer is not a tool list: {e}"),
                help: "the answer must be a JSON-RPC result with a `tools` array of MCP Tool objects (each with `name` and `inputSchema`)".into(),
            })?;
        for t in page.tools {
            tools.push(serde_json::to_value(&t).unwrap_or(Value::Null));
        }
        if tools.len() > bounds.max_tools {
            return Err(Failure {
                step: Step::ListTools,
                message: format!("the server lists more than {} tools", bounds.max_tools),
                help: "raise `limits.max_tools_per_server` in site.toml if this is intended".into(),
            });
        }
        match page.next_cursor {
            None => {
                let _ = running.cancel().await;
                return Ok(Listing {
                    info,
                    protocol,
                    tools,
                });
            }
            Some(c) => {
                if !seen.insert(c.clone()) {
                    return Err(Failure {
                        step: Step::ListTools,
                        message: format!(
                            "the server returned the cursor `{}` twice; its list never ends",
                            crate::text::one_line(&crate::text::for_terminal(&c), 60)
                        ),
                        help: "this is a bug in the server's pagination".into(),
                    });
                }
                cursor = Some(c);
            }
        }
    }
    Err(Failure {
        step: Step::ListTools,
        message: format!("the tool list went on for more than {MAX_PAGES} pages"),
        help: "this is a bug in the server's pagination".into(),
    })
}

/// Ends the child the way MCP's stdio shutdown asks (stdin is closed by
/// now; then SIGTERM, then SIGKILL) to the whole process group, and reaps
/// it. Returns its exit status when it had one of its own.
async fn reap(
    child: &mut tokio::process::Child,
    pid: Option<u32>,
) -> Option<std::process::ExitStatus> {
    if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_millis(1500), child.wait()).await {
        // What the server started itself (npx starts node) goes too.
        kill_group(pid, false);
        return Some(s);
    }
    kill_group(pid, false);
    if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(1500), child.wait()).await {
        kill_group(pid, true);
        return None;
    }
    kill_group(pid, true);
    let _ = child.kill().await;
    let _ = child.wait().await;
    None
}

#[cfg(unix)]
fn kill_group(pid: Option<u32>, hard: bool) {
    if let Some(pid) = pid {
        let sig = if hard { libc::SIGKILL } else { libc::SIGTERM };
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was started with process_group(0)).
        unsafe {
            libc::kill(-(pid as i32), sig);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>, _hard: bool) {}
