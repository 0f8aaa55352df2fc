//! tandem-jit: tandem's Cranelift tier.
//!
//! It lowers the same validated function bodies the interpreter runs to native code for the
//! host (x86_64 or aarch64), against the VM ABI both tiers share: compiled code reads memories,
//! globals, tables, function entries and signature ids through the instance's
//! [`VmCtx`](tandem_interp::vm::VmCtx) at the offsets `tandem-interp` exports, takes and
//! returns values as arrays of 64-bit slots, and reports the interpreter's
//! [`TrapCode`](tandem_interp::TrapCode)s. The calling, status and call-helper conventions are
//! described in [`abi`].
//!
//! ```no_run
//! # fn demo(info: &tandem_interp::module::ModuleInfo, vmctx: *mut tandem_interp::vm::VmCtx)
//! # -> Result<(), tandem_jit::JitError> {
//! use tandem_jit::{JitCompiler, Status, decode_status};
//!
//! let mut compiler = JitCompiler::new()?;
//! let code = compiler.compile(info, 0)?;
//! let mut values = [20u64, 22];
//! // SAFETY: `vmctx` is a live instance of the module `info` describes.
//! let status = unsafe { code.call(vmctx, &mut values) };
//! assert_eq!(decode_status(status), Status::Ok);
//! # Ok(())
//! # }
//! ```
//!
//! What is compiled: the numeric operators of `i32`, `i64`, `f32` and `f64` (sign extension,
//! saturating truncation and wide arithmetic included), references (`ref.null`, `ref.is_null`, `ref.func`,
//! `ref.as_non_null`, `br_on_null`, `br_on_non_null`) as 64-bit slots, `v128` values and
//! every operator of the SIMD and relaxed-SIMD proposals (as Cranelift vector code, with the
//! interpreter's results, relaxed operators included), locals, globals of every type,
//! `select`, structured control flow, loads, stores and every memory operator of every memory
//! (multi-memory, 64-bit addresses, custom page sizes, bulk memory), every atomic operator of
//! the threads proposal, the table operators of every table, calls (`call`,
//! `call_indirect`, `call_ref` and their tail-call forms) through the embedder's
//! [`CallHelper`], exception handling (`try_table`, `throw`, `throw_ref`) and the GC
//! operators (structs, arrays, `i31` references, casts; allocations through the
//! embedder's [`GcHelper`]), see [`abi`]. Code meters fuel and checks epochs exactly as the
//! interpreter does when [`JitOptions`] ask for it, and checks the native stack limit at
//! every function entry. Anything else (proposals beyond these, or an allocation or call
//! without its helper) makes [`JitCompiler::compile`] return [`JitError::Unsupported`], and
//! the function stays on the interpreter.
//!
//! For the tiered strategy, [`JitCompiler::compile_osr`] compiles an on-stack-replacement
//! entry: code that takes over a call the interpreter is running when it reaches the header
//! of a hot loop, from the frame's locals, and finishes it natively. [`osr_loops`] lists the
//! loops such an entry can start at.

pub mod abi;
mod backtrace;
mod builtins;
mod compiler;
mod error;
mod registry;
pub mod signals;
mod translate;

pub use abi::{
    ArrayCallFn, CallHelper, GcHelper, STATUS_EMBEDDER_MIN, STATUS_EXCEPTION, STATUS_OK,
    STATUS_TAIL_CALL, STATUS_TRAP_BASE, Status, decode_status, make_tail_call, resolve_tail_calls,
    take_pending_tail_call, trap_status,
};
pub use backtrace::{CompiledFrame, take_backtrace};
pub use compiler::{CompiledCode, JitCompiler, JitOptions, LoopExits, OptLevel, osr_loops};
pub use error::JitError;
pub use signals::{enter, install_signal_handler, signals_supported};
