//! The conventions compiled code follows at its boundaries: how it is called, how it reports
//! traps, and how it calls other functions.
//!
//! # Array call
//!
//! Every compiled function has the signature [`ArrayCallFn`]:
//!
//! ```text
//! unsafe extern "C" fn(vmctx: *mut VmCtx, values: *mut u64) -> u32
//! ```
//!
//! `vmctx` is the context of the instance that defines the function. `values` points at
//! `max(param_slots, result_slots)` 64-bit slots (the interpreter's register layout, see
//! [`tandem_interp::vm::Slot`]): on entry they hold the parameters, on a successful return the
//! results, both from slot 0 up, one value after the other. An `i32` or `f32` occupies the low
//! 32 bits of its slot and compiled code writes the high 32 bits as zero, as the interpreter
//! does; a `v128` takes two slots, its low 64 bits in the first (so its 16 bytes are in
//! little-endian order). After a trap the contents of `values` are unspecified.
//!
//! # OSR entries
//!
//! An on-stack-replacement entry ([`crate::JitCompiler::compile_osr`]) has the same
//! signature and conventions, except that on entry `values` holds *all* the function's
//! locals (parameters, then declared locals, in the same layout) as they are at the header
//! of one of its loops, so it must have room for `max(local_slots, result_slots)` slots.
//! Execution starts at that loop header as if a back edge had just been taken (the header's
//! fuel charge and epoch check included, the function entry's not); the results are
//! returned as after a normal call.
//!
//! # Loop entries
//!
//! A call's code compiled with [`crate::JitOptions::loop_entries`] is also an OSR entry at
//! each loop listed in [`crate::CompiledCode::loop_entries`], without code of its own. To
//! enter at entry `k` of that list, the embedder stores `k` in `VmCtx::osr_loop`, then the
//! address of the slots holding the running call's locals (as for an OSR entry) in
//! `VmCtx::osr_values`, and calls the function's array-call entry with `values` pointing at
//! those same slots. The code reads the request before anything else, clears
//! `osr_values`, checks the stack limit and continues at the loop's header as an OSR entry
//! does; the results come back as after a normal call. `osr_values` is null whenever no
//! such call is about to start.
//!
//! # Status
//!
//! The `u32` returned by compiled code, by [`CallHelper`]s and by the built-ins is a status:
//!
//! - [`STATUS_OK`] (`0`): the function returned normally.
//! - `1 + (code as u8)` for a [`TrapCode`] `code` (see [`trap_status`]): a wasm trap.
//! - [`STATUS_TAIL_CALL`]: the function made a tail call that is still to be made (see
//!   below); never seen by an embedder that calls compiled code through
//!   [`crate::CompiledCode::call`] or [`resolve_tail_calls`].
//! - [`STATUS_EXCEPTION`]: a wasm exception left the function (see below).
//! - [`STATUS_EMBEDDER_MIN`] and above: a stop defined by the embedder (a host function's
//!   error, an uncaught exception, ...), whose details the embedder keeps itself. Compiled code
//!   never produces such a status but returns any non-zero status a callee returned unchanged,
//!   so it reaches the embedder that called into compiled code.
//!
//! [`decode_status`] turns a status back into a [`Status`].
//!
//! # Wasm call
//!
//! A compiled function (not an OSR entry) also has an entry with the *wasm-call* convention,
//! which compiled code uses to call it: Cranelift's `tail` calling convention with the
//! callee's context and the wasm parameters as arguments, returning the status followed by
//! the wasm results. A function with more than one result instead takes the address of value
//! slots for them as its last argument (laid out as in the array call) and returns the status
//! only. The results are meaningful only with [`STATUS_OK`]. The array-call entry is a small
//! wrapper that reads the parameters from the slots and calls the wasm-call one. The embedder
//! stores the wasm-call entry in `FuncEntry::native_wasm_call` before storing the array-call
//! one in `FuncEntry::native`.
//!
//! # Calls
//!
//! Compiled code calls a function whose entry has wasm-call code
//! (`FuncEntry::native_wasm_call` set), and itself, directly with the wasm-call convention
//! and the callee's own context; it calls every other function (`call`, `call_indirect`,
//! `call_ref`) through a [`CallHelper`] the embedder provides (see
//! [`crate::JitCompiler::set_call_helper`]), with the arguments and results in value slots,
//! and the helper must run a callee with native code through its array-call entry. For
//! `call_indirect`, the compiled code has already checked the table bounds, the null entry and
//! the signature; for `call_ref`, the null reference.
//!
//! # Tail calls
//!
//! `return_call` of the function itself is a jump back to its start. Any other tail call
//! (`return_call`, `return_call_indirect`, `return_call_ref`) leaves the compiled function
//! with [`STATUS_TAIL_CALL`] after recording the callee and its arguments for the current
//! thread; whoever called the compiled function then makes the call with
//! [`resolve_tail_calls`], in a loop, so chains of tail calls of any length run in constant
//! native stack, as they do in the interpreter. Compiled code does this by itself for the
//! callees it calls through the helper; an embedder calling compiled code directly must pass
//! the status it gets to [`resolve_tail_calls`] (a helper running a compiled callee returns
//! the callee's status unchanged, at once).
//!
//! # Exceptions
//!
//! A wasm exception leaves a function as [`STATUS_EXCEPTION`], the exception's `exnref` (see
//! [`tandem_interp::vm::exception`]) in `VmLimits::thrown` of the store. `throw` creates the
//! exception and `throw_ref` takes one; either, and a callee's [`STATUS_EXCEPTION`], goes to
//! the handlers of the `try_table`s around it in the function first, and leaves the function
//! only if none catches it. A [`CallHelper`] whose callee (interpreted or host) ends with an
//! exception sets `VmLimits::thrown` and returns [`STATUS_EXCEPTION`], so compiled handlers
//! catch it; an embedder that gets [`STATUS_EXCEPTION`] from compiled code finds the
//! exception there, to throw it on.
//!
//! # GC references
//!
//! References of the `any` and `extern` hierarchies are slots like any other reference (see
//! [`tandem_interp::vm::gc`]); GC objects among them live in the store's
//! [`GcHeap`](tandem_interp::vm::gc::GcHeap). Compiled code keeps them in its registers and
//! stack frame without recording where, so an embedder that runs compiled code of a store
//! with a GC heap declares the native stack it runs on
//! ([`GcHeap::set_native_top`](tandem_interp::vm::gc::GcHeap::set_native_top)) for
//! collections to scan conservatively. An address compiled code derives from a reference
//! (a field's, say) and keeps in its stead keeps the object alive too.
//!
//! Compiled code allocates objects through built-ins that share the interpreter's code
//! ([`tandem_interp::vm::objects`]). When the heap asks for a collection first, they call the
//! embedder's [`GcHelper`] (see [`crate::JitCompiler::set_gc_helper`]), which collects with
//! every root the embedder knows of.
//!
//! # Stack limit
//!
//! With [`crate::JitOptions::stack_check`] (the default), every compiled function compares
//! its stack pointer with `VmLimits::stack_limit` on entry and traps with
//! [`TrapCode::StackOverflow`] below it, so deep recursion through compiled code stops with a
//! trap instead of overrunning the native stack. The embedder sets the limit when entering
//! wasm from the host (its stack pointer minus the budget of wasm, leaving headroom below the
//! limit for one frame and the helpers); `0` disables the check.

use tandem_interp::TrapCode;
use tandem_interp::vm::{FuncEntry, Slot, VmCtx};

pub use crate::builtins::{make_tail_call, resolve_tail_calls, take_pending_tail_call};

/// The native signature of every compiled function (the array-call convention).
///
/// # Safety
///
/// `vmctx` must be the live context of the instance the function was compiled for, with every
/// memory, global, table and function entry it points at valid and not used elsewhere during
/// the call, and `values` must point at `max(param_slots, result_slots)` writable slots.
pub type ArrayCallFn = unsafe extern "C" fn(vmctx: *mut VmCtx, values: *mut Slot) -> u32;

/// The function compiled code calls for `call` and `call_indirect`.
///
/// `caller` is the calling function's context, `callee` the entry of the function to call (any
/// kind: wasm of any instance, or host) and `values` holds `max(param_slots, result_slots)` of
/// the callee's slots, its arguments on entry; the helper leaves the callee's results there.
/// It returns a status (see the module documentation): compiled code propagates any non-zero
/// status to its own caller at once.
///
/// A helper that runs a compiled callee returns the callee's status as is, at once, including
/// [`STATUS_TAIL_CALL`] (compiled code resolves it). Compiled callees check the native stack
/// limit on entry (see the module documentation); without that check (`VmLimits::stack_limit`
/// of `0` or [`crate::JitOptions::stack_check`] off) a helper that runs compiled callees must
/// bound their nesting itself (returning the [`TrapCode::StackOverflow`] status) before the
/// native stack runs out. After a call, compiled code reloads the lengths of its memories, so
/// the callee may grow them.
///
/// # Safety
///
/// Compiled code passes pointers that are valid for the call; the helper must uphold the
/// array-call contract of any compiled function it runs.
pub type CallHelper =
    unsafe extern "C" fn(caller: *mut VmCtx, callee: *const FuncEntry, values: *mut Slot) -> u32;

/// The function compiled code calls before an allocation that the store's GC heap wants a
/// collection for: it collects garbage with every root the embedder knows of, the native
/// stack of compiled code included (see the module documentation). `vmctx` is the context of
/// the allocating function's instance.
///
/// # Safety
///
/// Compiled code calls it with its own, live context, on the thread it runs on.
pub type GcHelper = unsafe extern "C" fn(vmctx: *mut VmCtx);

/// The status of a normal return.
pub const STATUS_OK: u32 = 0;

/// The status of a trap with code `0` (`1 + code` in general).
pub const STATUS_TRAP_BASE: u32 = 1;

/// The status of a function that made a tail call still to be made: pass it to
/// [`resolve_tail_calls`].
pub const STATUS_TAIL_CALL: u32 = 0xff;

/// The status of a function that an exception left: its `exnref` is in `VmLimits::thrown`.
pub const STATUS_EXCEPTION: u32 = 0xfe;

/// The smallest status the embedder may define for its own stops; compiled code passes them
/// through unchanged.
pub const STATUS_EMBEDDER_MIN: u32 = 0x100;

/// Every [`TrapCode`], in discriminant order, so that a status can be decoded without
/// transmuting. A test checks that position and discriminant agree.
pub(crate) const TRAP_CODES: [TrapCode; 18] = [
    TrapCode::Unreachable,
    TrapCode::IntegerOverflow,
    TrapCode::IntegerDivisionByZero,
    TrapCode::BadConversionToInteger,
    TrapCode::MemoryOutOfBounds,
    TrapCode::TableOutOfBounds,
    TrapCode::IndirectCallToNull,
    TrapCode::UndefinedElement,
    TrapCode::BadSignature,
    TrapCode::NullReference,
    TrapCode::StackOverflow,
    TrapCode::OutOfFuel,
    TrapCode::Interrupt,
    TrapCode::UnalignedAtomic,
    TrapCode::AtomicWaitNonSharedMemory,
    TrapCode::ArrayOutOfBounds,
    TrapCode::AllocationTooLarge,
    TrapCode::CastFailure,
];

/// The status that reports trap `code`.
pub const fn trap_status(code: TrapCode) -> u32 {
    STATUS_TRAP_BASE + code as u8 as u32
}

/// What a status means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A normal return.
    Ok,
    /// A wasm trap.
    Trap(TrapCode),
    /// A tail call still to be made (see [`resolve_tail_calls`]).
    TailCall,
    /// A wasm exception, whose `exnref` is in `VmLimits::thrown`.
    Exception,
    /// A stop the embedder defined (or a trap code this crate does not know).
    Embedder(u32),
}

/// Decodes a status returned by compiled code.
pub fn decode_status(status: u32) -> Status {
    match status {
        STATUS_OK => Status::Ok,
        STATUS_TAIL_CALL => Status::TailCall,
        STATUS_EXCEPTION => Status::Exception,
        s if s < STATUS_EMBEDDER_MIN => TRAP_CODES
            .get((s - STATUS_TRAP_BASE) as usize)
            .map_or(Status::Embedder(s), |&code| Status::Trap(code)),
        s => Status::Embedder(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_table_matches_discriminants() {
        for (index, code) in TRAP_CODES.iter().enumerate() {
            assert_eq!(*code as u8 as usize, index, "{code:?}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        assert_eq!(decode_status(STATUS_OK), Status::Ok);
        assert_eq!(decode_status(STATUS_TAIL_CALL), Status::TailCall);
        assert_eq!(decode_status(STATUS_EXCEPTION), Status::Exception);
        assert!(TRAP_CODES.iter().all(|&code| {
            trap_status(code) != STATUS_TAIL_CALL && trap_status(code) != STATUS_EXCEPTION
        }));
        for code in TRAP_CODES {
            assert_eq!(decode_status(trap_status(code)), Status::Trap(code));
        }
        assert_eq!(
            decode_status(STATUS_EMBEDDER_MIN),
            Status::Embedder(STATUS_EMBEDDER_MIN)
        );
    }
}
