//! Values crossing the host boundary.

use std::any::Any;

use tandem_interp::vm::gc::{GcLayout, GcRef};
use tandem_interp::vm::{FuncEntry, SigId, Slot};

use crate::error::{Error, Result};
use crate::func::Func;
use crate::gc::Rooted;
use crate::objects::{ArrayRef, StructRef};
use crate::store::{AsContext, AsContextMut, StoreContext, StoreOpaque};
use crate::types::{HeapType, RefType, ValType};

/// A 128-bit vector value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct V128(u128);

impl V128 {
    /// The bits as an integer.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(bits: u128) -> Self {
        V128(bits)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> Self {
        v.0
    }
}

/// How a reference of the `any` or `extern` hierarchy is held on the host side (the slot
/// encoding of `tandem_interp::vm::gc`, decoded; objects through the store's root table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum GcRepr {
    /// A 31-bit integer.
    I31(u32),
    /// The store's host value with this index.
    Host(u32),
    /// A GC object, rooted for the host.
    Object(Rooted),
}

impl GcRepr {
    /// Decodes a slot read from wasm, rooting an object.
    fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<GcRepr> {
        match GcRef::from_slot(slot) {
            GcRef::Null => None,
            GcRef::I31(value) => Some(GcRepr::I31(value)),
            GcRef::Host(index) => Some(GcRepr::Host(index)),
            GcRef::Object(_) => Some(GcRepr::Object(store.root(slot))),
        }
    }

    /// The slot; a released handle (which type checks reject first) reads as null.
    fn to_slot(self, store: &StoreOpaque) -> Slot {
        match self {
            GcRepr::I31(value) => GcRef::I31(value).to_slot(),
            GcRepr::Host(index) => GcRef::Host(index).to_slot(),
            GcRepr::Object(handle) => store.rooted(handle).unwrap_or(0),
        }
    }

    /// Whether the value is still usable: a handle to an object must not be released.
    fn is_live(self, store: &StoreOpaque) -> bool {
        match self {
            GcRepr::Object(handle) => store.rooted(handle).is_some(),
            _ => true,
        }
    }
}

/// The error for a handle used after its release.
pub(crate) fn released() -> Error {
    Error::msg("GC reference used after the host call it was made in returned")
}

/// A 31-bit integer stored in a reference (`i31ref`), kept zero-extended.
///
/// ```
/// use tandem::I31;
/// assert_eq!(I31::wrapping_i32(-1).get_i32(), -1);
/// assert_eq!(I31::wrapping_i32(-1).get_u32(), 0x7fff_ffff);
/// assert_eq!(I31::new_u32(1 << 31), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct I31(u32);

impl I31 {
    /// `value` if it fits in 31 unsigned bits.
    pub fn new_u32(value: u32) -> Option<I31> {
        (value >> 31 == 0).then_some(I31(value))
    }

    /// `value` if it fits in 31 signed bits.
    pub fn new_i32(value: i32) -> Option<I31> {
        let wrapped = I31::wrapping_i32(value);
        (wrapped.get_i32() == value).then_some(wrapped)
    }

    /// The low 31 bits of `value` (what `ref.i31` keeps).
    pub fn wrapping_u32(value: u32) -> I31 {
        I31(value & 0x7fff_ffff)
    }

    /// The low 31 bits of `value`.
    pub fn wrapping_i32(value: i32) -> I31 {
        I31::wrapping_u32(value as u32)
    }

    /// The value read unsigned (`i31.get_u`).
    pub fn get_u32(&self) -> u32 {
        self.0
    }

    /// The value read signed (`i31.get_s`).
    pub fn get_i32(&self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }
}

/// A reference of the `any` hierarchy: an `i31`, or a host value made internal with
/// `any.convert_extern`.
///
/// ```
/// use tandem::{AnyRef, Engine, I31, Store};
/// let mut store = Store::new(&Engine::default(), ());
/// let r = AnyRef::from_i31(&mut store, I31::wrapping_i32(-7));
/// assert_eq!(r.as_i31(&store)?.map(|i| i.get_i32()), Some(-7));
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyRef {
    store_id: u64,
    repr: GcRepr,
}

impl AnyRef {
    /// The `i31` reference holding `value`.
    pub fn from_i31(store: impl AsContextMut, value: I31) -> AnyRef {
        AnyRef {
            store_id: store.as_context().0.opaque.id,
            repr: GcRepr::I31(value.0),
        }
    }

    /// The internal view of an extern reference (`any.convert_extern`); converting it back
    /// gives the same extern reference.
    pub fn convert_extern(store: impl AsContextMut, value: ExternRef) -> Result<AnyRef> {
        store.as_context().0.opaque.check_owner(value.store_id);
        Ok(AnyRef {
            store_id: value.store_id,
            repr: value.repr,
        })
    }

    /// Whether this is an `i31`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        Ok(self.as_i31(store)?.is_some())
    }

    /// The integer, if this is an `i31`.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        store.as_context().0.opaque.check_owner(self.store_id);
        Ok(match self.repr {
            GcRepr::I31(value) => Some(I31(value)),
            _ => None,
        })
    }

    /// Whether this is a struct.
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        self.has_heap_type(&HeapType::Struct, &store.as_context().0.opaque)
    }

    /// Whether this is an array.
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        self.has_heap_type(&HeapType::Array, &store.as_context().0.opaque)
    }

    /// Whether the value has heap type `heap` (any hierarchy's types give `false`), or an
    /// error if it is a handle released with the host call it was made in.
    pub(crate) fn has_heap_type(&self, heap: &HeapType, store: &StoreOpaque) -> Result<bool> {
        store.check_owner(self.store_id);
        Ok(match self.repr {
            GcRepr::I31(_) => matches!(heap, HeapType::Any | HeapType::Eq | HeapType::I31),
            GcRepr::Host(_) => *heap == HeapType::Any,
            GcRepr::Object(handle) => {
                let info = store.object_type(handle).ok_or_else(released)?;
                match (heap, &info.layout) {
                    (HeapType::Any | HeapType::Eq, _) => true,
                    (HeapType::Struct, GcLayout::Struct(_)) => true,
                    (HeapType::Array, GcLayout::Array(_)) => true,
                    (HeapType::ConcreteStruct(id) | HeapType::ConcreteArray(id), _) => {
                        info.has_supertype(SigId(*id))
                    }
                    _ => false,
                }
            }
        })
    }

    /// This reference as a struct, if it is one.
    ///
    /// ```
    /// use tandem::{Engine, Instance, Module, Store, Val};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (type $point (struct (field $x (mut i32)) (field $y f64)))
    ///     (func (export "make") (result anyref) (struct.new $point (i32.const 3) (f64.const 0.5))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let make = instance.get_typed_func::<(), Option<tandem::AnyRef>>(&mut store, "make")?;
    /// let point = make.call(&mut store, ())?.unwrap().as_struct(&store)?.unwrap();
    /// assert_eq!(point.field(&mut store, 0)?.i32(), Some(3));
    /// point.set_field(&mut store, 0, Val::I32(4))?;
    /// assert_eq!(point.field(&mut store, 0)?.i32(), Some(4));
    /// assert!(point.set_field(&mut store, 1, Val::F64(2f64.to_bits())).is_err(), "immutable");
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<StructRef>> {
        let is_struct = self.is_struct(store)?;
        Ok(is_struct.then(|| StructRef::from_object(*self)))
    }

    /// This reference as an array, if it is one.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<ArrayRef>> {
        let is_array = self.is_array(store)?;
        Ok(is_array.then(|| ArrayRef::from_object(*self)))
    }

    /// The handle of the object this refers to, if it refers to one, after checking the
    /// store.
    pub(crate) fn object(&self, store: &StoreOpaque) -> Option<Rooted> {
        store.check_owner(self.store_id);
        match self.repr {
            GcRepr::Object(handle) => Some(handle),
            _ => None,
        }
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        store.check_owner(self.store_id);
        self.repr.to_slot(store)
    }

    pub(crate) fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<AnyRef> {
        GcRepr::from_slot(slot, store).map(|repr| AnyRef {
            store_id: store.id,
            repr,
        })
    }
}

/// A reference of the `extern` hierarchy: a host value owned by a store, or an internal
/// value made external with `extern.convert_any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef {
    store_id: u64,
    repr: GcRepr,
}

impl ExternRef {
    /// Moves `value` into the store and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Result<ExternRef> {
        let store = &mut store.as_context_mut().0.opaque;
        // Host numbers take the slot's upper 62 bits: any u32 fits.
        let index = u32::try_from(store.externrefs.len())
            .ok()
            .filter(|&i| i < u32::MAX)
            .ok_or_else(|| Error::msg("too many extern references in one store"))?;
        store.externrefs.push(Box::new(value));
        Ok(ExternRef {
            store_id: store.id,
            repr: GcRepr::Host(index),
        })
    }

    /// The external view of an internal reference (`extern.convert_any`); converting it
    /// back gives the same internal reference.
    pub fn convert_any(store: impl AsContextMut, value: AnyRef) -> Result<ExternRef> {
        store.as_context().0.opaque.check_owner(value.store_id);
        Ok(ExternRef {
            store_id: value.store_id,
            repr: value.repr,
        })
    }

    /// The host value, or `None` if this is an internal value made external.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let store = &store.into().0.opaque;
        store.check_owner(self.store_id);
        Ok(match self.repr {
            GcRepr::Host(index) => Some(&*store.externrefs[index as usize]),
            _ => None,
        })
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        store.check_owner(self.store_id);
        self.repr.to_slot(store)
    }

    pub(crate) fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<ExternRef> {
        GcRepr::from_slot(slot, store).map(|repr| ExternRef {
            store_id: store.id,
            repr,
        })
    }
}

/// A reference to a caught exception (`exnref`), owned by a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExnRef {
    store_id: u64,
    /// The exception's slot encoding: its index in the store plus one.
    slot: Slot,
}

impl ExnRef {
    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        store.check_owner(self.store_id);
        self.slot
    }

    pub(crate) fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<ExnRef> {
        (slot != 0).then_some(ExnRef {
            store_id: store.id,
            slot,
        })
    }
}

/// A reference value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// A function reference (or null).
    Func(Option<Func>),
    /// An extern reference (or null).
    Extern(Option<ExternRef>),
    /// An internal reference of the `any` hierarchy (or null).
    Any(Option<AnyRef>),
    /// An exception reference (or null).
    Exn(Option<ExnRef>),
}

impl Ref {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Ref::Func(None) | Ref::Extern(None) | Ref::Any(None) | Ref::Exn(None)
        )
    }

    /// The function, if this is a non-null function reference.
    pub fn unwrap_func(&self) -> Option<&Func> {
        match self {
            Ref::Func(f) => f.as_ref(),
            _ => None,
        }
    }

    /// The null reference of `ty`'s hierarchy.
    pub fn null(ty: &RefType) -> Ref {
        match ty.heap_type().top() {
            HeapType::Extern => Ref::Extern(None),
            HeapType::Any => Ref::Any(None),
            HeapType::Exn => Ref::Exn(None),
            _ => Ref::Func(None),
        }
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        match self {
            Ref::Func(f) => f.map_or(0, |f| f.to_slot(store)),
            Ref::Extern(e) => e.map_or(0, |e| e.to_slot(store)),
            Ref::Any(a) => a.map_or(0, |a| a.to_slot(store)),
            Ref::Exn(e) => e.map_or(0, |e| e.to_slot(store)),
        }
    }

    pub(crate) fn from_slot(slot: Slot, ty: &RefType, store: &StoreOpaque) -> Ref {
        match ty.heap_type().top() {
            HeapType::Extern => Ref::Extern(ExternRef::from_slot(slot, store)),
            HeapType::Any => Ref::Any(AnyRef::from_slot(slot, store)),
            HeapType::Exn => Ref::Exn(ExnRef::from_slot(slot, store)),
            _ => Ref::Func(Func::from_slot(slot, store)),
        }
    }

    pub(crate) fn matches(&self, ty: &RefType, store: &StoreOpaque) -> bool {
        let heap = ty.heap_type();
        if self.is_null() {
            return ty.is_nullable() && self.hierarchy() == heap.top();
        }
        match (self, heap) {
            (Ref::Func(Some(_)), HeapType::Func) => true,
            (Ref::Func(Some(f)), HeapType::ConcreteFunc(id)) => f.entry(store).has_type(SigId(*id)),
            (Ref::Extern(Some(e)), HeapType::Extern) => e.repr.is_live(store),
            (Ref::Any(Some(a)), heap) => a.has_heap_type(heap, store).unwrap_or(false),
            (Ref::Exn(Some(_)), HeapType::Exn) => true,
            _ => false,
        }
    }

    /// The top type of the reference's hierarchy.
    fn hierarchy(&self) -> HeapType {
        match self {
            Ref::Func(_) => HeapType::Func,
            Ref::Extern(_) => HeapType::Extern,
            Ref::Any(_) => HeapType::Any,
            Ref::Exn(_) => HeapType::Exn,
        }
    }
}

impl From<Func> for Ref {
    fn from(f: Func) -> Self {
        Ref::Func(Some(f))
    }
}

impl From<ExternRef> for Ref {
    fn from(e: ExternRef) -> Self {
        Ref::Extern(Some(e))
    }
}

impl From<AnyRef> for Ref {
    fn from(a: AnyRef) -> Self {
        Ref::Any(Some(a))
    }
}

/// A WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bits (so NaN payloads survive).
    F32(u32),
    /// An `f64`, as its bits.
    F64(u64),
    /// A `v128`.
    V128(V128),
    /// A `funcref`.
    FuncRef(Option<Func>),
    /// An `externref`.
    ExternRef(Option<ExternRef>),
    /// An `anyref` (GC): an `i31`, or a host value made internal.
    AnyRef(Option<AnyRef>),
    /// An `exnref`.
    ExnRef(Option<ExnRef>),
}

macro_rules! accessors {
    ($( $get:ident $unwrap:ident $variant:ident $ty:ty => $conv:expr; )*) => {
        impl Val {
            $(
                #[doc = concat!("The value if this is `", stringify!($variant), "`.")]
                pub fn $get(&self) -> Option<$ty> {
                    match *self {
                        Val::$variant(v) => Some(($conv)(v)),
                        _ => None,
                    }
                }

                #[doc = concat!("The value; panics unless this is `", stringify!($variant), "`.")]
                pub fn $unwrap(&self) -> $ty {
                    self.$get().expect(concat!("expected ", stringify!($variant)))
                }
            )*
        }
    };
}

accessors! {
    i32 unwrap_i32 I32 i32 => |v| v;
    i64 unwrap_i64 I64 i64 => |v| v;
    f32 unwrap_f32 F32 f32 => f32::from_bits;
    f64 unwrap_f64 F64 f64 => f64::from_bits;
    v128 unwrap_v128 V128 V128 => |v| v;
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::AnyRef(_) => ValType::Ref(RefType::ANYREF),
            Val::ExnRef(_) => ValType::Ref(RefType::EXNREF),
        }
    }

    /// The function reference, if this is a `funcref`.
    pub fn funcref(&self) -> Option<Option<&Func>> {
        match self {
            Val::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The extern reference, if this is an `externref`.
    pub fn externref(&self) -> Option<Option<&ExternRef>> {
        match self {
            Val::ExternRef(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The internal reference, if this is an `anyref`.
    pub fn anyref(&self) -> Option<Option<&AnyRef>> {
        match self {
            Val::AnyRef(a) => Some(a.as_ref()),
            _ => None,
        }
    }

    /// A null reference of type `ty`.
    pub fn null_ref(ty: &RefType) -> Val {
        Ref::null(ty).into()
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<Ref> {
        match *self {
            Val::FuncRef(f) => Some(Ref::Func(f)),
            Val::ExternRef(e) => Some(Ref::Extern(e)),
            Val::AnyRef(a) => Some(Ref::Any(a)),
            Val::ExnRef(e) => Some(Ref::Exn(e)),
            _ => None,
        }
    }

    /// Whether this value has type `ty` (nullable references match null).
    pub(crate) fn matches(&self, ty: &ValType, store: &StoreOpaque) -> bool {
        match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (v, ValType::Ref(r)) => v.as_ref().is_some_and(|v| v.matches(r, store)),
            _ => false,
        }
    }

    /// Writes the value into its slots.
    pub(crate) fn write_slots(&self, store: &StoreOpaque, out: &mut [Slot]) {
        match *self {
            Val::I32(v) => out[0] = v as u32 as Slot,
            Val::I64(v) => out[0] = v as Slot,
            Val::F32(v) => out[0] = v as Slot,
            Val::F64(v) => out[0] = v,
            Val::V128(v) => {
                out[0] = v.0 as Slot;
                out[1] = (v.0 >> 64) as Slot;
            }
            Val::FuncRef(_) | Val::ExternRef(_) | Val::AnyRef(_) | Val::ExnRef(_) => {
                out[0] = self.as_ref().map_or(0, |r| r.to_slot(store));
            }
        }
    }

    /// Reads a value of type `ty` from its slots.
    pub(crate) fn read_slots(ty: &ValType, store: &StoreOpaque, slots: &[Slot]) -> Val {
        match ty {
            ValType::I32 => Val::I32(slots[0] as i32),
            ValType::I64 => Val::I64(slots[0] as i64),
            ValType::F32 => Val::F32(slots[0] as u32),
            ValType::F64 => Val::F64(slots[0]),
            ValType::V128 => Val::V128(V128(slots[0] as u128 | (slots[1] as u128) << 64)),
            ValType::Ref(r) => Ref::from_slot(slots[0], r, store).into(),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::F64(v.to_bits())
    }
}
impl From<V128> for Val {
    fn from(v: V128) -> Self {
        Val::V128(v)
    }
}
impl From<Func> for Val {
    fn from(f: Func) -> Self {
        Val::FuncRef(Some(f))
    }
}
impl From<ExternRef> for Val {
    fn from(e: ExternRef) -> Self {
        Val::ExternRef(Some(e))
    }
}
impl From<AnyRef> for Val {
    fn from(a: AnyRef) -> Self {
        Val::AnyRef(Some(a))
    }
}
impl From<Ref> for Val {
    fn from(r: Ref) -> Self {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
            Ref::Any(a) => Val::AnyRef(a),
            Ref::Exn(e) => Val::ExnRef(e),
        }
    }
}

/// The address of a store's function entry as a funcref slot.
pub(crate) fn func_slot(entry: &FuncEntry) -> Slot {
    entry.as_ref_slot()
}
