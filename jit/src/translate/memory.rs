//! Globals and linear memories: loads, stores, `memory.size`, `memory.grow` and the bulk
//! memory operators, for every memory of the module, with 32- or 64-bit addresses.
//!
//! An access is bounds-checked explicitly against the memory's current length, trapping with
//! [`TrapCode::MemoryOutOfBounds`] as the interpreter does, unless the code relies on guard
//! pages ([`crate::JitOptions::guard_pages`]): then a load or store of a 32-bit memory is a
//! trap site that faults past the length, and the signal handler of [`crate::signals`] turns
//! the fault into the same trap.
//! The base address of a memory never moves, so it is loaded once at entry; the length is
//! kept in a variable and reloaded after anything that may grow the memory (calls and
//! `memory.grow`), unless the body never compares with it inline (every access relying on
//! guard pages). A shared memory may grow on another thread at any time, so its length is
//! loaded at every use instead. `memory.fill` and `memory.copy` check their ranges inline
//! and call a built-in that only moves the bytes; `memory.init` and `data.drop` run as
//! built-ins.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::Variable;
use tandem_interp::TrapCode;
use tandem_interp::vm::{
    GUARD_SIZE, VMCTX_GLOBALS, VMCTX_MEMORIES, VMCTX_MEMORY0, VMCTX_MEMORY0_BASE, VmGlobal,
    VmMemory,
};
use wasmparser::{MemArg, MemArgTarget, Operator};

use super::{FuncTranslator, Result, clif_type, vm_context_flags, vm_flags};
use crate::builtins;
use crate::error::JitError;

/// A memory as a function body sees it.
pub(crate) struct MemoryState {
    /// The memory's `VmMemory` record.
    def: Value,
    /// The address of its first byte.
    pub(super) base: Value,
    /// Its current length in bytes, kept for unshared memories whose length the body
    /// compares with inline; `None` where it is loaded at each use instead.
    len: Option<Variable>,
    /// log2 of its page size.
    page_size_log2: u32,
    /// Whether addresses are 64-bit.
    pub(super) memory64: bool,
}

impl MemoryState {
    /// Loads what the function needs of memory `index`; `reads_len` tells whether the body
    /// reads its length where guard pages would cover its accesses (see [`reads_len`]).
    pub(super) fn load(
        t: &mut FuncTranslator<'_, '_>,
        index: u32,
        reads_len: bool,
    ) -> Result<Self> {
        let ty = t.info.memory_types[index as usize];
        let pointer = t.pointer();
        let def = memory_def(t, index);
        // A memory's base never moves; the context keeps memory 0's, one load away.
        let base = if index == 0 {
            t.b.ins().load(
                pointer,
                vm_context_flags(),
                t.vmctx,
                VMCTX_MEMORY0_BASE as i32,
            )
        } else {
            t.b.ins().load(
                pointer,
                vm_context_flags(),
                def,
                offset_of!(VmMemory, base) as i32,
            )
        };
        // The length is kept in a variable (loaded at entry and reloaded after every call and
        // `memory.grow`, so the comparisons with it inside loops cost no load) unless every
        // access relies on guard pages and nothing else reads it: then those would be dead
        // loads, which Cranelift keeps. Where it is not kept, each use loads it.
        let guarded =
            t.env.options.guard_pages && !ty.memory64 && ty.page_size_log2.unwrap_or(16) >= 16;
        let len = if ty.shared || (guarded && !reads_len) {
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

/// Calls `reads` with each memory whose length `op` compares with even where guard pages
/// cover the memory's loads and stores: `memory.size`, the bulk operators (which check
/// their ranges inline), atomic accesses and accesses whose offset is too large for the
/// guard.
pub(super) fn reads_len(op: &Operator<'_>, mut reads: impl FnMut(u32)) {
    if let Some(mem) = super::atomic::atomic_memory(op) {
        return reads(mem);
    }
    match *op {
        Operator::MemorySize { mem } | Operator::MemoryFill { mem } => reads(mem),
        Operator::MemoryCopy { dst_mem, src_mem } => {
            reads(dst_mem);
            reads(src_mem);
        }
        // The largest access is 16 bytes.
        ref op => {
            if let Some(&MemArg {
                offset,
                target: MemArgTarget::Memory(mem),
                ..
            }) = access_memarg(op)
                && offset > GUARD_SIZE.saturating_sub(16)
            {
                reads(mem);
            }
        }
    }
}

/// The address of memory `index`'s `VmMemory` record.
fn memory_def(t: &mut FuncTranslator<'_, '_>, index: u32) -> Value {
    let pointer = t.pointer();
    if index == 0 {
        // Memory 0, the one most code uses, has its definition in the context itself.
        return t
            .b
            .ins()
            .load(pointer, vm_context_flags(), t.vmctx, VMCTX_MEMORY0 as i32);
    }
    let memories =
        t.b.ins()
            .load(pointer, vm_context_flags(), t.vmctx, VMCTX_MEMORIES as i32);
    let offset = index as usize * size_of::<*mut VmMemory>();
    t.b.ins()
        .load(pointer, vm_context_flags(), memories, offset as i32)
}

fn load_len(t: &mut FuncTranslator<'_, '_>, def: Value) -> Value {
    // `VmMemory::len` is an `AtomicUsize`; a plain aligned load of it is an atomic load on
    // every 64-bit target Cranelift supports.
    let pointer = t.pointer();
    t.b.ins()
        .load(pointer, vm_flags(), def, offset_of!(VmMemory, len) as i32)
}

/// The memory whose bytes or size `op` reads or changes in compiled code (not through a
/// built-in), or whose bounds it checks there, if any.
pub(super) fn inline_memory(op: &Operator<'_>) -> Option<u32> {
    use Operator::*;
    if let Some(mem) = super::atomic::atomic_memory(op) {
        return Some(mem);
    }
    if let Some(memarg) = access_memarg(op) {
        return match memarg.target {
            MemArgTarget::Memory(mem) => Some(mem),
            MemArgTarget::Array(_) => None,
        };
    }
    match op {
        MemorySize { mem } | MemoryGrow { mem } | MemoryFill { mem } => Some(*mem),
        // The bounds are checked inline and only the bytes are moved by a built-in; a source
        // in another memory is looked up where the copy is unless other operators use it.
        MemoryCopy { dst_mem, .. } => Some(*dst_mem),
        _ => None,
    }
}

/// The memory argument of `op` if it loads from or stores to linear memory.
fn access_memarg<'a>(op: &'a Operator<'_>) -> Option<&'a MemArg> {
    use Operator::*;
    match op {
        I32Load { memarg }
        | I64Load { memarg }
        | F32Load { memarg }
        | F64Load { memarg }
        | I32Load8S { memarg }
        | I32Load8U { memarg }
        | I32Load16S { memarg }
        | I32Load16U { memarg }
        | I64Load8S { memarg }
        | I64Load8U { memarg }
        | I64Load16S { memarg }
        | I64Load16U { memarg }
        | I64Load32S { memarg }
        | I64Load32U { memarg }
        | I32Store { memarg }
        | I64Store { memarg }
        | F32Store { memarg }
        | F64Store { memarg }
        | I32Store8 { memarg }
        | I32Store16 { memarg }
        | I64Store8 { memarg }
        | I64Store16 { memarg }
        | I64Store32 { memarg }
        | V128Load { memarg }
        | V128Load8x8S { memarg }
        | V128Load8x8U { memarg }
        | V128Load16x4S { memarg }
        | V128Load16x4U { memarg }
        | V128Load32x2S { memarg }
        | V128Load32x2U { memarg }
        | V128Load8Splat { memarg }
        | V128Load16Splat { memarg }
        | V128Load32Splat { memarg }
        | V128Load64Splat { memarg }
        | V128Load32Zero { memarg }
        | V128Load64Zero { memarg }
        | V128Store { memarg }
        | V128Load8Lane { memarg, .. }
        | V128Load16Lane { memarg, .. }
        | V128Load32Lane { memarg, .. }
        | V128Load64Lane { memarg, .. }
        | V128Store8Lane { memarg, .. }
        | V128Store16Lane { memarg, .. }
        | V128Store32Lane { memarg, .. }
        | V128Store64Lane { memarg, .. } => Some(memarg),
        _ => None,
    }
}

/// The linear memory `memarg` accesses, if this tier compiles the access: not a GC array's,
/// and without an explicit ordering (shared-everything threads).
pub(super) fn accessed_memory(memarg: &MemArg) -> Result<u32> {
    if memarg.ordering.is_some() {
        return Err(JitError::Unsupported("memory orderings".into()));
    }
    match memarg.target {
        MemArgTarget::Memory(mem) => Ok(mem),
        MemArgTarget::Array(_) => Err(JitError::Unsupported("GC arrays".into())),
    }
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

/// How compiled code accesses linear memory at one address.
pub(super) struct HeapAccess {
    /// The host address, without `offset`.
    pub address: Value,
    /// The offset to add in the load or store instruction.
    pub offset: i32,
    /// The flags of the load or store.
    pub flags: MemFlagsData,
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
            MemoryFill { mem } => self.memory_fill(mem)?,
            MemoryCopy { dst_mem, src_mem } => self.memory_copy(dst_mem, src_mem)?,
            MemoryInit { data_index, mem } => {
                let (d, s, n) = self.pop3();
                let d = self.extend_u64(d);
                let mem = self.b.ins().iconst(types::I32, i64::from(mem));
                let segment = self.b.ins().iconst(types::I32, i64::from(data_index));
                self.builtin_status(
                    builtins::memory_init as *const () as usize,
                    &[mem, segment, d, s, n],
                );
            }
            DataDrop { data_index } => {
                let segment = self.b.ins().iconst(types::I32, i64::from(data_index));
                let args = [self.vmctx, segment];
                self.call_native(builtins::data_drop as *const () as usize, &args, &[]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Calls built-in `address` with the context and `args`; it returns a status, which
    /// leaves the function unless it is zero.
    pub(super) fn builtin_status(&mut self, address: usize, args: &[Value]) {
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let status = self.call_native(address, &all, &[types::I32])[0];
        self.propagate_status(status);
    }

    /// `memory.fill`: the range is checked here, then a built-in that only writes sets the
    /// bytes (the check inline spares the built-in every lookup, and the compiled code the
    /// status check after the call).
    fn memory_fill(&mut self, mem: u32) -> Result<()> {
        let (d, value, n) = self.pop3();
        let (d, n) = (self.extend_u64(d), self.extend_u64(n));
        let (base, len, memory64) = self.memory_extent(mem)?;
        let out_of_bounds = self.range_out_of_bounds(d, n, len, memory64);
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds);
        let dst = self.b.ins().iadd(base, d);
        self.call_native(
            builtins::fill_bytes as *const () as usize,
            &[dst, value, n],
            &[],
        );
        Ok(())
    }

    /// `memory.copy`: both ranges are checked here, before any byte moves, then a built-in
    /// moves the bytes as `memmove` does.
    fn memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> Result<()> {
        let (d, s, n) = self.pop3();
        let (d, s, n) = (self.extend_u64(d), self.extend_u64(s), self.extend_u64(n));
        let (dst_base, dst_len, dst64) = self.memory_extent(dst_mem)?;
        let (src_base, out_of_bounds) = if dst_mem == src_mem && !dst64 {
            // 32-bit addresses and length: `max(d, s) + n` cannot overflow, and one
            // comparison covers both ranges.
            let start = self.b.ins().umax(d, s);
            (dst_base, self.range_out_of_bounds(start, n, dst_len, false))
        } else {
            let (src_base, src_len, src64) = if dst_mem == src_mem {
                (dst_base, dst_len, dst64)
            } else {
                self.memory_extent(src_mem)?
            };
            let dst_out = self.range_out_of_bounds(d, n, dst_len, dst64);
            let src_out = self.range_out_of_bounds(s, n, src_len, src64);
            (src_base, self.b.ins().bor(dst_out, src_out))
        };
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds);
        let dst = self.b.ins().iadd(dst_base, d);
        let src = self.b.ins().iadd(src_base, s);
        self.call_native(
            builtins::copy_bytes as *const () as usize,
            &[dst, src, n],
            &[],
        );
        Ok(())
    }

    /// Whether `n` bytes from `start` (both 64-bit, zero-extended for a 32-bit memory) reach
    /// past `len`: an `i8` flag.
    fn range_out_of_bounds(&mut self, start: Value, n: Value, len: Value, memory64: bool) -> Value {
        if memory64 {
            let (end, overflow) = self.b.ins().uadd_overflow(start, n);
            let beyond = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
            self.b.ins().bor(overflow, beyond)
        } else {
            // Two 32-bit quantities cannot overflow 64 bits.
            let end = self.b.ins().iadd(start, n);
            self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len)
        }
    }

    /// The address of memory `mem`'s first byte, its current length in bytes and whether
    /// its addresses are 64-bit: from what the entry block loaded, or loaded here for a
    /// memory the body otherwise leaves alone (the source of a copy between memories).
    fn memory_extent(&mut self, mem: u32) -> Result<(Value, Value, bool)> {
        if let Some(Some(memory)) = self.memories.get(mem as usize) {
            let (base, memory64) = (memory.base, memory.memory64);
            let len = self.memory_len(mem)?;
            return Ok((base, len, memory64));
        }
        let memory64 = self
            .info
            .memory_types
            .get(mem as usize)
            .ok_or_else(|| JitError::Codegen(format!("no memory {mem}")))?
            .memory64;
        let def = memory_def(self, mem);
        let pointer = self.pointer();
        let base = self.b.ins().load(
            pointer,
            vm_context_flags(),
            def,
            offset_of!(VmMemory, base) as i32,
        );
        let len = load_len(self, def);
        Ok((base, len, memory64))
    }

    /// Memory `mem` as loaded at entry.
    pub(super) fn memory(&self, mem: u32) -> Result<&MemoryState> {
        // Validation guarantees the memory, and the entry block loaded every memory the body
        // accesses inline.
        self.memories
            .get(mem as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| JitError::Codegen(format!("memory {mem} was not loaded at entry")))
    }

    /// The current length of memory `mem` in bytes.
    fn memory_len(&mut self, mem: u32) -> Result<Value> {
        let memory = self.memory(mem)?;
        Ok(match memory.len {
            Some(var) => self.b.use_var(var),
            None => {
                let def = memory.def;
                load_len(self, def)
            }
        })
    }

    /// Reloads the cached lengths of the memories, which a call or `memory.grow` may have
    /// changed.
    pub(crate) fn reload_memory_lens(&mut self) {
        for index in 0..self.memories.len() {
            if let Some(MemoryState {
                def,
                len: Some(var),
                ..
            }) = self.memories[index]
            {
                let len = load_len(self, def);
                self.b.def_var(var, len);
            }
        }
    }

    /// Pops an address and returns how to access `size` bytes at it plus the static offset:
    /// checked explicitly against the memory's length, or (with [`JitOptions::guard_pages`],
    /// where the memory qualifies) left to the hardware, with flags that make the access a
    /// trap site.
    ///
    /// [`JitOptions::guard_pages`]: crate::JitOptions::guard_pages
    pub(super) fn heap_access(&mut self, memarg: &MemArg, size: u64) -> Result<HeapAccess> {
        let mem = accessed_memory(memarg)?;
        let (base, memory64, page_size_log2) = {
            let memory = self.memory(mem)?;
            (memory.base, memory.memory64, memory.page_size_log2)
        };
        let addr = self.pop();
        let index = self.extend_u64(addr);
        // A guarded memory reserves its whole 32-bit index space and `GUARD_SIZE` bytes more,
        // of which only the length is accessible: 64 KiB pages keep the length a multiple
        // of the OS page, so every byte past it faults.
        let guarded = self.env.options.guard_pages
            && !memory64
            && page_size_log2 >= 16
            && memarg
                .offset
                .checked_add(size)
                .is_some_and(|end| end <= GUARD_SIZE);
        let flags = if guarded {
            heap_flags().with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
        } else {
            self.bounds_check(mem, index, memarg.offset, size, memory64)?;
            heap_flags()
        };
        let address = self.b.ins().iadd(base, index);
        let (address, offset) = match i32::try_from(memarg.offset) {
            Ok(offset) => (address, offset),
            Err(_) => {
                let offset = self.b.ins().iconst(types::I64, memarg.offset as i64);
                (self.b.ins().iadd(address, offset), 0)
            }
        };
        Ok(HeapAccess {
            address,
            offset,
            flags,
        })
    }

    /// Traps unless `size` bytes at `index + offset` lie within memory `mem`.
    pub(super) fn bounds_check(
        &mut self,
        mem: u32,
        index: Value,
        offset: u64,
        size: u64,
        memory64: bool,
    ) -> Result<()> {
        let len = self.memory_len(mem)?;
        // The bytes up to `index + offset + size` must lie within the memory.
        let out_of_bounds = match offset.checked_add(size) {
            // A 32-bit address plus a 32-bit offset plus the size cannot overflow 64 bits.
            Some(end_offset) if !memory64 => {
                let end = self.b.ins().iadd_imm_u(index, end_offset as i64);
                self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len)
            }
            Some(end_offset) => {
                let end_offset = self.b.ins().iconst(types::I64, end_offset as i64);
                let (end, overflow) = self.b.ins().uadd_overflow(index, end_offset);
                let beyond = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
                self.b.ins().bor(overflow, beyond)
            }
            // No memory reaches past the end of the address space.
            None => self.b.ins().iconst(types::I8, 1),
        };
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds);
        Ok(())
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, widen: Widen) -> Result<()> {
        let size = match widen {
            Widen::None => u64::from(ty.bytes()),
            Widen::Zero(bytes) | Widen::Sign(bytes) => u64::from(bytes),
        };
        let HeapAccess {
            address,
            offset,
            flags,
        } = self.heap_access(memarg, size)?;
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
        let HeapAccess {
            address,
            offset,
            flags,
        } = self.heap_access(memarg, u64::from(size))?;
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

    /// The type of memory `mem`'s addresses and sizes.
    fn index_type(&self, memory64: bool) -> Type {
        if memory64 { types::I64 } else { types::I32 }
    }

    fn memory_size(&mut self, mem: u32) -> Result<()> {
        let (page_size_log2, memory64) = {
            let memory = self.memory(mem)?;
            (memory.page_size_log2, memory.memory64)
        };
        let len = self.memory_len(mem)?;
        let pages = self.b.ins().ushr_imm_u(len, i64::from(page_size_log2));
        let pages = if memory64 {
            pages
        } else {
            self.b.ins().ireduce(types::I32, pages)
        };
        self.push(pages);
        Ok(())
    }

    fn memory_grow(&mut self, mem: u32) -> Result<()> {
        let memory64 = self.memory(mem)?.memory64;
        let delta = self.pop();
        let delta = self.extend_u64(delta);
        let index = self.b.ins().iconst(types::I32, i64::from(mem));
        let args = [self.vmctx, index, delta];
        let old = self.call_native(
            builtins::memory_grow as *const () as usize,
            &args,
            &[types::I64],
        )[0];
        // Old sizes of a 32-bit memory fit 32 bits, and failure (`u64::MAX`) narrows to -1.
        let ty = self.index_type(memory64);
        let old = if ty == types::I64 {
            old
        } else {
            self.b.ins().ireduce(ty, old)
        };
        self.push(old);
        self.reload_memory_lens();
        Ok(())
    }

    /// The address of global `index`'s cell.
    fn global_cell(&mut self, index: u32) -> Value {
        let pointer = self.pointer();
        let globals = self.b.ins().load(
            pointer,
            vm_context_flags(),
            self.vmctx,
            VMCTX_GLOBALS as i32,
        );
        let offset = index as usize * size_of::<*mut VmGlobal>();
        self.b
            .ins()
            .load(pointer, vm_context_flags(), globals, offset as i32)
    }

    /// `global.get` of a global of any type, defined or imported, mutable or not. The cell
    /// holds the value in the slot layout of the value arrays (a `v128` in both slots).
    pub(super) fn global_get(&mut self, index: u32) -> Result<()> {
        let ty = clif_type(self.info.global_types[index as usize].content_type)?;
        let cell = self.global_cell(index);
        let value = self.load_slots(ty, cell, offset_of!(VmGlobal, slots) as i32);
        self.push(value);
        Ok(())
    }

    /// `global.set` of a mutable global of any type.
    pub(super) fn global_set(&mut self, index: u32) -> Result<()> {
        clif_type(self.info.global_types[index as usize].content_type)?;
        let value = self.pop();
        let cell = self.global_cell(index);
        self.store_slots(value, cell, offset_of!(VmGlobal, slots) as i32);
        Ok(())
    }
}
