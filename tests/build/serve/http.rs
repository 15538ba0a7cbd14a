//! `toolrisk serve` over HTTP: it rebuilds on a change and shows errors
//! until they are fixed, refuses traversal, serves types and 404, moves to
//! the next port when one is taken, and stops cleanly on Ctrl-C.

use super::*;

#[test]
fn serve_rebuilds_on_change_and_shows_errors_until_fixed() {
    let server = Server::start("ok");
    let (status, head, body) = server.get(TOOL_PAGE);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'; script-src 'self'"),
        "{head}"
    );
    assert!(
        body.contains("/__toolrisk/live.js"),
        "the reload script is injected into served pages"
    );
    assert!(body.contains("Trigger a run of a stored batch job."));

    // An edit reaches the served page and sends a reload.
    let record = server.site.join(RECORD);
    let event = wait_for_event(
        server.port,
        || {
            edit(
                &record,
                "Trigger a run of a stored batch job.",
                "Trigger one stored batch job now.",
            )
        },
        |e| e["kind"] == "reload",
    );
    assert_eq!(event, json!({"kind": "reload"}));
    server.wait_for(
        |s| {
            s.get(TOOL_PAGE)
                .2
                .contains("Trigger one stored batch job now.")
        },
        "the edit is served",
    );

    // A broken record: the errors go to the pages, the last good site stays.
    let event = wait_for_event(
        server.port,
        || edit(&record, "\"tools\": [", "\"tools\": [[,"),
        |e| e["kind"] == "errors",
    );
    let errors = event["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e
            .as_str()
            .unwrap()
            .contains("content/servers/job-runner.json:")),
        "{errors:?}"
    );
    let (status, _, body) = server.get(TOOL_PAGE);
    assert_eq!(status, 200, "the last good page is still served");
    assert!(body.contains("Trigger one stored batch job now."));
    // A page loaded now learns about the errors at once.
    let event = wait_for_event(server.port, || {}, |e| e["kind"] == "errors");
    assert!(!event["errors"].as_array().unwrap().is_empty());

    // Fixing it clears the errors with a reload.
    let event = wait_for_event(
        server.port,
        || edit(&record, "\"tools\": [[,", "\"tools\": ["),
        |e| e["kind"] == "reload",
    );
    assert_eq!(event["kind"], "reload");
    assert!(server.log().contains("rebuilt in"), "{}", server.log());

    // A static file is copied on its own.
    std::fs::create_dir_all(server.site.join("static")).unwrap();
    std::fs::write(server.site.join("static/note.txt"), "first").unwrap();
    server.wait_for(
        |s| s.get("/note.txt").2 == "first",
        "a new static file is served",
    );
    let built = tempdir();
    build(&server.site, &built.path().join("out")).ok("build of the edited site");
    assert!(
        !read(
            &built
                .path()
                .join("out")
                .join("servers/job-runner/run_job/index.html")
        )
        .contains("__toolrisk"),
        "build output never carries the reload script"
    );
}

#[test]
fn serve_refuses_traversal_and_serves_types_and_404() {
    let mut server = Server::start("ok");
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/servers/..%2f..%2f..%2fetc/passwd",
        "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd",
        "/servers/%00/",
    ] {
        let (status, _, body) = server.get(path);
        assert!(
            status == 403 || status == 400 || status == 404,
            "{path}: {status}"
        );
        assert!(!body.contains("root:"), "{path} leaked a file");
    }
    let (status, head, _) = server.get("/assets/style.css");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/css"), "{head}");
    let (_, head, _) = server.get("/sitemap.xml");
    assert!(head.contains("content-type: application/xml"), "{head}");
    let (_, head, body) = server.get("/api/catalogue.json");
    assert!(head.contains("content-type: application/json"), "{head}");
    serde_json::from_str::<Value>(&body).unwrap();
    let (status, head, _) = server.get("/servers");
    assert_eq!(status, 301, "a folder without its slash redirects");
    assert!(head.contains("location: /servers/"), "{head}");
    let (status, _, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(
        body.contains("Page not found"),
        "the site's 404 page is served"
    );

    // A page on another site that points its name at this machine (DNS
    // rebinding) is refused; loopback names are served.
    for host in [
        "attacker.example",
        "attacker.example:1111",
        "localhost.attacker.example",
    ] {
        let (status, _, body) = raw_get_as(server.port, "/", host);
        assert_eq!(status, 403, "Host: {host}");
        assert!(body.contains("answers only to localhost"), "{body}");
        let (status, _, _) = raw_get_as(server.port, "/__toolrisk/live.js", host);
        assert_eq!(status, 403, "the live-reload script for Host: {host}");
    }
    for host in [
        format!("localhost:{}", server.port),
        format!("127.0.0.1:{}", server.port),
    ] {
        let (status, _, _) = raw_get_as(server.port, "/", &host);
        assert_eq!(status, 200, "Host: {host}");
    }

    // A symlink planted in the preview folder cannot lead out of it.
    let preview = server.preview();
    assert!(
        preview.join("index.html").is_file(),
        "preview folder at {}",
        preview.display()
    );
    std::os::unix::fs::symlink("/etc", preview.join("etc-link")).unwrap();
    let (status, _, body) = server.get("/etc-link/passwd");
    assert_eq!(status, 403, "symlink out of the preview folder");
    assert!(!body.contains("root:"));

    // Ctrl-C stops it cleanly and removes the preview folder.
    assert_eq!(server.interrupt(), Some(0), "{}", server.log());
    assert!(!preview.exists(), "the preview folder is removed on exit");
}

#[test]
fn serve_moves_to_the_next_port_when_taken() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempdir();
    let site = dir.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let log = dir.path().join("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolrisk"))
        .args(["serve", site.to_str().unwrap(), "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut text = String::new();
    // Not the first line's "serving on port …": serve hears Ctrl-C only
    // from the line that says so (started with Ctrl-C ignored, as a
    // background job is, an earlier one would be lost).
    while start.elapsed() < Duration::from_secs(20) {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("(Ctrl-C to stop)") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(
        text.contains(&format!("port {port} is in use; serving on port")),
        "{text}"
    );
    drop(taken);
}

/// Ctrl-C right after the "serving" line stops serve cleanly, even when it
/// was started with Ctrl-C ignored (as a shell starts a background job):
/// serve listens for the signal before it says it is serving.
#[test]
fn ctrl_c_right_after_serving_stops_it_cleanly() {
    let dir = tempdir();
    let site = dir.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let log = dir.path().join("log");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("sh")
        .args([
            "-c",
            "trap '' INT; exec \"$0\" serve \"$1\" --port \"$2\"",
            env!("CARGO_BIN_EXE_toolrisk"),
            site.to_str().unwrap(),
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("serving")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if stopped.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.is_some(), "serve ignored Ctrl-C:\n{text}");
    assert!(text.contains("stopped"), "{text}");
}
