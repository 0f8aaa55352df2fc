//! Statically typed calls: `TypedFunc` and host functions from Rust closures.

use std::marker::PhantomData;

use smallvec::SmallVec;
use tandem_interp::vm::Slot;

use super::{Caller, Func, HostFunc, call};
use crate::error::Result;
use crate::store::{AsContextMut, StoreOpaque};
use crate::types::{FuncType, HeapType, RefType, ValType};
use crate::values::{AnyRef, ExternRef, I31, V128};

/// A Rust type that is a wasm value type.
pub trait WasmTy: Send + Sized + 'static {
    /// Its wasm type.
    fn valtype() -> ValType;
    /// Writes the value to its slots.
    fn store_slots(self, store: &StoreOpaque, out: &mut [Slot]);
    /// Reads the value from its slots.
    fn load_slots(store: &StoreOpaque, slots: &[Slot]) -> Self;
}

macro_rules! num_ty {
    ($($ty:ty => $vt:ident, |$v:ident| $to:expr, |$s:ident| $from:expr;)*) => {$(
        impl WasmTy for $ty {
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn store_slots(self, _: &StoreOpaque, out: &mut [Slot]) {
                let $v = self;
                out[0] = $to;
            }
            fn load_slots(_: &StoreOpaque, slots: &[Slot]) -> Self {
                let $s = slots[0];
                $from
            }
        }
    )*};
}

num_ty! {
    i32 => I32, |v| v as u32 as Slot, |s| s as i32;
    u32 => I32, |v| v as Slot, |s| s as u32;
    i64 => I64, |v| v as Slot, |s| s as i64;
    u64 => I64, |v| v, |s| s;
    f32 => F32, |v| v.to_bits() as Slot, |s| f32::from_bits(s as u32);
    f64 => F64, |v| v.to_bits(), |s| f64::from_bits(s);
}

impl WasmTy for V128 {
    fn valtype() -> ValType {
        ValType::V128
    }
    fn store_slots(self, _: &StoreOpaque, out: &mut [Slot]) {
        let bits = self.as_u128();
        out[0] = bits as Slot;
        out[1] = (bits >> 64) as Slot;
    }
    fn load_slots(_: &StoreOpaque, slots: &[Slot]) -> Self {
        V128::from(slots[0] as u128 | (slots[1] as u128) << 64)
    }
}

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FUNCREF
    }
    fn store_slots(self, store: &StoreOpaque, out: &mut [Slot]) {
        out[0] = self.map_or(0, |f| f.to_slot(store));
    }
    fn load_slots(store: &StoreOpaque, slots: &[Slot]) -> Self {
        Func::from_slot(slots[0], store)
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::EXTERNREF
    }
    fn store_slots(self, store: &StoreOpaque, out: &mut [Slot]) {
        out[0] = self.map_or(0, |e| e.to_slot(store));
    }
    fn load_slots(store: &StoreOpaque, slots: &[Slot]) -> Self {
        ExternRef::from_slot(slots[0], store)
    }
}

impl WasmTy for Option<AnyRef> {
    fn valtype() -> ValType {
        ValType::Ref(RefType::ANYREF)
    }
    fn store_slots(self, store: &StoreOpaque, out: &mut [Slot]) {
        out[0] = self.map_or(0, |a| a.to_slot(store));
    }
    fn load_slots(store: &StoreOpaque, slots: &[Slot]) -> Self {
        AnyRef::from_slot(slots[0], store)
    }
}

/// A non-null `(ref i31)`.
impl WasmTy for I31 {
    fn valtype() -> ValType {
        ValType::Ref(RefType::new(false, HeapType::I31))
    }
    fn store_slots(self, _: &StoreOpaque, out: &mut [Slot]) {
        out[0] = tandem_interp::vm::gc::i31_slot(self.get_u32());
    }
    fn load_slots(_: &StoreOpaque, slots: &[Slot]) -> Self {
        I31::wrapping_u32(tandem_interp::vm::gc::i31_get_u(slots[0]))
    }
}

/// Parameters of a typed call: a [`WasmTy`], a tuple of them, or `()`.
pub trait WasmParams: Send + Sized + 'static {
    /// Their wasm types.
    fn valtypes() -> Vec<ValType>;
    /// Writes them to consecutive slots.
    fn store_all(self, store: &StoreOpaque, out: &mut [Slot]);
    /// Reads them from consecutive slots.
    fn load_all(store: &StoreOpaque, slots: &[Slot]) -> Self;
}

/// Results of a typed call: the same shapes as [`WasmParams`].
pub trait WasmResults: WasmParams {}
impl<T: WasmParams> WasmResults for T {}

impl<T: WasmTy> WasmParams for T {
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    fn store_all(self, store: &StoreOpaque, out: &mut [Slot]) {
        self.store_slots(store, out);
    }
    fn load_all(store: &StoreOpaque, slots: &[Slot]) -> Self {
        T::load_slots(store, slots)
    }
}

macro_rules! tuple_params {
    ($($t:ident)*) => {
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
            fn store_all(self, store: &StoreOpaque, out: &mut [Slot]) {
                let ($($t,)*) = self;
                let mut at = 0;
                $(
                    $t.store_slots(store, &mut out[at..]);
                    at += $t::valtype().slots();
                )*
            }
            #[allow(unused_variables, unused_mut, unused_assignments, clippy::unused_unit)]
            fn load_all(store: &StoreOpaque, slots: &[Slot]) -> Self {
                let mut at = 0;
                ($({
                    let v = $t::load_slots(store, &slots[at..]);
                    at += $t::valtype().slots();
                    v
                },)*)
            }
        }
    };
}

tuple_params!();
tuple_params!(A1);
tuple_params!(A1 A2);
tuple_params!(A1 A2 A3);
tuple_params!(A1 A2 A3 A4);
tuple_params!(A1 A2 A3 A4 A5);
tuple_params!(A1 A2 A3 A4 A5 A6);
tuple_params!(A1 A2 A3 A4 A5 A6 A7);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16);

/// What a host closure may return: results directly, or a `Result` of them.
pub trait WasmRet {
    /// The results' shape.
    type Results: WasmResults;
    /// Separates the results from an error.
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    fn into_result(self) -> Result<R> {
        self
    }
}

/// A Rust closure usable as a host function; `Params` and `Results` are inferred.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// Makes the store-independent host function.
    #[doc(hidden)]
    fn into_host_func(self) -> HostFunc<T>;
}

macro_rules! into_func {
    ($($t:ident)*) => {
        impl<T, F, $($t: WasmTy,)* R> IntoFunc<T, ($($t,)*), R> for F
        where
            F: Fn($($t),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_host_func(self) -> HostFunc<T> {
                let ty = FuncType::new(<($($t,)*)>::valtypes(), R::Results::valtypes());
                let callback = move |caller: Caller<'_, T>, io: &mut [Slot]| -> Result<()> {
                    let ($($t,)*) = <($($t,)*)>::load_all(&caller.store.opaque, io);
                    let results = self($($t),*).into_result()?;
                    results.store_all(&caller.store.opaque, io);
                    Ok(())
                };
                HostFunc { ty, callback: Box::new(callback) }
            }
        }

        impl<T, F, $($t: WasmTy,)* R> IntoFunc<T, (Caller<'_, T>, $($t,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($t),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_host_func(self) -> HostFunc<T> {
                let ty = FuncType::new(<($($t,)*)>::valtypes(), R::Results::valtypes());
                let callback = move |mut caller: Caller<'_, T>, io: &mut [Slot]| -> Result<()> {
                    let ($($t,)*) = <($($t,)*)>::load_all(&caller.store.opaque, io);
                    let results = self(caller.reborrow(), $($t),*).into_result()?;
                    results.store_all(&caller.store.opaque, io);
                    Ok(())
                };
                HostFunc { ty, callback: Box::new(callback) }
            }
        }
    };
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);

/// A function whose parameter and result types were checked once, for calls without
/// per-call type checks or `Val` conversions.
///
/// ```
/// use tandem::{Engine, Instance, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32)
///     local.get 0 local.get 1 i32.add))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
/// assert_eq!(add.call(&mut store, (2, 3))?, 5);
/// # Ok::<(), tandem::Error>(())
/// ```
pub struct TypedFunc<P, R> {
    func: Func,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P, R> std::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFunc")
            .field("func", &self.func)
            .finish()
    }
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub(crate) fn new(func: Func) -> Self {
        TypedFunc {
            func,
            _types: PhantomData,
        }
    }

    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R> {
        let store = store.as_context_mut().0;
        let entry = self.func.entry(&store.opaque);
        let len = entry.param_slots.max(entry.result_slots) as usize;
        let mut io: SmallVec<[Slot; 16]> = SmallVec::new();
        io.resize(len, 0);
        params.store_all(&store.opaque, &mut io);
        call::call_raw(store, self.func, &mut io)?;
        Ok(R::load_all(&store.opaque, &io))
    }
}
