//! Where compiled code lives: every compiled function's address range with what the signal
//! handler and backtraces need to know about an address inside it.
//!
//! The compiler registers each function when its code is final and unregisters it before the
//! code is freed. The map is read by the signal handler (is a faulting instruction a trap
//! site?) and by backtraces (which function and wasm offset is this return address?).

use std::collections::BTreeMap;
use std::sync::RwLock;

/// What is known about one compiled function.
pub(crate) struct CodeInfo {
    /// One past its last byte.
    pub end: usize,
    /// The embedder's tag of the module the function belongs to (see
    /// [`crate::JitCompiler::set_frame_owner`]).
    pub owner: usize,
    /// The function's index in its module (imports first).
    pub func_index: u32,
    /// Offsets from its start of the instructions that may fault on an out-of-bounds memory
    /// access, sorted.
    pub heap_traps: Box<[u32]>,
    /// `(start, end, wasm offset)`: the wasm operator each range of its machine code was
    /// generated for, sorted by `start`.
    pub wasm_offsets: Box<[(u32, u32, u32)]>,
}

/// Every registered function, by start address.
static CODE: RwLock<BTreeMap<usize, CodeInfo>> = RwLock::new(BTreeMap::new());

/// Records the function compiled at `start`.
pub(crate) fn register(start: usize, info: CodeInfo) {
    CODE.write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(start, info);
}

/// Forgets the function compiled at `start`, whose code is about to be freed.
pub(crate) fn unregister(start: usize) {
    CODE.write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&start);
}

/// Runs `f` with the function containing `pc` and `pc`'s offset in it, if `pc` is in
/// registered code.
///
/// Safe to call from the signal handler on a thread running compiled code: such a thread
/// never holds the lock (it is only written while compiling or freeing code, never by
/// compiled code), so waiting for a writer on another thread cannot deadlock.
pub(crate) fn with_code<R>(pc: usize, f: impl FnOnce(&CodeInfo, u32) -> R) -> Option<R> {
    let code = CODE.read().unwrap_or_else(|e| e.into_inner());
    let (&start, info) = code.range(..=pc).next_back()?;
    if pc >= info.end {
        return None;
    }
    let offset = u32::try_from(pc - start).ok()?;
    Some(f(info, offset))
}

impl CodeInfo {
    /// Whether the instruction at `offset` is a trap site of an out-of-bounds access.
    pub fn is_heap_trap(&self, offset: u32) -> bool {
        self.heap_traps.binary_search(&offset).is_ok()
    }

    /// The wasm offset of the operator whose code contains `offset`, if known.
    pub fn wasm_offset(&self, offset: u32) -> Option<u32> {
        let index = self
            .wasm_offsets
            .partition_point(|&(start, _, _)| start <= offset);
        let &(_, end, wasm) = self.wasm_offsets.get(index.checked_sub(1)?)?;
        (offset < end).then_some(wasm)
    }
}
