//! Streamable HTTP: the same session as over stdio, through the SDK's
//! HTTP client transport (plain `http://` only in this build: no TLS stack
//! is compiled in, which keeps the build small; an `https://` URL is
//! refused with a way round it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

use super::client::{Bounds, Failure, Listing, Step, session};

pub async fn fetch(
    url: &str,
    headers: &[(String, String)],
    bounds: Bounds,
) -> Result<Listing, Failure> {
    let start = |message: String, help: &str| Failure {
        step: Step::Start,
        message,
        help: help.into(),
    };
    if url.starts_with("https://") {
        return Err(start(
            "this build of toolrisk speaks plain HTTP only, not HTTPS".into(),
            "run the server locally (or through a local proxy) and import it from an http:// URL, or over stdio",
        ));
    }
    if !url.starts_with("http://") {
        return Err(start(
            format!("`{}` is not an http:// URL", crate::text::for_terminal(url)),
            "give the server's MCP endpoint, e.g. --url http://127.0.0.1:3001/mcp",
        ));
    }
    let mut map = HashMap::new();
    for (name, value) in headers {
        let n = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            start(
                format!(
                    "`{}` is not a valid HTTP header name",
                    crate::text::for_terminal(name)
                ),
                "header names are letters, digits and `-`",
            )
        })?;
        let v = http::HeaderValue::from_str(value).map_err(|_| {
            start(
                format!("the value of header `{name}` is not valid in HTTP"),
                "header values are visible ASCII text",
            )
        })?;
        map.insert(n, v);
    }
    let limit = usize::try_from(bounds.max_bytes).unwrap_or(usize::MAX);
    let config = StreamableHttpClientTransportConfig::with_uri(url)
        .custom_headers(map)
        .max_json_response_size(limit)
        .max_sse_event_size(limit);
    let transport = StreamableHttpClientTransport::from_config(config);
    let step = Arc::new(Mutex::new(Step::Initialize));
    tokio::select! {
        r = tokio::time::timeout(bounds.timeout, session(transport, bounds, step.clone())) => match r {
            Ok(r) => r,
            Err(_) => Err(Failure {
                step: *step.lock().expect("step lock"),
                message: format!("the server did not answer within {} s", bounds.timeout.as_secs_f64()),
                help: "check that the URL is the server's MCP endpoint; a slow server can be given more with `--timeout SECONDS`".into(),
            }),
        },
        _ = tokio::signal::ctrl_c() => Err(Failure {
            step: *step.lock().expect("step lock"),
            message: "interrupted (Ctrl-C)".into(),
            help: "the record was left as it was".into(),
        }),
    }
}
