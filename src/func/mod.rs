//! Functions: host functions, calls from the host, and the typed call path.

mod call;
mod typed;

use std::sync::Arc;

use smallvec::SmallVec;
use tandem_interp::vm::{FuncEntry, FuncKind, Slot};

pub use typed::{IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::store::{AsContext, AsContextMut, StoreInner, StoreOpaque};
use crate::types::FuncType;
use crate::values::Val;

/// The untyped body of a host function: arguments in, results out, through VM slots.
pub(crate) type HostCallback<T> = dyn Fn(Caller<'_, T>, &mut [Slot]) -> Result<()> + Send + Sync;

/// A host function as a store keeps it.
pub struct HostFunc<T> {
    pub(crate) ty: FuncType,
    pub(crate) callback: Box<HostCallback<T>>,
}

impl<T> HostFunc<T> {
    /// A host function taking and returning [`Val`]s.
    pub(crate) fn dynamic(
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        let signature = ty.clone();
        let callback = move |mut caller: Caller<'_, T>, io: &mut [Slot]| -> Result<()> {
            let store = &caller.store.opaque;
            let mut params: SmallVec<[Val; 8]> = SmallVec::new();
            let mut at = 0;
            for ty in signature.param_slice() {
                params.push(Val::read_slots(ty, store, &io[at..]));
                at += ty.slots();
            }
            let mut results: SmallVec<[Val; 4]> =
                signature.result_slice().iter().map(default_val).collect();
            func(caller.reborrow(), &params, &mut results)?;
            let store = &caller.store.opaque;
            let mut at = 0;
            for (val, ty) in results.iter().zip(signature.result_slice()) {
                if !val.matches(ty, store) {
                    return Err(Error::msg(format!(
                        "host function returned a {} where its type says {ty}",
                        val.ty()
                    )));
                }
                val.write_slots(store, &mut io[at..]);
                at += ty.slots();
            }
            Ok(())
        };
        HostFunc {
            ty,
            callback: Box::new(callback),
        }
    }
}

fn default_val(ty: &crate::types::ValType) -> Val {
    use crate::types::ValType;
    match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r),
    }
}

/// A function in a store: defined by a wasm instance or by the host.
///
/// ```
/// use tandem::{Engine, Func, Store, Val};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let double = Func::wrap(&mut store, |x: i32| x * 2);
/// let mut results = [Val::I32(0)];
/// double.call(&mut store, &[Val::I32(21)], &mut results)?;
/// assert_eq!(results[0].unwrap_i32(), 42);
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Func {
    /// A host function with a dynamic signature.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let store = store.as_context_mut().0;
        Func::from_host(store, Arc::new(HostFunc::dynamic(ty, func)))
    }

    /// A host function from a Rust closure, its signature inferred from the closure's types.
    /// The closure may take a [`Caller`] first, and return nothing, a value, a tuple, or a
    /// `Result` of those.
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut().0;
        Func::from_host(store, Arc::new(func.into_host_func()))
    }

    pub(crate) fn from_host<T>(store: &mut StoreInner<T>, host: Arc<HostFunc<T>>) -> Func {
        let engine = store.opaque.engine.clone();
        let ty = engine.register_func_type(&host.ty);
        let entry = FuncEntry {
            native: Default::default(),
            native_wasm_call: Default::default(),
            code: Default::default(),
            short_call: Default::default(),
            vmctx: std::ptr::null_mut(),
            sig: ty.id,
            // The engine's registry keeps the info alive for as long as the engine lives.
            ty: Arc::as_ptr(&ty),
            tier_counters: std::ptr::null(),
            kind: FuncKind::Host,
            index: store.host_funcs.len() as u32,
            store_index: store.opaque.funcs.len() as u32,
            param_slots: host.ty.param_slots() as u16,
            result_slots: host.ty.result_slots() as u16,
        };
        store.host_funcs.push(host);
        store.opaque.push_func(entry)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        self.ty_opaque(&store.as_context().0.opaque)
    }

    /// Calls the function. Argument and result counts and types are checked against the
    /// function's type; a mismatch is an error, not a panic.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        let ty = self.ty_opaque(&store.opaque);
        check_vals("argument", params, ty.param_slice(), &store.opaque)?;
        if results.len() != ty.result_slice().len() {
            return Err(Error::msg(format!(
                "expected {} result slots, got {}",
                ty.result_slice().len(),
                results.len()
            )));
        }
        let mut io: SmallVec<[Slot; 16]> = SmallVec::new();
        io.resize(ty.param_slots().max(ty.result_slots()), 0);
        let mut at = 0;
        for (val, t) in params.iter().zip(ty.param_slice()) {
            val.write_slots(&store.opaque, &mut io[at..]);
            at += t.slots();
        }
        call::call_raw(store, *self, &mut io)?;
        let mut at = 0;
        for (out, t) in results.iter_mut().zip(ty.result_slice()) {
            *out = Val::read_slots(t, &store.opaque, &io[at..]);
            at += t.slots();
        }
        Ok(())
    }

    /// A typed view of the function; fails if `P`/`R` do not match its type.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>> {
        let ty = self.ty(store);
        let params = P::valtypes();
        let results = R::valtypes();
        if params.as_slice() != ty.param_slice() || results.as_slice() != ty.result_slice() {
            return Err(Error::msg(format!(
                "type mismatch: the function has type {ty}, but the typed view is {}",
                FuncType::new(params, results)
            )));
        }
        Ok(TypedFunc::new(*self))
    }

    pub(crate) fn entry<'a>(&self, store: &'a StoreOpaque) -> &'a FuncEntry {
        store.check_owner(self.store_id);
        &store.funcs[self.index as usize]
    }

    pub(crate) fn to_slot(self, store: &StoreOpaque) -> Slot {
        crate::values::func_slot(self.entry(store))
    }

    pub(crate) fn from_slot(slot: Slot, store: &StoreOpaque) -> Option<Func> {
        call::func_from_slot(slot, store)
    }
}

impl Func {
    pub(crate) fn ty_opaque(&self, store: &StoreOpaque) -> FuncType {
        store.engine.func_type(self.entry(store).sig)
    }
}

pub(crate) fn check_vals(
    what: &str,
    vals: &[Val],
    types: &[crate::types::ValType],
    store: &StoreOpaque,
) -> Result<()> {
    if vals.len() != types.len() {
        return Err(Error::msg(format!(
            "expected {} {what}s, got {}",
            types.len(),
            vals.len()
        )));
    }
    for (i, (val, ty)) in vals.iter().zip(types).enumerate() {
        if !val.matches(ty, store) {
            return Err(Error::msg(format!(
                "{what} {i} has type {}, expected {ty}",
                val.ty()
            )));
        }
        if let Some(Some(f)) = val.funcref() {
            store.check_owner(f.store_id);
        }
    }
    Ok(())
}

/// The calling context of a host function: access to the store and to the calling instance's
/// exports.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    pub(crate) instance: Option<usize>,
}

impl<T> Caller<'_, T> {
    /// Collects garbage now (see [`Store::gc`](crate::Store::gc)); the calling wasm code's
    /// values stay alive.
    pub fn gc(&mut self) {
        self.store.opaque.collect_garbage();
    }

    /// An export of the calling instance (for example its `"memory"`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        self.store.opaque.instances[instance].export(name)
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.store.opaque.engine
    }

    /// Sets the fuel available to wasm.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.opaque.set_fuel(fuel)
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.opaque.get_fuel()
    }

    pub(crate) fn reborrow(&mut self) -> Caller<'_, T> {
        Caller {
            store: self.store,
            instance: self.instance,
        }
    }
}
