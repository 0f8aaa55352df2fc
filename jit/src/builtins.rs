//! Runtime functions that compiled code calls for work too large to inline.
//!
//! Compiled code reaches them through their address, embedded as a constant, with the host's
//! C calling convention; none of them may unwind.

use tandem_interp::vm::VmCtx;

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

/// The address of [`memory_grow`], for embedding in compiled code.
pub(crate) fn memory_grow_address() -> usize {
    memory_grow as *const () as usize
}
