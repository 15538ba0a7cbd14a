//! What `toolrisk serve` leaves and holds: preview folders of killed
//! serves are removed, the preview lives in memory when TMPDIR is unset, and
//! many connections keep its threads bounded.

use super::*;

#[test]
fn serve_removes_preview_folders_that_killed_serves_left_behind() {
    let tmp = tempdir();
    // pid_max is at most 4,194,304: no process has this number.
    let dead = tmp.path().join("toolrisk-serve-999999999-abc123");
    std::fs::create_dir_all(dead.join("servers/x")).unwrap();
    std::fs::write(dead.join("servers/x/index.html"), "old").unwrap();
    // A running process's folder, and folders of other names, stay.
    let alive = tmp
        .path()
        .join(format!("toolrisk-serve-{}-def456", std::process::id()));
    std::fs::create_dir_all(&alive).unwrap();
    let other = tmp.path().join("toolrisk-serve-notes");
    std::fs::create_dir_all(&other).unwrap();
    let server = Server::start_site_with(&fixture("ok"), &[("TMPDIR", tmp.path())]);
    server.wait_for(|_| !dead.exists(), "the dead serve's preview is removed");
    assert!(alive.is_dir(), "a live serve's preview stays");
    assert!(other.is_dir(), "other folders stay");
    let own: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("toolrisk-serve-") && n.contains(&format!("-{}-", server.pid())))
        .collect();
    assert_eq!(own.len(), 1, "serve's own preview is in TMPDIR: {own:?}");
    assert!(server.preview().starts_with(tmp.path()));
}

/// Without TMPDIR, on Linux with a memory folder that has room, the preview
/// is written to memory, not to the disk's temporary folder.
#[test]
fn serve_writes_its_preview_to_memory_when_tmpdir_is_unset() {
    let memory = Path::new("/dev/shm");
    if !cfg!(target_os = "linux") || !memory.is_dir() {
        eprintln!("no /dev/shm here: nothing to check");
        return;
    }
    let mut server = Server::start_site_with(&fixture("ok"), &[("TMPDIR", Path::new(""))]);
    let preview = server.preview();
    assert!(
        preview.starts_with(memory),
        "preview at {}",
        preview.display()
    );
    assert!(preview.join("index.html").is_file());
    assert_eq!(server.interrupt(), Some(0), "{}", server.log());
    assert!(!preview.exists(), "the preview folder is removed on exit");
}

/// The threads of process `pid`, from /proc.
fn thread_count(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn serve_under_many_connections_keeps_its_threads_bounded() {
    let server = Server::start("ok");
    let port = server.port;
    // 64 connections at once, as a busy preview or a load test has.
    let clients: Vec<_> = (0..64)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..40 {
                    let path =
                        ["/", "/servers/", "/api/catalogue.json", "/assets/style.css"][(i + j) % 4];
                    let (status, _, _) = raw_get(port, path);
                    assert_eq!(status, 200, "{path}");
                }
            })
        })
        .collect();
    let mut most = 0;
    while clients.iter().any(|c| !c.is_finished()) {
        most = most.max(thread_count(server.pid()));
        std::thread::sleep(Duration::from_millis(5));
    }
    for c in clients {
        c.join().unwrap();
    }
    // Two workers, the blocking pool's cap of 8, the watcher, the rebuild
    // thread and the main thread, with room for a few more; the unbounded
    // pool grew to dozens under this load.
    assert!(most <= 20, "serve ran {most} threads under 64 connections");
}
