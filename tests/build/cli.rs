//! The command line as a new user meets it: the messages of common
//! mistakes (each pinned whole), `--quiet`, `--color`, shell completions,
//! the manual page, and the progress bar and summary counting what was
//! built.

use std::process::Command;

use crate::common::*;

/// A fresh site from `toolrisk init`, in a temporary folder.
fn init_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    toolrisk(["init".as_ref(), site.as_os_str()]).ok("init");
    (tmp, site)
}

#[test]
fn building_a_missing_folder_names_the_folder_and_creates_nothing() {
    let tmp = tempdir();
    let missing = tmp.path().join("no-such-site");
    let run = toolrisk(["build".as_ref(), missing.as_os_str()]);
    run.failed("build of a missing folder");
    assert_eq!(
        run.stderr,
        format!(
            "error 1: no site at {}: there is no such folder\n   help: give the site folder as an \
             argument, or run the command in the site folder (the one holding site.toml); \
             `toolrisk init DIR` makes a new site\n1 problem found\n",
            missing.display()
        )
    );
    assert!(
        !missing.exists(),
        "the build made the folder it was refused"
    );
    // In a folder with no site.toml, the folder is named too.
    let run = toolrisk_in(Some(tmp.path()), ["check"]);
    run.failed("check outside a site");
    assert!(
        run.stderr.starts_with(&format!(
            "error 1: no site at {}: the folder has no site.toml\n",
            tmp.path().display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn snippet_outside_a_site_says_to_give_site_dir() {
    let tmp = tempdir();
    let run = toolrisk_in(Some(tmp.path()), ["snippet", "example-notes/add_note"]);
    run.failed("snippet outside a site");
    assert_eq!(
        run.stderr,
        format!(
            "error 1: no site at {}: the folder has no site.toml\n   help: give the site folder \
             with `--site DIR`, or run the command in the site folder (the one holding site.toml); \
             `toolrisk init DIR` makes a new site\n1 problem found\n",
            tmp.path().display()
        )
    );
}

#[test]
fn a_record_without_a_server_name_says_it_is_the_server() {
    let (_tmp, site) = init_site();
    std::fs::write(
        site.join("content/servers/nameless.json"),
        "{\n  \"repository\": \"x/y\",\n  \"tools\": [{ \"name\": \"a\" }]\n}\n",
    )
    .unwrap();
    let run = toolrisk(["check".as_ref(), site.as_os_str()]);
    run.failed("a server without a name");
    assert_eq!(
        run.stderr,
        "error 1: content/servers/nameless.json:1:1: the server has no `name`\n   help: add the \
         server's display name, e.g. \"name\": \"GitHub MCP Server\"\n1 problem found\n"
    );
}

#[test]
fn a_misspelled_tool_gets_a_did_you_mean() {
    let (_tmp, site) = init_site();
    let page = site.join("content/pages/about.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replace("example-notes/add_note", "example-notes/add_nte"),
    )
    .unwrap();
    let run = toolrisk(["check".as_ref(), site.as_os_str()]);
    run.failed("a misspelled shortcode");
    assert_eq!(
        run.stderr,
        "error 1: content/pages/about.md:7: shortcode names tool `example-notes/add_nte`, which \
         is not in the catalogue\n   help: did you mean `example-notes/add_note`? (the tools of a \
         server are listed in its file in content/servers)\n1 problem found\n"
    );
    // A misspelled server slug is corrected too.
    std::fs::write(
        &page,
        text.replace("example-notes/add_note", "exmple-notes/add_note"),
    )
    .unwrap();
    let run = toolrisk(["check".as_ref(), site.as_os_str()]);
    assert!(
        run.stderr
            .contains("help: did you mean `example-notes/add_note`?"),
        "{}",
        run.stderr
    );
    std::fs::write(&page, text).unwrap();
    let run = toolrisk([
        "snippet".as_ref(),
        "example-notes/delete_notes".as_ref(),
        "--site".as_ref(),
        site.as_os_str(),
    ]);
    run.failed("a misspelled snippet");
    assert_eq!(
        run.stderr,
        "error 1: no tool `example-notes/delete_notes` in the catalogue\n   help: did you mean \
         `example-notes/delete_note`?\n1 problem found\n"
    );
    // Nothing close: the list of the server's tools, as before.
    let run = toolrisk([
        "snippet".as_ref(),
        "example-notes/zzzzzzzz".as_ref(),
        "--site".as_ref(),
        site.as_os_str(),
    ]);
    run.stderr_has("help: the tools of `example-notes` are: list_notes, add_note, delete_note");
}

#[test]
fn init_points_at_the_content_format_document_that_exists() {
    let (_tmp, site) = init_site();
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap();
    assert!(
        toml.starts_with("# Site settings. See docs/content-format.md in the toolrisk repository."),
        "{toml}"
    );
    assert!(example_site().join("docs/content-format.md").is_file());
}

#[test]
fn quiet_prints_errors_only() {
    // A site whose build warns: descriptions cut to a tiny limit.
    let (tmp, site) = init_site();
    let toml = site.join("site.toml");
    let settings = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{settings}\n[limits]\nmax_description_bytes = 10\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let loud = toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    loud.ok("a build with warnings");
    assert!(loud.stderr.contains("warning: "), "{}", loud.stderr);
    assert!(loud.stdout.starts_with("Built "), "{}", loud.stdout);
    let quiet = toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--full".as_ref(),
        "-q".as_ref(),
    ]);
    quiet.ok("a quiet build with warnings");
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    let bad = toolrisk([
        "--quiet".as_ref(),
        "check".as_ref(),
        fixture("bad-json").as_os_str(),
    ]);
    bad.failed("quiet check of a broken site");
    assert!(
        bad.stderr
            .starts_with("error 1: content/servers/broken.json:6:7: ")
    );
    assert_eq!(bad.stdout, "");
}

fn check_bad_json(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolrisk"));
    cmd.args(args).arg("check").arg(fixture("bad-json"));
    cmd.env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    String::from_utf8(cmd.output().unwrap().stderr).unwrap()
}

#[test]
fn color_paints_only_toolrisks_labels_and_honours_no_color() {
    let painted = check_bad_json(&["--color", "always"], &[]);
    assert!(
        painted.starts_with(
            "\x1b[1;31merror 1:\x1b[0m content/servers/broken.json:6:7: malformed JSON"
        ) && painted.contains("\n   \x1b[1;36mhelp:\x1b[0m look for a missing comma"),
        "{painted:?}"
    );
    // Into a pipe, `auto` does not colour; nor does `never`; `always` wins over NO_COLOR.
    for (args, env) in [
        (&["--color", "never"][..], &[][..]),
        (&[][..], &[][..]),
        (&["--color", "auto"][..], &[("NO_COLOR", "1")][..]),
    ] {
        let plain = check_bad_json(args, env);
        assert!(
            !plain.contains('\x1b') && plain.starts_with("error 1: "),
            "{args:?}: {plain:?}"
        );
    }
    assert!(check_bad_json(&["--color", "always"], &[("NO_COLOR", "1")]).contains("\x1b[1;31m"));
    // On a terminal, `auto` colours unless NO_COLOR is set (`script` gives
    // the command a terminal).
    let on_terminal = |no_color: Option<&str>| {
        let line = format!(
            "{} check {}",
            env!("CARGO_BIN_EXE_toolrisk"),
            fixture("bad-json").display()
        );
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&cmd.output().expect("script (util-linux) runs").stdout)
            .into_owned()
    };
    assert!(
        on_terminal(None).contains("\x1b[1;31merror 1:\x1b[0m"),
        "{:?}",
        on_terminal(None)
    );
    let plain = on_terminal(Some("1"));
    assert!(
        plain.contains("error 1:") && !plain.contains("\x1b[1;31m"),
        "{plain:?}"
    );
}

#[test]
fn bash_completion_completes_subcommands_and_options() {
    let script = toolrisk(["completions", "bash"]);
    script.ok("completions bash");
    let tmp = tempdir();
    let file = tmp.path().join("toolrisk.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    let complete = |words: &str| {
        let line = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; \
             _toolrisk toolrisk \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[*]}}\"",
            file.display()
        );
        let out = Command::new("bash").args(["-c", &line]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = complete("toolrisk bu");
    assert_eq!(subcommands.trim(), "build", "{subcommands}");
    let options = complete("toolrisk build --ful");
    assert_eq!(options.trim(), "--full", "{options}");
    let shells = complete("toolrisk completions fi");
    assert_eq!(shells.trim(), "fish", "{shells}");
    for (shell, marker) in [
        ("zsh", "#compdef toolrisk"),
        ("fish", "complete -c toolrisk"),
        ("elvish", "edit:completion:arg-completer[toolrisk]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = toolrisk(["completions", shell]);
        out.ok(shell);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
    }
}

#[test]
fn the_manual_page_renders_without_warnings_and_names_every_command() {
    let page = toolrisk(["man"]);
    page.ok("man");
    let tmp = tempdir();
    let file = tmp.path().join("toolrisk.1");
    std::fs::write(&file, &page.stdout).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
        .expect("groff runs (Debian package groff-base; scripts/test.sh installs it)");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
    let text = Command::new("groff")
        .args(["-man", "-Tascii", "-P", "-cbou"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for word in [
        "NAME",
        "SYNOPSIS",
        "build",
        "check",
        "serve",
        "init",
        "snippet",
        "completions",
        "--quiet",
        "--color",
    ] {
        assert!(text.contains(word), "the manual page lacks {word}:\n{text}");
    }
}

#[test]
fn the_progress_bar_counts_the_pages_the_summary_reports() {
    for name in ["ok", "paged", "hostile"] {
        let tmp = tempdir();
        let out = tmp.path().join("out");
        let ticks = std::sync::atomic::AtomicU64::new(0);
        let estimate = std::sync::atomic::AtomicUsize::new(0);
        let report = toolrisk::site::build(
            &fixture(name),
            &out,
            None,
            None,
            &|n| {
                ticks.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            },
            &|cat| {
                estimate.store(
                    toolrisk::render::expected_pages(cat),
                    std::sync::atomic::Ordering::Relaxed,
                )
            },
        )
        .unwrap();
        let ticks = ticks.into_inner() as usize;
        let estimate = estimate.into_inner();
        assert_eq!(ticks, report.pages, "{name}: the bar's count");
        assert!(
            estimate <= report.pages && report.pages - estimate <= report.pages / 10,
            "{name}: estimated {estimate} pages, built {}",
            report.pages
        );
    }
}

#[test]
fn the_summary_time_covers_the_whole_command() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let started = std::time::Instant::now();
    let run = toolrisk([
        "build".as_ref(),
        fixture("ok").as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--timings".as_ref(),
    ]);
    let wall = started.elapsed().as_secs_f64();
    run.ok("build --timings");
    let stages: f64 = run
        .stderr
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .sum();
    let said: f64 = run
        .stdout
        .split(" in ")
        .nth(1)
        .and_then(|t| t.split(" s").next()?.parse().ok())
        .unwrap_or_else(|| panic!("no time in {}", run.stdout));
    // The stages are printed to three places, the summary to two.
    assert!(
        said + 0.006 >= stages,
        "summary {said} s < stages {stages} s"
    );
    assert!(
        said <= wall + 0.005,
        "summary {said} s > wall clock {wall} s"
    );
}
