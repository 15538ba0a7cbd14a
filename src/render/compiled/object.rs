//! The typed side of compiled templates: what a view struct tells the
//! compiler about its fields ([`Object::resolve`], once per template) and
//! how the interpreter reads them ([`Object::field`], by position, once per
//! page).
//!
//! A view is declared once with [`typed_view!`], which writes the struct,
//! its field table and its getters from the one declaration, so the names
//! a compiled template reads are the names the engine sees through serde.

use std::sync::Arc;

/// Finds a field by name: its position and kind.
pub type Resolver = fn(&str) -> Option<(usize, Kind)>;

/// What a field holds, as far as templates are concerned.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Text, escaped when printed.
    Str,
    /// HTML made by this crate, printed as it is.
    Safe,
    /// Text or nothing.
    OptStr,
    Num,
    Bool,
    /// A view with fields of its own.
    Obj(Resolver),
    /// A list; the kind of its items.
    List(fn() -> Kind),
    /// A value only the engine reads (free-form JSON such as `extra`): a
    /// template that touches it is left to the engine.
    Opaque,
}

/// A field's value at render time.
#[derive(Clone, Copy)]
pub enum Val<'a> {
    Str(&'a str),
    Safe(&'a str),
    Null,
    Num(u64),
    Bool(bool),
    Obj(&'a dyn Object),
    List(&'a dyn Items),
    Opaque,
}

/// A view whose fields compiled templates read.
pub trait Object: Sync {
    /// The position and kind of the field called `name`.
    fn resolve(name: &str) -> Option<(usize, Kind)>
    where
        Self: Sized;
    /// The field at `position` (as [`Object::resolve`] gave it).
    fn field(&self, position: usize) -> Val<'_>;
}

/// A list compiled templates loop over.
pub trait Items: Sync {
    fn len(&self) -> usize;
    fn item(&self, i: usize) -> Val<'_>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A type a view's field may have.
pub trait Field {
    fn kind() -> Kind;
    fn val(&self) -> Val<'_>;
}

impl Field for String {
    fn kind() -> Kind {
        Kind::Str
    }
    fn val(&self) -> Val<'_> {
        Val::Str(self)
    }
}

impl Field for &str {
    fn kind() -> Kind {
        Kind::Str
    }
    fn val(&self) -> Val<'_> {
        Val::Str(self)
    }
}

impl Field for Option<String> {
    fn kind() -> Kind {
        Kind::OptStr
    }
    fn val(&self) -> Val<'_> {
        self.as_deref().map_or(Val::Null, Val::Str)
    }
}

impl Field for Option<&str> {
    fn kind() -> Kind {
        Kind::OptStr
    }
    fn val(&self) -> Val<'_> {
        self.map_or(Val::Null, Val::Str)
    }
}

impl Field for usize {
    fn kind() -> Kind {
        Kind::Num
    }
    fn val(&self) -> Val<'_> {
        Val::Num(*self as u64)
    }
}

impl Field for bool {
    fn kind() -> Kind {
        Kind::Bool
    }
    fn val(&self) -> Val<'_> {
        Val::Bool(*self)
    }
}

/// HTML made by this crate: printed as it is, like the engine's safe
/// strings. Serialized as a plain string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(pub String);

impl serde::Serialize for Html {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Field for Html {
    fn kind() -> Kind {
        Kind::Safe
    }
    fn val(&self) -> Val<'_> {
        Val::Safe(&self.0)
    }
}

/// Text kept as an engine value, so that a view and the engine's copy of
/// it share one allocation (a list row's rendered HTML, held by every
/// tool's row). Serialized as a plain string.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedText(pub tera::Value);

impl SharedText {
    pub fn as_str(&self) -> &str {
        self.0.as_str().unwrap_or_default()
    }
}

impl Default for SharedText {
    fn default() -> SharedText {
        SharedText(tera::Value::from(""))
    }
}

impl serde::Serialize for SharedText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Field for SharedText {
    fn kind() -> Kind {
        Kind::Str
    }
    fn val(&self) -> Val<'_> {
        Val::Str(self.as_str())
    }
}

macro_rules! opaque {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn kind() -> Kind {
                Kind::Opaque
            }
            fn val(&self) -> Val<'_> {
                Val::Opaque
            }
        }
    )*};
}
opaque!(
    serde_json::Value,
    serde_json::Map<String, serde_json::Value>,
    tera::Value
);

impl<T: Object> Field for Arc<T> {
    fn kind() -> Kind {
        Kind::Obj(T::resolve)
    }
    fn val(&self) -> Val<'_> {
        Val::Obj(&**self)
    }
}

impl<T: Field + ?Sized> Field for &T {
    fn kind() -> Kind {
        T::kind()
    }
    fn val(&self) -> Val<'_> {
        (**self).val()
    }
}

impl<T: Field + Sync> Items for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn item(&self, i: usize) -> Val<'_> {
        self[i].val()
    }
}

impl<T: Field + Sync> Items for &[T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn item(&self, i: usize) -> Val<'_> {
        self[i].val()
    }
}

impl<T: Field + Sync> Field for &[T] {
    fn kind() -> Kind {
        Kind::List(T::kind)
    }
    fn val(&self) -> Val<'_> {
        Val::List(self)
    }
}

/// A view or nothing (`null` to the engine, which is false).
impl<T: Object> Field for Option<T> {
    fn kind() -> Kind {
        Kind::Obj(T::resolve)
    }
    fn val(&self) -> Val<'_> {
        match self {
            Some(v) => Val::Obj(v),
            None => Val::Null,
        }
    }
}

impl<T: Field + Sync> Field for Vec<T> {
    fn kind() -> Kind {
        Kind::List(T::kind)
    }
    fn val(&self) -> Val<'_> {
        Val::List(self)
    }
}

/// Declares a view struct and makes it an [`Object`] (and, by value, a
/// [`Field`]) from the one declaration: the field table is the struct's
/// own fields, in order, under their own names (which are also the names
/// serde gives the engine; no field of a view is renamed).
macro_rules! typed_view {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident $(<$lt:lifetime>)? {
            $(
                $(#[$fattr:meta])*
                $fvis:vis $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis struct $name $(<$lt>)? {
            $(
                $(#[$fattr])*
                $fvis $field: $fty,
            )*
        }

        impl $(<$lt>)? $crate::render::compiled::Object for $name $(<$lt>)? {
            fn resolve(name: &str) -> Option<(usize, $crate::render::compiled::Kind)> {
                const NAMES: &[&str] = &[$(stringify!($field)),*];
                let kinds: &[fn() -> $crate::render::compiled::Kind] =
                    &[$(<$fty as $crate::render::compiled::Field>::kind),*];
                let at = NAMES.iter().position(|n| *n == name)?;
                Some((at, kinds[at]()))
            }

            #[allow(unused_mut, unused_variables)]
            fn field(&self, position: usize) -> $crate::render::compiled::Val<'_> {
                let mut at = 0;
                $(
                    if position == at {
                        return $crate::render::compiled::Field::val(&self.$field);
                    }
                    at += 1;
                )*
                let _ = at;
                $crate::render::compiled::Val::Opaque
            }
        }

        impl $(<$lt>)? $crate::render::PageData for $name $(<$lt>)? {
            fn typed(
                &self,
            ) -> Option<(
                &dyn $crate::render::compiled::Object,
                $crate::render::compiled::Resolver,
            )> {
                Some((self, <Self as $crate::render::compiled::Object>::resolve))
            }
        }

        impl $(<$lt>)? $crate::render::compiled::Field for $name $(<$lt>)? {
            fn kind() -> $crate::render::compiled::Kind {
                $crate::render::compiled::Kind::Obj(
                    <Self as $crate::render::compiled::Object>::resolve,
                )
            }
            fn val(&self) -> $crate::render::compiled::Val<'_> {
                $crate::render::compiled::Val::Obj(self)
            }
        }
    };
}
pub(crate) use typed_view;
