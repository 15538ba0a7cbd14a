//! Compiled templates against the engine: whole sites byte for byte, and
//! small templates that probe one construct each.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;

use super::run::truncate;
use super::*;
use crate::render::pages::SiteRenderer;
use crate::render::test_sink::{Collect, Files};

/// Renders the whole site with and without compiled templates; returns
/// both outputs, how many pages the compiled templates wrote and the pages
/// the engine wrote instead.
fn both_ways(dir: &Path, minify: bool) -> (Files, Files, u64, Vec<String>) {
    let mut cat = crate::site::load(dir, None, &mut Default::default()).unwrap();
    cat.config.minify &= minify;
    let renderer = crate::site::renderer(dir, &cat).unwrap();
    let compiled = Collect::default();
    let site = SiteRenderer::new(&cat, &renderer);
    assert!(site.render_all(&compiled, &|_| {}).is_empty());
    let count = site.compiled_pages.load(Ordering::Relaxed);
    let mut left = std::mem::take(&mut *site.engine_pages.lock().unwrap());
    left.sort();
    let mut engine_only = crate::site::renderer(dir, &cat).unwrap();
    engine_only.programs = None;
    let engine = Collect::default();
    let site = SiteRenderer::new(&cat, &engine_only);
    assert!(site.render_all(&engine, &|_| {}).is_empty());
    assert_eq!(site.compiled_pages.load(Ordering::Relaxed), 0);
    (compiled.into_files(), engine.into_files(), count, left)
}

/// Every page of the example site and the fixture sites (hostile records,
/// pagination, unusual settings, a site's own header and footer, its own
/// templates, definition history), minified and not, comes out byte for
/// byte as the engine renders it; and with the built-in templates (and a
/// site's own header, footer and home page) every page was written by a
/// compiled template: tool pages and embed cards, the server pages, the
/// home page, every list page (servers, categories, risk levels, attacks,
/// flagged, review, changes) and the single pages.
#[test]
fn compiled_pages_equal_the_engines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dir, all_compiled) in [
        (root.to_path_buf(), true),
        (root.join("tests/fixtures/ok"), true),
        (root.join("tests/fixtures/hostile"), true),
        (root.join("tests/fixtures/hostile-poison"), true),
        (root.join("tests/fixtures/paged"), true),
        (root.join("tests/fixtures/options"), true),
        (root.join("tests/fixtures/own-chrome"), true),
        (root.join("tests/fixtures/own-templates"), false),
        (root.join("tests/fixtures/history"), true),
    ] {
        for minify in [true, false] {
            let (compiled, engine, count, left) = both_ways(&dir, minify);
            assert_eq!(
                compiled.keys().collect::<Vec<_>>(),
                engine.keys().collect::<Vec<_>>()
            );
            for (path, bytes) in &compiled {
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
                        "{}: {path} differs at byte {at}:\n compiled: {}\n   engine: {}",
                        dir.display(),
                        around(bytes),
                        around(theirs)
                    );
                }
            }
            let tools = compiled
                .keys()
                .filter(|p| p.starts_with("embed/") && p.ends_with("/index.html"))
                .count() as u64;
            assert!(tools > 0, "{}: no tools", dir.display());
            if all_compiled {
                assert!(
                    count >= 2 * tools,
                    "{}: {count} pages compiled, {tools} tools: pages left to the engine",
                    dir.display()
                );
                assert!(
                    left.is_empty(),
                    "{} (minify {minify}): pages left to the engine: {left:?}",
                    dir.display()
                );
                let pages = compiled.keys().filter(|p| p.ends_with(".html")).count() as u64;
                assert_eq!(count, pages, "{}", dir.display());
                for kind in [
                    "index.html",
                    "servers/index.html",
                    "categories/index.html",
                    "risk/index.html",
                    "attacks/index.html",
                    "flagged/index.html",
                    "review/index.html",
                    "changes/index.html",
                ] {
                    assert!(compiled.contains_key(kind), "{}: no {kind}", dir.display());
                }
            }
        }
    }
}

typed_view! {
    #[derive(serde::Serialize)]
    struct Probe {
        name: String,
        empty: String,
        missing: Option<String>,
        present: Option<String>,
        count: usize,
        zero: usize,
        flag: bool,
        items: Vec<Item>,
        nothing: Vec<Item>,
        html: Html,
        extra: serde_json::Value,
    }
}

typed_view! {
    #[derive(serde::Serialize)]
    struct Item {
        label: String,
        n: usize,
    }
}

fn probe() -> Probe {
    Probe {
        name: "<b>&\"x\"</b> 'q'".into(),
        empty: String::new(),
        missing: None,
        present: Some("here".into()),
        count: 3,
        zero: 0,
        flag: true,
        items: vec![
            Item {
                label: "one".into(),
                n: 1,
            },
            Item {
                label: "t<w>o".into(),
                n: 2,
            },
            Item {
                label: "three".into(),
                n: 3,
            },
        ],
        nothing: Vec::new(),
        html: Html("<i>made here</i>".into()),
        extra: serde_json::json!({ "k": "v" }),
    }
}

typed_view! {
    #[derive(serde::Serialize, Default)]
    struct NoGlobals {
        site_title: String,
    }
}

fn no_page(_: &str) -> Option<(usize, Kind)> {
    None
}

/// Renders `templates` (the first is the page) with the engine and, when
/// it compiles, with the compiled program. `None` when it does not compile.
fn compare(templates: &[(&str, &str)]) -> Option<String> {
    let data = probe();
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(templates.iter().copied()).unwrap();
    let mut ctx = tera::Context::from_serialize(&data).unwrap();
    ctx.insert("site_title", "");
    // As the renderer gives the engine the globals' `Html` (the header and
    // footer): as safe strings.
    ctx.insert("html", &tera::Value::safe_string(&data.html.0));
    let engine = tera.render(templates[0].0, &ctx).unwrap();
    let sources: HashMap<String, String> = templates
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let roots = Roots {
        page: no_page,
        globals: <NoGlobals as Object>::resolve,
    };
    let program = Program::compile(templates[0].0, &sources, Probe::resolve, &roots).ok()?;
    let mut out = Vec::new();
    let page = NoGlobals::default();
    program
        .run(&data, &page, &NoGlobals::default(), &mut out)
        .ok()?;
    let compiled = String::from_utf8(out).unwrap();
    assert_eq!(compiled, engine, "{templates:?}");
    Some(compiled)
}

/// Each construct of the subset writes what the engine writes.
#[test]
fn each_construct_writes_what_the_engine_writes() {
    let cases: &[&str] = &[
        "plain text only",
        "{{ name }}|{{ name | safe }}|{{ html }}|{{ html | safe }}",
        "{{ count }} {{ zero }} {{ present }}",
        "{% if name %}a{% endif %}{% if empty %}b{% else %}c{% endif %}",
        "{% if missing %}m{% elif present %}p{% else %}e{% endif %}",
        "{% if zero %}z{% elif count > 2 %}big{% endif %}",
        "{% if count != 1 %}s{% endif %}{% if count == 3 %}three{% endif %}",
        "{% if count >= 3 and count <= 3 %}eq{% endif %}{% if count < 3 or zero > 0 %}no{% endif %}",
        "{% if not flag %}f{% else %}t{% endif %}{% if not nothing %}empty{% endif %}",
        "{% if name != empty %}differ{% endif %}{% if name == name %}same{% endif %}",
        "{% for i in items %}{{ loop.index }}{{ loop.index0 }}:{{ i.label }}{% if not loop.last %}, {% endif %}{% if loop.first %}^{% endif %}{% endfor %}",
        "{% for i in items %}{% for j in items %}{{ i.n }}{{ j.n }}{% if loop.last %};{% endif %}{% endfor %}{% endfor %}",
        "{% for i in nothing %}never{% endfor %}[{{ items | length }}{{ nothing | length }}]",
        "{% if items | length > 1 %}many{% endif %}",
        "{{ name | truncate(length=4) }}|{{ present | truncate(length=10) }}",
        "{% set x = name %}{% set y = \"lit<>\" %}{{ x }}{{ y }}",
        "{% for i in items %}{% set l = i.label %}{{ l }}{% endfor %}",
        "a  {{- name -}}  b {%- if flag -%}  c  {%- endif -%} d",
        "x{# a comment #}y{#- trimmed -#}  z",
        "{{ name -}}{# c #}  after",
        "{{ 'single' }}{{ `back` }}{{ 7 }}",
        "{% if flag %}{% set x = name %}[{{ x }}]{% endif %}",
        "{% set f = false %}{% if f and unknown %}a{% elif f %}{{ unknown }}{% else %}b{% endif %}",
        "{% set t = true %}{% if t or unknown %}a{% endif %}{% if t %}c{% else %}{{ unknown }}{% endif %}",
        "{% if present %}{% if flag %}{% set x = 1 %}{% endif %}{% endif %}",
    ];
    for case in cases {
        assert!(
            compare(&[("t.html", case)]).is_some(),
            "{case:?} did not compile"
        );
    }
}

/// `extends`, blocks (also nested, and kept from the parent when the child
/// has none) and `include`, which sees the includer's `set`.
#[test]
fn extends_blocks_and_includes_write_what_the_engine_writes() {
    let base = "<h>{% block head %}base head{% endblock head %}</h>{% block body %}{% block inner %}i{% endblock inner %}{% endblock body %}";
    assert!(compare(&[("child.html", "{% extends \"base.html\" %}{% block body %}[{% block inner %}child inner{% endblock %}]{% endblock body %}"), ("base.html", base)]).is_some());
    assert!(
        compare(&[
            (
                "child.html",
                "{% extends \"base.html\" %}\n{% block head %}{{ name }}{% endblock %}"
            ),
            ("base.html", base)
        ])
        .is_some()
    );
    assert!(
        compare(&[
            (
                "t.html",
                "{% set who = present %}<{% include \"p.html\" %}>"
            ),
            ("p.html", "{{ who }} {{ name }}")
        ])
        .is_some()
    );
}

/// What is outside the subset is left to the engine.
#[test]
fn what_is_outside_the_subset_is_not_compiled() {
    for case in [
        "{{ name | upper }}",
        "{{ extra.k }}",
        "{{ unknown }}",
        "{{ flag }}",
        "{{ items }}",
        "{% for k, v in items %}{% endfor %}",
        "{% if name is defined %}x{% endif %}",
        "{% if flag %}{% set x = 1 %}{% endif %}{{ x }}",
        "{% if flag %}{% if flag %}{% set x = name %}{% endif %}{% endif %}{{ x }}",
        "{% set x = name %}{% if flag %}{% set x = empty %}{% endif %}{{ x }}",
        "{% raw %}{{ x }}{% endraw %}",
        "{{ items.0.label }}",
        "{% if name > count %}x{% endif %}",
        "{{ name ~ name }}",
    ] {
        let sources: HashMap<String, String> = [("t.html".to_string(), case.to_string())]
            .into_iter()
            .collect();
        let roots = Roots {
            page: no_page,
            globals: <NoGlobals as Object>::resolve,
        };
        assert!(
            Program::compile("t.html", &sources, Probe::resolve, &roots).is_err(),
            "{case:?} compiled"
        );
    }
    // A missing optional value printed hands the page back at run time.
    let sources: HashMap<String, String> = [("t.html".to_string(), "{{ missing }}".to_string())]
        .into_iter()
        .collect();
    let roots = Roots {
        page: no_page,
        globals: <NoGlobals as Object>::resolve,
    };
    let program = Program::compile("t.html", &sources, Probe::resolve, &roots).unwrap();
    let empty = NoGlobals::default();
    assert_eq!(
        program.run(&probe(), &empty, &empty, &mut Vec::new()),
        Err(Unsupported)
    );
}

/// A typed view's field table names exactly the keys serde gives the
/// engine: a compiled template and the engine read the same names.
#[test]
fn field_tables_match_what_the_engine_sees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cat = crate::site::load(
        &root.join("tests/fixtures/ok"),
        None,
        &mut Default::default(),
    )
    .unwrap();
    let renderer = crate::site::renderer(&root.join("tests/fixtures/ok"), &cat).unwrap();
    let urls = crate::render::urls::Urls::new(&cat, &renderer);
    let id = crate::catalogue::ToolId { server: 0, tool: 0 };
    let policy = cat.tool(id).policy(&cat.config);
    let view = crate::render::tool::tool_view(
        &cat,
        &renderer,
        &urls,
        id,
        &policy,
        std::sync::Arc::new(urls.server_summary(cat.server(id))),
    );
    check_fields(
        &serde_json::to_value(&view).unwrap(),
        <crate::render::views::ToolView as Object>::resolve,
        "tool",
    );
}

/// Panics unless every key serde gives `value` (and its objects, and the
/// first item of its lists) is a field `resolve` knows. Also run on every
/// typed page the differential test renders, so every page's view is
/// checked with real data.
pub(crate) fn check_fields(value: &serde_json::Value, resolve: Resolver, at: &str) {
    let map = value.as_object().unwrap();
    for (key, v) in map {
        let (_, kind) = resolve(key).unwrap_or_else(|| panic!("{at}.{key} has no field"));
        match (kind, v) {
            (Kind::Obj(inner), serde_json::Value::Object(_)) => {
                check_fields(v, inner, &format!("{at}.{key}"))
            }
            (Kind::List(item), serde_json::Value::Array(items)) => {
                if let (Kind::Obj(inner), Some(first)) = (item(), items.first()) {
                    check_fields(first, inner, &format!("{at}.{key}[0]"));
                }
            }
            _ => {}
        }
    }
}

/// `truncate` cuts where the engine's filter cuts, also inside combining
/// marks, joined emoji and right-to-left overrides.
#[test]
fn truncate_cuts_where_the_engine_cuts() {
    assert_eq!(truncate("日本語hello", 3), "日本語…");
    assert_eq!(truncate("short", 10), "short");
    assert_eq!(truncate("exact", 5), "exact");
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
            assert_eq!(truncate(s, n), engine, "{s:?} at {n}");
        }
    }
}
