//! Checking what attack entries and pages name against the catalogue: every
//! tool and server they refer to exists, and no page takes a URL the site
//! generates. Here rather than in `content`, which the catalogue holds and so
//! must not know it.

use crate::catalogue::Catalogue;
use crate::content::ShortcodeKind;
use crate::error::{Diagnostic, Diagnostics};
use crate::routes::{INDEX_FILE, RESERVED, Route, SITEMAP_PARTS};

/// Checks that every tool and server that attack entries and shortcodes
/// name exists, and that no page's URL collides with a generated one.
/// References into `unloaded` servers (files that failed to load, already
/// reported) are skipped.
pub fn check_references(catalogue: &Catalogue, unloaded: &[String]) -> Diagnostics {
    let mut problems = Diagnostics::new();
    let skipped = |reference: &str| {
        let server = reference.split('/').next().unwrap_or(reference);
        unloaded.iter().any(|u| u == server)
    };
    for attack in &catalogue.attacks {
        for (reference, line) in &attack.tools {
            if catalogue.find_tool(reference).is_none() && !skipped(reference) {
                problems.push(
                    Diagnostic::in_file(
                        &attack.file,
                        format!("`tools` names `{reference}`, which is not in the catalogue"),
                    )
                    .at_line(*line)
                    .help(reference_help(catalogue, reference)),
                );
            }
        }
    }
    for page in &catalogue.pages {
        let files = [Route::NotFound, Route::Robots, Route::Sitemap].map(|r| r.path());
        let clashes_with_a_file = page.slug == INDEX_FILE
            || files.contains(&page.slug)
            || (page.slug.starts_with(SITEMAP_PARTS) && page.slug.ends_with(".xml"));
        if RESERVED.contains(&page.slug.as_str()) || clashes_with_a_file {
            problems.push(
                Diagnostic::in_file(
                    &page.file,
                    format!(
                        "a page cannot be called `{}`: that URL belongs to a generated section or file",
                        page.slug
                    ),
                )
                .help("rename the file"),
            );
        }
        for sc in &page.shortcodes {
            let missing = match sc.kind {
                ShortcodeKind::ServerPolicy => catalogue.find_server(&sc.target).is_none(),
                _ => catalogue.find_tool(&sc.target).is_none(),
            };
            if missing && !skipped(&sc.target) {
                let what = if sc.kind == ShortcodeKind::ServerPolicy {
                    "server"
                } else {
                    "tool"
                };
                problems.push(
                    Diagnostic::in_file(
                        &page.file,
                        format!(
                            "shortcode names {what} `{}`, which is not in the catalogue",
                            sc.target
                        ),
                    )
                    .at_line(sc.line)
                    .help(reference_help(catalogue, &sc.target)),
                );
            }
        }
    }
    problems
}

fn reference_help(catalogue: &Catalogue, reference: &str) -> String {
    match reference.split_once('/') {
        None => match catalogue.suggest_reference(reference) {
            Some(s) => format!("did you mean `{s}`? (servers are named by their file name in content/servers)"),
            None => "tools are named `server-slug/tool-name`, where server-slug is the file name in content/servers".into(),
        },
        Some((server, _)) => match (catalogue.find_server(server), catalogue.suggest_reference(reference)) {
            (_, Some(s)) => format!("did you mean `{s}`? (the tools of a server are listed in its file in content/servers)"),
            (None, None) => format!("there is no content/servers/{server}.json"),
            (Some(_), None) => format!("check the tool's name in content/servers/{server}.json"),
        },
    }
}
