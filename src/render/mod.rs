//! Rendering: the template engine, the built-in templates, and one function
//! per page kind.
//!
//! Owns the Tera instance (built-in templates compiled into the binary, each
//! overridden by a file of the same name in the site's `templates/`), turning
//! template errors into diagnostics with template name and line, and the
//! render driver that walks the catalogue and hands every page to an
//! [`crate::output::Sink`]. It reads the catalogue and never changes it.

pub mod api;
pub mod arguments;
pub mod changes;
pub mod collapse;
pub mod compiled;
pub mod csp;
pub mod deploy;
pub mod history;
mod lists;
pub use lists::{expected_pages, flagged_ids, review_ids};
pub mod pages;
pub mod selection;
pub mod seo;
mod server_page;
mod shortcodes;
mod template_errors;
pub(crate) mod tool;
use template_errors::failing_template;
pub use template_errors::template_diagnostic;
pub mod tool_top;
pub mod twins;
pub mod urls;
pub mod views;

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use tera::{Context, Tera};

use crate::error::{Diagnostic, Diagnostics};
use crate::fs::{list_files, read_text};
use crate::render::compiled::typed_view;
use crate::render::views::PageMeta;

/// The built-in templates: (name, source).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../builtin/templates/base.html")),
    ("home.html", include_str!("../builtin/templates/home.html")),
    (
        "servers.html",
        include_str!("../builtin/templates/servers.html"),
    ),
    (
        "server.html",
        include_str!("../builtin/templates/server.html"),
    ),
    ("tool.html", include_str!("../builtin/templates/tool.html")),
    (
        "categories.html",
        include_str!("../builtin/templates/categories.html"),
    ),
    (
        "tool_list.html",
        include_str!("../builtin/templates/tool_list.html"),
    ),
    (
        "risks.html",
        include_str!("../builtin/templates/risks.html"),
    ),
    (
        "attacks.html",
        include_str!("../builtin/templates/attacks.html"),
    ),
    (
        "attack.html",
        include_str!("../builtin/templates/attack.html"),
    ),
    ("page.html", include_str!("../builtin/templates/page.html")),
    (
        "embed.html",
        include_str!("../builtin/templates/embed.html"),
    ),
    ("404.html", include_str!("../builtin/templates/404.html")),
    (
        "search.html",
        include_str!("../builtin/templates/search.html"),
    ),
    (
        "flagged.html",
        include_str!("../builtin/templates/flagged.html"),
    ),
    (
        "review.html",
        include_str!("../builtin/templates/review.html"),
    ),
    (
        "changes.html",
        include_str!("../builtin/templates/changes.html"),
    ),
    (
        "partials/search_filters.html",
        include_str!("../builtin/templates/partials/search_filters.html"),
    ),
    (
        "partials/policy.html",
        include_str!("../builtin/templates/partials/policy.html"),
    ),
    (
        "partials/tool_card.html",
        include_str!("../builtin/templates/partials/tool_card.html"),
    ),
    (
        "partials/pagination.html",
        include_str!("../builtin/templates/partials/pagination.html"),
    ),
    (
        "partials/tool_table.html",
        include_str!("../builtin/templates/partials/tool_table.html"),
    ),
    (
        "partials/tool_row.html",
        include_str!("../builtin/templates/partials/tool_row.html"),
    ),
    (
        "partials/search.html",
        include_str!("../builtin/templates/partials/search.html"),
    ),
    (
        "partials/header.html",
        include_str!("../builtin/templates/partials/header.html"),
    ),
    (
        "partials/footer.html",
        include_str!("../builtin/templates/partials/footer.html"),
    ),
    (
        "shortcodes/policy.html",
        include_str!("../builtin/templates/shortcodes/policy.html"),
    ),
    (
        "shortcodes/tool_card.html",
        include_str!("../builtin/templates/shortcodes/tool_card.html"),
    ),
    (
        "shortcodes/server_policy.html",
        include_str!("../builtin/templates/shortcodes/server_policy.html"),
    ),
];

/// Static assets every site gets, unless its `static/` has a file of the
/// same path: (name under [`routes::ASSETS`], text); [`builtin_assets`]
/// gives their paths.
const BUILTIN_ASSET_FILES: &[(&str, &str)] = &[
    ("style.css", include_str!("../builtin/static/style.css")),
    ("site.js", include_str!("../builtin/static/site.js")),
    ("search.js", include_str!("../builtin/static/search.js")),
];

/// Static assets every site gets, unless its `static/` has a file of the
/// same path: (path, text).
pub fn builtin_assets() -> impl Iterator<Item = (String, &'static str)> {
    BUILTIN_ASSET_FILES
        .iter()
        .map(|&(name, text)| (crate::routes::Route::Asset(name).path(), text))
}

/// The template engine, ready to render.
pub struct Renderer {
    tera: Tera,
    /// True when pages must be minified after rendering, because the
    /// templates could not be minified ahead of time.
    pub minify_pages: bool,
    /// The templates compiled for typed views ([`compiled`]): pages whose
    /// template compiles are written without the engine. `None` renders
    /// every page with the engine (the differential test's other side).
    pub programs: Option<compiled::Programs>,
    /// What [`Renderer::programs`] read as the globals.
    globals: Globals,
    /// Warnings about the templates: why pages are minified one by one.
    pub warnings: Vec<Diagnostic>,
}

/// The parts of every page rendered once per build: (template, the
/// global variable that holds them).
const SITE_PARTS: &[(&str, &str)] = &[
    ("partials/header.html", "header_html"),
    ("partials/footer.html", "footer_html"),
];

typed_view! {
/// What every template sees besides its page's own data: `site`, and the
/// header and footer rendered once per build.
#[derive(Serialize)]
pub struct Globals {
    pub site: views::SiteView,
    pub header_html: compiled::Html,
    pub footer_html: compiled::Html,
}
}

/// A page's own data, as its template sees it besides `page` and the
/// globals. A view declared with [`typed_view!`] gives compiled templates
/// its fields; any other data (`impl PageData for … {}`) is rendered by the
/// engine alone.
pub trait PageData: Serialize {
    /// The data as a typed view, and its field table.
    fn typed(&self) -> Option<(&dyn compiled::Object, compiled::Resolver)> {
        None
    }
}

/// What every page's context carries besides its own data.
#[derive(Serialize)]
struct Ctx<'a, T: Serialize> {
    page: &'a PageMeta,
    #[serde(flatten)]
    data: &'a T,
}

fn new_tera() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera
}

impl Renderer {
    /// Compiles the built-in templates and the site's overrides. With
    /// `minify`, the template sources are minified once (template syntax
    /// left as it is), so rendered pages need no minification of their own.
    pub fn new(
        site_dir: &Path,
        site: &views::SiteView,
        minify: bool,
    ) -> Result<Renderer, Diagnostics> {
        let mut problems = Diagnostics::new();
        let mut sources: Vec<(String, String)> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        let (files, list_problems) = list_files(site_dir, crate::layout::TEMPLATES, None, true);
        problems.extend(list_problems);
        // Only the built-in set, whose attribute values are all quoted and
        // spaced and whose partials never land in a `<pre>`, is minified
        // ahead of time. Minified as text, a site's own template can change
        // meaning: `title="{{x}}"` loses its quotes (a hostile value with a
        // space then ends the attribute), template code inside a tag is read
        // as attributes (dropped, reordered or lower-cased), and a partial
        // loses whitespace its parent's `<pre>` keeps.
        let has_overrides = files
            .iter()
            .any(|f| f.relative.extension().is_some_and(|e| e == "html"));
        let mut own = HashSet::new();
        for f in files {
            let name = f
                .relative
                .strip_prefix(crate::layout::TEMPLATES)
                .unwrap_or(&f.relative)
                .to_string_lossy()
                .replace('\\', "/");
            own.insert(name.clone());
            match read_text(&f, 4 * 1024 * 1024, crate::layout::TEMPLATES) {
                Ok(text) => match sources.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = text,
                    None => sources.push((name, text)),
                },
                Err(d) => problems.push(d),
            }
        }
        // Tera stops at the first broken template; take it out and try again,
        // so every broken template is reported, and not the ones that merely
        // depend on a broken one.
        let mut removed: Vec<String> = Vec::new();
        let checked = loop {
            let mut tera = new_tera();
            match tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str()))) {
                Ok(()) => break tera,
                Err(e) => {
                    let culprit = failing_template(&e).unwrap_or_default();
                    let depends_on_removed = match e.kind() {
                        tera::ErrorKind::MissingParent { parent, .. } => removed.contains(parent),
                        _ => removed
                            .iter()
                            .any(|r| e.to_string().contains(&format!("`{r}`"))),
                    };
                    if !depends_on_removed {
                        problems.push(template_diagnostic(&culprit, &e));
                    }
                    match sources.iter().position(|(n, _)| *n == culprit) {
                        Some(i) => removed.push(sources.remove(i).0),
                        None => {
                            if depends_on_removed {
                                problems.push(template_diagnostic(&culprit, &e));
                            }
                            break tera;
                        }
                    }
                }
            }
        };
        problems.into_result()?;
        // Errors above name lines of the user's files; only a template set
        // that compiled as written is minified.
        let mut warnings = Vec::new();
        let (mut tera, minify_pages, compiled_sources) = if !minify {
            (checked, false, sources)
        } else if has_overrides {
            match collapsed(&sources, &own) {
                Ok((tera, small)) => (tera, false, small),
                Err(d) => {
                    warnings.push(d);
                    (checked, true, sources)
                }
            }
        } else {
            match minified(&sources) {
                Some((tera, small)) => (tera, false, small),
                None => (checked, true, sources),
            }
        };
        #[derive(Serialize)]
        struct SiteGlobal<'a> {
            site: &'a views::SiteView,
        }
        let ctx = Context::from_serialize(&SiteGlobal { site })
            .map_err(|e| Diagnostics::from(Diagnostic::new(format!("site settings: {e}"))))?;
        tera.global_context().extend(ctx);
        // The header and footer are the same on every page: rendered here,
        // once, when they need nothing but `site`; `base.html` renders them
        // in place when they are empty (a site's own partial that needs the
        // page).
        let mut parts = Vec::new();
        for (template, key) in SITE_PARTS {
            let html = tera.render(template, &Context::new()).unwrap_or_default();
            tera.global_context()
                .insert_value(*key, tera::Value::safe_string(html.trim()));
            parts.push(html.trim().to_string());
        }
        let globals = Globals {
            site: site.clone(),
            header_html: compiled::Html(std::mem::take(&mut parts[0])),
            footer_html: compiled::Html(std::mem::take(&mut parts[1])),
        };
        let programs = compiled::Programs::new(
            &compiled_sources,
            compiled::Roots {
                page: <PageMeta as compiled::Object>::resolve,
                globals: <Globals as compiled::Object>::resolve,
            },
        );
        Ok(Renderer {
            tera,
            minify_pages,
            programs: Some(programs),
            globals,
            warnings,
        })
    }

    /// Renders a page from `template` into `out` (cleared first): by its
    /// compiled program when the template compiles for this data, by the
    /// engine otherwise, or when the program hands the page back. True
    /// when the program wrote it.
    pub fn render_page<T: PageData>(
        &self,
        template: &str,
        page: &PageMeta,
        data: &T,
        out: &mut Vec<u8>,
    ) -> Result<bool, Diagnostic> {
        if let (Some(programs), Some((object, fields))) = (&self.programs, data.typed()) {
            let written = programs.with(template, std::any::type_name::<T>(), fields, |p| {
                out.clear();
                p.run(object, page, &self.globals, out)
            });
            if written == Some(Ok(())) {
                return Ok(true);
            }
        }
        self.render_into(template, &Ctx { page, data }, out)?;
        Ok(false)
    }

    /// Renders `template` with `context` into `out` (cleared first).
    pub fn render_into(
        &self,
        template: &str,
        context: &impl Serialize,
        out: &mut Vec<u8>,
    ) -> Result<(), Diagnostic> {
        out.clear();
        let ctx =
            Context::from_serialize(context).map_err(|e| template_diagnostic(template, &e))?;
        self.tera
            .render_to(template, &ctx, &mut *out)
            .map_err(|e| template_diagnostic(template, &e))
    }

    /// Renders `template` with `context` to a string.
    pub fn render(&self, template: &str, context: &impl Serialize) -> Result<String, Diagnostic> {
        let mut out = Vec::new();
        self.render_into(template, context, &mut out)?;
        String::from_utf8(out)
            .map_err(|_| Diagnostic::new(format!("template {template} produced invalid UTF-8")))
    }
}

/// The templates compiled from minified sources, and those sources, or
/// `None` when minifying broke one (then pages are minified one by one
/// instead).
fn minified(sources: &[(String, String)]) -> Option<(Tera, Vec<(String, String)>)> {
    let small: Vec<(String, String)> = sources
        .iter()
        .map(|(n, s)| {
            if n.ends_with(".html") {
                crate::output::minify_template(s).map(|m| (n.clone(), m))
            } else {
                Some((n.clone(), s.clone()))
            }
        })
        .collect::<Option<_>>()?;
    let mut tera = new_tera();
    tera.add_raw_templates(small.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        .ok()?;
    Some((tera, small))
}

/// The templates compiled with the site's own ones collapsed (see
/// [`collapse`]) and the built-in ones minified, except a built-in one some
/// of whose text lands where a site's template keeps whitespace, which is
/// collapsed too. A warning when the site's templates cannot be followed
/// (then pages are minified one by one instead).
/// Also the sources compiled.
fn collapsed(
    sources: &[(String, String)],
    own: &HashSet<String>,
) -> Result<(Tera, Vec<(String, String)>), Diagnostic> {
    let collapse::Collapsed {
        sources: collapsed,
        lands_sensitive,
    } = collapse::collapse(sources, |name| {
        // A site's own shortcode is pasted into a page's markdown, which
        // can put it inside a `<pre>`. (The built-in ones are minified
        // ahead, as on a site with no templates of its own.)
        name.starts_with("shortcodes/") && own.contains(name)
    })
    .map_err(|u| {
        Diagnostic::in_file(
            format!("templates/{}", u.template),
            format!(
                "{}; so every page is minified after it is rendered, which makes the build several times slower",
                u.reason
            ),
        )
        .at_line(u.line)
        .help("open and close each element in the same branch of template code and in the same template, or set `minify = false`")
    })?;
    let small: Vec<(String, String)> = sources
        .iter()
        .zip(collapsed)
        .map(|((name, original), (_, collapsed))| {
            let builtin = !own.contains(name) && !lands_sensitive.contains(name);
            let text = if builtin && collapse::is_html(name) {
                crate::output::minify_template(original).unwrap_or(collapsed)
            } else {
                collapsed
            };
            (name.clone(), text)
        })
        .collect();
    let mut tera = new_tera();
    tera.add_raw_templates(small.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        .map_err(|e| template_diagnostic("", &e))?;
    Ok((tera, small))
}

/// A sink that keeps every file in memory, for tests that compare renders.
#[cfg(test)]
pub(crate) mod test_sink {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use crate::error::Diagnostic;
    use crate::output::Sink;

    /// Every file of a render, by site-relative path.
    pub type Files = BTreeMap<String, Vec<u8>>;

    #[derive(Default)]
    pub struct Collect(Mutex<Files>);

    impl Collect {
        pub fn into_files(self) -> Files {
            self.0.into_inner().unwrap()
        }
    }

    impl Sink for Collect {
        fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
            let old = self.0.lock().unwrap().insert(path.into(), bytes.into());
            assert!(old.is_none(), "{path} written twice");
            Ok(())
        }
        fn count_page(&self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site folder holding only the given templates, and the renderer
    /// made from it with minify on.
    fn with_templates(
        templates: &[(&str, &str)],
    ) -> (tempfile::TempDir, Result<Renderer, Diagnostics>) {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("templates")).unwrap();
        for (name, text) in templates {
            std::fs::write(site.path().join("templates").join(name), text).unwrap();
        }
        let renderer = Renderer::new(site.path(), &views::SiteView::default(), true);
        (site, renderer)
    }

    /// A site's own template is not minified as text, only collapsed: an
    /// attribute value that holds template code keeps its quotes (minified
    /// as text, `data-name="{{name}}"` would lose them and the value below
    /// would add an attribute), and pages need no minifying of their own.
    #[test]
    fn a_sites_own_template_is_collapsed_not_minified() {
        let (_site, renderer) = with_templates(&[(
            "probe.html",
            "<p  class=\"probe\"   data-name=\"{{name}}\">\n  {{name}}\n</p>\n",
        )]);
        let renderer = renderer.unwrap();
        assert!(!renderer.minify_pages, "pages minified one by one");
        assert!(renderer.warnings.is_empty());
        let hostile = "a onmouseover=alert(1) x";
        let page = renderer
            .render("probe.html", &serde_json::json!({ "name": hostile }))
            .unwrap();
        assert_eq!(
            page,
            format!("<p  class=\"probe\"   data-name=\"{hostile}\">\n{hostile}\n</p>\n")
        );
    }

    /// An unknown filter, which the engine finds only once every template
    /// is loaded, is reported at its template, line and column, and so is
    /// one in a second template.
    #[test]
    fn unknown_filters_are_reported_at_their_templates() {
        let (_site, renderer) = with_templates(&[
            ("probe.html", "<p>\n  {{ name | shout }}</p>\n"),
            ("other.html", "<p>{{ name | whisper }}</p>\n"),
        ]);
        let Err(problems) = renderer else {
            panic!("unknown filters accepted");
        };
        let text: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with("templates/other.html:1:")
                && text[0].contains("template error: Unknown filter `whisper`"),
            "{text:?}"
        );
        assert!(
            text[1].starts_with("templates/probe.html:2:")
                && text[1].contains("template error: Unknown filter `shout`"),
            "{text:?}"
        );
    }

    /// Own templates whose HTML cannot be followed are rendered as written
    /// and every page is minified, with a warning that names the line.
    #[test]
    fn own_templates_that_cannot_be_followed_have_their_pages_minified_with_a_warning() {
        let (_site, renderer) = with_templates(&[(
            "probe.html",
            "<div>\n{% if a %}<pre>{% endif %}\n  {{ a }}\n</div>\n",
        )]);
        let renderer = renderer.unwrap();
        assert!(renderer.minify_pages);
        let [warning] = &renderer.warnings[..] else {
            panic!("{:?}", renderer.warnings)
        };
        let text = warning.to_string();
        assert!(text.contains("templates/probe.html"), "{text}");
        assert!(text.contains(":2"), "{text}");
        assert!(text.contains("minify = false"), "{text}");
    }
}
