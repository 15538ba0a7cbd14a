//! Running a compiled template: writing one page from its typed views,
//! field by field, with the engine's escaping, truthiness and `truncate`.

use super::parse::Cmp;
use super::{LoopField, Object, Op, Root, Unsupported, Val, Value};

/// A page being written.
pub(super) struct Frame<'a> {
    data: &'a dyn Object,
    page: &'a dyn Object,
    globals: &'a dyn Object,
    locals: Vec<Val<'a>>,
    /// Each loop's position and length.
    loops: Vec<(usize, usize)>,
}

/// A value while an expression is worked out.
enum Out<'a> {
    Val(Val<'a>),
    Owned(String),
    Int(i64),
    Bool(bool),
}

impl<'a> Frame<'a> {
    pub(super) fn new(
        data: &'a dyn Object,
        page: &'a dyn Object,
        globals: &'a dyn Object,
        slots: usize,
    ) -> Frame<'a> {
        Frame {
            data,
            page,
            globals,
            locals: vec![Val::Null; slots],
            loops: vec![(0, 0); slots],
        }
    }

    pub(super) fn ops(&mut self, ops: &[Op], out: &mut Vec<u8>) -> Result<(), Unsupported> {
        for op in ops {
            match op {
                Op::Text(t) => out.extend_from_slice(t.as_bytes()),
                Op::Print { value, escape } => match self.eval(value)? {
                    Out::Val(Val::Str(s) | Val::Safe(s)) if !*escape => {
                        out.extend_from_slice(s.as_bytes())
                    }
                    Out::Val(Val::Str(s)) => escape_into(out, s),
                    Out::Val(Val::Safe(s)) => out.extend_from_slice(s.as_bytes()),
                    Out::Owned(s) if *escape => escape_into(out, &s),
                    Out::Owned(s) => out.extend_from_slice(s.as_bytes()),
                    Out::Val(Val::Num(n)) => {
                        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes())
                    }
                    Out::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
                    _ => return Err(Unsupported),
                },
                Op::If(branches, otherwise) => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        if truthy(&self.eval(cond)?) {
                            self.ops(body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.ops(otherwise, out)?;
                    }
                }
                Op::For { slot, list, body } => {
                    let Out::Val(Val::List(items)) = self.eval(list)? else {
                        return Err(Unsupported);
                    };
                    let len = items.len();
                    for i in 0..len {
                        self.locals[*slot] = items.item(i);
                        self.loops[*slot] = (i, len);
                        self.ops(body, out)?;
                    }
                }
                Op::Engine => return Err(Unsupported),
            }
        }
        Ok(())
    }

    fn eval(&self, v: &Value) -> Result<Out<'a>, Unsupported> {
        Ok(match v {
            Value::Path(root, fields) => {
                let mut val = match root {
                    Root::Data => Val::Obj(self.data),
                    Root::Page => Val::Obj(self.page),
                    Root::Globals => Val::Obj(self.globals),
                    Root::Local(slot) => self.locals[*slot],
                };
                for &at in fields.iter() {
                    let Val::Obj(o) = val else {
                        return Err(Unsupported);
                    };
                    val = o.field(at);
                }
                if let Val::Opaque = val {
                    return Err(Unsupported);
                }
                Out::Val(val)
            }
            Value::Loop(slot, field) => {
                let (i, len) = self.loops[*slot];
                match field {
                    LoopField::Index => Out::Int(i as i64 + 1),
                    LoopField::Index0 => Out::Int(i as i64),
                    LoopField::First => Out::Bool(i == 0),
                    LoopField::Last => Out::Bool(i + 1 == len),
                    LoopField::Length => Out::Int(len as i64),
                }
            }
            Value::Str(s) => Out::Owned(s.to_string()),
            Value::Int(n) => Out::Int(*n),
            Value::Bool(b) => Out::Bool(*b),
            Value::Not(x) => Out::Bool(!truthy(&self.eval(x)?)),
            Value::And(a, b) => Out::Bool(truthy(&self.eval(a)?) && truthy(&self.eval(b)?)),
            Value::Or(a, b) => Out::Bool(truthy(&self.eval(a)?) || truthy(&self.eval(b)?)),
            Value::Cmp(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let ord = match (number(&a), number(&b)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    _ => {
                        let (Some(x), Some(y)) = (text(&a), text(&b)) else {
                            return Err(Unsupported);
                        };
                        x.cmp(y)
                    }
                };
                use std::cmp::Ordering::*;
                Out::Bool(match op {
                    Cmp::Eq => ord == Equal,
                    Cmp::Ne => ord != Equal,
                    Cmp::Lt => ord == Less,
                    Cmp::Le => ord != Greater,
                    Cmp::Gt => ord == Greater,
                    Cmp::Ge => ord != Less,
                })
            }
            Value::Length(x) => match self.eval(x)? {
                Out::Val(Val::List(items)) => Out::Int(items.len() as i64),
                _ => return Err(Unsupported),
            },
            Value::Truncate(x, n) => match self.eval(x)? {
                Out::Val(Val::Str(s)) => Out::Owned(truncate(s, *n).into_owned()),
                Out::Owned(s) => Out::Owned(truncate(&s, *n).into_owned()),
                _ => return Err(Unsupported),
            },
        })
    }
}

fn number(o: &Out<'_>) -> Option<i128> {
    match o {
        Out::Int(n) => Some(*n as i128),
        Out::Val(Val::Num(n)) => Some(*n as i128),
        _ => None,
    }
}

fn text<'b>(o: &'b Out<'_>) -> Option<&'b str> {
    match o {
        Out::Val(Val::Str(s) | Val::Safe(s)) => Some(s),
        Out::Owned(s) => Some(s),
        _ => None,
    }
}

/// The engine's truthiness.
fn truthy(o: &Out<'_>) -> bool {
    match o {
        Out::Val(v) => match v {
            Val::Str(s) | Val::Safe(s) => !s.is_empty(),
            Val::Null | Val::Opaque => false,
            Val::Num(n) => *n != 0,
            Val::Bool(b) => *b,
            Val::Obj(_) => true,
            Val::List(items) => !items.is_empty(),
        },
        Out::Owned(s) => !s.is_empty(),
        Out::Int(n) => *n != 0,
        Out::Bool(b) => *b,
    }
}

fn escape_into(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = tera::escape_html(s, out);
}

/// The engine's `truncate(length=n)`: the first `n` characters and `…`.
pub(super) fn truncate(s: &str, n: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]).into(),
        None => s.into(),
    }
}
