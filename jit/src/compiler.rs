//! The compiler: Cranelift set up for the host, and the executable memory it owns.

use std::sync::Arc;

use cranelift_codegen::ir::{self, AbiParam, Signature, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Module, default_libcall_names};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::ModuleInfo;
use tandem_interp::vm::Slot;

use crate::abi::{ArrayCallFn, CallHelper, GcHelper, resolve_tail_calls};
use crate::error::JitError;
use crate::registry::{self, CodeInfo};
use crate::translate::{self, EntryKind, Env};

/// What compiled code checks besides the wasm semantics, mirroring the interpreter's
/// [`TranslateOptions`] (see [`JitOptions::from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitOptions {
    /// Meter fuel exactly as the interpreter does: the same charges at the same points (see
    /// [`tandem_interp::lower::fuel`]), trapping with "all fuel consumed" when a charge
    /// exceeds `VmLimits::fuel`.
    pub fuel: bool,
    /// Check the epoch deadline at function entries and loop headers, trapping with
    /// "interrupt" once `VmLimits::epoch` reaches `VmLimits::epoch_deadline`.
    pub epoch: bool,
    /// Compare the stack pointer with `VmLimits::stack_limit` at function entry, trapping
    /// with "call stack exhausted" below it (see [`crate::abi`]). Functions that call nothing
    /// and have small frames skip the check (only calls can exhaust the stack), as do
    /// Wasmtime's; entries at loop headers always make it.
    pub stack_check: bool,
    /// Replace NaN results of float arithmetic with the canonical NaN (deterministic
    /// execution), as the interpreter's option of the same name does.
    pub canonicalize_nans: bool,
    /// Let the hardware check the bounds of loads and stores of 32-bit memories whose page
    /// size is a multiple of the OS page, when the static offset plus the access size is at
    /// most [`tandem_interp::vm::GUARD_SIZE`]: the code registers those accesses as trap sites
    /// instead of comparing the address with the length (see [`crate::signals`]).
    ///
    /// The embedder guarantees that every such memory the code can access was created with
    /// [`tandem_interp::vm::Reservation::IndexSpaceAndGuard`], that
    /// [`crate::install_signal_handler`] succeeded, and that it calls compiled code only
    /// through [`crate::enter`] (as [`CompiledCode::call`] does).
    pub guard_pages: bool,
    /// Give each call's code entries at its outermost loops, so that a call running on the
    /// interpreter can continue in it at such a loop's header (on-stack replacement without
    /// compiling an entry of its own, see [`JitCompiler::compile_osr`]): the loops an OSR
    /// entry can start at that are not nested in another loop, listed in
    /// [`CompiledCode::loop_entries`]. The code then checks for a request at every call,
    /// and locals entering those loops lose the constants the normal path gives them.
    ///
    /// The embedder makes a request by storing the address of the call's locals (laid out as
    /// for an OSR entry) in `VmCtx::osr_values` and the entry's position in
    /// `VmCtx::osr_loop`, then calling the function's array-call entry with the same slots;
    /// the code clears `osr_values` before anything else. See [`crate::abi`], "Loop entries".
    pub loop_entries: bool,
    /// How hard Cranelift optimizes. Fixed when the compiler is created
    /// ([`JitCompiler::with_options`]); [`JitCompiler::set_options`] keeps it.
    pub opt_level: OptLevel,
}

/// How hard Cranelift optimizes compiled code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No optimizations: the fastest compilation.
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and code size.
    SpeedAndSize,
}

impl OptLevel {
    /// Cranelift's name of the level.
    fn setting(self) -> &'static str {
        match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        }
    }
}

impl Default for JitOptions {
    /// No fuel, no epoch checks, no NaN canonicalization, explicit bounds checks; stack
    /// checks on.
    fn default() -> Self {
        JitOptions {
            fuel: false,
            epoch: false,
            stack_check: true,
            canonicalize_nans: false,
            guard_pages: false,
            loop_entries: false,
            opt_level: OptLevel::Speed,
        }
    }
}

impl From<TranslateOptions> for JitOptions {
    /// The options under which compiled code behaves as the interpreter's bytecode translated
    /// with `options` does (with stack checks on and explicit bounds checks).
    fn from(options: TranslateOptions) -> Self {
        JitOptions {
            fuel: options.fuel,
            epoch: options.epoch,
            stack_check: true,
            canonicalize_nans: options.canonicalize_nans,
            guard_pages: false,
            loop_entries: false,
            opt_level: OptLevel::Speed,
        }
    }
}

/// The function's own code an OSR entry hands the call over to (see
/// [`JitCompiler::compile_osr_with_exits`]).
#[derive(Debug, Clone, Copy)]
pub struct LoopExits<'a> {
    /// The array-call entry of the function's code, compiled with loop entries; it must live
    /// as long as the OSR entry.
    pub code: ArrayCallFn,
    /// The wasm offsets of that code's loop entries ([`CompiledCode::loop_entries`]).
    pub loop_entries: &'a [u32],
}

/// A compiled function: its entry point with the array-call convention and facts about it.
///
/// The code stays valid, and `entry` callable, as long as the [`JitCompiler`] that produced it
/// lives.
#[derive(Debug, Clone)]
pub struct CompiledCode {
    /// The entry point (see [`ArrayCallFn`] and the [`crate::abi`] conventions).
    pub entry: ArrayCallFn,
    /// The same function's entry with the wasm-call convention (see [`crate::abi`]), the
    /// form `FuncEntry::native_wasm_call` stores; null for an OSR entry, which has none.
    pub wasm_call: *mut u8,
    /// Size of the machine code in bytes (both entries).
    pub code_size: usize,
    /// Slots the entry reads from the values array: the parameters' slots, or for an OSR
    /// entry (see [`JitCompiler::compile_osr`]) the slots of all the function's locals.
    pub param_slots: u16,
    /// Slots taken by the results.
    pub result_slots: u16,
    /// The call helper the code calls through (and resolves tail calls with).
    pub call_helper: Option<CallHelper>,
    /// The wasm offsets of the loops a call's code can be entered at (with
    /// [`JitOptions::loop_entries`]), by their position in the code's dispatch; empty
    /// otherwise.
    pub loop_entries: Arc<[u32]>,
}

impl CompiledCode {
    /// The entry point as a raw pointer, the form `FuncEntry::native` stores.
    pub fn as_ptr(&self) -> *mut u8 {
        self.entry as *const () as *mut u8
    }

    /// Calls the function: `values` holds its parameters (for an OSR entry, all its locals)
    /// and receives its results. Tail calls the function leaves pending are made before this
    /// returns.
    ///
    /// Returns the status (see [`crate::abi`]); decode it with [`crate::decode_status`].
    ///
    /// # Safety
    ///
    /// The [`ArrayCallFn`] contract: `vmctx` must be the live context of an instance of the
    /// module this function was compiled from, with nothing else using that instance's state
    /// for the duration of the call, and the compiler that produced the code must still live.
    pub unsafe fn call(&self, vmctx: *mut tandem_interp::vm::VmCtx, values: &mut [Slot]) -> u32 {
        let needed = self.param_slots.max(self.result_slots) as usize;
        assert!(
            values.len() >= needed,
            "the values array holds {} slots but the function needs {needed}",
            values.len()
        );
        // SAFETY: `values` is large enough (checked above); the rest is the caller's contract.
        let status = unsafe { crate::signals::enter(self.entry, vmctx, values.as_mut_ptr()) };
        match self.call_helper {
            // SAFETY: the status comes from the call just made with `values`, and the code
            // was compiled to call through `helper`.
            Some(helper) => unsafe { resolve_tail_calls(status, values.as_mut_ptr(), helper) },
            // Without a helper nothing makes tail calls.
            None => status,
        }
    }
}

/// Compiles validated wasm function bodies to native code for the host.
///
/// The compiler owns the executable memory of everything it compiled: code is written while
/// its pages are writable and only then made executable (never both at once), and it is
/// released when the compiler is dropped. Each [`JitCompiler::compile`] call finalizes its
/// function, so code can be called as soon as `compile` returns.
pub struct JitCompiler {
    /// `None` only while dropping.
    module: Option<JITModule>,
    ctx: cranelift_codegen::Context,
    builder_ctx: FunctionBuilderContext,
    call_helper: Option<CallHelper>,
    gc_helper: Option<GcHelper>,
    call_conv: CallConv,
    options: JitOptions,
    /// The start of each function registered in the code registry, unregistered on drop.
    registered: Vec<usize>,
    /// The embedder's tag for the module of the functions compiled from now on.
    frame_owner: usize,
}

// The compiler is moved to the thread that compiles; the code it returns is plain memory.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<JitCompiler>()
};

impl std::fmt::Debug for JitCompiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitCompiler")
            .field("call_helper", &self.call_helper.is_some())
            .field("gc_helper", &self.gc_helper.is_some())
            .field("call_conv", &self.call_conv)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl JitCompiler {
    /// A compiler for the host's architecture and CPU features, with the default
    /// [`JitOptions`].
    pub fn new() -> Result<Self, JitError> {
        Self::with_options(JitOptions::default())
    }

    /// A compiler for the host whose code checks what `options` asks for.
    pub fn with_options(options: JitOptions) -> Result<Self, JitError> {
        let isa = host_isa(options.opt_level)?;
        let call_conv = isa.default_call_conv();
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Ok(JitCompiler {
            module: Some(module),
            ctx,
            builder_ctx: FunctionBuilderContext::new(),
            call_helper: None,
            gc_helper: None,
            call_conv,
            options,
            registered: Vec::new(),
            frame_owner: 0,
        })
    }

    /// The options of the code compiled from now on.
    pub fn options(&self) -> JitOptions {
        self.options
    }

    /// Changes the options of the code compiled from now on, except the optimization level,
    /// which stays the one the compiler was created with.
    pub fn set_options(&mut self, options: JitOptions) {
        self.options = JitOptions {
            opt_level: self.options.opt_level,
            ..options
        };
    }

    /// Sets the function compiled code calls for `call`, `call_indirect`, `call_ref` and tail
    /// calls (see [`CallHelper`]). Its address is embedded in the code compiled afterwards;
    /// functions that call are [`JitError::Unsupported`] while no helper is set.
    pub fn set_call_helper(&mut self, helper: Option<CallHelper>) {
        self.call_helper = helper;
    }

    /// Sets the function compiled code calls to collect garbage before an allocation (see
    /// [`GcHelper`]). Its address is embedded in the code compiled afterwards; functions that
    /// allocate GC objects are [`JitError::Unsupported`] while no helper is set.
    pub fn set_gc_helper(&mut self, helper: Option<GcHelper>) {
        self.gc_helper = helper;
    }

    /// Sets the tag that the backtrace frames ([`crate::CompiledFrame`]) of the functions
    /// compiled from now on carry to name their module; `0` until set. An embedder that
    /// compiles one module per compiler can use the address of its module data.
    pub fn set_frame_owner(&mut self, owner: usize) {
        self.frame_owner = owner;
    }

    /// The call helper that newly compiled code uses.
    pub fn call_helper(&self) -> Option<CallHelper> {
        self.call_helper
    }

    /// Compiles defined function `defined_index` of `info` (imports not counted) to native
    /// code with the array-call convention.
    ///
    /// Returns [`JitError::Unsupported`] when the body uses anything outside what this tier
    /// compiles; such a function keeps running on the interpreter.
    pub fn compile(
        &mut self,
        info: &ModuleInfo,
        defined_index: u32,
    ) -> Result<CompiledCode, JitError> {
        self.compile_entry(info, defined_index, EntryKind::Call, None)
    }

    /// Compiles an on-stack-replacement (OSR) entry of defined function `defined_index` of
    /// `info`: code that takes over a running call of the function at the header of one of
    /// its loops and runs the rest of the call natively.
    ///
    /// `loop_offset` is the byte offset of a `loop` operator of the function's body, counted
    /// from the start of the module's bytes (as [`wasmparser::OperatorsReader::read_with_offset`]
    /// reports it for a reader over `info.bytes`). [`osr_loops`] lists the offsets this
    /// accepts.
    ///
    /// # Contract
    ///
    /// The code has the array-call signature ([`ArrayCallFn`]) and the [`crate::abi`]
    /// conventions of a normal entry, with these differences:
    ///
    /// - **On entry** `values` holds *all* the function's locals, parameters first and then
    ///   the declared locals, one slot each (two for a `v128`, low half first), in the
    ///   interpreter's register layout (an `i32` or `f32` in the low 32 bits; the high bits
    ///   are ignored), with the values they have when
    ///   execution reaches the loop header. `values` must have room for
    ///   `max(local_slots, result_slots)` slots; the returned [`CompiledCode::param_slots`]
    ///   is `local_slots`, so [`CompiledCode::call`] checks that.
    /// - **Execution starts at the loop header**, before the loop's first instruction,
    ///   exactly as if a back edge of the loop had just been taken: the header's fuel block
    ///   is charged there (with fuel metering) and the epoch deadline is checked there (with
    ///   epoch checks), in the interpreter's order, fuel first. The function entry's own fuel
    ///   charge and epoch check are *not* made again: the running call already made them. So
    ///   an interpreter that transfers to this entry when it reaches the loop header, before
    ///   charging the header's block, leaves the same fuel as if it had run the whole call
    ///   itself.
    /// - The native stack-limit check of function entries is made (with
    ///   [`JitOptions::stack_check`]).
    /// - **On return** the function's results are in `values[0..result_slots]`, exactly as
    ///   after a normal call; on any other status (trap, [`crate::STATUS_TAIL_CALL`], an
    ///   embedder status) the contents of `values` are unspecified, as for a normal call.
    ///
    /// The rest of the function runs natively: branches out of the loop continue after the
    /// `end` of the enclosing block they target, branches to an enclosing loop go to its
    /// header, and a `return_call` of the function itself starts a new call of it (with the
    /// entry's fuel charge and epoch check).
    ///
    /// # Errors
    ///
    /// The errors of [`JitCompiler::compile`] for a function this tier does not compile, and
    /// [`JitError::OsrUnsupported`] when no entry can start at `loop_offset`: no `loop`
    /// operator of this body is there, or the loop is unreachable, has block parameters, or
    /// is entered with values on the operand stack (loops at statement level, as compilers
    /// emit them for source loops, qualify).
    pub fn compile_osr(
        &mut self,
        info: &ModuleInfo,
        defined_index: u32,
        loop_offset: u32,
    ) -> Result<CompiledCode, JitError> {
        self.compile_entry(info, defined_index, EntryKind::Osr { loop_offset }, None)
    }

    /// As [`JitCompiler::compile_osr`], for a function whose own code has loop entries
    /// ([`JitOptions::loop_entries`]): the OSR entry runs only until the call reaches the
    /// header of one of those loops, then hands the call over to the function's code there
    /// (as its embedder would, with a request in the context) and returns what that code
    /// returns. An entry at a nested loop thus runs the rest of the call in code that has the
    /// loop nest's structure, once the enclosing outermost loop takes its next back edge.
    pub fn compile_osr_with_exits(
        &mut self,
        info: &ModuleInfo,
        defined_index: u32,
        loop_offset: u32,
        exits: LoopExits<'_>,
    ) -> Result<CompiledCode, JitError> {
        self.compile_entry(
            info,
            defined_index,
            EntryKind::Osr { loop_offset },
            Some(exits),
        )
    }

    /// Compiles `defined_index` with the entry `entry`, and for an OSR entry, `exits`.
    fn compile_entry(
        &mut self,
        info: &ModuleInfo,
        defined_index: u32,
        entry_kind: EntryKind,
        exits: Option<LoopExits<'_>>,
    ) -> Result<CompiledCode, JitError> {
        let body_count = info.bodies.len();
        if defined_index as usize >= body_count {
            return Err(JitError::NoSuchFunction(defined_index));
        }
        let module = self.module.as_mut().expect("the module lives until drop");
        module.clear_context(&mut self.ctx);
        let env = Env {
            pointer_type: module.target_config().pointer_type(),
            frontend_config: module.target_config(),
            call_conv: self.call_conv,
            call_helper: self.call_helper,
            gc_helper: self.gc_helper,
            options: self.options,
            frame_owner: self.frame_owner,
        };
        let array_signature = array_call_signature(module, self.call_conv);

        // The function itself: wasm-call code for a call, array-call code for a loop entry.
        let (signature, self_id) = match entry_kind {
            EntryKind::Call => {
                let func_index = info.imported_funcs + defined_index;
                let signature = translate::wasm_call_signature(info, func_index, env.pointer_type)?;
                let id = module.declare_anonymous_function(&signature)?;
                (signature, Some(id))
            }
            EntryKind::Osr { .. } => (array_signature.clone(), None),
        };
        self.ctx.func.signature = signature.clone();
        let self_ref = self_id.map(|id| module.declare_func_in_func(id, &mut self.ctx.func));
        let translated = translate::translate_function(
            &mut self.ctx.func,
            &mut self.builder_ctx,
            &env,
            info,
            defined_index,
            entry_kind,
            self_ref,
            exits,
        );
        let slots = match translated {
            Ok(slots) => slots,
            Err(error) => return abandon(&mut self.builder_ctx, module, &mut self.ctx, error),
        };
        let id = match self_id {
            Some(id) => id,
            None => module.declare_anonymous_function(&signature)?,
        };
        let body = define(module, &mut self.ctx, id)?;

        // A call's array-call entry: a wrapper around the wasm-call code.
        let wrapper = match self_id {
            Some(body_id) => {
                self.ctx.func.signature = array_signature.clone();
                let body_ref = module.declare_func_in_func(body_id, &mut self.ctx.func);
                // The body may lie in another allocation of code memory, more than 2 GiB away
                // (linear memories reserve many gigabytes between them): call it through its
                // absolute address, not a 32-bit relative one.
                self.ctx.func.dfg.ext_funcs[body_ref].colocated = false;
                let wrapped = translate::translate_array_wrapper(
                    &mut self.ctx.func,
                    &mut self.builder_ctx,
                    &env,
                    info,
                    defined_index,
                    body_ref,
                );
                if let Err(error) = wrapped {
                    return abandon(&mut self.builder_ctx, module, &mut self.ctx, error);
                }
                let id = module.declare_anonymous_function(&array_signature)?;
                Some((id, define(module, &mut self.ctx, id)?))
            }
            None => None,
        };
        module.finalize_definitions()?;

        let func_index = info.imported_funcs + defined_index;
        let owner = self.frame_owner;
        let mut registered = |id, mut defined: Defined| {
            let pointer = module.get_finalized_function(id);
            defined.heap_traps.sort_unstable();
            let code = CodeInfo {
                end: pointer as usize + defined.code_size,
                owner,
                func_index,
                heap_traps: defined.heap_traps.into_boxed_slice(),
                wasm_offsets: defined.wasm_offsets.into_boxed_slice(),
            };
            registry::register(pointer as usize, code);
            self.registered.push(pointer as usize);
            (pointer, defined.code_size)
        };
        let (body_pointer, body_size) = registered(id, body);
        let (array_pointer, wasm_call, code_size) = match wrapper {
            // The wrapper is no wasm frame and has no trap sites: left out of the registry,
            // it ends the frame walks of faults (see `crate::backtrace`).
            Some((wrapper_id, wrapper)) => (
                module.get_finalized_function(wrapper_id),
                body_pointer,
                body_size + wrapper.code_size,
            ),
            None => (body_pointer, std::ptr::null(), body_size),
        };
        // SAFETY: the array-call code was compiled with the array-call signature built by
        // `array_call_signature` in the host's default calling convention, which is the
        // convention of `extern "C"` on this host.
        let entry = unsafe { std::mem::transmute::<*const u8, ArrayCallFn>(array_pointer) };
        Ok(CompiledCode {
            entry,
            wasm_call: wasm_call.cast_mut(),
            code_size,
            param_slots: match entry_kind {
                EntryKind::Call => slots.params,
                EntryKind::Osr { .. } => slots.locals,
            },
            result_slots: slots.results,
            call_helper: self.call_helper,
            loop_entries: slots.loop_entries.into(),
        })
    }
}

/// Fails with `error` after a translation abandoned half way, clearing what it leaves behind:
/// the builder's scratch state and the function in `ctx`.
fn abandon<T>(
    builder_ctx: &mut FunctionBuilderContext,
    module: &mut JITModule,
    ctx: &mut cranelift_codegen::Context,
    error: JitError,
) -> Result<T, JitError> {
    *builder_ctx = FunctionBuilderContext::new();
    module.clear_context(ctx);
    Err(error)
}

/// What defining one function produced.
struct Defined {
    /// Size of its machine code in bytes.
    code_size: usize,
    /// The offsets of its guard-page trap sites (see [`crate::signals`]).
    heap_traps: Vec<u32>,
    /// The wasm offset of each range of its machine code.
    wasm_offsets: Vec<(u32, u32, u32)>,
}

/// Compiles the function in `ctx` as `id` of `module` and clears `ctx`.
fn define(
    module: &mut JITModule,
    ctx: &mut cranelift_codegen::Context,
    id: cranelift_module::FuncId,
) -> Result<Defined, JitError> {
    let defined = module.define_function(id, ctx);
    let result = ctx.compiled_code().map_or(
        Defined {
            code_size: 0,
            heap_traps: Vec::new(),
            wasm_offsets: Vec::new(),
        },
        |code| Defined {
            code_size: code.code_info().total_size as usize,
            heap_traps: code
                .buffer
                .traps()
                .iter()
                .filter(|trap| trap.code == ir::TrapCode::HEAP_OUT_OF_BOUNDS)
                .map(|trap| trap.offset)
                .collect(),
            wasm_offsets: code
                .buffer
                .get_srclocs_sorted()
                .iter()
                .filter(|range| !range.loc.is_default())
                .map(|range| (range.start, range.end, range.loc.bits()))
                .collect(),
        },
    );
    module.clear_context(ctx);
    defined?;
    Ok(result)
}

/// The byte offsets of the loops of defined function `defined_index` of `info` at which
/// [`JitCompiler::compile_osr`] can start an OSR entry, in body order.
///
/// Offsets count from the start of the module's bytes, as `compile_osr` takes them. A loop
/// qualifies when it is reachable, has no block parameters and the operand stack is empty
/// at its header (the loops of statement-level source loops). The function is translated to
/// find them, without generating code: it fails with [`JitError::Unsupported`] when the body
/// uses anything this tier does not compile, except that calls and allocations count as
/// compilable here (whether a [`CallHelper`] or a [`GcHelper`] is set is the compiler's
/// business).
pub fn osr_loops(info: &ModuleInfo, defined_index: u32) -> Result<Vec<u32>, JitError> {
    if defined_index as usize >= info.bodies.len() {
        return Err(JitError::NoSuchFunction(defined_index));
    }
    let isa = host_isa(OptLevel::None)?;
    let call_conv = isa.default_call_conv();
    let env = Env {
        pointer_type: isa.pointer_type(),
        frontend_config: isa.frontend_config(),
        call_conv,
        call_helper: Some(never_called_helper),
        gc_helper: Some(never_called_gc_helper),
        frame_owner: 0,
        options: JitOptions {
            stack_check: false,
            ..JitOptions::default()
        },
    };
    let mut func = cranelift_codegen::ir::Function::new();
    func.signature = translate::wasm_call_signature(
        info,
        info.imported_funcs + defined_index,
        isa.pointer_type(),
    )?;
    let mut builder_ctx = FunctionBuilderContext::new();
    let translated = translate::translate_function(
        &mut func,
        &mut builder_ctx,
        &env,
        info,
        defined_index,
        EntryKind::Call,
        None,
        None,
    )?;
    Ok(translated.osr_loops)
}

/// The call helper whose address [`osr_loops`] gives translations it never compiles; it is
/// never called.
extern "C" fn never_called_helper(
    _caller: *mut tandem_interp::vm::VmCtx,
    _callee: *const tandem_interp::vm::FuncEntry,
    _values: *mut Slot,
) -> u32 {
    crate::abi::trap_status(tandem_interp::TrapCode::Unreachable)
}

/// The collection helper of the same translations; never called either.
extern "C" fn never_called_gc_helper(_vmctx: *mut tandem_interp::vm::VmCtx) {}

impl Drop for JitCompiler {
    fn drop(&mut self) {
        for &start in &self.registered {
            registry::unregister(start);
        }
        if let Some(module) = self.module.take() {
            // SAFETY: the code of this compiler is only valid while it lives (documented on
            // `CompiledCode`), so nothing calls it any more.
            unsafe { module.free_memory() };
        }
    }
}

/// The target description of the host, with tandem's code generation settings.
fn host_isa(opt_level: OptLevel) -> Result<OwnedTargetIsa, JitError> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags
            .set(name, value)
            .map_err(|e| JitError::Codegen(format!("setting {name}={value}: {e}")))
    };
    set(&mut flags, "opt_level", opt_level.setting())?;
    // Backtraces of faults walk the frame-pointer chain of compiled frames.
    set(&mut flags, "preserve_frame_pointers", "true")?;
    // cranelift-jit places code anywhere in the address space and patches absolute addresses.
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    // The IR verifier catches translation bugs early in tests; release builds skip its cost.
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let isa_builder = cranelift_native::builder().map_err(|e| JitError::Host(e.to_string()))?;
    let isa = isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| JitError::Host(e.to_string()))?;
    // Addresses, slots and `usize` fields of the VM ABI are all assumed to be 64 bits wide.
    if isa.pointer_type() != types::I64 {
        return Err(JitError::Host("only 64-bit hosts are supported".into()));
    }
    Ok(isa)
}

/// `fn(vmctx: *mut VmCtx, values: *mut u64) -> u32` in `call_conv`.
fn array_call_signature(module: &JITModule, call_conv: CallConv) -> Signature {
    array_call_signature_for(module.target_config().pointer_type(), call_conv)
}

/// `fn(vmctx: *mut VmCtx, values: *mut u64) -> u32` in `call_conv` with `pointer`-sized
/// pointers.
fn array_call_signature_for(pointer: types::Type, call_conv: CallConv) -> Signature {
    let mut signature = Signature::new(call_conv);
    signature.params.push(AbiParam::new(pointer));
    signature.params.push(AbiParam::new(pointer));
    signature.returns.push(AbiParam::new(types::I32));
    signature
}
