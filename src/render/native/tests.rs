//! The built-in tool page and embed card written without the engine,
//! checked byte for byte against the engine.

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::render::pages::SiteRenderer;
use crate::render::test_sink::{Collect, Files};

/// Renders the whole site with and without the native pages; returns
/// both outputs and how many pages were written natively.
fn both_ways(dir: &Path) -> (Files, Files, u64) {
    let cat = crate::site::load(dir, None, &mut Default::default()).unwrap();
    let renderer = crate::site::renderer(dir, &cat).unwrap();
    assert!(
        renderer.native.is_some(),
        "{}: no native pages",
        dir.display()
    );
    let native = Collect::default();
    let site = SiteRenderer::new(&cat, &renderer);
    assert!(site.render_all(&native, &|_| {}).is_empty());
    let count = site.native_pages.load(Ordering::Relaxed);
    let mut engine_only = crate::site::renderer(dir, &cat).unwrap();
    engine_only.native = None;
    let engine = Collect::default();
    let site = SiteRenderer::new(&cat, &engine_only);
    assert!(site.render_all(&engine, &|_| {}).is_empty());
    assert_eq!(site.native_pages.load(Ordering::Relaxed), 0);
    (native.into_files(), engine.into_files(), count)
}

/// Every page of the fixture sites, hostile records included, comes out
/// byte for byte as the engine renders it from the built-in templates,
/// and every tool page and embed card was written natively.
#[test]
fn native_pages_equal_the_engines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        root.to_path_buf(),
        root.join("tests/fixtures/ok"),
        root.join("tests/fixtures/hostile"),
        root.join("tests/fixtures/hostile-poison"),
        root.join("tests/fixtures/paged"),
        root.join("tests/fixtures/options"),
        root.join("tests/fixtures/own-chrome"),
        root.join("tests/fixtures/history"),
    ] {
        let (native, engine, count) = both_ways(&dir);
        assert_eq!(
            native.keys().collect::<Vec<_>>(),
            engine.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &native {
            let theirs = &engine[path];
            if bytes != theirs {
                let at = bytes
                    .iter()
                    .zip(theirs.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(bytes.len().min(theirs.len()));
                let around = |b: &[u8]| {
                    String::from_utf8_lossy(&b[at.saturating_sub(80)..(at + 80).min(b.len())])
                        .into_owned()
                };
                panic!(
                    "{}: {path} differs at byte {at}:\n native: {}\n engine: {}",
                    dir.display(),
                    around(bytes),
                    around(theirs)
                );
            }
        }
        let tools = native
            .keys()
            .filter(|p| p.starts_with("embed/") && p.ends_with("/index.html"))
            .count() as u64;
        assert!(tools > 0, "{}: no tools", dir.display());
        assert_eq!(
            count,
            2 * tools,
            "{}: pages left to the engine",
            dir.display()
        );
    }
}

/// The native `truncate` cuts where the engine's filter cuts, also
/// inside combining marks, joined emoji and right-to-left overrides.
#[test]
fn truncate_cuts_where_the_engine_cuts() {
    assert_eq!(super::truncate("日本語hello", 3), "日本語…");
    assert_eq!(super::truncate("short", 10), "short");
    assert_eq!(super::truncate("exact", 5), "exact");
    let mut tera = tera::Tera::new();
    tera.add_raw_template("t.txt", "{{ s | truncate(length=n) }}")
        .unwrap();
    for s in [
        "plain ascii text",
        "e\u{301}e\u{301}e\u{301} accents as combining marks",
        "\u{1F469}\u{200D}\u{1F4BB}\u{1F469}\u{200D}\u{1F4BB} joined",
        "\u{202E}reversed\u{202C} & <b>",
        "",
    ] {
        for n in 0..8 {
            let engine = tera
                .render(
                    "t.txt",
                    &tera::Context::from_serialize(&serde_json::json!({ "s": s, "n": n })).unwrap(),
                )
                .unwrap();
            assert_eq!(super::truncate(s, n), engine, "{s:?} at {n}");
        }
    }
}
