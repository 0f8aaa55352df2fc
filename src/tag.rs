//! Exception tags (exception-handling proposal).

use tandem_interp::vm::{Exception, Slot};

use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, StoreOpaque, TagEntry};
use crate::types::FuncType;
use crate::values::Val;

/// The type of a tag: the types of the payload its exceptions carry (the parameters of a
/// function type with no results).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// A tag type whose exceptions carry values of `ty`'s parameter types.
    pub fn new(ty: FuncType) -> Self {
        TagType { ty }
    }

    /// The function type behind it.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

impl std::fmt::Display for TagType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(tag {})", self.ty)
    }
}

/// An exception tag in a store: two tags are the same tag only if they are the same object,
/// even with equal types.
///
/// ```
/// use tandem::{Engine, FuncType, Store, Tag, TagType, ValType};
/// let mut store = Store::new(&Engine::default(), ());
/// let ty = TagType::new(FuncType::new([ValType::I32], []));
/// let a = Tag::new(&mut store, &ty)?;
/// let b = Tag::new(&mut store, &ty)?;
/// assert_ne!(a, b);
/// assert_eq!(a.ty(&store), ty);
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Tag {
    /// A new tag owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let store = &mut store.as_context_mut().0.opaque;
        let id = store.engine.register_func_type(ty.ty()).id;
        Ok(store.push_tag(ty.clone(), id))
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        self.entry(&store.as_context().0.opaque).ty.clone()
    }

    pub(crate) fn entry<'a>(&self, store: &'a StoreOpaque) -> &'a TagEntry {
        store.check_owner(self.store_id);
        &store.tags[self.index as usize]
    }
}

/// A wasm exception: one that no handler caught, as the host receives it
/// ([`Error::Exception`]), or one a host function throws.
///
/// A host function that returns `Err(Error::Exception(..))` throws the exception from the
/// call into the wasm that called it, whose `try_table` handlers catch it like one thrown by
/// wasm; only when no handler does, it reaches the host that called into wasm. That is also
/// how an exception passes through a host function that lets the error of a nested wasm call
/// through.
///
/// ```
/// use tandem::{Engine, Error, Func, FuncType, Instance, Module, Store, Tag, TagType, ThrownException, Val, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let tag = Tag::new(&mut store, &TagType::new(FuncType::new([ValType::I32], [])))?;
/// let fail = Func::wrap(&mut store, move |_: i32| -> Result<(), Error> {
///     Err(Error::Exception(Box::new(ThrownException {
///         tag,
///         payload: vec![Val::I32(42)],
///     })))
/// });
/// let module = Module::new(&engine, r#"
///     (module
///       (import "host" "tag" (tag $e (param i32)))
///       (import "host" "fail" (func $fail (param i32)))
///       (func (export "run") (result i32)
///         (block $caught (result i32)
///           (try_table (catch $e $caught) (call $fail (i32.const 1)))
///           (i32.const 0))))
/// "#)?;
/// let instance = Instance::new(&mut store, &module, &[tag.into(), fail.into()])?;
/// let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
/// assert_eq!(run.call(&mut store, ())?, 42);
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ThrownException {
    /// Its tag.
    pub tag: Tag,
    /// Its payload.
    pub payload: Vec<Val>,
}

impl std::fmt::Display for ThrownException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "uncaught wasm exception with {} payload values",
            self.payload.len()
        )
    }
}

impl StoreOpaque {
    /// `thrown` as an exception object of this store, for wasm handlers to catch: an error
    /// when its tag belongs to another store or its payload does not match the tag's type.
    pub(crate) fn exception_slot(&mut self, thrown: &ThrownException) -> Result<Slot> {
        if thrown.tag.store_id != self.id {
            return Err(Error::msg(
                "a host function threw an exception whose tag belongs to another store",
            ));
        }
        let ty = self.tags[thrown.tag.index as usize].ty.ty().clone();
        let params: Vec<_> = ty.params().collect();
        crate::func::check_vals("exception payload value", &thrown.payload, &params, self)?;
        let mut payload = vec![0; params.iter().map(|t| t.slots()).sum()];
        let mut at = 0;
        for (value, ty) in thrown.payload.iter().zip(&params) {
            value.write_slots(self, &mut payload[at..]);
            at += ty.slots();
        }
        self.exceptions.push(Exception {
            tag: thrown.tag.index,
            payload: payload.into(),
        });
        Ok(self.exceptions.len() as Slot)
    }
}
