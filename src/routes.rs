//! The URL scheme of the output (CONTENT-FORMAT.md), in one place: every
//! page and file a build writes, as a [`Route`], with its path and its
//! reverse; the names it reserves (a page's `index.html`, `policy.json`,
//! `index.md`, the numbered pages' `page`, the top-level folders); and the
//! folders other stages match by prefix (the search index's, the built-in
//! assets', the `_headers` patterns), built from the routes. A site's own
//! `static/` files keep the paths they have there.
//!
//! A path here is relative to the site's base path: `servers/github/` for a
//! page (whose file is `servers/github/index.html`), `robots.txt` for a
//! file. Prefixing the base path or base URL is `render::urls`' job. Routes
//! hold the slugs and names as given; checking them (`slug`) happens when
//! they are read. No I/O, and nothing of the catalogue: a route is made
//! from strings, so every stage can name a page without depending on the
//! stage that renders it.

/// A page or file of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// The home page.
    Home,
    /// The list of every server.
    Servers,
    /// A server's page.
    Server(&'a str),
    /// The policy of a whole server.
    ServerPolicy(&'a str),
    /// A server page's Markdown twin.
    ServerMarkdown(&'a str),
    /// A tool's page.
    Tool { server: &'a str, tool: &'a str },
    /// A tool's policy.
    ToolPolicy { server: &'a str, tool: &'a str },
    /// A tool page's Markdown twin.
    ToolMarkdown { server: &'a str, tool: &'a str },
    /// A tool's embed card.
    Embed { server: &'a str, tool: &'a str },
    /// The list of the tools that carry findings.
    Flagged,
    /// The list of the tools whose classification wants review.
    Review,
    /// The list of categories.
    Categories,
    /// A category's tools.
    Category(&'a str),
    /// The list of risk levels.
    Risks,
    /// A risk level's tools (`low` … `critical`).
    Risk(&'a str),
    /// The attack database.
    Attacks,
    /// An attack entry and the tools it applies to.
    Attack(&'a str),
    /// A free-form page of `content/pages/`.
    Page(&'a str),
    /// The page shown for a path that leads nowhere.
    NotFound,
    /// The search results page (`search/?q=…`; the index's files sit
    /// beside it in `search/`).
    Search,
    /// The JSON Schema of a policy.
    PolicySchema,
    /// The JSON Schema of a server record.
    ServerSchema,
    /// The JSON Schema of an attack entry's front matter.
    AttackSchema,
    /// `llms.txt`: the site described for language models.
    LlmsTxt,
    /// The whole catalogue as JSON.
    ApiCatalogue,
    /// One server as JSON.
    ApiServer(&'a str),
    /// The sitemap, or the index of the sitemaps when there are several.
    Sitemap,
    /// The `n`th sitemap (from 1) under the index.
    SitemapPart(usize),
    /// `robots.txt`.
    Robots,
    /// The catalogue's definition changes, newest first.
    Changes,
    /// The Atom feed of the changes.
    ChangesFeed,
    /// `_headers`: the static host's response headers.
    Headers,
    /// The search index's manifest, beside the results page.
    SearchIndex,
    /// The `n`th (from 0) word file of the search index.
    SearchWords(usize),
    /// The `n`th (from 0) record file of the search index.
    SearchRecords(usize),
    /// A built-in static asset (`style.css`, `site.js`, `search.js`) under
    /// `assets/`. A site's own `static/` files keep the paths they have.
    Asset(&'a str),
}

/// URL segments at the top of the site that are not free-form pages: a page
/// of `content/pages/` may not take one of these slugs.
pub const RESERVED: [&str; 12] = [
    "servers",
    "categories",
    "risk",
    "attacks",
    "embed",
    "api",
    "schema",
    "assets",
    "flagged",
    "review",
    "search",
    "changes",
];

/// The file name of a page's Markdown twin, beside its `index.html`.
pub const MARKDOWN_TWIN: &str = "index.md";

/// The file name of a server's or tool's policy, beside its `index.html`.
pub const POLICY_FILE: &str = "policy.json";

/// Names a server's or tool's slug may not take, as they name files or
/// folders beside it: its policy, page, Markdown twin and numbered pages.
pub const IN_PAGE_FOLDER: [&str; 4] = [POLICY_FILE, INDEX_FILE, MARKDOWN_TWIN, LIST_PAGE];

/// The segment of the numbered pages of a long list ([`list_page`]), which
/// no slug or category name may be.
pub const LIST_PAGE: &str = "page";

impl<'a> Route<'a> {
    /// The path relative to the base path: ending in `/` for a page, the
    /// file's own name for a file.
    pub fn path(&self) -> String {
        match *self {
            Route::Home => String::new(),
            Route::Servers => "servers/".into(),
            Route::Server(s) => format!("servers/{s}/"),
            Route::ServerPolicy(s) => format!("servers/{s}/{POLICY_FILE}"),
            Route::ServerMarkdown(s) => format!("servers/{s}/{MARKDOWN_TWIN}"),
            Route::Tool { server, tool } => format!("servers/{server}/{tool}/"),
            Route::ToolPolicy { server, tool } => {
                format!("servers/{server}/{tool}/{POLICY_FILE}")
            }
            Route::ToolMarkdown { server, tool } => {
                format!("servers/{server}/{tool}/{MARKDOWN_TWIN}")
            }
            Route::Embed { server, tool } => format!("embed/{server}/{tool}/"),
            Route::Flagged => "flagged/".into(),
            Route::Review => "review/".into(),
            Route::Categories => "categories/".into(),
            Route::Category(c) => format!("categories/{c}/"),
            Route::Risks => "risk/".into(),
            Route::Risk(r) => format!("risk/{r}/"),
            Route::Attacks => "attacks/".into(),
            Route::Attack(a) => format!("attacks/{a}/"),
            Route::Page(slug) => format!("{slug}/"),
            Route::NotFound => "404.html".into(),
            Route::Search => "search/".into(),
            Route::PolicySchema => "schema/policy.schema.json".into(),
            Route::ServerSchema => "schema/server.schema.json".into(),
            Route::AttackSchema => "schema/attack.schema.json".into(),
            Route::LlmsTxt => "llms.txt".into(),
            Route::ApiCatalogue => "api/catalogue.json".into(),
            Route::ApiServer(s) => format!("api/servers/{s}.json"),
            Route::Sitemap => "sitemap.xml".into(),
            Route::SitemapPart(n) => format!("sitemap-{n}.xml"),
            Route::Robots => "robots.txt".into(),
            Route::Changes => "changes/".into(),
            Route::ChangesFeed => "changes/atom.xml".into(),
            Route::Headers => "_headers".into(),
            Route::SearchIndex => "search/index.json".into(),
            Route::SearchWords(n) => format!("{SEARCH_WORDS}{n}.json"),
            Route::SearchRecords(n) => format!("{SEARCH_RECORDS}{n}.json"),
            Route::Asset(name) => format!("{ASSETS}{name}"),
        }
    }

    /// Whether the route is an HTML page reached by a path ending in `/`
    /// (the 404 page is a page too, but named as a file).
    pub fn is_page(&self) -> bool {
        self.path().is_empty() || self.path().ends_with('/')
    }

    /// The file written for the route, relative to the output folder.
    pub fn file(&self) -> String {
        file_of(&self.path())
    }

    /// The route a path (as [`Route::path`] or [`Route::file`] gives it)
    /// names, or `None` for a path no route has.
    pub fn parse(path: &'a str) -> Option<Route<'a>> {
        let path = path.strip_suffix(INDEX_FILE).unwrap_or(path);
        if path.is_empty() {
            return Some(Route::Home);
        }
        let page = path.ends_with('/');
        let segs: Vec<&str> = path.strip_suffix('/').unwrap_or(path).split('/').collect();
        if segs
            .iter()
            .any(|s| s.is_empty() || (page && *s == LIST_PAGE))
        {
            return None;
        }
        let route = match (page, segs.as_slice()) {
            (true, ["servers"]) => Route::Servers,
            (true, ["servers", s]) => Route::Server(s),
            (false, ["servers", s, POLICY_FILE]) => Route::ServerPolicy(s),
            (false, ["servers", s, MARKDOWN_TWIN]) => Route::ServerMarkdown(s),
            (true, ["servers", server, tool]) => Route::Tool { server, tool },
            (false, ["servers", server, tool, POLICY_FILE]) => Route::ToolPolicy { server, tool },
            (false, ["servers", server, tool, MARKDOWN_TWIN]) => {
                Route::ToolMarkdown { server, tool }
            }
            (true, ["embed", server, tool]) => Route::Embed { server, tool },
            (true, ["flagged"]) => Route::Flagged,
            (true, ["review"]) => Route::Review,
            (true, ["categories"]) => Route::Categories,
            (true, ["categories", c]) => Route::Category(c),
            (true, ["risk"]) => Route::Risks,
            (true, ["risk", r]) => Route::Risk(r),
            (true, ["attacks"]) => Route::Attacks,
            (true, ["attacks", a]) => Route::Attack(a),
            (true, [slug]) if !RESERVED.contains(slug) => Route::Page(slug),
            (false, ["404.html"]) => Route::NotFound,
            (true, ["search"]) => Route::Search,
            (false, ["schema", "policy.schema.json"]) => Route::PolicySchema,
            (false, ["schema", "server.schema.json"]) => Route::ServerSchema,
            (false, ["schema", "attack.schema.json"]) => Route::AttackSchema,
            (false, ["llms.txt"]) => Route::LlmsTxt,
            (false, ["api", "catalogue.json"]) => Route::ApiCatalogue,
            (false, ["api", "servers", file]) => Route::ApiServer(file.strip_suffix(".json")?),
            (false, ["sitemap.xml"]) => Route::Sitemap,
            (false, ["robots.txt"]) => Route::Robots,
            (true, ["changes"]) => Route::Changes,
            (false, ["changes", "atom.xml"]) => Route::ChangesFeed,
            (false, ["_headers"]) => Route::Headers,
            (false, ["search", "index.json"]) => Route::SearchIndex,
            (false, ["search", "w", file]) => {
                Route::SearchWords(number(file.strip_suffix(".json")?)?)
            }
            (false, ["search", "r", file]) => {
                Route::SearchRecords(number(file.strip_suffix(".json")?)?)
            }
            (false, ["assets", name]) => Route::Asset(name),
            (false, [file]) => {
                let n = file.strip_prefix(SITEMAP_PARTS)?.strip_suffix(".xml")?;
                match number(n)? {
                    0 => return None,
                    n => Route::SitemapPart(n),
                }
            }
            _ => return None,
        };
        Some(route)
    }
}

/// A number as a route spells it: digits, with no leading zero but for 0
/// itself.
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// The file a page's path ending in `/` is written to, in its folder.
pub const INDEX_FILE: &str = "index.html";

/// The file written for a site path: [`INDEX_FILE`] in the folder of a
/// path ending in `/` (or of the home page's empty path), the path itself
/// otherwise.
pub fn file_of(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        format!("{path}{INDEX_FILE}")
    } else {
        path.to_string()
    }
}

/// The site path of an output file, [`file_of`]'s reverse:
/// `servers/x/index.html` → `servers/x/`, `index.html` → the empty path,
/// any other file → itself.
pub fn page_of(file: &str) -> &str {
    if file == INDEX_FILE {
        ""
    } else {
        file.strip_suffix(INDEX_FILE)
            .filter(|p| p.ends_with('/'))
            .unwrap_or(file)
    }
}

/// The folder of the built-in static assets ([`Route::Asset`]).
pub const ASSETS: &str = "assets/";

/// The folder of the search index's word files ([`Route::SearchWords`]).
pub const SEARCH_WORDS: &str = "search/w/";

/// The folder of the search index's record files
/// ([`Route::SearchRecords`]).
pub const SEARCH_RECORDS: &str = "search/r/";

/// The folder holding the results page and the search index's files.
pub const SEARCH: &str = "search/";

/// The top-level folders of the site's HTML pages made from the catalogue
/// (not embed cards, which have rules of their own, nor free-form pages).
pub fn page_sections() -> [String; 7] {
    [
        Route::Servers.path(),
        Route::Categories.path(),
        Route::Risks.path(),
        Route::Attacks.path(),
        Route::Changes.path(),
        Route::Flagged.path(),
        Route::Review.path(),
    ]
}

/// Folders holding data only (no HTML page), as glob patterns (`api/*`),
/// and the search index's data files, which sit beside the results page
/// so are named one by one: `(pattern, whether it is the search index's)`.
pub fn data_patterns() -> [(String, bool); 5] {
    let folder = |r: Route| r.path().split_once('/').map(|(f, _)| format!("{f}/*"));
    [
        (folder(Route::ApiCatalogue).unwrap_or_default(), false),
        (folder(Route::PolicySchema).unwrap_or_default(), false),
        (Route::SearchIndex.path(), true),
        (format!("{SEARCH_WORDS}*"), true),
        (format!("{SEARCH_RECORDS}*"), true),
    ]
}

/// The site path of page `n` (from 1) of a list at `path`: the path itself
/// for the first, `path/page/n/` for the others.
pub fn list_page(path: &str, n: usize) -> String {
    if n == 1 {
        path.to_string()
    } else {
        format!("{path}{LIST_PAGE}/{n}/")
    }
}

/// A path of a list's numbered page split into the list's path and the
/// number: `("servers/", 3)` for `servers/page/3/`; the path itself and 1
/// for any other path.
pub fn split_list_page(path: &str) -> (&str, usize) {
    let numbered = path
        .strip_suffix('/')
        .and_then(|p| p.rsplit_once('/'))
        .and_then(|(list, n)| Some((list.strip_suffix(LIST_PAGE)?, n.parse::<usize>().ok()?)))
        .filter(|(list, n)| *n > 1 && (list.is_empty() || list.ends_with('/')));
    numbered.unwrap_or((path, 1))
}

/// The prefix of every numbered page (past the first) of the list at
/// `path`.
pub fn list_pages_of(path: &str) -> String {
    format!("{path}{LIST_PAGE}/")
}

/// The folder of every embed card, kept out of search engines.
pub const EMBEDS: &str = "embed/";

/// The prefix of the embed cards of a server's tools.
pub fn embeds_of(server: &str) -> String {
    format!("{EMBEDS}{server}/")
}

/// The prefix of the numbered sitemaps under the sitemap index.
pub const SITEMAP_PARTS: &str = "sitemap-";

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: &[Route<'static>] = &[
        Route::Home,
        Route::Servers,
        Route::Server("github"),
        Route::ServerPolicy("github"),
        Route::ServerMarkdown("github"),
        Route::Tool {
            server: "github",
            tool: "create-issue",
        },
        Route::ToolPolicy {
            server: "github",
            tool: "create-issue",
        },
        Route::ToolMarkdown {
            server: "github",
            tool: "create-issue",
        },
        Route::Embed {
            server: "github",
            tool: "create-issue",
        },
        Route::Flagged,
        Route::Review,
        Route::Categories,
        Route::Category("execute"),
        Route::Risks,
        Route::Risk("high"),
        Route::Attacks,
        Route::Attack("rug-pull"),
        Route::Page("about"),
        Route::NotFound,
        Route::Search,
        Route::PolicySchema,
        Route::ServerSchema,
        Route::AttackSchema,
        Route::LlmsTxt,
        Route::ApiCatalogue,
        Route::ApiServer("github"),
        Route::Sitemap,
        Route::SitemapPart(2),
        Route::Robots,
        Route::Changes,
        Route::ChangesFeed,
        Route::Headers,
        Route::SearchIndex,
        Route::SearchWords(0),
        Route::SearchWords(12),
        Route::SearchRecords(3),
        Route::Asset("style.css"),
    ];

    #[test]
    fn every_route_is_its_paths_reverse() {
        for route in EVERY {
            let (path, file) = (route.path(), route.file());
            assert_eq!(Route::parse(&path), Some(*route), "{path}");
            assert_eq!(Route::parse(&file), Some(*route), "{file}");
            assert_eq!(
                route.is_page(),
                file.ends_with("/index.html") || file == "index.html"
            );
        }
    }

    #[test]
    fn the_scheme_is_the_documented_one() {
        let tool = Route::Tool {
            server: "github",
            tool: "create-issue",
        };
        assert_eq!(tool.path(), "servers/github/create-issue/");
        assert_eq!(tool.file(), "servers/github/create-issue/index.html");
        assert_eq!(Route::Home.file(), "index.html");
        assert_eq!(Route::NotFound.file(), "404.html");
        assert_eq!(Route::ApiServer("a").path(), "api/servers/a.json");
        assert_eq!(
            Route::ToolMarkdown {
                server: "github",
                tool: "create-issue"
            }
            .path(),
            "servers/github/create-issue/index.md"
        );
        assert_eq!(Route::ServerMarkdown("a").path(), "servers/a/index.md");
        assert_eq!(Route::ServerSchema.path(), "schema/server.schema.json");
        assert_eq!(Route::LlmsTxt.file(), "llms.txt");
        assert_eq!(list_page("servers/", 1), "servers/");
        assert_eq!(list_page("servers/", 3), "servers/page/3/");
        assert_eq!(
            Route::Embed {
                server: "a",
                tool: "b"
            }
            .path(),
            format!("{}b/", embeds_of("a"))
        );
        assert!(Route::SitemapPart(4).path().starts_with(SITEMAP_PARTS));
        assert!(list_page("risk/high/", 2).starts_with(&list_pages_of("risk/high/")));
    }

    #[test]
    fn a_file_is_its_pages_reverse() {
        for path in [
            "",
            "servers/",
            "servers/a/b/",
            "robots.txt",
            "a/index.html.x",
        ] {
            assert_eq!(page_of(&file_of(path)), path, "{path}");
        }
        assert_eq!(page_of("xindex.html"), "xindex.html");
    }

    #[test]
    fn the_header_patterns_are_the_routes_folders() {
        assert_eq!(page_sections()[0], "servers/");
        let data: Vec<String> = data_patterns().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            data,
            [
                "api/*",
                "schema/*",
                "search/index.json",
                "search/w/*",
                "search/r/*"
            ]
        );
        assert!(Route::SearchWords(3).path().starts_with(SEARCH_WORDS));
        assert!(Route::SearchRecords(3).path().starts_with(SEARCH_RECORDS));
        assert!(Route::SearchIndex.path().starts_with(SEARCH));
        assert!(Route::Search.path() == SEARCH);
        assert_eq!(Route::Asset("site.js").path(), "assets/site.js");
    }

    #[test]
    fn a_numbered_page_splits_into_its_list_and_number() {
        for list in ["servers/", "attacks/rug-pull/", "categories/read/"] {
            for n in 1..4 {
                assert_eq!(split_list_page(&list_page(list, n)), (list, n));
            }
        }
        for path in [
            "servers/page/1/",
            "servers/page/x/",
            "servers/x/",
            "a/page/",
        ] {
            assert_eq!(split_list_page(path), (path, 1), "{path}");
        }
    }

    #[test]
    fn paths_no_route_has_are_none() {
        for path in [
            "servers//",
            "servers/a/b/c/",
            "servers/a",
            "api/",
            "embed/a/",
            "sitemap-0.xml",
            "sitemap-01.xml",
            "sitemap-x.xml",
            "style.css",
            "servers/page/2/",
            "page/",
            "a/b/",
            "search/w/01.json",
            "search/w/x.json",
            "search/r/1",
            "assets/",
            "assets/a/b.css",
        ] {
            assert_eq!(Route::parse(path), None, "{path}");
        }
    }
}
