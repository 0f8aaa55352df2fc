//! Runtime functions that compiled code calls for work too large to inline.
//!
//! Compiled code reaches them through their address, embedded as a constant, with the host's
//! C calling convention; none of them may unwind, and none of them panics on the operands
//! compiled code passes (indices were validated; bounds are checked here, except by
//! [`fill_bytes`] and [`copy_bytes`], whose callers check them inline). Each mirrors the
//! interpreter's handler of the same operator, traps included: the ones that can trap return
//! a status (see [`crate::abi`]). Addresses, table indices and lengths arrive zero-extended to
//! 64 bits when they are `i32`s, which is how the interpreter reads them.

use std::cell::RefCell;

use tandem_interp::TrapCode;
use tandem_interp::isa::CastTarget;
use tandem_interp::vm::exception::exception;
use tandem_interp::vm::objects::{self, Segment};
use tandem_interp::vm::{FuncEntry, SigId, Slot, VmCtx, parking};

use crate::abi::{
    CallHelper, GcHelper, STATUS_EXCEPTION, STATUS_OK, STATUS_TAIL_CALL, trap_status,
};

/// Whether `len` elements from `start` lie within `size`.
fn in_bounds(start: u64, len: u64, size: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size)
}

/// The status of a built-in that either succeeds or traps with `code`.
fn status(ok: bool, code: TrapCode) -> u32 {
    if ok { STATUS_OK } else { trap_status(code) }
}

/// `memory.atomic.wait32` (`width` 4) or `wait64` (8) at `address`, an aligned, in-bounds
/// address of a shared memory that compiled code has checked: blocks while the value there
/// is `expected` (for `wait32`, its low 32 bits), until notified or `timeout` nanoseconds
/// have passed (forever if negative). Returns the wait's result code, as the interpreter's
/// handler does.
///
/// # Safety
///
/// `address` must be valid for `width` bytes and aligned to `width`.
pub(crate) unsafe extern "C" fn atomic_wait(
    address: *mut u8,
    width: u32,
    expected: u64,
    timeout: u64,
) -> u32 {
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
    // SAFETY: guaranteed by the caller, for the whole wait: memories are never unmapped
    // while code runs in them.
    let holds = || unsafe {
        if width == 4 {
            u32::from_le(AtomicU32::from_ptr(address.cast()).load(SeqCst)) as u64
                == expected as u32 as u64
        } else {
            u64::from_le(AtomicU64::from_ptr(address.cast()).load(SeqCst)) == expected
        }
    };
    let timeout = timeout as i64;
    let timeout = (timeout >= 0).then(|| std::time::Duration::from_nanos(timeout as u64));
    parking::wait(address as usize, holds, timeout) as u32
}

/// `throw` of tag `tag` (an index into the instance's tags) with the payload in the slots at
/// `payload`: creates the exception, records it as the one being thrown and returns the
/// exception status.
///
/// # Safety
///
/// `vmctx` must be a live context, used by nothing else during the call, with a tag `tag`, and
/// `payload` must hold that tag's payload slots.
pub(crate) unsafe extern "C" fn throw(vmctx: *mut VmCtx, tag: u32, payload: *const Slot) -> u32 {
    // SAFETY: guaranteed by the caller; the store's limits and exception list outlive its
    // instances' contexts.
    unsafe {
        let ctx = &*vmctx;
        let payload = std::slice::from_raw_parts(payload, ctx.tag_payload_slots(tag));
        let exn = ctx.new_exception(tag, payload);
        (*ctx.limits).thrown = exn;
    }
    STATUS_EXCEPTION
}

/// A `catch` clause of tag `tag` (an index into the instance's tags): if the exception being
/// thrown has that tag, copies its payload to the slots at `payload` and returns its
/// `exnref`; returns `0` otherwise.
///
/// # Safety
///
/// `vmctx` must be a live context with a tag `tag`, while an exception is being thrown, and
/// `payload` must have room for that tag's payload slots.
pub(crate) unsafe extern "C" fn catch(vmctx: *mut VmCtx, tag: u32, payload: *mut Slot) -> u64 {
    // SAFETY: guaranteed by the caller; `thrown` holds an exception of the store while its
    // status is passed up.
    unsafe {
        let ctx = &*vmctx;
        let exn = (*ctx.limits).thrown;
        let exception = exception(ctx.limits, exn);
        if exception.tag != ctx.tag_ids[tag as usize] {
            return 0;
        }
        std::ptr::copy_nonoverlapping(exception.payload.as_ptr(), payload, exception.payload.len());
        exn
    }
}

/// `memory.atomic.notify` at `address`, checked by compiled code: wakes up to `count`
/// waiters there and returns how many it woke.
pub(crate) extern "C" fn atomic_notify(address: *mut u8, count: u32) -> u32 {
    parking::notify(address as usize, count)
}

/// `memory.grow` of memory `index`: grows it by `delta` pages and returns the old size in
/// pages, or `u64::MAX` when the memory cannot grow that far (compiled code narrows the result
/// to the memory's index type, so a 32-bit memory sees `-1`).
///
/// # Safety
///
/// `vmctx` must be a live context with a memory `index`.
pub(crate) unsafe extern "C" fn memory_grow(vmctx: *mut VmCtx, index: u32, delta: u64) -> u64 {
    // SAFETY: compiled code passes the context it runs in, which the caller of compiled code
    // guarantees to be live; a context's memory owners outlive it.
    let (memory, limit) = unsafe {
        (
            &*(*vmctx).memory_owner(index),
            (*(*vmctx).limits).max_memory_bytes,
        )
    };
    // The store's resource limit applies as in the interpreter's `memory.grow`.
    let within_limit = memory
        .pages()
        .checked_add(delta)
        .and_then(|pages| pages.checked_mul(memory.page_size()))
        .is_some_and(|bytes| bytes <= limit);
    if !within_limit {
        return u64::MAX;
    }
    memory.grow(delta).unwrap_or(u64::MAX)
}

/// The bytes of a `memory.fill` whose range compiled code has checked: `n` bytes from `dst`
/// set to the low byte of `value`.
///
/// # Safety
///
/// `dst` must be valid for writes of `n` bytes.
pub(crate) unsafe extern "C" fn fill_bytes(dst: *mut u8, value: u32, n: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe { std::ptr::write_bytes(dst, value as u8, n) };
}

/// The bytes of a `memory.copy` whose ranges compiled code has checked: `n` bytes from `src`
/// to `dst`, overlapping ranges copied as `memmove` does.
///
/// # Safety
///
/// `src` must be valid for reads and `dst` for writes of `n` bytes.
pub(crate) unsafe extern "C" fn copy_bytes(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: guaranteed by the caller; `copy` allows overlap.
    unsafe { std::ptr::copy(src, dst, n) };
}

/// `memory.init`: `n` bytes from `s` in data segment `segment` (empty once dropped) to `d` in
/// memory `mem`.
///
/// # Safety
///
/// `vmctx` must be a live context with a memory `mem` and a data segment `segment`.
pub(crate) unsafe extern "C" fn memory_init(
    vmctx: *mut VmCtx,
    mem: u32,
    segment: u32,
    d: u64,
    s: u32,
    n: u32,
) -> u32 {
    // SAFETY: as in `memory_fill`; nothing else uses the context during the call.
    let ctx = unsafe { &*vmctx };
    // SAFETY: as in `memory_fill`.
    let memory = unsafe { &*ctx.memory(mem) };
    let data: &[u8] = if ctx.data_dropped[segment as usize] {
        &[]
    } else {
        ctx.module.info.data_bytes(segment)
    };
    let (s, n) = (u64::from(s), u64::from(n));
    let ok = in_bounds(d, n, memory.len() as u64) && in_bounds(s, n, data.len() as u64);
    if ok {
        // SAFETY: both ranges are in bounds (checked above) and the segment's bytes belong
        // to the module, not to the memory.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr().add(s as usize),
                memory.base.add(d as usize),
                n as usize,
            )
        };
    }
    status(ok, TrapCode::MemoryOutOfBounds)
}

/// `data.drop` of data segment `segment`.
///
/// # Safety
///
/// `vmctx` must be a live context, used by nothing else during the call, with a data segment
/// `segment`.
pub(crate) unsafe extern "C" fn data_drop(vmctx: *mut VmCtx, segment: u32) {
    // SAFETY: guaranteed by the caller.
    let dropped = unsafe { &mut (*vmctx).data_dropped };
    dropped[segment as usize] = true;
}

/// `table.grow` of table `table` by `delta` elements set to `init`: returns the old size, or
/// `u64::MAX` when the table cannot grow that far.
///
/// # Safety
///
/// `vmctx` must be a live context, used by nothing else during the call, with a table
/// `table`.
pub(crate) unsafe extern "C" fn table_grow(
    vmctx: *mut VmCtx,
    table: u32,
    init: u64,
    delta: u64,
) -> u64 {
    // SAFETY: guaranteed by the caller; table owners outlive the context.
    let (table, limit) = unsafe {
        (
            &mut *(*vmctx).table_owner(table),
            (*(*vmctx).limits).max_table_elements,
        )
    };
    let within_limit = table.len().checked_add(delta).is_some_and(|n| n <= limit);
    if !within_limit {
        return u64::MAX;
    }
    table.grow(delta, init).unwrap_or(u64::MAX)
}

/// `table.fill`: `n` elements from `i` of table `table` set to `value`.
///
/// # Safety
///
/// As for [`table_grow`].
pub(crate) unsafe extern "C" fn table_fill(
    vmctx: *mut VmCtx,
    table: u32,
    i: u64,
    value: u64,
    n: u64,
) -> u32 {
    // SAFETY: as in `table_grow`.
    let table = unsafe { &mut *(*vmctx).table_owner(table) };
    let ok = in_bounds(i, n, table.len());
    if ok {
        table.elements_mut()[i as usize..(i + n) as usize].fill(value);
    }
    status(ok, TrapCode::TableOutOfBounds)
}

/// `table.copy` of `n` elements from `s` in table `src` to `d` in table `dst` (which may be
/// the same table).
///
/// # Safety
///
/// As for [`table_grow`], with tables `dst` and `src`.
pub(crate) unsafe extern "C" fn table_copy(
    vmctx: *mut VmCtx,
    dst: u32,
    src: u32,
    d: u64,
    s: u64,
    n: u64,
) -> u32 {
    // SAFETY: as in `table_grow`; the two owners may be the same table, so they are only
    // used through raw pointers below.
    let (dst, src) = unsafe { ((*vmctx).table_owner(dst), (*vmctx).table_owner(src)) };
    // SAFETY: the owners are live (see above).
    let (dst_len, src_len) = unsafe { ((*dst).len(), (*src).len()) };
    let ok = in_bounds(d, n, dst_len) && in_bounds(s, n, src_len);
    if ok {
        // SAFETY: both ranges are in bounds (checked above); `copy` allows overlap, and no
        // reference to the elements outlives its own statement.
        unsafe {
            let from = (*src).elements().as_ptr().add(s as usize);
            let to = (*dst).elements_mut().as_mut_ptr().add(d as usize);
            std::ptr::copy(from, to, n as usize);
        }
    }
    status(ok, TrapCode::TableOutOfBounds)
}

/// `table.init`: `n` elements from `s` in element segment `segment` (empty once dropped) to
/// `d` in table `table`.
///
/// # Safety
///
/// As for [`table_grow`], with an element segment `segment`.
pub(crate) unsafe extern "C" fn table_init(
    vmctx: *mut VmCtx,
    table: u32,
    segment: u32,
    d: u64,
    s: u32,
    n: u32,
) -> u32 {
    // SAFETY: as in `table_grow`.
    let ctx = unsafe { &*vmctx };
    let elements: &[Slot] = ctx
        .elems
        .get(segment as usize)
        .map(|e| &e[..])
        .unwrap_or(&[]);
    // SAFETY: as in `table_grow`; the table's elements are not the segment's.
    let table = unsafe { &mut *ctx.table_owner(table) };
    let (s, n) = (u64::from(s), u64::from(n));
    let ok = in_bounds(d, n, table.len()) && in_bounds(s, n, elements.len() as u64);
    if ok {
        table.elements_mut()[d as usize..(d + n) as usize]
            .copy_from_slice(&elements[s as usize..(s + n) as usize]);
    }
    status(ok, TrapCode::TableOutOfBounds)
}

/// `elem.drop` of element segment `segment`.
///
/// # Safety
///
/// As for [`data_drop`].
pub(crate) unsafe extern "C" fn elem_drop(vmctx: *mut VmCtx, segment: u32) {
    // SAFETY: guaranteed by the caller.
    let elems = unsafe { &mut (*vmctx).elems };
    if let Some(elements) = elems.get_mut(segment as usize) {
        *elements = Box::new([]);
    }
}

/// A tail call requested by compiled code and not yet made.
struct PendingTailCall {
    /// The context of the function that made the request (the callee's caller).
    caller: *mut VmCtx,
    /// The function to call.
    callee: *const FuncEntry,
    /// Its arguments, in slots.
    args: Vec<Slot>,
}

thread_local! {
    static PENDING: RefCell<PendingTailCall> = const {
        RefCell::new(PendingTailCall {
            caller: std::ptr::null_mut(),
            callee: std::ptr::null(),
            args: Vec::new(),
        })
    };
}

/// A tail call from compiled code: records `callee` and its `count` argument slots for the
/// caller of the compiled function and returns [`STATUS_TAIL_CALL`], which the compiled
/// function returns at once (its frame is gone before the callee runs).
///
/// # Safety
///
/// `args` must point at `count` readable slots.
pub(crate) unsafe extern "C" fn tail_call(
    caller: *mut VmCtx,
    callee: *const FuncEntry,
    args: *const Slot,
    count: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let args = unsafe { std::slice::from_raw_parts(args, count as usize) };
    PENDING.with_borrow_mut(|pending| {
        pending.caller = caller;
        pending.callee = callee;
        pending.args.clear();
        pending.args.extend_from_slice(args);
    });
    STATUS_TAIL_CALL
}

/// Takes the tail call that compiled code requested by returning [`STATUS_TAIL_CALL`]: the
/// calling instance's context, the callee and its arguments. An embedder that runs some
/// callees itself (an interpreter that makes tail calls in its own loop) uses this instead of
/// [`resolve_tail_calls`] for them; for the others it can call [`make_tail_call`].
pub fn take_pending_tail_call() -> (*mut VmCtx, *const FuncEntry, Vec<Slot>) {
    PENDING.with_borrow_mut(|pending| {
        (
            pending.caller,
            std::mem::replace(&mut pending.callee, std::ptr::null()),
            std::mem::take(&mut pending.args),
        )
    })
}

/// Makes the tail call `take_pending_tail_call` returned through `helper`, with `args`
/// resized to the callee's `max(param_slots, result_slots)`; returns the callee's status
/// (possibly [`STATUS_TAIL_CALL`] again).
///
/// # Safety
///
/// `caller` and `callee` must be what [`take_pending_tail_call`] returned, and `helper` the
/// call helper of the code that requested the call.
pub unsafe fn make_tail_call(
    caller: *mut VmCtx,
    callee: *const FuncEntry,
    args: &mut Vec<Slot>,
    helper: CallHelper,
) -> u32 {
    // SAFETY: compiled code requested the call with a valid entry of a live store.
    let entry = unsafe { &*callee };
    args.resize(entry.param_slots.max(entry.result_slots) as usize, 0);
    // SAFETY: the helper's contract; `args` holds the callee's arguments and room for its
    // results.
    unsafe { helper(caller, callee, args.as_mut_ptr()) }
}

/// Makes the tail calls a compiled function requested by returning [`STATUS_TAIL_CALL`], one
/// after the other through `helper` in constant native stack, and returns the status of the
/// last callee. On success its results (which have the types of the original callee's, as
/// wasm requires of tail calls) are written to `values`; any other status is returned as is.
/// A `status` other than [`STATUS_TAIL_CALL`] is returned at once.
///
/// Compiled code calls this itself when a callee it called through the helper returns
/// [`STATUS_TAIL_CALL`]; an embedder that calls compiled code (or a native entry) directly
/// must do the same with the status it gets, and [`crate::CompiledCode::call`] does.
///
/// # Safety
///
/// `status` must be the status the compiled function just returned on this thread, and
/// `values` the values array it was called with; `helper` must uphold the [`CallHelper`]
/// contract.
pub unsafe extern "C" fn resolve_tail_calls(
    mut status: u32,
    values: *mut Slot,
    helper: CallHelper,
) -> u32 {
    if status != STATUS_TAIL_CALL {
        return status;
    }
    let mut slots: Vec<Slot> = Vec::new();
    let mut result_slots = 0;
    while status == STATUS_TAIL_CALL {
        let (caller, callee) = PENDING.with_borrow_mut(|pending| {
            std::mem::swap(&mut slots, &mut pending.args);
            (pending.caller, pending.callee)
        });
        // SAFETY: compiled code requested the call with a valid entry of a live store.
        let entry = unsafe { &*callee };
        slots.resize(entry.param_slots.max(entry.result_slots) as usize, 0);
        result_slots = entry.result_slots as usize;
        // SAFETY: the helper's contract; `slots` holds the callee's arguments and room for
        // its results.
        status = unsafe { helper(caller, callee, slots.as_mut_ptr()) };
    }
    if status == STATUS_OK {
        // SAFETY: the last callee returns what the original one does, and `values` has room
        // for that (guaranteed by the caller).
        unsafe { std::ptr::copy_nonoverlapping(slots.as_ptr(), values, result_slots) };
    }
    status
}

/// Whether function `entry` has the type with id `expected` or declares it as a supertype
/// (`call_indirect` to a type that is not final): `1` or `0`.
///
/// # Safety
///
/// `entry` must be a live function entry.
pub(crate) unsafe extern "C" fn func_has_type(entry: *const FuncEntry, expected: u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    u32::from(unsafe { (*entry).has_type(SigId(expected)) })
}

// ---- GC objects: the interpreter's code (`tandem_interp::vm::objects`) ----

/// The status of a GC built-in's `result`, whose object (if any) goes to `out`.
///
/// # Safety
///
/// `out` must be writable.
unsafe fn object_status(result: Result<Slot, TrapCode>, out: *mut Slot) -> u32 {
    match result {
        Ok(object) => {
            // SAFETY: guaranteed by the caller.
            unsafe { out.write(object) };
            STATUS_OK
        }
        Err(code) => trap_status(code),
    }
}

/// The status of a GC built-in that writes no result.
fn unit_status(result: Result<(), TrapCode>) -> u32 {
    result.map_or_else(trap_status, |()| STATUS_OK)
}

/// `struct.new` of module type `ty`: the fields are in the slots at `values`, which the new
/// struct's reference replaces. `collect` collects garbage first if the heap asks to.
///
/// # Safety
///
/// `vmctx` must be a live context whose module type `ty` is a struct type, `values` must
/// hold a value per field, and `collect` must be the embedder's [`GcHelper`].
pub(crate) unsafe extern "C" fn struct_new(
    vmctx: *mut VmCtx,
    ty: u32,
    values: *mut Slot,
    collect: GcHelper,
) -> u32 {
    // SAFETY: guaranteed by the caller; the values are read before the result is written.
    unsafe {
        let result = objects::struct_new(vmctx, ty, values, &mut || collect(vmctx));
        object_status(result, values)
    }
}

/// `struct.new_default` of module type `ty`, its reference written to `out`.
///
/// # Safety
///
/// As for [`struct_new`], with `out` writable.
pub(crate) unsafe extern "C" fn struct_new_default(
    vmctx: *mut VmCtx,
    ty: u32,
    out: *mut Slot,
    collect: GcHelper,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let result = objects::struct_new_default(vmctx, ty, &mut || collect(vmctx));
        object_status(result, out)
    }
}

/// `array.new` (with `has_init`) or `array.new_default` of module type `ty` with `len`
/// elements: the initial value, if any, is in the slots at `values`, which the new array's
/// reference replaces.
///
/// # Safety
///
/// As for [`struct_new`], with `ty` an array type and `values` holding an element value if
/// `has_init` (and writable in any case).
pub(crate) unsafe extern "C" fn array_new(
    vmctx: *mut VmCtx,
    ty: u32,
    len: u64,
    has_init: u32,
    values: *mut Slot,
    collect: GcHelper,
) -> u32 {
    let init = (has_init != 0).then_some(values.cast_const());
    // SAFETY: guaranteed by the caller; the value is read before the result is written.
    unsafe {
        let result = objects::array_new(vmctx, ty, len, init, &mut || collect(vmctx));
        object_status(result, values)
    }
}

/// `array.new_fixed` of module type `ty` of the `count` values in the slots at `values`,
/// which the new array's reference replaces.
///
/// # Safety
///
/// As for [`array_new`], with `values` holding `count` values.
pub(crate) unsafe extern "C" fn array_new_fixed(
    vmctx: *mut VmCtx,
    ty: u32,
    count: u32,
    values: *mut Slot,
    collect: GcHelper,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let result = objects::array_new_fixed(vmctx, ty, values, count, &mut || collect(vmctx));
        object_status(result, values)
    }
}

/// `array.new_data` (`from_data`) or `array.new_elem` of module type `ty`: `len` elements
/// of segment `seg` from `offset`, the new array written to `out`.
///
/// # Safety
///
/// As for [`array_new`], with `out` writable and `seg` a data (or element) segment of the
/// instance.
pub(crate) unsafe extern "C" fn array_new_segment(
    vmctx: *mut VmCtx,
    ty: u32,
    seg: u32,
    offset: u64,
    len: u64,
    from_data: u32,
    out: *mut Slot,
    collect: GcHelper,
) -> u32 {
    let mut collect = || {
        // SAFETY: guaranteed by the caller.
        unsafe { collect(vmctx) }
    };
    // SAFETY: guaranteed by the caller.
    unsafe {
        let segment = segment(seg, from_data);
        let result = objects::array_new_segment(vmctx, ty, segment, offset, len, &mut collect);
        object_status(result, out)
    }
}

/// `array.fill` of `len` elements of `arr` from `offset` with the value at `value`.
///
/// # Safety
///
/// A non-null `arr` must be a live array, and `value` hold a value of its elements.
pub(crate) unsafe extern "C" fn array_fill(
    arr: u64,
    offset: u64,
    value: *const Slot,
    len: u64,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    unit_status(unsafe { objects::array_fill(arr, offset, value, len) })
}

/// `array.copy`.
///
/// # Safety
///
/// Non-null `dst` and `src` must be live arrays with elements of one size.
pub(crate) unsafe extern "C" fn array_copy(
    dst: u64,
    dst_off: u64,
    src: u64,
    src_off: u64,
    len: u64,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    unit_status(unsafe { objects::array_copy(dst, dst_off, src, src_off, len) })
}

/// `array.init_data` (`from_data`) or `array.init_elem` of `n` elements of `arr` from `d`,
/// from segment `seg` at `s`.
///
/// # Safety
///
/// `vmctx` must be a live context with such a segment, and a non-null `arr` a live array
/// (of references, for an element segment).
pub(crate) unsafe extern "C" fn array_init_segment(
    vmctx: *mut VmCtx,
    arr: u64,
    d: u64,
    s: u64,
    n: u64,
    seg: u32,
    from_data: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    unit_status(unsafe {
        objects::array_init_segment(vmctx, arr, d, s, n, segment(seg, from_data))
    })
}

/// Data segment `seg` if `from_data`, else element segment `seg`.
fn segment(seg: u32, from_data: u32) -> Segment {
    if from_data != 0 {
        Segment::Data(seg)
    } else {
        Segment::Elem(seg)
    }
}

/// Whether reference `slot` passes the cast to target `target` (see
/// [`tandem_interp::isa::CastTarget::bits`]): `1` or `0`.
///
/// # Safety
///
/// `vmctx` must be a live context, and `slot` a reference of the target's hierarchy.
pub(crate) unsafe extern "C" fn ref_test(vmctx: *mut VmCtx, slot: u64, target: u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    u32::from(unsafe { objects::ref_test(slot, CastTarget::from_bits(target), vmctx) })
}
