//! Exception tags (exception-handling proposal).

use crate::error::Result;
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

/// A wasm exception that no handler caught, as the host receives it.
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
