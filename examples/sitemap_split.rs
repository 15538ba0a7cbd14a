//! Writes a site's sitemaps as a site past 50,000 URLs gets them (a
//! `sitemap.xml` index over `sitemap-N.xml` files), at a small limit, so
//! that the index form can be checked on a small site.
//!
//! ```text
//! cargo run --release --example sitemap_split -- SITE_DIR OUT_DIR [LIMIT]
//! ```
//!
//! LIMIT (URLs per file) defaults to 100. The files are the ones
//! `toolrisk build` writes, from the same code; only the limit differs.
//! `scripts/check-site.sh` validates them against the sitemap schemas.

use std::path::PathBuf;
use std::process::ExitCode;

use toolrisk::render::pages::SiteRenderer;
use toolrisk::render::seo;
use toolrisk::site;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (site_dir, out) = match (args.first(), args.get(1)) {
        (Some(s), Some(o)) => (PathBuf::from(s), PathBuf::from(o)),
        _ => {
            eprintln!("usage: sitemap_split SITE_DIR OUT_DIR [LIMIT]");
            return ExitCode::from(2);
        }
    };
    let limit = match args.get(2).map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("sitemap_split: LIMIT must be a positive number of URLs");
            return ExitCode::from(2);
        }
    };
    let mut timings = site::Timings::default();
    let files = site::load(&site_dir, None, &mut timings).and_then(|cat| {
        let renderer = site::renderer(&site_dir, &cat)?;
        Ok(seo::site_sitemaps(
            &SiteRenderer::new(&cat, &renderer),
            limit,
        ))
    });
    let files = match files {
        Ok(f) => f,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("sitemap_split: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in &files {
        let path = out.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("sitemap_split: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "{} sitemap files at {limit} URLs each → {}",
        files.len(),
        out.display()
    );
    ExitCode::SUCCESS
}
