//! Values crossing the host boundary.

use std::any::Any;

use tandem_interp::vm::{FuncEntry, Slot};

use crate::error::{Error, Result};
use crate::func::Func;
use crate::store::{AsContextMut, StoreContext, StoreOpaque};
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

/// A reference to a host value, owned by a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef {
    store_id: u64,
    index: u32,
}

impl ExternRef {
    /// Moves `value` into the store and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Result<ExternRef> {
        let store = &mut store.as_context_mut().0.opaque;
        let index = u32::try_from(store.externrefs.len())
            .ok()
            .filter(|&i| i < u32::MAX - 1)
            .ok_or_else(|| Error::msg("too many extern references in one store"))?;
        store.externrefs.push(Box::new(value));
        Ok(ExternRef {
            store_id: store.id,
            index,
        })
    }

    /// The host value.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<StoreContext<'a, T>>,
    ) -> Result<&'a (dyn Any + Send + Sync)> {
        let store = &store.into().0.opaque;
        store.check_owner(self.store_id);
        Ok(&*store.externrefs[self.index as usize])
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        store.check_owner(self.store_id);
        self.index as Slot + 1
    }

    pub(crate) fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<ExternRef> {
        (slot != 0).then(|| ExternRef {
            store_id: store.id,
            index: (slot - 1) as u32,
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
}

impl Ref {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Ref::Func(None) | Ref::Extern(None))
    }

    /// The function, if this is a non-null function reference.
    pub fn unwrap_func(&self) -> Option<&Func> {
        match self {
            Ref::Func(f) => f.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        match self {
            Ref::Func(f) => f.map_or(0, |f| f.to_slot(store)),
            Ref::Extern(e) => e.map_or(0, |e| e.to_slot(store)),
        }
    }

    pub(crate) fn from_slot(slot: Slot, ty: &RefType, store: &StoreOpaque) -> Ref {
        match ty.heap_type() {
            HeapType::Extern => Ref::Extern(ExternRef::from_slot(slot, store)),
            _ => Ref::Func(Func::from_slot(slot, store)),
        }
    }

    pub(crate) fn matches(&self, ty: &RefType, store: &StoreOpaque) -> bool {
        match (self, ty.heap_type()) {
            (Ref::Func(None) | Ref::Extern(None), _) => ty.is_nullable() && self.kind_matches(ty),
            (Ref::Func(Some(_)), HeapType::Func) => true,
            (Ref::Func(Some(f)), HeapType::ConcreteFunc(id)) => f.entry(store).sig.0 == *id,
            (Ref::Extern(Some(_)), HeapType::Extern) => true,
            _ => false,
        }
    }

    fn kind_matches(&self, ty: &RefType) -> bool {
        match self {
            Ref::Func(_) => matches!(ty.heap_type(), HeapType::Func | HeapType::ConcreteFunc(_)),
            Ref::Extern(_) => matches!(ty.heap_type(), HeapType::Extern),
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

    /// A null reference of type `ty`.
    pub fn null_ref(ty: &RefType) -> Val {
        match ty.heap_type() {
            HeapType::Extern => Val::ExternRef(None),
            _ => Val::FuncRef(None),
        }
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<Ref> {
        match *self {
            Val::FuncRef(f) => Some(Ref::Func(f)),
            Val::ExternRef(e) => Some(Ref::Extern(e)),
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
            Val::FuncRef(f) => out[0] = Ref::Func(f).to_slot(store),
            Val::ExternRef(e) => out[0] = Ref::Extern(e).to_slot(store),
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
            ValType::Ref(r) => match Ref::from_slot(slots[0], r, store) {
                Ref::Func(f) => Val::FuncRef(f),
                Ref::Extern(e) => Val::ExternRef(e),
            },
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
impl From<Ref> for Val {
    fn from(r: Ref) -> Self {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
        }
    }
}

/// The address of a store's function entry as a funcref slot.
pub(crate) fn func_slot(entry: &FuncEntry) -> Slot {
    entry.as_ref_slot()
}
