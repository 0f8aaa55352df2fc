//! The boundary between the embedding API and the executor: the only place in `tandem` that
//! hands raw VM pointers to the interpreter.

use tandem_interp::exec::{self, ExecError, Host};
use tandem_interp::vm::{FuncEntry, Slot, VmCtx};

use super::{Caller, Func};
use crate::error::{Error, Result, Trap, TrapReason};
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
    let mut stack = store.opaque.enter()?;
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
    result.map_err(|e| into_error(e, &store.opaque))
}

fn into_error(e: ExecError<Error>, store: &StoreOpaque) -> Error {
    match e {
        ExecError::Exception { exnref, .. } => {
            let exception = &store.exceptions[(exnref - 1) as usize];
            let tag = Tag {
                store_id: store.id,
                index: exception.tag,
            };
            let ty = store.tags[exception.tag as usize].ty().clone();
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
        ExecError::Host { error, backtrace } => match error {
            // An exit request, or a trap that already carries its (inner) backtrace, passes
            // through unchanged.
            Error::Exit(_) | Error::Trap(_) => error,
            error if backtrace.is_empty() => error,
            error => Error::Trap(Trap {
                reason: TrapReason::Host(Box::new(error)),
                backtrace,
            }),
        },
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
        let host = store.host_funcs[entry.index as usize].clone();
        (host.callback)(Caller { store, instance }, io)
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
        // SAFETY: as in `call_host`.
        let store = unsafe { &mut *self.store };
        // SAFETY: a wasm entry's context is live while the entry is.
        let vmctx = unsafe { &*entry.vmctx };
        let instance = &store.opaque.instances[vmctx.embedder_data];
        let Some(native) = &instance._native else {
            return false;
        };
        let (code, ask_again) = native.request(entry.index, &store.opaque.engine);
        if ask_again {
            // Check again after a few calls whether the background compilation finished.
            vmctx.tier_counters[entry.index as usize]
                .calls
                .store(TIER_UP_RECHECK, std::sync::atomic::Ordering::Relaxed);
        }
        if code.is_null() {
            return false;
        }
        entry
            .native
            .store(code, std::sync::atomic::Ordering::Release);
        true
    }

    #[cfg(tandem_jit)]
    fn osr(&mut self, entry: &FuncEntry, loop_offset: u32, frame: &mut [Slot]) -> Result<bool> {
        // SAFETY: as in `call_host`.
        let store = unsafe { &mut *self.store };
        // SAFETY: a wasm entry's context is live while the entry is.
        let vmctx = unsafe { &*entry.vmctx };
        let Some(native) = store.opaque.instances[vmctx.embedder_data]._native.clone() else {
            return Ok(false);
        };
        let code = native.osr_entry(entry.index, loop_offset);
        if code.is_null() {
            return Ok(false);
        }
        // Later calls should not start in the interpreter either: compile the whole
        // function, and while that is under way check again after a few calls.
        let (whole, ask_again) = native.request(entry.index, &store.opaque.engine);
        if !whole.is_null() {
            entry
                .native
                .store(whole, std::sync::atomic::Ordering::Release);
        } else if ask_again {
            vmctx.tier_counters[entry.index as usize]
                .calls
                .store(TIER_UP_RECHECK, std::sync::atomic::Ordering::Relaxed);
        }
        // SAFETY: `code` was compiled for this function's loop at `loop_offset`, entered with
        // the locals in `frame`, which has room for the results too; the store is reached
        // only through `self` meanwhile.
        unsafe { crate::jit::call_compiled(self, entry, code, frame, false)? };
        // Until the whole function is compiled, its next calls start on the interpreter: let
        // them move to this loop entry as soon as the first call did.
        // SAFETY: as in `call_host`.
        let store = unsafe { &mut *self.store };
        if !entry.has_native_code() {
            let back_edges = store.opaque.engine.config().tier_up_back_edges;
            vmctx.tier_counters[entry.index as usize]
                .back_edges
                .store(back_edges, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(true)
    }
}

/// Calls after which a function whose background compilation is under way checks again.
#[cfg(tandem_jit)]
const TIER_UP_RECHECK: u32 = 16;

#[cfg(tandem_jit)]
impl<T> crate::jit::StoreCalls for HostCalls<T> {
    fn call_host(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<()> {
        Host::call_host(self, entry, caller, io)
    }

    fn call_interpreted(&mut self, entry: &FuncEntry, io: &mut [Slot]) -> Result<()> {
        // SAFETY: as in `call_host`: compiled code calls back only while the store is
        // borrowed by this `HostCalls`.
        let store = unsafe { &mut *self.store };
        call_entry(store, entry, io)
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
