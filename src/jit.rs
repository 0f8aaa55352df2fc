//! The Cranelift tier inside the embedding: compiling a module's functions, and running
//! compiled code on the same store, memories, fuel and trap model as the interpreter.
//!
//! Calls cross tiers through function entries. The interpreter calls an entry whose `native`
//! pointer is set through `Host::call_native`, which lands in [`call_native`]; compiled code
//! calls every other function through [`call_helper`], which runs compiled callees directly
//! and hands host and interpreted callees to the store that is running compiled code, found
//! through a thread-local ([`StoreCalls`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tandem_interp::exec::FrameInfo;
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::ModuleCode;
use tandem_interp::vm::{FuncEntry, FuncKind, Slot, TrapCode, VmCtx};
use tandem_jit::{
    ArrayCallFn, JitCompiler, JitError, JitOptions, STATUS_EMBEDDER_MIN, STATUS_OK, Status,
    decode_status, resolve_tail_calls,
};

use crate::engine::{Engine, NativeStatsCounters};
use crate::error::{Error, Result, Trap, TrapReason};

/// Native stack compiled code may use below the point where the host (or the interpreter)
/// first enters it, before calls trap with "call stack exhausted". Threads Rust spawns get
/// 2 MiB by default; this leaves room for the host code around it.
const NATIVE_STACK_BUDGET: usize = 512 << 10;

/// Native code for a module's functions, compiled up front ([`Strategy::Cranelift`]) or as
/// they get hot ([`Strategy::Tiered`]). The compiler owns the executable memory, so it lives
/// as long as the module and its instances.
///
/// [`Strategy::Cranelift`]: crate::Strategy::Cranelift
/// [`Strategy::Tiered`]: crate::Strategy::Tiered
pub(crate) struct NativeCode {
    compiler: Mutex<JitCompiler>,
    code: Arc<ModuleCode>,
    /// The entry point of each defined function, 0 until compiled.
    entries: Box<[AtomicUsize]>,
    /// Each defined function's [`NOT_REQUESTED`], [`QUEUED`], [`COMPILED`] or [`REFUSED`].
    states: Box<[AtomicU8]>,
    /// Entries at loop headers (on-stack replacement), by defined function and loop offset;
    /// `None` where the tier cannot enter there.
    osr_entries: Mutex<HashMap<(u32, u32), Option<usize>>>,
    /// The engine's counts of compiled code.
    stats: Arc<NativeStatsCounters>,
}

const NOT_REQUESTED: u8 = 0;
const QUEUED: u8 = 1;
const COMPILED: u8 = 2;
const REFUSED: u8 = 3;

impl std::fmt::Debug for NativeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeCode")
            .field("compiled", &self.compiled_count())
            .field("functions", &self.entries.len())
            .finish()
    }
}

impl NativeCode {
    /// Native code for `code`, nothing compiled yet: functions are compiled when
    /// [`NativeCode::request`]ed, to behave as the interpreter's bytecode translated with
    /// `options` does.
    pub(crate) fn tiered(
        engine: &Engine,
        code: Arc<ModuleCode>,
        options: TranslateOptions,
    ) -> Result<Self> {
        let mut compiler = JitCompiler::with_options(JitOptions::from(options))
            .map_err(|e| Error::msg(format!("cannot start the Cranelift tier: {e}")))?;
        compiler.set_call_helper(Some(call_helper));
        let functions = code.info.bodies.len();
        Ok(NativeCode {
            compiler: Mutex::new(compiler),
            code,
            entries: (0..functions).map(|_| AtomicUsize::new(0)).collect(),
            states: (0..functions)
                .map(|_| AtomicU8::new(NOT_REQUESTED))
                .collect(),
            osr_entries: Mutex::new(HashMap::new()),
            stats: engine.native_stats_counters(),
        })
    }

    /// Compiles every function of `code` that the Cranelift tier supports; the others (see
    /// [`JitError::Unsupported`]) stay on the interpreter.
    pub(crate) fn compile_module(
        engine: &Engine,
        code: Arc<ModuleCode>,
        options: TranslateOptions,
    ) -> Result<Self> {
        let native = NativeCode::tiered(engine, code, options)?;
        for index in 0..native.entries.len() as u32 {
            native.compile(index)?;
        }
        Ok(native)
    }

    /// Compiles defined function `index` now; its entry point, or null if the tier does not
    /// support it.
    fn compile(&self, index: u32) -> Result<*mut u8> {
        let mut compiler = self.compiler.lock().unwrap_or_else(|e| e.into_inner());
        let i = index as usize;
        if self.states[i].load(Ordering::Acquire) == COMPILED {
            return Ok(self.entry(index));
        }
        match compiler.compile(&self.code.info, index) {
            Ok(compiled) => {
                self.entries[i].store(compiled.as_ptr() as usize, Ordering::Release);
                self.states[i].store(COMPILED, Ordering::Release);
                self.stats.functions.fetch_add(1, Ordering::Relaxed);
                Ok(compiled.as_ptr())
            }
            Err(JitError::Unsupported(_)) => {
                self.states[i].store(REFUSED, Ordering::Release);
                Ok(std::ptr::null_mut())
            }
            Err(e) => {
                self.states[i].store(REFUSED, Ordering::Release);
                let func = self.code.info.imported_funcs + index;
                Err(Error::msg(format!(
                    "Cranelift failed to compile function {func}: {e}"
                )))
            }
        }
    }

    /// The native entry point of defined function `index`, or null while it runs on the
    /// interpreter.
    pub(crate) fn entry(&self, index: u32) -> *mut u8 {
        self.entries[index as usize].load(Ordering::Acquire) as *mut u8
    }

    /// Asks for defined function `index` to be compiled: on the engine's background thread,
    /// or at once without `background`. Returns its entry point if it is compiled now, and
    /// whether to ask again later (the compilation is under way).
    pub(crate) fn request(self: &Arc<Self>, index: u32, engine: &Engine) -> (*mut u8, bool) {
        let state = &self.states[index as usize];
        match state.load(Ordering::Acquire) {
            COMPILED => return (self.entry(index), false),
            REFUSED => return (std::ptr::null_mut(), false),
            QUEUED => return (std::ptr::null_mut(), true),
            _ => {}
        }
        if !engine.config().background_compilation {
            // An error leaves the function refused: it keeps running on the interpreter.
            let entry = self.compile(index).unwrap_or(std::ptr::null_mut());
            return (entry, false);
        }
        if state
            .compare_exchange(NOT_REQUESTED, QUEUED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let native = self.clone();
            engine.compile_in_background(Box::new(move || {
                let _ = native.compile(index);
            }));
        }
        (std::ptr::null_mut(), true)
    }

    /// The entry of defined function `index` at the loop header at wasm offset `loop_offset`,
    /// compiled now if needed; null if the tier cannot enter there.
    pub(crate) fn osr_entry(&self, index: u32, loop_offset: u32) -> *mut u8 {
        let mut entries = self.osr_entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = *entries.entry((index, loop_offset)).or_insert_with(|| {
            let mut compiler = self.compiler.lock().unwrap_or_else(|e| e.into_inner());
            let compiled = compiler
                .compile_osr(&self.code.info, index, loop_offset)
                .ok()?;
            self.stats.loop_entries.fetch_add(1, Ordering::Relaxed);
            Some(compiled.as_ptr() as usize)
        });
        entry.unwrap_or(0) as *mut u8
    }

    /// How many functions have native code.
    pub(crate) fn compiled_count(&self) -> usize {
        self.states
            .iter()
            .filter(|s| s.load(Ordering::Acquire) == COMPILED)
            .count()
    }
}

/// What compiled code needs from the store running it: calls of host functions and of
/// functions the interpreter runs.
pub(crate) trait StoreCalls {
    /// Calls host function `entry` on behalf of instance `caller`.
    fn call_host(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<()>;
    /// Runs wasm function `entry` on the interpreter.
    fn call_interpreted(&mut self, entry: &FuncEntry, io: &mut [Slot]) -> Result<()>;
}

thread_local! {
    /// The store whose compiled code runs on this thread, innermost first.
    static RUNNING: Cell<Option<NonNull<dyn StoreCalls>>> = const { Cell::new(None) };
    /// The error that made a call helper return an embedder status, for [`call_native`] to
    /// return once compiled code has passed the status up.
    static PENDING: RefCell<Option<Error>> = const { RefCell::new(None) };
}

/// Runs compiled function `entry` with its arguments in `io`, leaving its results there.
///
/// # Safety
///
/// `entry` must be a wasm entry of a live instance whose `native` pointer is code compiled for
/// it, nothing else may use that instance's state for the duration of the call, and `io` must
/// hold `max(param_slots, result_slots)` slots.
pub(crate) unsafe fn call_native(
    calls: &mut dyn StoreCalls,
    entry: &FuncEntry,
    io: &mut [Slot],
) -> Result<()> {
    debug_assert!(io.len() >= entry.param_slots.max(entry.result_slots) as usize);
    // SAFETY: guaranteed by the caller.
    unsafe { call_compiled(calls, entry, entry.native.load(Ordering::Acquire), io) }
}

/// Runs `code`, compiled code of wasm function `entry` with the array-call convention (its
/// normal entry or one at a loop header), with `io` as its values array.
///
/// # Safety
///
/// As for [`call_native`], with `code` in place of the entry's native pointer and `io` sized
/// as `code` expects.
pub(crate) unsafe fn call_compiled(
    calls: &mut dyn StoreCalls,
    entry: &FuncEntry,
    code: *mut u8,
    io: &mut [Slot],
) -> Result<()> {
    // SAFETY: `code` is an `ArrayCallFn` (the caller's contract).
    let native: ArrayCallFn = unsafe { std::mem::transmute::<*mut u8, ArrayCallFn>(code) };
    // SAFETY: a wasm entry's context, and the store's limits it points at, are live.
    let limits = unsafe { (*entry.vmctx).limits };
    // SAFETY: as above; only this thread runs the store.
    let outermost = unsafe { (*limits).stack_limit } == 0;
    if outermost {
        let limit = stack_pointer().saturating_sub(NATIVE_STACK_BUDGET);
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = limit };
    }
    // The borrow of `calls` outlives its registration: it is removed below, before this
    // function returns.
    // SAFETY: only the lifetime is erased; the pointer is not used after `RUNNING` is restored.
    let calls: NonNull<dyn StoreCalls> =
        unsafe { std::mem::transmute::<&mut dyn StoreCalls, NonNull<dyn StoreCalls>>(calls) };
    let previous = RUNNING.replace(Some(calls));
    // SAFETY: the caller's contract is the array-call contract; tail calls the function left
    // pending are made through the same helper its code calls.
    let status = unsafe {
        let status = native(entry.vmctx, io.as_mut_ptr());
        resolve_tail_calls(status, io.as_mut_ptr(), call_helper)
    };
    RUNNING.set(previous);
    if outermost {
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = 0 };
    }
    match decode_status(status) {
        Status::Ok => Ok(()),
        Status::Trap(code) => Err(trap(code, entry)),
        Status::Embedder(_) | Status::TailCall => Err(PENDING
            .take()
            .unwrap_or_else(|| Error::msg("compiled code stopped without a recorded reason"))),
    }
}

/// The trap compiled function `entry` stopped with.
fn trap(code: TrapCode, entry: &FuncEntry) -> Error {
    // SAFETY: a wasm entry's context is live while the entry is.
    let module = unsafe { &(*entry.vmctx).module };
    let func_index = module.info.imported_funcs + entry.index;
    Error::Trap(Trap {
        reason: TrapReason::Code(code),
        backtrace: vec![FrameInfo {
            module_name: module.name().cloned(),
            func_index,
            func_name: module.info.func_name(func_index).cloned(),
            wasm_offset: None,
        }],
    })
}

/// An address in the current native stack frame.
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The call helper of all compiled code (see `tandem_jit::abi`): calls `callee` with its
/// arguments and results in `values`.
///
/// # Safety
///
/// Called by compiled code only, while [`call_native`] runs on this thread, with a valid
/// callee entry and `max(param_slots, result_slots)` slots at `values`.
unsafe extern "C" fn call_helper(
    caller: *mut VmCtx,
    callee: *const FuncEntry,
    values: *mut Slot,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let callee = unsafe { &*callee };
    if callee.kind == FuncKind::Wasm && callee.has_native_code() {
        // SAFETY: as in `call_native`; compiled callers resolve the tail calls themselves.
        return unsafe {
            let native =
                std::mem::transmute::<*mut u8, ArrayCallFn>(callee.native.load(Ordering::Acquire));
            native(callee.vmctx, values)
        };
    }
    let Some(mut calls) = RUNNING.get() else {
        // Compiled code runs only inside `call_native`, which registers its store.
        return STATUS_EMBEDDER_MIN;
    };
    let len = callee.param_slots.max(callee.result_slots) as usize;
    // SAFETY: guaranteed by the caller.
    let io = unsafe { std::slice::from_raw_parts_mut(values, len) };
    // SAFETY: `RUNNING` holds the store running the compiled code that called, borrowed for
    // as long as that code runs; nothing else uses the store meanwhile.
    let calls = unsafe { calls.as_mut() };
    let result = match callee.kind {
        FuncKind::Host => calls.call_host(callee, caller, io),
        FuncKind::Wasm => calls.call_interpreted(callee, io),
    };
    match result {
        Ok(()) => STATUS_OK,
        Err(error) => {
            PENDING.set(Some(error));
            STATUS_EMBEDDER_MIN
        }
    }
}
