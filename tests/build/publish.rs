//! What a deployed site gets: `_headers` for Netlify and Cloudflare Pages
//! (parsed as they parse it, its policy the pages' own), the opt-in `.br`
//! and `.gz` twins (the same bytes every build), and the nginx server block
//! of docs/deploy.md serving the built example site on loopback.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// One rule of a `_headers` file: a path pattern and its headers.
#[derive(Debug)]
struct Rule {
    path: String,
    headers: Vec<(String, String)>,
}

/// Parses `_headers` as the hosts read it: a path on a line of its own,
/// then indented `Name: value` lines; `#` starts a comment. Panics on any
/// other line, naming it.
fn parse_headers(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            assert!(
                line.starts_with('/'),
                "line {}: a path starts with /: {line:?}",
                n + 1
            );
            assert!(
                !line.contains(' '),
                "line {}: a path has no spaces: {line:?}",
                n + 1
            );
            rules.push(Rule {
                path: line.to_string(),
                headers: Vec::new(),
            });
            continue;
        }
        let (name, value) = trimmed
            .split_once(':')
            .unwrap_or_else(|| panic!("line {}: not `Name: value`: {line:?}", n + 1));
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "line {}: a header name is a token: {name:?}",
            n + 1
        );
        let rule = rules
            .last_mut()
            .unwrap_or_else(|| panic!("line {}: a header before any path", n + 1));
        rule.headers
            .push((name.to_string(), value.trim().to_string()));
    }
    rules
}

/// Whether a rule's path matches a URL path: `*` matches anything (a splat),
/// everything else itself.
fn matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((prefix, rest)) => {
            assert!(
                rest.is_empty(),
                "only a trailing splat is written: {pattern}"
            );
            path.starts_with(prefix)
        }
    }
}

/// The URL path a file of the output is served at.
fn url_of(rel: &str) -> String {
    match rel.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{rel}"),
    }
}

fn meta_csp(file: &Path) -> String {
    let doc = parse_html(file);
    let metas: Vec<String> = doc
        .select(&sel("meta[http-equiv=Content-Security-Policy]"))
        .filter_map(|m| m.value().attr("content").map(str::to_string))
        .collect();
    assert_eq!(metas.len(), 1, "{}: one policy", file.display());
    metas.into_iter().next().unwrap()
}

#[test]
fn headers_file_parses_and_sends_every_page_its_own_policy() {
    let out = shared_build("example");
    let rules = parse_headers(&read(&out.join("_headers")));
    assert!(rules.len() > 5, "{rules:?}");
    let pages = html_files(out);
    assert!(pages.len() > 100);
    for rel in &pages {
        let url = url_of(rel);
        let matching: Vec<&Rule> = rules.iter().filter(|r| matches(&r.path, &url)).collect();
        assert_eq!(
            matching.len(),
            1,
            "{url}: one rule, so no host merges two: {matching:?}"
        );
        let csp: Vec<&String> = matching[0]
            .headers
            .iter()
            .filter(|(n, _)| n == "Content-Security-Policy")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(csp, [&meta_csp(&out.join(rel))], "{url}");
        let cache: Vec<&(String, String)> = matching[0]
            .headers
            .iter()
            .filter(|(n, _)| n == "Cache-Control")
            .collect();
        assert_eq!(cache.len(), 1, "{url}: a cache lifetime");
    }
    // Assets are cached longer than pages; data gets no page policy.
    let asset = rules
        .iter()
        .find(|r| matches(&r.path, "/assets/style.css"))
        .unwrap();
    assert!(
        asset
            .headers
            .contains(&("Cache-Control".into(), "public, max-age=3600".into()))
    );
    let api = rules
        .iter()
        .find(|r| matches(&r.path, "/api/catalogue.json"))
        .unwrap();
    assert!(
        api.headers
            .iter()
            .all(|(n, _)| n != "Content-Security-Policy")
    );
}

/// A copy of `site` (its sources only) with `compress = true`.
fn compressed_copy(site: &Path, into: &Path) -> PathBuf {
    let copy = into.join("site");
    for part in ["content", "templates", "static"] {
        if site.join(part).is_dir() {
            copy_dir(&site.join(part), &copy.join(part));
        }
    }
    let toml = read(&site.join("site.toml"));
    std::fs::write(copy.join("site.toml"), format!("compress = true\n{toml}")).unwrap();
    copy
}

fn twins(out: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(out)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".br") || k.ends_with(".gz"))
        .collect()
}

#[test]
fn compress_writes_twins_that_decode_to_the_file_and_stay_the_same() {
    let tmp = tempdir();
    let site = compressed_copy(&fixture("ok"), tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build(&site, &a).ok("compressed build");
    build(&site, &b).ok("second compressed build");
    let first = twins(&a);
    assert_same_tree(&first, &twins(&b), "the twins of two builds");
    let files = snapshot(&a);
    // The Markdown twins and llms.txt are text, and get theirs.
    for md in [
        "servers/notes-box/index.md",
        "servers/notes-box/delete_note/index.md",
        "llms.txt",
    ] {
        assert!(files.contains_key(&format!("{md}.br")), "{md}.br");
    }
    let mut checked = 0;
    for (rel, bytes) in &files {
        let text = ["html", "css", "js", "json", "xml", "txt", "md"]
            .iter()
            .any(|e| rel.ends_with(&format!(".{e}")));
        if !text || bytes.len() < 256 {
            assert!(
                !files.contains_key(&format!("{rel}.gz")),
                "{rel} has no twin"
            );
            continue;
        }
        let gz = &files[&format!("{rel}.gz")];
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(&back, bytes, "{rel}.gz");
        let br = &files[&format!("{rel}.br")];
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(&back, bytes, "{rel}.br");
        checked += 1;
    }
    assert!(checked > 30, "only {checked} files had twins");
    // Off by default: the fixture itself gets none.
    let plain = tmp.path().join("plain");
    build(&fixture("ok"), &plain).ok("plain build");
    assert!(twins(&plain).is_empty());
}

/// The nginx server block of docs/deploy.md, as written there.
fn documented_server_block() -> String {
    let doc = read(&example_site().join("docs/deploy.md"));
    let start = doc
        .find("```nginx\n")
        .expect("docs/deploy.md has an nginx block")
        + 9;
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_string()
}

struct Nginx {
    child: Child,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `path` with `Accept-Encoding: encoding`: status, lower-cased head, body.
fn get(port: u16, path: &str, encoding: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: catalogue.example.com\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

#[test]
fn nginx_serves_the_example_site_with_the_policy_header_and_the_twins() {
    let tmp = tempdir();
    let site = compressed_copy(&example_site(), tmp.path());
    let out = tmp.path().join("public");
    build(&site, &out).ok("compressed example build");
    let port = crate::serve::free_port();
    let block = documented_server_block()
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
        .replace(
            "root /srv/toolrisk/public;",
            &format!("root {};", out.display()),
        );
    let prefix = tmp.path().join("nginx");
    std::fs::create_dir_all(&prefix).unwrap();
    let conf = prefix.join("nginx.conf");
    let p = prefix.display();
    std::fs::write(
        &conf,
        format!(
            "load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;\n\
             pid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{}}\nhttp {{\n\
             include /etc/nginx/mime.types;\naccess_log off;\n\
             client_body_temp_path {p}/body;\nproxy_temp_path {p}/proxy;\n\
             fastcgi_temp_path {p}/fastcgi;\nuwsgi_temp_path {p}/uwsgi;\nscgi_temp_path {p}/scgi;\n\
             {block}\n}}\n"
        ),
    )
    .unwrap();
    let nginx = "/usr/sbin/nginx";
    let test = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf)
        .output()
        .expect("nginx is installed (Debian packages nginx and libnginx-mod-http-brotli-static; scripts/test.sh installs them)");
    assert!(
        test.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&test.stderr)
    );
    let _nginx = Nginx {
        child: Command::new(nginx)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off; master_process off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let tool = html_files(&out)
        .into_iter()
        .find(|f| f.starts_with("servers/") && f.matches('/').count() == 3)
        .unwrap();
    let embed = format!("embed/{}", tool.strip_prefix("servers/").unwrap());
    for rel in ["index.html", tool.as_str(), embed.as_str(), "404.html"] {
        let url = url_of(rel);
        let (status, head, body) = get(port, &url, "br");
        assert_eq!(status, 200, "{url}: {head}");
        assert_eq!(
            header(&head, "content-encoding"),
            Some("br"),
            "{url}: {head}"
        );
        assert_eq!(
            body,
            std::fs::read(out.join(format!("{rel}.br"))).unwrap(),
            "{url}"
        );
        let csp = header(&head, "content-security-policy").map(str::to_string);
        assert_eq!(csp, Some(meta_csp(&out.join(rel)).to_lowercase()), "{url}");
        assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
        let (_, head, body) = get(port, &url, "gzip");
        assert_eq!(
            header(&head, "content-encoding"),
            Some("gzip"),
            "{url}: {head}"
        );
        assert_eq!(
            body,
            std::fs::read(out.join(format!("{rel}.gz"))).unwrap(),
            "{url}"
        );
    }
    let (status, head, _) = get(port, "/no/such/page/", "br");
    assert_eq!(status, 404);
    assert!(header(&head, "content-security-policy").is_some());
    let (_, head, body) = get(port, "/assets/style.css", "identity");
    assert_eq!(header(&head, "cache-control"), Some("public, max-age=3600"));
    assert_eq!(body, std::fs::read(out.join("assets/style.css")).unwrap());
}
