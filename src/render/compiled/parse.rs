//! Reading a template's source into nodes: the part of the engine's syntax
//! compiled templates support. Anything else is [`Unsupported`], and the
//! template is left to the engine: text, `{{ expression }}`, `{% if %}`,
//! `{% elif %}`, `{% else %}`, `{% for x in list %}`, `{% set x = … %}`,
//! `{% include "…" %}`, `{% extends "…" %}`, `{% block %}`, comments, and
//! the `-` that trims whitespace beside a tag. Expressions: names with
//! dots, strings, whole numbers, `true`/`false`, `not`, `and`, `or`, the
//! six comparisons and the filters `safe`, `length` and
//! `truncate(length=N)`.

use super::Unsupported;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Print(Expr),
    /// `if`/`elif` branches, then `else`.
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
    For {
        var: String,
        list: Expr,
        body: Vec<Node>,
    },
    Set {
        name: String,
        value: Expr,
    },
    Include(String),
    Block {
        name: String,
        body: Vec<Node>,
    },
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub extends: Option<String>,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Vec<String>),
    Str(String),
    Int(i64),
    Bool(bool),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Cmp, Box<Expr>, Box<Expr>),
    /// `value | name(key=argument, …)`.
    Filter(Box<Expr>, String, Vec<(String, Expr)>),
}

/// What a `{% … %}` or `{{ … }}` holds, after its delimiters.
enum Tag {
    Print(Expr),
    Statement(Vec<Token>),
}

/// Parses a template.
pub fn parse(source: &str) -> Result<Template, Unsupported> {
    let pieces = split(source)?;
    let mut at = 0;
    let mut extends = None;
    let nodes = nodes(&pieces, &mut at, &[], &mut extends)?;
    if at != pieces.len() {
        return Err(Unsupported);
    }
    Ok(Template { extends, nodes })
}

/// A piece of source: text, or a tag.
enum Piece {
    Text(String),
    Tag(Tag),
}

/// Cuts the source into text and tags, applying `-` trims.
fn split(source: &str) -> Result<Vec<Piece>, Unsupported> {
    let mut pieces = Vec::new();
    let mut rest = source;
    let mut trim_next = false;
    loop {
        let open = ["{{", "{%", "{#"].iter().filter_map(|d| rest.find(d)).min();
        let Some(open) = open else {
            push_text(&mut pieces, rest, trim_next, false);
            break;
        };
        let kind = &rest[open..open + 2];
        let after = &rest[open + 2..];
        let trim_before = after.starts_with('-');
        // A comment right after a trimming tag passes the trim on.
        let carried = trim_next && open == 0;
        push_text(&mut pieces, &rest[..open], trim_next, trim_before);
        let inner_start = if trim_before { 1 } else { 0 };
        let close = match kind {
            "{#" => "#}",
            "{{" => "}}",
            _ => "%}",
        };
        if kind == "{#" {
            let end = after.find(close).ok_or(Unsupported)?;
            trim_next = carried || after[..end].ends_with('-');
            rest = &after[end + 2..];
            continue;
        }
        let tokens_text = &after[inner_start..];
        let (tokens, used, trim_after) = lex(tokens_text, close)?;
        trim_next = trim_after;
        rest = &tokens_text[used..];
        pieces.push(Piece::Tag(if kind == "{{" {
            let mut p = Parser { tokens, at: 0 };
            let e = p.expr()?;
            if p.at != p.tokens.len() {
                return Err(Unsupported);
            }
            Tag::Print(e)
        } else {
            Tag::Statement(tokens)
        }));
    }
    Ok(pieces)
}

fn push_text(pieces: &mut Vec<Piece>, text: &str, trim_start: bool, trim_end: bool) {
    let mut t = text;
    if trim_start {
        t = t.trim_start();
    }
    if trim_end {
        t = t.trim_end();
    }
    if !t.is_empty() {
        pieces.push(Piece::Text(t.to_string()));
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Int(i64),
    Op(&'static str),
}

/// Reads tokens up to `close` (`}}` or `%}`, with an optional `-` before
/// it). Returns them, the bytes used (through the delimiter) and whether
/// the delimiter trims what follows.
fn lex(text: &str, close: &str) -> Result<(Vec<Token>, usize, bool), Unsupported> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with(close) {
            return Ok((tokens, i + 2, false));
        }
        if c == b'-' && text[i + 1..].starts_with(close) {
            return Ok((tokens, i + 3, true));
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            let end = text[i + 1..].find(c as char).ok_or(Unsupported)?;
            let s = &text[i + 1..i + 1 + end];
            if s.contains('\\') {
                return Err(Unsupported);
            }
            tokens.push(Token::Str(s.to_string()));
            i += end + 2;
            continue;
        }
        if c.is_ascii_digit() {
            let end = text[i..]
                .find(|ch: char| !ch.is_ascii_digit())
                .map_or(text.len(), |e| i + e);
            if text[end..].starts_with('.') {
                return Err(Unsupported);
            }
            tokens.push(Token::Int(text[i..end].parse().map_err(|_| Unsupported)?));
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let end = text[i..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .map_or(text.len(), |e| i + e);
            tokens.push(Token::Ident(text[i..end].to_string()));
            i = end;
            continue;
        }
        let op = [
            "==", "!=", ">=", "<=", ">", "<", "|", "(", ")", ",", "=", ".",
        ]
        .into_iter()
        .find(|op| text[i..].starts_with(op))
        .ok_or(Unsupported)?;
        tokens.push(Token::Op(op));
        i += op.len();
    }
    Err(Unsupported)
}

/// Reads nodes until one of `ends` (a statement's first word) or the end.
fn nodes(
    pieces: &[Piece],
    at: &mut usize,
    ends: &[&str],
    extends: &mut Option<String>,
) -> Result<Vec<Node>, Unsupported> {
    let mut out = Vec::new();
    while *at < pieces.len() {
        match &pieces[*at] {
            Piece::Text(t) => {
                out.push(Node::Text(t.clone()));
                *at += 1;
            }
            Piece::Tag(Tag::Print(e)) => {
                out.push(Node::Print(e.clone()));
                *at += 1;
            }
            Piece::Tag(Tag::Statement(tokens)) => {
                let word = match tokens.first() {
                    Some(Token::Ident(w)) => w.as_str(),
                    _ => return Err(Unsupported),
                };
                if ends.contains(&word) {
                    return Ok(out);
                }
                *at += 1;
                let mut p = Parser {
                    tokens: tokens[1..].to_vec(),
                    at: 0,
                };
                let node = match word {
                    "if" => {
                        let mut branches = vec![(p.end(Parser::expr)?, Vec::new())];
                        let mut otherwise = Vec::new();
                        loop {
                            let body = nodes(pieces, at, &["elif", "else", "endif"], extends)?;
                            let Some(Piece::Tag(Tag::Statement(t))) = pieces.get(*at) else {
                                return Err(Unsupported);
                            };
                            *at += 1;
                            match t.first() {
                                Some(Token::Ident(w)) if w == "elif" => {
                                    branches.last_mut().expect("a branch").1 = body;
                                    let mut q = Parser {
                                        tokens: t[1..].to_vec(),
                                        at: 0,
                                    };
                                    branches.push((q.end(Parser::expr)?, Vec::new()));
                                }
                                Some(Token::Ident(w)) if w == "else" && t.len() == 1 => {
                                    branches.last_mut().expect("a branch").1 = body;
                                    otherwise = nodes(pieces, at, &["endif"], extends)?;
                                    closing(pieces, at, "endif")?;
                                    break;
                                }
                                Some(Token::Ident(w)) if w == "endif" && t.len() == 1 => {
                                    branches.last_mut().expect("a branch").1 = body;
                                    break;
                                }
                                _ => return Err(Unsupported),
                            }
                        }
                        Node::If(branches, otherwise)
                    }
                    "for" => {
                        let var = p.ident()?;
                        if p.ident()? != "in" {
                            return Err(Unsupported);
                        }
                        let list = p.end(Parser::expr)?;
                        let body = nodes(pieces, at, &["endfor"], extends)?;
                        closing(pieces, at, "endfor")?;
                        Node::For { var, list, body }
                    }
                    "set" => {
                        let name = p.ident()?;
                        p.op("=")?;
                        let value = p.end(Parser::expr)?;
                        Node::Set { name, value }
                    }
                    "include" => Node::Include(p.end(Parser::string)?),
                    "extends" => {
                        if extends.is_some() || !out.iter().all(is_blank) {
                            return Err(Unsupported);
                        }
                        *extends = Some(p.end(Parser::string)?);
                        continue;
                    }
                    "block" => {
                        let name = p.end(Parser::ident)?;
                        let body = nodes(pieces, at, &["endblock"], extends)?;
                        let Some(Piece::Tag(Tag::Statement(t))) = pieces.get(*at) else {
                            return Err(Unsupported);
                        };
                        match &t[1..] {
                            [] => {}
                            [Token::Ident(n)] if *n == name => {}
                            _ => return Err(Unsupported),
                        }
                        *at += 1;
                        Node::Block { name, body }
                    }
                    _ => return Err(Unsupported),
                };
                out.push(node);
            }
        }
    }
    if ends.is_empty() {
        Ok(out)
    } else {
        Err(Unsupported)
    }
}

fn is_blank(n: &Node) -> bool {
    matches!(n, Node::Text(t) if t.trim().is_empty())
}

/// Takes the closing statement `word` (alone in its tag).
fn closing(pieces: &[Piece], at: &mut usize, word: &str) -> Result<(), Unsupported> {
    match pieces.get(*at) {
        Some(Piece::Tag(Tag::Statement(t)))
            if t.len() == 1 && t[0] == Token::Ident(word.to_string()) =>
        {
            *at += 1;
            Ok(())
        }
        _ => Err(Unsupported),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// Runs `f`, which must use every token.
    fn end<T>(&mut self, f: fn(&mut Parser) -> Result<T, Unsupported>) -> Result<T, Unsupported> {
        let v = f(self)?;
        if self.at != self.tokens.len() {
            return Err(Unsupported);
        }
        Ok(v)
    }

    fn ident(&mut self) -> Result<String, Unsupported> {
        match self.next() {
            Some(Token::Ident(s)) => Ok(s),
            _ => Err(Unsupported),
        }
    }

    fn string(&mut self) -> Result<String, Unsupported> {
        match self.next() {
            Some(Token::Str(s)) => Ok(s),
            _ => Err(Unsupported),
        }
    }

    fn op(&mut self, op: &str) -> Result<(), Unsupported> {
        match self.next() {
            Some(Token::Op(o)) if o == op => Ok(()),
            _ => Err(Unsupported),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(i)) if i == w)
    }

    fn expr(&mut self) -> Result<Expr, Unsupported> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Unsupported> {
        let mut left = self.not()?;
        while self.is_word("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, Unsupported> {
        if self.is_word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, Unsupported> {
        let left = self.filtered()?;
        let op = match self.peek() {
            Some(Token::Op("==")) => Cmp::Eq,
            Some(Token::Op("!=")) => Cmp::Ne,
            Some(Token::Op("<")) => Cmp::Lt,
            Some(Token::Op("<=")) => Cmp::Le,
            Some(Token::Op(">")) => Cmp::Gt,
            Some(Token::Op(">=")) => Cmp::Ge,
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.filtered()?;
        if matches!(
            self.peek(),
            Some(Token::Op("==" | "!=" | "<" | "<=" | ">" | ">="))
        ) {
            return Err(Unsupported);
        }
        Ok(Expr::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn filtered(&mut self) -> Result<Expr, Unsupported> {
        let mut value = self.atom()?;
        while matches!(self.peek(), Some(Token::Op("|"))) {
            self.at += 1;
            let name = self.ident()?;
            let mut args = Vec::new();
            if matches!(self.peek(), Some(Token::Op("("))) {
                self.at += 1;
                loop {
                    if matches!(self.peek(), Some(Token::Op(")"))) {
                        self.at += 1;
                        break;
                    }
                    let key = self.ident()?;
                    self.op("=")?;
                    args.push((key, self.atom()?));
                    match self.next() {
                        Some(Token::Op(",")) => {}
                        Some(Token::Op(")")) => break,
                        _ => return Err(Unsupported),
                    }
                }
            }
            value = Expr::Filter(Box::new(value), name, args);
        }
        Ok(value)
    }

    fn atom(&mut self) -> Result<Expr, Unsupported> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Expr::Str(s)),
            Some(Token::Int(n)) => Ok(Expr::Int(n)),
            Some(Token::Ident(w)) => match w.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "not" | "and" | "or" | "in" | "is" | "none" | "None" | "True" | "False" => {
                    Err(Unsupported)
                }
                _ => {
                    let mut path = vec![w];
                    while matches!(self.peek(), Some(Token::Op("."))) {
                        self.at += 1;
                        path.push(self.ident()?);
                    }
                    // A call, an index or a test is the engine's.
                    if matches!(self.peek(), Some(Token::Op("(")))
                        || self.is_word("is")
                        || self.is_word("in")
                    {
                        return Err(Unsupported);
                    }
                    Ok(Expr::Path(path))
                }
            },
            _ => Err(Unsupported),
        }
    }
}
