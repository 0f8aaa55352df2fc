//! Hardware-checked memory accesses: the signal handler that turns a fault in compiled code
//! into a trap status, and the entry trampoline it returns through.
//!
//! With [`crate::JitOptions::guard_pages`], compiled code accesses a 32-bit memory without
//! comparing the address with the length: the memory reserved its whole index space plus a
//! guard ([`tandem_interp::vm::Reservation::IndexSpaceAndGuard`]) and only its length is
//! accessible, so an out-of-bounds access faults. Each such access is a *trap site* that
//! Cranelift records (`MemFlags` with a trap code); the compiler registers every function's
//! code range and trap sites in the code registry.
//!
//! Every call from Rust into compiled code goes through [`enter`], an assembly trampoline that
//! saves the callee-saved registers and records its stack pointer for the current thread. On
//! `SIGSEGV` or `SIGBUS`, the handler looks at the faulting instruction: if it is a registered
//! trap site and the thread is inside [`enter`], it resumes the thread at the trampoline's
//! exit with that stack pointer and the status of [`TrapCode::MemoryOutOfBounds`] as the
//! return value. Only compiled frames lie between the trampoline and the fault (compiled code
//! reaches Rust only through calls that enter compiled code again through [`enter`]), and
//! compiled frames own nothing, so dropping them is the whole unwinding. Any other fault goes
//! to the handler that was installed before.
//!
//! Only x86_64 Linux has the handler today ([`signals_supported`]); elsewhere compiled code
//! keeps explicit bounds checks and [`enter`] is a plain call.

use std::cell::Cell;

use tandem_interp::TrapCode;
use tandem_interp::vm::{Slot, VmCtx};

use crate::abi::{ArrayCallFn, STATUS_OK, trap_status};
use crate::error::JitError;
use crate::{backtrace, registry};

/// Whether `pc` is a registered trap site.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    expect(dead_code, reason = "only the signal handler asks")
)]
fn is_heap_trap(pc: usize) -> bool {
    registry::with_code(pc, |info, offset| info.is_heap_trap(offset)).unwrap_or(false)
}

thread_local! {
    /// Where the innermost [`enter`] on this thread saved its stack pointer; null outside
    /// compiled code.
    static ENTRY_SP: Cell<*mut usize> = const { Cell::new(std::ptr::null_mut()) };
}

/// Whether this host can catch out-of-bounds accesses of compiled code with guard pages.
pub fn signals_supported() -> bool {
    cfg!(all(target_arch = "x86_64", target_os = "linux"))
}

/// Installs the process-wide handler of `SIGSEGV` and `SIGBUS` (once; later calls return the
/// first call's result). Code compiled with [`crate::JitOptions::guard_pages`] may only run
/// after this succeeded.
pub fn install_signal_handler() -> Result<(), JitError> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(host::install)
        .clone()
        .map_err(JitError::Host)
}

/// Runs compiled code `code` with the array-call convention, returning its status.
///
/// A registered trap site that faults inside `code` (or inside compiled code it calls
/// directly) returns the status of [`TrapCode::MemoryOutOfBounds`] from here.
///
/// # Safety
///
/// The array-call contract of `code` (see [`crate::abi`]).
pub unsafe fn enter(code: ArrayCallFn, vmctx: *mut VmCtx, values: *mut Slot) -> u32 {
    let mut saved_sp: usize = 0;
    let previous = ENTRY_SP.replace(&mut saved_sp);
    // SAFETY: the caller's contract; the trampoline calls `code` with `vmctx` and `values` and
    // writes its stack pointer to `saved_sp`, which outlives the call.
    let status = unsafe { host::trampoline(code, vmctx, values, &mut saved_sp) };
    ENTRY_SP.set(previous);
    if status != STATUS_OK {
        backtrace::record_fault_frames();
    }
    status
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod host {
    use std::mem::MaybeUninit;
    use std::sync::OnceLock;

    use super::*;

    // `tandem_jit_enter(code, vmctx, values, saved_sp) -> u32` (System V): saves the frame
    // pointer and the callee-saved registers, stores the stack pointer it calls from to
    // `*saved_sp`, calls `code(vmctx, values)` and returns its status. The signal handler
    // resumes a faulting thread at `tandem_jit_enter_exit` with the stack pointer restored from
    // `*saved_sp` and the status in `eax`, which then restores the registers and returns as
    // if `code` had returned.
    std::arch::global_asm!(
        ".text",
        ".p2align 4",
        ".globl tandem_jit_enter",
        ".hidden tandem_jit_enter",
        ".type tandem_jit_enter, @function",
        "tandem_jit_enter:",
        ".cfi_startproc",
        "push rbp",
        ".cfi_def_cfa_offset 16",
        ".cfi_offset rbp, -16",
        "mov rbp, rsp",
        ".cfi_def_cfa_register rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        ".cfi_offset rbx, -24",
        ".cfi_offset r12, -32",
        ".cfi_offset r13, -40",
        ".cfi_offset r14, -48",
        ".cfi_offset r15, -56",
        // Five pushes after `rbp` leave the stack 8 bytes off the call alignment.
        "sub rsp, 8",
        "mov [rcx], rsp",
        "mov rax, rdi",
        "mov rdi, rsi",
        "mov rsi, rdx",
        "call rax",
        ".globl tandem_jit_enter_exit",
        ".hidden tandem_jit_enter_exit",
        "tandem_jit_enter_exit:",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        ".cfi_def_cfa rsp, 8",
        "ret",
        ".cfi_endproc",
        ".size tandem_jit_enter, . - tandem_jit_enter",
    );

    unsafe extern "C" {
        // `vmctx` is a `*mut VmCtx`, passed on untouched.
        fn tandem_jit_enter(
            code: ArrayCallFn,
            vmctx: *mut u8,
            values: *mut Slot,
            saved_sp: *mut usize,
        ) -> u32;
        fn tandem_jit_enter_exit();
    }

    /// Calls `code` through the trampoline.
    ///
    /// # Safety
    ///
    /// As for [`super::enter`], with `saved_sp` writable for the call.
    pub(super) unsafe fn trampoline(
        code: ArrayCallFn,
        vmctx: *mut VmCtx,
        values: *mut Slot,
        saved_sp: *mut usize,
    ) -> u32 {
        // SAFETY: the trampoline follows the C calling convention and passes the arguments on.
        unsafe { tandem_jit_enter(code, vmctx.cast(), values, saved_sp) }
    }

    /// The handlers that were installed before ours, by signal.
    static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();
    const SIGNALS: [libc::c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

    pub(super) fn install() -> Result<(), String> {
        let mut previous = [const { MaybeUninit::<libc::sigaction>::zeroed() }; 2];
        for (signal, previous) in SIGNALS.iter().zip(previous.iter_mut()) {
            // SAFETY: a zeroed `sigaction` is a valid starting point; the handler has the
            // `SA_SIGINFO` signature, and `sigaction` writes the old action to `previous`.
            let installed = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handle as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(*signal, &action, previous.as_mut_ptr())
            };
            if installed != 0 {
                return Err(format!(
                    "installing the handler of signal {signal}: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
        // SAFETY: `sigaction` initialized both.
        let previous = previous.map(|p| unsafe { p.assume_init() });
        let _ = PREVIOUS.set(previous);
        Ok(())
    }

    /// The `SIGSEGV`/`SIGBUS` handler.
    extern "C" fn handle(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        let context = context.cast::<libc::ucontext_t>();
        let saved_sp = ENTRY_SP.get();
        if !saved_sp.is_null() {
            // SAFETY: the kernel passes the interrupted thread's context, which the handler
            // may read and change before returning.
            let registers = unsafe { &mut (*context).uc_mcontext.gregs };
            let pc = registers[libc::REG_RIP as usize] as usize;
            if is_heap_trap(pc) {
                let fp = registers[libc::REG_RBP as usize] as usize;
                // SAFETY: the thread stopped in compiled code, which keeps frame pointers.
                unsafe { backtrace::record_fault(pc, fp) };
                // SAFETY: `saved_sp` points at the innermost `enter`'s slot, written by its
                // trampoline before any compiled code ran.
                let sp = unsafe { *saved_sp };
                registers[libc::REG_RSP as usize] = sp as i64;
                registers[libc::REG_RIP as usize] =
                    tandem_jit_enter_exit as *const () as usize as i64;
                registers[libc::REG_RAX as usize] =
                    i64::from(trap_status(TrapCode::MemoryOutOfBounds));
                return;
            }
        }
        forward(signal, info, context.cast());
    }

    /// Passes a fault that is not a trap of compiled code to the handler installed before.
    fn forward(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        let index = SIGNALS.iter().position(|&s| s == signal).unwrap_or(0);
        let Some(previous) = PREVIOUS.get().map(|p| &p[index]) else {
            return;
        };
        match previous.sa_sigaction {
            libc::SIG_DFL | libc::SIG_IGN => {
                // Restore the old disposition and return: the faulting instruction runs
                // again and gets the default treatment (the process stops with the signal).
                // SAFETY: reinstalling an action that was installed before.
                unsafe { libc::sigaction(signal, previous, std::ptr::null_mut()) };
            }
            handler if previous.sa_flags & libc::SA_SIGINFO != 0 => {
                // SAFETY: the previous handler was installed with this signature.
                let handler = unsafe {
                    std::mem::transmute::<
                        usize,
                        extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void),
                    >(handler)
                };
                handler(signal, info, context);
            }
            handler => {
                // SAFETY: the previous handler was installed with this signature.
                let handler =
                    unsafe { std::mem::transmute::<usize, extern "C" fn(libc::c_int)>(handler) };
                handler(signal);
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod host {
    use super::*;

    /// Calls `code` directly: without the handler nothing resumes at a trampoline.
    ///
    /// # Safety
    ///
    /// As for [`super::enter`].
    pub(super) unsafe fn trampoline(
        code: ArrayCallFn,
        vmctx: *mut VmCtx,
        values: *mut Slot,
        _saved_sp: *mut usize,
    ) -> u32 {
        // SAFETY: the caller's contract.
        unsafe { code(vmctx, values) }
    }

    pub(super) fn install() -> Result<(), String> {
        Err("guard-page traps are not supported on this host".into())
    }
}
