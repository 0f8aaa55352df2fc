//! The executor: runs bytecode on a store-owned value stack.
//!
//! Wasm frames never live on the native stack: a call pushes a [`Frame`] record and moves the
//! register window up the value stack, so deep wasm recursion is bounded by
//! [`Stack::max_bytes`] and raises "call stack exhausted" instead of crashing the host.
//!
//! Each instruction has a handler, generated with the rest of the ISA from
//! [`for_each_op!`](crate::for_each_op) (see [`handlers`]). Optimised builds thread the
//! handlers: each ends by jumping to the next instruction's handler, whose address the
//! translation stores with the instruction ([`Threaded`]), a tail call LLVM turns into a jump,
//! so every handler has its own dispatch branch and the hot state (instruction pointer,
//! registers, memory 0, accumulator) stays in machine registers. Measured against a table
//! indexed by the opcode, this direct threading executes about 10% fewer instructions (one
//! load and one address computation fewer per instruction).
//! Builds with debug assertions (where tail calls are not guaranteed), and builds with the
//! `loop-dispatch` feature, run the same handlers from a loop instead: each handler returns and
//! the loop calls the next one.

pub mod atomic;
mod gc;
mod handlers;
pub mod num;
pub mod simd;

use std::sync::Arc;

use crate::isa::{Op, Reg};
use crate::lower::{CatchKind, CompiledFunc};
use crate::module::{CompileError, ModuleCode};
pub(crate) use handlers::thread;

use crate::vm::{FuncEntry, FuncKind, Slot, TrapCode, VmCtx};

/// An instruction as the executor runs it: the address of its handler, which the handler
/// of the instruction before jumps to (direct threading: no table lookup between two
/// instructions), then the instruction itself.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Threaded {
    handler: handlers::Handler,
    /// The instruction.
    pub op: Op,
}

impl std::fmt::Debug for Threaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.op.fmt(f)
    }
}

/// The default bound of a store's wasm stack, in bytes.
pub const DEFAULT_MAX_WASM_STACK: usize = 4 << 20;

/// A suspended caller.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// The caller, whose entry leads to its code.
    func: *const FuncEntry,
    /// Where to continue in the caller: the instruction after the call.
    resume: *const Threaded,
    /// The caller's register window.
    base: usize,
}

/// The value stack and call frames of one activation of the executor.
#[derive(Debug)]
pub struct Stack {
    values: Vec<Slot>,
    frames: Vec<Frame>,
    max_bytes: usize,
    /// The end of the slots at which the call instructions may start a frame on their own
    /// while `frames` has room for the record: a frame of up to [`SHORT_FRAME_SLOTS`] that
    /// starts below it lies within `values`, and the bound holds even with `frames` full to
    /// its capacity. Zero when no such frame fits at all. One compare on every call, which
    /// needs nothing of the callee; calls at or past it take the general path, which checks
    /// the bound exactly and grows the stack. Kept by [`Stack::update_quick_end`] whenever
    /// either vector grows.
    quick_end: usize,
}

impl Stack {
    /// An empty stack bounded to `max_bytes` (values plus frame records).
    pub fn new(max_bytes: usize) -> Self {
        Stack {
            values: Vec::new(),
            frames: Vec::new(),
            max_bytes,
            quick_end: 0,
        }
    }

    fn update_quick_end(&mut self) {
        let records = self.frames.capacity() * size_of::<Frame>();
        let within_bound = self.max_bytes.saturating_sub(records) / size_of::<Slot>();
        let room = self.values.len().min(within_bound);
        // A frame may start at `room - SHORT_FRAME_SLOTS`, if there is that much room.
        self.quick_end = (room + 1).saturating_sub(SHORT_FRAME_SLOTS);
    }

    /// Pushes a frame record.
    fn push_frame(&mut self, frame: Frame) {
        self.frames.push(frame);
        self.update_quick_end();
    }

    /// The bound, in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Makes sure `len` value slots exist, within the bound (which also counts the frame
    /// records, so that recursion of frameless functions is bounded too), and room for a
    /// short frame after them where the bound allows: otherwise every call whose frame
    /// starts within that room would take the general path.
    #[inline(always)]
    fn reserve(&mut self, len: usize) -> Result<(), TrapCode> {
        let bytes = len * size_of::<Slot>() + self.frames.len() * size_of::<Frame>();
        if bytes > self.max_bytes {
            return Err(TrapCode::StackOverflow);
        }
        // At least `len`: the bound has room for it (checked above).
        let wanted = (len + SHORT_FRAME_SLOTS).min(self.max_bytes / size_of::<Slot>());
        if wanted > self.values.len() {
            self.grow(wanted);
        }
        Ok(())
    }

    /// Grows the value stack (geometrically) to at least `len` slots.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, len: usize) {
        let target = len
            .max(self.values.len() * 2)
            .min(self.max_bytes / size_of::<Slot>())
            .max(len);
        self.values.resize(target, 0);
        self.update_quick_end();
    }
}

/// One frame of a trap's backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The module's name from its name section.
    pub module_name: Option<Arc<str>>,
    /// The function's index in its module.
    pub func_index: u32,
    /// The function's name from the name section.
    pub func_name: Option<Arc<str>>,
    /// Byte offset in the module of the trapping or calling instruction.
    pub wasm_offset: Option<u32>,
}

/// Why execution failed.
#[derive(Debug)]
pub enum ExecError<E> {
    /// A wasm trap.
    Trap {
        /// Its cause.
        code: TrapCode,
        /// Innermost frame first.
        backtrace: Vec<FrameInfo>,
    },
    /// A host function failed.
    Host {
        /// The host's error.
        error: E,
        /// Innermost wasm frame first.
        backtrace: Vec<FrameInfo>,
    },
    /// A function could not be translated.
    Compile(CompileError),
    /// An exception no handler caught.
    Exception {
        /// The exception, as an `exnref` slot.
        exnref: Slot,
        /// Innermost frame first.
        backtrace: Vec<FrameInfo>,
    },
}

/// What the executor needs from the embedder.
pub trait Host {
    /// The error host functions return.
    type Error;
    /// Calls host function `entry` on behalf of the instance `caller` (null when called from
    /// the host directly): arguments are in `io` and results are written back to its start.
    fn call_host(
        &mut self,
        entry: &FuncEntry,
        caller: *mut VmCtx,
        io: &mut [Slot],
    ) -> Result<(), Self::Error>;

    /// Calls wasm function `entry` through its native code (its `native` pointer is set):
    /// arguments are in `io` and results are written back to its start. The embedder that
    /// installs native code runs it, since only it knows how compiled code reports stops.
    /// Compiled code that ends with a tail call of a function the interpreter runs may hand
    /// that call back ([`NativeReturn::TailCall`]), so chains of tail calls that cross tiers
    /// run in constant native stack.
    ///
    /// # Panics
    ///
    /// The default panics: an embedder that never sets `FuncEntry::native` is never asked.
    fn call_native(
        &mut self,
        entry: &FuncEntry,
        io: &mut [Slot],
    ) -> Result<NativeReturn, Self::Error> {
        let _ = io;
        panic!(
            "function {} has native code but its embedder does not run native code",
            entry.index
        )
    }

    /// Wasm function `entry` ran out of its call countdown (see
    /// [`VmCtx::enable_tier_up`](crate::vm::VmCtx::enable_tier_up)): the embedder may compile
    /// it, install the code in `entry.native` and return `true` to have this call run it, and
    /// reset the countdown to be asked again. The default declines.
    fn tier_up(&mut self, entry: &FuncEntry) -> bool {
        let _ = entry;
        false
    }

    /// The interpreter is about to allocate a GC object and the store's heap (see
    /// [`VmLimits::gc_heap`](crate::vm::VmLimits::gc_heap)) asks for a collection: the
    /// embedder collects with every root it knows of (the heap adds the interpreter's
    /// register files itself). The default does nothing, and the heap just grows.
    fn gc(&mut self) {}

    /// A running call of wasm function `entry` reached the header of the loop at wasm offset
    /// `loop_offset` when its back-edge countdown ran out. `frame` holds the function's
    /// locals (its first `local_slots` slots) and has room for its results. The embedder may
    /// finish the call in compiled code entered at that loop and return how it ended, as
    /// [`Host::call_native`] does: the results at the start of `frame`, a tail call that
    /// replaces the call, or an exception out of it. With `Ok(None)` the interpreter goes
    /// on. The default declines.
    fn osr(
        &mut self,
        entry: &FuncEntry,
        loop_offset: u32,
        frame: &mut [Slot],
    ) -> Result<Option<NativeReturn>, Self::Error> {
        let _ = (entry, loop_offset, frame);
        Ok(None)
    }

    /// A call made through this host (`call_host`, `call_native` or `osr`) failed with
    /// `error`. If the error is a wasm exception, returns it as an `exnref` of the store
    /// (creating the exception object if needed), which the executor then throws from the
    /// call, for wasm handlers to catch; otherwise gives the error back, and execution stops
    /// with it. The default gives every error back.
    fn exception(&mut self, error: Self::Error) -> Result<Slot, Self::Error> {
        Err(error)
    }
}

/// How a call of native code ([`Host::call_native`]) ended.
#[derive(Debug)]
pub enum NativeReturn {
    /// The function returned; its results are at the start of the call's slots.
    Returned,
    /// The function ended with a tail call of `callee`, a wasm function without native code,
    /// for the interpreter to make: its arguments are `args`.
    TailCall {
        /// The function to call.
        callee: *const FuncEntry,
        /// Its arguments, in slots.
        args: Vec<Slot>,
    },
    /// An exception left the function: the interpreter throws it on from the call.
    Threw {
        /// The exception, as an `exnref` slot of the store.
        exnref: Slot,
    },
}

/// Why the handlers stopped early.
enum Stop {
    Trap(TrapCode),
    Exception(u64),
    /// A host function failed; its error waits in the [`HostAdapter`].
    Host,
    Compile(CompileError),
}

impl From<TrapCode> for Stop {
    fn from(code: TrapCode) -> Self {
        Stop::Trap(code)
    }
}

/// The executor's view of the host: [`Host`] with its error type erased, so that the
/// executor is compiled once rather than for every embedder.
trait ErasedHost {
    /// As [`Host::call_host`]; on failure the error is kept for [`execute`] to return.
    fn call(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<(), ()>;
    /// As [`Host::call_native`]; on failure the error is kept for [`execute`] to return.
    fn call_native(&mut self, entry: &FuncEntry, io: &mut [Slot]) -> Result<NativeReturn, ()>;
    /// As [`Host::tier_up`].
    fn tier_up(&mut self, entry: &FuncEntry) -> bool;
    /// As [`Host::osr`]; on failure the error is kept for [`execute`] to return.
    fn osr(
        &mut self,
        entry: &FuncEntry,
        loop_offset: u32,
        frame: &mut [Slot],
    ) -> Result<Option<NativeReturn>, ()>;
    /// As [`Host::gc`].
    fn gc(&mut self);
    /// The error the last failed call kept, if it is a wasm exception, as an `exnref` (see
    /// [`Host::exception`]); the error is then gone.
    fn take_exception(&mut self) -> Option<Slot>;
}

/// A [`Host`] and the error its last failed call returned.
struct HostAdapter<'h, H: Host> {
    host: &'h mut H,
    error: Option<H::Error>,
}

impl<H: Host> ErasedHost for HostAdapter<'_, H> {
    fn call(&mut self, entry: &FuncEntry, caller: *mut VmCtx, io: &mut [Slot]) -> Result<(), ()> {
        self.host.call_host(entry, caller, io).map_err(|error| {
            self.error = Some(error);
        })
    }

    fn call_native(&mut self, entry: &FuncEntry, io: &mut [Slot]) -> Result<NativeReturn, ()> {
        self.host.call_native(entry, io).map_err(|error| {
            self.error = Some(error);
        })
    }

    fn tier_up(&mut self, entry: &FuncEntry) -> bool {
        self.host.tier_up(entry)
    }

    fn osr(
        &mut self,
        entry: &FuncEntry,
        loop_offset: u32,
        frame: &mut [Slot],
    ) -> Result<Option<NativeReturn>, ()> {
        self.host.osr(entry, loop_offset, frame).map_err(|error| {
            self.error = Some(error);
        })
    }

    fn gc(&mut self) {
        self.host.gc()
    }

    fn take_exception(&mut self) -> Option<Slot> {
        let error = self.error.take()?;
        match self.host.exception(error) {
            Ok(exnref) => Some(exnref),
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }
}

/// Calls `entry` with the arguments in `io`, leaving its results at the start of `io`.
///
/// # Safety
///
/// `entry` and everything reachable from it (its `VmCtx`, memories, tables, globals, function
/// entries) must be valid and not accessed by anything else for the duration of the call, and
/// `io` must hold at least `max(param_slots, result_slots)` slots.
pub unsafe fn execute<H: Host>(
    stack: &mut Stack,
    host: &mut H,
    entry: *const FuncEntry,
    io: &mut [Slot],
) -> Result<(), ExecError<H::Error>> {
    // SAFETY: guaranteed by the caller.
    let entry_ref = unsafe { &*entry };
    if entry_ref.kind == FuncKind::Host {
        return host
            .call_host(entry_ref, std::ptr::null_mut(), io)
            .map_err(|error| ExecError::Host {
                error,
                backtrace: Vec::new(),
            });
    }
    let mut entry = entry;
    let mut handed_back: Option<Vec<Slot>> = None;
    if entry_ref.has_native_code()
        || (counts_down(entry_ref, Countdown::Calls) && host.tier_up(entry_ref))
    {
        match host.call_native(entry_ref, io) {
            Ok(NativeReturn::Returned) => return Ok(()),
            Ok(NativeReturn::Threw { exnref }) => {
                return Err(ExecError::Exception {
                    exnref,
                    backtrace: Vec::new(),
                });
            }
            Ok(NativeReturn::TailCall { callee, args }) => {
                // The interpreter makes the tail call the compiled code handed back; the
                // callee returns what `entry` would have.
                entry = callee;
                handed_back = Some(args);
            }
            Err(error) => {
                return Err(ExecError::Host {
                    error,
                    backtrace: Vec::new(),
                });
            }
        }
    }
    // SAFETY: a handed-back callee is a valid wasm entry of the same store.
    let entry_ref = unsafe { &*entry };
    if let Some(args) = &mut handed_back {
        args.resize(
            entry_ref.param_slots.max(entry_ref.result_slots) as usize,
            0,
        );
    }
    stack.frames.clear();
    let mut adapter = HostAdapter { host, error: None };
    let results = entry_ref.result_slots as usize;
    // SAFETY: guaranteed by the caller (and `handed_back` holds the handed-back callee's
    // arguments and room for its results).
    let (result, at) = unsafe {
        match &mut handed_back {
            None => run(stack, &mut adapter, entry, io),
            Some(values) => {
                let outcome = run(stack, &mut adapter, entry, values);
                io[..results].copy_from_slice(&values[..results]);
                outcome
            }
        }
    };
    result.map_err(|stop| {
        let backtrace = backtrace(stack, at);
        stack.frames.clear();
        match stop {
            Stop::Trap(code) => ExecError::Trap { code, backtrace },
            Stop::Host => ExecError::Host {
                error: adapter
                    .error
                    .take()
                    .expect("a failed host call left its error"),
                backtrace,
            },
            Stop::Compile(e) => ExecError::Compile(e),
            Stop::Exception(exnref) => ExecError::Exception { exnref, backtrace },
        }
    })
}

/// Where execution stopped: the function and the instruction's index.
#[derive(Clone, Copy)]
struct StopPoint {
    func: *const FuncEntry,
    pc: usize,
}

impl FrameInfo {
    /// The frame of wasm function `func` at wasm byte offset `wasm_offset`.
    pub fn of(func: &FuncEntry, wasm_offset: Option<u32>) -> FrameInfo {
        // SAFETY: a wasm entry's context is valid while the entry is.
        let module = unsafe { &(*func.vmctx).module };
        FrameInfo::in_module(module, module.info.imported_funcs + func.index, wasm_offset)
    }

    /// The frame of function `func_index` (imports first) of `module` at wasm byte offset
    /// `wasm_offset`.
    pub fn in_module(module: &ModuleCode, func_index: u32, wasm_offset: Option<u32>) -> FrameInfo {
        FrameInfo {
            module_name: module.name().cloned(),
            func_index,
            func_name: module.info.func_name(func_index).cloned(),
            wasm_offset,
        }
    }
}

/// The bytecode of wasm function `func`, null if it is not translated yet. A function that
/// runs has its translation, so frames keep only their entry.
///
/// # Safety
///
/// `func` must be a live entry.
#[inline(always)]
unsafe fn code_of(func: *const FuncEntry) -> *const CompiledFunc {
    // SAFETY: guaranteed by the caller.
    unsafe { (*func).code.load(std::sync::atomic::Ordering::Acquire) }
}

fn frame_info(func: *const FuncEntry, pc: usize) -> Option<FrameInfo> {
    // SAFETY: frames only hold entries of live instances, whose code lives as long.
    let (func, code) = unsafe { (&*func, code_of(func).as_ref()?) };
    Some(FrameInfo::of(func, code.wasm_offset(pc)))
}

fn backtrace(stack: &Stack, at: StopPoint) -> Vec<FrameInfo> {
    let mut frames: Vec<FrameInfo> = frame_info(at.func, at.pc).into_iter().collect();
    for frame in stack.frames.iter().rev() {
        // SAFETY: a frame's function runs, so its code is alive, and `resume` points into
        // its instructions.
        let resume = unsafe {
            frame
                .resume
                .offset_from((*code_of(frame.func)).code.as_ptr())
        };
        // The call is the instruction before `resume`.
        frames.extend(frame_info(frame.func, (resume as usize).saturating_sub(1)));
    }
    frames
}

/// Prepares the frame of wasm function `func` at `base`: translates it if needed, reserves its
/// registers and zeroes its non-parameter locals.
///
/// # Safety
///
/// `func` must be a valid wasm entry.
#[inline(always)]
unsafe fn enter(
    stack: &mut Stack,
    func: *const FuncEntry,
    base: usize,
) -> Result<*const CompiledFunc, Stop> {
    // SAFETY: guaranteed by the caller.
    let func = unsafe { &*func };
    let mut code = func
        .code
        .load(std::sync::atomic::Ordering::Acquire)
        .cast_const();
    if code.is_null() {
        code = translate(func)?;
    }
    // SAFETY: a non-null `code` is the translation of this entry's function, which its module
    // (kept alive by the store) owns.
    let code_ref = unsafe { &*code };
    stack.reserve(base + code_ref.frame_slots as usize)?;
    // SAFETY: `reserve` made `values[base..base + frame_slots]` exist.
    unsafe { init_frame(stack.values.as_mut_ptr().add(base), code_ref) };
    Ok(code)
}

/// Zeroes the locals of a new frame of `code` at `frame` that are not parameters, and writes
/// its constants after them.
///
/// # Safety
///
/// `frame` must point to `code.frame_slots` writable slots.
unsafe fn init_frame(frame: *mut Slot, code: &CompiledFunc) {
    // SAFETY: guaranteed by the caller; the template ends within the frame (frames have room
    // for its padding).
    unsafe {
        let to = frame.add(code.param_slots as usize);
        for quad in 0..code.frame_init.len() {
            copy_quad(to, code, quad);
        }
    }
}

/// The largest frame, in slots, that the call instructions set up themselves; calls of
/// functions with larger frames take the general path. The quick stack check keeps this much
/// room, so that it needs nothing of the callee.
pub(crate) const SHORT_FRAME_SLOTS: usize = 256;

/// The longest frame template, in quads, that the call handlers copy themselves; calls of
/// functions with more locals and constants take the general path.
pub(crate) const INLINE_TEMPLATE_QUADS: usize = 8;

/// As [`init_frame`], for a template of at most [`INLINE_TEMPLATE_QUADS`] quads, without a
/// loop: the compiler unrolls a loop of unknown trip count into one that needs more
/// registers than a call handler has free, and then every call saves and restores some.
///
/// # Safety
///
/// As for [`init_frame`].
#[inline(always)]
unsafe fn init_short_frame(frame: *mut Slot, code: &CompiledFunc) {
    let quads = code.frame_init.len();
    debug_assert!(quads <= INLINE_TEMPLATE_QUADS);
    // SAFETY: guaranteed by the caller.
    unsafe {
        let to = frame.add(code.param_slots as usize);
        // A constant trip count, so that it is unrolled completely: straight-line copies,
        // each after a test for the template's end.
        for quad in 0..INLINE_TEMPLATE_QUADS {
            if quad == quads {
                break;
            }
            copy_quad(to, code, quad);
        }
    }
}

/// Copies quad `quad` of `code`'s frame template to the slots `to + 4 * quad ..`.
///
/// # Safety
///
/// `quad` must be a quad of the template, and the four slots writable.
#[inline(always)]
unsafe fn copy_quad(to: *mut Slot, code: &CompiledFunc, quad: usize) {
    // Volatile reads keep the copy as written: templates are a few slots long, and a call to
    // `memcpy` would cost more than the copy (and make every call handler save registers
    // around it). On x86_64 it goes through vector registers, which handlers keep nothing
    // in, so it takes no general register from the call handlers.
    #[cfg(target_arch = "x86_64")]
    // SAFETY: guaranteed by the caller; SSE2 is part of x86_64, the template's quads are
    // 16-byte aligned, and the unaligned store takes any alignment.
    unsafe {
        use std::arch::x86_64::{__m128i, _mm_storeu_si128};
        let from = code.frame_init.as_ptr().add(quad).cast::<__m128i>();
        let to = to.add(4 * quad).cast::<__m128i>();
        _mm_storeu_si128(to, std::ptr::read_volatile(from));
        _mm_storeu_si128(to.add(1), std::ptr::read_volatile(from.add(1)));
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: guaranteed by the caller.
    unsafe {
        let from = code.frame_init.as_ptr().add(quad).cast::<[Slot; 4]>();
        to.add(4 * quad)
            .cast::<[Slot; 4]>()
            .write_unaligned(std::ptr::read_volatile(from));
    }
}

/// Translates `func`'s body on its first call and caches the bytecode in its entry.
#[cold]
#[inline(never)]
fn translate(func: &FuncEntry) -> Result<*const CompiledFunc, Stop> {
    // SAFETY: a wasm entry's context is valid while the entry is.
    let module = unsafe { &(*func.vmctx).module };
    let code: &CompiledFunc = module.compiled(func.index).map_err(Stop::Compile)?;
    let code = code as *const CompiledFunc;
    func.set_code(code);
    Ok(code)
}

/// Bounds-checks a `size`-byte access at `addr + offset` of a memory of `len` bytes and
/// returns the effective address.
#[inline(always)]
fn effective(addr: u64, offset: u32, size: usize, len: usize) -> Result<usize, TrapCode> {
    let ea = addr + offset as u64;
    if ea
        .checked_add(size as u64)
        .is_some_and(|end| end <= len as u64)
    {
        Ok(ea as usize)
    } else {
        Err(TrapCode::MemoryOutOfBounds)
    }
}

/// As [`effective`], for an instruction that keeps the end of its access, `offset + size`,
/// instead of its offset (the compact accesses of memory 0): one addition fewer, and the
/// access's address is the checked end minus a constant.
#[inline(always)]
fn effective_end(addr: u64, end: u32, size: usize, len: usize) -> Result<usize, TrapCode> {
    let last = addr + end as u64;
    if last <= len as u64 {
        Ok(last as usize - size)
    } else {
        Err(TrapCode::MemoryOutOfBounds)
    }
}

/// Base and length of memory 0 of `vmctx`, or an empty memory if it has none.
///
/// # Safety
///
/// `vmctx` must be valid.
#[inline(always)]
unsafe fn memory0(vmctx: *mut VmCtx) -> (*mut u8, usize) {
    // SAFETY: guaranteed by the caller; memory definitions live as long as the context.
    unsafe {
        let memory = (*vmctx).memory0;
        match memory.is_null() {
            true => (std::ptr::NonNull::dangling().as_ptr(), 0),
            false => ((*vmctx).memory0_base, (*memory).len()),
        }
    }
}

/// An address or table index operand: the whole slot for 64-bit memories and tables, its low
/// 32 bits otherwise.
#[inline(always)]
fn index_value(slot: u64, index64: bool) -> u64 {
    if index64 { slot } else { slot as u32 as u64 }
}

/// Bounds-checks a `size`-byte access at `addr + offset` of any memory.
#[inline(always)]
fn effective_any(
    addr: u64,
    index64: bool,
    offset: u64,
    size: usize,
    len: usize,
) -> Result<usize, TrapCode> {
    let ea = index_value(addr, index64)
        .checked_add(offset)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    if ea
        .checked_add(size as u64)
        .is_some_and(|end| end <= len as u64)
    {
        Ok(ea as usize)
    } else {
        Err(TrapCode::MemoryOutOfBounds)
    }
}

/// A vector loaded by a `v128` load of `kind` from the first `kind.size()` of `bytes`.
fn simd_load(kind: crate::isa::V128LoadKind, bytes: [u8; 16]) -> u128 {
    use crate::isa::V128LoadKind::*;
    let b8: [u8; 8] = bytes[..8].try_into().expect("8 bytes");
    let b4: [u8; 4] = bytes[..4].try_into().expect("4 bytes");
    match kind {
        Load => simd::v128_load(bytes),
        Load8x8S => simd::v128_load8x8_s(b8),
        Load8x8U => simd::v128_load8x8_u(b8),
        Load16x4S => simd::v128_load16x4_s(b8),
        Load16x4U => simd::v128_load16x4_u(b8),
        Load32x2S => simd::v128_load32x2_s(b8),
        Load32x2U => simd::v128_load32x2_u(b8),
        Load8Splat => simd::v128_load8_splat([bytes[0]]),
        Load16Splat => simd::v128_load16_splat([bytes[0], bytes[1]]),
        Load32Splat => simd::v128_load32_splat(b4),
        Load64Splat => simd::v128_load64_splat(b8),
        Load32Zero => simd::v128_load32_zero(b4),
        Load64Zero => simd::v128_load64_zero(b8),
    }
}

/// Replaces each NaN lane of the value at `slot` with the canonical NaN of its width.
///
/// # Safety
///
/// `slot` (and the next slot, for vectors) must be a register of the current frame.
unsafe fn canonicalize_nan(slot: *mut Slot, lanes: crate::isa::NanLanes) {
    use crate::isa::NanLanes;
    let f32_lane = |bits: u32| {
        if f32::from_bits(bits).is_nan() {
            0x7fc0_0000
        } else {
            bits
        }
    };
    let f64_lane = |bits: u64| {
        if f64::from_bits(bits).is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            bits
        }
    };
    // SAFETY: guaranteed by the caller.
    unsafe {
        match lanes {
            NanLanes::F32 => *slot = f32_lane(*slot as u32) as u64,
            NanLanes::F64 => *slot = f64_lane(*slot),
            NanLanes::F32x4 => {
                for half in 0..2 {
                    let value = *slot.add(half);
                    *slot.add(half) = f32_lane(value as u32) as u64
                        | (f32_lane((value >> 32) as u32) as u64) << 32;
                }
            }
            NanLanes::F64x2 => {
                *slot = f64_lane(*slot);
                *slot.add(1) = f64_lane(*slot.add(1));
            }
        }
    }
}

/// Checks `start + len <= size` without overflow.
#[inline(always)]
pub(crate) fn in_bounds(start: u64, len: u64, size: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size)
}

/// The longest copy [`copy_bytes`] does inline.
pub(crate) const SHORT_COPY: usize = 32;
/// The longest fill [`fill_bytes`] does inline.
pub(crate) const SHORT_FILL: usize = 16;

/// `std::ptr::copy` of `n` bytes (overlap allowed), with copies of up to [`SHORT_COPY`]
/// bytes done inline: a wasm `memory.copy` is often a small struct or string, where the
/// call to the host's `memmove` costs more than the copy.
///
/// # Safety
///
/// As for `std::ptr::copy`: both ranges valid for `n` bytes.
#[inline(always)]
pub(crate) unsafe fn copy_bytes(src: *const u8, dst: *mut u8, n: usize) {
    // Both ends are read before either is written, so overlapping ranges copy as memmove
    // does; for lengths between two powers of two the two accesses overlap each other.
    macro_rules! ends {
        ($ty:ty) => {{
            let size = size_of::<$ty>();
            // SAFETY: `size <= n`, so both accesses lie in the ranges the caller vouches for.
            unsafe {
                let head = src.cast::<$ty>().read_unaligned();
                let tail = src.add(n - size).cast::<$ty>().read_unaligned();
                dst.cast::<$ty>().write_unaligned(head);
                dst.add(n - size).cast::<$ty>().write_unaligned(tail);
            }
        }};
    }
    match n {
        0 => {}
        1 => {
            // SAFETY: one byte in each range.
            unsafe { dst.write(src.read()) }
        }
        2..=3 => ends!(u16),
        4..=7 => ends!(u32),
        8..=15 => ends!(u64),
        16..=32 => ends!(u128),
        // SAFETY: guaranteed by the caller.
        _ => unsafe { std::ptr::copy(src, dst, n) },
    }
}

/// `std::ptr::write_bytes` of `n` bytes of `value`, with fills of up to [`SHORT_FILL`]
/// bytes done inline (see [`copy_bytes`]).
///
/// # Safety
///
/// As for `std::ptr::write_bytes`: the range valid for `n` bytes.
#[inline(always)]
pub(crate) unsafe fn fill_bytes(dst: *mut u8, value: u8, n: usize) {
    let pattern = u64::from_ne_bytes([value; 8]);
    macro_rules! ends {
        ($ty:ty) => {{
            let size = size_of::<$ty>();
            // SAFETY: `size <= n`, so both writes lie in the range the caller vouches for.
            unsafe {
                dst.cast::<$ty>().write_unaligned(pattern as $ty);
                dst.add(n - size)
                    .cast::<$ty>()
                    .write_unaligned(pattern as $ty);
            }
        }};
    }
    match n {
        0 => {}
        // SAFETY: one byte in the range.
        1 => unsafe { dst.write(value) },
        2..=3 => ends!(u16),
        4..=7 => ends!(u32),
        8..=16 => ends!(u64),
        // SAFETY: guaranteed by the caller.
        _ => unsafe { std::ptr::write_bytes(dst, value, n) },
    }
}

/// What the handlers return: the loop backend's handlers continue with the state they left
/// in [`Cx`]; in the threaded backend only the handler that ends execution returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Flow {
    /// Execution ended: normally if [`Cx::stop`] is `None`.
    Exit,
    /// Run the instruction at [`Cx::ip`] (loop backend only).
    #[cfg_attr(
        not(any(debug_assertions, feature = "loop-dispatch")),
        allow(dead_code)
    )]
    Continue,
}

/// The executor's state between handlers, apart from the hot values handlers pass each other
/// as arguments (instruction pointer, registers, memory 0's base and length, accumulator).
/// They have homes here too: all but the accumulator are written by the out-of-line paths
/// (calls, returns, unwinding) that change them, and all by every handler of the loop
/// backend.
struct Cx<'a> {
    /// The activation's stack, moved here for the call so that the call instructions reach
    /// its frames and values one load sooner; [`run`] puts it back.
    stack: Stack,
    host: &'a mut dyn ErasedHost,
    /// The outermost call's arguments and results.
    io: &'a mut [Slot],
    /// The running function, its register window and instance.
    func: *const FuncEntry,
    base: usize,
    vmctx: *mut VmCtx,
    /// `vmctx`'s function entries, which the call instructions find one load sooner here;
    /// kept by [`Cx::set_instance`].
    funcs: *const *const FuncEntry,
    /// The store's limits, which every instance the call reaches shares: fuel metering finds
    /// them one load closer than through the running instance.
    limits: *mut crate::vm::VmLimits,
    ip: *const Threaded,
    regs: *mut Slot,
    mem: *mut u8,
    len: usize,
    /// The accumulator, between the handlers of the loop backend.
    #[cfg_attr(
        not(any(debug_assertions, feature = "loop-dispatch")),
        allow(dead_code)
    )]
    acc: handlers::Acc,
    /// The float accumulator, between the handlers of the loop backend.
    #[cfg_attr(
        not(any(debug_assertions, feature = "loop-dispatch")),
        allow(dead_code)
    )]
    facc: handlers::FAcc,
    /// Why execution stopped early, and where.
    stop: Option<Stop>,
    stop_pc: usize,
    /// The native stack pointer where the threaded handlers started, to check at the exit
    /// that they did not grow the stack.
    #[cfg_attr(any(debug_assertions, feature = "loop-dispatch"), allow(dead_code))]
    native_entry: usize,
}

/// Runs wasm function `func` with the arguments in `io`, leaving its results there.
///
/// # Safety
///
/// As for [`execute`].
unsafe fn run(
    stack: &mut Stack,
    host: &mut dyn ErasedHost,
    func: *const FuncEntry,
    io: &mut [Slot],
) -> (Result<(), Stop>, StopPoint) {
    let at = StopPoint { func, pc: 0 };
    // SAFETY: the caller guarantees that `func` is a valid wasm entry.
    let code = match unsafe { enter(stack, func, 0) } {
        Ok(code) => code,
        Err(stop) => return (Err(stop), at),
    };
    // SAFETY: `enter` translated the code and reserved its frame at slot 0; the module owning
    // the code outlives the call; the entry's context is valid (the caller's contract).
    unsafe {
        let params = (*code).param_slots as usize;
        stack.values[..params].copy_from_slice(&io[..params]);
        let vmctx = (*func).vmctx;
        let (mem, len) = memory0(vmctx);
        let mut cx = Cx {
            // Taken before the stack moves into `cx`, which leaves its buffer where it is.
            regs: stack.values.as_mut_ptr(),
            stack: std::mem::replace(stack, Stack::new(stack.max_bytes)),
            host,
            io,
            func,
            base: 0,
            vmctx,
            funcs: (*vmctx).funcs,
            limits: (*vmctx).limits,
            ip: (*code).code.as_ptr(),
            mem,
            len,
            stop: None,
            stop_pc: 0,
            native_entry: 0,
            acc: handlers::Acc::uninit(),
            facc: handlers::FAcc::uninit(),
        };
        handlers::run(&mut cx);
        std::mem::swap(stack, &mut cx.stack);
        let at = StopPoint {
            func: cx.func,
            pc: cx.stop_pc,
        };
        match cx.stop {
            None => (Ok(()), at),
            Some(stop) => (Err(stop), at),
        }
    }
}

impl Cx<'_> {
    /// The running function's code.
    ///
    /// # Safety
    ///
    /// `self.func` must be running (so translated).
    #[inline(always)]
    unsafe fn code(&self) -> &CompiledFunc {
        // SAFETY: guaranteed by the caller; the module owns the code for as long as the
        // entry lives.
        unsafe { &*code_of(self.func) }
    }

    /// The index of instruction `ip` in the running function.
    ///
    /// # Safety
    ///
    /// `ip` must point into the running function's instructions.
    unsafe fn pc(&self, ip: *const Threaded) -> usize {
        // SAFETY: guaranteed by the caller.
        unsafe { ip.offset_from(self.code().code.as_ptr()) as usize }
    }

    /// Ends execution at instruction `ip` of the running function with `stop`.
    ///
    /// # Safety
    ///
    /// As for [`Cx::pc`].
    #[cold]
    #[inline(never)]
    unsafe fn stop(&mut self, ip: *const Threaded, stop: Stop) -> Flow {
        // SAFETY: guaranteed by the caller.
        self.stop_pc = unsafe { self.pc(ip) };
        self.stop = Some(stop);
        Flow::Exit
    }

    /// Ends execution at `ip` with trap `code`.
    ///
    /// # Safety
    ///
    /// As for [`Cx::pc`].
    #[cold]
    #[inline(never)]
    unsafe fn trap(&mut self, ip: *const Threaded, code: TrapCode) -> Flow {
        // SAFETY: guaranteed by the caller.
        unsafe { self.stop(ip, Stop::Trap(code)) };
        self.exited()
    }

    /// Ends execution. In the threaded backend, also checks how much native stack the
    /// handlers used: a handler that calls its successor instead of jumping to it leaves a
    /// frame behind for every instruction it runs, which would overflow the native stack in
    /// a long loop; the excess is recorded for [`unexpected_dispatch_depth`].
    #[cold]
    #[inline(never)]
    fn exited(&mut self) -> Flow {
        #[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
        {
            let depth = self.native_entry.saturating_sub(native_stack_pointer());
            if depth > EXPECTED_DISPATCH_DEPTH {
                UNEXPECTED_DISPATCH_DEPTH.fetch_max(depth, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Flow::Exit
    }

    /// Makes `vmctx` the running instance.
    ///
    /// # Safety
    ///
    /// `vmctx` must be a valid instance context, as every entry's is.
    #[inline(always)]
    unsafe fn set_instance(&mut self, vmctx: *mut VmCtx) {
        self.vmctx = vmctx;
        // SAFETY: guaranteed by the caller.
        self.funcs = unsafe { (*vmctx).funcs };
    }

    /// Points the hot-state homes at the running function's frame and memory 0, and returns
    /// `ip`.
    ///
    /// # Safety
    ///
    /// `self.base` must be the running function's frame and `self.vmctx` its instance.
    #[inline(always)]
    unsafe fn resume_at(&mut self, ip: *const Threaded) -> *const Threaded {
        // SAFETY: guaranteed by the caller; the frame was reserved when it was entered.
        unsafe {
            self.regs = self.stack.values.as_mut_ptr().add(self.base);
            (self.mem, self.len) = memory0(self.vmctx);
        }
        ip
    }

    /// Counts a back edge at a loop header whose countdown is `which`: whether the call
    /// should now try to continue in compiled code there. The back edge also counts towards
    /// the running function's compilation as a call does, so a function whose time goes into
    /// loops gets compiled for its next calls even if it is called rarely.
    #[inline(always)]
    fn count_back_edge(&mut self, which: Countdown) -> bool {
        // SAFETY: the running function's entry is valid while it runs.
        let func = unsafe { &*self.func };
        let Some(counters) = func.tier_counters() else {
            return false;
        };
        if count_down(&counters.calls) {
            self.request_tier_up();
        }
        count_down(which.of(counters))
    }

    #[inline(never)]
    fn request_tier_up(&mut self) {
        // SAFETY: as in `count_back_edge_as_call`.
        let func = unsafe { &*self.func };
        self.host.tier_up(func);
    }

    /// Whether wasm function `callee` runs native code for this call: it has some, or its call
    /// countdown just ran out and the embedder installed some.
    ///
    /// # Safety
    ///
    /// `callee` must be a valid wasm entry.
    #[inline(always)]
    unsafe fn runs_native(&mut self, callee: *const FuncEntry) -> bool {
        // SAFETY: guaranteed by the caller.
        let callee = unsafe { &*callee };
        callee.has_native_code()
            || (counts_down(callee, Countdown::Calls) && self.host.tier_up(callee))
    }

    /// At the loop header `ip`, with the function's back-edge countdown run out: lets the
    /// embedder finish the call in compiled code. Returns the next instruction: the caller's
    /// after a compiled finish, `ip + 1` to go on interpreting, or null if execution stopped.
    ///
    /// # Safety
    ///
    /// `ip` must be an `osr_check` of the running function.
    #[inline(never)]
    unsafe fn osr(&mut self, ip: *const Threaded) -> *const Threaded {
        // SAFETY: the running function's entry, code and frame are live; the frame holds
        // `frame_slots` slots, at least the locals and the results.
        unsafe {
            let func = &*self.func;
            let code = self.code();
            let pc = self.pc(ip);
            let loop_offset = code.wasm_offset(pc).unwrap_or(0);
            let len = (code.local_slots.max(code.result_slots)) as usize;
            let frame = &mut self.stack.values[self.base..self.base + len];
            let returned = match self.host.osr(func, loop_offset, frame) {
                Ok(None) => return self.resume_at(ip.add(1)),
                Ok(Some(returned)) => returned,
                Err(()) => match self.host.take_exception() {
                    Some(exnref) => NativeReturn::Threw { exnref },
                    None => {
                        self.stop(ip, Stop::Host);
                        return std::ptr::null();
                    }
                },
            };
            // The compiled code finished the call: as after a call elsewhere in its place.
            match self.hand_over(returned, self.base) {
                Ok(None) => self.return_to_caller(),
                Ok(Some(callee)) => self.replace_call(ip, callee),
                Err(Stop::Exception(exn)) => self.throw_past_frame(ip, exn),
                Err(stop) => {
                    self.stop(ip, stop);
                    std::ptr::null()
                }
            }
        }
    }

    /// Calls what the interpreter does not run itself: host function `callee`, or wasm
    /// function `callee` through its native code, with its arguments and results in the slots
    /// from `base`. Returns the function a compiled callee handed back a tail call of, whose
    /// arguments it has then put at `base`.
    ///
    /// # Safety
    ///
    /// `callee` must be a valid host entry, or a wasm entry with native code.
    unsafe fn call_elsewhere(
        &mut self,
        callee: *const FuncEntry,
        base: usize,
    ) -> Result<Option<*const FuncEntry>, Stop> {
        // SAFETY: guaranteed by the caller.
        let callee = unsafe { &*callee };
        let len = callee.param_slots.max(callee.result_slots) as usize;
        self.stack.reserve(base + len)?;
        // The host may collect garbage while this activation waits: its registers are roots.
        // (Nested activations get stacks of their own, so this one does not move meanwhile.)
        // SAFETY: `limits` is valid for the whole call (the caller's contract).
        let heap = unsafe { (*(*self.vmctx).limits).gc_heap };
        if !heap.is_null() {
            // SAFETY: a non-null heap is the store's, alive while its instances run.
            unsafe { (*heap).push_window(self.stack.values.as_ptr(), self.stack.values.len()) };
        }
        let io = &mut self.stack.values[base..base + len];
        let returned = match callee.kind {
            FuncKind::Host => self
                .host
                .call(callee, self.vmctx, io)
                .map(|()| NativeReturn::Returned),
            FuncKind::Wasm => self.host.call_native(callee, io),
        };
        if !heap.is_null() {
            // SAFETY: as above.
            unsafe { (*heap).pop_window() };
        }
        let returned = match returned {
            Ok(returned) => returned,
            // A host function may fail with a wasm exception, to be thrown from the call.
            Err(()) => match self.host.take_exception() {
                Some(exnref) => NativeReturn::Threw { exnref },
                None => return Err(Stop::Host),
            },
        };
        self.hand_over(returned, base)
    }

    /// Takes over from compiled code or a host function that ran a call whose frame starts
    /// at `base`, as it ended: returns the function a tail call was handed back for, having
    /// put its arguments at `base`, and an exception as [`Stop::Exception`] for the caller to
    /// throw on.
    fn hand_over(
        &mut self,
        returned: NativeReturn,
        base: usize,
    ) -> Result<Option<*const FuncEntry>, Stop> {
        match returned {
            NativeReturn::Returned => Ok(None),
            NativeReturn::TailCall { callee, args } => {
                self.stack.reserve(base + args.len())?;
                self.stack.values[base..base + args.len()].copy_from_slice(&args);
                Ok(Some(callee))
            }
            NativeReturn::Threw { exnref } => Err(Stop::Exception(exnref)),
        }
    }

    /// Calls `callee` from instruction `ip`, its frame starting at register `base`, when
    /// this is the common call: of an interpreted wasm function already translated, whose
    /// frame fits in the stack as it is, and whose tier-up countdown (if any) does not run
    /// out now. Returns its first instruction, or `None` (having changed nothing) for
    /// [`Cx::call_general`] to make the call.
    ///
    /// # Safety
    ///
    /// `callee` must be a valid entry and `ip` the running function's call instruction.
    #[inline(always)]
    unsafe fn enter_translated(
        &mut self,
        ip: *const Threaded,
        callee: &FuncEntry,
        base: Reg,
    ) -> Option<*const Threaded> {
        // A wasm function, translated, without native code, with a short frame and template.
        let first = callee
            .short_call
            .load(std::sync::atomic::Ordering::Acquire)
            .cast_const();
        if first.is_null() {
            return None;
        }
        let new_base = self.base + base.0 as usize;
        let depth = self.stack.frames.len();
        if new_base >= self.stack.quick_end || depth == self.stack.frames.capacity() {
            return None;
        }
        if let Some(counters) = callee.tier_counters() {
            // The call that ends the countdown asks for a compilation: the general path's.
            match counters.calls.load(std::sync::atomic::Ordering::Relaxed) {
                0 => {}
                1 => return None,
                left => counters
                    .calls
                    .store(left - 1, std::sync::atomic::Ordering::Relaxed),
            }
        }
        // SAFETY: the record fits in the capacity (checked above); `ip` is a call, which is
        // never the function's last instruction.
        unsafe {
            self.stack.frames.as_mut_ptr().add(depth).write(Frame {
                func: self.func,
                resume: ip.add(1),
                base: self.base,
            });
            self.stack.frames.set_len(depth + 1);
        }
        // SAFETY: the frame lies inside the stack's values: it starts below the quick end
        // (checked above) and has at most `SHORT_FRAME_SLOTS` slots, or `short_call` would be
        // null. `short_call` is published after `code`, the translation it starts, owned by
        // its module.
        unsafe {
            let regs = self.stack.values.as_mut_ptr().add(new_base);
            let code = &*callee.code.load(std::sync::atomic::Ordering::Relaxed);
            init_short_frame(regs, code);
            // The homes of memory 0 are current (handlers refresh them when they grow it).
            if callee.vmctx != self.vmctx {
                self.set_instance(callee.vmctx);
                (self.mem, self.len) = memory0(self.vmctx);
            }
            self.regs = regs;
        }
        self.func = callee;
        self.base = new_base;
        Some(first)
    }

    /// Calls `callee` from instruction `ip`, its frame starting at register `base`, in every
    /// case [`Cx::enter_translated`] leaves: host functions, compiled code, first calls
    /// (translating), tier-up, and frames that need the stack to grow. Returns the next
    /// instruction to run, or null if execution stopped.
    ///
    /// # Safety
    ///
    /// As for [`Cx::enter_translated`].
    #[inline(never)]
    unsafe fn call_general(
        &mut self,
        ip: *const Threaded,
        callee: *const FuncEntry,
        base: Reg,
    ) -> *const Threaded {
        let new_base = self.base + base.0 as usize;
        let mut callee = callee;
        // SAFETY: guaranteed by the caller; entries keep their instance and code alive.
        unsafe {
            loop {
                if (*callee).kind == FuncKind::Wasm && !self.runs_native(callee) {
                    self.stack.push_frame(Frame {
                        func: self.func,
                        resume: ip.add(1),
                        base: self.base,
                    });
                    return match enter(&mut self.stack, callee, new_base) {
                        Ok(code) => {
                            self.func = callee;
                            self.base = new_base;
                            self.set_instance((*callee).vmctx);
                            self.resume_at((*code).code.as_ptr())
                        }
                        Err(stop) => {
                            self.stack.frames.pop();
                            self.stop(ip, stop);
                            std::ptr::null()
                        }
                    };
                }
                // Host functions, and wasm functions the Cranelift tier compiled.
                match self.call_elsewhere(callee, new_base) {
                    Ok(None) => return self.resume_at(ip.add(1)),
                    // Compiled code handed back a tail call: make it as this call.
                    Ok(Some(next)) => callee = next,
                    Err(Stop::Exception(exn)) => return self.throw(ip, exn),
                    Err(stop) => {
                        self.stop(ip, stop);
                        return std::ptr::null();
                    }
                }
            }
        }
    }

    /// Replaces the running function with a call of `callee`, whose arguments are at
    /// register `base`; returns the next instruction to run, or null if execution ended.
    ///
    /// # Safety
    ///
    /// As for [`Cx::enter_translated`].
    #[inline(never)]
    unsafe fn tail_call(
        &mut self,
        ip: *const Threaded,
        callee: *const FuncEntry,
        base: Reg,
    ) -> *const Threaded {
        // SAFETY: guaranteed by the caller; the arguments lie inside the running frame.
        unsafe {
            let params = (*callee).param_slots as usize;
            let regs = self.stack.values.as_mut_ptr().add(self.base);
            std::ptr::copy(regs.add(base.0 as usize), regs, params);
            self.replace_call(ip, callee)
        }
    }

    /// Replaces the running function, stopped at `ip`, with a call of `callee`, whose
    /// arguments are at the start of the running frame; returns the next instruction to run,
    /// or null if execution ended.
    ///
    /// # Safety
    ///
    /// As for [`Cx::enter_translated`].
    unsafe fn replace_call(
        &mut self,
        ip: *const Threaded,
        callee: *const FuncEntry,
    ) -> *const Threaded {
        let mut callee = callee;
        // SAFETY: guaranteed by the caller.
        unsafe {
            loop {
                if (*callee).kind == FuncKind::Wasm && !self.runs_native(callee) {
                    return match enter(&mut self.stack, callee, self.base) {
                        Ok(code) => {
                            self.func = callee;
                            self.set_instance((*callee).vmctx);
                            self.resume_at((*code).code.as_ptr())
                        }
                        Err(stop) => {
                            self.stop(ip, stop);
                            std::ptr::null()
                        }
                    };
                }
                match self.call_elsewhere(callee, self.base) {
                    Ok(None) => return self.return_to_caller(),
                    // Compiled code handed back a tail call: it replaces this frame too.
                    Ok(Some(next)) => callee = next,
                    // The frame is gone: its handlers do not apply.
                    Err(Stop::Exception(exn)) => return self.throw_past_frame(ip, exn),
                    Err(stop) => {
                        self.stop(ip, stop);
                        return std::ptr::null();
                    }
                }
            }
        }
    }

    /// Returns from the running function, whose results are in its first slots; returns the
    /// caller's next instruction, or null if this was the outermost call.
    ///
    /// # Safety
    ///
    /// The frames must be those of this activation.
    #[inline(always)]
    unsafe fn return_to_caller(&mut self) -> *const Threaded {
        // SAFETY: guaranteed by the caller.
        unsafe { self.pop_frame() }.unwrap_or_else(|| self.return_to_host())
    }

    /// As [`Cx::return_to_caller`], but `None` when the running function is the outermost
    /// call, leaving [`Cx::return_to_host`] to the caller: the return handlers take that
    /// path in a function of their own, so that theirs calls nothing and saves no registers.
    ///
    /// # Safety
    ///
    /// As for [`Cx::return_to_caller`].
    #[inline(always)]
    unsafe fn pop_frame(&mut self) -> Option<*const Threaded> {
        match self.stack.frames.pop() {
            Some(frame) => {
                self.func = frame.func;
                self.base = frame.base;
                // SAFETY: frames hold live entries; the caller's frame is still reserved
                // below the callee's.
                unsafe {
                    let vmctx = (*frame.func).vmctx;
                    // Within one instance the homes of memory 0 are current (handlers
                    // refresh them when they grow it, calls elsewhere on their return).
                    if vmctx != self.vmctx {
                        self.set_instance(vmctx);
                        (self.mem, self.len) = memory0(vmctx);
                    }
                    self.regs = self.stack.values.as_mut_ptr().add(self.base);
                }
                Some(frame.resume)
            }
            None => None,
        }
    }

    /// Ends the outermost call: copies its results out.
    #[cold]
    #[inline(never)]
    pub(super) fn return_to_host(&mut self) -> *const Threaded {
        // SAFETY: the running function is a valid wasm entry.
        let results = unsafe { (*self.func).result_slots } as usize;
        self.io[..results].copy_from_slice(&self.stack.values[self.base..self.base + results]);
        std::ptr::null()
    }

    /// Unwinds from instruction `ip` to the innermost handler that catches exception `exn`,
    /// in this function or its callers; returns the handler's first instruction, or null if
    /// none catches it.
    ///
    /// # Safety
    ///
    /// `ip` must point into the running function's instructions and `exn` be a live
    /// exception of the store.
    #[inline(never)]
    unsafe fn throw(&mut self, ip: *const Threaded, exn: u64) -> *const Threaded {
        // SAFETY: guaranteed by the caller.
        unsafe { self.unwind(ip, exn, false) }
    }

    /// As [`Cx::throw`], for an exception that leaves the running function as a whole: one
    /// thrown by the function its tail call at `ip` replaced it with, or by compiled code
    /// that finished the call. Its own handlers are not searched.
    ///
    /// # Safety
    ///
    /// As for [`Cx::throw`].
    #[inline(never)]
    unsafe fn throw_past_frame(&mut self, ip: *const Threaded, exn: u64) -> *const Threaded {
        // SAFETY: guaranteed by the caller.
        unsafe { self.unwind(ip, exn, true) }
    }

    /// The search of [`Cx::throw`], starting in the running function at `ip` or, with
    /// `past_frame`, in its caller.
    ///
    /// # Safety
    ///
    /// As for [`Cx::throw`].
    unsafe fn unwind(
        &mut self,
        ip: *const Threaded,
        exn: u64,
        past_frame: bool,
    ) -> *const Threaded {
        // SAFETY: the instance's limits record and the exceptions it points at live as long as
        // the store; frames hold live entries and code.
        unsafe {
            let exceptions = &*(*(*self.vmctx).limits).exceptions;
            let tag = exceptions[(exn - 1) as usize].tag;
            // The instruction that threw, or the call in a caller frame.
            let mut at = self.pc(ip);
            let mut search_here = !past_frame;
            loop {
                if !search_here {
                    match self.stack.frames.pop() {
                        Some(frame) => {
                            self.func = frame.func;
                            self.base = frame.base;
                            self.set_instance((*frame.func).vmctx);
                            at = self.pc(frame.resume) - 1;
                        }
                        None => {
                            self.stop_pc = at;
                            self.stop = Some(Stop::Exception(exn));
                            return std::ptr::null();
                        }
                    }
                }
                search_here = false;
                let code = self.code();
                let vmctx = self.vmctx;
                let clause = code
                    .handlers
                    .iter()
                    .filter(|h| (h.start as usize) <= at && at < h.end as usize)
                    .flat_map(|h| h.catches.iter())
                    .find(|c| match c.kind {
                        CatchKind::All | CatchKind::AllRef => true,
                        CatchKind::Tag | CatchKind::TagRef => {
                            (*vmctx).tag_ids[c.tag as usize] == tag
                        }
                    })
                    .copied();
                if let Some(clause) = clause {
                    let payload = &exceptions[(exn - 1) as usize].payload;
                    let target = self.resume_at(code.code.as_ptr().add(clause.target as usize));
                    let dst = self.regs.add(clause.dst.0 as usize);
                    match clause.kind {
                        CatchKind::Tag => {
                            std::ptr::copy_nonoverlapping(payload.as_ptr(), dst, payload.len())
                        }
                        CatchKind::TagRef => {
                            std::ptr::copy_nonoverlapping(payload.as_ptr(), dst, payload.len());
                            *dst.add(payload.len()) = exn;
                        }
                        CatchKind::All => {}
                        CatchKind::AllRef => *dst = exn,
                    }
                    return target;
                }
            }
        }
    }
}

/// Native stack the threaded handlers may use between the start of execution and an exit: the
/// exit path's own frames, far less than a frame for each instruction of a loop.
#[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
const EXPECTED_DISPATCH_DEPTH: usize = 4096;

/// The deepest native stack beyond [`EXPECTED_DISPATCH_DEPTH`] seen at an exit.
#[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
static UNEXPECTED_DISPATCH_DEPTH: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// The most native stack, in bytes, that the threaded handlers were found holding when
/// execution ended, if more than the exit path needs: non-zero means some handler called its
/// successor instead of jumping to it (the compiler did not make the tail call), which long
/// loops would turn into a native stack overflow. Always zero for the loop backend. Tests of
/// optimised builds check it after running every kind of instruction.
pub fn unexpected_dispatch_depth() -> usize {
    #[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
    return UNEXPECTED_DISPATCH_DEPTH.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(any(debug_assertions, feature = "loop-dispatch"))]
    0
}

/// An address in the caller's native stack frame, near enough to its stack pointer for
/// measuring and bounding native stack use.
#[inline(always)]
pub fn native_stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Which of a function's tier-up countdowns to count down.
#[derive(Clone, Copy)]
pub(super) enum Countdown {
    Calls,
    BackEdges,
    NestedBackEdges,
}

impl Countdown {
    /// This countdown among `counters`.
    #[inline(always)]
    fn of(self, counters: &crate::vm::TierCounters) -> &std::sync::atomic::AtomicU32 {
        match self {
            Countdown::Calls => &counters.calls,
            Countdown::BackEdges => &counters.back_edges,
            Countdown::NestedBackEdges => &counters.nested_back_edges,
        }
    }
}

/// Counts down `counter`; whether it just ran out (a countdown at zero stays there).
#[inline(always)]
fn count_down(counter: &std::sync::atomic::AtomicU32) -> bool {
    // Only the store's thread runs its instances: a load and a store suffice.
    let left = counter.load(std::sync::atomic::Ordering::Relaxed);
    if left == 0 {
        return false;
    }
    counter.store(left - 1, std::sync::atomic::Ordering::Relaxed);
    left == 1
}

/// Counts down `func`'s countdown `which` if its instance tiers up; whether it just ran out.
#[inline(always)]
fn counts_down(func: &FuncEntry, which: Countdown) -> bool {
    func.tier_counters()
        .is_some_and(|counters| count_down(which.of(counters)))
}

/// The function at `table[index]` of `vmctx`, checked against type `ty`.
///
/// # Safety
///
/// `vmctx` must be valid and `table` and `ty` indices the module validated.
#[inline(always)]
unsafe fn indirect_callee(
    vmctx: *mut VmCtx,
    ty: u32,
    table: u32,
    index: Slot,
) -> Result<*const FuncEntry, TrapCode> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let table_def = &**(*vmctx).tables.add(table as usize);
        let index = index_value(index, (*vmctx).table_is_64(table));
        if index >= table_def.len as u64 {
            return Err(TrapCode::UndefinedElement);
        }
        let callee = *table_def.base.add(index as usize) as usize as *const FuncEntry;
        if callee.is_null() {
            return Err(TrapCode::IndirectCallToNull);
        }
        let expected = *(*vmctx).sig_ids.add(ty as usize);
        if (*callee).sig != expected && !(*callee).has_type(expected) {
            return Err(TrapCode::BadSignature);
        }
        Ok(callee)
    }
}

/// The host address of an aligned, in-bounds atomic access of `width` bytes at `addr +
/// offset` in memory `mem` of `vmctx`.
///
/// # Safety
///
/// `vmctx` must be valid and `mem` a memory index the module validated.
#[inline(always)]
unsafe fn atomic_address(
    vmctx: *mut VmCtx,
    mem: u32,
    addr: Slot,
    index64: bool,
    offset: u32,
    width: usize,
) -> Result<*mut u8, TrapCode> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let memory = &**(*vmctx).memories.add(mem as usize);
        let ea = effective_any(addr, index64, offset as u64, width, memory.len())?;
        if ea % width != 0 {
            return Err(TrapCode::UnalignedAtomic);
        }
        Ok(memory.base.add(ea))
    }
}

#[cfg(test)]
mod tests {
    use super::{copy_bytes, fill_bytes};

    #[test]
    fn inline_copies_and_fills_match_the_library_ones() {
        let pattern: Vec<u8> = (0..128u32).map(|i| (i * 37 + 11) as u8).collect();
        for n in 0..=40 {
            for (d, s) in [(40, 3), (3, 40), (10, 13), (13, 10), (64, 64)] {
                let mut expected = pattern.clone();
                expected.copy_within(s..s + n, d);
                let mut bytes = pattern.clone();
                let base = bytes.as_mut_ptr();
                // SAFETY: both ranges lie in `bytes`, whose pointer nothing else uses.
                unsafe { copy_bytes(base.add(s), base.add(d), n) };
                assert_eq!(bytes, expected, "copy of {n} from {s} to {d}");
            }
            let mut expected = pattern.clone();
            expected[5..5 + n].fill(0xa5);
            let mut bytes = pattern.clone();
            // SAFETY: the range lies in `bytes`.
            unsafe { fill_bytes(bytes.as_mut_ptr().add(5), 0xa5, n) };
            assert_eq!(bytes, expected, "fill of {n}");
        }
    }
}
