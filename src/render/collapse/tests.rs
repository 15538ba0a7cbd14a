//! Tests of the collapse: one per construct and refusal, and the
//! differential test over whole sites.

use super::*;

/// Shortcodes kept whole, as the renderer keeps a site's own.
fn is_shortcode(name: &str) -> bool {
    name.starts_with("shortcodes/")
}

fn templates(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

/// The collapsed source of each template, by name.
fn collapsed(list: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    collapse(&templates(list), is_shortcode)
        .unwrap()
        .sources
        .into_iter()
        .collect()
}

fn reason(list: &[(&str, &str)]) -> Unfollowable {
    collapse(&templates(list), is_shortcode).unwrap_err()
}

#[test]
fn indentation_between_tags_becomes_line_breaks_alone() {
    let out = collapsed(&[(
        "a.html",
        "<ul>\n    <li>one</li>\n  \r\n    <li>{{ x }}</li>\n  </ul>\n<p>a  b\tc</p>",
    )]);
    // A blank line stays, for text styled `white-space: pre-line`.
    assert_eq!(
        out["a.html"],
        "<ul>\n<li>one</li>\n\n<li>{{ x }}</li>\n</ul>\n<p>a  b\tc</p>"
    );
}

/// Cases a cold review found, each of which once collapsed text whose
/// whitespace counts.
#[test]
fn escaped_quotes_odd_comments_and_glued_keywords_are_read_as_the_parsers_read_them() {
    let kept = |list: &[(&str, &str)], name: &str| {
        let out = collapsed(list);
        let source = list.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(out[name], source, "{name} changed");
    };
    // An escaped quote in template code does not open a string.
    let t = "<p>{{ 'Don\\'t' }}</p><textarea>It's {{ x }}\n    indented\n</textarea>";
    assert!(collapsed(&[("a.html", t)])["a.html"].contains("{{ x }}\n    indented"));
    kept(
        &[
            ("a.html", "<pre>{{ \"\\\"\" ~ <c /> ~ \"\\\"\" }}</pre>"),
            (
                "c.html",
                "{% component c() %}\n  a\n    b{% endcomponent c %}",
            ),
        ],
        "c.html",
    );
    // A component passed as a value to another is kept.
    kept(
        &[
            ("a.html", "<div>{{ <outer t={<inner />} /> }}</div>"),
            (
                "c.html",
                "{% component inner() %}\n  a\n    b{% endcomponent inner %}",
            ),
        ],
        "c.html",
    );
    // Keywords glued to what follows them.
    kept(
        &[
            ("a.html", "<pre>{% include\"code.html\" %}</pre>"),
            ("code.html", "a\n    b"),
        ],
        "code.html",
    );
    assert!(
        reason(&[("a.html", "{% if a %}<pre>{% elif(b) %}</pre>{% endif %}")])
            .reason
            .contains("still open")
    );
    assert_eq!(
        collapsed(&[("a.html", "{% if(a) %}\n  x{% endif %}")])["a.html"],
        "{% if(a) %}\nx{% endif %}"
    );
    // An apostrophe in an unquoted attribute value opens no quote.
    assert_eq!(
        collapsed(&[(
            "a.html",
            "<img alt=Bob's>It's\n  <textarea>\n  x\n</textarea>"
        )])["a.html"],
        "<img alt=Bob's>It's\n<textarea>\n  x\n</textarea>"
    );
    // Comments that end early, and bogus comments, end where browsers
    // end them.
    for (source, expected) in [
        (
            "<!-->\n  <textarea>\n  x\n</textarea>",
            "<!-->\n<textarea>\n  x\n</textarea>",
        ),
        (
            "<!--->\n  <textarea>\n  x\n</textarea>",
            "<!--->\n<textarea>\n  x\n</textarea>",
        ),
        (
            "<!-- a --!>\n  <textarea>\n  x\n</textarea>",
            "<!-- a --!>\n<textarea>\n  x\n</textarea>",
        ),
        (
            "<?xml it's?>\n  <textarea>\n  x\n</textarea>",
            "<?xml it's?>\n<textarea>\n  x\n</textarea>",
        ),
        (
            "<!DOCTYPE html>\n  <p>\n  x</p>",
            "<!DOCTYPE html>\n<p>\nx</p>",
        ),
    ] {
        assert_eq!(
            collapsed(&[("a.html", source)])["a.html"],
            expected,
            "{source:?}"
        );
    }
    assert!(
        reason(&[("a.html", "<svg><![CDATA[ a > b ]]></svg>")])
            .reason
            .contains("CDATA")
    );
    // An end tag of a raw text element that never started means the
    // scan lost its way.
    assert!(
        reason(&[("a.html", "x\n</textarea>")])
            .reason
            .contains("closes no")
    );
    // `{% endrawx %}` does not end a raw block.
    assert!(
        reason(&[("a.html", "{% raw %}x{% endrawx %}")])
            .reason
            .contains("raw")
    );
}

/// Shortcodes and whatever a template that is not HTML prints are kept.
#[test]
fn shortcodes_and_what_other_formats_print_are_kept() {
    let list = [
        ("shortcodes/note.html", "<div>\n  note\n</div>"),
        (
            "feed.xml",
            "<feed>{% include \"entry.html\" %}{{ <line /> }}</feed>",
        ),
        ("entry.html", "<entry>\n  e\n</entry>"),
        (
            "parts.html",
            "{% component line() %}\n  l\n    m{% endcomponent line %}",
        ),
        ("page.html", "<p>\n  p</p>"),
    ];
    let out = collapsed(&list);
    for (name, source) in &list[..4] {
        assert_eq!(out[*name], *source, "{name}");
    }
    assert_eq!(out["page.html"], "<p>\np</p>");
}

#[test]
fn whitespace_that_counts_is_kept() {
    let source = "<pre class=\"x\">\n  a\n    b <b>\n  c</b>\n</pre>\n  <textarea>\n  t\n</textarea>\n  \
         <script type=\"application/json\">\n  {\"a\":\n    1}\n</script>\n  <style>\n  p { }\n</style>\n  \
         <p title=\"one\n    two\" data-x='{{ a }}\n    b'>x</p>\n  <!-- a\n     comment -->\n  \
         {{ a\n    | upper }}{# note\n     here #}{% if a\n    %}y{% endif %}";
    let out = collapsed(&[("a.html", source)]);
    let expected = source
        .replace("</pre>\n  <textarea>", "</pre>\n<textarea>")
        .replace("</textarea>\n  <script", "</textarea>\n<script")
        .replace("</script>\n  <style>", "</script>\n<style>")
        .replace("</style>\n  <p", "</style>\n<p")
        .replace("</p>\n  <!--", "</p>\n<!--")
        .replace("-->\n  {{", "-->\n{{");
    assert_eq!(out["a.html"], expected);
}

#[test]
fn upper_case_tags_and_non_ascii_text_are_read() {
    let out = collapsed(&[(
        "a.html",
        "<PRE>\n  é\n</PRE>\n  <p>日本語\n   テキスト 🦀</p>\n  <P>ü</P>",
    )]);
    assert_eq!(
        out["a.html"],
        "<PRE>\n  é\n</PRE>\n<p>日本語\nテキスト 🦀</p>\n<P>ü</P>"
    );
}

#[test]
fn a_template_included_where_whitespace_counts_is_kept_and_so_are_its_includes() {
    let out = collapsed(&[
        (
            "page.html",
            "<div>\n  {% include \"note.html\" %}\n</div>\n<pre>{% include \"code.html\" %}</pre>",
        ),
        ("note.html", "<p>\n  note\n</p>"),
        ("code.html", "line\n    {% include \"deeper.html\" %}"),
        ("deeper.html", "deep\n    er"),
        ("attr.html", "<a title=\"{% include 'tip.html' %}\">x</a>"),
        ("tip.html", "tip\n    text"),
    ]);
    assert_eq!(
        out["page.html"],
        "<div>\n{% include \"note.html\" %}\n</div>\n<pre>{% include \"code.html\" %}</pre>"
    );
    assert_eq!(out["note.html"], "<p>\nnote\n</p>");
    assert_eq!(out["code.html"], "line\n    {% include \"deeper.html\" %}");
    assert_eq!(out["deeper.html"], "deep\n    er");
    assert_eq!(out["tip.html"], "tip\n    text");
}

#[test]
fn a_block_placed_where_whitespace_counts_is_kept_in_every_template() {
    let Collapsed {
        sources: out,
        lands_sensitive: lands,
    } = collapse(
        &templates(&[
        (
            "base.html",
            "<body class=\"{% block cls %}{% endblock %}\">\n  <pre>{% block code %}\n  base\n{% endblock code %}</pre>\n  {% block main %}{% endblock %}\n</body>",
        ),
        (
            "child.html",
            "{% extends \"base.html\" %}{% block cls %}a\n   b{% endblock %}{% block code %}\n  {{ super() }}\n    more{% endblock %}{% block main %}\n  <p>\n    main\n  </p>{% endblock %}",
        ),
    ]),
        is_shortcode,
    )
    .unwrap();
    let out: std::collections::HashMap<_, _> = out.into_iter().collect();
    assert_eq!(
        out["child.html"],
        "{% extends \"base.html\" %}{% block cls %}a\n   b{% endblock %}{% block code %}\n  {{ super() }}\n    more{% endblock %}{% block main %}\n<p>\nmain\n</p>{% endblock %}"
    );
    assert!(out["base.html"].contains("<pre>{% block code %}\n  base\n{% endblock code %}</pre>"));
    assert!(lands.contains("child.html") && lands.contains("base.html"));
}

#[test]
fn super_called_where_whitespace_counts_keeps_the_parent_block() {
    let out = collapsed(&[
        (
            "base.html",
            "<main>{% block main %}\n  <p>\n    parent\n  </p>\n{% endblock %}</main>",
        ),
        (
            "child.html",
            "{% extends \"base.html\" %}{% block main %}<pre>{{ super() }}</pre>\n  <p>\n  x</p>{% endblock %}",
        ),
    ]);
    assert!(
        out["base.html"].contains("\n  <p>\n    parent\n  </p>\n"),
        "{}",
        out["base.html"]
    );
    // The child's block is kept too, as it holds the call.
    assert!(out["child.html"].contains("</pre>\n  <p>\n  x</p>"));
}

#[test]
fn components_printed_where_whitespace_counts_or_used_as_values_are_kept() {
    let out = collapsed(&[
        (
            "parts.html",
            "{% component shout(t) %}\n  <b>\n    {{ t }}\n  </b>\n{% endcomponent shout %}\
             {% component code(t) %}\n  a\n    {{ <inner /> }}\n{% endcomponent code %}\
             {% component inner() %}\n  in\n    ner\n{% endcomponent inner %}\
             {% component counted() %}\n  x\n    y\n{% endcomponent counted %}\
             {% component stored() %}\n  s\n    t\n{% endcomponent stored %}\
             {% component wrap() %}\n  w\n    {{ body }}\n{% endcomponent wrap %}",
        ),
        (
            "page.html",
            "<p>{{ <shout t={1} /> }}</p><pre>{{ <code t={2} /> }}</pre>\
             {{ <counted /> | length }}{% set s = <stored /> %}\
             <pre>{% <wrap> %}\n  body\n    text{% </wrap> %}</pre>\
             {% set captured %}\n  c\n    d{% endset %}{% set f | replace(from=\"a\", to=\"b\") %}\n  g\n    h{% endset %}\n  <p>\n  e</p>",
        ),
    ]);
    let m = &out["parts.html"];
    for kept in [
        "{% component code(t) %}\n  a\n    {{ <inner /> }}\n{% endcomponent code %}",
        "{% component inner() %}\n  in\n    ner\n{% endcomponent inner %}",
        "{% component counted() %}\n  x\n    y\n{% endcomponent counted %}",
        "{% component stored() %}\n  s\n    t\n{% endcomponent stored %}",
        "{% component wrap() %}\n  w\n    {{ body }}\n{% endcomponent wrap %}",
    ] {
        assert!(m.contains(kept), "{kept:?} not in {m}");
    }
    assert!(
        m.contains("{% component shout(t) %}\n<b>\n{{ t }}\n</b>\n{% endcomponent shout %}"),
        "{m}"
    );
    let p = &out["page.html"];
    assert!(
        p.contains("{% <wrap> %}\n  body\n    text{% </wrap> %}"),
        "{p}"
    );
    assert!(
        p.ends_with(
            "{% set captured %}\n  c\n    d{% endset %}\
             {% set f | replace(from=\"a\", to=\"b\") %}\n  g\n    h{% endset %}\n<p>\ne</p>"
        ),
        "{p}"
    );
}

#[test]
fn filter_and_raw_bodies_are_kept() {
    let out = collapsed(&[(
        "a.html",
        "{% filter upper %}\n  a\n    b{% endfilter %}\n  {% raw %}<pre>\n  {{ not code }}\n</pre>{% endraw %}\n  <p>\n  x</p>",
    )]);
    assert_eq!(
        out["a.html"],
        "{% filter upper %}\n  a\n    b{% endfilter %}\n{% raw %}<pre>\n  {{ not code }}\n</pre>{% endraw %}\n<p>\nx</p>"
    );
}

#[test]
fn string_literals_in_template_tags_do_not_end_them() {
    let out = collapsed(&[(
        "a.html",
        "{{ \"}}\" }}\n  {% set a = '%}' %}\n  <p>{{ `<pre>` }}\n  x</p>",
    )]);
    assert_eq!(
        out["a.html"],
        "{{ \"}}\" }}\n{% set a = '%}' %}\n<p>{{ `<pre>` }}\nx</p>"
    );
}

#[test]
fn html_that_cannot_be_followed_is_reported_with_its_line() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "<p>\n{% if a %}<pre>{% endif %}\n  x\n</pre>",
            2,
            "still open",
        ),
        (
            "{% if a %}<pre>{% else %}<div>{% endif %}\n  x\n{% if a %}</pre>{% else %}</div>{% endif %}",
            1,
            "still open",
        ),
        ("<pre>\n{% if a %}</pre>{% endif %}", 2, "does not close"),
        ("x\n</pre>", 2, "does not close"),
        ("<pre>\n  x", 2, "not closed in this template"),
        ("<textarea>\n  x", 2, "not closed in this template"),
        ("<div\n  class=\"a\"", 2, "ends inside a tag"),
        ("{% if a %}<a href=\"x\"{% endif %}>", 1, "still open"),
        (
            "<a title=\"{% if a %}x\"{% endif %}>",
            1,
            "different branches",
        ),
        ("\n<{{ tag }}>\n  x", 2, "made by template code"),
        ("<p{{ x }}>", 1, "made by template code"),
        ("{% if a %}\n  x", 2, "not closed"),
        ("{{ a", 1, "not closed"),
    ];
    for (source, line, words) in cases {
        let u = reason(&[("t.html", source)]);
        assert_eq!(u.template, "t.html");
        assert_eq!(u.line, *line, "{source:?}: {u:?}");
        assert!(u.reason.contains(words), "{source:?}: {u:?}");
    }
    // A tag name made by template code that cannot name such an element.
    assert!(
        collapse(
            &templates(&[("t.html", "<h{{ n }}>\n  x</h{{ n }}>")]),
            is_shortcode
        )
        .is_ok()
    );
}

#[test]
fn only_html_templates_change() {
    let out = collapsed(&[("feed.xml", "<a>\n    b</a>"), ("a.html", "<a>\n    b</a>")]);
    assert_eq!(out["feed.xml"], "<a>\n    b</a>");
    assert_eq!(out["a.html"], "<a>\nb</a>");
}

/// Renders the site at `dir` with `minify` on (own templates collapsed)
/// and off (as written).
fn both_ways(
    dir: &std::path::Path,
) -> (
    crate::render::test_sink::Files,
    crate::render::test_sink::Files,
) {
    use crate::render::pages::SiteRenderer;
    use crate::render::test_sink::Collect;
    let mut cat = crate::site::load(dir, None, &mut Default::default()).unwrap();
    assert!(cat.config.minify, "{}", dir.display());
    let renderer = crate::site::renderer(dir, &cat).unwrap();
    assert!(renderer.warnings.is_empty(), "{:?}", renderer.warnings);
    assert!(!renderer.minify_pages);
    let collapsed = Collect::default();
    assert!(
        SiteRenderer::new(&cat, &renderer)
            .render_all(&collapsed, &|_| {})
            .is_empty()
    );
    cat.config.minify = false;
    let renderer = crate::site::renderer(dir, &cat).unwrap();
    let written = Collect::default();
    assert!(
        SiteRenderer::new(&cat, &renderer)
            .render_all(&written, &|_| {})
            .is_empty()
    );
    (collapsed.into_files(), written.into_files())
}

/// Every page of sites with templates of their own, hostile records
/// included, means the same collapsed as rendered from the templates as
/// written: the minifier, which knows where whitespace counts, makes
/// the two byte-identical. The sites are the fixture with text placed
/// where whitespace counts, and the hostile and example sites with
/// every built-in template copied in as their own.
#[test]
fn collapsed_pages_minify_to_the_pages_rendered_as_written() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sites = vec![root.join("tests/fixtures/own-templates")];
    let copies = tempfile::tempdir().unwrap();
    for (name, from) in [
        ("hostile", root.join("tests/fixtures/hostile")),
        ("example", root.to_path_buf()),
    ] {
        let dir = copies.path().join(name);
        for sub in ["content", "static"] {
            if from.join(sub).is_dir() {
                copy_tree(&from.join(sub), &dir.join(sub));
            }
        }
        std::fs::copy(from.join("site.toml"), dir.join("site.toml")).unwrap();
        for (template, text) in crate::render::BUILTIN_TEMPLATES {
            let path = dir.join("templates").join(template);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        sites.push(dir);
    }
    for dir in &sites {
        let (collapsed, written) = both_ways(dir);
        assert_eq!(
            collapsed.keys().collect::<Vec<_>>(),
            written.keys().collect::<Vec<_>>()
        );
        let mut changed = 0;
        for (path, bytes) in &collapsed {
            if !path.ends_with(".html") {
                assert_eq!(bytes, &written[path], "{path}");
                continue;
            }
            changed += usize::from(bytes != &written[path]);
            let ours = crate::output::minify(bytes);
            let theirs = crate::output::minify(&written[path]);
            if ours != theirs {
                let at = ours
                    .iter()
                    .zip(&theirs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                let around = |b: &[u8]| {
                    String::from_utf8_lossy(&b[at.saturating_sub(100)..(at + 100).min(b.len())])
                        .into_owned()
                };
                panic!(
                    "{}: {path} minifies differently at byte {at}:\n collapsed: {}\n written: {}",
                    dir.display(),
                    around(&ours),
                    around(&theirs)
                );
            }
        }
        assert!(
            changed > 10,
            "{}: only {changed} pages collapsed",
            dir.display()
        );
    }
    // What the fixture placed where whitespace counts came through as
    // written, and the indentation around it did not.
    let (collapsed, _) = both_ways(&sites[0]);
    let page =
        String::from_utf8(collapsed["servers/pay-desk/issue_refund/index.html"].clone()).unwrap();
    for kept in [
        "<pre class=\"colophon-text\">\n  \n  Checked by\n      the docs team\n\n    and reviewed for issue_refund\n</pre>",
        "Rule one:\n    read the policy\nRule two:\n    then   ask\n      a reviewer\n</pre>",
        "<pre class=\"mark\">\n+--\n  | issue_refund\n+--\n</pre>",
        "<pre class=\"direct\">\n  issue_refund\n    <b>indented</b>\n</pre>",
        "<textarea readonly>\n  issue_refund\n      stays indented\n</textarea>",
        "title=\"Hover\n   text\"",
        "{\"tool\":\n          \"issue_refund\"}",
    ] {
        assert!(page.contains(kept), "{kept:?} not in:\n{page}");
    }
    assert!(
        page.contains("<p>\n<span class=\"house-badge\">\nWrite\n</span>\n</p>")
            || page.contains("<span class=\"house-badge\">"),
        "{page}"
    );
    assert!(!page.contains("\n    <p>"), "{page}");
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
