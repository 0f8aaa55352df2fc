//! GC objects as the host sees them: [`StructRef`] and [`ArrayRef`], typed views of an
//! [`AnyRef`] that read and write the object's fields and elements, and that the host
//! allocates with a [`StructType`] or an [`ArrayType`].
//!
//! A view is a copy of the reference's handle: it lives as long as the handle (see
//! [`RootScope`](crate::RootScope)), and using it after the handle's release is an error,
//! never an access to a collected object. Values cross as [`Val`]s of the member's type:
//! packed (`i8`, `i16`) members read as zero-extended `i32`s and keep the low bits of the
//! `i32` written to them; references read become handles of their own.

use tandem_interp::vm::Slot;
use tandem_interp::vm::gc::Init;
use tandem_interp::vm::types::{CanonField, CanonStorage};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::types::{ArrayType, StructType, ValType};
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
    /// Allocates a struct of type `ty` with fields `fields`, one value of each field's type.
    ///
    /// ```
    /// use tandem::{Engine, FieldType, Mutability, StorageType, Store, StructRef, StructType, Val, ValType};
    /// let engine = Engine::default();
    /// let ty = StructType::new(&engine, [
    ///     FieldType::new(Mutability::Var, StorageType::I8),
    ///     FieldType::new(Mutability::Const, StorageType::Val(ValType::F64)),
    /// ])?;
    /// let mut store = Store::new(&engine, ());
    /// let s = StructRef::new(&mut store, &ty, &[Val::I32(300), Val::F64(1.5f64.to_bits())])?;
    /// assert_eq!(s.field(&mut store, 0)?.i32(), Some(300 & 0xff));
    /// assert_eq!(s.field(&mut store, 1)?.f64(), Some(1.5));
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn new(mut store: impl AsContextMut, ty: &StructType, fields: &[Val]) -> Result<StructRef> {
        let store = &mut store.as_context_mut().0.opaque;
        let (engine, info) = ty.info();
        check_engine(engine, store)?;
        if fields.len() != ty.fields().len() {
            return Err(Error::msg(format!(
                "the struct type has {} fields, {} values given",
                ty.fields().len(),
                fields.len()
            )));
        }
        let values = fields
            .iter()
            .zip(ty.fields())
            .enumerate()
            .map(|(index, (value, field))| {
                value_slots(
                    value,
                    &field.storage().unpacked(),
                    store,
                    "field",
                    index as u64,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let slot = store.alloc_object(info, 0, Init::Values(&values))?;
        Ok(StructRef::from_object(object_ref(slot, store)))
    }

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
    /// Allocates an array of type `ty` with `len` elements, each `elem`.
    pub fn new(
        mut store: impl AsContextMut,
        ty: &ArrayType,
        elem: &Val,
        len: u32,
    ) -> Result<ArrayRef> {
        let store = &mut store.as_context_mut().0.opaque;
        let (engine, info) = ty.info();
        check_engine(engine, store)?;
        let unpacked = ty.element().storage().unpacked();
        let value = value_slots(elem, &unpacked, store, "element", 0)?;
        let slot = store.alloc_object(info, len, Init::Repeat(value))?;
        Ok(ArrayRef::from_object(object_ref(slot, store)))
    }

    /// Allocates an array of type `ty` holding `elems`.
    ///
    /// ```
    /// use tandem::{ArrayRef, ArrayType, Engine, FieldType, Mutability, StorageType, Store, Val, ValType};
    /// let engine = Engine::default();
    /// let ty = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::Val(ValType::I64)))?;
    /// let mut store = Store::new(&engine, ());
    /// let a = ArrayRef::new_fixed(&mut store, &ty, &[Val::I64(1), Val::I64(2)])?;
    /// assert_eq!(a.len(&store)?, 2);
    /// assert_eq!(a.get(&mut store, 1)?.i64(), Some(2));
    /// assert!(ArrayRef::new_fixed(&mut store, &ty, &[Val::I32(1)]).is_err(), "wrong type");
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn new_fixed(
        mut store: impl AsContextMut,
        ty: &ArrayType,
        elems: &[Val],
    ) -> Result<ArrayRef> {
        let store = &mut store.as_context_mut().0.opaque;
        let (engine, info) = ty.info();
        check_engine(engine, store)?;
        let len = u32::try_from(elems.len()).map_err(|_| Error::msg("too many array elements"))?;
        let unpacked = ty.element().storage().unpacked();
        let values = elems
            .iter()
            .enumerate()
            .map(|(index, value)| value_slots(value, &unpacked, store, "element", index as u64))
            .collect::<Result<Vec<_>>>()?;
        let slot = store.alloc_object(info, len, Init::Values(&values))?;
        Ok(ArrayRef::from_object(object_ref(slot, store)))
    }

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

/// An error unless types of `engine` may be used in `store`.
fn check_engine(engine: &Engine, store: &StoreOpaque) -> Result<()> {
    if engine.same(&store.engine) {
        Ok(())
    } else {
        Err(Error::msg(
            "the type was registered with another engine than the store's",
        ))
    }
}

/// The slots of `value` for a member whose values have type `ty`, or an error if it does
/// not match.
fn value_slots(
    value: &Val,
    ty: &ValType,
    store: &StoreOpaque,
    what: &str,
    index: u64,
) -> Result<[Slot; 2]> {
    if !value.matches(ty, store) {
        return Err(Error::msg(format!(
            "{what} {index} has type {ty}, which the value does not match"
        )));
    }
    let mut slots = [0; 2];
    value.write_slots(store, &mut slots);
    Ok(slots)
}

/// A handle to the new object in `slot`.
fn object_ref(slot: Slot, store: &StoreOpaque) -> AnyRef {
    AnyRef::from_slot(slot, store).expect("a new object is not null")
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
        value_slots(&value, &member_type(field, store), store, what, index)
    };
    store
        .write_member(handle(object, store), index, slots)
        .map_err(|len| no_member(what, index, len))?
}
