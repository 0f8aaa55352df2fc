//! The atomic operators of the threads proposal: loads, stores, read-modify-writes and
//! compare-exchanges of 1 to 8 bytes, and `atomic.fence`, as Cranelift's sequentially
//! consistent atomic instructions.
//!
//! An access traps as the interpreter's does: out of bounds first, then unaligned (its
//! effective address not a multiple of its width). Its bounds are always checked explicitly,
//! never left to guard pages, so that the alignment check comes after them.
//! `memory.atomic.wait32/64` and `memory.atomic.notify` check their address the same way,
//! then call built-ins that park and wake threads in the same queues as the interpreter's.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AtomicRmwOp, Endianness, InstBuilder, MemFlagsData, Type, Value, types,
};
use tandem_interp::TrapCode;
use wasmparser::{MemArg, MemArgTarget, Operator};

use super::memory::accessed_memory;
use super::{FuncTranslator, Result};
use crate::builtins;

/// What an atomic operator does at its address.
#[derive(Clone, Copy)]
enum Access {
    Load,
    Store,
    Rmw(AtomicRmwOp),
    Cmpxchg,
    /// `memory.atomic.wait32/64`: the width tells which.
    Wait,
    /// `memory.atomic.notify`.
    Notify,
}

/// An atomic memory operator: its memory argument, what it does, the wasm type of its
/// operands and result, and the bytes it accesses.
struct Atomic<'a> {
    memarg: &'a MemArg,
    access: Access,
    ty: Type,
    width: u8,
}

/// `op` as an atomic memory access, if it is one.
fn atomic<'a>(op: &'a Operator<'_>) -> Option<Atomic<'a>> {
    use AtomicRmwOp::{Add, And, Or, Sub, Xchg, Xor};
    use Operator::*;
    use types::{I32, I64};
    let (memarg, access, ty, width) = match op {
        I32AtomicLoad { memarg } => (memarg, Access::Load, I32, 4),
        I64AtomicLoad { memarg } => (memarg, Access::Load, I64, 8),
        I32AtomicLoad8U { memarg } => (memarg, Access::Load, I32, 1),
        I32AtomicLoad16U { memarg } => (memarg, Access::Load, I32, 2),
        I64AtomicLoad8U { memarg } => (memarg, Access::Load, I64, 1),
        I64AtomicLoad16U { memarg } => (memarg, Access::Load, I64, 2),
        I64AtomicLoad32U { memarg } => (memarg, Access::Load, I64, 4),
        I32AtomicStore { memarg } => (memarg, Access::Store, I32, 4),
        I64AtomicStore { memarg } => (memarg, Access::Store, I64, 8),
        I32AtomicStore8 { memarg } => (memarg, Access::Store, I32, 1),
        I32AtomicStore16 { memarg } => (memarg, Access::Store, I32, 2),
        I64AtomicStore8 { memarg } => (memarg, Access::Store, I64, 1),
        I64AtomicStore16 { memarg } => (memarg, Access::Store, I64, 2),
        I64AtomicStore32 { memarg } => (memarg, Access::Store, I64, 4),
        I32AtomicRmwAdd { memarg } => (memarg, Access::Rmw(Add), I32, 4),
        I64AtomicRmwAdd { memarg } => (memarg, Access::Rmw(Add), I64, 8),
        I32AtomicRmw8AddU { memarg } => (memarg, Access::Rmw(Add), I32, 1),
        I32AtomicRmw16AddU { memarg } => (memarg, Access::Rmw(Add), I32, 2),
        I64AtomicRmw8AddU { memarg } => (memarg, Access::Rmw(Add), I64, 1),
        I64AtomicRmw16AddU { memarg } => (memarg, Access::Rmw(Add), I64, 2),
        I64AtomicRmw32AddU { memarg } => (memarg, Access::Rmw(Add), I64, 4),
        I32AtomicRmwSub { memarg } => (memarg, Access::Rmw(Sub), I32, 4),
        I64AtomicRmwSub { memarg } => (memarg, Access::Rmw(Sub), I64, 8),
        I32AtomicRmw8SubU { memarg } => (memarg, Access::Rmw(Sub), I32, 1),
        I32AtomicRmw16SubU { memarg } => (memarg, Access::Rmw(Sub), I32, 2),
        I64AtomicRmw8SubU { memarg } => (memarg, Access::Rmw(Sub), I64, 1),
        I64AtomicRmw16SubU { memarg } => (memarg, Access::Rmw(Sub), I64, 2),
        I64AtomicRmw32SubU { memarg } => (memarg, Access::Rmw(Sub), I64, 4),
        I32AtomicRmwAnd { memarg } => (memarg, Access::Rmw(And), I32, 4),
        I64AtomicRmwAnd { memarg } => (memarg, Access::Rmw(And), I64, 8),
        I32AtomicRmw8AndU { memarg } => (memarg, Access::Rmw(And), I32, 1),
        I32AtomicRmw16AndU { memarg } => (memarg, Access::Rmw(And), I32, 2),
        I64AtomicRmw8AndU { memarg } => (memarg, Access::Rmw(And), I64, 1),
        I64AtomicRmw16AndU { memarg } => (memarg, Access::Rmw(And), I64, 2),
        I64AtomicRmw32AndU { memarg } => (memarg, Access::Rmw(And), I64, 4),
        I32AtomicRmwOr { memarg } => (memarg, Access::Rmw(Or), I32, 4),
        I64AtomicRmwOr { memarg } => (memarg, Access::Rmw(Or), I64, 8),
        I32AtomicRmw8OrU { memarg } => (memarg, Access::Rmw(Or), I32, 1),
        I32AtomicRmw16OrU { memarg } => (memarg, Access::Rmw(Or), I32, 2),
        I64AtomicRmw8OrU { memarg } => (memarg, Access::Rmw(Or), I64, 1),
        I64AtomicRmw16OrU { memarg } => (memarg, Access::Rmw(Or), I64, 2),
        I64AtomicRmw32OrU { memarg } => (memarg, Access::Rmw(Or), I64, 4),
        I32AtomicRmwXor { memarg } => (memarg, Access::Rmw(Xor), I32, 4),
        I64AtomicRmwXor { memarg } => (memarg, Access::Rmw(Xor), I64, 8),
        I32AtomicRmw8XorU { memarg } => (memarg, Access::Rmw(Xor), I32, 1),
        I32AtomicRmw16XorU { memarg } => (memarg, Access::Rmw(Xor), I32, 2),
        I64AtomicRmw8XorU { memarg } => (memarg, Access::Rmw(Xor), I64, 1),
        I64AtomicRmw16XorU { memarg } => (memarg, Access::Rmw(Xor), I64, 2),
        I64AtomicRmw32XorU { memarg } => (memarg, Access::Rmw(Xor), I64, 4),
        I32AtomicRmwXchg { memarg } => (memarg, Access::Rmw(Xchg), I32, 4),
        I64AtomicRmwXchg { memarg } => (memarg, Access::Rmw(Xchg), I64, 8),
        I32AtomicRmw8XchgU { memarg } => (memarg, Access::Rmw(Xchg), I32, 1),
        I32AtomicRmw16XchgU { memarg } => (memarg, Access::Rmw(Xchg), I32, 2),
        I64AtomicRmw8XchgU { memarg } => (memarg, Access::Rmw(Xchg), I64, 1),
        I64AtomicRmw16XchgU { memarg } => (memarg, Access::Rmw(Xchg), I64, 2),
        I64AtomicRmw32XchgU { memarg } => (memarg, Access::Rmw(Xchg), I64, 4),
        I32AtomicRmwCmpxchg { memarg } => (memarg, Access::Cmpxchg, I32, 4),
        I64AtomicRmwCmpxchg { memarg } => (memarg, Access::Cmpxchg, I64, 8),
        I32AtomicRmw8CmpxchgU { memarg } => (memarg, Access::Cmpxchg, I32, 1),
        I32AtomicRmw16CmpxchgU { memarg } => (memarg, Access::Cmpxchg, I32, 2),
        I64AtomicRmw8CmpxchgU { memarg } => (memarg, Access::Cmpxchg, I64, 1),
        I64AtomicRmw16CmpxchgU { memarg } => (memarg, Access::Cmpxchg, I64, 2),
        I64AtomicRmw32CmpxchgU { memarg } => (memarg, Access::Cmpxchg, I64, 4),
        MemoryAtomicWait32 { memarg } => (memarg, Access::Wait, I32, 4),
        MemoryAtomicWait64 { memarg } => (memarg, Access::Wait, I64, 8),
        MemoryAtomicNotify { memarg } => (memarg, Access::Notify, I32, 4),
        _ => return None,
    };
    Some(Atomic {
        memarg,
        access,
        ty,
        width,
    })
}

/// The memory `op` accesses atomically in compiled code, if it is an atomic access: its
/// length is always read there, for the bounds check.
pub(super) fn atomic_memory(op: &Operator<'_>) -> Option<u32> {
    match atomic(op)?.memarg.target {
        MemArgTarget::Memory(mem) => Some(mem),
        MemArgTarget::Array(_) => None,
    }
}

/// Flags of atomic accesses: little-endian and aligned, and never trapping because the
/// bounds and the alignment were checked just before.
fn atomic_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_aligned()
        .with_endianness(Endianness::Little)
}

impl FuncTranslator<'_, '_> {
    /// Translates `op` if it is an atomic operator this tier compiles; `false` if it is not.
    pub(super) fn atomic_op(&mut self, op: &Operator<'_>) -> Result<bool> {
        if let Operator::AtomicFence { .. } = op {
            self.b.ins().fence();
            return Ok(true);
        }
        let Some(Atomic {
            memarg,
            access,
            ty,
            width,
        }) = atomic(op)
        else {
            return Ok(false);
        };
        let narrow = Type::int_with_byte_size(u16::from(width)).expect("1 to 8 bytes");
        let flags = atomic_flags();
        let result = match access {
            Access::Load => {
                let address = self.atomic_address(memarg, width)?;
                Some(self.b.ins().atomic_load(narrow, flags, address))
            }
            Access::Store => {
                let value = self.pop();
                let value = self.narrow(value, ty, narrow);
                let address = self.atomic_address(memarg, width)?;
                self.b.ins().atomic_store(flags, value, address);
                None
            }
            Access::Rmw(rmw) => {
                let value = self.pop();
                let value = self.narrow(value, ty, narrow);
                let address = self.atomic_address(memarg, width)?;
                Some(self.b.ins().atomic_rmw(narrow, flags, rmw, address, value))
            }
            Access::Wait => return self.atomic_wait(memarg, ty, width).map(|()| true),
            Access::Notify => {
                let count = self.pop();
                let address = self.atomic_address(memarg, width)?;
                let woken = self.call_native(
                    builtins::atomic_notify as *const () as usize,
                    &[address, count],
                    &[types::I32],
                )[0];
                self.push(woken);
                return Ok(true);
            }
            Access::Cmpxchg => {
                let replacement = self.pop();
                let expected = self.pop();
                let replacement = self.narrow(replacement, ty, narrow);
                let expected = self.narrow(expected, ty, narrow);
                let address = self.atomic_address(memarg, width)?;
                Some(
                    self.b
                        .ins()
                        .atomic_cas(flags, address, expected, replacement),
                )
            }
        };
        if let Some(old) = result {
            // Narrow results are zero-extended to the operator's type.
            let old = if narrow == ty {
                old
            } else {
                self.b.ins().uextend(ty, old)
            };
            self.push(old);
        }
        Ok(true)
    }

    /// `memory.atomic.wait32` (`ty` `i32`) or `wait64`: pushes the wait's result code. Only
    /// a shared memory can be waited on; the others trap, after the address is checked.
    fn atomic_wait(&mut self, memarg: &MemArg, ty: Type, width: u8) -> Result<()> {
        let timeout = self.pop();
        let expected = self.pop();
        let expected = if ty == types::I32 {
            self.b.ins().uextend(types::I64, expected)
        } else {
            expected
        };
        let address = self.atomic_address(memarg, width)?;
        if !self.info.memory_types[accessed_memory(memarg)? as usize].shared {
            let always = self.b.ins().iconst(types::I8, 1);
            self.trap_if(always, TrapCode::AtomicWaitNonSharedMemory);
        }
        let width = self.b.ins().iconst(types::I32, i64::from(width));
        let result = self.call_native(
            builtins::atomic_wait as *const () as usize,
            &[address, width, expected, timeout],
            &[types::I32],
        )[0];
        self.push(result);
        Ok(())
    }

    /// The low `narrow` bits of `value`, of type `ty`.
    fn narrow(&mut self, value: Value, ty: Type, narrow: Type) -> Value {
        if narrow == ty {
            value
        } else {
            self.b.ins().ireduce(narrow, value)
        }
    }

    /// Pops an address and returns the host address of the `width` bytes at it plus the
    /// static offset, trapping if they are out of bounds or not aligned to `width`.
    fn atomic_address(&mut self, memarg: &MemArg, width: u8) -> Result<Value> {
        let mem = accessed_memory(memarg)?;
        let (base, memory64) = {
            let memory = self.memory(mem)?;
            (memory.base, memory.memory64)
        };
        let addr = self.pop();
        let index = self.extend_u64(addr);
        self.bounds_check(mem, index, memarg.offset, u64::from(width), memory64)?;
        // In bounds, so the effective address does not overflow.
        let effective = self.b.ins().iadd_imm_u(index, memarg.offset as i64);
        if width > 1 {
            let misaligned = self.b.ins().band_imm_u(effective, i64::from(width - 1));
            let misaligned = self.b.ins().icmp_imm_u(IntCC::NotEqual, misaligned, 0);
            self.trap_if(misaligned, TrapCode::UnalignedAtomic);
        }
        Ok(self.b.ins().iadd(base, effective))
    }
}
