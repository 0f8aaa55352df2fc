//! GC objects as the host sees them: [`StructRef`] and [`ArrayRef`], typed views of an
//! [`AnyRef`] that read and write the object's fields and elements.
//!
//! A view is a copy of the reference's handle: it lives as long as the handle (see
//! [`RootScope`](crate::RootScope)), and using it after the handle's release is an error,
//! never an access to a collected object. Values cross as [`Val`]s of the member's type:
//! packed (`i8`, `i16`) members read as zero-extended `i32`s and keep the low bits of the
//! `i32` written to them; references read become handles of their own.

use tandem_interp::vm::Slot;
use tandem_interp::vm::types::{CanonField, CanonStorage};

use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::types::ValType;
use crate::values::{AnyRef, Val, released};

/// A struct object of the GC proposal: an [`AnyRef`] known to refer to a struct (see
/// [`AnyRef::as_struct`], which has an example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructRef {
    object: AnyRef,
}

/// An array object of the GC proposal: an [`AnyRef`] known to refer to an array.
///
/// ```
/// use tandem::{Engine, Instance, Module, Store, Val};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (type $bytes (array (mut i8)))
///     (func (export "make") (result anyref) (array.new $bytes (i32.const 0xff) (i32.const 3))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let make = instance.get_typed_func::<(), Option<tandem::AnyRef>>(&mut store, "make")?;
/// let bytes = make.call(&mut store, ())?.unwrap().as_array(&store)?.unwrap();
/// assert_eq!(bytes.len(&store)?, 3);
/// bytes.set(&mut store, 1, Val::I32(0x1234))?;
/// assert_eq!(bytes.get(&mut store, 0)?.i32(), Some(0xff));
/// assert_eq!(bytes.get(&mut store, 1)?.i32(), Some(0x34));
/// assert!(bytes.get(&mut store, 3).is_err());
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArrayRef {
    object: AnyRef,
}

impl StructRef {
    pub(crate) fn from_object(object: AnyRef) -> Self {
        StructRef { object }
    }

    /// The reference as an [`AnyRef`].
    pub fn to_anyref(&self) -> AnyRef {
        self.object
    }

    /// How many fields the struct has.
    pub fn fields_len(&self, store: impl AsContext) -> Result<usize> {
        Ok(members_len(self.object, &store.as_context().0.opaque)? as usize)
    }

    /// The value of field `index`.
    pub fn field(&self, mut store: impl AsContextMut, index: usize) -> Result<Val> {
        read(
            self.object,
            &store.as_context_mut().0.opaque,
            index as u64,
            "field",
        )
    }

    /// Sets field `index` to `value`, which must have the field's type; the field must be
    /// mutable.
    pub fn set_field(&self, mut store: impl AsContextMut, index: usize, value: Val) -> Result<()> {
        write(
            self.object,
            &store.as_context_mut().0.opaque,
            index as u64,
            value,
            "field",
        )
    }
}

impl ArrayRef {
    pub(crate) fn from_object(object: AnyRef) -> Self {
        ArrayRef { object }
    }

    /// The reference as an [`AnyRef`].
    pub fn to_anyref(&self) -> AnyRef {
        self.object
    }

    /// How many elements the array has.
    pub fn len(&self, store: impl AsContext) -> Result<u32> {
        Ok(members_len(self.object, &store.as_context().0.opaque)? as u32)
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self, store: impl AsContext) -> Result<bool> {
        Ok(self.len(store)? == 0)
    }

    /// The value of element `index`.
    pub fn get(&self, mut store: impl AsContextMut, index: u32) -> Result<Val> {
        read(
            self.object,
            &store.as_context_mut().0.opaque,
            u64::from(index),
            "element",
        )
    }

    /// Sets element `index` to `value`, which must have the element type; the elements must
    /// be mutable.
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<()> {
        write(
            self.object,
            &store.as_context_mut().0.opaque,
            u64::from(index),
            value,
            "element",
        )
    }
}

impl From<StructRef> for AnyRef {
    fn from(s: StructRef) -> AnyRef {
        s.object
    }
}

impl From<ArrayRef> for AnyRef {
    fn from(a: ArrayRef) -> AnyRef {
        a.object
    }
}

/// The handle of a struct's or array's object (views are only made of objects).
fn handle(object: AnyRef, store: &StoreOpaque) -> crate::gc::Rooted {
    object
        .object(store)
        .expect("struct and array views refer to objects")
}

fn members_len(object: AnyRef, store: &StoreOpaque) -> Result<u64> {
    store.object_len(handle(object, store)).ok_or_else(released)
}

/// The error for member `index` of an object that has `len` (`None`: a released handle).
fn no_member(what: &str, index: u64, len: Option<u64>) -> Error {
    match len {
        Some(len) => Error::msg(format!(
            "{what} {index} out of bounds: the object has {len}"
        )),
        None => released(),
    }
}

/// The value type members of storage `field` read as.
fn member_type(field: CanonField, store: &StoreOpaque) -> ValType {
    match field.storage {
        CanonStorage::I8 | CanonStorage::I16 => ValType::I32,
        CanonStorage::Val(ty) => ValType::from_canon(ty, &|id| store.engine.types().info(id)),
    }
}

fn read(object: AnyRef, store: &StoreOpaque, index: u64, what: &str) -> Result<Val> {
    let (slots, field) = store
        .read_member(handle(object, store), index)
        .map_err(|len| no_member(what, index, len))?;
    Ok(Val::read_slots(&member_type(field, store), store, &slots))
}

fn write(object: AnyRef, store: &StoreOpaque, index: u64, value: Val, what: &str) -> Result<()> {
    let slots = |field: CanonField| {
        if !field.mutable {
            return Err(Error::msg(format!("{what} {index} is immutable")));
        }
        let ty = member_type(field, store);
        if !value.matches(&ty, store) {
            return Err(Error::msg(format!(
                "{what} {index} has type {ty}, which the value does not match"
            )));
        }
        let mut slots: [Slot; 2] = [0; 2];
        value.write_slots(store, &mut slots);
        Ok(slots)
    };
    store
        .write_member(handle(object, store), index, slots)
        .map_err(|len| no_member(what, index, len))?
}
