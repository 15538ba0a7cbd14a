//! The preview's HTTP layer: files from the preview folder, the live-reload
//! event stream, and the reload script.
//!
//! Owns request-path checking (no `..`, no encoded traversal, no backslashes
//! or NUL, nothing that resolves outside the preview folder through a
//! symlink), content types, `index.html` for folders, the site's `404.html`
//! for misses, the Content-Security-Policy header, and injecting the reload
//! script into served HTML only. Build output never contains the script.
//!
//! Owns, too, which `Host` a request may name: `localhost` (and names under
//! it), an IP address, or the `--interface` given. A page on another site
//! could otherwise point its own host name at 127.0.0.1 (DNS rebinding) and
//! read the preview as a same-origin page.

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::{LiveEvent, State};
use crate::error::{Diagnostic, Diagnostics};
use crate::render::seo;
use crate::routes::{self, Route};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Where the reload script and the event stream live.
pub const LIVE_PREFIX: &str = "/__toolrisk/";
const LIVE_JS: &str = include_str!("live.js");

/// Binds `interface:port`, or the next free port of the ten that follow.
pub async fn bind(interface: &str, port: u16) -> Result<tokio::net::TcpListener, Diagnostics> {
    let mut last = None;
    for p in port..=port.saturating_add(10) {
        match tokio::net::TcpListener::bind((interface, p)).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => {
                return Err(
                    Diagnostic::new(format!("cannot listen on {interface}:{p}: {e}"))
                        .help("check --interface; use 127.0.0.1 for this machine only")
                        .into(),
                );
            }
        }
    }
    Err(Diagnostic::new(format!(
        "ports {port} to {} are all in use ({})",
        port.saturating_add(10),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
    .help("choose another with --port")
    .into())
}

/// Ctrl-C and SIGTERM, listened for from the moment this is made: made
/// before serve says it is serving, so a Ctrl-C that follows that line at
/// once still stops it cleanly (a process started with Ctrl-C ignored, as
/// a shell's background job is, would otherwise never stop).
pub struct Shutdown {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Shutdown {
    /// Starts listening; call inside the runtime.
    pub fn listen() -> Shutdown {
        Shutdown {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    async fn wait(mut self) {
        async fn received(signal: Option<&mut Signal>) {
            match signal {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = received(self.interrupt.as_mut()) => {}
            _ = received(self.terminate.as_mut()) => {}
        }
    }
}

/// Serves until `shutdown` hears Ctrl-C or SIGTERM.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: Shutdown,
) -> Result<(), Diagnostics> {
    let app = Router::new()
        .route("/__toolrisk/live.js", get(live_js))
        .route("/__toolrisk/events", get(events))
        .fallback(get(file))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_foreign_hosts,
        ))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.wait())
        .await
        .map_err(|e| Diagnostic::new(format!("server error: {e}")).into())
}

/// Whether a request naming `host` (a `Host` header's value, port and
/// all) is one the preview answers: `localhost` or a name under it, an IP
/// address (a browser that names one is talking to that address, which no
/// DNS answer can change), or `interface`.
pub fn allowed_host(host: &str, interface: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        // `[::1]:1111`
        match rest.split_once(']') {
            Some((ip, _)) => ip,
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::IpAddr>().is_ok()
        || name == interface.trim_end_matches('.').to_ascii_lowercase()
}

/// Answers 403 to a request whose `Host` the preview does not answer to.
async fn refuse_foreign_hosts(
    AxState(state): AxState<Arc<State>>,
    req: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
    match host {
        Some(host) if !allowed_host(&host, &state.interface) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "toolrisk serve answers only to localhost, IP addresses and the --interface \
             given; this request named another host.\n",
        )
            .into_response(),
        _ => next.run(req).await,
    }
}

async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_JS,
    )
        .into_response()
}

async fn events(
    AxState(state): AxState<Arc<State>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let current = state.errors.read().expect("error state").clone();
    let hello = if current.is_empty() {
        None
    } else {
        Some(LiveEvent::Errors { errors: current })
    };
    let first = tokio_stream::iter(hello);
    let rest = BroadcastStream::new(state.events.subscribe()).filter_map(|r| r.ok());
    let stream = first
        .chain(rest)
        .map(|e| Ok(Event::default().data(serde_json::to_string(&e).expect("event serialises"))));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Checks a decoded request path and maps it to a file under `root`.
/// `None` means the path is refused.
pub fn resolve(root: &Path, decoded: &str) -> Option<PathBuf> {
    if decoded.contains('\\') || decoded.contains('\0') || decoded.chars().any(char::is_control) {
        return None;
    }
    let mut out = root.to_path_buf();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(seg) => out.push(seg),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if decoded.split('/').any(|s| s == "..") {
        return None;
    }
    Some(out)
}

async fn file(AxState(state): AxState<Arc<State>>, req: Request<Body>) -> Response {
    let raw = req.uri().path();
    let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
        return status(StatusCode::BAD_REQUEST, "bad path encoding");
    };
    let Some(mut path) = resolve(&state.root, &decoded) else {
        return status(StatusCode::FORBIDDEN, "forbidden path");
    };
    if path.is_dir() {
        if !raw.ends_with('/') {
            // Never `//host/`: a doubled leading slash would leave the site.
            let location = format!("/{}/", raw.trim_start_matches('/'));
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response();
        }
        path.push(crate::routes::INDEX_FILE);
    }
    // Symlinks may not lead out of the preview folder.
    let root_real = state
        .root
        .canonicalize()
        .unwrap_or_else(|_| state.root.clone());
    let (status_code, path) = match path.canonicalize() {
        Ok(real) if real.starts_with(&root_real) && real.is_file() => (StatusCode::OK, real),
        Ok(_) => return status(StatusCode::FORBIDDEN, "forbidden path"),
        Err(_) => (
            StatusCode::NOT_FOUND,
            state.root.join(Route::NotFound.file()),
        ),
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(_) => {
            // No page and no 404 page: no build has succeeded yet. Show
            // the problems on a page that reloads once the site builds.
            let errors = state.errors.read().expect("error state").clone();
            if errors.is_empty() {
                return status(StatusCode::NOT_FOUND, "not found");
            }
            return page_response(
                StatusCode::SERVICE_UNAVAILABLE,
                inject_live(error_page(&errors).into_bytes()),
                seo::PAGE_CSP,
            );
        }
    };
    let kind = content_type(&path);
    let is_html = kind.starts_with("text/html");
    let body = if is_html { inject_live(bytes) } else { bytes };
    let mut resp = (status_code, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if is_html {
        let csp = if decoded.trim_start_matches('/').starts_with(routes::EMBEDS) {
            seo::embed_csp()
        } else {
            seo::PAGE_CSP.to_string()
        };
        if let Ok(v) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
}

fn page_response(code: StatusCode, body: Vec<u8>, csp: &str) -> Response {
    let mut resp = (code, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// The page served for every path while no build has succeeded: the
/// problems as text (the live script adds the overlay and reloads the page
/// once the site builds).
pub fn error_page(errors: &[String]) -> String {
    use crate::markdown::escape;
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>The site has problems · toolrisk serve</title></head>\
         <body id=\"toolrisk-error-page\"><main><h1>The site could not be built</h1>\
         <p>Fix the problems below and save: this page reloads by itself once the site builds.</p>",
    );
    for e in errors {
        out.push_str("<pre>");
        out.push_str(&escape(e));
        out.push_str("</pre>");
    }
    out.push_str("</main></body></html>\n");
    out
}

fn status(code: StatusCode, text: &'static str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Adds the reload script before `</body>` (or at the end).
pub fn inject_live(mut html: Vec<u8>) -> Vec<u8> {
    const TAG: &[u8] = b"<script src=\"/__toolrisk/live.js\"></script>";
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, TAG.iter().copied());
    html
}

/// The content type of a file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html") | Some("htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod host_tests {
    use super::allowed_host;

    #[test]
    fn only_loopback_names_addresses_and_the_interface_are_answered() {
        for host in [
            "localhost",
            "localhost:1111",
            "LOCALHOST.:1111",
            "site.localhost:1111",
            "127.0.0.1:1111",
            "10.0.0.7",
            "[::1]:1111",
            "[::1]",
            "preview.lan:1111",
        ] {
            assert!(allowed_host(host, "preview.lan"), "{host}");
        }
        for host in [
            "attacker.example",
            "attacker.example:1111",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "[::1",
            "",
        ] {
            assert!(!allowed_host(host, "127.0.0.1"), "{host}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        let root = Path::new("/srv/site");
        assert_eq!(
            resolve(root, "/servers/a/"),
            Some(PathBuf::from("/srv/site/servers/a"))
        );
        assert_eq!(resolve(root, "/"), Some(PathBuf::from("/srv/site")));
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/a\\b",
            "/a\0b",
            "/..",
            "/a/..",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn script_goes_before_body_end() {
        let out = inject_live(b"<html><body><p>x</p></body></html>".to_vec());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<html><body><p>x</p><script src=\"/__toolrisk/live.js\"></script></body></html>"
        );
    }
}
