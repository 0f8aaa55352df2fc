//! Backtraces through compiled frames.
//!
//! A trap or any other stop leaves compiled code as a status returned up the chain of
//! compiled frames (see [`crate::abi`]). On its way out, each frame records itself for the
//! current thread (its module, function and the wasm offset of the operator it stopped at)
//! with [`record_frame`], so when the status reaches the embedder, [`take_backtrace`] returns
//! those frames, innermost first.
//!
//! A fault caught by the signal handler skips that way out: the handler walks the frame
//! pointers of the compiled frames between the fault and the entry trampoline instead
//! ([`record_fault`]), into a fixed buffer (a signal handler must not allocate), and
//! [`crate::enter`] turns them into frames once the trampoline has returned.

use std::cell::RefCell;

use crate::registry;

/// One compiled frame of a backtrace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompiledFrame {
    /// The embedder's tag of the function's module (see
    /// [`crate::JitCompiler::set_frame_owner`]).
    pub owner: usize,
    /// The function's index in its module (imports first).
    pub func_index: u32,
    /// The byte offset in the module of the operator the frame stopped at: the trapping one,
    /// or the call that the stop came out of.
    pub wasm_offset: Option<u32>,
}

/// The most compiled frames a fault's backtrace keeps.
const FAULT_FRAMES: usize = 256;

/// The addresses of the compiled frames of a fault, innermost first.
struct FaultTrace {
    len: usize,
    pcs: [usize; FAULT_FRAMES],
}

thread_local! {
    /// The compiled frames that stopped on this thread, innermost first, until taken.
    static TRACE: RefCell<Vec<CompiledFrame>> = const { RefCell::new(Vec::new()) };
    /// The frames of the last fault, until [`crate::enter`] records them.
    static FAULT: RefCell<FaultTrace> = const {
        RefCell::new(FaultTrace {
            len: 0,
            pcs: [0; FAULT_FRAMES],
        })
    };
}

/// Records that a compiled frame of function `func_index` of the module tagged `owner` is
/// leaving with a non-zero status at the operator at `wasm_offset`. Called by compiled code.
pub(crate) extern "C" fn record_frame(owner: usize, func_index: u32, wasm_offset: u32) {
    TRACE.with_borrow_mut(|trace| {
        trace.push(CompiledFrame {
            owner,
            func_index,
            wasm_offset: Some(wasm_offset),
        })
    });
}

/// Takes the compiled frames recorded on this thread since the last call, innermost first.
///
/// An embedder calls this when compiled code it called returns a status other than success
/// (or a pending tail call): the frames are those between the stop and that call.
pub fn take_backtrace() -> Vec<CompiledFrame> {
    TRACE.take()
}

/// Walks the compiled frames from a fault at `pc` in the frame whose frame pointer is `fp`
/// up to the first return address outside compiled code (the entry trampoline), keeping
/// their addresses for [`record_fault_frames`].
///
/// # Safety
///
/// `pc` and `fp` are the program counter and frame pointer of a thread interrupted in
/// registered compiled code, whose frames all keep frame pointers. Async-signal-safe: it
/// neither allocates nor takes locks other than the registry's read lock.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    expect(dead_code, reason = "only the signal handler walks")
)]
pub(crate) unsafe fn record_fault(mut pc: usize, mut fp: usize) {
    FAULT.with_borrow_mut(|fault| {
        fault.len = 0;
        while fault.len < FAULT_FRAMES {
            fault.pcs[fault.len] = pc;
            fault.len += 1;
            // SAFETY: compiled frames keep the caller's frame pointer at `fp` and the return
            // address just above it (the guarantee of `preserve_frame_pointers`).
            let (caller_fp, return_address) =
                unsafe { (*(fp as *const usize), *(fp as *const usize).add(1)) };
            if registry::with_code(return_address, |_, _| ()).is_none() {
                break;
            }
            // The call instruction ends just before its return address.
            pc = return_address - 1;
            fp = caller_fp;
        }
    });
}

/// Turns the frames of a fault that [`record_fault`] walked into recorded frames.
pub(crate) fn record_fault_frames() {
    let pcs: Vec<usize> = FAULT.with_borrow_mut(|fault| {
        let pcs = fault.pcs[..fault.len].to_vec();
        fault.len = 0;
        pcs
    });
    if pcs.is_empty() {
        return;
    }
    TRACE.with_borrow_mut(|trace| {
        trace.extend(pcs.into_iter().filter_map(|pc| {
            registry::with_code(pc, |info, offset| CompiledFrame {
                owner: info.owner,
                func_index: info.func_index,
                wasm_offset: info.wasm_offset(offset),
            })
        }))
    });
}
