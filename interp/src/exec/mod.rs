//! The executor: runs bytecode on a store-owned value stack.
//!
//! Wasm frames never live on the native stack: a call pushes a [`Frame`] record and moves the
//! register window up the value stack, so deep wasm recursion is bounded by
//! [`Stack::max_bytes`] and raises "call stack exhausted" instead of crashing the host.
//!
//! This is the portable loop-and-match dispatch: one `match` per instruction.

pub mod atomic;
pub mod num;
pub mod simd;

use std::sync::Arc;
use std::time::Duration;

use crate::isa::Op;
use crate::lower::{CatchKind, CompiledFunc};
use crate::module::CompileError;
use crate::vm::parking;
use crate::vm::{Exception, FuncEntry, FuncKind, Slot, TrapCode, VmCtx, VmGlobal};
use num::{RegValue, v128};

/// The default bound of a store's wasm stack, in bytes.
pub const DEFAULT_MAX_WASM_STACK: usize = 4 << 20;

/// A suspended caller.
#[derive(Debug, Clone, Copy)]
struct Frame {
    func: *const FuncEntry,
    code: *const CompiledFunc,
    /// Where to continue in the caller.
    pc: usize,
    /// The caller's register window.
    base: usize,
}

/// The value stack and call frames of one activation of the executor.
#[derive(Debug)]
pub struct Stack {
    values: Vec<Slot>,
    frames: Vec<Frame>,
    max_bytes: usize,
}

impl Stack {
    /// An empty stack bounded to `max_bytes` (values plus frame records).
    pub fn new(max_bytes: usize) -> Self {
        Stack {
            values: Vec::new(),
            frames: Vec::new(),
            max_bytes,
        }
    }

    /// The bound, in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Makes sure `len` value slots exist, within the bound (which also counts the frame
    /// records, so that recursion of frameless functions is bounded too).
    #[inline(always)]
    fn reserve(&mut self, len: usize) -> Result<(), TrapCode> {
        let bytes = len * size_of::<Slot>() + self.frames.len() * size_of::<Frame>();
        if bytes > self.max_bytes {
            return Err(TrapCode::StackOverflow);
        }
        if len > self.values.len() {
            self.grow(len);
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
}

enum Stop<E> {
    Trap(TrapCode),
    Exception(u64),
    Host(E),
    Compile(CompileError),
}

impl<E> From<TrapCode> for Stop<E> {
    fn from(code: TrapCode) -> Self {
        Stop::Trap(code)
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
    stack.frames.clear();
    let mut state = State {
        func: entry,
        code: std::ptr::null(),
        pc: 0,
        base: 0,
    };
    // SAFETY: guaranteed by the caller.
    let result = unsafe { run(stack, host, &mut state, io) };
    result.map_err(|stop| {
        let backtrace = backtrace(stack, &state);
        stack.frames.clear();
        match stop {
            Stop::Trap(code) => ExecError::Trap { code, backtrace },
            Stop::Host(error) => ExecError::Host { error, backtrace },
            Stop::Compile(e) => ExecError::Compile(e),
            Stop::Exception(exnref) => ExecError::Exception { exnref, backtrace },
        }
    })
}

/// Where the executor is: the running function, its code, instruction and register window.
struct State {
    func: *const FuncEntry,
    code: *const CompiledFunc,
    pc: usize,
    base: usize,
}

fn frame_info(func: *const FuncEntry, code: *const CompiledFunc, pc: usize) -> Option<FrameInfo> {
    // SAFETY: frames only hold entries and code of live instances.
    let (func, code) = unsafe { (&*func, code.as_ref()?) };
    // SAFETY: a wasm entry's context is valid while the entry is.
    let module = unsafe { &(*func.vmctx).module };
    let func_index = module.info.imported_funcs + func.index;
    Some(FrameInfo {
        module_name: module.name().cloned(),
        func_index,
        func_name: module.info.func_name(func_index).cloned(),
        wasm_offset: code.wasm_offset(pc),
    })
}

fn backtrace(stack: &Stack, state: &State) -> Vec<FrameInfo> {
    let mut frames: Vec<FrameInfo> = frame_info(state.func, state.code, state.pc)
        .into_iter()
        .collect();
    for frame in stack.frames.iter().rev() {
        // A frame's pc is the instruction after its call.
        frames.extend(frame_info(
            frame.func,
            frame.code,
            frame.pc.saturating_sub(1),
        ));
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
unsafe fn enter<E>(
    stack: &mut Stack,
    func: *const FuncEntry,
    base: usize,
) -> Result<*const CompiledFunc, Stop<E>> {
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
    // SAFETY: `reserve` made `values[base..base + frame_slots]` exist; the locals and the
    // constant registers lie inside the frame.
    unsafe {
        let frame = stack.values.as_mut_ptr().add(base);
        for slot in code_ref.param_slots as usize..code_ref.local_slots as usize {
            *frame.add(slot) = 0;
        }
        let consts = frame.add(code_ref.local_slots as usize);
        for (i, &value) in code_ref.consts.iter().enumerate() {
            *consts.add(i) = value;
        }
    }
    Ok(code)
}

/// Translates `func`'s body on its first call and caches the bytecode in its entry.
#[cold]
#[inline(never)]
fn translate<E>(func: &FuncEntry) -> Result<*const CompiledFunc, Stop<E>> {
    // SAFETY: a wasm entry's context is valid while the entry is.
    let module = unsafe { &(*func.vmctx).module };
    let code: &CompiledFunc = module.compiled(func.index).map_err(Stop::Compile)?;
    let code = code as *const CompiledFunc;
    func.code
        .store(code.cast_mut(), std::sync::atomic::Ordering::Release);
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

/// Base and length of memory 0 of `vmctx`, or an empty memory if it has none.
///
/// # Safety
///
/// `vmctx` must be valid.
#[inline(always)]
unsafe fn memory0(vmctx: *mut VmCtx) -> (*mut u8, usize) {
    // SAFETY: guaranteed by the caller; memory definitions live as long as the context.
    unsafe {
        match (*vmctx).memory_count() {
            0 => (std::ptr::NonNull::dangling().as_ptr(), 0),
            _ => {
                let memory = &**(*vmctx).memories;
                (memory.base, memory.len())
            }
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
fn in_bounds(start: u64, len: u64, size: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size)
}

/// # Safety
///
/// As for [`execute`].
unsafe fn run<H: Host>(
    stack: &mut Stack,
    host: &mut H,
    state: &mut State,
    io: &mut [Slot],
) -> Result<(), Stop<H::Error>> {
    // SAFETY: the caller guarantees that `state.func` is a valid wasm entry.
    state.code = unsafe { enter(stack, state.func, 0)? };
    // SAFETY: `enter` translated the code; the module owning it outlives the call.
    let params = unsafe { (*state.code).param_slots as usize };
    stack.values[..params].copy_from_slice(&io[..params]);

    // SAFETY (for the whole loop): `code` points at the running function's bytecode, kept
    // alive by its module, which the store keeps alive; `pc` stays inside `ops` because the
    // translator ends every path with a return or branch to a valid target; `regs` points at
    // `values[base..]`, and `enter` reserved `frame_slots` slots there, which bounds every
    // register the translator emitted for this function; `regs` is recomputed whenever
    // `values` may have moved (after calls). `vmctx` and everything it points at are valid
    // for the call (the caller's contract).
    unsafe {
        let mut code: &CompiledFunc = &*state.code;
        // The running function's instructions, kept apart from `code` so dispatch loads
        // nothing else.
        let mut ops: *const Op = code.ops.as_ptr();
        let mut vmctx: *mut VmCtx = (*state.func).vmctx;
        let mut regs: *mut Slot = stack.values.as_mut_ptr().add(state.base);
        let mut pc = 0usize;
        // Memory 0 of the running instance, cached: reloaded when the instance changes (calls
        // and returns) and when the memory may have grown (`memory.grow`, host calls).
        let (mut mem_base, mut mem_len) = memory0(vmctx);

        macro_rules! reload_memory {
            () => {
                (mem_base, mem_len) = memory0(vmctx)
            };
        }
        macro_rules! r {
            ($reg:expr) => {
                *regs.add($reg.0 as usize)
            };
        }
        macro_rules! load {
            ($dst:expr, $addr:expr, $offset:expr, $ty:ty, $conv:expr) => {{
                let ea = effective(r!($addr) as u32 as u64, $offset, size_of::<$ty>(), mem_len);
                let ea = check!(ea);
                let raw = mem_base.add(ea).cast::<$ty>().read_unaligned();
                r!($dst) = ($conv)(<$ty>::from_le(raw));
                pc += 1;
            }};
        }
        macro_rules! store {
            ($addr:expr, $src:expr, $offset:expr, $ty:ty) => {{
                let ea = effective(r!($addr) as u32 as u64, $offset, size_of::<$ty>(), mem_len);
                let ea = check!(ea);
                mem_base
                    .add(ea)
                    .cast::<$ty>()
                    .write_unaligned((r!($src) as $ty).to_le());
                pc += 1;
            }};
        }
        // Records where execution stopped, for the backtrace.
        macro_rules! sync {
            () => {{
                state.pc = pc;
                state.code = code;
            }};
        }
        macro_rules! trap {
            ($code:expr) => {{
                sync!();
                return Err(Stop::Trap($code));
            }};
        }
        // Calls host function `callee` with its arguments and results in the slots from
        // `base`, leaving the executor with the host's error if it fails.
        macro_rules! call_host {
            ($callee:expr, $base:expr) => {{
                let (callee, base): (*const FuncEntry, usize) = ($callee, $base);
                let len = ((*callee).param_slots.max((*callee).result_slots)) as usize;
                check!(stack.reserve(base + len));
                let result = host.call_host(&*callee, vmctx, &mut stack.values[base..base + len]);
                if let Err(error) = result {
                    sync!();
                    return Err(Stop::Host(error));
                }
            }};
        }
        macro_rules! call {
            ($callee:expr, $base:expr) => {{
                let callee: *const FuncEntry = $callee;
                let new_base = state.base + $base.0 as usize;
                match (*callee).kind {
                    FuncKind::Wasm => {
                        stack.frames.push(Frame {
                            func: state.func,
                            code: code as *const CompiledFunc,
                            pc: pc + 1,
                            base: state.base,
                        });
                        match enter(stack, callee, new_base) {
                            Ok(new_code) => {
                                state.func = callee;
                                code = &*new_code;
                                ops = code.ops.as_ptr();
                                pc = 0;
                                state.base = new_base;
                                vmctx = (*callee).vmctx;
                                regs = stack.values.as_mut_ptr().add(new_base);
                                reload_memory!();
                            }
                            Err(stop) => {
                                stack.frames.pop();
                                sync!();
                                return Err(stop);
                            }
                        }
                    }
                    FuncKind::Host => {
                        call_host!(callee, new_base);
                        regs = stack.values.as_mut_ptr().add(state.base);
                        reload_memory!();
                        pc += 1;
                    }
                }
            }};
        }
        // Returns from the current function, whose results are in its first slots.
        macro_rules! return_to_caller {
            () => {
                match stack.frames.pop() {
                    Some(frame) => {
                        state.func = frame.func;
                        code = &*frame.code;
                        ops = code.ops.as_ptr();
                        pc = frame.pc;
                        state.base = frame.base;
                        vmctx = (*state.func).vmctx;
                        regs = stack.values.as_mut_ptr().add(state.base);
                        reload_memory!();
                    }
                    None => {
                        let results = (*state.func).result_slots as usize;
                        io[..results]
                            .copy_from_slice(&stack.values[state.base..state.base + results]);
                        return Ok(());
                    }
                }
            };
        }
        // Replaces the current frame with a call of `callee`, whose arguments are at `base`.
        macro_rules! tail_call {
            ($callee:expr, $base:expr) => {{
                let callee: *const FuncEntry = $callee;
                let params = (*callee).param_slots as usize;
                std::ptr::copy(regs.add($base.0 as usize), regs, params);
                match (*callee).kind {
                    FuncKind::Wasm => match enter(stack, callee, state.base) {
                        Ok(new_code) => {
                            state.func = callee;
                            code = &*new_code;
                            ops = code.ops.as_ptr();
                            pc = 0;
                            vmctx = (*callee).vmctx;
                            regs = stack.values.as_mut_ptr().add(state.base);
                            reload_memory!();
                        }
                        Err(stop) => {
                            sync!();
                            return Err(stop);
                        }
                    },
                    FuncKind::Host => {
                        call_host!(callee, state.base);
                        return_to_caller!();
                    }
                }
            }};
        }
        // The function at `table[index]`, checked against type `ty`.
        macro_rules! indirect_callee {
            ($ty:expr, $table:expr, $index:expr) => {{
                let table_index = $table;
                let table = &**(*vmctx).tables.add(table_index as usize);
                let index = index_value(r!($index), (*vmctx).table_is_64(table_index));
                if index >= table.len as u64 {
                    trap!(TrapCode::UndefinedElement);
                }
                let callee = *table.base.add(index as usize) as usize as *const FuncEntry;
                if callee.is_null() {
                    trap!(TrapCode::IndirectCallToNull);
                }
                if (*callee).sig != *(*vmctx).sig_ids.add($ty as usize) {
                    trap!(TrapCode::BadSignature);
                }
                callee
            }};
        }
        // The host address of an aligned, in-bounds atomic access.
        macro_rules! atomic_address {
            ($addr:expr, $mem:expr, $access:expr, $offset:expr) => {{
                let memory = &**(*vmctx).memories.add($mem as usize);
                let width = $access.width();
                let ea = check!(effective_any(
                    r!($addr),
                    $access.index64(),
                    $offset as u64,
                    width,
                    memory.len()
                ));
                if ea % width != 0 {
                    trap!(TrapCode::UnalignedAtomic);
                }
                memory.base.add(ea)
            }};
        }
        // Unwinds to the innermost handler that catches exception `exnref`, in this function
        // or its callers, or leaves the executor with it.
        macro_rules! throw {
            ($exn:expr) => {{
                let exn: u64 = $exn;
                let exceptions = &*(*(*vmctx).limits).exceptions;
                let tag = exceptions[(exn - 1) as usize].tag;
                // The instruction that threw, or the call in a caller frame.
                let mut at = pc;
                loop {
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
                        let dst = regs.add(clause.dst.0 as usize);
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
                        pc = clause.target as usize;
                        break;
                    }
                    match stack.frames.pop() {
                        Some(frame) => {
                            state.func = frame.func;
                            code = &*frame.code;
                            ops = code.ops.as_ptr();
                            at = frame.pc - 1;
                            state.base = frame.base;
                            vmctx = (*state.func).vmctx;
                            regs = stack.values.as_mut_ptr().add(state.base);
                            reload_memory!();
                        }
                        None => {
                            pc = at;
                            sync!();
                            return Err(Stop::Exception(exn));
                        }
                    }
                }
            }};
        }
        macro_rules! check {
            ($result:expr) => {
                match $result {
                    Ok(v) => v,
                    Err(code) => trap!(code),
                }
            };
        }

        // Numeric operators can trap only through their `trapping` functions.
        macro_rules! numeric_result {
            (total, $e:expr) => {
                $e
            };
            (trapping, $e:expr) => {
                check!($e)
            };
        }

        // The dispatch loop: the structural instructions are written out here, the numeric
        // and compare-and-branch ones are generated from the ISA table.
        macro_rules! dispatch {
            (
                ops { $( $(#[doc = $doc:literal])* $name:ident { $($field:ident : $fty:ty),* } $(-> $dst:ident)? = $mnemonic:literal; )* }
                unary { $( $uname:ident = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )* }
                binary { $( $bname:ident = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )* }
                branch_compare { $( $cname:ident = $cmn:literal : ($cty:ident) => $cfn:ident; )* }
        ternary { $( $tname:ident = $tmn:literal : ($ta:ident, $tb:ident, $tc:ident) -> $tout:ident => $tfn:ident; )* }
        extract_lane { $( $xname:ident = $xmn:literal : ($xin:ident) -> $xout:ident => $xfn:ident; )* }
        replace_lane { $( $rname:ident = $rmn:literal : ($rin:ident, $rx:ident) -> $rout:ident => $rfn:ident; )* }
            ) => {
                loop {
                    match *ops.add(pc) {
                Op::Unreachable {} => trap!(TrapCode::Unreachable),
                Op::ConsumeFuel { amount } => {
                    let limits = &mut *(*vmctx).limits;
                    if limits.fuel < amount as i64 {
                        trap!(TrapCode::OutOfFuel);
                    }
                    limits.fuel -= amount as i64;
                    pc += 1;
                }
                Op::CanonicalizeNan { reg, lanes } => {
                    canonicalize_nan(regs.add(reg.0 as usize), lanes);
                    pc += 1;
                }
                Op::CheckEpoch {} => {
                    let limits = &*(*vmctx).limits;
                    if (*limits.epoch).load(std::sync::atomic::Ordering::Relaxed) >= limits.epoch_deadline {
                        trap!(TrapCode::Interrupt);
                    }
                    pc += 1;
                }
                Op::Br { offset } => pc = pc.wrapping_add_signed(offset as isize),
                Op::BrIfNez { cond, offset } => {
                    pc = if r!(cond) != 0 {
                        pc.wrapping_add_signed(offset as isize)
                    } else {
                        pc + 1
                    };
                }
                Op::BrIfEqz { cond, offset } => {
                    pc = if r!(cond) == 0 {
                        pc.wrapping_add_signed(offset as isize)
                    } else {
                        pc + 1
                    };
                }
                Op::BrTable { index, len } => {
                    let index = (r!(index) as u32).min(len);
                    pc += 1 + index as usize;
                }
                Op::Return {} => return_to_caller!(),
                Op::ReturnReg { src } => {
                    *regs = r!(src);
                    return_to_caller!();
                }
                Op::ReturnSpan { src, len } => {
                    std::ptr::copy(regs.add(src.0 as usize), regs, len as usize);
                    return_to_caller!();
                }
                Op::ReturnCall { func, base } => {
                    let callee = *(*vmctx).funcs.add(func as usize);
                    tail_call!(callee, base);
                }
                Op::ReturnCallIndirect { ty, table, index, base } => {
                    let callee = indirect_callee!(ty, table, index);
                    tail_call!(callee, base);
                }
                Op::AtomicLoad { dst, addr, mem, access, offset } => {
                    let ptr = atomic_address!(addr, mem, access, offset);
                    r!(dst) = atomic::load(ptr, access.width());
                    pc += 1;
                }
                Op::AtomicStore { addr, src, mem, access, offset } => {
                    let ptr = atomic_address!(addr, mem, access, offset);
                    atomic::store(ptr, access.width(), r!(src));
                    pc += 1;
                }
                Op::AtomicRmw { dst, addr, val, mem, access, op, offset } => {
                    let ptr = atomic_address!(addr, mem, access, offset);
                    r!(dst) = atomic::rmw(ptr, access.width(), op, r!(val));
                    pc += 1;
                }
                Op::AtomicCmpxchg { dst, addr, operands, mem, access, offset } => {
                    let ptr = atomic_address!(addr, mem, access, offset);
                    let (expected, replacement) = (r!(operands), *regs.add(operands.0 as usize + 1));
                    r!(dst) = atomic::cmpxchg(ptr, access.width(), expected, replacement);
                    pc += 1;
                }
                Op::AtomicWait { dst, addr, operands, mem, access, offset } => {
                    let (expected, timeout) = (r!(operands), *regs.add(operands.0 as usize + 1));
                    let ptr = atomic_address!(addr, mem, access, offset);
                    if !(*(*vmctx).memory_owner(mem as u32)).is_shared() {
                        trap!(TrapCode::AtomicWaitNonSharedMemory);
                    }
                    let width = access.width();
                    let expected = if width == 4 { expected as u32 as u64 } else { expected };
                    let timeout = timeout as i64;
                    let timeout = (timeout >= 0).then(|| Duration::from_nanos(timeout as u64));
                    let holds = || atomic::load(ptr, width) == expected;
                    r!(dst) = parking::wait(ptr as usize, holds, timeout) as u64;
                    pc += 1;
                }
                Op::AtomicNotify { dst, addr, count, mem, access, offset } => {
                    let ptr = atomic_address!(addr, mem, access, offset);
                    r!(dst) = parking::notify(ptr as usize, r!(count) as u32) as u64;
                    pc += 1;
                }
                Op::AtomicFence {} => {
                    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
                    pc += 1;
                }
                Op::V128Load { dst, addr, mem, access, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let kind = access.kind();
                    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, kind.size(), memory.len()));
                    let mut bytes = [0u8; 16];
                    std::ptr::copy_nonoverlapping(memory.base.add(ea), bytes.as_mut_ptr(), kind.size());
                    simd_load(kind, bytes).write(regs, dst);
                    pc += 1;
                }
                Op::V128Store { addr, src, mem, access, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, 16, memory.len()));
                    let bytes = u128::read(regs, src).to_le_bytes();
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory.base.add(ea), 16);
                    pc += 1;
                }
                Op::V128LoadLane { dst, addr, src, mem, access, lane, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let width = access.width();
                    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, width, memory.len()));
                    let mut bytes = [0u8; 8];
                    std::ptr::copy_nonoverlapping(memory.base.add(ea), bytes.as_mut_ptr(), width);
                    let value = u64::from_le_bytes(bytes);
                    let vector = u128::read(regs, src);
                    let result = match width {
                        1 => simd::load_lane8(vector, lane, value as u8),
                        2 => simd::load_lane16(vector, lane, value as u16),
                        4 => simd::load_lane32(vector, lane, value as u32),
                        _ => simd::load_lane64(vector, lane, value),
                    };
                    result.write(regs, dst);
                    pc += 1;
                }
                Op::V128StoreLane { addr, src, mem, access, lane, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let width = access.width();
                    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, width, memory.len()));
                    let vector = u128::read(regs, src);
                    let value = match width {
                        1 => simd::extract_lane_bytes8(vector, lane) as u64,
                        2 => simd::extract_lane_bytes16(vector, lane) as u64,
                        4 => simd::extract_lane_bytes32(vector, lane) as u64,
                        _ => simd::extract_lane_bytes64(vector, lane),
                    };
                    std::ptr::copy_nonoverlapping(value.to_le_bytes().as_ptr(), memory.base.add(ea), width);
                    pc += 1;
                }
                Op::I8x16Shuffle { dst, a, b, lanes } => {
                    let lanes = u128::read(regs, lanes).to_le_bytes();
                    simd::i8x16_shuffle(u128::read(regs, a), u128::read(regs, b), lanes).write(regs, dst);
                    pc += 1;
                }
                Op::I64Add128 { dst, lhs_lo, lhs_hi, rhs_lo, rhs_hi } => {
                    let lhs = r!(lhs_lo) as u128 | (r!(lhs_hi) as u128) << 64;
                    let rhs = r!(rhs_lo) as u128 | (r!(rhs_hi) as u128) << 64;
                    lhs.wrapping_add(rhs).write(regs, dst);
                    pc += 1;
                }
                Op::I64Sub128 { dst, lhs_lo, lhs_hi, rhs_lo, rhs_hi } => {
                    let lhs = r!(lhs_lo) as u128 | (r!(lhs_hi) as u128) << 64;
                    let rhs = r!(rhs_lo) as u128 | (r!(rhs_hi) as u128) << 64;
                    lhs.wrapping_sub(rhs).write(regs, dst);
                    pc += 1;
                }
                Op::I64MulWideS { dst, lhs, rhs } => {
                    let product = (r!(lhs) as i64 as i128).wrapping_mul(r!(rhs) as i64 as i128);
                    (product as u128).write(regs, dst);
                    pc += 1;
                }
                Op::I64MulWideU { dst, lhs, rhs } => {
                    (r!(lhs) as u128 * r!(rhs) as u128).write(regs, dst);
                    pc += 1;
                }
                Op::CallRef { func, base } => {
                    let callee = r!(func) as usize as *const FuncEntry;
                    if callee.is_null() {
                        trap!(TrapCode::NullReference);
                    }
                    call!(callee, base);
                }
                Op::ReturnCallRef { func, base } => {
                    let callee = r!(func) as usize as *const FuncEntry;
                    if callee.is_null() {
                        trap!(TrapCode::NullReference);
                    }
                    tail_call!(callee, base);
                }
                Op::TrapIfNull { src } => {
                    if r!(src) == 0 {
                        trap!(TrapCode::NullReference);
                    }
                    pc += 1;
                }
                Op::Throw { tag, base } => {
                    let ctx = &*vmctx;
                    let ty = ctx.module.info.type_at(ctx.module.info.tags[tag as usize]);
                    let slots: usize = ty.params().iter().map(|&t| crate::module::slot_count(t) as usize).sum();
                    let payload = std::slice::from_raw_parts(regs.add(base.0 as usize), slots).into();
                    let exceptions = &mut *(*ctx.limits).exceptions;
                    exceptions.push(Exception { tag: ctx.tag_ids[tag as usize], payload });
                    throw!(exceptions.len() as u64);
                }
                Op::ThrowRef { exn } => {
                    let exn = r!(exn);
                    if exn == 0 {
                        trap!(TrapCode::NullReference);
                    }
                    throw!(exn);
                }
                Op::LoadMem { dst, addr, mem, access, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let op = access.op();
                    let ea = check!(effective_any(r!(addr), access.index64(), offset, op.size(), memory.len()));
                    let mut bytes = [0u8; 8];
                    std::ptr::copy_nonoverlapping(memory.base.add(ea), bytes.as_mut_ptr(), op.size());
                    r!(dst) = op.load_slot(bytes);
                    pc += 1;
                }
                Op::StoreMem { addr, src, mem, access, offset } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let op = access.op();
                    let ea = check!(effective_any(r!(addr), access.index64(), offset, op.size(), memory.len()));
                    let bytes = r!(src).to_le_bytes();
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory.base.add(ea), op.size());
                    pc += 1;
                }
                Op::Call { func, base } => {
                    let callee = *(*vmctx).funcs.add(func as usize);
                    call!(callee, base);
                }
                Op::CallIndirect { ty, table, index, base } => {
                    let callee = indirect_callee!(ty, table, index);
                    call!(callee, base);
                }
                Op::Copy { dst, src } => {
                    r!(dst) = r!(src);
                    pc += 1;
                }
                Op::Copy2 { dst, src } => {
                    let (lo, hi) = (r!(src), *regs.add(src.0 as usize + 1));
                    r!(dst) = lo;
                    *regs.add(dst.0 as usize + 1) = hi;
                    pc += 1;
                }
                Op::CopySpan { dst, src, len } => {
                    std::ptr::copy(
                        regs.add(src.0 as usize),
                        regs.add(dst.0 as usize),
                        len as usize,
                    );
                    pc += 1;
                }
                Op::Const32 { dst, value } => {
                    r!(dst) = value as u64;
                    pc += 1;
                }
                Op::Const64 { dst, value } => {
                    r!(dst) = value;
                    pc += 1;
                }
                Op::Select { dst, cond, a, b } => {
                    r!(dst) = if r!(cond) as u32 != 0 { r!(a) } else { r!(b) };
                    pc += 1;
                }
                Op::Select2 { dst, cond, a, b } => {
                    let src = if r!(cond) as u32 != 0 { a } else { b };
                    let (lo, hi) = (r!(src), *regs.add(src.0 as usize + 1));
                    r!(dst) = lo;
                    *regs.add(dst.0 as usize + 1) = hi;
                    pc += 1;
                }
                Op::GlobalGet { dst, index } => {
                    r!(dst) = (**(*vmctx).globals.add(index as usize)).slots[0];
                    pc += 1;
                }
                Op::GlobalSet { src, index } => {
                    (**(*vmctx).globals.add(index as usize)).slots[0] = r!(src);
                    pc += 1;
                }
                Op::GlobalGet2 { dst, index } => {
                    let global: &VmGlobal = &**(*vmctx).globals.add(index as usize);
                    r!(dst) = global.slots[0];
                    *regs.add(dst.0 as usize + 1) = global.slots[1];
                    pc += 1;
                }
                Op::GlobalSet2 { src, index } => {
                    let global = &mut **(*vmctx).globals.add(index as usize);
                    global.slots = [r!(src), *regs.add(src.0 as usize + 1)];
                    pc += 1;
                }
                Op::Load32 { dst, addr, offset } => {
                    load!(dst, addr, offset, u32, |v: u32| v as u64)
                }
                Op::Load64 { dst, addr, offset } => load!(dst, addr, offset, u64, |v: u64| v),
                Op::I32Load8S { dst, addr, offset } => {
                    load!(dst, addr, offset, u8, |v: u8| v as i8 as i32 as u32 as u64)
                }
                Op::I32Load8U { dst, addr, offset } => {
                    load!(dst, addr, offset, u8, |v: u8| v as u64)
                }
                Op::I32Load16S { dst, addr, offset } => {
                    load!(dst, addr, offset, u16, |v: u16| v as i16 as i32 as u32
                        as u64)
                }
                Op::I32Load16U { dst, addr, offset } => {
                    load!(dst, addr, offset, u16, |v: u16| v as u64)
                }
                Op::I64Load8S { dst, addr, offset } => {
                    load!(dst, addr, offset, u8, |v: u8| v as i8 as i64 as u64)
                }
                Op::I64Load16S { dst, addr, offset } => {
                    load!(dst, addr, offset, u16, |v: u16| v as i16 as i64 as u64)
                }
                Op::I64Load32S { dst, addr, offset } => {
                    load!(dst, addr, offset, u32, |v: u32| v as i32 as i64 as u64)
                }
                Op::Store8 { addr, src, offset } => store!(addr, src, offset, u8),
                Op::Store16 { addr, src, offset } => store!(addr, src, offset, u16),
                Op::Store32 { addr, src, offset } => store!(addr, src, offset, u32),
                Op::Store64 { addr, src, offset } => store!(addr, src, offset, u64),
                Op::MemorySize { dst, mem } => {
                    r!(dst) = (*(*vmctx).memory_owner(mem)).pages();
                    pc += 1;
                }
                Op::MemoryGrow { dst, delta, mem } => {
                    let index64 = (*vmctx).memory_is_64(mem);
                    let memory = &*(*vmctx).memory_owner(mem);
                    let delta = index_value(r!(delta), index64);
                    let limit = (*(*vmctx).limits).max_memory_bytes;
                    let within_limit = memory
                        .pages()
                        .checked_add(delta)
                        .and_then(|pages| pages.checked_mul(memory.page_size()))
                        .is_some_and(|bytes| bytes <= limit);
                    let grown = if within_limit { memory.grow(delta).ok() } else { None };
                    r!(dst) = match grown {
                        Some(old) => old,
                        None => index_value(u64::MAX, index64),
                    };
                    reload_memory!();
                    pc += 1;
                }
                Op::MemoryFill { mem, d, val, n } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let index64 = (*vmctx).memory_is_64(mem);
                    let (d, n) = (index_value(r!(d), index64), index_value(r!(n), index64));
                    if !in_bounds(d, n, memory.len() as u64) {
                        trap!(TrapCode::MemoryOutOfBounds);
                    }
                    std::ptr::write_bytes(memory.base.add(d as usize), r!(val) as u8, n as usize);
                    pc += 1;
                }
                Op::MemoryCopy {
                    dst_mem,
                    src_mem,
                    d,
                    s,
                    n,
                } => {
                    let dst_memory = &**(*vmctx).memories.add(dst_mem as usize);
                    let src_memory = &**(*vmctx).memories.add(src_mem as usize);
                    let dst64 = (*vmctx).memory_is_64(dst_mem as u32);
                    let src64 = (*vmctx).memory_is_64(src_mem as u32);
                    let (d, s, n) = (
                        index_value(r!(d), dst64),
                        index_value(r!(s), src64),
                        index_value(r!(n), dst64 && src64),
                    );
                    if !in_bounds(d, n, dst_memory.len() as u64)
                        || !in_bounds(s, n, src_memory.len() as u64)
                    {
                        trap!(TrapCode::MemoryOutOfBounds);
                    }
                    std::ptr::copy(
                        src_memory.base.add(s as usize),
                        dst_memory.base.add(d as usize),
                        n as usize,
                    );
                    pc += 1;
                }
                Op::MemoryInit { mem, seg, d, s, n } => {
                    let memory = &**(*vmctx).memories.add(mem as usize);
                    let ctx = &*vmctx;
                    let data: &[u8] = if ctx.data_dropped[seg as usize] {
                        &[]
                    } else {
                        ctx.module.info.data_bytes(seg)
                    };
                    let (d, s, n) = (
                        index_value(r!(d), ctx.memory_is_64(mem as u32)),
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    if !in_bounds(d, n, memory.len() as u64) || !in_bounds(s, n, data.len() as u64) {
                        trap!(TrapCode::MemoryOutOfBounds);
                    }
                    std::ptr::copy_nonoverlapping(
                        data.as_ptr().add(s as usize),
                        memory.base.add(d as usize),
                        n as usize,
                    );
                    pc += 1;
                }
                Op::DataDrop { seg } => {
                    (&mut *vmctx).data_dropped[seg as usize] = true;
                    pc += 1;
                }
                Op::TableGet { dst, table, index } => {
                    let index = index_value(r!(index), (*vmctx).table_is_64(table));
                    let table = &*(*vmctx).table_owner(table);
                    r!(dst) = check!(
                        table
                            .get(index)
                            .ok_or(TrapCode::TableOutOfBounds)
                    );
                    pc += 1;
                }
                Op::TableSet { table, index, val } => {
                    let index = index_value(r!(index), (*vmctx).table_is_64(table));
                    let table = &mut *(*vmctx).table_owner(table);
                    if !table.set(index, r!(val)) {
                        trap!(TrapCode::TableOutOfBounds);
                    }
                    pc += 1;
                }
                Op::TableSize { dst, table } => {
                    r!(dst) = (*(*vmctx).table_owner(table)).len();
                    pc += 1;
                }
                Op::TableGrow {
                    dst,
                    table,
                    init,
                    delta,
                } => {
                    let index64 = (*vmctx).table_is_64(table);
                    let table = &mut *(*vmctx).table_owner(table);
                    let delta = index_value(r!(delta), index64);
                    let limit = (*(*vmctx).limits).max_table_elements;
                    let within_limit = table.len().checked_add(delta).is_some_and(|n| n <= limit);
                    let grown = if within_limit { table.grow(delta, r!(init)).ok() } else { None };
                    r!(dst) = match grown {
                        Some(old) => old,
                        None => index_value(u64::MAX, index64),
                    };
                    pc += 1;
                }
                Op::TableFill { table, i, val, n } => {
                    let index64 = (*vmctx).table_is_64(table);
                    let table = &mut *(*vmctx).table_owner(table);
                    let (i, n) = (index_value(r!(i), index64), index_value(r!(n), index64));
                    if !in_bounds(i, n, table.len()) {
                        trap!(TrapCode::TableOutOfBounds);
                    }
                    table.elements_mut()[i as usize..(i + n) as usize].fill(r!(val));
                    pc += 1;
                }
                Op::TableCopy {
                    dst_table,
                    src_table,
                    d,
                    s,
                    n,
                } => {
                    let dst64 = (*vmctx).table_is_64(dst_table as u32);
                    let src64 = (*vmctx).table_is_64(src_table as u32);
                    let (d, s, n) = (
                        index_value(r!(d), dst64),
                        index_value(r!(s), src64),
                        index_value(r!(n), dst64 && src64),
                    );
                    let src = (*vmctx).table_owner(src_table as u32);
                    let dst = (*vmctx).table_owner(dst_table as u32);
                    if !in_bounds(d, n, (*dst).len()) || !in_bounds(s, n, (*src).len()) {
                        trap!(TrapCode::TableOutOfBounds);
                    }
                    // The tables may be the same one: copy through raw pointers, as memmove.
                    let src_ptr = (*src).elements().as_ptr().add(s as usize);
                    let dst_ptr = (*dst).elements_mut().as_mut_ptr().add(d as usize);
                    std::ptr::copy(src_ptr, dst_ptr, n as usize);
                    pc += 1;
                }
                Op::TableInit {
                    table,
                    seg,
                    d,
                    s,
                    n,
                } => {
                    let (d, s, n) = (
                        index_value(r!(d), (*vmctx).table_is_64(table as u32)),
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    let ctx = &*vmctx;
                    let segment: &[Slot] =
                        ctx.elems.get(seg as usize).map(|e| &e[..]).unwrap_or(&[]);
                    let table = &mut *ctx.table_owner(table as u32);
                    if !in_bounds(d, n, table.len()) || !in_bounds(s, n, segment.len() as u64) {
                        trap!(TrapCode::TableOutOfBounds);
                    }
                    table.elements_mut()[d as usize..(d + n) as usize]
                        .copy_from_slice(&segment[s as usize..(s + n) as usize]);
                    pc += 1;
                }
                Op::ElemDrop { seg } => {
                    if let Some(segment) = (&mut *vmctx).elems.get_mut(seg as usize) {
                        *segment = Box::new([]);
                    }
                    pc += 1;
                }
                Op::RefFunc { dst, func } => {
                    r!(dst) = *(*vmctx).funcs.add(func as usize) as usize as u64;
                    pc += 1;
                }
                        $(
                            Op::$uname { dst, src } => {
                                let a = <$uin>::read(regs, src);
                                numeric_result!($ukind, num::$ufn(a)).write(regs, dst);
                                pc += 1;
                            }
                        )*
                        $(
                            Op::$bname { dst, lhs, rhs } => {
                                let a = <$bl>::read(regs, lhs);
                                let b = <$br>::read(regs, rhs);
                                numeric_result!($bkind, num::$bfn(a, b)).write(regs, dst);
                                pc += 1;
                            }
                        )*
                        $(
                            Op::$tname { dst, a, b, c } => {
                                let (a, b, c) = (<$ta>::read(regs, a), <$tb>::read(regs, b), <$tc>::read(regs, c));
                                num::$tfn(a, b, c).write(regs, dst);
                                pc += 1;
                            }
                        )*
                        $(
                            Op::$xname { dst, src, lane } => {
                                num::$xfn(<$xin>::read(regs, src), lane).write(regs, dst);
                                pc += 1;
                            }
                        )*
                        $(
                            Op::$rname { dst, src, x, lane } => {
                                num::$rfn(<$rin>::read(regs, src), lane, <$rx>::read(regs, x)).write(regs, dst);
                                pc += 1;
                            }
                        )*
                        $(
                            Op::$cname { lhs, rhs, offset } => {
                                let holds = num::$cfn(<$cty>::read(regs, lhs), <$cty>::read(regs, rhs));
                                pc = if holds != 0 { pc.wrapping_add_signed(offset as isize) } else { pc + 1 };
                            }
                        )*
                    }
                }
            };
        }
        crate::for_each_op!(dispatch);
    }
}
