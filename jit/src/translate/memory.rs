//! Globals and memory 0: loads, stores, `memory.size` and `memory.grow`.
//!
//! Every access is bounds-checked explicitly against the memory's current length (no guard
//! pages are assumed), trapping with [`TrapCode::MemoryOutOfBounds`] as the interpreter does.
//! The base address of a memory never moves, so it is loaded once at entry; the length is
//! kept in a variable and reloaded after anything that may grow the memory (calls and
//! `memory.grow`). A shared memory may grow on another thread at any time, so its length is
//! loaded at every access instead.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::Variable;
use tandem_interp::TrapCode;
use tandem_interp::vm::{VMCTX_GLOBALS, VmGlobal, VmMemory};
use wasmparser::{MemArg, MemArgTarget, Operator};

use super::{FuncTranslator, Result, clif_type, vm_flags, vm_readonly_flags};
use crate::builtins;
use crate::error::JitError;

/// Memory 0 as a function body sees it.
pub(crate) struct MemoryState {
    /// The memory's `VmMemory` record.
    def: Value,
    /// The address of its first byte.
    base: Value,
    /// Its current length in bytes, for unshared memories.
    len: Option<Variable>,
    /// log2 of its page size.
    page_size_log2: u32,
    /// Whether addresses are 64-bit (not compiled yet).
    memory64: bool,
}

impl MemoryState {
    /// Loads what the function needs of memory 0, given the context's memory array.
    pub(super) fn load(t: &mut FuncTranslator<'_, '_>, memories: Value) -> Result<Self> {
        let ty = t.info.memory_types[0];
        let pointer = t.pointer();
        let def = t.b.ins().load(pointer, vm_readonly_flags(), memories, 0);
        let base = t.b.ins().load(
            pointer,
            vm_readonly_flags(),
            def,
            offset_of!(VmMemory, base) as i32,
        );
        let len = if ty.shared {
            None
        } else {
            let var = t.b.declare_var(pointer);
            let len = load_len(t, def);
            t.b.def_var(var, len);
            Some(var)
        };
        Ok(MemoryState {
            def,
            base,
            len,
            page_size_log2: ty.page_size_log2.unwrap_or(16),
            memory64: ty.memory64,
        })
    }
}

fn load_len(t: &mut FuncTranslator<'_, '_>, def: Value) -> Value {
    // `VmMemory::len` is an `AtomicUsize`; a plain aligned load of it is an atomic load on
    // every 64-bit target Cranelift supports.
    let pointer = t.pointer();
    t.b.ins()
        .load(pointer, vm_flags(), def, offset_of!(VmMemory, len) as i32)
}

/// Whether `op` reads or changes memory 0's bytes or size.
pub(super) fn touches_memory(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        I32Load { .. }
            | I64Load { .. }
            | F32Load { .. }
            | F64Load { .. }
            | I32Load8S { .. }
            | I32Load8U { .. }
            | I32Load16S { .. }
            | I32Load16U { .. }
            | I64Load8S { .. }
            | I64Load8U { .. }
            | I64Load16S { .. }
            | I64Load16U { .. }
            | I64Load32S { .. }
            | I64Load32U { .. }
            | I32Store { .. }
            | I64Store { .. }
            | F32Store { .. }
            | F64Store { .. }
            | I32Store8 { .. }
            | I32Store16 { .. }
            | I64Store8 { .. }
            | I64Store16 { .. }
            | I64Store32 { .. }
            | MemorySize { .. }
            | MemoryGrow { .. }
    )
}

/// How a load widens the bytes it reads.
#[derive(Clone, Copy)]
enum Widen {
    /// As many bytes as the type has.
    None,
    /// Zero-extended from `bytes`.
    Zero(u8),
    /// Sign-extended from `bytes`.
    Sign(u8),
}

/// Flags of wasm memory accesses: little-endian, and never trapping because the bounds were
/// checked just before.
fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

impl FuncTranslator<'_, '_> {
    /// Translates `op` if it is a memory operator; `false` if it is not one.
    pub(super) fn memory_op(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator::*;
        use Widen::{Sign, Zero};
        use types::{F32, F64, I32, I64};
        match *op {
            I32Load { memarg } => self.load(&memarg, I32, Widen::None)?,
            I64Load { memarg } => self.load(&memarg, I64, Widen::None)?,
            F32Load { memarg } => self.load(&memarg, F32, Widen::None)?,
            F64Load { memarg } => self.load(&memarg, F64, Widen::None)?,
            I32Load8S { memarg } => self.load(&memarg, I32, Sign(1))?,
            I32Load8U { memarg } => self.load(&memarg, I32, Zero(1))?,
            I32Load16S { memarg } => self.load(&memarg, I32, Sign(2))?,
            I32Load16U { memarg } => self.load(&memarg, I32, Zero(2))?,
            I64Load8S { memarg } => self.load(&memarg, I64, Sign(1))?,
            I64Load8U { memarg } => self.load(&memarg, I64, Zero(1))?,
            I64Load16S { memarg } => self.load(&memarg, I64, Sign(2))?,
            I64Load16U { memarg } => self.load(&memarg, I64, Zero(2))?,
            I64Load32S { memarg } => self.load(&memarg, I64, Sign(4))?,
            I64Load32U { memarg } => self.load(&memarg, I64, Zero(4))?,
            I32Store { memarg } | F32Store { memarg } => self.store(&memarg, 4)?,
            I64Store { memarg } | F64Store { memarg } => self.store(&memarg, 8)?,
            I32Store8 { memarg } | I64Store8 { memarg } => self.store(&memarg, 1)?,
            I32Store16 { memarg } | I64Store16 { memarg } => self.store(&memarg, 2)?,
            I64Store32 { memarg } => self.store(&memarg, 4)?,
            MemorySize { mem } => self.memory_size(mem)?,
            MemoryGrow { mem } => self.memory_grow(mem)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Memory 0, or why the access cannot be compiled.
    fn memory0(&self, mem: u32) -> Result<&MemoryState> {
        if mem != 0 {
            return Err(JitError::Unsupported("multi-memory".into()));
        }
        // Validation guarantees a memory, and the entry block loaded it for any body that
        // touches it.
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| JitError::Codegen("memory 0 was not loaded at entry".into()))?;
        if memory.memory64 {
            return Err(JitError::Unsupported("memory64".into()));
        }
        Ok(memory)
    }

    /// The current length of memory 0 in bytes.
    fn memory_len(&mut self) -> Value {
        let memory = self.memory.as_ref().expect("checked by memory0");
        match memory.len {
            Some(var) => self.b.use_var(var),
            None => {
                let def = memory.def;
                load_len(self, def)
            }
        }
    }

    /// Reloads the cached length of memory 0, which a call or `memory.grow` may have changed.
    pub(crate) fn reload_memory_len(&mut self) {
        if let Some(MemoryState {
            def,
            len: Some(var),
            ..
        }) = self.memory
        {
            let len = load_len(self, def);
            self.b.def_var(var, len);
        }
    }

    /// Pops an address, checks that `size` bytes at it plus the static offset lie in memory 0,
    /// and returns the host address together with the offset still to add in the access.
    fn heap_address(&mut self, memarg: &MemArg, size: u64) -> Result<(Value, i32)> {
        let mem = match memarg.target {
            MemArgTarget::Memory(mem) => mem,
            MemArgTarget::Array(_) => return Err(JitError::Unsupported("GC arrays".into())),
        };
        if memarg.ordering.is_some() {
            return Err(JitError::Unsupported("memory orderings".into()));
        }
        let base = self.memory0(mem)?.base;
        let addr = self.pop();
        // A 32-bit address plus a 32-bit offset plus the size cannot overflow 64 bits.
        let index = self.b.ins().uextend(types::I64, addr);
        let end_offset = memarg.offset + size;
        let end_offset = self.b.ins().iconst(types::I64, end_offset as i64);
        let end = self.b.ins().iadd(index, end_offset);
        let len = self.memory_len();
        let out_of_bounds = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds);
        let address = self.b.ins().iadd(base, index);
        Ok(match i32::try_from(memarg.offset) {
            Ok(offset) => (address, offset),
            Err(_) => {
                let offset = self.b.ins().iconst(types::I64, memarg.offset as i64);
                (self.b.ins().iadd(address, offset), 0)
            }
        })
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, widen: Widen) -> Result<()> {
        let size = match widen {
            Widen::None => u64::from(ty.bytes()),
            Widen::Zero(bytes) | Widen::Sign(bytes) => u64::from(bytes),
        };
        let (address, offset) = self.heap_address(memarg, size)?;
        let flags = heap_flags();
        let ins = self.b.ins();
        let value = match widen {
            Widen::None => ins.load(ty, flags, address, offset),
            Widen::Zero(1) => ins.uload8(ty, flags, address, offset),
            Widen::Sign(1) => ins.sload8(ty, flags, address, offset),
            Widen::Zero(2) => ins.uload16(ty, flags, address, offset),
            Widen::Sign(2) => ins.sload16(ty, flags, address, offset),
            Widen::Zero(_) => ins.uload32(flags, address, offset),
            Widen::Sign(_) => ins.sload32(flags, address, offset),
        };
        self.push(value);
        Ok(())
    }

    fn store(&mut self, memarg: &MemArg, size: u8) -> Result<()> {
        let value = self.pop();
        let (address, offset) = self.heap_address(memarg, u64::from(size))?;
        let flags = heap_flags();
        let width = self.value_type(value).bytes();
        let ins = self.b.ins();
        match size {
            _ if u32::from(size) == width => ins.store(flags, value, address, offset),
            1 => ins.istore8(flags, value, address, offset),
            2 => ins.istore16(flags, value, address, offset),
            _ => ins.istore32(flags, value, address, offset),
        };
        Ok(())
    }

    fn memory_size(&mut self, mem: u32) -> Result<()> {
        let page_size_log2 = self.memory0(mem)?.page_size_log2;
        let len = self.memory_len();
        let pages = self.b.ins().ushr_imm_u(len, i64::from(page_size_log2));
        let pages = self.b.ins().ireduce(types::I32, pages);
        self.push(pages);
        Ok(())
    }

    fn memory_grow(&mut self, mem: u32) -> Result<()> {
        self.memory0(mem)?;
        let delta = self.pop();
        let delta = self.b.ins().uextend(types::I64, delta);
        let sig = self.grow_sig();
        let pointer = self.pointer();
        let callee = self
            .b
            .ins()
            .iconst(pointer, builtins::memory_grow_address() as i64);
        let mem = self.b.ins().iconst(types::I32, i64::from(mem));
        let call = self
            .b
            .ins()
            .call_indirect(sig, callee, &[self.vmctx, mem, delta]);
        let old = self.b.inst_results(call)[0];
        // Old sizes of a 32-bit memory fit 32 bits, and failure (`u64::MAX`) narrows to -1.
        let old = self.b.ins().ireduce(types::I32, old);
        self.push(old);
        self.reload_memory_len();
        Ok(())
    }

    /// The address of global `index`'s cell.
    fn global_cell(&mut self, index: u32) -> Value {
        let pointer = self.pointer();
        let globals = self.b.ins().load(
            pointer,
            vm_readonly_flags(),
            self.vmctx,
            VMCTX_GLOBALS as i32,
        );
        let offset = index as usize * size_of::<*mut VmGlobal>();
        self.b
            .ins()
            .load(pointer, vm_readonly_flags(), globals, offset as i32)
    }

    pub(super) fn global_get(&mut self, index: u32) -> Result<()> {
        let ty = clif_type(self.info.global_types[index as usize].content_type)?;
        let cell = self.global_cell(index);
        let raw = self.b.ins().load(
            types::I64,
            vm_flags(),
            cell,
            offset_of!(VmGlobal, slots) as i32,
        );
        let value = self.decode_slot(ty, raw);
        self.push(value);
        Ok(())
    }

    pub(super) fn global_set(&mut self, index: u32) -> Result<()> {
        clif_type(self.info.global_types[index as usize].content_type)?;
        let value = self.pop();
        let raw = self.encode_slot(value);
        let cell = self.global_cell(index);
        self.b
            .ins()
            .store(vm_flags(), raw, cell, offset_of!(VmGlobal, slots) as i32);
        Ok(())
    }
}
