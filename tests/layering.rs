//! The layering of `src/`, enforced: no module may reach a module above it.
//!
//! The test reads the crate's sources (it does not compile them), follows the
//! `mod` declarations from `src/lib.rs` to learn the module tree, and collects
//! every path that starts with `crate::`, `super::` or `self::`, in `use`
//! items (groups included) and in code alike. Each path is resolved to the
//! deepest module it names, and a reference from module `a::b::c` to
//! `a::d::e` becomes an edge `b → d` between the siblings under `a`. A module
//! using its own parent or its own children is no edge: a parent owns its
//! children, and children may use what their parent holds in common.
//!
//! Two rules hold:
//!
//! 1. **Top-level modules follow [`LAYERS`]**: a module may use only modules
//!    of a lower layer, never one of its own layer or above. A new top-level
//!    module fails the test until it is given its place in the list.
//! 2. **No cycle between sibling submodules** at any depth (`render::pages`
//!    and `render::lists`, say): one of the two has to be the lower one.
//!
//! Code in `#[cfg(test)]` modules counts like any other: a unit test that
//! needs a higher layer to make its input belongs in `tests/`.
//!
//! What it cannot see: a name used through a re-export counts as a use of the
//! module that re-exports it (`crate::catalogue::Server` is a use of
//! `catalogue`, not of `catalogue::model`), and macros other than `$crate`
//! paths are not expanded. Comments, doc links and string literals never
//! count.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The top-level modules of the library, lowest layer first. A module may
/// use the modules of the layers before its own, and nothing else. Modules
/// in one layer are independent of each other.
const LAYERS: &[&[&str]] = &[
    // Leaves: text helpers, diagnostics, file-system helpers.
    &["text"],
    // Colour and quiet for the command line's own messages.
    &["term"],
    &["error"],
    // The URL scheme: every page and file of the output, from strings;
    // the site folder's layout: every file a build reads.
    &["routes", "layout"],
    &["fs", "record", "slug"],
    // Definition history: hashes of the records' tool definitions.
    &["history"],
    // site.toml and the category table; the markdown renderer; the one
    // place that writes.
    &["config", "markdown", "output"],
    // Classification reads the records; policies follow from it.
    &["classify"],
    &["policy", "corpus"],
    // Attack entries and pages.
    &["content"],
    // The catalogue: loading, the model (classified), indexes, references.
    &["catalogue"],
    // Bringing tools in from live servers, into records the catalogue reads.
    &["import"],
    // Templates and page kinds; the search index.
    &["render", "search"],
    // The link check of rendered pages; the state kept beside the output.
    &["linkcheck", "state"],
    // The stages in order, and the full build.
    &["site"],
    // The one rebuild path of serve and build: what changed, the kept
    // session, the work applied to it; build's incremental attempt and its
    // fall back to `site`'s full build.
    &["incremental"],
    // The preview server, then the command line.
    &["serve"],
    &["cmd"],
];

/// `SiteRenderer` (render/pages.rs) drives every page kind, and the page
/// kinds in api, lists and seo are methods on it; cutting the loop means
/// moving its core out of pages.rs, which another branch is changing now.
const SITE_RENDERER: &str = "render::pages holds SiteRenderer, which api, lists and seo extend";

/// Edges let through for now, each with its reason. An entry whose edge is
/// gone fails the test until it is removed.
const ALLOWED: &[Allowed] = &[
    Allowed {
        parent: "",
        from: "text",
        to: "classify",
        why: "`text::for_terminal` shows hidden characters with \
              `classify::poison::reveal`; moving `reveal` down into `text` edits \
              src/classify/, which another branch is changing now",
    },
    Allowed {
        parent: "classify",
        from: "rules",
        to: "features",
        why: "one call to `features::schema_properties`; src/classify/ is being \
              changed on another branch",
    },
    Allowed {
        parent: "render",
        from: "pages",
        to: "api",
        why: SITE_RENDERER,
    },
    Allowed {
        parent: "render",
        from: "pages",
        to: "lists",
        why: SITE_RENDERER,
    },
    Allowed {
        parent: "render",
        from: "pages",
        to: "seo",
        why: SITE_RENDERER,
    },
];

#[test]
fn src_follows_the_layers_and_has_no_module_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = Graph::read(&root, &|p: &Path| std::fs::read_to_string(p).ok());
    assert!(
        graph.modules.len() > 20,
        "found only {} modules under {}: is the module tree read?",
        graph.modules.len(),
        root.display()
    );
    let problems = graph.problems(LAYERS, ALLOWED);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Reading the sources.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    PathSep,
    Punct(char),
}

/// The tokens of a Rust source, each with its line, without comments; string
/// literals are kept whole (for `#[path = "..."]`), numbers are dropped.
fn tokenize(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && raw_or_byte_string(&c, i).is_some()) {
            let start_line = line;
            let (hashes, open) = if ch == '"' {
                (None, i)
            } else {
                raw_or_byte_string(&c, i).unwrap()
            };
            i = open + 1;
            let mut text = String::new();
            loop {
                if i >= c.len() {
                    break;
                }
                let d = c[i];
                if d == '\n' {
                    line += 1;
                }
                match hashes {
                    None if d == '\\' => {
                        text.push(d);
                        text.push(at(i + 1));
                        if at(i + 1) == '\n' {
                            line += 1;
                        }
                        i += 2;
                        continue;
                    }
                    None if d == '"' => {
                        i += 1;
                        break;
                    }
                    Some(n) if d == '"' && (1..=n).all(|k| at(i + k) == '#') => {
                        i += 1 + n;
                        break;
                    }
                    _ => {}
                }
                text.push(d);
                i += 1;
            }
            out.push((Tok::Str(text), start_line));
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            out.push((Tok::Ident(word), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// At `r"`, `r#"`, `b"`, `br"`, `br#"`: the number of `#` of a raw string
/// (None for a plain byte string) and the index of the opening quote.
fn raw_or_byte_string(c: &[char], i: usize) -> Option<(Option<usize>, usize)> {
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
        if c.get(j) == Some(&'"') {
            return Some((None, j));
        }
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut n = 0;
    while c.get(j) == Some(&'#') {
        n += 1;
        j += 1;
    }
    // An identifier ending in r/b (`for"`) never precedes a quote in Rust,
    // but one such as `br` must not start mid-word.
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    (c.get(j) == Some(&'"')).then_some((Some(n), j))
}

type ModPath = Vec<String>;

/// Where a reference is written.
#[derive(Debug, Clone)]
struct Site {
    file: PathBuf,
    line: usize,
}

#[derive(Default)]
struct Graph {
    /// Every module, file-backed or inline.
    modules: BTreeSet<ModPath>,
    /// Every reference: from module, to path (not yet resolved), where.
    refs: Vec<(ModPath, ModPath, Site)>,
    /// Names brought in by `use` (re-exports among them): the module and the
    /// name, and the path it stands for, as written.
    uses: BTreeMap<(ModPath, String), ModPath>,
    /// Modules that only exist in tests (`#[cfg(test)]`), left out.
    test_only: BTreeSet<ModPath>,
}

impl Graph {
    /// Reads the module tree rooted at `root/lib.rs`; `read` gives a file's
    /// text (tests feed it from memory).
    fn read(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> Graph {
        let mut graph = Graph::default();
        graph.modules.insert(Vec::new());
        let mut queue = vec![(root.join("lib.rs"), Vec::new(), root.to_path_buf())];
        while let Some((file, module, dir)) = queue.pop() {
            let Some(text) = read(&file) else {
                panic!("cannot read {}", file.display());
            };
            let shown = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
            for (name, path_attr, test_only) in graph.scan(&tokenize(&text), &module, &shown) {
                let mut m = module.clone();
                m.push(name.clone());
                if test_only {
                    graph.test_only.insert(m);
                    continue;
                }
                let (child_file, child_dir) = match path_attr {
                    Some(p) => {
                        let f = dir_of_file(&file).join(p);
                        let d = f.with_extension("");
                        (f, d)
                    }
                    None => {
                        let flat = dir.join(format!("{name}.rs"));
                        let nested = dir.join(&name).join("mod.rs");
                        if read(&flat).is_some() {
                            (flat, dir.join(&name))
                        } else {
                            (nested, dir.join(&name))
                        }
                    }
                };
                graph.modules.insert(m.clone());
                queue.push((child_file, m, child_dir));
            }
        }
        graph
    }

    /// Records the modules, `use` names and references of one file; returns
    /// the file modules it declares (`mod x;`): name, `#[path]`, and whether
    /// it is `#[cfg(test)]`.
    fn scan(
        &mut self,
        toks: &[(Tok, usize)],
        module: &ModPath,
        file: &Path,
    ) -> Vec<(String, Option<String>, bool)> {
        let mut children = Vec::new();
        // Inline modules open at this file: name, the brace depth outside,
        // and whether it is test code.
        let mut inline: Vec<(String, usize, bool)> = Vec::new();
        let mut depth = 0usize;
        let mut path_attr: Option<String> = None;
        let mut cfg_test = false;
        let ident = |k: usize| match toks.get(k) {
            Some((Tok::Ident(s), _)) => Some(s.as_str()),
            _ => None,
        };
        let tok = |k: usize| toks.get(k).map(|t| &t.0);
        let site = |line: usize| Site {
            file: file.to_path_buf(),
            line,
        };
        let mut i = 0;
        while i < toks.len() {
            let in_test = inline.last().is_some_and(|m| m.2);
            match &toks[i].0 {
                Tok::Punct('#')
                    if tok(i + 1) == Some(&Tok::Punct('['))
                        && ident(i + 2) == Some("path")
                        && tok(i + 3) == Some(&Tok::Punct('=')) =>
                {
                    if let Some(Tok::Str(p)) = tok(i + 4) {
                        path_attr = Some(p.clone());
                    }
                    i += 5;
                }
                Tok::Punct('#')
                    if tok(i + 1) == Some(&Tok::Punct('['))
                        && ident(i + 2) == Some("cfg")
                        && tok(i + 3) == Some(&Tok::Punct('('))
                        && ident(i + 4) == Some("test")
                        && tok(i + 5) == Some(&Tok::Punct(')')) =>
                {
                    cfg_test = true;
                    i += 6;
                }
                Tok::Ident(w) if w == "mod" => {
                    let Some(name) = ident(i + 1) else {
                        i += 1;
                        continue;
                    };
                    match tok(i + 2) {
                        Some(Tok::Punct(';')) if inline.is_empty() => {
                            children.push((name.to_string(), path_attr.take(), cfg_test));
                            i += 3;
                        }
                        Some(Tok::Punct('{')) => {
                            inline.push((name.to_string(), depth, cfg_test || in_test));
                            depth += 1;
                            if !cfg_test && !in_test {
                                self.modules.insert(current(module, &inline));
                            }
                            i += 3;
                        }
                        _ => i += 2,
                    }
                    path_attr = None;
                    cfg_test = false;
                }
                Tok::Ident(w) if w == "use" => {
                    let line = toks[i].1;
                    i += 1;
                    if tok(i) == Some(&Tok::PathSep) {
                        i += 1; // `use ::name`: an extern crate
                        continue;
                    }
                    let mut paths = Vec::new();
                    if tok(i) == Some(&Tok::Punct('{')) {
                        // `use {a, b};`: a group at the root of the path
                        i += 1;
                        while !matches!(tok(i), Some(Tok::Punct('}')) | None) {
                            match tok(i) {
                                Some(Tok::Ident(_)) => {
                                    parse_tree(toks, &mut i, Vec::new(), &mut paths)
                                }
                                _ => i += 1,
                            }
                        }
                    } else {
                        parse_tree(toks, &mut i, Vec::new(), &mut paths);
                    }
                    if cfg_test || in_test {
                        cfg_test = false;
                        continue;
                    }
                    let from = current(module, &inline);
                    for p in paths {
                        let name = p.iter().rev().find(|s| *s != "self").cloned();
                        if let Some(name) = name {
                            self.uses.insert((from.clone(), name), p.clone());
                        }
                        self.refs.push((from.clone(), p, site(line)));
                    }
                }
                Tok::Str(text)
                    if i >= 2
                        && tok(i - 1) == Some(&Tok::Punct('='))
                        && matches!(
                            ident(i - 2),
                            Some("with" | "serialize_with" | "deserialize_with")
                        )
                        && text.starts_with("crate::") =>
                {
                    // `#[serde(with = "crate::module")]`
                    if !cfg_test && !in_test {
                        let path = text.split("::").map(str::to_string).collect();
                        self.refs
                            .push((current(module, &inline), path, site(toks[i].1)));
                    }
                    i += 1;
                }
                Tok::Punct(c @ ('{' | '}' | ';')) => {
                    if *c == '{' {
                        depth += 1;
                    } else if *c == '}' {
                        depth = depth.saturating_sub(1);
                        if inline.last().is_some_and(|m| m.1 == depth) {
                            inline.pop();
                        }
                    }
                    cfg_test = false;
                    path_attr = None;
                    i += 1;
                }
                Tok::Ident(w)
                    if matches!(w.as_str(), "crate" | "super" | "self")
                        && tok(i + 1) == Some(&Tok::PathSep)
                        && !matches!(i.checked_sub(1).and_then(tok), Some(Tok::PathSep))
                        && !matches!(i.checked_sub(1).and_then(tok), Some(Tok::Punct('$'))) =>
                {
                    let line = toks[i].1;
                    let mut paths = Vec::new();
                    parse_tree(toks, &mut i, Vec::new(), &mut paths);
                    if !cfg_test && !in_test {
                        let from = current(module, &inline);
                        for p in paths {
                            self.refs.push((from.clone(), p, site(line)));
                        }
                    }
                }
                _ => i += 1,
            }
        }
        children
    }

    /// `path` as written in module `from`, as a path from the crate root;
    /// None for a path into another crate.
    fn absolute(&self, from: &ModPath, path: &ModPath) -> Option<ModPath> {
        match path.first().map(String::as_str) {
            Some("crate" | "super" | "self") => absolute(from, path),
            Some(first) => {
                let mut child = from.clone();
                child.push(first.to_string());
                self.modules.contains(&child).then(|| {
                    let mut p = from.clone();
                    p.extend(path.iter().filter(|s| *s != "self").cloned());
                    p
                })
            }
            None => None,
        }
    }

    /// The module a path from the crate root names: the deepest module it
    /// goes through, followed through `use` names (re-exports).
    fn resolve(&self, path: &ModPath) -> ModPath {
        let mut path = path.clone();
        for _ in 0..16 {
            let mut m = path.clone();
            while !self.modules.contains(&m) {
                m.pop();
            }
            let Some(name) = path.get(m.len()) else {
                return m;
            };
            let Some(target) = self
                .uses
                .get(&(m.clone(), name.clone()))
                .and_then(|raw| self.absolute(&m, raw))
            else {
                return m;
            };
            let mut next = target;
            next.extend(path[m.len() + 1..].iter().cloned());
            if next == path {
                return m;
            }
            path = next;
        }
        path
    }

    /// Edges between siblings: for each parent module, from child to child,
    /// with where each use is written (once a line).
    fn edges(&self) -> BTreeMap<ModPath, BTreeMap<(String, String), Vec<Site>>> {
        let mut edges: BTreeMap<_, BTreeMap<_, Vec<Site>>> = BTreeMap::new();
        for (from, raw, site) in &self.refs {
            let Some(to) = self.absolute(from, raw) else {
                continue;
            };
            let to = self.resolve(&to);
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // a module using its ancestor or its descendant
            }
            let sites = edges
                .entry(from[..common].to_vec())
                .or_default()
                .entry((from[common].clone(), to[common].clone()))
                .or_default();
            if !sites
                .iter()
                .any(|s| s.file == site.file && s.line == site.line)
            {
                sites.push(site.clone());
            }
        }
        edges
    }

    /// Every breach of the layers and every cycle, one line each. `allowed`
    /// edges (parent, from, to) are left out; one that no longer occurs is a
    /// problem, so that the list only shrinks.
    fn problems(&self, layers: &[&[&str]], allowed: &[Allowed]) -> Vec<String> {
        let mut problems = Vec::new();
        let rank: BTreeMap<&str, usize> = layers
            .iter()
            .enumerate()
            .flat_map(|(r, names)| names.iter().map(move |n| (*n, r)))
            .collect();
        let top: BTreeSet<&str> = self
            .modules
            .iter()
            .filter(|m| m.len() == 1)
            .map(|m| m[0].as_str())
            .collect();
        for m in &top {
            if !rank.contains_key(m) {
                problems.push(format!(
                    "module `{m}` has no layer: add it to LAYERS in tests/layering.rs"
                ));
            }
        }
        for name in rank.keys() {
            if !top.contains(name) {
                problems.push(format!(
                    "LAYERS names `{name}`, which is no module of the crate"
                ));
            }
        }
        let mut edges = self.edges();
        for a in allowed {
            let parent: ModPath = if a.parent.is_empty() {
                Vec::new()
            } else {
                a.parent.split("::").map(str::to_string).collect()
            };
            let key = (a.from.to_string(), a.to.to_string());
            if edges
                .get_mut(&parent)
                .and_then(|es| es.remove(&key))
                .is_none()
            {
                problems.push(format!(
                    "ALLOWED lists `{}` → `{}` under `{}`, which no longer occurs: remove it",
                    a.from, a.to, a.parent
                ));
            }
        }
        if let Some(top_edges) = edges.get(&Vec::new()) {
            for ((from, to), sites) in top_edges {
                if let (Some(f), Some(t)) = (rank.get(from.as_str()), rank.get(to.as_str()))
                    && t >= f
                {
                    let how = if t == f {
                        "its own layer"
                    } else {
                        "a higher layer"
                    };
                    problems.push(format!(
                        "`{from}` uses `{to}`, of {how} (at {})",
                        where_(sites)
                    ));
                }
            }
        }
        for (parent, es) in &edges {
            for cycle in cycles(es) {
                let scope = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("::")
                };
                let mut line = format!("module cycle under `{scope}`:");
                for (a, b) in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
                    let sites = &es[&(a.clone(), b.clone())];
                    let _ = write!(line, " `{a}` → `{b}` (at {});", where_(sites));
                }
                problems.push(line);
            }
        }
        problems
    }
}

/// An edge let through for now, with the reason.
struct Allowed {
    /// The parent module (`""` for the crate root).
    parent: &'static str,
    from: &'static str,
    to: &'static str,
    #[allow(dead_code)]
    why: &'static str,
}

/// The module a file's code is in, given the inline modules open around it.
fn current(module: &ModPath, inline: &[(String, usize, bool)]) -> ModPath {
    let mut m = module.clone();
    m.extend(inline.iter().map(|(n, _, _)| n.clone()));
    m
}

fn dir_of_file(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn where_(sites: &[Site]) -> String {
    let mut shown: Vec<String> = sites
        .iter()
        .take(3)
        .map(|s| format!("{}:{}", s.file.display(), s.line))
        .collect();
    if sites.len() > 3 {
        shown.push(format!("and {} more", sites.len() - 3));
    }
    shown.join(", ")
}

/// Parses a path at `toks[*i]` (its first segment), a `use` tree with its
/// groups and globs included, into `out` as whole paths; leaves `*i` after it.
fn parse_tree(toks: &[(Tok, usize)], i: &mut usize, mut prefix: ModPath, out: &mut Vec<ModPath>) {
    loop {
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Ident(seg)) => {
                prefix.push(seg.clone());
                *i += 1;
            }
            _ => {
                out.push(prefix);
                return;
            }
        }
        if toks.get(*i).map(|t| &t.0) != Some(&Tok::PathSep) {
            out.push(prefix);
            return;
        }
        *i += 1;
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.0) {
                        Some(Tok::Punct('}')) | None => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        Some(Tok::Ident(_)) => parse_tree(toks, i, prefix.clone(), out),
                        Some(Tok::Punct('*')) => {
                            out.push(prefix.clone());
                            *i += 1;
                        }
                        _ => *i += 1, // `as` renames and the like
                    }
                }
            }
            Some(Tok::Ident(_)) => {}
            _ => {
                // `::*`, `::<T>`
                out.push(prefix);
                return;
            }
        }
    }
}

/// `path` (starting with `crate`, `super` or `self`) as seen from `from`, as
/// a path from the crate root.
fn absolute(from: &ModPath, path: &ModPath) -> Option<ModPath> {
    let mut segs = path.iter().peekable();
    let mut out = match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
            Vec::new()
        }
        _ => from.clone(),
    };
    while let Some(s) = segs.next() {
        match s.as_str() {
            "super" => {
                out.pop()?;
            }
            "self" => {}
            _ => {
                out.push(s.clone());
                out.extend(segs.filter(|s| *s != "self").cloned());
                break;
            }
        }
    }
    Some(out)
}

/// The cycles of a directed graph given by its edges: one per strongly
/// connected component of more than one node, as a closed walk through it.
fn cycles<V>(edges: &BTreeMap<(String, String), V>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default();
    }
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            for m in &next[n] {
                if seen.insert(*m) {
                    stack.push(m);
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&str, BTreeSet<&str>> = next.keys().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in next.keys() {
        if done.contains(n) || !reaches[n].contains(n) {
            continue;
        }
        // The component of n, and a shortest cycle from n back to n in it.
        let component: BTreeSet<&str> = reaches[n]
            .iter()
            .filter(|m| reaches[**m].contains(n))
            .copied()
            .collect();
        done.extend(component.iter().copied());
        out.push(shortest_cycle(n, &next));
    }
    out
}

fn shortest_cycle(start: &str, next: &BTreeMap<&str, Vec<&str>>) -> Vec<String> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for m in &next[n] {
            if *m == start {
                let mut path = vec![n.to_string()];
                let mut k = n;
                while k != start {
                    k = came_from[k];
                    path.push(k.to_string());
                }
                path.reverse();
                return path;
            }
            if !came_from.contains_key(m) {
                came_from.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    vec![start.to_string()]
}

// ---------------------------------------------------------------------------
// The check itself, on small crates made up here: it must be able to fail.
// ---------------------------------------------------------------------------

fn synthetic(files: &[(&str, &str)], layers: &[&[&str]]) -> Vec<String> {
    let files: BTreeMap<PathBuf, String> = files
        .iter()
        .map(|(p, t)| (Path::new("/src").join(p), t.to_string()))
        .collect();
    Graph::read(Path::new("/src"), &|p: &Path| files.get(p).cloned()).problems(layers, &[])
}

#[test]
fn a_cycle_between_top_level_modules_fails() {
    let problems = synthetic(
        &[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            ("a.rs", "use crate::b::Thing;\n"),
            ("b/mod.rs", "pub struct Thing;\nfn f() { crate::a::g(); }\n"),
        ],
        &[&["a"], &["b"]],
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("`a` uses `b`, of a higher layer (at a.rs:1)"),
        "{problems:#?}"
    );
    assert_eq!(
        problems[1],
        "module cycle under `crate`: `a` → `b` (at a.rs:1); `b` → `a` (at b/mod.rs:2);"
    );
}

#[test]
fn a_cycle_between_sibling_submodules_fails_through_super_and_groups() {
    let problems = synthetic(
        &[
            ("lib.rs", "pub mod p;\n"),
            ("p/mod.rs", "mod x;\nmod y;\nmod z;\n"),
            ("p/x.rs", "use super::{y::{self, Y}};\n"),
            ("p/y.rs", "use crate::p::{z::Z};\n"),
            ("p/z.rs", "pub fn f() -> super::x::X { todo!() }\n"),
        ],
        &[&["p"]],
    );
    assert_eq!(
        problems,
        [
            "module cycle under `p`: `x` → `y` (at p/x.rs:1); `y` → `z` (at p/y.rs:1); \
          `z` → `x` (at p/z.rs:1);"
        ]
    );
}

#[test]
fn a_use_within_one_layer_and_a_missing_layer_fail() {
    let problems = synthetic(
        &[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", ""),
            ("b.rs", "use crate::a;\n"),
            ("c.rs", ""),
        ],
        &[&["a", "b"], &["gone"]],
    );
    assert_eq!(
        problems,
        [
            "module `c` has no layer: add it to LAYERS in tests/layering.rs",
            "LAYERS names `gone`, which is no module of the crate",
            "`b` uses `a`, of its own layer (at b.rs:1)",
        ]
    );
}

#[test]
fn path_attributes_serde_helpers_and_re_exports_are_followed_and_tests_left_out() {
    let problems = synthetic(
        &[
            ("lib.rs", "mod low;\nmod high;\n"),
            (
                "low.rs",
                "#[path = \"low_extra.rs\"]\nmod extra;\n#[cfg(test)]\nmod tests {\n    \
                 use crate::high::H;\n}\n#[cfg(test)]\n#[path = \"missing.rs\"]\nmod more;\n",
            ),
            (
                "low_extra.rs",
                "#[derive(Serialize)]\nstruct S {\n    #[serde(with = \"crate::high::helper\")]\n    v: u8,\n}\n",
            ),
            (
                "high/mod.rs",
                "mod inner;\npub use inner::Thing;\npub mod helper {}\n",
            ),
            ("high/inner.rs", "pub struct Thing;\n"),
            ("other.rs", ""),
        ],
        &[&["low"], &["high"]],
    );
    assert_eq!(
        problems,
        ["`low` uses `high`, of a higher layer (at low_extra.rs:3)"]
    );
    // Through the re-export, `high::Thing` is a use of `high::inner`.
    let problems = synthetic(
        &[
            ("lib.rs", "mod p;\n"),
            ("p/mod.rs", "mod a;\nmod b;\npub use a::Thing;\n"),
            ("p/a.rs", "pub struct Thing;\nfn f() { super::b::g() }\n"),
            ("p/b.rs", "use crate::p::Thing;\npub fn g() {}\n"),
        ],
        &[&["p"]],
    );
    assert_eq!(
        problems,
        ["module cycle under `p`: `a` → `b` (at p/a.rs:2); `b` → `a` (at p/b.rs:1);"]
    );
}

#[test]
fn an_allowed_edge_is_let_through_until_it_is_gone() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::X;\n"),
        ("b.rs", ""),
    ];
    let allowed = [Allowed {
        parent: "",
        from: "a",
        to: "b",
        why: "a test",
    }];
    let read = |files: &[(&str, &str)]| {
        let files: BTreeMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (Path::new("/src").join(p), t.to_string()))
            .collect();
        Graph::read(Path::new("/src"), &|p: &Path| files.get(p).cloned())
    };
    assert!(
        read(&files)
            .problems(&[&["a"], &["b"]], &allowed)
            .is_empty()
    );
    assert_eq!(
        read(&[files[0], ("a.rs", ""), files[2]]).problems(&[&["a"], &["b"]], &allowed),
        ["ALLOWED lists `a` → `b` under ``, which no longer occurs: remove it"]
    );
}

#[test]
fn comments_strings_and_parents_are_no_edges() {
    let problems = synthetic(
        &[
            ("lib.rs", "mod a;\nmod b;\n"),
            (
                "a.rs",
                "// use crate::b;\n/* crate::b::X /* nested */ crate::b */\n\
                 const S: &str = \"crate::b::X\";\nconst R: &str = r#\"crate::b\"#;\n\
                 const C: char = '\\'';\nfn f<'x>(_: &'x str) {}\n",
            ),
            ("b.rs", "mod inner;\nuse crate::a;\n"),
            ("b/inner.rs", "use super::*;\nuse crate::b::inner;\n"),
        ],
        &[&["a"], &["b"]],
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
