//! Compiled templates: the pages a site renders most, written by a small
//! interpreter over typed views instead of the template engine.
//!
//! The engine looks every `{{ a.b.c }}` up by name in values copied from
//! the views, page after page; on a catalogue, where tool pages and their
//! embed cards are four pages in five, that was most of a build's time.
//! Here a template is compiled once per build, from the very source the
//! engine compiled (built-in or the site's own, minified or not):
//! [`parse`] reads it, the compiler resolves every name against the view
//! types' field tables ([`Object::resolve`]) and follows `extends`,
//! `block`, `include` and `set`, and [`Program::run`] writes a page by
//! reading fields by position ([`Object::field`]), escaping with the
//! engine's own [`tera::escape_html`].
//!
//! What it does not support it leaves to the engine, never guessing: a
//! template using syntax outside [`parse`]'s subset, or a name that is not
//! a typed field, is not compiled, and the page is rendered by the engine;
//! a page that reaches a part the compiler could not follow, or prints a
//! missing value, is handed back ([`Unsupported`]) and rendered by the
//! engine too. Two rules keep the scopes the engine's: a `set` inside an
//! `if` branch holds in that branch, and a later read of the name outside
//! it hands the page to the engine (which keeps the value past the
//! branch); a condition the compiler can decide (`false and …`, a constant
//! test) drops the branch the engine would never read, so a name there
//! need not resolve. With the built-in templates every page kind is
//! compiled. So there is nothing to keep in step by hand: a change to a
//! template reaches both at once. A test renders the example site and the
//! fixture sites both ways and requires identical bytes.

mod object;
pub mod parse;
mod run;

pub(crate) use object::typed_view;
pub use object::{Field, Html, Items, Kind, Object, Resolver, SharedText, Val};

use std::collections::HashMap;
use std::sync::OnceLock;

use parse::{Cmp, Expr, Node, Template};

/// A template (or a value at render time) outside what this module
/// writes: the engine renders the page instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

/// Where a name is looked up first to last, as the engine does: the
/// page's own data, the page's metadata (`page`), the site's globals.
#[derive(Debug, Clone, Copy)]
enum Root {
    Data,
    Page,
    Globals,
    /// A loop variable, by slot.
    Local(usize),
}

#[derive(Debug, Clone, Copy)]
enum LoopField {
    Index,
    Index0,
    First,
    Last,
    Length,
}

/// A compiled expression.
#[derive(Debug, Clone)]
enum Value {
    Path(Root, Box<[usize]>),
    Loop(usize, LoopField),
    Str(Box<str>),
    Int(i64),
    Bool(bool),
    Not(Box<Value>),
    And(Box<Value>, Box<Value>),
    Or(Box<Value>, Box<Value>),
    Cmp(Cmp, Box<Value>, Box<Value>),
    Length(Box<Value>),
    Truncate(Box<Value>, usize),
}

#[derive(Debug)]
enum Op {
    Text(Box<str>),
    Print {
        value: Value,
        escape: bool,
    },
    If(Vec<(Value, Vec<Op>)>, Vec<Op>),
    For {
        slot: usize,
        list: Value,
        body: Vec<Op>,
    },
    /// A part that could not be compiled (an `include` of a template
    /// outside the subset, in a branch most pages never take): a page that
    /// reaches it is the engine's.
    Engine,
}

/// A compiled template.
#[derive(Debug)]
pub struct Program {
    ops: Vec<Op>,
    slots: usize,
}

/// The types a compiled template reads, besides its page's data.
pub struct Roots {
    pub page: Resolver,
    pub globals: Resolver,
}

/// What a name stands for while compiling.
#[derive(Clone)]
enum Binding {
    /// A loop variable: its slot and the kind of its items.
    Local(usize, Kind),
    /// `set name = value`.
    Alias(Value, Kind),
    /// The `loop` of the loop whose slot this is.
    Loop(usize),
    /// A name set in a branch, after the branch: the engine's.
    Unknown,
}

struct Compiler<'s> {
    sources: &'s HashMap<String, String>,
    data: Resolver,
    roots: &'s Roots,
    /// Innermost last.
    scopes: Vec<Vec<(String, Binding)>>,
    /// The most derived body of each block.
    blocks: HashMap<String, Vec<Node>>,
    slots: usize,
    depth: usize,
}

impl Program {
    /// Compiles the template `name` of `sources` for pages whose data has
    /// the fields `data` resolves.
    pub fn compile(
        name: &str,
        sources: &HashMap<String, String>,
        data: Resolver,
        roots: &Roots,
    ) -> Result<Program, Unsupported> {
        if !is_escaped(name) {
            return Err(Unsupported);
        }
        let mut c = Compiler {
            sources,
            data,
            roots,
            scopes: vec![Vec::new()],
            blocks: HashMap::new(),
            slots: 0,
            depth: 0,
        };
        // From the template asked for up its `extends` chain: each block
        // keeps the body of the most derived template that has it.
        let mut current = c.parse(name)?;
        let mut seen = vec![name.to_string()];
        while let Some(parent) = current.extends.clone() {
            for n in &current.nodes {
                match n {
                    Node::Block { .. } => collect_blocks(n, &mut c.blocks),
                    n if is_blank(n) => {}
                    _ => return Err(Unsupported),
                }
            }
            if seen.contains(&parent) || seen.len() > 8 {
                return Err(Unsupported);
            }
            seen.push(parent.clone());
            current = c.parse(&parent)?;
        }
        let ops = c.nodes(&current.nodes)?;
        Ok(Program {
            ops,
            slots: c.slots,
        })
    }

    /// Writes a page: `data` is its own data, `page` its metadata,
    /// `globals` the site's.
    pub fn run(
        &self,
        data: &dyn Object,
        page: &dyn Object,
        globals: &dyn Object,
        out: &mut Vec<u8>,
    ) -> Result<(), Unsupported> {
        run::Frame::new(data, page, globals, self.slots).ops(&self.ops, out)
    }
}

/// Only templates the engine escapes (by their extension) are compiled.
fn is_escaped(name: &str) -> bool {
    name.ends_with(".html") || name.ends_with(".xml")
}

fn is_blank(n: &Node) -> bool {
    matches!(n, Node::Text(t) if t.trim().is_empty())
}

/// Records `node`'s block, unless a more derived template did, and the
/// blocks nested in it.
fn collect_blocks(node: &Node, blocks: &mut HashMap<String, Vec<Node>>) {
    let inner: Vec<&Vec<Node>> = match node {
        Node::Block { name, body } => {
            blocks.entry(name.clone()).or_insert_with(|| body.clone());
            vec![body]
        }
        Node::If(branches, otherwise) => branches
            .iter()
            .map(|(_, b)| b)
            .chain(std::iter::once(otherwise))
            .collect(),
        Node::For { body, .. } => vec![body],
        _ => Vec::new(),
    };
    for nodes in inner {
        for n in nodes {
            collect_blocks(n, blocks);
        }
    }
}

impl Compiler<'_> {
    fn parse(&self, name: &str) -> Result<Template, Unsupported> {
        parse::parse(self.sources.get(name).ok_or(Unsupported)?)
    }

    fn nodes(&mut self, nodes: &[Node]) -> Result<Vec<Op>, Unsupported> {
        let mut ops = Vec::new();
        for n in nodes {
            match n {
                Node::Text(t) => match ops.last_mut() {
                    Some(Op::Text(prev)) => *prev = format!("{prev}{t}").into(),
                    _ => ops.push(Op::Text(t.as_str().into())),
                },
                Node::Print(e) => ops.push(self.print(e)?),
                Node::If(branches, otherwise) => {
                    // A branch whose condition is a constant (a `set` of
                    // `true` or `false`) is taken or never: one never
                    // taken is not compiled, as the engine never reads it.
                    let mut compiled = Vec::new();
                    let mut leaked = Vec::new();
                    let mut always = None;
                    for (cond, body) in branches {
                        let (value, _) = self.expr(cond)?;
                        match value {
                            Value::Bool(false) => continue,
                            Value::Bool(true) => {
                                always = Some(body);
                                break;
                            }
                            value => compiled.push((value, self.branch(body, &mut leaked)?)),
                        }
                    }
                    let otherwise = self.branch(always.unwrap_or(otherwise), &mut leaked)?;
                    if compiled.is_empty() {
                        ops.extend(otherwise);
                    } else {
                        ops.push(Op::If(compiled, otherwise));
                    }
                    // The engine keeps a branch's `set` past the branch,
                    // where its value depends on the branch taken: a name
                    // set in one is the engine's from here on.
                    let scope = self.scopes.last_mut().expect("a scope");
                    for name in leaked {
                        scope.push((name, Binding::Unknown));
                    }
                }
                Node::For { var, list, body } => {
                    let (list, kind) = self.expr(list)?;
                    let Kind::List(item) = kind else {
                        return Err(Unsupported);
                    };
                    let slot = self.slots;
                    self.slots += 1;
                    let body = self.scoped(
                        body,
                        vec![
                            (var.clone(), Binding::Local(slot, item())),
                            ("loop".to_string(), Binding::Loop(slot)),
                        ],
                    )?;
                    ops.push(Op::For { slot, list, body });
                }
                Node::Set { name, value } => {
                    let (value, kind) = self.expr(value)?;
                    self.scopes
                        .last_mut()
                        .expect("a scope")
                        .push((name.clone(), Binding::Alias(value, kind)));
                }
                Node::Include(name) => {
                    if self.depth > 16 {
                        return Err(Unsupported);
                    }
                    // An included template renders with a state of its
                    // own: its `set`s end with it, and its blocks are its
                    // own, not the page's overrides.
                    self.depth += 1;
                    self.scopes.push(Vec::new());
                    let blocks = std::mem::take(&mut self.blocks);
                    let included = self
                        .parse(name)
                        .and_then(|t| match t.extends {
                            Some(_) => Err(Unsupported),
                            None => Ok(t),
                        })
                        .and_then(|t| self.nodes(&t.nodes));
                    self.blocks = blocks;
                    self.scopes.pop();
                    self.depth -= 1;
                    match included {
                        Ok(inner) => ops.extend(inner),
                        Err(Unsupported) => ops.push(Op::Engine),
                    }
                }
                Node::Block { name, body } => {
                    // No scope of its own: the engine keeps a block's
                    // `set`s for the rest of the page.
                    let body = self
                        .blocks
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| body.clone());
                    ops.extend(self.nodes(&body)?);
                }
            }
        }
        Ok(ops)
    }

    /// Compiles a loop's body in a scope of its own, where `bindings`
    /// (the loop variable and `loop`) and the body's `set`s hold.
    fn scoped(
        &mut self,
        nodes: &[Node],
        bindings: Vec<(String, Binding)>,
    ) -> Result<Vec<Op>, Unsupported> {
        self.scopes.push(bindings);
        let ops = self.nodes(nodes);
        self.scopes.pop();
        ops
    }

    /// Compiles a branch of an `if`: its `set`s hold inside it, and their
    /// names (and those its own branches set) are added to `leaked`.
    fn branch(&mut self, nodes: &[Node], leaked: &mut Vec<String>) -> Result<Vec<Op>, Unsupported> {
        self.scopes.push(Vec::new());
        let ops = self.nodes(nodes);
        let scope = self.scopes.pop().expect("a scope");
        leaked.extend(scope.into_iter().map(|(name, _)| name));
        ops
    }

    fn print(&mut self, e: &Expr) -> Result<Op, Unsupported> {
        let (inner, safe) = match e {
            Expr::Filter(inner, name, args) if name == "safe" && args.is_empty() => {
                (&**inner, true)
            }
            _ => (e, false),
        };
        let (value, kind) = self.expr(inner)?;
        let escape = match kind {
            Kind::Str | Kind::OptStr => !safe,
            Kind::Safe | Kind::Num => false,
            _ => return Err(Unsupported),
        };
        Ok(Op::Print { value, escape })
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
    }

    fn expr(&mut self, e: &Expr) -> Result<(Value, Kind), Unsupported> {
        Ok(match e {
            Expr::Str(s) => (Value::Str(s.as_str().into()), Kind::Str),
            Expr::Int(n) => (Value::Int(*n), Kind::Num),
            Expr::Bool(b) => (Value::Bool(*b), Kind::Bool),
            Expr::Not(x) => (Value::Not(Box::new(self.expr(x)?.0)), Kind::Bool),
            // The engine reads the right side only when the left does
            // not decide: after a constant that decides, it is not
            // compiled (`show_server and rows_html` where the page has no
            // `rows_html`).
            Expr::And(a, b) => match self.expr(a)?.0 {
                Value::Bool(false) => (Value::Bool(false), Kind::Bool),
                a => (
                    Value::And(Box::new(a), Box::new(self.expr(b)?.0)),
                    Kind::Bool,
                ),
            },
            Expr::Or(a, b) => match self.expr(a)?.0 {
                Value::Bool(true) => (Value::Bool(true), Kind::Bool),
                a => (
                    Value::Or(Box::new(a), Box::new(self.expr(b)?.0)),
                    Kind::Bool,
                ),
            },
            Expr::Cmp(op, a, b) => {
                let (a, ka) = self.expr(a)?;
                let (b, kb) = self.expr(b)?;
                let texts = is_text(ka) && is_text(kb);
                let numbers = matches!((ka, kb), (Kind::Num, Kind::Num));
                let ordered = !matches!(op, Cmp::Eq | Cmp::Ne);
                if !(numbers || texts && !ordered) {
                    return Err(Unsupported);
                }
                (Value::Cmp(*op, Box::new(a), Box::new(b)), Kind::Bool)
            }
            Expr::Filter(inner, name, args) => {
                let (value, kind) = self.expr(inner)?;
                match (name.as_str(), args.as_slice(), kind) {
                    ("length", [], Kind::List(_)) => (Value::Length(Box::new(value)), Kind::Num),
                    ("truncate", [(key, Expr::Int(n))], Kind::Str | Kind::OptStr)
                        if key == "length" && *n >= 0 =>
                    {
                        (Value::Truncate(Box::new(value), *n as usize), Kind::Str)
                    }
                    _ => return Err(Unsupported),
                }
            }
            Expr::Path(path) => self.path(path)?,
        })
    }

    fn path(&mut self, path: &[String]) -> Result<(Value, Kind), Unsupported> {
        let (first, rest) = path.split_first().ok_or(Unsupported)?;
        let (root, mut kind, mut fields, rest) = match self.lookup(first) {
            Some(Binding::Loop(slot)) => {
                let field = match rest {
                    [f] => match f.as_str() {
                        "index" => (LoopField::Index, Kind::Num),
                        "index0" => (LoopField::Index0, Kind::Num),
                        "first" => (LoopField::First, Kind::Bool),
                        "last" => (LoopField::Last, Kind::Bool),
                        "length" => (LoopField::Length, Kind::Num),
                        _ => return Err(Unsupported),
                    },
                    _ => return Err(Unsupported),
                };
                return Ok((Value::Loop(slot, field.0), field.1));
            }
            Some(Binding::Alias(value, kind)) => {
                if rest.is_empty() {
                    return Ok((value, kind));
                }
                match value {
                    Value::Path(root, fields) => (root, kind, fields.into_vec(), rest),
                    _ => return Err(Unsupported),
                }
            }
            Some(Binding::Local(slot, kind)) => (Root::Local(slot), kind, Vec::new(), rest),
            Some(Binding::Unknown) => return Err(Unsupported),
            None => {
                if let Some((at, kind)) = (self.data)(first) {
                    (Root::Data, kind, vec![at], rest)
                } else if first == "page" {
                    (Root::Page, Kind::Obj(self.roots.page), Vec::new(), rest)
                } else if let Some((at, kind)) = (self.roots.globals)(first) {
                    (Root::Globals, kind, vec![at], rest)
                } else {
                    return Err(Unsupported);
                }
            }
        };
        for name in rest {
            let Kind::Obj(resolve) = kind else {
                return Err(Unsupported);
            };
            let (at, next) = resolve(name).ok_or(Unsupported)?;
            fields.push(at);
            kind = next;
        }
        if matches!(kind, Kind::Opaque) {
            return Err(Unsupported);
        }
        Ok((Value::Path(root, fields.into()), kind))
    }
}

fn is_text(k: Kind) -> bool {
    matches!(k, Kind::Str | Kind::Safe | Kind::OptStr)
}

/// Every template of a build, compiled on first use for the data type it
/// is rendered with.
pub struct Programs {
    sources: HashMap<String, String>,
    roots: Roots,
    /// Template → (the data type it was compiled for, the program or
    /// `None` when it is the engine's).
    compiled: HashMap<String, OnceLock<(&'static str, Option<Program>)>>,
}

impl Programs {
    /// `sources` are the templates exactly as the engine compiled them.
    pub fn new(sources: &[(String, String)], roots: Roots) -> Programs {
        Programs {
            compiled: sources
                .iter()
                .map(|(n, _)| (n.clone(), OnceLock::new()))
                .collect(),
            sources: sources.iter().cloned().collect(),
            roots,
        }
    }

    /// Calls `f` with the program of `template` for data of type `T`
    /// (named `type_name`), compiling it on first use; `None` when the
    /// template is the engine's.
    pub fn with<R>(
        &self,
        template: &str,
        type_name: &'static str,
        data: Resolver,
        f: impl FnOnce(&Program) -> R,
    ) -> Option<R> {
        let cell = self.compiled.get(template)?;
        let (for_type, program) = cell.get_or_init(|| {
            (
                type_name,
                Program::compile(template, &self.sources, data, &self.roots).ok(),
            )
        });
        if *for_type == type_name {
            return program.as_ref().map(f);
        }
        // Another data type than the first: compiled for this page alone.
        Program::compile(template, &self.sources, data, &self.roots)
            .ok()
            .map(|p| f(&p))
    }
}

#[cfg(test)]
pub(crate) mod tests;
