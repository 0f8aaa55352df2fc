//! The boundary between the embedding API and the executor: the only place in `tandem` that
//! hands raw VM pointers to the interpreter.

#[cfg(tandem_jit)]
use std::sync::Arc;
#[cfg(tandem_jit)]
use std::sync::atomic::Ordering;

use tandem_interp::exec::{self, ExecError, Host};
use tandem_interp::vm::{FuncEntry, Slot, VmCtx};

use super::{Caller, Func, HostFunc};
#[cfg(tandem_jit)]
use crate::engine::Engine;
use crate::error::{Error, Result, Trap, TrapReason};
#[cfg(tandem_jit)]
use crate::jit::LoopEntry;
use crate::store::{StoreInner, StoreOpaque};
use crate::tag::{Tag, ThrownException};
use crate::values::Val;

/// Runs `func` with its arguments in `io`, leaving the results at the start of `io`.
pub(crate) fn call_raw<T>(store: &mut StoreInner<T>, func: Func, io: &mut [Slot]) -> Result<()> {
    let entry: *const FuncEntry = func.entry(&store.opaque);
    call_entry(store, entry, io)
}

/// Runs the function of `entry`, one of this store's entries, with its arguments in `io`.
fn call_entry<T>(
    store: &mut StoreInner<T>,
    entry: *const FuncEntry,
    io: &mut [Slot],
) -> Result<()> {
    let store_ptr: *mut StoreInner<T> = store;
    execute_entry(store, entry, io).map_err(|e| {
        // SAFETY: the call has returned; `store_ptr` is the same exclusive borrow as `store`.
        into_error(e, &unsafe { &*store_ptr }.opaque)
    })
}

/// As [`call_entry`], with the executor's error.
fn execute_entry<T>(
    store: &mut StoreInner<T>,
    entry: *const FuncEntry,
    io: &mut [Slot],
) -> Result<(), ExecError<Error>> {
    let mut stack = store.opaque.enter().map_err(|error| ExecError::Host {
        error,
        backtrace: Vec::new(),
    })?;
    let store_ptr: *mut StoreInner<T> = store;
    let mut host = HostCalls { store: store_ptr };
    // SAFETY: `entry` is a boxed entry of this store, and everything it reaches (instance
    // contexts, memories, tables, globals, other entries) is owned by the store, which outlives
    // the call; the store is only reached again through `store_ptr`, by host functions, while
    // the executor holds no reference into it across those calls. `io` was sized by the caller
    // to the larger of the parameter and result slots.
    let result = unsafe { exec::execute(&mut stack, &mut host, entry, io) };
    // SAFETY: the executor has returned; `store_ptr` is the same exclusive borrow as `store`.
    let store = unsafe { &mut *store_ptr };
    store.opaque.leave(stack);
    result
}

fn into_error(e: ExecError<Error>, store: &StoreOpaque) -> Error {
    match e {
        ExecError::Exception { exnref, .. } => {
            let exception = &store.exceptions[(exnref - 1) as usize];
            let tag = Tag {
                store_id: store.id,
                index: exception.tag,
            };
            let ty = store.tags[exception.tag as usize].ty.ty().clone();
            let mut at = 0;
            let payload = ty
                .params()
                .map(|t| {
                    let v = Val::read_slots(&t, store, &exception.payload[at..]);
                    at += t.slots();
                    v
                })
                .collect();
            Error::Exception(Box::new(ThrownException { tag, payload }))
        }
        ExecError::Trap { code, backtrace } => Error::Trap(Trap {
            reason: TrapReason::Code(code),
            backtrace,
        }),
        // A trap that already carries its (inner) backtrace gains the frames of the wasm
        // calls around it; an exit request passes through unchanged.
        ExecError::Host { error, backtrace } => error.with_outer_frames(backtrace),
        ExecError::Compile(e) => Error::Compile(e),
    }
}

struct HostCalls<T> {
    store: *mut StoreInner<T>,
}

impl<T> Host for HostCalls<T> {
    type Error = Error;

    fn call_host(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<()> {
        // SAFETY: the executor calls hosts only while `call_raw` runs, during which the store
        // is borrowed exclusively by this `HostCalls`; no other reference to it is live.
        let store = unsafe { &mut *self.store };
        // SAFETY: a non-null caller is the context of a live instance of this store.
        let instance = (!caller.is_null()).then(|| unsafe { (*caller).embedder_data });
        // Not a clone of the `Arc`: two atomic updates per call, where the store keeps every
        // host function it has for as long as it lives.
        let host: *const HostFunc<T> = Arc::as_ptr(&store.host_funcs[entry.index as usize]);
        // Handles the function makes are released when it returns: what it gives back to
        // wasm, wasm keeps alive.
        let roots = store.opaque.root_mark_mut();
        // SAFETY: the function is in its own allocation, which the store drops only with
        // itself; the callback may add host functions, which moves the `Arc`s, not that.
        let result = unsafe { ((*host).callback)(Caller { store, instance }, io) };
        // SAFETY: as above; the callback's borrow of the store has ended.
        unsafe { &mut *self.store }.opaque.release_roots_mut(roots);
        result
    }

    fn gc(&mut self) {
        // SAFETY: as in `call_host`: the executor asks while `call_raw` runs.
        unsafe { &mut *self.store }.opaque.collect_garbage();
    }

    fn exception(&mut self, error: Error) -> Result<Slot> {
        match error {
            // SAFETY: as in `call_host`.
            Error::Exception(thrown) => unsafe { &mut *self.store }.opaque.exception_slot(&thrown),
            error => Err(error),
        }
    }

    #[cfg(tandem_jit)]
    fn call_native(
        &mut self,
        entry: &FuncEntry,
        io: &mut [Slot],
    ) -> Result<tandem_interp::exec::NativeReturn> {
        // SAFETY: the executor asks only for entries whose native code the Cranelift tier
        // installed, of this store's live instances, with `io` sized for the call; the store
        // is reached only through `self` meanwhile.
        unsafe { crate::jit::call_native(self, entry, io) }
    }

    #[cfg(tandem_jit)]
    fn tier_up(&mut self, entry: &FuncEntry) -> bool {
        // Asked again every few calls while a compilation is under way: no reference counts
        // change here.
        let Some((native, engine)) = self.native_code(entry) else {
            return false;
        };
        crate::jit::tier_up(native, entry, engine)
    }

    #[cfg(tandem_jit)]
    fn osr(
        &mut self,
        entry: &FuncEntry,
        loop_offset: u32,
        frame: &mut [Slot],
    ) -> Result<Option<tandem_interp::exec::NativeReturn>> {
        let Some((native, engine)) = self.native_code(entry) else {
            return Ok(None);
        };
        // The call below borrows `self`.
        let (native, engine) = (native.clone(), engine.clone());
        let code = match native.loop_entry(entry.index, loop_offset, &engine) {
            LoopEntry::InFunction { code, position } => {
                // The function's code takes the request before anything else.
                // SAFETY: a wasm entry's context is live while the entry is.
                unsafe { &*entry.vmctx }.request_loop_entry(position, frame.as_mut_ptr());
                code
            }
            LoopEntry::Separate(code) => code,
            LoopEntry::Later => {
                crate::jit::rearm_nested_osr(entry, &engine);
                return Ok(None);
            }
            LoopEntry::Pending | LoopEntry::None => return Ok(None),
        };
        engine
            .native_stats_counters()
            .loop_transfers
            .fetch_add(1, Ordering::Relaxed);
        // Later calls should not start in the interpreter either.
        crate::jit::tier_up(&native, entry, &engine);
        // SAFETY: `code` is the function's array-call entry told to start at the loop at
        // `loop_offset`, or an entry compiled for that loop; either is entered with the locals
        // in `frame`, which has room for the results too; the store is reached only through
        // `self` meanwhile.
        let returned = unsafe { crate::jit::call_compiled(self, entry, code, frame, true) };
        // SAFETY: as above. The code cleared the request; nothing may find it set if it did not
        // get that far.
        unsafe { &*entry.vmctx }.clear_loop_entry_request();
        let returned = returned?;
        crate::jit::rearm_osr(entry, &engine);
        Ok(Some(returned))
    }
}

#[cfg(tandem_jit)]
impl<T> HostCalls<T> {
    /// The native code of `entry`'s module, if its instance's strategy compiles, and the
    /// engine.
    fn native_code(&self, entry: &FuncEntry) -> Option<(&Arc<crate::jit::NativeCode>, &Engine)> {
        // SAFETY: as in `call_host`.
        let store = unsafe { &*self.store };
        // SAFETY: a wasm entry's context is live while the entry is.
        let instance = unsafe { (*entry.vmctx).embedder_data };
        let native = store.opaque.instances[instance]._native.as_ref()?;
        Some((native, &store.opaque.engine))
    }
}

#[cfg(tandem_jit)]
impl<T> crate::jit::StoreCalls for HostCalls<T> {
    fn call_host(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<()> {
        Host::call_host(self, entry, caller, io)
    }

    fn call_interpreted(
        &mut self,
        entry: &FuncEntry,
        io: &mut [Slot],
    ) -> Result<(), crate::jit::CallError> {
        // SAFETY: as in `call_host`: compiled code calls back only while the store is
        // borrowed by this `HostCalls`.
        let store = unsafe { &mut *self.store };
        execute_entry(store, entry, io).map_err(|e| match e {
            ExecError::Exception { exnref, .. } => crate::jit::CallError::Exception(exnref),
            // SAFETY: as above; the call has returned.
            e => crate::jit::CallError::Error(into_error(e, &unsafe { &*self.store }.opaque)),
        })
    }

    fn exception(&mut self, error: Error) -> Result<Slot> {
        Host::exception(self, error)
    }

    fn gc(&mut self) {
        Host::gc(self)
    }
}

/// The `Func` behind a funcref slot.
pub(crate) fn func_from_slot(slot: Slot, store: &StoreOpaque) -> Option<Func> {
    if slot == 0 {
        return None;
    }
    // SAFETY: non-null funcref slots are only ever made from this store's boxed entries
    // (`FuncEntry::as_ref_slot`), which live as long as the store.
    let entry = unsafe { &*(slot as usize as *const FuncEntry) };
    Some(Func {
        store_id: store.id,
        index: entry.store_index,
    })
}
