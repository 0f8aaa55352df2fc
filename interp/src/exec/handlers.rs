//! One handler per instruction, and the two ways of running them.
//!
//! Every handler has the signature [`Handler`]: it takes the instruction pointer, the frame's
//! registers, memory 0's base and length, the rest of the state in [`Cx`], and the two
//! accumulators ([`Acc`], [`FAcc`]). It does its instruction's work and ends with `dispatch!`, which in
//! the threaded backend tail-calls the next instruction's handler, whose address is stored
//! with the instruction (LLVM emits a jump, so each handler ends in its own indirect branch
//! and the hot state never leaves machine registers), and in the loop backend stores the
//! state in `Cx` and returns to [`run`]'s loop. Handlers of the structural instructions
//! are written out below; the numeric ones are generated from the ISA table, which also gives
//! [`HANDLERS`] its order (the opcodes of `repr(u16)` [`Op`]), from which [`thread`] gives
//! each translated instruction its handler.
//!
//! A handler must not keep anything on the native stack across its final call, or the call
//! cannot be a jump: work that needs stack space or many registers (calls, returns, unwinding)
//! is done out of line by [`Cx`]'s methods, which leave the new state in `Cx`.

use std::time::Duration;

use super::num::{self, AccValue, RegValue, SlotValue, v128};
use super::{
    Cx, Flow, SHORT_COPY, SHORT_FILL, Threaded, atomic, canonicalize_nan, copy_bytes, effective,
    effective_any, effective_end, fill_bytes, in_bounds, index_value, indirect_callee, memory0,
    simd, simd_load,
};
use crate::isa::Op;
use crate::vm::objects::{self, Segment};
use crate::vm::{FuncEntry, Slot, TrapCode, VmGlobal, parking};

/// An instruction's handler. The last two arguments are the accumulators.
pub(crate) type Handler =
    unsafe fn(*const Threaded, *mut Slot, *mut u8, usize, &mut Cx<'_>, Acc, FAcc) -> Flow;

/// The accumulator: the slot value of the previous instruction's result when that
/// instruction has an [`Op::acc_result`], and uninitialised otherwise. Only the instruction
/// right after such a producer reads it, so every other handler passes it on uninitialised,
/// which leaves its machine register free for other work and costs no instruction.
pub(super) type Acc = std::mem::MaybeUninit<Slot>;

/// The float accumulator: the previous instruction's `f64` result as a float, when that
/// instruction [`Op::fills_float_acc`]. It is passed in a floating-point register, so a
/// chain of `f64` operations hands its values on without moving them between register
/// files: an `f64` operand read from the accumulator comes from here.
pub(super) type FAcc = std::mem::MaybeUninit<f64>;

/// Runs the instruction at `cx.ip` and everything after it until execution ends.
///
/// # Safety
///
/// `cx` must describe a running function: its code, frame, instance and memory 0.
pub(super) unsafe fn run(cx: &mut Cx<'_>) {
    #[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
    // SAFETY: guaranteed by the caller; the handlers keep it so.
    unsafe {
        cx.native_entry = super::native_stack_pointer();
        let ip = cx.ip;
        ((*ip).handler)(
            ip,
            cx.regs,
            cx.mem,
            cx.len,
            cx,
            Acc::uninit(),
            FAcc::uninit(),
        );
    }
    #[cfg(any(debug_assertions, feature = "loop-dispatch"))]
    loop {
        let ip = cx.ip;
        // SAFETY: guaranteed by the caller; the handlers keep it so.
        let flow = unsafe { ((*ip).handler)(ip, cx.regs, cx.mem, cx.len, cx, cx.acc, cx.facc) };
        if flow == Flow::Exit {
            return;
        }
    }
}

/// The opcode of `op`: its index in [`HANDLERS`].
fn opcode(op: &Op) -> usize {
    // SAFETY: `Op` is `repr(u16)`: every instruction starts with its discriminant, which
    // counts the variants in declaration order, the order of `HANDLERS`.
    unsafe { *(op as *const Op).cast::<u16>() as usize }
}

/// `ops` ready to run: each instruction with its handler's address, which the handler
/// before it jumps to (direct threading).
pub(crate) fn thread(ops: &[Op]) -> Box<[Threaded]> {
    ops.iter()
        .map(|&op| Threaded {
            handler: specialized(&op).unwrap_or(HANDLERS[opcode(&op)]),
            op,
        })
        .collect()
}

/// Ends the outermost call, whose results are in the first slots of its frame: the cold end
/// of every return handler, a function of its own so that theirs calls nothing.
#[cold]
#[inline(never)]
unsafe fn exit_to_host(
    _ip: *const Threaded,
    _regs: *mut Slot,
    _mem: *mut u8,
    _len: usize,
    cx: &mut Cx<'_>,
    _acc: Acc,
    _facc: FAcc,
) -> Flow {
    cx.return_to_host();
    cx.exited()
}

/// What `dispatch!` hands the next handler, besides the state in [`Cx`].
type Dispatched = (*const Threaded, *mut Slot, *mut u8, usize, Acc, FAcc);

/// Continues with the instruction at `$ip`, the given registers and memory 0, and `$acc` and
/// `$facc` in the accumulators.
#[cfg(not(any(debug_assertions, feature = "loop-dispatch")))]
macro_rules! dispatch {
    ($cx:ident, $ip:expr, $regs:expr, $mem:expr, $len:expr, $acc:expr, $facc:expr) => {{
        let (ip, regs, mem, len, acc, facc): Dispatched = ($ip, $regs, $mem, $len, $acc, $facc);
        return ((*ip).handler)(ip, regs, mem, len, $cx, acc, facc);
    }};
}

/// Continues with the instruction at `$ip`, the given registers and memory 0, and `$acc` and
/// `$facc` in the accumulators.
#[cfg(any(debug_assertions, feature = "loop-dispatch"))]
macro_rules! dispatch {
    ($cx:ident, $ip:expr, $regs:expr, $mem:expr, $len:expr, $acc:expr, $facc:expr) => {{
        let (ip, regs, mem, len, acc, facc): Dispatched = ($ip, $regs, $mem, $len, $acc, $facc);
        $cx.ip = ip;
        $cx.regs = regs;
        $cx.mem = mem;
        $cx.len = len;
        $cx.acc = acc;
        $cx.facc = facc;
        return Flow::Continue;
    }};
}

/// Defines the handler of instruction `$name`, binding its operands to `$field`s. The body
/// reaches the state only through the macros defined here (hygiene keeps the parameters out
/// of reach of code written outside this macro):
/// `r!(reg)` a register, `regs!()` the register file, `acc!()` the accumulator,
/// `acc_value!(type)` the accumulator that holds operands of an ISA table type, `ip!()` the
/// instruction, `vmctx!()` the instance, `cx!()` the state, `next!()` / `jump!(offset)` /
/// `resume!(ip)` / `return_!()` to continue, `next_acc!(value)` to continue with `value` in
/// the accumulator, `next_slot64!(value)` with a 64-bit `value` in both accumulators,
/// `next_result!(type, value, dst)` to write a result and continue with it in the
/// accumulators if it is a scalar, `trap!(code)` and `check!(result)` to stop with a
/// trap, `reload_memory!()` after memory 0 may have grown,
/// `tail!(f)` to continue in another function of a handler's signature. `handler!(fn F for
/// Name { .. })` defines such a function `F` for instructions `Name`.
macro_rules! handler {
    ($name:ident { $($field:ident),* } => $body:expr) => {
        handler!(fn $name for $name { $($field),* } => $body);
    };
    ($(#[$attr:meta])* fn $fname:ident for $name:ident { $($field:ident),* } => $body:expr) => {
        $(#[$attr])*
        #[allow(
            non_snake_case,
            unused_mut,
            unused_variables,
            unused_macros,
            unused_unsafe,
            unused_assignments
        )]
        // Handlers are reached through their instructions' handler addresses or `tail!`,
        // and must stay functions of their own for either.
        #[inline(never)]
        unsafe fn $fname(
            ip: *const Threaded,
            mut regs: *mut Slot,
            mut mem: *mut u8,
            mut len: usize,
            cx: &mut Cx<'_>,
            acc: Acc,
            facc: FAcc,
        ) -> Flow {
            macro_rules! r {
                ($reg:expr) => {
                    *regs.add($reg.0 as usize)
                };
            }
            macro_rules! regs {
                () => {
                    regs
                };
            }
            // SAFETY: the translator gives an instruction an accumulator form only right
            // after a producer, from which alone it is reached.
            macro_rules! acc {
                () => {
                    acc.assume_init()
                };
            }
            // SAFETY: as for `acc!`, and the translator has an instruction read a table
            // type from the accumulator that holds it only after a producer that fills it.
            macro_rules! acc_value {
                ($ty:ty) => {
                    <$ty as AccValue>::from_accs(acc, facc)
                };
            }
            macro_rules! cx {
                () => {
                    cx
                };
            }
            macro_rules! ip {
                () => {
                    ip
                };
            }
            macro_rules! vmctx {
                () => {
                    cx.vmctx
                };
            }
            macro_rules! next {
                () => {
                    dispatch!(cx, ip.add(1), regs, mem, len, Acc::uninit(), FAcc::uninit())
                };
            }
            macro_rules! next_acc {
                ($value:expr) => {
                    dispatch!(cx, ip.add(1), regs, mem, len, Acc::new($value), FAcc::uninit())
                };
            }
            // A 64-bit slot value of unknown type: an `f64` consumer may take it too.
            macro_rules! next_slot64 {
                ($value:expr) => {{
                    let value: Slot = $value;
                    dispatch!(cx, ip.add(1), regs, mem, len, Acc::new(value), FAcc::new(f64::from_bits(value)))
                }};
            }
            // Writes `$value`, of ISA table type `$ty`, to register `$dst` and continues,
            // with the value in the accumulator if it fits one slot.
            macro_rules! next_result {
                ($ty:ident, $value:expr, $dst:expr) => {{
                    let value = $value;
                    value.write(regs, $dst);
                    if crate::isa::is_scalar!($ty) {
                        let (acc, facc) = value.into_accs();
                        dispatch!(cx, ip.add(1), regs, mem, len, acc, facc)
                    }
                    next!()
                }};
            }
            macro_rules! jump {
                ($offset:expr) => {
                    dispatch!(cx, ip.offset($offset as isize), regs, mem, len, Acc::uninit(), FAcc::uninit())
                };
            }
            // Continues `$offset` instructions on with `$value` in the accumulator.
            macro_rules! jump_acc {
                ($offset:expr, $value:expr) => {
                    dispatch!(cx, ip.offset($offset as isize), regs, mem, len, Acc::new($value), FAcc::uninit())
                };
            }
            // Continues at `$ip` as left by one of `Cx`'s out-of-line paths, or ends
            // execution if it returned null.
            macro_rules! resume {
                ($ip:expr) => {{
                    let next: *const Threaded = $ip;
                    if next.is_null() {
                        return cx.exited();
                    }
                    dispatch!(cx, next, cx.regs, cx.mem, cx.len, Acc::uninit(), FAcc::uninit())
                }};
            }
            // Returns to the caller, or ends the outermost call out of line.
            macro_rules! return_ {
                () => {
                    match cx.pop_frame() {
                        Some(next) => dispatch!(cx, next, cx.regs, cx.mem, cx.len, Acc::uninit(), FAcc::uninit()),
                        None => return exit_to_host(ip, regs, mem, len, cx, acc, facc),
                    }
                };
            }
            macro_rules! trap {
                ($code:expr) => {
                    return cx.trap(ip, $code)
                };
            }
            // Charges `$amount` fuel for the block entered here, or traps if there is less.
            macro_rules! charge_fuel {
                ($amount:expr) => {{
                    let limits = &mut *cx.limits;
                    if limits.fuel < $amount as i64 {
                        trap!(TrapCode::OutOfFuel);
                    }
                    limits.fuel -= $amount as i64;
                }};
            }
            macro_rules! tail {
                ($f:ident) => {
                    return $f(ip, regs, mem, len, cx, acc, facc)
                };
            }
            macro_rules! check {
                ($result:expr) => {
                    match $result {
                        Ok(value) => value,
                        Err(code) => trap!(code),
                    }
                };
            }
            // Memory 0's base and length, as the handlers keep them.
            macro_rules! memory0 {
                () => {
                    (mem, len)
                };
            }
            // Also refreshes the state's copy, which calls and returns within the instance
            // keep instead of reading memory 0 again.
            macro_rules! reload_memory {
                () => {{
                    (mem, len) = memory0(cx.vmctx);
                    (cx.mem, cx.len) = (mem, len);
                }};
            }
            // A load from memory 0 at 32-bit address `$addr` (a slot value) plus the
            // instruction's offset, whose end `$end` is that offset plus the access's size;
            // the value loaded goes to the accumulator too.
            macro_rules! load {
                ($dst:expr, $addr:expr, $end:expr, $ty:ty, $conv:expr) => {{
                    let ea = check!(effective_end($addr as u32 as u64, $end, size_of::<$ty>(), len));
                    let raw = mem.add(ea).cast::<$ty>().read_unaligned();
                    let value: Slot = ($conv)(<$ty>::from_le(raw));
                    r!($dst) = value;
                    if size_of::<$ty>() == 8 {
                        next_slot64!(value)
                    }
                    next_acc!(value)
                }};
            }
            // A store of slot value `$value` to memory 0 with a 32-bit address, as `load!`.
            macro_rules! store {
                ($addr:expr, $value:expr, $end:expr, $ty:ty) => {{
                    let ea = check!(effective_end(r!($addr) as u32 as u64, $end, size_of::<$ty>(), len));
                    mem.add(ea).cast::<$ty>().write_unaligned(($value as $ty).to_le());
                    next!()
                }};
            }
            // SAFETY (for every handler): `ip` points at a `$name` instruction of the running
            // function, whose translator ended every path with a return or a branch to a valid
            // target, so `ip + 1` and branch targets are instructions too; `regs` points at the
            // running frame, reserved for the function's `frame_slots`, which bound every
            // register the translator emitted; `mem`/`len` describe memory 0 of `cx.vmctx` as of
            // the last call, return or `memory.grow`; `cx.vmctx` and everything it points at are
            // valid for the call (the contract of `execute`).
            unsafe {
                let Op::$name { $($field),* } = (*ip).op else {
                    std::hint::unreachable_unchecked()
                };
                $body
            }
        }
    };
}

handler!(Unreachable {} => trap!(TrapCode::Unreachable));

handler!(ConsumeFuel { amount } => {
    charge_fuel!(amount);
    next!()
});

handler!(BrFuel { amount, offset } => {
    charge_fuel!(amount);
    jump!(offset as isize)
});

handler!(CanonicalizeNan { reg, lanes } => {
    canonicalize_nan(regs!().add(reg.0 as usize), lanes);
    next!()
});

handler!(CheckEpoch {} => {
    let limits = &*cx!().limits;
    if (*limits.epoch).load(std::sync::atomic::Ordering::Relaxed) >= limits.epoch_deadline {
        trap!(TrapCode::Interrupt);
    }
    next!()
});

handler!(OsrCheck {} => {
    if cx!().count_back_edge(super::Countdown::BackEdges) {
        resume!(cx!().osr(ip!()))
    }
    next!()
});

handler!(OsrCheckNested {} => {
    if cx!().count_back_edge(super::Countdown::NestedBackEdges) {
        resume!(cx!().osr(ip!()))
    }
    next!()
});

handler!(Br { offset } => jump!(offset));

handler!(BrIfNez { cond, offset } => {
    if r!(cond) != 0 {
        jump!(offset)
    }
    next!()
});

handler!(BrIfEqz { cond, offset } => {
    if r!(cond) == 0 {
        jump!(offset)
    }
    next!()
});

handler!(BrIfNezAcc { offset } => {
    if acc!() != 0 {
        jump!(offset)
    }
    next!()
});

// The loop steps continue past the branch they stand for.
handler!(BrI32AddNez { dst, lhs, rhs, offset } => {
    let sum = (r!(lhs) as u32).wrapping_add(r!(rhs) as u32);
    r!(dst) = sum as u64;
    if sum != 0 {
        jump!(offset)
    }
    jump!(2)
});

handler!(BrI32AddEqz { dst, lhs, rhs, offset } => {
    let sum = (r!(lhs) as u32).wrapping_add(r!(rhs) as u32);
    r!(dst) = sum as u64;
    if sum == 0 {
        jump!(offset)
    }
    jump!(2)
});

handler!(BrIfEqzAcc { offset } => {
    if acc!() == 0 {
        jump!(offset)
    }
    next!()
});

/// The jump of a `br_table` with `len` entries (and the default) at `index`.
macro_rules! br_table {
    ($index:expr, $len:ident) => {{
        let entry = 1 + ($index as u32).min($len) as isize;
        // Most entries are plain `br`s: take them here rather than dispatching to them.
        match (*ip!().offset(entry)).op {
            Op::Br { offset } => jump!(entry + offset as isize),
            _ => jump!(entry),
        }
    }};
}

handler!(BrTable { index, len } => br_table!(r!(index), len));
handler!(BrTableAcc { len } => br_table!(acc!(), len));

handler!(Return {} => return_!());

handler!(ReturnReg { src } => {
    *regs!() = r!(src);
    return_!()
});

handler!(ReturnRegAcc {} => {
    *regs!() = acc!();
    return_!()
});

handler!(ReturnSpan { src, len } => {
    std::ptr::copy(regs!().add(src.0 as usize), regs!(), len as usize);
    return_!()
});

// Each call instruction enters an interpreted callee itself and leaves every other case
// (host functions, compiled code, first calls, tier-up, stack growth) to a twin that it
// jumps to, so that the common path saves no registers.

handler!(Call { func, base } => {
    let callee = *cx!().funcs.add(func as usize);
    match cx!().enter_translated(ip!(), &*callee, base) {
        Some(next) => resume!(next),
        None => tail!(CallGeneral),
    }
});

handler!(fn CallGeneral for Call { func, base } => {
    let callee = *cx!().funcs.add(func as usize);
    resume!(cx!().call_general(ip!(), callee, base))
});

handler!(CallIndirect { ty, table, index, base } => {
    let callee = check!(indirect_callee(vmctx!(), ty, table, r!(index)));
    match cx!().enter_translated(ip!(), &*callee, base) {
        Some(next) => resume!(next),
        None => tail!(CallIndirectGeneral),
    }
});

handler!(fn CallIndirectGeneral for CallIndirect { ty, table, index, base } => {
    // The callee passed its checks a moment ago; nothing has changed since.
    let callee = check!(indirect_callee(vmctx!(), ty, table, r!(index)));
    resume!(cx!().call_general(ip!(), callee, base))
});

handler!(CallRef { func, base } => {
    let callee = r!(func) as usize as *const FuncEntry;
    if callee.is_null() {
        trap!(TrapCode::NullReference);
    }
    match cx!().enter_translated(ip!(), &*callee, base) {
        Some(next) => resume!(next),
        None => tail!(CallRefGeneral),
    }
});

handler!(fn CallRefGeneral for CallRef { func, base } => {
    resume!(cx!().call_general(ip!(), r!(func) as usize as *const FuncEntry, base))
});

handler!(ReturnCall { func, base } => {
    let callee = *cx!().funcs.add(func as usize);
    resume!(cx!().tail_call(ip!(), callee, base))
});

handler!(ReturnCallIndirect { ty, table, index, base } => {
    let callee = check!(indirect_callee(vmctx!(), ty, table, r!(index)));
    resume!(cx!().tail_call(ip!(), callee, base))
});

handler!(ReturnCallRef { func, base } => {
    let callee = r!(func) as usize as *const FuncEntry;
    if callee.is_null() {
        trap!(TrapCode::NullReference);
    }
    resume!(cx!().tail_call(ip!(), callee, base))
});

handler!(LoadMem { dst, addr, mem, access, offset } => {
    let memory = &**(*vmctx!()).memories.add(mem as usize);
    let op = access.op();
    let ea = check!(effective_any(r!(addr), access.index64(), offset, op.size(), memory.len()));
    let mut bytes = [0u8; 8];
    std::ptr::copy_nonoverlapping(memory.base.add(ea), bytes.as_mut_ptr(), op.size());
    r!(dst) = op.load_slot(bytes);
    next!()
});

handler!(StoreMem { addr, src, mem, access, offset } => {
    let memory = &**(*vmctx!()).memories.add(mem as usize);
    let op = access.op();
    let ea = check!(effective_any(r!(addr), access.index64(), offset, op.size(), memory.len()));
    let bytes = r!(src).to_le_bytes();
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory.base.add(ea), op.size());
    next!()
});

handler!(AtomicLoad { dst, addr, mem, access, offset } => {
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    r!(dst) = atomic::load(ptr, width);
    next!()
});

handler!(AtomicStore { addr, src, mem, access, offset } => {
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    atomic::store(ptr, width, r!(src));
    next!()
});

handler!(AtomicRmw { dst, addr, val, mem, access, op, offset } => {
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    r!(dst) = atomic::rmw(ptr, width, op, r!(val));
    next!()
});

handler!(AtomicCmpxchg { dst, addr, operands, mem, access, offset } => {
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    let (expected, replacement) = (r!(operands), *regs!().add(operands.0 as usize + 1));
    r!(dst) = atomic::cmpxchg(ptr, width, expected, replacement);
    next!()
});

handler!(AtomicWait { dst, addr, operands, mem, access, offset } => {
    let (expected, timeout) = (r!(operands), *regs!().add(operands.0 as usize + 1));
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    if !(*(*vmctx!()).memory_owner(mem as u32)).is_shared() {
        trap!(TrapCode::AtomicWaitNonSharedMemory);
    }
    r!(dst) = atomic_wait(ptr, width, expected, timeout);
    next!()
});

/// `memory.atomic.wait32/64` at `ptr` of a shared memory: the wait's result code.
///
/// Out of line so that the waiting's stack frame is gone before the handler jumps on.
///
/// # Safety
///
/// `ptr` must be an aligned, in-bounds address of a live shared memory.
#[inline(never)]
unsafe fn atomic_wait(ptr: *mut u8, width: usize, expected: u64, timeout: u64) -> u64 {
    let expected = if width == 4 {
        expected as u32 as u64
    } else {
        expected
    };
    let timeout = timeout as i64;
    let timeout = (timeout >= 0).then(|| Duration::from_nanos(timeout as u64));
    // SAFETY: guaranteed by the caller.
    let holds = || unsafe { atomic::load(ptr, width) } == expected;
    parking::wait(ptr as usize, holds, timeout) as u64
}

handler!(AtomicNotify { dst, addr, count, mem, access, offset } => {
    let width = access.width();
    let ptr = check!(super::atomic_address(vmctx!(), mem as u32, r!(addr), access.index64(), offset, width));
    r!(dst) = parking::notify(ptr as usize, r!(count) as u32) as u64;
    next!()
});

handler!(AtomicFence {} => {
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
    next!()
});

/// The address of a `v128` load's `size` bytes: of memory 0 with 32-bit addresses from the
/// handlers' own base and length, of any other through its definition.
macro_rules! v128_load_address {
    ($addr:expr, $mem:expr, $access:expr, $offset:expr, $size:expr) => {
        if $mem == 0 && !$access.index64() {
            let (base, len) = memory0!();
            base.add(check!(effective(
                r!($addr) as u32 as u64,
                $offset,
                $size,
                len
            )))
        } else {
            let memory = &**(*vmctx!()).memories.add($mem as usize);
            let ea = effective_any(
                r!($addr),
                $access.index64(),
                $offset as u64,
                $size,
                memory.len(),
            );
            memory.base.add(check!(ea))
        }
    };
}

handler!(V128Load { dst, addr, mem, access, offset } => {
    use crate::isa::V128LoadKind::{Load, Load32Splat, Load64Splat};
    // The common kinds inline, where the slots are the vector's little-endian halves; the
    // others in a handler of their own, whose call of `load_v128_kind` saves registers.
    let half = match access.kind() {
        _ if cfg!(target_endian = "big") => tail!(V128LoadOther),
        Load => {
            let from = v128_load_address!(addr, mem, access, offset, 16);
            std::ptr::copy_nonoverlapping(from, regs!().add(dst.0 as usize).cast::<u8>(), 16);
            next!()
        }
        Load32Splat => {
            let lane = v128_load_address!(addr, mem, access, offset, 4).cast::<u32>().read_unaligned();
            lane as u64 | (lane as u64) << 32
        }
        Load64Splat => v128_load_address!(addr, mem, access, offset, 8).cast::<u64>().read_unaligned(),
        _ => tail!(V128LoadOther),
    };
    r!(dst) = half;
    *regs!().add(dst.0 as usize + 1) = half;
    next!()
});

handler!(fn V128LoadOther for V128Load { dst, addr, mem, access, offset } => {
    let kind = access.kind();
    let from = v128_load_address!(addr, mem, access, offset, kind.size());
    load_v128_kind(from, kind).write(regs!(), dst);
    next!()
});

/// A `v128` load of `kind` from `from`. Out of line: its byte buffer would otherwise live
/// in the handler's frame, whose address escaping into the copy keeps the handler from
/// tail-calling the next one.
///
/// # Safety
///
/// `from` must point to `kind.size()` readable bytes.
#[inline(never)]
unsafe fn load_v128_kind(from: *const u8, kind: crate::isa::V128LoadKind) -> u128 {
    let mut bytes = [0u8; 16];
    // SAFETY: guaranteed by the caller.
    unsafe { std::ptr::copy_nonoverlapping(from, bytes.as_mut_ptr(), kind.size()) };
    simd_load(kind, bytes)
}

handler!(V128Store { addr, src, mem, access, offset } => {
    let memory = &**(*vmctx!()).memories.add(mem as usize);
    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, 16, memory.len()));
    if cfg!(target_endian = "little") {
        // The slots' little-endian halves are the bytes: one 16-byte move.
        std::ptr::copy_nonoverlapping(regs!().add(src.0 as usize).cast::<u8>(), memory.base.add(ea), 16);
        next!()
    }
    let bytes = u128::read(regs!(), src).to_le_bytes();
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory.base.add(ea), 16);
    next!()
});

handler!(V128LoadLane { dst, addr, src, mem, access, lane, offset } => {
    let memory = &**(*vmctx!()).memories.add(mem as usize);
    let width = access.width();
    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, width, memory.len()));
    let mut bytes = [0u8; 8];
    std::ptr::copy_nonoverlapping(memory.base.add(ea), bytes.as_mut_ptr(), width);
    let value = u64::from_le_bytes(bytes);
    let vector = u128::read(regs!(), src);
    let result = match width {
        1 => simd::load_lane8(vector, lane, value as u8),
        2 => simd::load_lane16(vector, lane, value as u16),
        4 => simd::load_lane32(vector, lane, value as u32),
        _ => simd::load_lane64(vector, lane, value),
    };
    result.write(regs!(), dst);
    next!()
});

handler!(V128StoreLane { addr, src, mem, access, lane, offset } => {
    let memory = &**(*vmctx!()).memories.add(mem as usize);
    let width = access.width();
    let ea = check!(effective_any(r!(addr), access.index64(), offset as u64, width, memory.len()));
    let vector = u128::read(regs!(), src);
    let value = match width {
        1 => simd::extract_lane_bytes8(vector, lane) as u64,
        2 => simd::extract_lane_bytes16(vector, lane) as u64,
        4 => simd::extract_lane_bytes32(vector, lane) as u64,
        _ => simd::extract_lane_bytes64(vector, lane),
    };
    std::ptr::copy_nonoverlapping(value.to_le_bytes().as_ptr(), memory.base.add(ea), width);
    next!()
});

handler!(I8x16Shuffle { dst, a, b, lanes } => {
    let (a, b, lanes) = (u128::read(regs!(), a), u128::read(regs!(), b), u128::read(regs!(), lanes));
    shuffle(a, b, lanes).write(regs!(), dst);
    next!()
});

/// `i8x16.shuffle` of `a` and `b` with the lane indices in the bytes of `lanes`.
///
/// Out of line so that the lane array's stack slot is gone before the handler jumps on.
#[inline(never)]
fn shuffle(a: u128, b: u128, lanes: u128) -> u128 {
    simd::i8x16_shuffle(a, b, lanes.to_le_bytes())
}

// `i8x16.shuffle` with the byte shuffles of SSSE3 inline, for processors that have them.
handler!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn I8x16ShuffleSsse3 for I8x16Shuffle { dst, a, b, lanes } => {
        let (a, b, lanes) = (u128::read(regs!(), a), u128::read(regs!(), b), u128::read(regs!(), lanes));
        simd::ssse3::i8x16_shuffle(a, b, lanes).write(regs!(), dst);
        next!()
    }
);

/// A handler of `op` that uses processor features the build does not assume, if the
/// processor has them: [`thread`] takes it over the one the ISA table names.
fn specialized(op: &Op) -> Option<Handler> {
    #[cfg(target_arch = "x86_64")]
    if let Op::I8x16Shuffle { .. } = op
        && std::arch::is_x86_feature_detected!("ssse3")
    {
        return Some(I8x16ShuffleSsse3 as Handler);
    }
    let _ = op;
    None
}

handler!(I64Add128 { dst, lhs_lo, lhs_hi, rhs_lo, rhs_hi } => {
    let lhs = r!(lhs_lo) as u128 | (r!(lhs_hi) as u128) << 64;
    let rhs = r!(rhs_lo) as u128 | (r!(rhs_hi) as u128) << 64;
    lhs.wrapping_add(rhs).write(regs!(), dst);
    next!()
});

handler!(I64Sub128 { dst, lhs_lo, lhs_hi, rhs_lo, rhs_hi } => {
    let lhs = r!(lhs_lo) as u128 | (r!(lhs_hi) as u128) << 64;
    let rhs = r!(rhs_lo) as u128 | (r!(rhs_hi) as u128) << 64;
    lhs.wrapping_sub(rhs).write(regs!(), dst);
    next!()
});

handler!(I64MulWideS { dst, lhs, rhs } => {
    let product = (r!(lhs) as i64 as i128).wrapping_mul(r!(rhs) as i64 as i128);
    (product as u128).write(regs!(), dst);
    next!()
});

handler!(I64MulWideU { dst, lhs, rhs } => {
    (r!(lhs) as u128 * r!(rhs) as u128).write(regs!(), dst);
    next!()
});

handler!(RefI31 { dst, src } => {
    r!(dst) = crate::vm::gc::i31_slot(r!(src) as u32);
    next!()
});

handler!(StructNew { dst, base, ty } => {
    r!(dst) = check!(cx!().struct_new(regs!(), base, ty));
    next!()
});

handler!(StructNewDefault { dst, ty } => {
    r!(dst) = check!(cx!().struct_new_default(ty));
    next!()
});

handler!(StructGet { dst, obj, offset, access } => {
    let at = check!(objects::object_field(r!(obj), offset));
    access.read(at, regs!().add(dst.0 as usize));
    next!()
});

handler!(StructSet { obj, src, offset, access } => {
    let at = check!(objects::object_field(r!(obj), offset));
    access.write(at, regs!().add(src.0 as usize));
    next!()
});

handler!(ArrayNew { dst, init, len, ty } => {
    r!(dst) = check!(cx!().array_new(ty, r!(len), Some(regs!().add(init.0 as usize))));
    next!()
});

handler!(ArrayNewDefault { dst, len, ty } => {
    r!(dst) = check!(cx!().array_new(ty, r!(len), None));
    next!()
});

handler!(ArrayNewFixed { dst, base, ty, count } => {
    r!(dst) = check!(cx!().array_new_fixed(regs!(), base, ty, count));
    next!()
});

handler!(ArrayNewData { dst, offset, len, ty, seg } => {
    r!(dst) = check!(cx!().array_new_segment(ty, Segment::Data(seg), r!(offset), r!(len)));
    next!()
});

handler!(ArrayNewElem { dst, offset, len, ty, seg } => {
    r!(dst) = check!(cx!().array_new_segment(ty, Segment::Elem(seg), r!(offset), r!(len)));
    next!()
});

handler!(ArrayGet { dst, arr, index, access } => {
    let at = check!(objects::array_element(r!(arr), r!(index), access.size()));
    access.read(at, regs!().add(dst.0 as usize));
    next!()
});

handler!(ArraySet { arr, index, src, access } => {
    let at = check!(objects::array_element(r!(arr), r!(index), access.size()));
    access.write(at, regs!().add(src.0 as usize));
    next!()
});

handler!(ArrayLen { dst, arr } => {
    let header = check!(objects::array_header(r!(arr)));
    r!(dst) = (*header).len as Slot;
    next!()
});

handler!(ArrayFill { arr, offset, val, len } => {
    check!(objects::array_fill(r!(arr), r!(offset), regs!().add(val.0 as usize), r!(len)));
    next!()
});

handler!(ArrayCopy { dst, dst_off, src, src_off, len } => {
    check!(objects::array_copy(r!(dst), r!(dst_off), r!(src), r!(src_off), r!(len)));
    next!()
});

handler!(ArrayInitData { arr, d, s, n, seg } => {
    check!(objects::array_init_segment(vmctx!(), r!(arr), r!(d), r!(s), r!(n), Segment::Data(seg)));
    next!()
});

handler!(ArrayInitElem { arr, d, s, n, seg } => {
    check!(objects::array_init_segment(vmctx!(), r!(arr), r!(d), r!(s), r!(n), Segment::Elem(seg)));
    next!()
});

handler!(RefTest { dst, src, target } => {
    r!(dst) = objects::ref_test(r!(src), target, vmctx!()) as Slot;
    next!()
});

handler!(RefCast { dst, src, target } => {
    let value = r!(src);
    if !objects::ref_test(value, target, vmctx!()) {
        trap!(TrapCode::CastFailure);
    }
    r!(dst) = value;
    next!()
});

/// The handlers of a compact load of memory 0, of a `$ty` extended to a slot by `$conv`, at
/// an address in a register or in the accumulator.
macro_rules! loads {
    ($name:ident / $acc_name:ident, $ty:ty, $conv:expr) => {
        handler!($name { dst, addr, end } => load!(dst, r!(addr), end, $ty, $conv));
        handler!($acc_name { dst, end } => load!(dst, acc!(), end, $ty, $conv));
    };
}

/// The handlers of a compact store to memory 0 of the low `$ty` of a slot in a register or
/// in the accumulator.
macro_rules! stores {
    ($name:ident / $acc_name:ident, $ty:ty) => {
        handler!($name { addr, src, end } => store!(addr, r!(src), end, $ty));
        handler!($acc_name { addr, end } => store!(addr, acc!(), end, $ty));
    };
}

/// The handler of an addition to a value in memory 0: a load of a `$mem` into `loaded`,
/// `$add` of `src` and the loaded `$ty` into `dst`, and the store of the sum back where the
/// load read it. It continues past the three instructions it stands for.
/// `$acc_name` adds the accumulator instead of `src`.
macro_rules! add_to_mem {
    ($name:ident / $acc_name:ident, $ty:ident, $mem:ty, $add:path) => {
        handler!($name { addr, src, loaded, dst, end } => {
            // Read after `loaded` is written: `src` may be the same register.
            add_to_mem!(@body addr, loaded, dst, end, $ty, $mem, $add, <$ty>::read(regs!(), src), 3)
        });
        handler!($acc_name { addr, loaded, dst, end } => {
            add_to_mem!(@body addr, loaded, dst, end, $ty, $mem, $add, acc_value!($ty), 3)
        });
    };
    (@body $addr:ident, $loaded:ident, $dst:ident, $end:ident, $ty:ident, $mem:ty, $add:path, $addend:expr, $skip:literal) => {{
        let (mem, len) = memory0!();
        let ea = check!(effective_end(r!($addr) as u32 as u64, $end, size_of::<$mem>(), len));
        let at = mem.add(ea).cast::<$mem>();
        let value = <$mem>::from_le(at.read_unaligned()) as Slot;
        r!($loaded) = value;
        let sum = $add($addend, <$ty as SlotValue>::from_slot(value));
        sum.write(regs!(), $dst);
        at.write_unaligned((sum.into_slot() as $mem).to_le());
        jump!($skip)
    }};
}

add_to_mem!(I32AddToMem / I32AddToMemAcc, i32, u32, num::i32_add);
add_to_mem!(I64AddToMem / I64AddToMemAcc, i64, u64, num::i64_add);
add_to_mem!(F32AddToMem / F32AddToMemAcc, f32, u32, num::f32_add);
add_to_mem!(F64AddToMem / F64AddToMemAcc, f64, u64, num::f64_add);

/// The handler of an addition to memory of a product: `$mul` of `lhs` and `rhs` (the
/// accumulator and `rhs` for `$acc_name`), then the addition to memory of the product as
/// `add_to_mem!` does it. It continues past the four instructions it stands for.
macro_rules! mul_add_to_mem {
    ($name:ident / $acc_name:ident, $ty:ident, $mem:ty, $mul:path, $add:path) => {
        handler!($name { addr, lhs, rhs, loaded, dst, end } => {
            // Taken before the load writes `loaded`, which may be a factor's register.
            let product = $mul(<$ty>::read(regs!(), lhs), <$ty>::read(regs!(), rhs));
            add_to_mem!(@body addr, loaded, dst, end, $ty, $mem, $add, product, 4)
        });
        handler!($acc_name { addr, rhs, loaded, dst, end } => {
            let product = $mul(acc_value!($ty), <$ty>::read(regs!(), rhs));
            add_to_mem!(@body addr, loaded, dst, end, $ty, $mem, $add, product, 4)
        });
    };
}

mul_add_to_mem!(
    I32MulAddToMem / I32MulAddToMemAcc,
    i32,
    u32,
    num::i32_mul,
    num::i32_add
);
mul_add_to_mem!(
    I64MulAddToMem / I64MulAddToMemAcc,
    i64,
    u64,
    num::i64_mul,
    num::i64_add
);
mul_add_to_mem!(
    F32MulAddToMem / F32MulAddToMemAcc,
    f32,
    u32,
    num::f32_mul,
    num::f32_add
);
mul_add_to_mem!(
    F64MulAddToMem / F64MulAddToMemAcc,
    f64,
    u64,
    num::f64_mul,
    num::f64_add
);

/// Where in memory 0 an access of `$size` bytes at `base + (index << shift)` starts (the sum
/// wrapping at 32 bits, then the offset added through `$end`, the offset of the access's
/// end), or a trap if it does not fit: the address of every fused access of memory 0.
macro_rules! summed_address {
    ($base:expr, $index:expr, $shift:expr, $end:expr, $size:expr) => {{
        let addr = ($base as u32).wrapping_add(($index as u32) << $shift) as u64;
        let (base0, size0) = memory0!();
        base0.add(check!(effective_end(addr, $end, $size, size0)))
    }};
}

/// The handlers of a load of a `$ty` from memory 0 at `base + index` (an `i32.add` fused into
/// the load), or with `scaled`, at `base + (index << shift)` (the `i32.shl` of one of its
/// operands fused too; the translator keeps `shift` below 32); the address wraps at 32 bits
/// before the offset is added; `base` is in a register or in the accumulator, and so, with a
/// third name, is a scaled `index`.
macro_rules! load_add {
    ($name:ident / $acc_name:ident, $ty:ident) => {
        handler!($name { dst, base, index, end } => {
            load_add!(@at dst, r!(base), r!(index), 0, end, $ty)
        });
        handler!($acc_name { dst, index, end } => {
            load_add!(@at dst, acc!(), r!(index), 0, end, $ty)
        });
    };
    ($name:ident / $acc_name:ident, $ty:ident, scaled) => {
        handler!($name { dst, base, index, shift, end } => {
            load_add!(@at dst, r!(base), r!(index), shift, end, $ty)
        });
        handler!($acc_name { dst, index, shift, end } => {
            load_add!(@at dst, acc!(), r!(index), shift, end, $ty)
        });
    };
    ($name:ident / $acc_name:ident / $index_acc_name:ident, $ty:ident, scaled) => {
        load_add!($name / $acc_name, $ty, scaled);
        handler!($index_acc_name { dst, base, shift, end } => {
            load_add!(@at dst, r!(base), acc!(), shift, end, $ty)
        });
    };
    (@at $dst:ident, $base:expr, $index:expr, $shift:expr, $end:ident, $ty:ident) => {{
        let at = summed_address!($base, $index, $shift, $end, size_of::<$ty>());
        let value = <$ty>::from_le(at.cast::<$ty>().read_unaligned());
        if size_of::<$ty>() == 8 {
            // Of unknown type: an `f64` consumer may take it from the float accumulator.
            value.write(regs!(), $dst);
            next_slot64!(value.into_acc())
        }
        next_result!($ty, value, $dst)
    }};
}

/// The handlers of a store of a `$ty` to memory 0 at `base + index`, or with `scaled`, at
/// `base + (index << shift)`, with `base` in a register or in the accumulator.
macro_rules! store_add {
    ($name:ident / $acc_name:ident, $ty:ident) => {
        handler!($name { base, index, src, end } => {
            store_add!(@at r!(base), r!(index), src, 0, end, $ty)
        });
        handler!($acc_name { index, src, end } => {
            store_add!(@at acc!(), r!(index), src, 0, end, $ty)
        });
    };
    ($name:ident / $acc_name:ident, $ty:ident, scaled) => {
        handler!($name { base, index, src, shift, end } => {
            store_add!(@at r!(base), r!(index), src, shift, end, $ty)
        });
        handler!($acc_name { index, src, shift, end } => {
            store_add!(@at acc!(), r!(index), src, shift, end, $ty)
        });
    };
    (@at $base:expr, $index:expr, $src:ident, $shift:expr, $end:ident, $ty:ident) => {{
        let at = summed_address!($base, $index, $shift, $end, size_of::<$ty>());
        at.cast::<$ty>().write_unaligned((r!($src) as $ty).to_le());
        next!()
    }};
}

/// The handler of a fused multiply and add: `$mul` then `$add` on values of type `$ty`.
/// Scalar ones also have a form with `a` in the accumulator.
macro_rules! mul_add {
    ($name:ident $(/ $acc_name:ident)?, $ty:ident, $mul:path, $add:path) => {
        handler!($name { dst, a, b, c } => {
            mul_add!(@of dst, <$ty>::read(regs!(), a), b, c, $ty, $mul, $add)
        });
        $(
            handler!($acc_name { dst, b, c } => {
                mul_add!(@of dst, acc_value!($ty), b, c, $ty, $mul, $add)
            });
        )?
    };
    (@of $dst:ident, $a:expr, $b:ident, $c:ident, $ty:ident, $mul:path, $add:path) => {{
        let product = $mul($a, <$ty>::read(regs!(), $b));
        next_result!($ty, $add(product, <$ty>::read(regs!(), $c)), $dst)
    }};
}

/// `base + (index << shift)` of `i32`s into `dst`.
macro_rules! add_shl {
    ($dst:ident, $base:expr, $index:expr, $shift:ident) => {{
        let value = ($base as i32).wrapping_add(($index as i32).wrapping_shl($shift as u32));
        next_result!(i32, value, $dst)
    }};
}

handler!(I32AddShl { dst, base, index, shift } => add_shl!(dst, r!(base), r!(index), shift));
handler!(I32AddShlAcc { dst, index, shift } => add_shl!(dst, acc!(), r!(index), shift));
handler!(I32AddShlIndexAcc { dst, base, shift } => add_shl!(dst, r!(base), acc!(), shift));
handler!(I32AddShlImm { dst, base, index, shift, imm } => {
    add_shl!(dst, (r!(base) as u32).wrapping_add(imm), r!(index), shift)
});

handler!(Load32AddShl { dst, addr, base, index, shift, imm, end } => {
    // Both read before `addr` is written, which may be either.
    let (base, index) = ((r!(base) as u32).wrapping_add(imm as i32 as u32), r!(index));
    (base.wrapping_add((index as u32) << shift) as i32).write(regs!(), addr);
    let at = summed_address!(base, index, shift, end as u32, 4);
    let value = u32::from_le(at.cast::<u32>().read_unaligned()) as Slot;
    r!(dst) = value;
    jump_acc!(2, value)
});

handler!(I32XorRotl { dst, lhs, src, imm } => {
    let value = r!(lhs) as u32 ^ (r!(src) as u32).rotate_left(imm as u32);
    next_result!(i32, value as i32, dst)
});

mul_add!(I32MulAdd / I32MulAddAcc, i32, num::i32_mul, num::i32_add);
mul_add!(I64MulAdd / I64MulAddAcc, i64, num::i64_mul, num::i64_add);
mul_add!(F32MulAdd / F32MulAddAcc, f32, num::f32_mul, num::f32_add);
mul_add!(F64MulAdd / F64MulAddAcc, f64, num::f64_mul, num::f64_add);
handler!(F64MulAccAcc { dst } => {
    let value = acc_value!(f64);
    next_result!(f64, num::f64_mul(value, value), dst)
});
handler!(F64AddAccAcc { dst } => {
    let value = acc_value!(f64);
    next_result!(f64, num::f64_add(value, value), dst)
});
mul_add!(
    F32x4MulAdd,
    v128,
    super::simd::f32x4_mul,
    super::simd::f32x4_add
);
mul_add!(
    F64x2MulAdd,
    v128,
    super::simd::f64x2_mul,
    super::simd::f64x2_add
);

/// The handler of a fused multiply and add of vectors whose `b` is loaded from memory 0 at
/// `base + index`, as `v128.load0_add` loads it.
macro_rules! mul_add_load {
    ($name:ident, $mul:path, $add:path) => {
        handler!($name { dst, a, c, base, index, end } => {
            let at = summed_address!(r!(base), r!(index), 0, end, 16);
            // One 16-byte access, read as the registers are (see `RegValue for u128`):
            // read as one `u128`, the vector takes a detour through general registers.
            let [lo, hi] = at.cast::<[u64; 2]>().read_unaligned();
            let b = u64::from_le(lo) as u128 | (u64::from_le(hi) as u128) << 64;
            let product = $mul(<v128>::read(regs!(), a), b);
            next_result!(v128, $add(product, <v128>::read(regs!(), c)), dst)
        });
    };
}

mul_add_load!(
    F32x4MulAddLoad,
    super::simd::f32x4_mul,
    super::simd::f32x4_add
);
mul_add_load!(
    F64x2MulAddLoad,
    super::simd::f64x2_mul,
    super::simd::f64x2_add
);

handler!(TrapIfNull { src } => {
    if r!(src) == 0 {
        trap!(TrapCode::NullReference);
    }
    next!()
});

handler!(Throw { tag, base } => {
    let ctx = &*vmctx!();
    let slots = ctx.tag_payload_slots(tag);
    let exn = ctx.new_exception(tag, std::slice::from_raw_parts(regs!().add(base.0 as usize), slots));
    resume!(cx!().throw(ip!(), exn))
});

handler!(ThrowRef { exn } => {
    let exn = r!(exn);
    if exn == 0 {
        trap!(TrapCode::NullReference);
    }
    resume!(cx!().throw(ip!(), exn))
});

handler!(Copy { dst, src } => {
    let value = r!(src);
    r!(dst) = value;
    next_acc!(value)
});

handler!(CopyAcc { dst } => {
    let value = acc!();
    r!(dst) = value;
    next_acc!(value)
});

handler!(CopyBrAcc { dst, offset } => {
    r!(dst) = acc!();
    jump!(offset)
});

handler!(CopyPair { dst0, src0, dst1, src1 } => {
    r!(dst0) = r!(src0);
    let value = r!(src1);
    r!(dst1) = value;
    // Past the second `copy`, with the accumulator it leaves.
    jump_acc!(2, value)
});

handler!(I32AddImmPair { dst0, lhs0, imm0, dst1, lhs1, imm1 } => {
    (r!(lhs0) as i32).wrapping_add(imm0.into()).write(regs!(), dst0);
    let second = (r!(lhs1) as i32).wrapping_add(imm1.into());
    second.write(regs!(), dst1);
    // Past the second addition, with the accumulator it leaves.
    jump_acc!(2, second.into_slot())
});

handler!(CopyBr { dst, src, offset } => {
    r!(dst) = r!(src);
    jump!(offset)
});

handler!(Copy2 { dst, src } => {
    let (lo, hi) = (r!(src), *regs!().add(src.0 as usize + 1));
    r!(dst) = lo;
    *regs!().add(dst.0 as usize + 1) = hi;
    next!()
});

handler!(CopySpan { dst, src, len } => {
    std::ptr::copy(regs!().add(src.0 as usize), regs!().add(dst.0 as usize), len as usize);
    next!()
});

handler!(Const32 { dst, value } => {
    r!(dst) = value as u64;
    next_acc!(value as u64)
});

handler!(Const64 { dst, value } => {
    r!(dst) = value;
    next_acc!(value)
});

/// The body of a one-slot `select`: `dst` (and the accumulator) takes `a` if `$holds`, else
/// `b`.
macro_rules! choose {
    ($dst:ident, $holds:expr, $a:ident, $b:ident) => {{
        // Both values are read before the choice, so that it can be a conditional move at the
        // end. A choice between two plain reads compiles to a read of the chosen register's
        // number, then of its value, after the condition is known; when the condition
        // depends on the value chosen the time before (a CRC's loop), those two loads are
        // in the loop's critical path. Volatile reads keep both reads as written.
        let (a, b) = (
            regs!().add($a.0 as usize).read_volatile(),
            regs!().add($b.0 as usize).read_volatile(),
        );
        let value = if $holds { a } else { b };
        r!($dst) = value;
        next_acc!(value)
    }};
}

handler!(Select { dst, cond, a, b } => choose!(dst, r!(cond) as u32 != 0, a, b));
handler!(SelectAcc { dst, a, b } => choose!(dst, acc!() as u32 != 0, a, b));
handler!(SelectAndImm { dst, lhs, imm, a, b } => choose!(dst, r!(lhs) as u32 & imm != 0, a, b));

/// A `select` on an i32 comparison, `$compare` of `num`.
macro_rules! select_on_compare {
    ($($name:ident => $compare:ident),* $(,)?) => {$(
        handler!($name { dst, lhs, rhs, a, b } => {
            choose!(dst, num::$compare(r!(lhs) as i32, r!(rhs) as i32) != 0, a, b)
        });
    )*};
}

select_on_compare!(
    SelectI32Eq => i32_eq,
    SelectI32Ne => i32_ne,
    SelectI32LtS => i32_lt_s,
    SelectI32LtU => i32_lt_u,
    SelectI32GtS => i32_gt_s,
    SelectI32GtU => i32_gt_u,
    SelectI32LeS => i32_le_s,
    SelectI32LeU => i32_le_u,
    SelectI32GeS => i32_ge_s,
    SelectI32GeU => i32_ge_u,
);

handler!(Select2 { dst, cond, a, b } => {
    let src = if r!(cond) as u32 != 0 { a } else { b };
    let (lo, hi) = (r!(src), *regs!().add(src.0 as usize + 1));
    r!(dst) = lo;
    *regs!().add(dst.0 as usize + 1) = hi;
    next!()
});

handler!(GlobalGet { dst, index } => {
    let value = (**(*vmctx!()).globals.add(index as usize)).slots[0];
    r!(dst) = value;
    next_acc!(value)
});

handler!(GlobalSet { src, index } => {
    (**(*vmctx!()).globals.add(index as usize)).slots[0] = r!(src);
    next!()
});

handler!(GlobalGet2 { dst, index } => {
    let global: &VmGlobal = &**(*vmctx!()).globals.add(index as usize);
    r!(dst) = global.slots[0];
    *regs!().add(dst.0 as usize + 1) = global.slots[1];
    next!()
});

handler!(GlobalSet2 { src, index } => {
    let global = &mut **(*vmctx!()).globals.add(index as usize);
    global.slots = [r!(src), *regs!().add(src.0 as usize + 1)];
    next!()
});

loads!(Load32 / Load32Acc, u32, |v: u32| v as u64);
loads!(Load64 / Load64Acc, u64, |v: u64| v);
loads!(I32Load8S / I32Load8SAcc, u8, |v: u8| v as i8 as i32 as u32
    as u64);
loads!(I32Load8U / I32Load8UAcc, u8, |v: u8| v as u64);
loads!(
    I32Load16S / I32Load16SAcc,
    u16,
    |v: u16| v as i16 as i32 as u32 as u64
);
loads!(I32Load16U / I32Load16UAcc, u16, |v: u16| v as u64);
loads!(I64Load8S / I64Load8SAcc, u8, |v: u8| v as i8 as i64 as u64);
loads!(I64Load16S / I64Load16SAcc, u16, |v: u16| v as i16 as i64
    as u64);
loads!(I64Load32S / I64Load32SAcc, u32, |v: u32| v as i32 as i64
    as u64);
stores!(Store8 / Store8Acc, u8);
stores!(Store16 / Store16Acc, u16);
stores!(Store32 / Store32Acc, u32);
stores!(Store64 / Store64Acc, u64);
handler!(V128Load0 { dst, addr, end } => {
    let (base0, size0) = memory0!();
    let ea = check!(effective_end(r!(addr) as u32 as u64, end, 16, size0));
    u128::from_le(base0.add(ea).cast::<u128>().read_unaligned()).write(regs!(), dst);
    next!()
});
handler!(V128Load0Acc { dst, end } => {
    let (base0, size0) = memory0!();
    let ea = check!(effective_end(acc!() as u32 as u64, end, 16, size0));
    u128::from_le(base0.add(ea).cast::<u128>().read_unaligned()).write(regs!(), dst);
    next!()
});
load_add!(Load32Add / Load32AddAcc, i32);
load_add!(Load64Add / Load64AddAcc, i64);
load_add!(V128Load0Add / V128Load0AddAcc, v128);
store_add!(Store32Add / Store32AddAcc, i32);
store_add!(Store64Add / Store64AddAcc, i64);
load_add!(
    Load32Scaled / Load32ScaledAcc / Load32ScaledIndexAcc,
    i32,
    scaled
);
load_add!(
    Load64Scaled / Load64ScaledAcc / Load64ScaledIndexAcc,
    i64,
    scaled
);
load_add!(V128Load0Scaled / V128Load0ScaledAcc, v128, scaled);
store_add!(Store32Scaled / Store32ScaledAcc, i32, scaled);
store_add!(Store64Scaled / Store64ScaledAcc, i64, scaled);

handler!(MemorySize { dst, mem } => {
    r!(dst) = (*(*vmctx!()).memory_owner(mem)).pages();
    next!()
});

handler!(MemoryGrow { dst, delta, mem } => {
    let vmctx = vmctx!();
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
    next!()
});

handler!(MemoryFill { mem, d, val, n } => {
    let vmctx = vmctx!();
    let memory = &**(*vmctx).memories.add(mem as usize);
    let index64 = (*vmctx).memory_is_64(mem);
    let (d, n) = (index_value(r!(d), index64), index_value(r!(n), index64));
    if !in_bounds(d, n, memory.len() as u64) {
        trap!(TrapCode::MemoryOutOfBounds);
    }
    std::ptr::write_bytes(memory.base.add(d as usize), r!(val) as u8, n as usize);
    next!()
});

handler!(MemoryCopy { dst_mem, src_mem, d, s, n } => {
    let vmctx = vmctx!();
    let dst_memory = &**(*vmctx).memories.add(dst_mem as usize);
    let src_memory = &**(*vmctx).memories.add(src_mem as usize);
    let dst64 = (*vmctx).memory_is_64(dst_mem as u32);
    let src64 = (*vmctx).memory_is_64(src_mem as u32);
    let (d, s, n) = (
        index_value(r!(d), dst64),
        index_value(r!(s), src64),
        index_value(r!(n), dst64 && src64),
    );
    if !in_bounds(d, n, dst_memory.len() as u64) || !in_bounds(s, n, src_memory.len() as u64) {
        trap!(TrapCode::MemoryOutOfBounds);
    }
    std::ptr::copy(
        src_memory.base.add(s as usize),
        dst_memory.base.add(d as usize),
        n as usize,
    );
    next!()
});

// The bulk operators of memory 0 copy and fill short lengths inline and leave longer ones
// to a twin that calls the host's `memmove` or `memset`, so that the short path saves no
// registers for the call.

handler!(MemoryFill0 { d, val, n } => {
    let (base, size) = memory0!();
    let (d, n) = (r!(d) as u32 as u64, r!(n) as u32 as u64);
    if !in_bounds(d, n, size as u64) {
        trap!(TrapCode::MemoryOutOfBounds);
    }
    if n > SHORT_FILL as u64 {
        tail!(MemoryFill0Long);
    }
    fill_bytes(base.add(d as usize), r!(val) as u8, n as usize);
    next!()
});

handler!(fn MemoryFill0Long for MemoryFill0 { d, val, n } => {
    let (base, _) = memory0!();
    // In bounds: checked a moment ago.
    std::ptr::write_bytes(base.add(r!(d) as u32 as usize), r!(val) as u8, r!(n) as u32 as usize);
    next!()
});

handler!(MemoryCopy0 { d, s, n } => {
    let (base, size) = memory0!();
    let (d, s, n) = (r!(d) as u32 as u64, r!(s) as u32 as u64, r!(n) as u32 as u64);
    if !in_bounds(d, n, size as u64) || !in_bounds(s, n, size as u64) {
        trap!(TrapCode::MemoryOutOfBounds);
    }
    if n > SHORT_COPY as u64 {
        tail!(MemoryCopy0Long);
    }
    copy_bytes(base.add(s as usize), base.add(d as usize), n as usize);
    next!()
});

handler!(fn MemoryCopy0Long for MemoryCopy0 { d, s, n } => {
    let (base, _) = memory0!();
    // In bounds: checked a moment ago.
    std::ptr::copy(
        base.add(r!(s) as u32 as usize),
        base.add(r!(d) as u32 as usize),
        r!(n) as u32 as usize,
    );
    next!()
});

handler!(MemoryInit { mem, seg, d, s, n } => {
    let ctx = &*vmctx!();
    let memory = &**ctx.memories.add(mem as usize);
    let data = ctx.data_segment(seg);
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
    next!()
});

handler!(DataDrop { seg } => {
    (&mut *vmctx!()).data_dropped[seg as usize] = true;
    next!()
});

handler!(TableGet { dst, table, index } => {
    let vmctx = vmctx!();
    let index = index_value(r!(index), (*vmctx).table_is_64(table));
    let table = &*(*vmctx).table_owner(table);
    r!(dst) = check!(table.get(index).ok_or(TrapCode::TableOutOfBounds));
    next!()
});

handler!(TableSet { table, index, val } => {
    let vmctx = vmctx!();
    let index = index_value(r!(index), (*vmctx).table_is_64(table));
    let table = &mut *(*vmctx).table_owner(table);
    if !table.set(index, r!(val)) {
        trap!(TrapCode::TableOutOfBounds);
    }
    next!()
});

handler!(TableSize { dst, table } => {
    r!(dst) = (*(*vmctx!()).table_owner(table)).len();
    next!()
});

handler!(TableGrow { dst, table, init, delta } => {
    let vmctx = vmctx!();
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
    next!()
});

handler!(TableFill { table, i, val, n } => {
    let vmctx = vmctx!();
    let index64 = (*vmctx).table_is_64(table);
    let table = &mut *(*vmctx).table_owner(table);
    let (i, n) = (index_value(r!(i), index64), index_value(r!(n), index64));
    if !in_bounds(i, n, table.len()) {
        trap!(TrapCode::TableOutOfBounds);
    }
    table.elements_mut()[i as usize..(i + n) as usize].fill(r!(val));
    next!()
});

handler!(TableCopy { dst_table, src_table, d, s, n } => {
    let vmctx = vmctx!();
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
    next!()
});

handler!(TableInit { table, seg, d, s, n } => {
    let vmctx = vmctx!();
    let (d, s, n) = (
        index_value(r!(d), (*vmctx).table_is_64(table as u32)),
        r!(s) as u32 as u64,
        r!(n) as u32 as u64,
    );
    let ctx = &*vmctx;
    let segment = ctx.elem_segment(seg);
    let table = &mut *ctx.table_owner(table as u32);
    if !in_bounds(d, n, table.len()) || !in_bounds(s, n, segment.len() as u64) {
        trap!(TrapCode::TableOutOfBounds);
    }
    table.elements_mut()[d as usize..(d + n) as usize]
        .copy_from_slice(&segment[s as usize..(s + n) as usize]);
    next!()
});

handler!(ElemDrop { seg } => {
    if let Some(segment) = (&mut *vmctx!()).elems.get_mut(seg as usize) {
        *segment = Box::new([]);
    }
    next!()
});

handler!(RefFunc { dst, func } => {
    r!(dst) = *cx!().funcs.add(func as usize) as usize as u64;
    next!()
});

/// Generates the numeric handlers from the ISA table, and [`HANDLERS`] in opcode order.
macro_rules! generated_handlers {
    (
        ops { $( $(#[doc = $doc:literal])* $name:ident { $($field:ident : $fty:ty),* } $(-> $dst:ident)? = $mnemonic:literal; )* }
        unary { $( $uname:ident $(/ $uacc:ident)? = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )* }
        binary { $( $bname:ident $(/ $bacl:ident $bacr:ident)? $(# $bimm:ident $baimm:ident)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )* }
        branch_compare { $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)?)? $(# $cimm:ident $caimm:ident)? = $cmn:literal : ($cty:ident) => $cfn:ident; )* }
        ternary { $( $tname:ident = $tmn:literal : ($ta:ident, $tb:ident, $tc:ident) -> $tout:ident => $tfn:ident; )* }
        extract_lane { $( $xname:ident = $xmn:literal : ($xin:ident) -> $xout:ident => $xfn:ident; )* }
        replace_lane { $( $rname:ident = $rmn:literal : ($rin:ident, $rx:ident) -> $rout:ident => $rfn:ident; )* }
    ) => {
        // Numeric operators can trap only through their `trapping` functions.
        macro_rules! numeric_result {
            (total, $e:expr, $check:ident) => {
                $e
            };
            (trapping, $e:expr, $check:ident) => {
                $check!($e)
            };
        }
        $(
            handler!($uname { dst, src } => {
                let a = <$uin>::read(regs!(), src);
                next_result!($uout, numeric_result!($ukind, num::$ufn(a), check), dst)
            });
            $(
                handler!($uacc { dst } => {
                    let a = acc_value!($uin);
                    next_result!($uout, numeric_result!($ukind, num::$ufn(a), check), dst)
                });
            )?
        )*
        $(
            handler!($bname { dst, lhs, rhs } => {
                let a = <$bl>::read(regs!(), lhs);
                let b = <$br>::read(regs!(), rhs);
                next_result!($bout, numeric_result!($bkind, num::$bfn(a, b), check), dst)
            });
            $(
                handler!($bacl { dst, rhs } => {
                    let a = acc_value!($bl);
                    let b = <$br>::read(regs!(), rhs);
                    next_result!($bout, numeric_result!($bkind, num::$bfn(a, b), check), dst)
                });
                handler!($bacr { dst, lhs } => {
                    let a = <$bl>::read(regs!(), lhs);
                    let b = acc_value!($br);
                    next_result!($bout, numeric_result!($bkind, num::$bfn(a, b), check), dst)
                });
            )?
            $(
                handler!($bimm { dst, lhs, imm } => {
                    let a = <$bl>::read(regs!(), lhs);
                    let b = <$br as crate::isa::Immediate>::from_imm(imm);
                    next_result!($bout, numeric_result!($bkind, num::$bfn(a, b), check), dst)
                });
                handler!($baimm { dst, imm } => {
                    let a = acc_value!($bl);
                    let b = <$br as crate::isa::Immediate>::from_imm(imm);
                    next_result!($bout, numeric_result!($bkind, num::$bfn(a, b), check), dst)
                });
            )?
        )*
        $(
            handler!($tname { dst, a, b, c } => {
                let (a, b, c) = (<$ta>::read(regs!(), a), <$tb>::read(regs!(), b), <$tc>::read(regs!(), c));
                num::$tfn(a, b, c).write(regs!(), dst);
                next!()
            });
        )*
        $(
            handler!($xname { dst, src, lane } => {
                next_result!($xout, num::$xfn(<$xin>::read(regs!(), src), lane), dst)
            });
        )*
        $(
            handler!($rname { dst, src, x, lane } => {
                num::$rfn(<$rin>::read(regs!(), src), lane, <$rx>::read(regs!(), x)).write(regs!(), dst);
                next!()
            });
        )*
        $(
            handler!($cname { lhs, rhs, offset } => {
                if num::$cfn(<$cty>::read(regs!(), lhs), <$cty>::read(regs!(), rhs)) != 0 {
                    jump!(offset)
                }
                next!()
            });
            $(
                handler!($cacl { rhs, offset } => {
                    if num::$cfn(acc_value!($cty), <$cty>::read(regs!(), rhs)) != 0 {
                        jump!(offset)
                    }
                    next!()
                });
                handler!($cacr { lhs, offset } => {
                    if num::$cfn(<$cty>::read(regs!(), lhs), acc_value!($cty)) != 0 {
                        jump!(offset)
                    }
                    next!()
                });
                $(
                    handler!($cstep { dst, lhs, rhs, limit, offset } => {
                        let sum = <$cty>::read(regs!(), lhs).wrapping_add(<$cty>::read(regs!(), rhs));
                        sum.write(regs!(), dst);
                        if num::$cfn(sum, <$cty>::read(regs!(), limit)) != 0 {
                            jump!(offset)
                        }
                        jump!(2)
                    });
                )?
            )?
            $(
                handler!($cimm { lhs, imm, offset } => {
                    let b = <$cty as crate::isa::Immediate>::from_imm(imm);
                    if num::$cfn(<$cty>::read(regs!(), lhs), b) != 0 {
                        jump!(offset)
                    }
                    next!()
                });
                handler!($caimm { imm, offset } => {
                    let b = <$cty as crate::isa::Immediate>::from_imm(imm);
                    if num::$cfn(acc_value!($cty), b) != 0 {
                        jump!(offset)
                    }
                    next!()
                });
            )?
        )*

        /// The handlers, indexed by opcode: the order of [`Op`]'s variants.
        static HANDLERS: [Handler; 0 $(+ { let _ = stringify!($name); 1 })*
            $(+ { let _ = stringify!($uname); 1 } $(+ { let _ = stringify!($uacc); 1 })?)*
            $(+ { let _ = stringify!($bname); 1 } $(+ { let _ = (stringify!($bacl), stringify!($bacr)); 2 })?
                $(+ { let _ = (stringify!($bimm), stringify!($baimm)); 2 })?)*
            $(+ { let _ = stringify!($tname); 1 })* $(+ { let _ = stringify!($xname); 1 })*
            $(+ { let _ = stringify!($rname); 1 })*
            $(+ { let _ = stringify!($cname); 1 } $(+ { let _ = (stringify!($cacl), stringify!($cacr)); 2 }
                $(+ { let _ = stringify!($cstep); 1 })?)?
                $(+ { let _ = (stringify!($cimm), stringify!($caimm)); 2 })?)*] = [
            $($name,)* $($uname, $($uacc,)?)* $($bname, $($bacl, $bacr,)? $($bimm, $baimm,)?)* $($tname,)* $($xname,)*
            $($rname,)* $($cname, $($cacl, $cacr, $($cstep,)?)? $($cimm, $caimm,)?)*
        ];
    };
}

crate::for_each_op!(generated_handlers);
