//! The Cranelift tier inside the embedding: compiling a module's functions, and running
//! compiled code on the same store, memories, fuel and trap model as the interpreter.
//!
//! Calls cross tiers through function entries. The interpreter calls an entry whose `native`
//! pointer is set through `Host::call_native`, which lands in [`call_native`]; compiled code
//! calls every other function through [`call_helper`], which runs compiled callees directly
//! and hands host and interpreted callees to the store that is running compiled code, found
//! through a thread-local ([`StoreCalls`]).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tandem_interp::exec::NativeReturn;
use tandem_interp::exec::{FrameInfo, native_stack_pointer};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::ModuleCode;
use tandem_interp::vm::{FuncEntry, FuncKind, NESTED_BACK_EDGE_FACTOR, Slot, TierCounters, VmCtx};
use tandem_jit::{
    ArrayCallFn, JitCompiler, JitError, JitOptions, STATUS_EMBEDDER_MIN, STATUS_EXCEPTION,
    STATUS_OK, STATUS_TAIL_CALL, Status, decode_status, make_tail_call, take_pending_tail_call,
};

use crate::config::OptLevel;
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
    /// The compilers not compiling right now. Each thread that compiles takes one (started
    /// then if none is idle, so modules whose functions never get hot cost nothing here)
    /// and puts it back: they own the code, so none is dropped before the module.
    compilers: Mutex<Vec<JitCompiler>>,
    options: JitOptions,
    code: Arc<ModuleCode>,
    /// The array-call entry point of each defined function, 0 until compiled.
    entries: Box<[AtomicUsize]>,
    /// The wasm-call entry point of each defined function, set before its array-call one.
    wasm_call_entries: Box<[AtomicUsize]>,
    /// Each defined function's [`NOT_REQUESTED`], [`QUEUED`], [`COMPILING`], [`COMPILED`] or
    /// [`REFUSED`].
    states: Box<[AtomicU8]>,
    /// When each queued function was queued, in nanoseconds after `created`.
    queued_at: Box<[AtomicU64]>,
    created: Instant,
    /// Loops nested in others where a running call asked to move into compiled code once
    /// already, and was told to wait for the outermost loop's entry (see
    /// [`NativeCode::loop_entry`]), by defined function and loop offset.
    waited_at: Mutex<HashSet<(u32, u32)>>,
    /// The wasm offsets of the loops each compiled function's code can be entered at (see
    /// [`JitOptions::loop_entries`]), set before its state becomes [`COMPILED`].
    loop_entries: Box<[OnceLock<Arc<[u32]>>]>,
    /// Entries at loop headers (on-stack replacement), by defined function and loop offset;
    /// `None` where the tier cannot enter there.
    osr_entries: Mutex<HashMap<(u32, u32), Option<usize>>>,
    /// The engine's counts of compiled code.
    stats: Arc<NativeStatsCounters>,
}

const NOT_REQUESTED: u8 = 0;
const QUEUED: u8 = 1;
const COMPILING: u8 = 2;
const COMPILED: u8 = 3;
const REFUSED: u8 = 4;

/// How long a function's compilation may wait for the background thread to start it before
/// a thread that runs the function on the interpreter compiles it itself: a thread woken on
/// a busy or sleeping core can take milliseconds to run, which is longer than most
/// compilations take.
const STEAL_AFTER: Duration = Duration::from_micros(300);

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
    /// `options` does, their code entered at its outermost loops as well, so that calls
    /// running on the interpreter move into it there.
    pub(crate) fn tiered(
        engine: &Engine,
        code: Arc<ModuleCode>,
        options: TranslateOptions,
    ) -> Result<Self> {
        NativeCode::new(engine, code, options, true)
    }

    /// Native code for `code`, nothing compiled yet, with `loop_entries` in each function's
    /// code or not.
    fn new(
        engine: &Engine,
        code: Arc<ModuleCode>,
        options: TranslateOptions,
        loop_entries: bool,
    ) -> Result<Self> {
        let functions = code.info.bodies.len();
        // Functions the embedder keeps on the interpreter are refused from the start.
        let states = (0..functions as u32)
            .map(|defined| {
                let index = code.info.imported_funcs + defined;
                let name = code.info.func_name(index).map(|name| &**name);
                let allowed = engine
                    .config()
                    .cranelift_filter
                    .as_ref()
                    .is_none_or(|filter| filter.allows(index, name));
                AtomicU8::new(if allowed { NOT_REQUESTED } else { REFUSED })
            })
            .collect();
        Ok(NativeCode {
            compilers: Mutex::new(Vec::new()),
            options: JitOptions {
                guard_pages: engine.guard_pages(),
                opt_level: match engine.config().cranelift_opt_level {
                    OptLevel::None => tandem_jit::OptLevel::None,
                    OptLevel::Speed => tandem_jit::OptLevel::Speed,
                    OptLevel::SpeedAndSize => tandem_jit::OptLevel::SpeedAndSize,
                },
                loop_entries,
                ..JitOptions::from(options)
            },
            code,
            entries: (0..functions).map(|_| AtomicUsize::new(0)).collect(),
            wasm_call_entries: (0..functions).map(|_| AtomicUsize::new(0)).collect(),
            states,
            loop_entries: (0..functions).map(|_| OnceLock::new()).collect(),
            queued_at: (0..functions).map(|_| AtomicU64::new(0)).collect(),
            created: Instant::now(),
            waited_at: Mutex::new(HashSet::new()),
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
        // Nothing runs on the interpreter first, so nothing enters at a loop.
        let native = NativeCode::new(engine, code, options, false)?;
        let functions = native.entries.len();
        let threads = engine.compilation_threads().min(functions);
        if threads <= 1 {
            for index in 0..functions as u32 {
                native.compile(index)?;
            }
            return Ok(native);
        }
        // Each thread compiles with a compiler of its own, taking the next function until
        // none is left; the compilers are kept, as they own the code.
        let next = std::sync::atomic::AtomicU32::new(0);
        let compilers = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| -> Result<JitCompiler> {
                        let mut compiler = native.start_compiler()?;
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            if index as usize >= functions {
                                return Ok(compiler);
                            }
                            native.compile_with(&mut compiler, index)?;
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        native
            .compilers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(compilers);
        Ok(native)
    }

    /// A compiler for this module's functions.
    fn start_compiler(&self) -> Result<JitCompiler> {
        let mut compiler = JitCompiler::with_options(self.options)
            .map_err(|e| Error::msg(format!("cannot start the Cranelift tier: {e}")))?;
        compiler.set_call_helper(Some(call_helper));
        compiler.set_gc_helper(Some(gc_helper));
        // Frames name their module by the address of its code, which this native code keeps
        // alive as long as the compiled functions exist.
        compiler.set_frame_owner(Arc::as_ptr(&self.code) as usize);
        Ok(compiler)
    }

    /// Runs `f` with an idle compiler, starting one if none is; other threads compile with
    /// others meanwhile.
    fn with_compiler<R>(&self, f: impl FnOnce(&mut JitCompiler) -> R) -> Result<R> {
        let idle = self
            .compilers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let compiler = match idle {
            Some(compiler) => compiler,
            None => self.start_compiler()?,
        };
        /// Puts the compiler back even if `f` panics: its code may be installed already.
        struct Borrowed<'a> {
            compiler: Option<JitCompiler>,
            pool: &'a Mutex<Vec<JitCompiler>>,
        }
        impl Drop for Borrowed<'_> {
            fn drop(&mut self) {
                if let Some(compiler) = self.compiler.take() {
                    self.pool
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(compiler);
                }
            }
        }
        let mut borrowed = Borrowed {
            compiler: Some(compiler),
            pool: &self.compilers,
        };
        Ok(f(borrowed.compiler.as_mut().expect("set above")))
    }

    /// Compiles defined function `index` now; its entry point, or null if the tier does not
    /// support it.
    fn compile(&self, index: u32) -> Result<*mut u8> {
        self.with_compiler(|compiler| self.compile_with(compiler, index))?
    }

    fn compile_with(&self, compiler: &mut JitCompiler, index: u32) -> Result<*mut u8> {
        let i = index as usize;
        match self.states[i].load(Ordering::Acquire) {
            COMPILED => return Ok(self.entry(index)),
            REFUSED => return Ok(std::ptr::null_mut()),
            _ => {}
        }
        match compiler.compile(&self.code.info, index) {
            Ok(compiled) => {
                let _ = self.loop_entries[i].set(compiled.loop_entries.clone());
                self.wasm_call_entries[i].store(compiled.wasm_call as usize, Ordering::Release);
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

    /// Installs the native code of defined function `entry.index`, if it is compiled, in
    /// `entry`: its wasm-call entry first, so that code finding the array-call entry set
    /// finds both. Returns whether there was code.
    pub(crate) fn install(&self, entry: &FuncEntry) -> bool {
        let code = self.entry(entry.index);
        if code.is_null() {
            return false;
        }
        let wasm_call = self.wasm_call_entries[entry.index as usize].load(Ordering::Acquire);
        entry.set_native(code, wasm_call as *mut u8);
        true
    }

    /// Asks for defined function `index` to be compiled: on the engine's background thread,
    /// or at once without `background`. Returns its entry point if it is compiled now, and
    /// whether to ask again later (the compilation is under way).
    ///
    /// A compilation still queued after [`STEAL_AFTER`] is made by the thread asking.
    pub(crate) fn request(self: &Arc<Self>, index: u32, engine: &Engine) -> (*mut u8, bool) {
        let i = index as usize;
        let state = &self.states[i];
        match state.load(Ordering::Acquire) {
            COMPILED => return (self.entry(index), false),
            REFUSED => return (std::ptr::null_mut(), false),
            COMPILING => return (std::ptr::null_mut(), true),
            QUEUED => {
                let queued_at = Duration::from_nanos(self.queued_at[i].load(Ordering::Relaxed));
                let waited = self.created.elapsed().saturating_sub(queued_at);
                if waited < STEAL_AFTER || !self.claim(index, QUEUED) {
                    return (std::ptr::null_mut(), true);
                }
                return (self.compile_claimed(index), false);
            }
            _ => {}
        }
        if !engine.config().background_compilation {
            if !self.claim(index, NOT_REQUESTED) {
                // Another thread is compiling it.
                return (std::ptr::null_mut(), true);
            }
            return (self.compile_claimed(index), false);
        }
        let now = self.created.elapsed().as_nanos() as u64;
        self.queued_at[i].store(now, Ordering::Relaxed);
        if state
            .compare_exchange(NOT_REQUESTED, QUEUED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let native = self.clone();
            engine.compile_in_background(Box::new(move || {
                // Unless a thread running the function took the job over meanwhile.
                if native.claim(index, QUEUED) {
                    native.compile_claimed(index);
                }
            }));
        }
        (std::ptr::null_mut(), true)
    }

    /// Moves defined function `index` from state `from` to [`COMPILING`]; whether this thread
    /// got to.
    fn claim(&self, index: u32, from: u8) -> bool {
        self.states[index as usize]
            .compare_exchange(from, COMPILING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Compiles defined function `index`, which this thread [`claim`](Self::claim)ed; its
    /// entry point, or null if the tier refused it (an error leaves it refused too: it keeps
    /// running on the interpreter).
    fn compile_claimed(&self, index: u32) -> *mut u8 {
        match self.compile(index) {
            Ok(entry) => entry,
            Err(_) => {
                // Also when no compiler could start, before `compile_with` decides.
                self.states[index as usize].store(REFUSED, Ordering::Release);
                std::ptr::null_mut()
            }
        }
    }

    /// The wasm offsets of the loops defined function `index`'s code can be entered at (see
    /// [`JitOptions::loop_entries`]): none until it is compiled.
    fn loop_entry_offsets(&self, index: u32) -> &[u32] {
        self.loop_entries[index as usize]
            .get()
            .map_or(&[], |offsets| offsets)
    }

    /// Where a running call of defined function `index` can continue in compiled code at the
    /// loop header at wasm offset `loop_offset`: the function's own code if it has an entry
    /// there (asking for its compilation if needed), else code compiled now for that loop.
    pub(crate) fn loop_entry(
        self: &Arc<Self>,
        index: u32,
        loop_offset: u32,
        engine: &Engine,
    ) -> LoopEntry {
        if self.states[index as usize].load(Ordering::Acquire) == REFUSED {
            return LoopEntry::None;
        }
        if self.options.loop_entries {
            let (code, pending) = self.request(index, engine);
            if pending {
                return LoopEntry::Pending;
            }
            if code.is_null() {
                // The tier refused the function, so it cannot enter it anywhere.
                return LoopEntry::None;
            }
            let offsets = self.loop_entry_offsets(index);
            if let Some(position) = offsets.iter().position(|&offset| offset == loop_offset) {
                return LoopEntry::InFunction {
                    code,
                    position: position as u32,
                };
            }
            // A loop nested in another: the call is bound to take a back edge of the
            // outermost loop around it, where the code has an entry, unless that loop's
            // iterations are long. It waits for that once before an entry of its own is
            // compiled here, on this thread.
            let has_entries = !offsets.is_empty();
            let first_time = || {
                self.waited_at
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((index, loop_offset))
            };
            if has_entries && first_time() {
                return LoopEntry::Later;
            }
        }
        match self.osr_entry(index, loop_offset) {
            code if code.is_null() => LoopEntry::None,
            code => LoopEntry::Separate(code),
        }
    }

    /// The entry of defined function `index` at the loop header at wasm offset `loop_offset`,
    /// compiled now if needed; null if the tier cannot enter there.
    ///
    /// Where the function's own code has loop entries, the entry hands the call over to it
    /// at the first of their headers it reaches (see [`JitCompiler::compile_osr_with_exits`]).
    fn osr_entry(&self, index: u32, loop_offset: u32) -> *mut u8 {
        let mut entries = self.osr_entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = *entries.entry((index, loop_offset)).or_insert_with(|| {
            let code = self.entry(index);
            let loop_entries = self.loop_entry_offsets(index);
            let info = &self.code.info;
            let compiled = self
                .with_compiler(|compiler| match loop_entries {
                    loop_entries if !code.is_null() && !loop_entries.is_empty() => {
                        // SAFETY: a non-null entry is the function's array-call code, which
                        // lives as long as this native code.
                        let code = unsafe { std::mem::transmute::<*mut u8, ArrayCallFn>(code) };
                        let exits = tandem_jit::LoopExits { code, loop_entries };
                        compiler.compile_osr_with_exits(info, index, loop_offset, exits)
                    }
                    _ => compiler.compile_osr(info, index, loop_offset),
                })
                .ok()?
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

/// Where a running call continues in compiled code at a loop header (see
/// [`NativeCode::loop_entry`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LoopEntry {
    /// The function's array-call entry, told to start at its loop entry `position` (see
    /// [`JitOptions::loop_entries`]).
    InFunction { code: *mut u8, position: u32 },
    /// An OSR entry compiled for that loop.
    Separate(*mut u8),
    /// The function is being compiled: the call goes on in the interpreter, and moves at a
    /// later back edge once the code is installed (see [`tier_up`]).
    Pending,
    /// Not at this nested loop yet: the call goes on in the interpreter, to move at an
    /// outermost loop, or here after as many back edges again.
    Later,
    /// The tier cannot enter there.
    None,
}

/// Calls (and back edges) after which a function whose background compilation is under way
/// checks again: a running call moves into the code at the first outermost back edge after
/// the check that installs it, so the check must come soon after the compilation ends even
/// where iterations are long, and cost little where they are short.
const TIER_UP_RECHECK: u32 = 4;

/// The tier-up policy of function `entry`, whose module's native code is `native`: asks for
/// its compilation and installs the code in the entry once there is some (returning `true`);
/// while the compilation runs in the background, has the interpreter ask again after a few
/// calls.
///
/// Installing code that has loop entries lets calls of the function still running on the
/// interpreter move into it at their next back edge of an outermost loop.
pub(crate) fn tier_up(native: &Arc<NativeCode>, entry: &FuncEntry, engine: &Engine) -> bool {
    let (code, ask_again) = native.request(entry.index, engine);
    if ask_again {
        counters(entry)
            .calls
            .store(TIER_UP_RECHECK, Ordering::Relaxed);
    }
    let installed = !code.is_null() && native.install(entry);
    let has_loop_entries = !native.loop_entry_offsets(entry.index).is_empty();
    if installed && has_loop_entries && engine.config().tier_up_back_edges != 0 {
        counters(entry).back_edges.store(1, Ordering::Relaxed);
    }
    installed
}

/// Restarts the countdown of back edges of `entry`'s nested loops (see
/// [`LoopEntry::Later`]).
pub(crate) fn rearm_nested_osr(entry: &FuncEntry, engine: &Engine) {
    let back_edges = engine.config().tier_up_back_edges;
    counters(entry).nested_back_edges.store(
        back_edges.saturating_mul(NESTED_BACK_EDGE_FACTOR),
        Ordering::Relaxed,
    );
}

/// After a call of `entry` moved into compiled code at a loop header: until the whole
/// function is compiled its next calls start on the interpreter. The function has proved
/// hot, so they move into compiled code at the first back edge they take (through the
/// cached loop entry, or one compiled then), not after as many as the first call needed.
pub(crate) fn rearm_osr(entry: &FuncEntry, engine: &Engine) {
    if !entry.has_native_code() && engine.config().tier_up_back_edges != 0 {
        counters(entry).back_edges.store(1, Ordering::Relaxed);
        rearm_nested_osr(entry, engine);
    }
}

/// The tier-up counters of wasm function `entry`, whose instance tiers up.
fn counters(entry: &FuncEntry) -> &TierCounters {
    entry
        .tier_counters()
        .expect("the entry of a function that tiers up has countdowns")
}

/// Whether this host runs code Cranelift generates: checked once per process by compiling
/// an empty function (which maps executable memory).
pub(crate) fn host_supports_jit() -> bool {
    static SUPPORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        // The smallest module with a function: a type section with `() -> ()`, a function
        // section and a code section with an empty body.
        const EMPTY_FUNCTION: &[u8] = &[
            0, b'a', b's', b'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0b,
        ];
        let Ok(info) = tandem_interp::module::parse_module(
            EMPTY_FUNCTION,
            wasmparser::WasmFeatures::default(),
        ) else {
            return false;
        };
        JitCompiler::new().is_ok_and(|mut compiler| compiler.compile(&info, 0).is_ok())
    })
}

/// What compiled code needs from the store running it: calls of host functions and of
/// functions the interpreter runs.
pub(crate) trait StoreCalls {
    /// Calls host function `entry` on behalf of instance `caller`.
    fn call_host(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<()>;
    /// Runs wasm function `entry` on the interpreter.
    fn call_interpreted(&mut self, entry: &FuncEntry, io: &mut [Slot]) -> Result<(), CallError>;
    /// `error`, a host function's, as an exception of the store if it is a wasm exception
    /// (see `tandem_interp::exec::Host::exception`); otherwise the error.
    fn exception(&mut self, error: Error) -> Result<Slot>;
    /// Collects garbage with every root the store knows of.
    fn gc(&mut self);
}

/// How a call that compiled code made through the call helper failed.
pub(crate) enum CallError {
    /// A wasm exception left the callee: its `exnref`.
    Exception(Slot),
    /// Any other error.
    Error(Error),
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
) -> Result<NativeReturn> {
    debug_assert!(io.len() >= entry.param_slots.max(entry.result_slots) as usize);
    // SAFETY: guaranteed by the caller.
    unsafe { call_compiled(calls, entry, entry.native.load(Ordering::Acquire), io, true) }
}

/// Runs `code`, compiled code of wasm function `entry` with the array-call convention (its
/// normal entry or one at a loop header), with `io` as its values array.
///
/// Tail calls the code ends with are made here, in constant native stack, except (with
/// `hand_back`) a tail call of a function the interpreter runs, which is returned for the
/// interpreter to make in its own loop: chains of tail calls that alternate between tiers
/// would otherwise nest an interpreter activation in compiled code at every step.
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
    hand_back: bool,
) -> Result<NativeReturn> {
    // SAFETY: `code` is an `ArrayCallFn` (the caller's contract).
    let native: ArrayCallFn = unsafe { std::mem::transmute::<*mut u8, ArrayCallFn>(code) };
    // SAFETY: a wasm entry's context, and the store's limits it points at, are live.
    let limits = unsafe { (*entry.vmctx).limits };
    // SAFETY: as above; only this thread runs the store.
    let outermost = unsafe { (*limits).stack_limit } == 0;
    let here = native_stack_pointer();
    if outermost {
        let limit = here.saturating_sub(NATIVE_STACK_BUDGET);
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = limit };
    }
    // Compiled frames of this store run below `here`, on this thread, until this returns:
    // collections find the references they hold. The outermost entry that finds the heap
    // declares it (a heap made while compiled code runs is declared by the next entry).
    // SAFETY: as above; a non-null heap is the store's.
    let heap = unsafe { (*limits).gc_heap };
    // SAFETY: as above.
    let previous_top = (!heap.is_null()).then(|| unsafe {
        let previous = (*heap).native_top();
        if previous == 0 {
            (*heap).set_native_top(here);
        }
        previous
    });
    // The borrow of `calls` outlives its registration: it is removed below, before this
    // function returns.
    // SAFETY: only the lifetime is erased; the pointer is not used after `RUNNING` is restored.
    let calls: NonNull<dyn StoreCalls> =
        unsafe { std::mem::transmute::<&mut dyn StoreCalls, NonNull<dyn StoreCalls>>(calls) };
    let previous = RUNNING.replace(Some(calls));
    // SAFETY: the caller's contract is the array-call contract; tail calls the function left
    // pending are made through the same helper its code calls.
    let mut status = unsafe { tandem_jit::enter(native, entry.vmctx, io.as_mut_ptr()) };
    let mut handed_back = None;
    let mut tail_results: Option<Vec<Slot>> = None;
    while status == STATUS_TAIL_CALL {
        let (caller, callee, mut args) = take_pending_tail_call();
        // SAFETY: compiled code requested the call with a valid entry of this store.
        let callee_ref = unsafe { &*callee };
        if hand_back && callee_ref.kind == FuncKind::Wasm && !callee_ref.has_native_code() {
            handed_back = Some(NativeReturn::TailCall { callee, args });
            status = STATUS_OK;
            break;
        }
        // SAFETY: as `resolve_tail_calls` does: the call helper runs the requested call.
        status = unsafe { make_tail_call(caller, callee, &mut args, call_helper) };
        tail_results = Some(args);
    }
    RUNNING.set(previous);
    if outermost {
        // SAFETY: as above.
        unsafe { (*limits).stack_limit = 0 };
    }
    if let Some(top) = previous_top {
        // SAFETY: as above.
        unsafe { (*heap).set_native_top(top) };
    }
    match decode_status(status) {
        Status::Ok => {
            if let Some(values) = tail_results {
                // The last callee's results are the original function's.
                let results = entry.result_slots as usize;
                io[..results].copy_from_slice(&values[..results]);
            }
            Ok(handed_back.unwrap_or(NativeReturn::Returned))
        }
        Status::Trap(code) => Err(Error::Trap(Trap {
            reason: TrapReason::Code(code),
            backtrace: compiled_backtrace(),
        })),
        // SAFETY: as above.
        Status::Exception => Ok(NativeReturn::Threw {
            exnref: unsafe { (*limits).thrown },
        }),
        Status::Embedder(_) | Status::TailCall => {
            let error = PENDING
                .take()
                .unwrap_or_else(|| Error::msg("compiled code stopped without a recorded reason"));
            Err(error.with_outer_frames(compiled_backtrace()))
        }
    }
}

/// The compiled frames the last stop went through on this thread, innermost first.
fn compiled_backtrace() -> Vec<FrameInfo> {
    tandem_jit::take_backtrace()
        .into_iter()
        .map(|frame| {
            // SAFETY: every compiled function's frames carry the address of its module's
            // code (set in `NativeCode::with_compiler`), which its native code keeps alive,
            // and the function just ran.
            let module = unsafe { &*(frame.owner as *const ModuleCode) };
            FrameInfo::in_module(module, frame.func_index, frame.wasm_offset)
        })
        .collect()
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
        // The call goes through the trampoline like every entry from Rust, so that a fault in
        // the callee unwinds to here and not past this frame.
        return unsafe {
            let native =
                std::mem::transmute::<*mut u8, ArrayCallFn>(callee.native.load(Ordering::Acquire));
            tandem_jit::enter(native, callee.vmctx, values)
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
        FuncKind::Host => {
            calls
                .call_host(callee, caller, io)
                .map_err(|error| match calls.exception(error) {
                    Ok(exnref) => CallError::Exception(exnref),
                    Err(error) => CallError::Error(error),
                })
        }
        FuncKind::Wasm => calls.call_interpreted(callee, io),
    };
    match result {
        Ok(()) => STATUS_OK,
        Err(CallError::Exception(exnref)) => {
            // SAFETY: compiled code passes its own context, of a live instance, whose limits
            // are the store's.
            unsafe { (*(*caller).limits).thrown = exnref };
            STATUS_EXCEPTION
        }
        Err(CallError::Error(error)) => {
            PENDING.set(Some(error));
            STATUS_EMBEDDER_MIN
        }
    }
}

/// The collection helper of all compiled code (see `tandem_jit::GcHelper`): collects the
/// garbage of the store whose compiled code runs on this thread.
///
/// # Safety
///
/// Called by compiled code only, while [`call_native`] runs on this thread.
unsafe extern "C" fn gc_helper(_vmctx: *mut VmCtx) {
    if let Some(mut calls) = RUNNING.get() {
        // SAFETY: as in `call_helper`: the store running the compiled code that called.
        unsafe { calls.as_mut() }.gc();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::{Config, Module, Strategy};

    /// A module with one function, tiered with background compilation, and its native code.
    fn tiered_module(engine: &Engine) -> Arc<NativeCode> {
        let module = Module::new(engine, "(module (func (loop)))").unwrap();
        module.inner.native.clone().expect("tiered native code")
    }

    fn tiered_engine() -> Engine {
        let mut config = Config::new();
        config.strategy(Strategy::Tiered);
        Engine::new(&config).unwrap()
    }

    /// A compilation the background thread does not start in time is made by the thread
    /// asking, and the queued job then leaves it alone.
    #[test]
    fn a_queued_compilation_is_taken_over_when_the_thread_is_late() {
        if !host_supports_jit() {
            return;
        }
        let engine = tiered_engine();
        let native = tiered_module(&engine);
        // Keep the background thread busy until told otherwise.
        let (release, wait) = mpsc::channel::<()>();
        engine.compile_in_background(Box::new(move || {
            let _ = wait.recv();
        }));
        let (entry, pending) = native.request(0, &engine);
        assert!(entry.is_null() && pending, "queued");
        let (entry, pending) = native.request(0, &engine);
        assert!(entry.is_null() && pending, "not taken over at once");
        std::thread::sleep(STEAL_AFTER * 2);
        let (entry, pending) = native.request(0, &engine);
        assert!(
            !entry.is_null() && !pending,
            "compiled by the asking thread"
        );
        assert_eq!(native.compiled_count(), 1);
        // The queued job finds the function taken and compiles nothing.
        release.send(()).unwrap();
        let (done, finished) = mpsc::channel::<()>();
        engine.compile_in_background(Box::new(move || {
            let _ = done.send(());
        }));
        finished.recv().unwrap();
        assert_eq!(native.compiled_count(), 1);
        assert_eq!(engine.native_stats().functions, 1, "compiled once");
    }
}
