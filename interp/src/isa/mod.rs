//! tandem's register bytecode, defined once.
//!
//! [`for_each_op!`] is the single table of instructions: the [`Op`] enum, the disassembler,
//! the result-register accessor used by the translator, the translation of simple numeric
//! operators and the executor's numeric handlers are all generated from it.
//!
//! Operands are 16-bit registers, indices into the current frame's slots: wasm locals first,
//! then the operand-stack temporaries. Branch offsets are relative to the branch instruction.

use std::fmt;

pub use crate::vm::gc::FieldAccess;

/// A register: a slot of the current frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Reg(pub u16);

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// The width and extension of a memory access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MemOp {
    /// 4 bytes, zero-extended into the slot.
    Load32,
    /// 8 bytes.
    Load64,
    /// A byte, zero-extended.
    Load8U,
    /// 2 bytes, zero-extended.
    Load16U,
    /// A byte, sign-extended to 32 bits.
    I32Load8S,
    /// 2 bytes, sign-extended to 32 bits.
    I32Load16S,
    /// A byte, sign-extended to 64 bits.
    I64Load8S,
    /// 2 bytes, sign-extended to 64 bits.
    I64Load16S,
    /// 4 bytes, sign-extended to 64 bits.
    I64Load32S,
    /// The low byte.
    Store8,
    /// The low 2 bytes.
    Store16,
    /// The low 4 bytes.
    Store32,
    /// 8 bytes.
    Store64,
}

impl MemOp {
    /// Bytes accessed.
    pub fn size(self) -> usize {
        match self {
            MemOp::Load8U | MemOp::I32Load8S | MemOp::I64Load8S | MemOp::Store8 => 1,
            MemOp::Load16U | MemOp::I32Load16S | MemOp::I64Load16S | MemOp::Store16 => 2,
            MemOp::Load32 | MemOp::I64Load32S | MemOp::Store32 => 4,
            MemOp::Load64 | MemOp::Store64 => 8,
        }
    }

    /// The compact load of memory 0 with a 32-bit index, if this is a load and the end of
    /// the access, `offset` plus its size, fits 32 bits.
    pub fn load0(self, dst: Reg, addr: Reg, offset: u32) -> Option<Op> {
        let end = access_end(offset, self.size())?;
        Some(match self {
            MemOp::Load32 => Op::Load32 { dst, addr, end },
            MemOp::Load64 => Op::Load64 { dst, addr, end },
            MemOp::Load8U => Op::I32Load8U { dst, addr, end },
            MemOp::Load16U => Op::I32Load16U { dst, addr, end },
            MemOp::I32Load8S => Op::I32Load8S { dst, addr, end },
            MemOp::I32Load16S => Op::I32Load16S { dst, addr, end },
            MemOp::I64Load8S => Op::I64Load8S { dst, addr, end },
            MemOp::I64Load16S => Op::I64Load16S { dst, addr, end },
            MemOp::I64Load32S => Op::I64Load32S { dst, addr, end },
            _ => return None,
        })
    }

    /// The compact store to memory 0 with a 32-bit index, if this is a store and the end of
    /// the access fits 32 bits.
    pub fn store0(self, addr: Reg, src: Reg, offset: u32) -> Option<Op> {
        let end = access_end(offset, self.size())?;
        Some(match self {
            MemOp::Store8 => Op::Store8 { addr, src, end },
            MemOp::Store16 => Op::Store16 { addr, src, end },
            MemOp::Store32 => Op::Store32 { addr, src, end },
            MemOp::Store64 => Op::Store64 { addr, src, end },
            _ => return None,
        })
    }

    /// Loads from `bytes` (little-endian, `size()` long) into a slot.
    pub fn load_slot(self, bytes: [u8; 8]) -> u64 {
        let b = bytes;
        match self {
            MemOp::Load32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64,
            MemOp::Load64 => u64::from_le_bytes(b),
            MemOp::Load8U => b[0] as u64,
            MemOp::Load16U => u16::from_le_bytes([b[0], b[1]]) as u64,
            MemOp::I32Load8S => b[0] as i8 as i32 as u32 as u64,
            MemOp::I32Load16S => i16::from_le_bytes([b[0], b[1]]) as i32 as u32 as u64,
            MemOp::I64Load8S => b[0] as i8 as i64 as u64,
            MemOp::I64Load16S => i16::from_le_bytes([b[0], b[1]]) as i64 as u64,
            MemOp::I64Load32S => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64 as u64,
            MemOp::Store8 | MemOp::Store16 | MemOp::Store32 | MemOp::Store64 => 0,
        }
    }
}

/// The right operand of an `Imm` form: 32 bits kept in the instruction, sign-extended for a
/// 64-bit operator. The translator uses such a form only for a constant that this gives
/// back exactly.
pub trait Immediate: Sized {
    /// The operand `imm` stands for.
    fn from_imm(imm: u32) -> Self;

    /// The immediate that stands for `bits` (a constant of this type, as kept in a slot),
    /// if there is one.
    fn to_imm(bits: u64) -> Option<u32>;
}

impl Immediate for i32 {
    fn from_imm(imm: u32) -> i32 {
        imm as i32
    }

    fn to_imm(bits: u64) -> Option<u32> {
        u32::try_from(bits).ok()
    }
}

impl Immediate for i64 {
    fn from_imm(imm: u32) -> i64 {
        imm as i32 as i64
    }

    fn to_imm(bits: u64) -> Option<u32> {
        let imm = bits as u32;
        (imm as i32 as i64 as u64 == bits).then_some(imm)
    }
}

/// The end of an access of `size` bytes at `offset` from its address, which the compact
/// accesses of memory 0 keep instead of the offset, if it fits their 32-bit field.
pub fn access_end(offset: u32, size: usize) -> Option<u32> {
    offset.checked_add(size as u32)
}

/// A memory access: its [`MemOp`] and whether the memory's addresses are 64-bit, in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct MemAccess(u8);

impl MemAccess {
    const INDEX64: u8 = 0x80;

    /// An access of kind `op` to a memory with 64-bit (`index64`) or 32-bit addresses.
    pub fn new(op: MemOp, index64: bool) -> Self {
        MemAccess(op as u8 | if index64 { Self::INDEX64 } else { 0 })
    }

    /// The access kind.
    pub fn op(self) -> MemOp {
        const OPS: [MemOp; 13] = [
            MemOp::Load32,
            MemOp::Load64,
            MemOp::Load8U,
            MemOp::Load16U,
            MemOp::I32Load8S,
            MemOp::I32Load16S,
            MemOp::I64Load8S,
            MemOp::I64Load16S,
            MemOp::I64Load32S,
            MemOp::Store8,
            MemOp::Store16,
            MemOp::Store32,
            MemOp::Store64,
        ];
        OPS[(self.0 & !Self::INDEX64) as usize]
    }

    /// Whether addresses are 64-bit.
    pub fn index64(self) -> bool {
        self.0 & Self::INDEX64 != 0
    }
}

/// How a `v128` load reads memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum V128LoadKind {
    /// 16 bytes.
    Load,
    /// 8 bytes as signed bytes, each widened to 16 bits.
    Load8x8S,
    /// 8 bytes as unsigned bytes, each widened to 16 bits.
    Load8x8U,
    /// 8 bytes as four signed 16-bit values widened to 32 bits.
    Load16x4S,
    /// 8 bytes as four unsigned 16-bit values widened to 32 bits.
    Load16x4U,
    /// 8 bytes as two signed 32-bit values widened to 64 bits.
    Load32x2S,
    /// 8 bytes as two unsigned 32-bit values widened to 64 bits.
    Load32x2U,
    /// A byte copied into every lane.
    Load8Splat,
    /// 2 bytes copied into every lane.
    Load16Splat,
    /// 4 bytes copied into every lane.
    Load32Splat,
    /// 8 bytes copied into every lane.
    Load64Splat,
    /// 4 bytes into lane 0, the rest zero.
    Load32Zero,
    /// 8 bytes into lane 0, the rest zero.
    Load64Zero,
}

impl V128LoadKind {
    const ALL: [V128LoadKind; 13] = [
        V128LoadKind::Load,
        V128LoadKind::Load8x8S,
        V128LoadKind::Load8x8U,
        V128LoadKind::Load16x4S,
        V128LoadKind::Load16x4U,
        V128LoadKind::Load32x2S,
        V128LoadKind::Load32x2U,
        V128LoadKind::Load8Splat,
        V128LoadKind::Load16Splat,
        V128LoadKind::Load32Splat,
        V128LoadKind::Load64Splat,
        V128LoadKind::Load32Zero,
        V128LoadKind::Load64Zero,
    ];

    /// Bytes read from memory.
    pub fn size(self) -> usize {
        match self {
            V128LoadKind::Load => 16,
            V128LoadKind::Load8Splat => 1,
            V128LoadKind::Load16Splat => 2,
            V128LoadKind::Load32Splat | V128LoadKind::Load32Zero => 4,
            _ => 8,
        }
    }
}

/// A `v128` load's kind (or a store) and the address width of its memory, in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct V128Access(u8);

impl V128Access {
    const INDEX64: u8 = 0x80;

    /// A load of `kind` (stores use [`V128LoadKind::Load`]).
    pub fn new(kind: V128LoadKind, index64: bool) -> Self {
        V128Access(kind as u8 | if index64 { Self::INDEX64 } else { 0 })
    }

    /// The load kind. Without a panic path (every access comes from [`V128Access::new`]),
    /// so that the handlers that decode it need no stack frame.
    pub fn kind(self) -> V128LoadKind {
        let index = (self.0 & !Self::INDEX64) as usize;
        V128LoadKind::ALL
            .get(index)
            .copied()
            .unwrap_or(V128LoadKind::Load)
    }

    /// Whether addresses are 64-bit.
    pub fn index64(self) -> bool {
        self.0 & Self::INDEX64 != 0
    }
}

/// The target type of `ref.test`, `ref.cast` and the casting branches: nullability, an
/// abstract heap type or a module type index, packed in 32 bits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CastTarget(u32);

/// The heap type a [`CastTarget`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastHeap {
    /// Every non-null value of the hierarchy (`any`, `func`, `extern`, `exn`).
    Top,
    /// `eq`: i31s and objects.
    Eq,
    /// `i31`.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// A bottom type (`none`, `nofunc`, `noextern`, `noexn`): no non-null value.
    Bottom,
    /// Module type index `.0` or one of its subtypes.
    Concrete(u32),
}

impl CastTarget {
    const NULLABLE: u32 = 1 << 31;
    const KIND_SHIFT: u32 = 24;
    const INDEX: u32 = (1 << 24) - 1;

    /// The target `(ref null? heap)`; `None` if a module type index does not fit (types
    /// are limited to far fewer).
    pub fn new(nullable: bool, heap: CastHeap) -> Option<Self> {
        let (kind, index) = match heap {
            CastHeap::Top => (0, 0),
            CastHeap::Eq => (1, 0),
            CastHeap::I31 => (2, 0),
            CastHeap::Struct => (3, 0),
            CastHeap::Array => (4, 0),
            CastHeap::Bottom => (5, 0),
            CastHeap::Concrete(index) if index <= Self::INDEX => (6, index),
            CastHeap::Concrete(_) => return None,
        };
        let nullable = if nullable { Self::NULLABLE } else { 0 };
        Some(CastTarget(nullable | kind << Self::KIND_SHIFT | index))
    }

    /// The target as the 32 bits that encode it, for compiled code to pass around.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The target whose [`CastTarget::bits`] are `bits`.
    pub fn from_bits(bits: u32) -> Self {
        CastTarget(bits)
    }

    /// Whether null passes.
    pub fn nullable(self) -> bool {
        self.0 & Self::NULLABLE != 0
    }

    /// The heap type.
    pub fn heap(self) -> CastHeap {
        match (self.0 >> Self::KIND_SHIFT) & 0x7f {
            0 => CastHeap::Top,
            1 => CastHeap::Eq,
            2 => CastHeap::I31,
            3 => CastHeap::Struct,
            4 => CastHeap::Array,
            5 => CastHeap::Bottom,
            _ => CastHeap::Concrete(self.0 & Self::INDEX),
        }
    }
}

impl fmt::Debug for CastTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let null = if self.nullable() { "null " } else { "" };
        write!(f, "(ref {null}{:?})", self.heap())
    }
}

/// The float lanes of a register, for NaN canonicalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NanLanes {
    /// One `f32`.
    F32,
    /// One `f64`.
    F64,
    /// Four `f32` lanes of a vector.
    F32x4,
    /// Two `f64` lanes of a vector.
    F64x2,
}

/// The operation of an atomic read-modify-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RmwOp {
    /// Wrapping addition.
    Add,
    /// Wrapping subtraction.
    Sub,
    /// Bitwise and.
    And,
    /// Bitwise or.
    Or,
    /// Bitwise exclusive or.
    Xor,
    /// Exchange.
    Xchg,
}

/// The width of an access (atomics, vector lanes) and the address width of its memory, in one
/// byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct WidthAccess(u8);

impl WidthAccess {
    const INDEX64: u8 = 0x80;

    /// An access of `width` bytes (1, 2, 4 or 8).
    pub fn new(width: u8, index64: bool) -> Self {
        WidthAccess(width | if index64 { Self::INDEX64 } else { 0 })
    }

    /// Bytes accessed.
    pub fn width(self) -> usize {
        (self.0 & !Self::INDEX64) as usize
    }

    /// Whether addresses are 64-bit.
    pub fn index64(self) -> bool {
        self.0 & Self::INDEX64 != 0
    }
}

/// Invokes `$m!` with the instruction table.
///
/// Entries of the first group are `Name { fields } [-> result_field] = "mnemonic";`.
/// The `unary` and `binary` groups list numeric operators as
/// `Name = "mnemonic" : (operand types) -> result type => total|trapping function`, where the
/// function lives in `exec::num` and `trapping` marks one that returns a `Result`. Their wasm operator
/// has the same name in `wasmparser::Operator`. The `branch_compare` group fuses an integer
/// comparison with the conditional branch that consumes it: `Name = "mnemonic" : (operand
/// type) => comparison function`, jumping by `offset` when the comparison holds.
///
/// The compact accesses of memory 0 (`load32`, `store8`, `load32_add`, `v128.load0`, ...) keep
/// the end of the access, `end`: the wasm offset plus the access's size (see [`access_end`]).
///
/// Operators on scalars also name their accumulator forms after a `/`: `Name / NameAcc` for a
/// unary operator, `Name / NameAccL NameAccR` for a binary one or a fused comparison. Those
/// read the operand (the left or right one) from the accumulator, which carries the result of
/// the instruction just before (see [`Op::acc_result`]) from one handler to the next in a
/// machine register, instead of from the register file.
///
/// Integer comparisons name a third form after another `/`, the loop step: `Name / NameAccL
/// NameAccR / AddName` adds two registers into `dst`, then compares the sum with `limit` and
/// jumps by `offset` if the comparison holds. It stands where an `add` was followed by the
/// comparison's `AccL` form, and continues past both (see `lower::sequences`).
///
/// Integer additions, shifts, rotations, bitwise operators and comparisons name two more
/// forms after a `#`: `Name / NameAccL NameAccR # NameImm NameAccImm`, whose right operand is
/// a constant kept in the instruction ([`Immediate`]) instead of a register of the constant
/// pool, with the left one in a register or the accumulator. A rotation by a constant, a
/// mask or a counter's limit then reads one register fewer. The translator picks shifts,
/// rotations and bitwise forms as it goes, and every form when it places the constant pool
/// (see [`Op::with_immediate`]).
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
          ops {
            /// Traps with `unreachable`.
            Unreachable {} = "unreachable";
            /// Charges `amount` fuel for a block: the one that starts here (or just after an
            /// instruction that only computes), or the loop header that the back edge just
            /// after is about to enter.
            ConsumeFuel { amount: u32 } = "consume_fuel";
            /// Replaces NaNs in register `reg` (lanes of the given shape) with the canonical NaN.
            CanonicalizeNan { reg: Reg, lanes: NanLanes } = "canonicalize_nan";
            /// Traps with "interrupt" once the engine's epoch reaches the store's deadline.
            CheckEpoch {} = "check_epoch";
            /// At the header of a loop no other loop encloses, with tier-up on: counts a back
            /// edge and, when the function's countdown ends, asks the embedder to finish the
            /// call in compiled code entered at this loop (on-stack replacement).
            OsrCheck {} = "osr_check";
            /// As `osr_check`, at the header of a loop nested in another, with the function's
            /// countdown of nested back edges.
            OsrCheckNested {} = "osr_check_nested";
            /// Jumps by `offset`.
            Br { offset: i32 } = "br";
            /// Charges `amount` fuel, then jumps by `offset`: a `br` to the `consume_fuel` of
            /// a block, which it charges itself and jumps past.
            BrFuel { amount: u32, offset: i32 } = "br_fuel";
            /// Jumps by `offset` if `cond` is non-zero (the whole slot: `i32` values are kept
            /// zero-extended, and references are non-zero unless null).
            BrIfNez { cond: Reg, offset: i32 } = "br_if_nez";
            /// Jumps by `offset` if `cond` is zero.
            BrIfEqz { cond: Reg, offset: i32 } = "br_if_eqz";
            /// Jumps by `offset` if the accumulator is non-zero.
            BrIfNezAcc { offset: i32 } = "br_if_nez.acc";
            /// Jumps by `offset` if the accumulator is zero.
            BrIfEqzAcc { offset: i32 } = "br_if_eqz.acc";
            /// A loop step: `i32.add` into `dst`, then jumps by `offset` if the sum is
            /// non-zero (see the `branch_compare` group's loop steps).
            BrI32AddNez { dst: Reg, lhs: Reg, rhs: Reg, offset: i32 } = "add.br_if_nez";
            /// A loop step: `i32.add` into `dst`, then jumps by `offset` if the sum is zero.
            BrI32AddEqz { dst: Reg, lhs: Reg, rhs: Reg, offset: i32 } = "add.br_if_eqz";
            /// Jumps through the `len + 1` `br` instructions that follow, the last being the
            /// default.
            BrTable { index: Reg, len: u32 } = "br_table";
            /// As `br_table`, with the accumulator as `index`.
            BrTableAcc { len: u32 } = "br_table.acc";
            /// Returns; the results are already in the first slots of the frame.
            Return {} = "return";
            /// Moves one slot to slot 0 and returns.
            ReturnReg { src: Reg } = "return_reg";
            /// Moves the accumulator to slot 0 and returns.
            ReturnRegAcc {} = "return_reg.acc";
            /// Moves `len` slots from `src` to slot 0 and returns.
            ReturnSpan { src: Reg, len: u16 } = "return_span";
            /// Calls function `func`; its frame starts at `base`, where the arguments are and
            /// where the results will be.
            Call { func: u32, base: Reg } = "call";
            /// Calls the function at `table[index]`, checking it has type `ty`.
            CallIndirect { ty: u32, table: u32, index: Reg, base: Reg } = "call_indirect";
            /// Calls function `func` in place of the current function (a tail call): the
            /// arguments at `base` move to the start of the frame first.
            ReturnCall { func: u32, base: Reg } = "return_call";
            /// Tail-calls the function at `table[index]`, checking it has type `ty`.
            ReturnCallIndirect { ty: u32, table: u32, index: Reg, base: Reg } = "return_call_indirect";
            /// A load from any memory, with any index type and offset.
            LoadMem { dst: Reg, addr: Reg, mem: u8, access: MemAccess, offset: u64 } -> dst = "load";
            /// A store to any memory, with any index type and offset.
            StoreMem { addr: Reg, src: Reg, mem: u8, access: MemAccess, offset: u64 } = "store";
            /// An atomic load of `access.width()` bytes, zero-extended.
            AtomicLoad { dst: Reg, addr: Reg, mem: u16, access: WidthAccess, offset: u32 } -> dst = "atomic.load";
            /// An atomic store of the low `access.width()` bytes.
            AtomicStore { addr: Reg, src: Reg, mem: u16, access: WidthAccess, offset: u32 } = "atomic.store";
            /// An atomic read-modify-write; the result is the old value.
            AtomicRmw { dst: Reg, addr: Reg, val: Reg, mem: u16, access: WidthAccess, op: RmwOp, offset: u32 } -> dst = "atomic.rmw";
            /// An atomic compare-exchange of the expected value in register `operands` for the
            /// replacement in the next one; the result is the old value.
            AtomicCmpxchg { dst: Reg, addr: Reg, operands: Reg, mem: u16, access: WidthAccess, offset: u32 } -> dst = "atomic.cmpxchg";
            /// `memory.atomic.wait32/64`: parks while memory holds the value in register
            /// `operands`, until notified or the timeout (nanoseconds) in the next one passes.
            AtomicWait { dst: Reg, addr: Reg, operands: Reg, mem: u16, access: WidthAccess, offset: u32 } -> dst = "memory.atomic.wait";
            /// `memory.atomic.notify`: wakes up to `count` waiters.
            AtomicNotify { dst: Reg, addr: Reg, count: Reg, mem: u16, access: WidthAccess, offset: u32 } -> dst = "memory.atomic.notify";
            /// `atomic.fence`.
            AtomicFence {} = "atomic.fence";
            /// Loads a whole vector, or part of one (`access.kind()` says how), from any memory.
            V128Load { dst: Reg, addr: Reg, mem: u16, access: V128Access, offset: u32 } -> dst = "v128.load";
            /// Stores a vector to any memory.
            V128Store { addr: Reg, src: Reg, mem: u16, access: V128Access, offset: u32 } = "v128.store";
            /// Replaces lane `lane` of vector `src` with `access.width()` bytes from memory.
            V128LoadLane { dst: Reg, addr: Reg, src: Reg, mem: u16, access: WidthAccess, lane: u8, offset: u32 } -> dst = "v128.load_lane";
            /// Stores lane `lane` of vector `src`.
            V128StoreLane { addr: Reg, src: Reg, mem: u16, access: WidthAccess, lane: u8, offset: u32 } = "v128.store_lane";
            /// `i8x16.shuffle`; the lane indices are a vector in register `lanes`.
            I8x16Shuffle { dst: Reg, a: Reg, b: Reg, lanes: Reg } -> dst = "i8x16.shuffle";
            /// `i64.add128`: the 128-bit sum of two (low, high) pairs, into `dst` and `dst + 1`.
            I64Add128 { dst: Reg, lhs_lo: Reg, lhs_hi: Reg, rhs_lo: Reg, rhs_hi: Reg } = "i64.add128";
            /// `i64.sub128`: the 128-bit difference of two (low, high) pairs.
            I64Sub128 { dst: Reg, lhs_lo: Reg, lhs_hi: Reg, rhs_lo: Reg, rhs_hi: Reg } = "i64.sub128";
            /// `i64.mul_wide_s`: the signed 128-bit product, into `dst` (low) and `dst + 1`.
            I64MulWideS { dst: Reg, lhs: Reg, rhs: Reg } = "i64.mul_wide_s";
            /// `i64.mul_wide_u`: the unsigned 128-bit product.
            I64MulWideU { dst: Reg, lhs: Reg, rhs: Reg } = "i64.mul_wide_u";
            /// Calls the function referenced by register `func` (typed function references).
            CallRef { func: Reg, base: Reg } = "call_ref";
            /// Tail-calls the function referenced by register `func`.
            ReturnCallRef { func: Reg, base: Reg } = "return_call_ref";
            /// Traps with "null reference" if register `src` holds null.
            TrapIfNull { src: Reg } = "trap_if_null";
            /// Throws an exception of tag `tag` whose payload is in the registers from `base`.
            Throw { tag: u32, base: Reg } = "throw";
            /// Rethrows the exception referenced by register `exn` (traps if null).
            ThrowRef { exn: Reg } = "throw_ref";
            /// Copies one slot.
            Copy { dst: Reg, src: Reg } -> dst = "copy";
            /// As `copy`, from the accumulator: a loop's next value moved into its local
            /// right after it was computed.
            CopyAcc { dst: Reg } = "copy.acc";
            /// As `copy_br`, from the accumulator.
            CopyBrAcc { dst: Reg, offset: i32 } = "copy_br.acc";
            /// Copies `src0` to `dst0`, then `src1` to `dst1`, and continues two instructions
            /// on, with `src1`'s value in the accumulator: the two `copy` instructions it
            /// stands for, the second of which stays in place for branches to it.
            CopyPair { dst0: Reg, src0: Reg, dst1: Reg, src1: Reg } = "copy_pair";
            /// Copies `src` to `dst`, then jumps by `offset`: a `copy` and the `br` after it.
            CopyBr { dst: Reg, src: Reg, offset: i32 } = "copy_br";
            /// Copies two slots (a `v128`).
            Copy2 { dst: Reg, src: Reg } -> dst = "copy2";
            /// Copies `len` slots, as `memmove` does.
            CopySpan { dst: Reg, src: Reg, len: u16 } = "copy_span";
            /// Sets a slot to a 32-bit constant (zero-extended).
            Const32 { dst: Reg, value: u32 } -> dst = "const32";
            /// Sets a slot to a 64-bit constant.
            Const64 { dst: Reg, value: u64 } -> dst = "const64";
            /// `dst = cond != 0 ? a : b`, one slot.
            Select { dst: Reg, cond: Reg, a: Reg, b: Reg } -> dst = "select";
            /// As `select`, with the accumulator as `cond`: the comparison just before.
            SelectAcc { dst: Reg, a: Reg, b: Reg } = "select.acc";
            /// `dst = cond != 0 ? a : b`, two slots.
            Select2 { dst: Reg, cond: Reg, a: Reg, b: Reg } -> dst = "select2";
            /// `select` on `i32.and` with a constant: `dst = lhs & imm != 0 ? a : b`, a test of
            /// bits choosing a value.
            SelectAndImm { dst: Reg, lhs: Reg, imm: u32, a: Reg, b: Reg } -> dst = "select.i32.and_imm";
            /// `select` on `i32.eq`: `dst = i32.eq(lhs, rhs) ? a : b`.
            SelectI32Eq { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.eq";
            /// `select` on `i32.ne`: `dst = i32.ne(lhs, rhs) ? a : b`.
            SelectI32Ne { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.ne";
            /// `select` on `i32.lt_s`: `dst = i32.lt_s(lhs, rhs) ? a : b`.
            SelectI32LtS { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.lt_s";
            /// `select` on `i32.lt_u`: `dst = i32.lt_u(lhs, rhs) ? a : b`.
            SelectI32LtU { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.lt_u";
            /// `select` on `i32.gt_s`: `dst = i32.gt_s(lhs, rhs) ? a : b`.
            SelectI32GtS { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.gt_s";
            /// `select` on `i32.gt_u`: `dst = i32.gt_u(lhs, rhs) ? a : b`.
            SelectI32GtU { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.gt_u";
            /// `select` on `i32.le_s`: `dst = i32.le_s(lhs, rhs) ? a : b`.
            SelectI32LeS { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.le_s";
            /// `select` on `i32.le_u`: `dst = i32.le_u(lhs, rhs) ? a : b`.
            SelectI32LeU { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.le_u";
            /// `select` on `i32.ge_s`: `dst = i32.ge_s(lhs, rhs) ? a : b`.
            SelectI32GeS { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.ge_s";
            /// `select` on `i32.ge_u`: `dst = i32.ge_u(lhs, rhs) ? a : b`.
            SelectI32GeU { dst: Reg, lhs: Reg, rhs: Reg, a: Reg, b: Reg } -> dst = "select.i32.ge_u";
            /// Reads a one-slot global.
            GlobalGet { dst: Reg, index: u32 } -> dst = "global.get";
            /// Writes a one-slot global.
            GlobalSet { src: Reg, index: u32 } = "global.set";
            /// Reads a two-slot global.
            GlobalGet2 { dst: Reg, index: u32 } -> dst = "global.get2";
            /// Writes a two-slot global.
            GlobalSet2 { src: Reg, index: u32 } = "global.set2";
            /// Loads 4 bytes from memory 0.
            Load32 { dst: Reg, addr: Reg, end: u32 } -> dst = "load32";
            /// As `load32`, at address `base + index` (an `i32.add` fused into the load).
            Load32Add { dst: Reg, base: Reg, index: Reg, end: u32 } -> dst = "load32_add";
            /// As `load64`, at address `base + index`.
            Load64Add { dst: Reg, base: Reg, index: Reg, end: u32 } -> dst = "load64_add";
            /// As `store32`, at address `base + index`.
            Store32Add { base: Reg, index: Reg, src: Reg, end: u32 } = "store32_add";
            /// As `store64`, at address `base + index`.
            Store64Add { base: Reg, index: Reg, src: Reg, end: u32 } = "store64_add";
            /// As `load32_add`, with the accumulator as `base`.
            Load32AddAcc { dst: Reg, index: Reg, end: u32 } -> dst = "load32_add.acc";
            /// As `load64_add`, with the accumulator as `base`.
            Load64AddAcc { dst: Reg, index: Reg, end: u32 } -> dst = "load64_add.acc";
            /// As `store32_add`, with the accumulator as `base`.
            Store32AddAcc { index: Reg, src: Reg, end: u32 } = "store32_add.acc";
            /// As `store64_add`, with the accumulator as `base`.
            Store64AddAcc { index: Reg, src: Reg, end: u32 } = "store64_add.acc";
            /// As `load32`, at address `base + (index << shift)`, wrapping at 32 bits (an
            /// `i32.add` and the `i32.shl` by a constant of one of its operands, fused).
            Load32Scaled { dst: Reg, base: Reg, index: Reg, shift: u8, end: u32 } -> dst = "load32_scaled";
            /// As `load64`, at address `base + (index << shift)`.
            Load64Scaled { dst: Reg, base: Reg, index: Reg, shift: u8, end: u32 } -> dst = "load64_scaled";
            /// As `store32`, at address `base + (index << shift)`.
            Store32Scaled { base: Reg, index: Reg, src: Reg, shift: u8, end: u32 } = "store32_scaled";
            /// As `store64`, at address `base + (index << shift)`.
            Store64Scaled { base: Reg, index: Reg, src: Reg, shift: u8, end: u32 } = "store64_scaled";
            /// As `v128.load0`, at address `base + (index << shift)`.
            V128Load0Scaled { dst: Reg, base: Reg, index: Reg, shift: u8, end: u32 } -> dst = "v128.load0_scaled";
            /// As `load32_scaled`, with the accumulator as `base`.
            Load32ScaledAcc { dst: Reg, index: Reg, shift: u8, end: u32 } -> dst = "load32_scaled.acc";
            /// As `load64_scaled`, with the accumulator as `base`.
            Load64ScaledAcc { dst: Reg, index: Reg, shift: u8, end: u32 } -> dst = "load64_scaled.acc";
            /// As `load32_scaled`, with the accumulator as `index` (an element whose index
            /// was just loaded: `a[b[i]]`).
            Load32ScaledIndexAcc { dst: Reg, base: Reg, shift: u8, end: u32 } -> dst = "load32_scaled.index_acc";
            /// As `load64_scaled`, with the accumulator as `index`.
            Load64ScaledIndexAcc { dst: Reg, base: Reg, shift: u8, end: u32 } -> dst = "load64_scaled.index_acc";
            /// As `store32_scaled`, with the accumulator as `base`.
            Store32ScaledAcc { index: Reg, src: Reg, shift: u8, end: u32 } = "store32_scaled.acc";
            /// As `store64_scaled`, with the accumulator as `base`.
            Store64ScaledAcc { index: Reg, src: Reg, shift: u8, end: u32 } = "store64_scaled.acc";
            /// As `v128.load0_scaled`, with the accumulator as `base`.
            V128Load0ScaledAcc { dst: Reg, index: Reg, shift: u8, end: u32 } -> dst = "v128.load0_scaled.acc";
            /// Loads 16 bytes of memory 0 (32-bit addresses) at `addr + offset`.
            V128Load0 { dst: Reg, addr: Reg, end: u32 } -> dst = "v128.load0";
            /// As `v128.load0`, at address `base + index`.
            V128Load0Add { dst: Reg, base: Reg, index: Reg, end: u32 } -> dst = "v128.load0_add";
            /// As `v128.load0`, at the address in the accumulator.
            V128Load0Acc { dst: Reg, end: u32 } -> dst = "v128.load0.acc";
            /// As `v128.load0_add`, with the accumulator as `base`.
            V128Load0AddAcc { dst: Reg, index: Reg, end: u32 } -> dst = "v128.load0_add.acc";
            /// Loads 8 bytes from memory 0.
            Load64 { dst: Reg, addr: Reg, end: u32 } -> dst = "load64";
            /// Loads a byte, sign-extended to 32 bits.
            I32Load8S { dst: Reg, addr: Reg, end: u32 } -> dst = "i32.load8_s";
            /// Loads a byte, zero-extended.
            I32Load8U { dst: Reg, addr: Reg, end: u32 } -> dst = "i32.load8_u";
            /// Loads 2 bytes, sign-extended to 32 bits.
            I32Load16S { dst: Reg, addr: Reg, end: u32 } -> dst = "i32.load16_s";
            /// Loads 2 bytes, zero-extended.
            I32Load16U { dst: Reg, addr: Reg, end: u32 } -> dst = "i32.load16_u";
            /// Loads a byte, sign-extended to 64 bits.
            I64Load8S { dst: Reg, addr: Reg, end: u32 } -> dst = "i64.load8_s";
            /// Loads 2 bytes, sign-extended to 64 bits.
            I64Load16S { dst: Reg, addr: Reg, end: u32 } -> dst = "i64.load16_s";
            /// Loads 4 bytes, sign-extended to 64 bits.
            I64Load32S { dst: Reg, addr: Reg, end: u32 } -> dst = "i64.load32_s";
            /// Stores the low byte.
            Store8 { addr: Reg, src: Reg, end: u32 } = "store8";
            /// Stores the low 2 bytes.
            Store16 { addr: Reg, src: Reg, end: u32 } = "store16";
            /// Stores the low 4 bytes.
            Store32 { addr: Reg, src: Reg, end: u32 } = "store32";
            /// Stores 8 bytes.
            Store64 { addr: Reg, src: Reg, end: u32 } = "store64";
            /// As `load32`, at the address in the accumulator.
            Load32Acc { dst: Reg, end: u32 } -> dst = "load32.acc";
            /// As `load64`, at the address in the accumulator.
            Load64Acc { dst: Reg, end: u32 } -> dst = "load64.acc";
            /// As `i32.load8_s`, at the address in the accumulator.
            I32Load8SAcc { dst: Reg, end: u32 } -> dst = "i32.load8_s.acc";
            /// As `i32.load8_u`, at the address in the accumulator.
            I32Load8UAcc { dst: Reg, end: u32 } -> dst = "i32.load8_u.acc";
            /// As `i32.load16_s`, at the address in the accumulator.
            I32Load16SAcc { dst: Reg, end: u32 } -> dst = "i32.load16_s.acc";
            /// As `i32.load16_u`, at the address in the accumulator.
            I32Load16UAcc { dst: Reg, end: u32 } -> dst = "i32.load16_u.acc";
            /// As `i64.load8_s`, at the address in the accumulator.
            I64Load8SAcc { dst: Reg, end: u32 } -> dst = "i64.load8_s.acc";
            /// As `i64.load16_s`, at the address in the accumulator.
            I64Load16SAcc { dst: Reg, end: u32 } -> dst = "i64.load16_s.acc";
            /// As `i64.load32_s`, at the address in the accumulator.
            I64Load32SAcc { dst: Reg, end: u32 } -> dst = "i64.load32_s.acc";
            /// As `store8`, of the value in the accumulator.
            Store8Acc { addr: Reg, end: u32 } = "store8.acc";
            /// As `store16`, of the value in the accumulator.
            Store16Acc { addr: Reg, end: u32 } = "store16.acc";
            /// As `store32`, of the value in the accumulator.
            Store32Acc { addr: Reg, end: u32 } = "store32.acc";
            /// As `store64`, of the value in the accumulator.
            Store64Acc { addr: Reg, end: u32 } = "store64.acc";
            /// `load32` into `loaded`, `i32.add` of `src` into `dst`, and `store32.acc` of the
            /// sum at the same address: `x[i] += y` (see `lower::sequences`).
            I32AddToMem { addr: Reg, src: Reg, loaded: Reg, dst: Reg, end: u32 } = "i32.add_to_mem";
            /// As `i32.add_to_mem`, with `load64`, `i64.add` and `store64.acc`.
            I64AddToMem { addr: Reg, src: Reg, loaded: Reg, dst: Reg, end: u32 } = "i64.add_to_mem";
            /// As `i32.add_to_mem`, with `load32`, `f32.add` and `store32.acc`.
            F32AddToMem { addr: Reg, src: Reg, loaded: Reg, dst: Reg, end: u32 } = "f32.add_to_mem";
            /// As `i32.add_to_mem`, with `load64`, `f64.add` and `store64.acc`.
            F64AddToMem { addr: Reg, src: Reg, loaded: Reg, dst: Reg, end: u32 } = "f64.add_to_mem";
            /// As `i32.add_to_mem`, adding the accumulator.
            I32AddToMemAcc { addr: Reg, loaded: Reg, dst: Reg, end: u32 } = "i32.add_to_mem.acc";
            /// As `i64.add_to_mem`, adding the accumulator.
            I64AddToMemAcc { addr: Reg, loaded: Reg, dst: Reg, end: u32 } = "i64.add_to_mem.acc";
            /// As `f32.add_to_mem`, adding the accumulator.
            F32AddToMemAcc { addr: Reg, loaded: Reg, dst: Reg, end: u32 } = "f32.add_to_mem.acc";
            /// As `f64.add_to_mem`, adding the float accumulator.
            F64AddToMemAcc { addr: Reg, loaded: Reg, dst: Reg, end: u32 } = "f64.add_to_mem.acc";
            /// `i32.mul` of `lhs` and `rhs`, then `i32.add_to_mem` of the product: `x[i] += a *
            /// b` (see `lower::sequences`).
            I32MulAddToMem { addr: Reg, lhs: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "i32.mul_add_to_mem";
            /// As `i32.mul_add_to_mem`, with `i64.mul` and `i64.add_to_mem`.
            I64MulAddToMem { addr: Reg, lhs: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "i64.mul_add_to_mem";
            /// As `i32.mul_add_to_mem`, with `f32.mul` and `f32.add_to_mem`, rounding after
            /// each as the two do.
            F32MulAddToMem { addr: Reg, lhs: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "f32.mul_add_to_mem";
            /// As `i32.mul_add_to_mem`, with `f64.mul` and `f64.add_to_mem`, rounding after
            /// each.
            F64MulAddToMem { addr: Reg, lhs: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "f64.mul_add_to_mem";
            /// As `i32.mul_add_to_mem`, multiplying the accumulator by `rhs`.
            I32MulAddToMemAcc { addr: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "i32.mul_add_to_mem.acc";
            /// As `i64.mul_add_to_mem`, multiplying the accumulator by `rhs`.
            I64MulAddToMemAcc { addr: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "i64.mul_add_to_mem.acc";
            /// As `f32.mul_add_to_mem`, multiplying the accumulator by `rhs`.
            F32MulAddToMemAcc { addr: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "f32.mul_add_to_mem.acc";
            /// As `f64.mul_add_to_mem`, multiplying the float accumulator by `rhs`.
            F64MulAddToMemAcc { addr: Reg, rhs: Reg, loaded: Reg, dst: Reg, end: u32 } = "f64.mul_add_to_mem.acc";
            /// Memory `mem`'s size in pages.
            MemorySize { dst: Reg, mem: u32 } -> dst = "memory.size";
            /// Grows memory `mem` by `delta` pages; the old size or -1.
            MemoryGrow { dst: Reg, delta: Reg, mem: u32 } -> dst = "memory.grow";
            /// Fills `n` bytes at `d` with `val`.
            MemoryFill { mem: u32, d: Reg, val: Reg, n: Reg } = "memory.fill";
            /// Copies `n` bytes from `s` in `src_mem` to `d` in `dst_mem`.
            MemoryCopy { dst_mem: u16, src_mem: u16, d: Reg, s: Reg, n: Reg } = "memory.copy";
            /// `memory.fill` of memory 0, with 32-bit indices.
            MemoryFill0 { d: Reg, val: Reg, n: Reg } = "memory.fill0";
            /// `memory.copy` within memory 0, with 32-bit indices.
            MemoryCopy0 { d: Reg, s: Reg, n: Reg } = "memory.copy0";
            /// Copies `n` bytes of data segment `seg` from `s` to `d` in memory `mem`.
            MemoryInit { mem: u16, seg: u32, d: Reg, s: Reg, n: Reg } = "memory.init";
            /// Drops data segment `seg`.
            DataDrop { seg: u32 } = "data.drop";
            /// Reads `table[index]`.
            TableGet { dst: Reg, table: u32, index: Reg } -> dst = "table.get";
            /// Writes `table[index]`.
            TableSet { table: u32, index: Reg, val: Reg } = "table.set";
            /// The table's size.
            TableSize { dst: Reg, table: u32 } -> dst = "table.size";
            /// Grows the table by `delta` elements set to `init`; the old size or -1.
            TableGrow { dst: Reg, table: u32, init: Reg, delta: Reg } -> dst = "table.grow";
            /// Fills `n` elements at `i` with `val`.
            TableFill { table: u32, i: Reg, val: Reg, n: Reg } = "table.fill";
            /// Copies `n` elements from `s` in `src_table` to `d` in `dst_table`.
            TableCopy { dst_table: u16, src_table: u16, d: Reg, s: Reg, n: Reg } = "table.copy";
            /// Copies `n` elements of segment `seg` from `s` to `d` in `table`.
            TableInit { table: u16, seg: u32, d: Reg, s: Reg, n: Reg } = "table.init";
            /// Drops element segment `seg`.
            ElemDrop { seg: u32 } = "elem.drop";
            /// A reference to function `func`.
            RefFunc { dst: Reg, func: u32 } -> dst = "ref.func";
            /// Two `i32.add`s of a register and a small constant, `dst0 = lhs0 + imm0` then
            /// `dst1 = lhs1 + imm1`, continuing two instructions on with the second sum in
            /// the accumulator: a loop's steps of a pointer and a counter. The second stays
            /// in place for branches to it.
            I32AddImmPair { dst0: Reg, lhs0: Reg, imm0: i16, dst1: Reg, lhs1: Reg, imm1: i16 } = "i32.add_imm_pair";
            /// `i32.mul` then `i32.add`: `dst = a * b + c`.
            I32MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "i32.mul_add";
            /// `i32.shl` by a constant then `i32.add`: `dst = base + (index << shift)`, an
            /// address scaled to bytes.
            I32AddShl { dst: Reg, base: Reg, index: Reg, shift: u8 } -> dst = "i32.add_shl";
            /// As `i32.add_shl`, with the accumulator as `base`.
            I32AddShlAcc { dst: Reg, index: Reg, shift: u8 } -> dst = "i32.add_shl.acc";
            /// As `i32.add_shl`, with the accumulator as `index`.
            I32AddShlIndexAcc { dst: Reg, base: Reg, shift: u8 } -> dst = "i32.add_shl.index_acc";
            /// `i32.add_shl` and an `i32.add` of a constant: `dst = base + (index << shift) +
            /// imm`, the address of an array element at offset `imm` in a structure.
            I32AddShlImm { dst: Reg, base: Reg, index: Reg, shift: u8, imm: u32 } -> dst = "i32.add_shl_imm";
            /// `i32.add_shl_imm` (or `i32.add_shl`, with `imm` 0) then a `load32` from the
            /// sum: `addr = base + (index << shift) + imm`, wrapping at 32 bits, and `dst`
            /// the 4 bytes at it (`end` as in `load32`), continuing two instructions on with
            /// them in the accumulator. The load stays in place for branches to it. The
            /// address stays in `addr` for a store back to the same element (a swap, or a
            /// value updated in place).
            Load32AddShl { dst: Reg, addr: Reg, base: Reg, index: Reg, shift: u8, imm: i16, end: u16 } = "load32.add_shl";
            /// `i32.rotl` by a constant then `i32.xor`: `dst = lhs ^ rotl(src, imm)`, a step of
            /// the rotate-and-mix rounds of hash functions.
            I32XorRotl { dst: Reg, lhs: Reg, src: Reg, imm: u8 } -> dst = "i32.xor_rotl";
            /// `i64.mul` then `i64.add`.
            I64MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "i64.mul_add";
            /// `f32.mul` then `f32.add`, rounding after each as the two instructions do.
            F32MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "f32.mul_add";
            /// `f64.mul` then `f64.add`, rounding after each.
            F64MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "f64.mul_add";
            /// As `i32.mul_add`, with the accumulator as `a`.
            I32MulAddAcc { dst: Reg, b: Reg, c: Reg } -> dst = "i32.mul_add.acc";
            /// As `i64.mul_add`, with the accumulator as `a`.
            I64MulAddAcc { dst: Reg, b: Reg, c: Reg } -> dst = "i64.mul_add.acc";
            /// As `f32.mul_add`, with the accumulator as `a`.
            F32MulAddAcc { dst: Reg, b: Reg, c: Reg } -> dst = "f32.mul_add.acc";
            /// As `f64.mul_add`, with the accumulator as `a`.
            F64MulAddAcc { dst: Reg, b: Reg, c: Reg } -> dst = "f64.mul_add.acc";
            /// `f64.mul` of the accumulator by itself: a square, whose operand the
            /// instruction before just computed. Reading it from the accumulator twice keeps
            /// a chain like `x = x * x + c` out of the register file.
            F64MulAccAcc { dst: Reg } -> dst = "f64.mul.acc_acc";
            /// `f64.add` of the accumulator to itself (a doubling), as `f64.mul.acc_acc`.
            F64AddAccAcc { dst: Reg } -> dst = "f64.add.acc_acc";
            /// `f32x4.mul` then `f32x4.add`, rounding after each.
            F32x4MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "f32x4.mul_add";
            /// `f64x2.mul` then `f64x2.add`, rounding after each.
            F64x2MulAdd { dst: Reg, a: Reg, b: Reg, c: Reg } -> dst = "f64x2.mul_add";
            /// `f32x4.mul_add` whose `b` is loaded by `v128.load0_add` at `base + index`:
            /// the inner step of vector dot products and matrix multiplication.
            F32x4MulAddLoad { dst: Reg, a: Reg, c: Reg, base: Reg, index: Reg, end: u32 } -> dst = "f32x4.mul_add_load";
            /// As `f32x4.mul_add_load`, for `f64x2.mul_add`.
            F64x2MulAddLoad { dst: Reg, a: Reg, c: Reg, base: Reg, index: Reg, end: u32 } -> dst = "f64x2.mul_add_load";
            /// An `i31` reference to the low 31 bits of `src`.
            RefI31 { dst: Reg, src: Reg } -> dst = "ref.i31";
            /// A struct of module type `ty`, its field values in consecutive registers from
            /// `base` (a `v128` takes two).
            StructNew { dst: Reg, base: Reg, ty: u32 } -> dst = "struct.new";
            /// A struct of module type `ty` with every field at its default.
            StructNewDefault { dst: Reg, ty: u32 } -> dst = "struct.new_default";
            /// Reads the field at byte `offset` of struct `obj`.
            StructGet { dst: Reg, obj: Reg, offset: u32, access: FieldAccess } -> dst = "struct.get";
            /// Writes `src` to the field at byte `offset` of struct `obj`.
            StructSet { obj: Reg, src: Reg, offset: u32, access: FieldAccess } = "struct.set";
            /// An array of module type `ty` of `len` copies of `init`.
            ArrayNew { dst: Reg, init: Reg, len: Reg, ty: u32 } -> dst = "array.new";
            /// An array of module type `ty` of `len` default elements.
            ArrayNewDefault { dst: Reg, len: Reg, ty: u32 } -> dst = "array.new_default";
            /// An array of module type `ty` of the `count` values in consecutive registers
            /// from `base`.
            ArrayNewFixed { dst: Reg, base: Reg, ty: u32, count: u32 } -> dst = "array.new_fixed";
            /// An array of module type `ty` of `len` elements read from data segment `seg` at
            /// byte `offset`.
            ArrayNewData { dst: Reg, offset: Reg, len: Reg, ty: u32, seg: u32 } -> dst = "array.new_data";
            /// An array of module type `ty` of `len` elements of element segment `seg` from
            /// `offset`.
            ArrayNewElem { dst: Reg, offset: Reg, len: Reg, ty: u32, seg: u32 } -> dst = "array.new_elem";
            /// Reads element `index` of array `arr`.
            ArrayGet { dst: Reg, arr: Reg, index: Reg, access: FieldAccess } -> dst = "array.get";
            /// Writes `src` to element `index` of array `arr`.
            ArraySet { arr: Reg, index: Reg, src: Reg, access: FieldAccess } = "array.set";
            /// The length of array `arr`.
            ArrayLen { dst: Reg, arr: Reg } -> dst = "array.len";
            /// Writes `val` to `len` elements of array `arr` from `offset`.
            ArrayFill { arr: Reg, offset: Reg, val: Reg, len: Reg } = "array.fill";
            /// Copies `len` elements of array `src` from `src_off` to array `dst` at `dst_off`
            /// (the two may be the same array and overlap).
            ArrayCopy { dst: Reg, dst_off: Reg, src: Reg, src_off: Reg, len: Reg } = "array.copy";
            /// Copies `n` elements read from data segment `seg` at byte `s` into array `arr`
            /// at `d`.
            ArrayInitData { arr: Reg, d: Reg, s: Reg, n: Reg, seg: u32 } = "array.init_data";
            /// Copies `n` references of element segment `seg` from `s` into array `arr` at
            /// `d`.
            ArrayInitElem { arr: Reg, d: Reg, s: Reg, n: Reg, seg: u32 } = "array.init_elem";
            /// Whether the reference in `src` is of type `target` (1 or 0).
            RefTest { dst: Reg, src: Reg, target: CastTarget } -> dst = "ref.test";
            /// The reference in `src` if it is of type `target`; traps otherwise.
            RefCast { dst: Reg, src: Reg, target: CastTarget } -> dst = "ref.cast";
          }

            unary {
                I32Eqz / I32EqzAcc = "i32.eqz" : (i32) -> i32 => total i32_eqz;
                I64Eqz / I64EqzAcc = "i64.eqz" : (i64) -> i32 => total i64_eqz;
                I31GetS / I31GetSAcc = "i31.get_s" : (i64) -> i32 => trapping i31_get_s;
                I31GetU / I31GetUAcc = "i31.get_u" : (i64) -> i32 => trapping i31_get_u;
                I32Clz / I32ClzAcc = "i32.clz" : (i32) -> i32 => total i32_clz;
                I32Ctz / I32CtzAcc = "i32.ctz" : (i32) -> i32 => total i32_ctz;
                I32Popcnt / I32PopcntAcc = "i32.popcnt" : (i32) -> i32 => total i32_popcnt;
                I64Clz / I64ClzAcc = "i64.clz" : (i64) -> i64 => total i64_clz;
                I64Ctz / I64CtzAcc = "i64.ctz" : (i64) -> i64 => total i64_ctz;
                I64Popcnt / I64PopcntAcc = "i64.popcnt" : (i64) -> i64 => total i64_popcnt;
                F32Abs / F32AbsAcc = "f32.abs" : (f32) -> f32 => total f32_abs;
                F32Neg / F32NegAcc = "f32.neg" : (f32) -> f32 => total f32_neg;
                F32Ceil / F32CeilAcc = "f32.ceil" : (f32) -> f32 => total f32_ceil;
                F32Floor / F32FloorAcc = "f32.floor" : (f32) -> f32 => total f32_floor;
                F32Trunc / F32TruncAcc = "f32.trunc" : (f32) -> f32 => total f32_trunc;
                F32Nearest / F32NearestAcc = "f32.nearest" : (f32) -> f32 => total f32_nearest;
                F32Sqrt / F32SqrtAcc = "f32.sqrt" : (f32) -> f32 => total f32_sqrt;
                F64Abs / F64AbsAcc = "f64.abs" : (f64) -> f64 => total f64_abs;
                F64Neg / F64NegAcc = "f64.neg" : (f64) -> f64 => total f64_neg;
                F64Ceil / F64CeilAcc = "f64.ceil" : (f64) -> f64 => total f64_ceil;
                F64Floor / F64FloorAcc = "f64.floor" : (f64) -> f64 => total f64_floor;
                F64Trunc / F64TruncAcc = "f64.trunc" : (f64) -> f64 => total f64_trunc;
                F64Nearest / F64NearestAcc = "f64.nearest" : (f64) -> f64 => total f64_nearest;
                F64Sqrt / F64SqrtAcc = "f64.sqrt" : (f64) -> f64 => total f64_sqrt;
                I32WrapI64 / I32WrapI64Acc = "i32.wrap_i64" : (i64) -> i32 => total i32_wrap_i64;
                I32TruncF32S / I32TruncF32SAcc = "i32.trunc_f32_s" : (f32) -> i32 => trapping i32_trunc_f32_s;
                I32TruncF32U / I32TruncF32UAcc = "i32.trunc_f32_u" : (f32) -> i32 => trapping i32_trunc_f32_u;
                I32TruncF64S / I32TruncF64SAcc = "i32.trunc_f64_s" : (f64) -> i32 => trapping i32_trunc_f64_s;
                I32TruncF64U / I32TruncF64UAcc = "i32.trunc_f64_u" : (f64) -> i32 => trapping i32_trunc_f64_u;
                I64ExtendI32S / I64ExtendI32SAcc = "i64.extend_i32_s" : (i32) -> i64 => total i64_extend_i32_s;
                I64ExtendI32U / I64ExtendI32UAcc = "i64.extend_i32_u" : (i32) -> i64 => total i64_extend_i32_u;
                I64TruncF32S / I64TruncF32SAcc = "i64.trunc_f32_s" : (f32) -> i64 => trapping i64_trunc_f32_s;
                I64TruncF32U / I64TruncF32UAcc = "i64.trunc_f32_u" : (f32) -> i64 => trapping i64_trunc_f32_u;
                I64TruncF64S / I64TruncF64SAcc = "i64.trunc_f64_s" : (f64) -> i64 => trapping i64_trunc_f64_s;
                I64TruncF64U / I64TruncF64UAcc = "i64.trunc_f64_u" : (f64) -> i64 => trapping i64_trunc_f64_u;
                F32ConvertI32S / F32ConvertI32SAcc = "f32.convert_i32_s" : (i32) -> f32 => total f32_convert_i32_s;
                F32ConvertI32U / F32ConvertI32UAcc = "f32.convert_i32_u" : (i32) -> f32 => total f32_convert_i32_u;
                F32ConvertI64S / F32ConvertI64SAcc = "f32.convert_i64_s" : (i64) -> f32 => total f32_convert_i64_s;
                F32ConvertI64U / F32ConvertI64UAcc = "f32.convert_i64_u" : (i64) -> f32 => total f32_convert_i64_u;
                F32DemoteF64 / F32DemoteF64Acc = "f32.demote_f64" : (f64) -> f32 => total f32_demote_f64;
                F64ConvertI32S / F64ConvertI32SAcc = "f64.convert_i32_s" : (i32) -> f64 => total f64_convert_i32_s;
                F64ConvertI32U / F64ConvertI32UAcc = "f64.convert_i32_u" : (i32) -> f64 => total f64_convert_i32_u;
                F64ConvertI64S / F64ConvertI64SAcc = "f64.convert_i64_s" : (i64) -> f64 => total f64_convert_i64_s;
                F64ConvertI64U / F64ConvertI64UAcc = "f64.convert_i64_u" : (i64) -> f64 => total f64_convert_i64_u;
                F64PromoteF32 / F64PromoteF32Acc = "f64.promote_f32" : (f32) -> f64 => total f64_promote_f32;
                I32Extend8S / I32Extend8SAcc = "i32.extend8_s" : (i32) -> i32 => total i32_extend8_s;
                I32Extend16S / I32Extend16SAcc = "i32.extend16_s" : (i32) -> i32 => total i32_extend16_s;
                I64Extend8S / I64Extend8SAcc = "i64.extend8_s" : (i64) -> i64 => total i64_extend8_s;
                I64Extend16S / I64Extend16SAcc = "i64.extend16_s" : (i64) -> i64 => total i64_extend16_s;
                I64Extend32S / I64Extend32SAcc = "i64.extend32_s" : (i64) -> i64 => total i64_extend32_s;
                I32TruncSatF32S / I32TruncSatF32SAcc = "i32.trunc_sat_f32_s" : (f32) -> i32 => total i32_trunc_sat_f32_s;
                I32TruncSatF32U / I32TruncSatF32UAcc = "i32.trunc_sat_f32_u" : (f32) -> i32 => total i32_trunc_sat_f32_u;
                I32TruncSatF64S / I32TruncSatF64SAcc = "i32.trunc_sat_f64_s" : (f64) -> i32 => total i32_trunc_sat_f64_s;
                I32TruncSatF64U / I32TruncSatF64UAcc = "i32.trunc_sat_f64_u" : (f64) -> i32 => total i32_trunc_sat_f64_u;
                I64TruncSatF32S / I64TruncSatF32SAcc = "i64.trunc_sat_f32_s" : (f32) -> i64 => total i64_trunc_sat_f32_s;
                I64TruncSatF32U / I64TruncSatF32UAcc = "i64.trunc_sat_f32_u" : (f32) -> i64 => total i64_trunc_sat_f32_u;
                I64TruncSatF64S / I64TruncSatF64SAcc = "i64.trunc_sat_f64_s" : (f64) -> i64 => total i64_trunc_sat_f64_s;
                I64TruncSatF64U / I64TruncSatF64UAcc = "i64.trunc_sat_f64_u" : (f64) -> i64 => total i64_trunc_sat_f64_u;
                I8x16Splat / I8x16SplatAcc = "i8x16.splat" : (i32) -> v128 => total i8x16_splat;
                I16x8Splat / I16x8SplatAcc = "i16x8.splat" : (i32) -> v128 => total i16x8_splat;
                I32x4Splat / I32x4SplatAcc = "i32x4.splat" : (i32) -> v128 => total i32x4_splat;
                I64x2Splat / I64x2SplatAcc = "i64x2.splat" : (i64) -> v128 => total i64x2_splat;
                F32x4Splat / F32x4SplatAcc = "f32x4.splat" : (f32) -> v128 => total f32x4_splat;
                F64x2Splat / F64x2SplatAcc = "f64x2.splat" : (f64) -> v128 => total f64x2_splat;
                V128Not = "v128.not" : (v128) -> v128 => total v128_not;
                V128AnyTrue = "v128.any_true" : (v128) -> i32 => total v128_any_true;
                I8x16Abs = "i8x16.abs" : (v128) -> v128 => total i8x16_abs;
                I8x16Neg = "i8x16.neg" : (v128) -> v128 => total i8x16_neg;
                I8x16Popcnt = "i8x16.popcnt" : (v128) -> v128 => total i8x16_popcnt;
                I8x16AllTrue = "i8x16.all_true" : (v128) -> i32 => total i8x16_all_true;
                I8x16Bitmask = "i8x16.bitmask" : (v128) -> i32 => total i8x16_bitmask;
                I16x8ExtAddPairwiseI8x16S = "i16x8.extadd_pairwise_i8x16_s" : (v128) -> v128 => total i16x8_extadd_pairwise_i8x16_s;
                I16x8ExtAddPairwiseI8x16U = "i16x8.extadd_pairwise_i8x16_u" : (v128) -> v128 => total i16x8_extadd_pairwise_i8x16_u;
                I16x8Abs = "i16x8.abs" : (v128) -> v128 => total i16x8_abs;
                I16x8Neg = "i16x8.neg" : (v128) -> v128 => total i16x8_neg;
                I16x8AllTrue = "i16x8.all_true" : (v128) -> i32 => total i16x8_all_true;
                I16x8Bitmask = "i16x8.bitmask" : (v128) -> i32 => total i16x8_bitmask;
                I16x8ExtendLowI8x16S = "i16x8.extend_low_i8x16_s" : (v128) -> v128 => total i16x8_extend_low_i8x16_s;
                I16x8ExtendHighI8x16S = "i16x8.extend_high_i8x16_s" : (v128) -> v128 => total i16x8_extend_high_i8x16_s;
                I16x8ExtendLowI8x16U = "i16x8.extend_low_i8x16_u" : (v128) -> v128 => total i16x8_extend_low_i8x16_u;
                I16x8ExtendHighI8x16U = "i16x8.extend_high_i8x16_u" : (v128) -> v128 => total i16x8_extend_high_i8x16_u;
                I32x4ExtAddPairwiseI16x8S = "i32x4.extadd_pairwise_i16x8_s" : (v128) -> v128 => total i32x4_extadd_pairwise_i16x8_s;
                I32x4ExtAddPairwiseI16x8U = "i32x4.extadd_pairwise_i16x8_u" : (v128) -> v128 => total i32x4_extadd_pairwise_i16x8_u;
                I32x4Abs = "i32x4.abs" : (v128) -> v128 => total i32x4_abs;
                I32x4Neg = "i32x4.neg" : (v128) -> v128 => total i32x4_neg;
                I32x4AllTrue = "i32x4.all_true" : (v128) -> i32 => total i32x4_all_true;
                I32x4Bitmask = "i32x4.bitmask" : (v128) -> i32 => total i32x4_bitmask;
                I32x4ExtendLowI16x8S = "i32x4.extend_low_i16x8_s" : (v128) -> v128 => total i32x4_extend_low_i16x8_s;
                I32x4ExtendHighI16x8S = "i32x4.extend_high_i16x8_s" : (v128) -> v128 => total i32x4_extend_high_i16x8_s;
                I32x4ExtendLowI16x8U = "i32x4.extend_low_i16x8_u" : (v128) -> v128 => total i32x4_extend_low_i16x8_u;
                I32x4ExtendHighI16x8U = "i32x4.extend_high_i16x8_u" : (v128) -> v128 => total i32x4_extend_high_i16x8_u;
                I64x2Abs = "i64x2.abs" : (v128) -> v128 => total i64x2_abs;
                I64x2Neg = "i64x2.neg" : (v128) -> v128 => total i64x2_neg;
                I64x2AllTrue = "i64x2.all_true" : (v128) -> i32 => total i64x2_all_true;
                I64x2Bitmask = "i64x2.bitmask" : (v128) -> i32 => total i64x2_bitmask;
                I64x2ExtendLowI32x4S = "i64x2.extend_low_i32x4_s" : (v128) -> v128 => total i64x2_extend_low_i32x4_s;
                I64x2ExtendHighI32x4S = "i64x2.extend_high_i32x4_s" : (v128) -> v128 => total i64x2_extend_high_i32x4_s;
                I64x2ExtendLowI32x4U = "i64x2.extend_low_i32x4_u" : (v128) -> v128 => total i64x2_extend_low_i32x4_u;
                I64x2ExtendHighI32x4U = "i64x2.extend_high_i32x4_u" : (v128) -> v128 => total i64x2_extend_high_i32x4_u;
                F32x4Ceil = "f32x4.ceil" : (v128) -> v128 => total f32x4_ceil;
                F32x4Floor = "f32x4.floor" : (v128) -> v128 => total f32x4_floor;
                F32x4Trunc = "f32x4.trunc" : (v128) -> v128 => total f32x4_trunc;
                F32x4Nearest = "f32x4.nearest" : (v128) -> v128 => total f32x4_nearest;
                F32x4Abs = "f32x4.abs" : (v128) -> v128 => total f32x4_abs;
                F32x4Neg = "f32x4.neg" : (v128) -> v128 => total f32x4_neg;
                F32x4Sqrt = "f32x4.sqrt" : (v128) -> v128 => total f32x4_sqrt;
                F64x2Ceil = "f64x2.ceil" : (v128) -> v128 => total f64x2_ceil;
                F64x2Floor = "f64x2.floor" : (v128) -> v128 => total f64x2_floor;
                F64x2Trunc = "f64x2.trunc" : (v128) -> v128 => total f64x2_trunc;
                F64x2Nearest = "f64x2.nearest" : (v128) -> v128 => total f64x2_nearest;
                F64x2Abs = "f64x2.abs" : (v128) -> v128 => total f64x2_abs;
                F64x2Neg = "f64x2.neg" : (v128) -> v128 => total f64x2_neg;
                F64x2Sqrt = "f64x2.sqrt" : (v128) -> v128 => total f64x2_sqrt;
                I32x4TruncSatF32x4S = "i32x4.trunc_sat_f32x4_s" : (v128) -> v128 => total i32x4_trunc_sat_f32x4_s;
                I32x4TruncSatF32x4U = "i32x4.trunc_sat_f32x4_u" : (v128) -> v128 => total i32x4_trunc_sat_f32x4_u;
                F32x4ConvertI32x4S = "f32x4.convert_i32x4_s" : (v128) -> v128 => total f32x4_convert_i32x4_s;
                F32x4ConvertI32x4U = "f32x4.convert_i32x4_u" : (v128) -> v128 => total f32x4_convert_i32x4_u;
                I32x4TruncSatF64x2SZero = "i32x4.trunc_sat_f64x2_s_zero" : (v128) -> v128 => total i32x4_trunc_sat_f64x2_s_zero;
                I32x4TruncSatF64x2UZero = "i32x4.trunc_sat_f64x2_u_zero" : (v128) -> v128 => total i32x4_trunc_sat_f64x2_u_zero;
                F64x2ConvertLowI32x4S = "f64x2.convert_low_i32x4_s" : (v128) -> v128 => total f64x2_convert_low_i32x4_s;
                F64x2ConvertLowI32x4U = "f64x2.convert_low_i32x4_u" : (v128) -> v128 => total f64x2_convert_low_i32x4_u;
                F32x4DemoteF64x2Zero = "f32x4.demote_f64x2_zero" : (v128) -> v128 => total f32x4_demote_f64x2_zero;
                F64x2PromoteLowF32x4 = "f64x2.promote_low_f32x4" : (v128) -> v128 => total f64x2_promote_low_f32x4;
                I32x4RelaxedTruncF32x4S = "i32x4.relaxed_trunc_f32x4_s" : (v128) -> v128 => total i32x4_relaxed_trunc_f32x4_s;
                I32x4RelaxedTruncF32x4U = "i32x4.relaxed_trunc_f32x4_u" : (v128) -> v128 => total i32x4_relaxed_trunc_f32x4_u;
                I32x4RelaxedTruncF64x2SZero = "i32x4.relaxed_trunc_f64x2_s_zero" : (v128) -> v128 => total i32x4_relaxed_trunc_f64x2_s_zero;
                I32x4RelaxedTruncF64x2UZero = "i32x4.relaxed_trunc_f64x2_u_zero" : (v128) -> v128 => total i32x4_relaxed_trunc_f64x2_u_zero;
            }

            binary {
                I32Eq / I32EqAccL I32EqAccR = "i32.eq" : (i32, i32) -> i32 => total i32_eq;
                I32Ne / I32NeAccL I32NeAccR = "i32.ne" : (i32, i32) -> i32 => total i32_ne;
                I32LtS / I32LtSAccL I32LtSAccR = "i32.lt_s" : (i32, i32) -> i32 => total i32_lt_s;
                I32LtU / I32LtUAccL I32LtUAccR = "i32.lt_u" : (i32, i32) -> i32 => total i32_lt_u;
                I32GtS / I32GtSAccL I32GtSAccR = "i32.gt_s" : (i32, i32) -> i32 => total i32_gt_s;
                I32GtU / I32GtUAccL I32GtUAccR = "i32.gt_u" : (i32, i32) -> i32 => total i32_gt_u;
                I32LeS / I32LeSAccL I32LeSAccR = "i32.le_s" : (i32, i32) -> i32 => total i32_le_s;
                I32LeU / I32LeUAccL I32LeUAccR = "i32.le_u" : (i32, i32) -> i32 => total i32_le_u;
                I32GeS / I32GeSAccL I32GeSAccR = "i32.ge_s" : (i32, i32) -> i32 => total i32_ge_s;
                I32GeU / I32GeUAccL I32GeUAccR = "i32.ge_u" : (i32, i32) -> i32 => total i32_ge_u;
                I64Eq / I64EqAccL I64EqAccR = "i64.eq" : (i64, i64) -> i32 => total i64_eq;
                I64Ne / I64NeAccL I64NeAccR = "i64.ne" : (i64, i64) -> i32 => total i64_ne;
                I64LtS / I64LtSAccL I64LtSAccR = "i64.lt_s" : (i64, i64) -> i32 => total i64_lt_s;
                I64LtU / I64LtUAccL I64LtUAccR = "i64.lt_u" : (i64, i64) -> i32 => total i64_lt_u;
                I64GtS / I64GtSAccL I64GtSAccR = "i64.gt_s" : (i64, i64) -> i32 => total i64_gt_s;
                I64GtU / I64GtUAccL I64GtUAccR = "i64.gt_u" : (i64, i64) -> i32 => total i64_gt_u;
                I64LeS / I64LeSAccL I64LeSAccR = "i64.le_s" : (i64, i64) -> i32 => total i64_le_s;
                I64LeU / I64LeUAccL I64LeUAccR = "i64.le_u" : (i64, i64) -> i32 => total i64_le_u;
                I64GeS / I64GeSAccL I64GeSAccR = "i64.ge_s" : (i64, i64) -> i32 => total i64_ge_s;
                I64GeU / I64GeUAccL I64GeUAccR = "i64.ge_u" : (i64, i64) -> i32 => total i64_ge_u;
                F32Eq / F32EqAccL F32EqAccR = "f32.eq" : (f32, f32) -> i32 => total f32_eq;
                F32Ne / F32NeAccL F32NeAccR = "f32.ne" : (f32, f32) -> i32 => total f32_ne;
                F32Lt / F32LtAccL F32LtAccR = "f32.lt" : (f32, f32) -> i32 => total f32_lt;
                F32Gt / F32GtAccL F32GtAccR = "f32.gt" : (f32, f32) -> i32 => total f32_gt;
                F32Le / F32LeAccL F32LeAccR = "f32.le" : (f32, f32) -> i32 => total f32_le;
                F32Ge / F32GeAccL F32GeAccR = "f32.ge" : (f32, f32) -> i32 => total f32_ge;
                F64Eq / F64EqAccL F64EqAccR = "f64.eq" : (f64, f64) -> i32 => total f64_eq;
                F64Ne / F64NeAccL F64NeAccR = "f64.ne" : (f64, f64) -> i32 => total f64_ne;
                F64Lt / F64LtAccL F64LtAccR = "f64.lt" : (f64, f64) -> i32 => total f64_lt;
                F64Gt / F64GtAccL F64GtAccR = "f64.gt" : (f64, f64) -> i32 => total f64_gt;
                F64Le / F64LeAccL F64LeAccR = "f64.le" : (f64, f64) -> i32 => total f64_le;
                F64Ge / F64GeAccL F64GeAccR = "f64.ge" : (f64, f64) -> i32 => total f64_ge;
                I32Add / I32AddAccL I32AddAccR # I32AddImm I32AddAccImm = "i32.add" : (i32, i32) -> i32 => total i32_add;
                I32Sub / I32SubAccL I32SubAccR = "i32.sub" : (i32, i32) -> i32 => total i32_sub;
                I32Mul / I32MulAccL I32MulAccR = "i32.mul" : (i32, i32) -> i32 => total i32_mul;
                I32DivS / I32DivSAccL I32DivSAccR = "i32.div_s" : (i32, i32) -> i32 => trapping i32_div_s;
                I32DivU / I32DivUAccL I32DivUAccR = "i32.div_u" : (i32, i32) -> i32 => trapping i32_div_u;
                I32RemS / I32RemSAccL I32RemSAccR = "i32.rem_s" : (i32, i32) -> i32 => trapping i32_rem_s;
                I32RemU / I32RemUAccL I32RemUAccR = "i32.rem_u" : (i32, i32) -> i32 => trapping i32_rem_u;
                I32And / I32AndAccL I32AndAccR # I32AndImm I32AndAccImm = "i32.and" : (i32, i32) -> i32 => total i32_and;
                I32Or / I32OrAccL I32OrAccR # I32OrImm I32OrAccImm = "i32.or" : (i32, i32) -> i32 => total i32_or;
                I32Xor / I32XorAccL I32XorAccR # I32XorImm I32XorAccImm = "i32.xor" : (i32, i32) -> i32 => total i32_xor;
                I32Shl / I32ShlAccL I32ShlAccR # I32ShlImm I32ShlAccImm = "i32.shl" : (i32, i32) -> i32 => total i32_shl;
                I32ShrS / I32ShrSAccL I32ShrSAccR # I32ShrSImm I32ShrSAccImm = "i32.shr_s" : (i32, i32) -> i32 => total i32_shr_s;
                I32ShrU / I32ShrUAccL I32ShrUAccR # I32ShrUImm I32ShrUAccImm = "i32.shr_u" : (i32, i32) -> i32 => total i32_shr_u;
                I32Rotl / I32RotlAccL I32RotlAccR # I32RotlImm I32RotlAccImm = "i32.rotl" : (i32, i32) -> i32 => total i32_rotl;
                I32Rotr / I32RotrAccL I32RotrAccR # I32RotrImm I32RotrAccImm = "i32.rotr" : (i32, i32) -> i32 => total i32_rotr;
                I64Add / I64AddAccL I64AddAccR # I64AddImm I64AddAccImm = "i64.add" : (i64, i64) -> i64 => total i64_add;
                I64Sub / I64SubAccL I64SubAccR = "i64.sub" : (i64, i64) -> i64 => total i64_sub;
                I64Mul / I64MulAccL I64MulAccR = "i64.mul" : (i64, i64) -> i64 => total i64_mul;
                I64DivS / I64DivSAccL I64DivSAccR = "i64.div_s" : (i64, i64) -> i64 => trapping i64_div_s;
                I64DivU / I64DivUAccL I64DivUAccR = "i64.div_u" : (i64, i64) -> i64 => trapping i64_div_u;
                I64RemS / I64RemSAccL I64RemSAccR = "i64.rem_s" : (i64, i64) -> i64 => trapping i64_rem_s;
                I64RemU / I64RemUAccL I64RemUAccR = "i64.rem_u" : (i64, i64) -> i64 => trapping i64_rem_u;
                I64And / I64AndAccL I64AndAccR # I64AndImm I64AndAccImm = "i64.and" : (i64, i64) -> i64 => total i64_and;
                I64Or / I64OrAccL I64OrAccR # I64OrImm I64OrAccImm = "i64.or" : (i64, i64) -> i64 => total i64_or;
                I64Xor / I64XorAccL I64XorAccR # I64XorImm I64XorAccImm = "i64.xor" : (i64, i64) -> i64 => total i64_xor;
                I64Shl / I64ShlAccL I64ShlAccR # I64ShlImm I64ShlAccImm = "i64.shl" : (i64, i64) -> i64 => total i64_shl;
                I64ShrS / I64ShrSAccL I64ShrSAccR # I64ShrSImm I64ShrSAccImm = "i64.shr_s" : (i64, i64) -> i64 => total i64_shr_s;
                I64ShrU / I64ShrUAccL I64ShrUAccR # I64ShrUImm I64ShrUAccImm = "i64.shr_u" : (i64, i64) -> i64 => total i64_shr_u;
                I64Rotl / I64RotlAccL I64RotlAccR # I64RotlImm I64RotlAccImm = "i64.rotl" : (i64, i64) -> i64 => total i64_rotl;
                I64Rotr / I64RotrAccL I64RotrAccR # I64RotrImm I64RotrAccImm = "i64.rotr" : (i64, i64) -> i64 => total i64_rotr;
                F32Add / F32AddAccL F32AddAccR = "f32.add" : (f32, f32) -> f32 => total f32_add;
                F32Sub / F32SubAccL F32SubAccR = "f32.sub" : (f32, f32) -> f32 => total f32_sub;
                F32Mul / F32MulAccL F32MulAccR = "f32.mul" : (f32, f32) -> f32 => total f32_mul;
                F32Div / F32DivAccL F32DivAccR = "f32.div" : (f32, f32) -> f32 => total f32_div;
                F32Min / F32MinAccL F32MinAccR = "f32.min" : (f32, f32) -> f32 => total f32_min;
                F32Max / F32MaxAccL F32MaxAccR = "f32.max" : (f32, f32) -> f32 => total f32_max;
                F32Copysign / F32CopysignAccL F32CopysignAccR = "f32.copysign" : (f32, f32) -> f32 => total f32_copysign;
                F64Add / F64AddAccL F64AddAccR = "f64.add" : (f64, f64) -> f64 => total f64_add;
                F64Sub / F64SubAccL F64SubAccR = "f64.sub" : (f64, f64) -> f64 => total f64_sub;
                F64Mul / F64MulAccL F64MulAccR = "f64.mul" : (f64, f64) -> f64 => total f64_mul;
                F64Div / F64DivAccL F64DivAccR = "f64.div" : (f64, f64) -> f64 => total f64_div;
                F64Min / F64MinAccL F64MinAccR = "f64.min" : (f64, f64) -> f64 => total f64_min;
                F64Max / F64MaxAccL F64MaxAccR = "f64.max" : (f64, f64) -> f64 => total f64_max;
                F64Copysign / F64CopysignAccL F64CopysignAccR = "f64.copysign" : (f64, f64) -> f64 => total f64_copysign;
                I8x16Swizzle = "i8x16.swizzle" : (v128, v128) -> v128 => total i8x16_swizzle;
                I8x16Eq = "i8x16.eq" : (v128, v128) -> v128 => total i8x16_eq;
                I8x16Ne = "i8x16.ne" : (v128, v128) -> v128 => total i8x16_ne;
                I8x16LtS = "i8x16.lt_s" : (v128, v128) -> v128 => total i8x16_lt_s;
                I8x16LtU = "i8x16.lt_u" : (v128, v128) -> v128 => total i8x16_lt_u;
                I8x16GtS = "i8x16.gt_s" : (v128, v128) -> v128 => total i8x16_gt_s;
                I8x16GtU = "i8x16.gt_u" : (v128, v128) -> v128 => total i8x16_gt_u;
                I8x16LeS = "i8x16.le_s" : (v128, v128) -> v128 => total i8x16_le_s;
                I8x16LeU = "i8x16.le_u" : (v128, v128) -> v128 => total i8x16_le_u;
                I8x16GeS = "i8x16.ge_s" : (v128, v128) -> v128 => total i8x16_ge_s;
                I8x16GeU = "i8x16.ge_u" : (v128, v128) -> v128 => total i8x16_ge_u;
                I16x8Eq = "i16x8.eq" : (v128, v128) -> v128 => total i16x8_eq;
                I16x8Ne = "i16x8.ne" : (v128, v128) -> v128 => total i16x8_ne;
                I16x8LtS = "i16x8.lt_s" : (v128, v128) -> v128 => total i16x8_lt_s;
                I16x8LtU = "i16x8.lt_u" : (v128, v128) -> v128 => total i16x8_lt_u;
                I16x8GtS = "i16x8.gt_s" : (v128, v128) -> v128 => total i16x8_gt_s;
                I16x8GtU = "i16x8.gt_u" : (v128, v128) -> v128 => total i16x8_gt_u;
                I16x8LeS = "i16x8.le_s" : (v128, v128) -> v128 => total i16x8_le_s;
                I16x8LeU = "i16x8.le_u" : (v128, v128) -> v128 => total i16x8_le_u;
                I16x8GeS = "i16x8.ge_s" : (v128, v128) -> v128 => total i16x8_ge_s;
                I16x8GeU = "i16x8.ge_u" : (v128, v128) -> v128 => total i16x8_ge_u;
                I32x4Eq = "i32x4.eq" : (v128, v128) -> v128 => total i32x4_eq;
                I32x4Ne = "i32x4.ne" : (v128, v128) -> v128 => total i32x4_ne;
                I32x4LtS = "i32x4.lt_s" : (v128, v128) -> v128 => total i32x4_lt_s;
                I32x4LtU = "i32x4.lt_u" : (v128, v128) -> v128 => total i32x4_lt_u;
                I32x4GtS = "i32x4.gt_s" : (v128, v128) -> v128 => total i32x4_gt_s;
                I32x4GtU = "i32x4.gt_u" : (v128, v128) -> v128 => total i32x4_gt_u;
                I32x4LeS = "i32x4.le_s" : (v128, v128) -> v128 => total i32x4_le_s;
                I32x4LeU = "i32x4.le_u" : (v128, v128) -> v128 => total i32x4_le_u;
                I32x4GeS = "i32x4.ge_s" : (v128, v128) -> v128 => total i32x4_ge_s;
                I32x4GeU = "i32x4.ge_u" : (v128, v128) -> v128 => total i32x4_ge_u;
                I64x2Eq = "i64x2.eq" : (v128, v128) -> v128 => total i64x2_eq;
                I64x2Ne = "i64x2.ne" : (v128, v128) -> v128 => total i64x2_ne;
                I64x2LtS = "i64x2.lt_s" : (v128, v128) -> v128 => total i64x2_lt_s;
                I64x2GtS = "i64x2.gt_s" : (v128, v128) -> v128 => total i64x2_gt_s;
                I64x2LeS = "i64x2.le_s" : (v128, v128) -> v128 => total i64x2_le_s;
                I64x2GeS = "i64x2.ge_s" : (v128, v128) -> v128 => total i64x2_ge_s;
                F32x4Eq = "f32x4.eq" : (v128, v128) -> v128 => total f32x4_eq;
                F32x4Ne = "f32x4.ne" : (v128, v128) -> v128 => total f32x4_ne;
                F32x4Lt = "f32x4.lt" : (v128, v128) -> v128 => total f32x4_lt;
                F32x4Gt = "f32x4.gt" : (v128, v128) -> v128 => total f32x4_gt;
                F32x4Le = "f32x4.le" : (v128, v128) -> v128 => total f32x4_le;
                F32x4Ge = "f32x4.ge" : (v128, v128) -> v128 => total f32x4_ge;
                F64x2Eq = "f64x2.eq" : (v128, v128) -> v128 => total f64x2_eq;
                F64x2Ne = "f64x2.ne" : (v128, v128) -> v128 => total f64x2_ne;
                F64x2Lt = "f64x2.lt" : (v128, v128) -> v128 => total f64x2_lt;
                F64x2Gt = "f64x2.gt" : (v128, v128) -> v128 => total f64x2_gt;
                F64x2Le = "f64x2.le" : (v128, v128) -> v128 => total f64x2_le;
                F64x2Ge = "f64x2.ge" : (v128, v128) -> v128 => total f64x2_ge;
                V128And = "v128.and" : (v128, v128) -> v128 => total v128_and;
                V128AndNot = "v128.andnot" : (v128, v128) -> v128 => total v128_andnot;
                V128Or = "v128.or" : (v128, v128) -> v128 => total v128_or;
                V128Xor = "v128.xor" : (v128, v128) -> v128 => total v128_xor;
                I8x16NarrowI16x8S = "i8x16.narrow_i16x8_s" : (v128, v128) -> v128 => total i8x16_narrow_i16x8_s;
                I8x16NarrowI16x8U = "i8x16.narrow_i16x8_u" : (v128, v128) -> v128 => total i8x16_narrow_i16x8_u;
                I8x16Shl = "i8x16.shl" : (v128, i32) -> v128 => total i8x16_shl;
                I8x16ShrS = "i8x16.shr_s" : (v128, i32) -> v128 => total i8x16_shr_s;
                I8x16ShrU = "i8x16.shr_u" : (v128, i32) -> v128 => total i8x16_shr_u;
                I8x16Add = "i8x16.add" : (v128, v128) -> v128 => total i8x16_add;
                I8x16AddSatS = "i8x16.add_sat_s" : (v128, v128) -> v128 => total i8x16_add_sat_s;
                I8x16AddSatU = "i8x16.add_sat_u" : (v128, v128) -> v128 => total i8x16_add_sat_u;
                I8x16Sub = "i8x16.sub" : (v128, v128) -> v128 => total i8x16_sub;
                I8x16SubSatS = "i8x16.sub_sat_s" : (v128, v128) -> v128 => total i8x16_sub_sat_s;
                I8x16SubSatU = "i8x16.sub_sat_u" : (v128, v128) -> v128 => total i8x16_sub_sat_u;
                I8x16MinS = "i8x16.min_s" : (v128, v128) -> v128 => total i8x16_min_s;
                I8x16MinU = "i8x16.min_u" : (v128, v128) -> v128 => total i8x16_min_u;
                I8x16MaxS = "i8x16.max_s" : (v128, v128) -> v128 => total i8x16_max_s;
                I8x16MaxU = "i8x16.max_u" : (v128, v128) -> v128 => total i8x16_max_u;
                I8x16AvgrU = "i8x16.avgr_u" : (v128, v128) -> v128 => total i8x16_avgr_u;
                I16x8Q15MulrSatS = "i16x8.q15mulr_sat_s" : (v128, v128) -> v128 => total i16x8_q15mulr_sat_s;
                I16x8NarrowI32x4S = "i16x8.narrow_i32x4_s" : (v128, v128) -> v128 => total i16x8_narrow_i32x4_s;
                I16x8NarrowI32x4U = "i16x8.narrow_i32x4_u" : (v128, v128) -> v128 => total i16x8_narrow_i32x4_u;
                I16x8Shl = "i16x8.shl" : (v128, i32) -> v128 => total i16x8_shl;
                I16x8ShrS = "i16x8.shr_s" : (v128, i32) -> v128 => total i16x8_shr_s;
                I16x8ShrU = "i16x8.shr_u" : (v128, i32) -> v128 => total i16x8_shr_u;
                I16x8Add = "i16x8.add" : (v128, v128) -> v128 => total i16x8_add;
                I16x8AddSatS = "i16x8.add_sat_s" : (v128, v128) -> v128 => total i16x8_add_sat_s;
                I16x8AddSatU = "i16x8.add_sat_u" : (v128, v128) -> v128 => total i16x8_add_sat_u;
                I16x8Sub = "i16x8.sub" : (v128, v128) -> v128 => total i16x8_sub;
                I16x8SubSatS = "i16x8.sub_sat_s" : (v128, v128) -> v128 => total i16x8_sub_sat_s;
                I16x8SubSatU = "i16x8.sub_sat_u" : (v128, v128) -> v128 => total i16x8_sub_sat_u;
                I16x8Mul = "i16x8.mul" : (v128, v128) -> v128 => total i16x8_mul;
                I16x8MinS = "i16x8.min_s" : (v128, v128) -> v128 => total i16x8_min_s;
                I16x8MinU = "i16x8.min_u" : (v128, v128) -> v128 => total i16x8_min_u;
                I16x8MaxS = "i16x8.max_s" : (v128, v128) -> v128 => total i16x8_max_s;
                I16x8MaxU = "i16x8.max_u" : (v128, v128) -> v128 => total i16x8_max_u;
                I16x8AvgrU = "i16x8.avgr_u" : (v128, v128) -> v128 => total i16x8_avgr_u;
                I16x8ExtMulLowI8x16S = "i16x8.extmul_low_i8x16_s" : (v128, v128) -> v128 => total i16x8_extmul_low_i8x16_s;
                I16x8ExtMulHighI8x16S = "i16x8.extmul_high_i8x16_s" : (v128, v128) -> v128 => total i16x8_extmul_high_i8x16_s;
                I16x8ExtMulLowI8x16U = "i16x8.extmul_low_i8x16_u" : (v128, v128) -> v128 => total i16x8_extmul_low_i8x16_u;
                I16x8ExtMulHighI8x16U = "i16x8.extmul_high_i8x16_u" : (v128, v128) -> v128 => total i16x8_extmul_high_i8x16_u;
                I32x4Shl = "i32x4.shl" : (v128, i32) -> v128 => total i32x4_shl;
                I32x4ShrS = "i32x4.shr_s" : (v128, i32) -> v128 => total i32x4_shr_s;
                I32x4ShrU = "i32x4.shr_u" : (v128, i32) -> v128 => total i32x4_shr_u;
                I32x4Add = "i32x4.add" : (v128, v128) -> v128 => total i32x4_add;
                I32x4Sub = "i32x4.sub" : (v128, v128) -> v128 => total i32x4_sub;
                I32x4Mul = "i32x4.mul" : (v128, v128) -> v128 => total i32x4_mul;
                I32x4MinS = "i32x4.min_s" : (v128, v128) -> v128 => total i32x4_min_s;
                I32x4MinU = "i32x4.min_u" : (v128, v128) -> v128 => total i32x4_min_u;
                I32x4MaxS = "i32x4.max_s" : (v128, v128) -> v128 => total i32x4_max_s;
                I32x4MaxU = "i32x4.max_u" : (v128, v128) -> v128 => total i32x4_max_u;
                I32x4DotI16x8S = "i32x4.dot_i16x8_s" : (v128, v128) -> v128 => total i32x4_dot_i16x8_s;
                I32x4ExtMulLowI16x8S = "i32x4.extmul_low_i16x8_s" : (v128, v128) -> v128 => total i32x4_extmul_low_i16x8_s;
                I32x4ExtMulHighI16x8S = "i32x4.extmul_high_i16x8_s" : (v128, v128) -> v128 => total i32x4_extmul_high_i16x8_s;
                I32x4ExtMulLowI16x8U = "i32x4.extmul_low_i16x8_u" : (v128, v128) -> v128 => total i32x4_extmul_low_i16x8_u;
                I32x4ExtMulHighI16x8U = "i32x4.extmul_high_i16x8_u" : (v128, v128) -> v128 => total i32x4_extmul_high_i16x8_u;
                I64x2Shl = "i64x2.shl" : (v128, i32) -> v128 => total i64x2_shl;
                I64x2ShrS = "i64x2.shr_s" : (v128, i32) -> v128 => total i64x2_shr_s;
                I64x2ShrU = "i64x2.shr_u" : (v128, i32) -> v128 => total i64x2_shr_u;
                I64x2Add = "i64x2.add" : (v128, v128) -> v128 => total i64x2_add;
                I64x2Sub = "i64x2.sub" : (v128, v128) -> v128 => total i64x2_sub;
                I64x2Mul = "i64x2.mul" : (v128, v128) -> v128 => total i64x2_mul;
                I64x2ExtMulLowI32x4S = "i64x2.extmul_low_i32x4_s" : (v128, v128) -> v128 => total i64x2_extmul_low_i32x4_s;
                I64x2ExtMulHighI32x4S = "i64x2.extmul_high_i32x4_s" : (v128, v128) -> v128 => total i64x2_extmul_high_i32x4_s;
                I64x2ExtMulLowI32x4U = "i64x2.extmul_low_i32x4_u" : (v128, v128) -> v128 => total i64x2_extmul_low_i32x4_u;
                I64x2ExtMulHighI32x4U = "i64x2.extmul_high_i32x4_u" : (v128, v128) -> v128 => total i64x2_extmul_high_i32x4_u;
                F32x4Add = "f32x4.add" : (v128, v128) -> v128 => total f32x4_add;
                F32x4Sub = "f32x4.sub" : (v128, v128) -> v128 => total f32x4_sub;
                F32x4Mul = "f32x4.mul" : (v128, v128) -> v128 => total f32x4_mul;
                F32x4Div = "f32x4.div" : (v128, v128) -> v128 => total f32x4_div;
                F32x4Min = "f32x4.min" : (v128, v128) -> v128 => total f32x4_min;
                F32x4Max = "f32x4.max" : (v128, v128) -> v128 => total f32x4_max;
                F32x4PMin = "f32x4.pmin" : (v128, v128) -> v128 => total f32x4_pmin;
                F32x4PMax = "f32x4.pmax" : (v128, v128) -> v128 => total f32x4_pmax;
                F64x2Add = "f64x2.add" : (v128, v128) -> v128 => total f64x2_add;
                F64x2Sub = "f64x2.sub" : (v128, v128) -> v128 => total f64x2_sub;
                F64x2Mul = "f64x2.mul" : (v128, v128) -> v128 => total f64x2_mul;
                F64x2Div = "f64x2.div" : (v128, v128) -> v128 => total f64x2_div;
                F64x2Min = "f64x2.min" : (v128, v128) -> v128 => total f64x2_min;
                F64x2Max = "f64x2.max" : (v128, v128) -> v128 => total f64x2_max;
                F64x2PMin = "f64x2.pmin" : (v128, v128) -> v128 => total f64x2_pmin;
                F64x2PMax = "f64x2.pmax" : (v128, v128) -> v128 => total f64x2_pmax;
                I8x16RelaxedSwizzle = "i8x16.relaxed_swizzle" : (v128, v128) -> v128 => total i8x16_relaxed_swizzle;
                F32x4RelaxedMin = "f32x4.relaxed_min" : (v128, v128) -> v128 => total f32x4_relaxed_min;
                F32x4RelaxedMax = "f32x4.relaxed_max" : (v128, v128) -> v128 => total f32x4_relaxed_max;
                F64x2RelaxedMin = "f64x2.relaxed_min" : (v128, v128) -> v128 => total f64x2_relaxed_min;
                F64x2RelaxedMax = "f64x2.relaxed_max" : (v128, v128) -> v128 => total f64x2_relaxed_max;
                I16x8RelaxedQ15mulrS = "i16x8.relaxed_q15mulr_s" : (v128, v128) -> v128 => total i16x8_relaxed_q15mulr_s;
                I16x8RelaxedDotI8x16I7x16S = "i16x8.relaxed_dot_i8x16_i7x16_s" : (v128, v128) -> v128 => total i16x8_relaxed_dot_i8x16_i7x16_s;
            }

            branch_compare {
                BrI32Eq / BrI32EqAccL BrI32EqAccR / BrI32AddEq # BrI32EqImm BrI32EqAccImm = "br_if.i32.eq" : (i32) => i32_eq;
                BrI32Ne / BrI32NeAccL BrI32NeAccR / BrI32AddNe # BrI32NeImm BrI32NeAccImm = "br_if.i32.ne" : (i32) => i32_ne;
                BrI32LtS / BrI32LtSAccL BrI32LtSAccR / BrI32AddLtS # BrI32LtSImm BrI32LtSAccImm = "br_if.i32.lt_s" : (i32) => i32_lt_s;
                BrI32LtU / BrI32LtUAccL BrI32LtUAccR / BrI32AddLtU # BrI32LtUImm BrI32LtUAccImm = "br_if.i32.lt_u" : (i32) => i32_lt_u;
                BrI32GtS / BrI32GtSAccL BrI32GtSAccR / BrI32AddGtS # BrI32GtSImm BrI32GtSAccImm = "br_if.i32.gt_s" : (i32) => i32_gt_s;
                BrI32GtU / BrI32GtUAccL BrI32GtUAccR / BrI32AddGtU # BrI32GtUImm BrI32GtUAccImm = "br_if.i32.gt_u" : (i32) => i32_gt_u;
                BrI32LeS / BrI32LeSAccL BrI32LeSAccR / BrI32AddLeS # BrI32LeSImm BrI32LeSAccImm = "br_if.i32.le_s" : (i32) => i32_le_s;
                BrI32LeU / BrI32LeUAccL BrI32LeUAccR / BrI32AddLeU # BrI32LeUImm BrI32LeUAccImm = "br_if.i32.le_u" : (i32) => i32_le_u;
                BrI32GeS / BrI32GeSAccL BrI32GeSAccR / BrI32AddGeS # BrI32GeSImm BrI32GeSAccImm = "br_if.i32.ge_s" : (i32) => i32_ge_s;
                BrI32GeU / BrI32GeUAccL BrI32GeUAccR / BrI32AddGeU # BrI32GeUImm BrI32GeUAccImm = "br_if.i32.ge_u" : (i32) => i32_ge_u;
                BrI64Eq / BrI64EqAccL BrI64EqAccR / BrI64AddEq # BrI64EqImm BrI64EqAccImm = "br_if.i64.eq" : (i64) => i64_eq;
                BrI64Ne / BrI64NeAccL BrI64NeAccR / BrI64AddNe # BrI64NeImm BrI64NeAccImm = "br_if.i64.ne" : (i64) => i64_ne;
                BrI64LtS / BrI64LtSAccL BrI64LtSAccR / BrI64AddLtS # BrI64LtSImm BrI64LtSAccImm = "br_if.i64.lt_s" : (i64) => i64_lt_s;
                BrI64LtU / BrI64LtUAccL BrI64LtUAccR / BrI64AddLtU # BrI64LtUImm BrI64LtUAccImm = "br_if.i64.lt_u" : (i64) => i64_lt_u;
                BrI64GtS / BrI64GtSAccL BrI64GtSAccR / BrI64AddGtS # BrI64GtSImm BrI64GtSAccImm = "br_if.i64.gt_s" : (i64) => i64_gt_s;
                BrI64GtU / BrI64GtUAccL BrI64GtUAccR / BrI64AddGtU # BrI64GtUImm BrI64GtUAccImm = "br_if.i64.gt_u" : (i64) => i64_gt_u;
                BrI64LeS / BrI64LeSAccL BrI64LeSAccR / BrI64AddLeS # BrI64LeSImm BrI64LeSAccImm = "br_if.i64.le_s" : (i64) => i64_le_s;
                BrI64LeU / BrI64LeUAccL BrI64LeUAccR / BrI64AddLeU # BrI64LeUImm BrI64LeUAccImm = "br_if.i64.le_u" : (i64) => i64_le_u;
                BrI64GeS / BrI64GeSAccL BrI64GeSAccR / BrI64AddGeS # BrI64GeSImm BrI64GeSAccImm = "br_if.i64.ge_s" : (i64) => i64_ge_s;
                BrI64GeU / BrI64GeUAccL BrI64GeUAccR / BrI64AddGeU # BrI64GeUImm BrI64GeUAccImm = "br_if.i64.ge_u" : (i64) => i64_ge_u;
                BrF32Eq / BrF32EqAccL BrF32EqAccR = "br_if.f32.eq" : (f32) => f32_eq;
                BrF32Ne / BrF32NeAccL BrF32NeAccR = "br_if.f32.ne" : (f32) => f32_ne;
                BrF32Lt / BrF32LtAccL BrF32LtAccR = "br_if.f32.lt" : (f32) => f32_lt;
                BrF32Gt / BrF32GtAccL BrF32GtAccR = "br_if.f32.gt" : (f32) => f32_gt;
                BrF32Le / BrF32LeAccL BrF32LeAccR = "br_if.f32.le" : (f32) => f32_le;
                BrF32Ge / BrF32GeAccL BrF32GeAccR = "br_if.f32.ge" : (f32) => f32_ge;
                BrF32NotLt / BrF32NotLtAccL BrF32NotLtAccR = "br_if.f32.not_lt" : (f32) => f32_not_lt;
                BrF32NotGt / BrF32NotGtAccL BrF32NotGtAccR = "br_if.f32.not_gt" : (f32) => f32_not_gt;
                BrF32NotLe / BrF32NotLeAccL BrF32NotLeAccR = "br_if.f32.not_le" : (f32) => f32_not_le;
                BrF32NotGe / BrF32NotGeAccL BrF32NotGeAccR = "br_if.f32.not_ge" : (f32) => f32_not_ge;
                BrF64Eq / BrF64EqAccL BrF64EqAccR = "br_if.f64.eq" : (f64) => f64_eq;
                BrF64Ne / BrF64NeAccL BrF64NeAccR = "br_if.f64.ne" : (f64) => f64_ne;
                BrF64Lt / BrF64LtAccL BrF64LtAccR = "br_if.f64.lt" : (f64) => f64_lt;
                BrF64Gt / BrF64GtAccL BrF64GtAccR = "br_if.f64.gt" : (f64) => f64_gt;
                BrF64Le / BrF64LeAccL BrF64LeAccR = "br_if.f64.le" : (f64) => f64_le;
                BrF64Ge / BrF64GeAccL BrF64GeAccR = "br_if.f64.ge" : (f64) => f64_ge;
                BrF64NotLt / BrF64NotLtAccL BrF64NotLtAccR = "br_if.f64.not_lt" : (f64) => f64_not_lt;
                BrF64NotGt / BrF64NotGtAccL BrF64NotGtAccR = "br_if.f64.not_gt" : (f64) => f64_not_gt;
                BrF64NotLe / BrF64NotLeAccL BrF64NotLeAccR = "br_if.f64.not_le" : (f64) => f64_not_le;
                BrF64NotGe / BrF64NotGeAccL BrF64NotGeAccR = "br_if.f64.not_ge" : (f64) => f64_not_ge;
            }

            ternary {
                V128Bitselect = "v128.bitselect" : (v128, v128, v128) -> v128 => v128_bitselect;
                F32x4RelaxedMadd = "f32x4.relaxed_madd" : (v128, v128, v128) -> v128 => f32x4_relaxed_madd;
                F32x4RelaxedNmadd = "f32x4.relaxed_nmadd" : (v128, v128, v128) -> v128 => f32x4_relaxed_nmadd;
                F64x2RelaxedMadd = "f64x2.relaxed_madd" : (v128, v128, v128) -> v128 => f64x2_relaxed_madd;
                F64x2RelaxedNmadd = "f64x2.relaxed_nmadd" : (v128, v128, v128) -> v128 => f64x2_relaxed_nmadd;
                I8x16RelaxedLaneselect = "i8x16.relaxed_laneselect" : (v128, v128, v128) -> v128 => i8x16_relaxed_laneselect;
                I16x8RelaxedLaneselect = "i16x8.relaxed_laneselect" : (v128, v128, v128) -> v128 => i16x8_relaxed_laneselect;
                I32x4RelaxedLaneselect = "i32x4.relaxed_laneselect" : (v128, v128, v128) -> v128 => i32x4_relaxed_laneselect;
                I64x2RelaxedLaneselect = "i64x2.relaxed_laneselect" : (v128, v128, v128) -> v128 => i64x2_relaxed_laneselect;
                I32x4RelaxedDotI8x16I7x16AddS = "i32x4.relaxed_dot_i8x16_i7x16_add_s" : (v128, v128, v128) -> v128 => i32x4_relaxed_dot_i8x16_i7x16_add_s;
            }

            extract_lane {
                I8x16ExtractLaneS = "i8x16.extract_lane_s" : (v128) -> i32 => i8x16_extract_lane_s;
                I8x16ExtractLaneU = "i8x16.extract_lane_u" : (v128) -> i32 => i8x16_extract_lane_u;
                I16x8ExtractLaneS = "i16x8.extract_lane_s" : (v128) -> i32 => i16x8_extract_lane_s;
                I16x8ExtractLaneU = "i16x8.extract_lane_u" : (v128) -> i32 => i16x8_extract_lane_u;
                I32x4ExtractLane = "i32x4.extract_lane" : (v128) -> i32 => i32x4_extract_lane;
                I64x2ExtractLane = "i64x2.extract_lane" : (v128) -> i64 => i64x2_extract_lane;
                F32x4ExtractLane = "f32x4.extract_lane" : (v128) -> f32 => f32x4_extract_lane;
                F64x2ExtractLane = "f64x2.extract_lane" : (v128) -> f64 => f64x2_extract_lane;
            }

            replace_lane {
                I8x16ReplaceLane = "i8x16.replace_lane" : (v128, i32) -> v128 => i8x16_replace_lane;
                I16x8ReplaceLane = "i16x8.replace_lane" : (v128, i32) -> v128 => i16x8_replace_lane;
                I32x4ReplaceLane = "i32x4.replace_lane" : (v128, i32) -> v128 => i32x4_replace_lane;
                I64x2ReplaceLane = "i64x2.replace_lane" : (v128, i64) -> v128 => i64x2_replace_lane;
                F32x4ReplaceLane = "f32x4.replace_lane" : (v128, f32) -> v128 => f32x4_replace_lane;
                F64x2ReplaceLane = "f64x2.replace_lane" : (v128, f64) -> v128 => f64x2_replace_lane;
            }
        }
    };
}

/// Whether values of an ISA table type fit one slot, so that they can pass through the
/// accumulator.
macro_rules! is_scalar {
    (v128) => {
        false
    };
    ($ty:ident) => {
        true
    };
}
pub(crate) use is_scalar;

/// Whether ISA table type `$ty` is `f64`, whose values also pass through the float
/// accumulator.
macro_rules! is_f64 {
    (f64) => {
        true
    };
    ($ty:ident) => {
        false
    };
}

/// The accumulator forms of [`Op`] ([`Op::acc_result`], [`Op::reading_acc`] and the float
/// accumulator's): the instructions written out by name, then those of the table, in one
/// `match` per question, so that asking it of an instruction costs one jump on its opcode.
macro_rules! define_acc_forms {
    (
        ops { $($ops:tt)* }
        unary {
            $( $uname:ident $(/ $uacc:ident)? = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )*
        }
        binary {
            $( $bname:ident $(/ $bacl:ident $bacr:ident)? $(# $bimm:ident $baimm:ident)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )*
        }
        branch_compare {
            $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)?)? $(# $cimm:ident $caimm:ident)? = $cmn:literal : ($cty:ident) => $cfn:ident; )*
        }
        ternary { $($ternary:tt)* }
        extract_lane {
            $( $xname:ident = $xmn:literal : ($xin:ident) -> $xout:ident => $xfn:ident; )*
        }
        replace_lane { $($replace:tt)* }
    ) => {
        impl Op {
            /// The register whose new value this instruction also leaves in the accumulator for the
            /// next one, whose handler then finds it in a machine register instead of reading it
            /// back from the register file. Every instruction listed here ends with `next_acc!` in
            /// its handler.
            pub fn acc_result(&self) -> Option<Reg> {
                match *self {
                    Op::Copy { dst, .. }
                    | Op::CopyAcc { dst }
                    | Op::Const32 { dst, .. }
                    | Op::Const64 { dst, .. }
                    | Op::Select { dst, .. }
                    | Op::SelectAcc { dst, .. }
                    | Op::SelectAndImm { dst, .. }
                    | Op::SelectI32Eq { dst, .. }
                    | Op::SelectI32Ne { dst, .. }
                    | Op::SelectI32LtS { dst, .. }
                    | Op::SelectI32LtU { dst, .. }
                    | Op::SelectI32GtS { dst, .. }
                    | Op::SelectI32GtU { dst, .. }
                    | Op::SelectI32LeS { dst, .. }
                    | Op::SelectI32LeU { dst, .. }
                    | Op::SelectI32GeS { dst, .. }
                    | Op::SelectI32GeU { dst, .. }
                    | Op::GlobalGet { dst, .. }
                    | Op::Load32 { dst, .. }
                    | Op::Load64 { dst, .. }
                    | Op::I32Load8S { dst, .. }
                    | Op::I32Load8U { dst, .. }
                    | Op::I32Load16S { dst, .. }
                    | Op::I32Load16U { dst, .. }
                    | Op::I64Load8S { dst, .. }
                    | Op::I64Load16S { dst, .. }
                    | Op::I64Load32S { dst, .. }
                    | Op::Load32Acc { dst, .. }
                    | Op::Load64Acc { dst, .. }
                    | Op::I32Load8SAcc { dst, .. }
                    | Op::I32Load8UAcc { dst, .. }
                    | Op::I32Load16SAcc { dst, .. }
                    | Op::I32Load16UAcc { dst, .. }
                    | Op::I64Load8SAcc { dst, .. }
                    | Op::I64Load16SAcc { dst, .. }
                    | Op::I64Load32SAcc { dst, .. }
                    | Op::Load32Add { dst, .. }
                    | Op::Load64Add { dst, .. }
                    | Op::Load32AddAcc { dst, .. }
                    | Op::Load64AddAcc { dst, .. }
                    | Op::Load32Scaled { dst, .. }
                    | Op::Load64Scaled { dst, .. }
                    | Op::Load32ScaledAcc { dst, .. }
                    | Op::Load64ScaledAcc { dst, .. }
                    | Op::Load32ScaledIndexAcc { dst, .. }
                    | Op::Load64ScaledIndexAcc { dst, .. }
                    | Op::I32MulAdd { dst, .. }
                    | Op::I32AddShl { dst, .. }
                    | Op::I32AddShlAcc { dst, .. }
                    | Op::I32AddShlIndexAcc { dst, .. }
                    | Op::I32AddShlImm { dst, .. }
                    | Op::I32XorRotl { dst, .. }
                    | Op::I64MulAdd { dst, .. }
                    | Op::F32MulAdd { dst, .. }
                    | Op::F64MulAdd { dst, .. }
                    | Op::I32MulAddAcc { dst, .. }
                    | Op::I64MulAddAcc { dst, .. }
                    | Op::F32MulAddAcc { dst, .. }
                    | Op::F64MulAddAcc { dst, .. }
                    | Op::F64MulAccAcc { dst }
                    | Op::F64AddAccAcc { dst } => Some(dst),
                    $(
                        Op::$uname { dst, .. } $(| Op::$uacc { dst })? if is_scalar!($uout) => Some(dst),
                    )*
                    $(
                        Op::$bname { dst, .. } $(| Op::$bacl { dst, .. } | Op::$bacr { dst, .. })?
                            $(| Op::$bimm { dst, .. } | Op::$baimm { dst, .. })?
                            if is_scalar!($bout) => Some(dst),
                    )*
                    $( Op::$xname { dst, .. } if is_scalar!($xout) => Some(dst), )*
                    _ => None,
                }
            }

            /// Whether this instruction's [`Op::acc_result`] is also in the float accumulator, as
            /// an `f64`: for `f64` results, and for 64-bit loads, whose type the instruction does
            /// not know. Every instruction listed here ends with `next_slot64!`, or with
            /// `next_result!` of an `f64`, in its handler.
            pub fn fills_float_acc(&self) -> bool {
                match *self {
                    Op::Load64 { .. }
                    | Op::Load64Acc { .. }
                    | Op::Load64Add { .. }
                    | Op::Load64AddAcc { .. }
                    | Op::Load64Scaled { .. }
                    | Op::Load64ScaledAcc { .. }
                    | Op::Load64ScaledIndexAcc { .. }
                    | Op::F64MulAdd { .. }
                    | Op::F64MulAddAcc { .. }
                    | Op::F64MulAccAcc { .. }
                    | Op::F64AddAccAcc { .. } => true,
                    $( Op::$uname { .. } $(| Op::$uacc { .. })? => is_f64!($uout), )*
                    $(
                        Op::$bname { .. } $(| Op::$bacl { .. } | Op::$bacr { .. })?
                            $(| Op::$bimm { .. } | Op::$baimm { .. })? => is_f64!($bout),
                    )*
                    $( Op::$xname { .. } => is_f64!($xout), )*
                    _ => false,
                }
            }

            /// Whether this instruction, a [`Op::reading_acc`] form, takes its operand from the
            /// float accumulator: an `f64` operand does.
            pub fn reads_float_acc(&self) -> bool {
                match *self {
                    Op::F64MulAddAcc { .. }
                    | Op::F64MulAccAcc { .. }
                    | Op::F64AddAccAcc { .. }
                    | Op::F64AddToMemAcc { .. }
                    | Op::F64MulAddToMemAcc { .. } => true,
                    $( $( Op::$uacc { .. } => is_f64!($uin), )? )*
                    $(
                        $( Op::$bacl { .. } => is_f64!($bl), Op::$bacr { .. } => is_f64!($br), )?
                        $( Op::$baimm { .. } => is_f64!($bl), )?
                    )*
                    $( $( Op::$cacl { .. } | Op::$cacr { .. } => is_f64!($cty), )? )*
                    _ => false,
                }
            }

            /// This instruction reading register `reg` from the accumulator instead, if it has such
            /// a form. Only valid where `reg` holds the accumulator's value: right after an
            /// instruction whose [`Op::acc_result`] is `reg`, reached from it alone.
            pub fn reading_acc(&self, reg: Reg) -> Option<Op> {
                // Address sums and products commute: the accumulator takes either operand's place.
                let other = |a: Reg, b: Reg| {
                    if a == reg {
                        Some(b)
                    } else if b == reg {
                        Some(a)
                    } else {
                        None
                    }
                };
                Some(match *self {
                    Op::ReturnReg { src } if src == reg => Op::ReturnRegAcc {},
                    Op::Copy { dst, src } if src == reg => Op::CopyAcc { dst },
                    Op::Select { dst, cond, a, b } if cond == reg => Op::SelectAcc { dst, a, b },
                    Op::V128Load0 { dst, addr, end } if addr == reg => Op::V128Load0Acc { dst, end },
                    Op::Load32Add {
                        dst,
                        base,
                        index,
                        end,
                    } => Op::Load32AddAcc {
                        dst,
                        index: other(base, index)?,
                        end,
                    },
                    Op::Load64Add {
                        dst,
                        base,
                        index,
                        end,
                    } => Op::Load64AddAcc {
                        dst,
                        index: other(base, index)?,
                        end,
                    },
                    Op::V128Load0Add {
                        dst,
                        base,
                        index,
                        end,
                    } => Op::V128Load0AddAcc {
                        dst,
                        index: other(base, index)?,
                        end,
                    },
                    // The stored value may be the address's other operand too: it is read from its
                    // register, which holds the same value.
                    Op::Store32Add {
                        base,
                        index,
                        src,
                        end,
                    } => Op::Store32AddAcc {
                        index: other(base, index)?,
                        src,
                        end,
                    },
                    Op::Store64Add {
                        base,
                        index,
                        src,
                        end,
                    } => Op::Store64AddAcc {
                        index: other(base, index)?,
                        src,
                        end,
                    },
                    // A scaled address takes its base from the accumulator, or (loads and sums) its
                    // index.
                    Op::Load32Scaled {
                        dst,
                        base,
                        index,
                        shift,
                        end,
                    } if base == reg => Op::Load32ScaledAcc {
                        dst,
                        index,
                        shift,
                        end,
                    },
                    Op::Load32Scaled {
                        dst,
                        base,
                        index,
                        shift,
                        end,
                    } if index == reg => Op::Load32ScaledIndexAcc {
                        dst,
                        base,
                        shift,
                        end,
                    },
                    Op::Load64Scaled {
                        dst,
                        base,
                        index,
                        shift,
                        end,
                    } if base == reg => Op::Load64ScaledAcc {
                        dst,
                        index,
                        shift,
                        end,
                    },
                    Op::Load64Scaled {
                        dst,
                        base,
                        index,
                        shift,
                        end,
                    } if index == reg => Op::Load64ScaledIndexAcc {
                        dst,
                        base,
                        shift,
                        end,
                    },
                    Op::I32AddShl {
                        dst,
                        base,
                        index,
                        shift,
                    } if base == reg => Op::I32AddShlAcc { dst, index, shift },
                    Op::I32AddShl {
                        dst,
                        base,
                        index,
                        shift,
                    } if index == reg => Op::I32AddShlIndexAcc { dst, base, shift },
                    Op::BrTable { index, len } if index == reg => Op::BrTableAcc { len },
                    // Both operands are the accumulator's value.
                    Op::F64Mul { dst, lhs, rhs } if lhs == reg && rhs == reg => Op::F64MulAccAcc { dst },
                    Op::F64Add { dst, lhs, rhs } if lhs == reg && rhs == reg => Op::F64AddAccAcc { dst },
                    Op::V128Load0Scaled {
                        dst,
                        base,
                        index,
                        shift,
                        end,
                    } if base == reg => Op::V128Load0ScaledAcc {
                        dst,
                        index,
                        shift,
                        end,
                    },
                    Op::Store32Scaled {
                        base,
                        index,
                        src,
                        shift,
                        end,
                    } if base == reg => Op::Store32ScaledAcc {
                        index,
                        src,
                        shift,
                        end,
                    },
                    Op::Store64Scaled {
                        base,
                        index,
                        src,
                        shift,
                        end,
                    } if base == reg => Op::Store64ScaledAcc {
                        index,
                        src,
                        shift,
                        end,
                    },
                    Op::I32MulAdd { dst, a, b, c } => Op::I32MulAddAcc {
                        dst,
                        b: other(a, b)?,
                        c,
                    },
                    Op::I64MulAdd { dst, a, b, c } => Op::I64MulAddAcc {
                        dst,
                        b: other(a, b)?,
                        c,
                    },
                    Op::F32MulAdd { dst, a, b, c } => Op::F32MulAddAcc {
                        dst,
                        b: other(a, b)?,
                        c,
                    },
                    Op::F64MulAdd { dst, a, b, c } => Op::F64MulAddAcc {
                        dst,
                        b: other(a, b)?,
                        c,
                    },
                    Op::BrIfNez { cond, offset } if cond == reg => Op::BrIfNezAcc { offset },
                    Op::BrIfEqz { cond, offset } if cond == reg => Op::BrIfEqzAcc { offset },
                    Op::Load32 { dst, addr, end } if addr == reg => Op::Load32Acc { dst, end },
                    Op::Load64 { dst, addr, end } if addr == reg => Op::Load64Acc { dst, end },
                    Op::I32Load8S { dst, addr, end } if addr == reg => Op::I32Load8SAcc { dst, end },
                    Op::I32Load8U { dst, addr, end } if addr == reg => Op::I32Load8UAcc { dst, end },
                    Op::I32Load16S { dst, addr, end } if addr == reg => Op::I32Load16SAcc { dst, end },
                    Op::I32Load16U { dst, addr, end } if addr == reg => Op::I32Load16UAcc { dst, end },
                    Op::I64Load8S { dst, addr, end } if addr == reg => Op::I64Load8SAcc { dst, end },
                    Op::I64Load16S { dst, addr, end } if addr == reg => Op::I64Load16SAcc { dst, end },
                    Op::I64Load32S { dst, addr, end } if addr == reg => Op::I64Load32SAcc { dst, end },
                    Op::Store8 { addr, src, end } if src == reg => Op::Store8Acc { addr, end },
                    Op::Store16 { addr, src, end } if src == reg => Op::Store16Acc { addr, end },
                    Op::Store32 { addr, src, end } if src == reg => Op::Store32Acc { addr, end },
                    Op::Store64 { addr, src, end } if src == reg => Op::Store64Acc { addr, end },
                    // An addition to memory adds the accumulator instead of register `reg` if it
                    // adds `reg`, but not if the load it stands for overwrites `reg` first.
                    Op::I32AddToMem { addr, src, loaded, dst, end } if src == reg && loaded != reg => {
                        Op::I32AddToMemAcc { addr, loaded, dst, end }
                    }
                    Op::I64AddToMem { addr, src, loaded, dst, end } if src == reg && loaded != reg => {
                        Op::I64AddToMemAcc { addr, loaded, dst, end }
                    }
                    Op::F32AddToMem { addr, src, loaded, dst, end } if src == reg && loaded != reg => {
                        Op::F32AddToMemAcc { addr, loaded, dst, end }
                    }
                    Op::F64AddToMem { addr, src, loaded, dst, end } if src == reg && loaded != reg => {
                        Op::F64AddToMemAcc { addr, loaded, dst, end }
                    }
                    $( $( Op::$uname { dst, src } if src == reg => Op::$uacc { dst }, )? )*
                    $(
                        $(
                            Op::$bname { dst, lhs, rhs } if lhs == reg => Op::$bacl { dst, rhs },
                            Op::$bname { dst, lhs, rhs } if rhs == reg => Op::$bacr { dst, lhs },
                        )?
                        $( Op::$bimm { dst, lhs, imm } if lhs == reg => Op::$baimm { dst, imm }, )?
                    )*
                    $(
                        $(
                            Op::$cname { lhs, rhs, offset } if lhs == reg => Op::$cacl { rhs, offset },
                            Op::$cname { lhs, rhs, offset } if rhs == reg => Op::$cacr { lhs, offset },
                        )?
                        $( Op::$cimm { lhs, imm, offset } if lhs == reg => Op::$caimm { imm, offset }, )?
                    )*
                    _ => return None,
                })
            }
        }
    };
}

for_each_op!(define_acc_forms);

/// Whether a numeric operator of the table, of kind `total` or `trapping`, cannot trap.
macro_rules! is_total {
    (total) => {
        true
    };
    (trapping) => {
        false
    };
}

/// [`Op::only_writes_result`], from the table.
macro_rules! define_only_writes_result {
    (
        ops { $($ops:tt)* }
        unary {
            $( $uname:ident $(/ $uacc:ident)? = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )*
        }
        binary {
            $( $bname:ident $(/ $bacl:ident $bacr:ident)? $(# $bimm:ident $baimm:ident)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )*
        }
        $($rest:tt)*
    ) => {
        impl Op {
            /// Whether all this instruction does is compute its result into its register from
            /// registers and constants: it cannot trap, branch, read the accumulator or touch
            /// anything but that register. A fuel charge just after it may move just before
            /// it: whether the charge traps or not, nothing else can tell the difference.
            pub fn only_writes_result(&self) -> bool {
                match *self {
                    Op::Copy { .. } | Op::Const32 { .. } | Op::Const64 { .. } => true,
                    $( Op::$uname { .. } => is_total!($ukind), )*
                    $( Op::$bname { .. } $(| Op::$bimm { .. })? => is_total!($bkind), )*
                    _ => false,
                }
            }
        }
    };
}

for_each_op!(define_only_writes_result);

macro_rules! define_ops {
    (
        ops {
            $(
                $(#[doc = $doc:literal])*
                $name:ident { $($field:ident : $fty:ty),* } $(-> $dst:ident)? = $mnemonic:literal;
            )*
        }
        unary {
            $( $uname:ident $(/ $uacc:ident)? = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )*
        }
        binary {
            $( $bname:ident $(/ $bacl:ident $bacr:ident)? $(# $bimm:ident $baimm:ident)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )*
        }
        branch_compare {
            $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)?)? $(# $cimm:ident $caimm:ident)? = $cmn:literal : ($cty:ident) => $cfn:ident; )*
        }
        ternary {
            $( $tname:ident = $tmn:literal : ($ta:ident, $tb:ident, $tc:ident) -> $tout:ident => $tfn:ident; )*
        }
        extract_lane {
            $( $xname:ident = $xmn:literal : ($xin:ident) -> $xout:ident => $xfn:ident; )*
        }
        replace_lane {
            $( $rname:ident = $rmn:literal : ($rin:ident, $rx:ident) -> $rout:ident => $rfn:ident; )*
        }
    ) => {
        /// One bytecode instruction.
        ///
        /// `repr(u16)` puts the opcode, the variant's index in the table, in the first two
        /// bytes, where the threaded executor reads it to find the handler.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[repr(u16)]
        pub enum Op {
            $(
                $(#[doc = $doc])*
                $name { $(#[allow(missing_docs)] $field: $fty),* },
            )*
            $(
                #[doc = concat!("`", $umn, "`")]
                $uname {
                    /// Result register.
                    dst: Reg,
                    /// Operand register.
                    src: Reg,
                },
                $(
                    #[doc = concat!("`", $umn, "` of the accumulator")]
                    $uacc {
                        /// Result register.
                        dst: Reg,
                    },
                )?
            )*
            $(
                #[doc = concat!("`", $bmn, "`")]
                $bname {
                    /// Result register.
                    dst: Reg,
                    /// Left operand register.
                    lhs: Reg,
                    /// Right operand register.
                    rhs: Reg,
                },
                $(
                    #[doc = concat!("`", $bmn, "` with the accumulator on the left")]
                    $bacl {
                        /// Result register.
                        dst: Reg,
                        /// Right operand register.
                        rhs: Reg,
                    },
                    #[doc = concat!("`", $bmn, "` with the accumulator on the right")]
                    $bacr {
                        /// Result register.
                        dst: Reg,
                        /// Left operand register.
                        lhs: Reg,
                    },
                )?
                $(
                    #[doc = concat!("`", $bmn, "` of a register and a constant")]
                    $bimm {
                        /// Result register.
                        dst: Reg,
                        /// Left operand register.
                        lhs: Reg,
                        /// The right operand ([`Immediate`]).
                        imm: u32,
                    },
                    #[doc = concat!("`", $bmn, "` of the accumulator and a constant")]
                    $baimm {
                        /// Result register.
                        dst: Reg,
                        /// The right operand ([`Immediate`]).
                        imm: u32,
                    },
                )?
            )*
            $(
                #[doc = concat!("`", $tmn, "`")]
                $tname {
                    /// Result register.
                    dst: Reg,
                    /// First operand register.
                    a: Reg,
                    /// Second operand register.
                    b: Reg,
                    /// Third operand register.
                    c: Reg,
                },
            )*
            $(
                #[doc = concat!("`", $xmn, "`")]
                $xname {
                    /// Result register.
                    dst: Reg,
                    /// The vector.
                    src: Reg,
                    /// The lane.
                    lane: u8,
                },
            )*
            $(
                #[doc = concat!("`", $rmn, "`")]
                $rname {
                    /// Result register.
                    dst: Reg,
                    /// The vector.
                    src: Reg,
                    /// The new lane value.
                    x: Reg,
                    /// The lane.
                    lane: u8,
                },
            )*
            $(
                #[doc = concat!("`", $cmn, "`: jumps by `offset` if the comparison holds.")]
                $cname {
                    /// Left operand register.
                    lhs: Reg,
                    /// Right operand register.
                    rhs: Reg,
                    /// Branch offset.
                    offset: i32,
                },
                $(
                    #[doc = concat!("`", $cmn, "` with the accumulator on the left")]
                    $cacl {
                        /// Right operand register.
                        rhs: Reg,
                        /// Branch offset.
                        offset: i32,
                    },
                    #[doc = concat!("`", $cmn, "` with the accumulator on the right")]
                    $cacr {
                        /// Left operand register.
                        lhs: Reg,
                        /// Branch offset.
                        offset: i32,
                    },
                    $(
                        #[doc = concat!("A loop step: `add` into `dst`, then `", $cmn, "` of the sum and `limit`.")]
                        $cstep {
                            /// Result register.
                            dst: Reg,
                            /// Left summand register.
                            lhs: Reg,
                            /// Right summand register.
                            rhs: Reg,
                            /// Register the sum is compared with.
                            limit: Reg,
                            /// Branch offset.
                            offset: i32,
                        },
                    )?
                )?
                $(
                    #[doc = concat!("`", $cmn, "` of a register and a constant")]
                    $cimm {
                        /// Left operand register.
                        lhs: Reg,
                        /// The right operand ([`Immediate`]).
                        imm: u32,
                        /// Branch offset.
                        offset: i32,
                    },
                    #[doc = concat!("`", $cmn, "` of the accumulator and a constant")]
                    $caimm {
                        /// The right operand ([`Immediate`]).
                        imm: u32,
                        /// Branch offset.
                        offset: i32,
                    },
                )?
            )*
        }

        impl Op {
            /// The instruction's mnemonic.
            pub fn mnemonic(&self) -> &'static str {
                match self {
                    $( Op::$name { .. } => $mnemonic, )*
                    $( Op::$uname { .. } $(| Op::$uacc { .. })? => $umn, )*
                    $( Op::$bname { .. } $(| Op::$bacl { .. } | Op::$bacr { .. })? $(| Op::$bimm { .. } | Op::$baimm { .. })? => $bmn, )*
                    $( Op::$cname { .. } $(| Op::$cacl { .. } | Op::$cacr { .. })? $(| Op::$cimm { .. } | Op::$caimm { .. })? => $cmn, )*
                    $( $( $( Op::$cstep { .. } => concat!("add.", $cmn), )? )? )*
                    $( Op::$tname { .. } => $tmn, )*
                    $( Op::$xname { .. } => $xmn, )*
                    $( Op::$rname { .. } => $rmn, )*
                }
            }

            /// Whether this instruction jumps by an offset ([`Op::branch_offset_mut`]). A
            /// test of the discriminant against a table, where the accessor's `match` is an
            /// indirect jump: passes over whole functions ask this of every instruction.
            #[inline]
            pub fn has_branch_offset(&self) -> bool {
                matches!(
                    self,
                    Op::Br { .. } | Op::BrFuel { .. } | Op::CopyBr { .. } | Op::CopyBrAcc { .. }
                        | Op::BrIfNez { .. } | Op::BrIfEqz { .. }
                        | Op::BrIfNezAcc { .. } | Op::BrIfEqzAcc { .. }
                        | Op::BrI32AddNez { .. } | Op::BrI32AddEqz { .. }
                        $(
                            | Op::$cname { .. }
                            $(| Op::$cacl { .. } | Op::$cacr { .. } $(| Op::$cstep { .. })?)?
                            $(| Op::$cimm { .. } | Op::$caimm { .. })?
                        )*
                )
            }

            /// The branch offset, for the translator to patch.
            #[inline]
            pub fn branch_offset_mut(&mut self) -> Option<&mut i32> {
                if !self.has_branch_offset() {
                    return None;
                }
                match self {
                    Op::Br { offset } | Op::BrFuel { offset, .. } => Some(offset),
                    Op::CopyBr { offset, .. } | Op::CopyBrAcc { offset, .. } => Some(offset),
                    Op::BrIfNez { offset, .. } | Op::BrIfEqz { offset, .. } => Some(offset),
                    Op::BrIfNezAcc { offset } | Op::BrIfEqzAcc { offset } => Some(offset),
                    Op::BrI32AddNez { offset, .. } | Op::BrI32AddEqz { offset, .. } => Some(offset),
                    $(
                        Op::$cname { offset, .. }
                        $(| Op::$cacl { offset, .. } | Op::$cacr { offset, .. } $(| Op::$cstep { offset, .. })?)?
                        $(| Op::$cimm { offset, .. } | Op::$caimm { offset, .. })?
                            => Some(offset),
                    )*
                    _ => None,
                }
            }

            /// Calls `f` on every register operand, for the translator to renumber them.
            pub fn for_each_reg_mut(&mut self, mut f: impl FnMut(&mut Reg)) {
                match self {
                    $( Op::$name { $($field),* } => { $( RegOperand::visit($field, &mut f); )* } )*
                    $( Op::$uname { dst, src } => { f(dst); f(src); } $( Op::$uacc { dst } => f(dst), )? )*
                    $(
                        Op::$bname { dst, lhs, rhs } => { f(dst); f(lhs); f(rhs); }
                        $(
                            Op::$bacl { dst, rhs: other } | Op::$bacr { dst, lhs: other } => { f(dst); f(other); }
                        )?
                        $(
                            Op::$bimm { dst, lhs, .. } => { f(dst); f(lhs); }
                            Op::$baimm { dst, .. } => f(dst),
                        )?
                    )*
                    $( Op::$tname { dst, a, b, c } => { f(dst); f(a); f(b); f(c); } )*
                    $( Op::$xname { dst, src, .. } => { f(dst); f(src); } )*
                    $( Op::$rname { dst, src, x, .. } => { f(dst); f(src); f(x); } )*
                    $(
                        Op::$cname { lhs, rhs, .. } => { f(lhs); f(rhs); }
                        $(
                            Op::$cacl { rhs: other, .. } | Op::$cacr { lhs: other, .. } => f(other),
                            $( Op::$cstep { dst, lhs, rhs, limit, .. } => { f(dst); f(lhs); f(rhs); f(limit); } )?
                        )?
                        $(
                            Op::$cimm { lhs, .. } => f(lhs),
                            Op::$caimm { .. } => {}
                        )?
                    )*
                }
            }

            /// The register this instruction writes its single result to, if it has one;
            /// the translator retargets it on a following `local.set`.
            pub fn result_mut(&mut self) -> Option<&mut Reg> {
                match self {
                    $( $( Op::$name { $dst: d, .. } => Some(d), )? )*
                    $( Op::$uname { dst, .. } $(| Op::$uacc { dst })? => Some(dst), )*
                    $( Op::$bname { dst, .. } $(| Op::$bacl { dst, .. } | Op::$bacr { dst, .. })? $(| Op::$bimm { dst, .. } | Op::$baimm { dst, .. })? => Some(dst), )*
                    $( Op::$tname { dst, .. } => Some(dst), )*
                    $( Op::$xname { dst, .. } => Some(dst), )*
                    $( Op::$rname { dst, .. } => Some(dst), )*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }

        impl fmt::Display for Op {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(
                        Op::$name { $($field),* } => {
                            f.write_str($mnemonic)?;
                            $( write!(f, " {}={}", stringify!($field), DisplayOperand($field))?; )*
                            Ok(())
                        }
                    )*
                    $(
                        Op::$uname { dst, src } => write!(f, "{} {dst}, {src}", $umn),
                        $( Op::$uacc { dst } => write!(f, "{} {dst}, acc", $umn), )?
                    )*
                    $(
                        Op::$bname { dst, lhs, rhs } => write!(f, "{} {dst}, {lhs}, {rhs}", $bmn),
                        $(
                            Op::$bacl { dst, rhs } => write!(f, "{} {dst}, acc, {rhs}", $bmn),
                            Op::$bacr { dst, lhs } => write!(f, "{} {dst}, {lhs}, acc", $bmn),
                        )?
                        $(
                            Op::$bimm { dst, lhs, imm } => write!(f, "{} {dst}, {lhs}, #{}", $bmn, *imm as i32),
                            Op::$baimm { dst, imm } => write!(f, "{} {dst}, acc, #{}", $bmn, *imm as i32),
                        )?
                    )*
                    $(
                        Op::$cname { lhs, rhs, offset } => write!(f, "{} {lhs}, {rhs}, offset={offset}", $cmn),
                        $(
                            Op::$cacl { rhs, offset } => write!(f, "{} acc, {rhs}, offset={offset}", $cmn),
                            Op::$cacr { lhs, offset } => write!(f, "{} {lhs}, acc, offset={offset}", $cmn),
                            $(
                                Op::$cstep { dst, lhs, rhs, limit, offset } => write!(
                                    f,
                                    "add.{} {dst}, {lhs}, {rhs}, {limit}, offset={offset}",
                                    $cmn
                                ),
                            )?
                        )?
                        $(
                            Op::$cimm { lhs, imm, offset } => write!(f, "{} {lhs}, #{}, offset={offset}", $cmn, *imm as i32),
                            Op::$caimm { imm, offset } => write!(f, "{} acc, #{}, offset={offset}", $cmn, *imm as i32),
                        )?
                    )*
                    $( Op::$tname { dst, a, b, c } => write!(f, "{} {dst}, {a}, {b}, {c}", $tmn), )*
                    $( Op::$xname { dst, src, lane } => write!(f, "{} {dst}, {src}, lane={lane}", $xmn), )*
                    $( Op::$rname { dst, src, x, lane } => write!(f, "{} {dst}, {src}, {x}, lane={lane}", $rmn), )*
                }
            }
        }
    };
}

for_each_op!(define_ops);

/// [`Op::with_immediate`], from the table. Its rows are read with the immediate forms
/// nested in the accumulator forms (every row with the one has the other), so that a form
/// reading the accumulator finds its immediate twin.
macro_rules! define_immediate_forms {
    (
        ops { $($ops:tt)* }
        unary { $($unary:tt)* }
        binary {
            $( $bname:ident $(/ $bacl:ident $bacr:ident $(# $bimm:ident $baimm:ident)?)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )*
        }
        branch_compare {
            $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)? $(# $cimm:ident $caimm:ident)?)? = $cmn:literal : ($cty:ident) => $cfn:ident; )*
        }
        $($rest:tt)*
    ) => {
        impl Op {
            /// This instruction with its right operand, a register holding a constant, as an
            /// immediate instead, if it has such a form and the constant fits it.
            /// `constant` gives the value of a register that holds a constant.
            pub fn with_immediate(&self, constant: impl Fn(Reg) -> Option<u64>) -> Option<Op> {
                Some(match *self {
                    $($($(
                        Op::$bname { dst, lhs, rhs } => Op::$bimm {
                            dst,
                            lhs,
                            imm: <$br as Immediate>::to_imm(constant(rhs)?)?,
                        },
                        Op::$bacl { dst, rhs } => Op::$baimm {
                            dst,
                            imm: <$br as Immediate>::to_imm(constant(rhs)?)?,
                        },
                    )?)?)*
                    $($($(
                        Op::$cname { lhs, rhs, offset } => Op::$cimm {
                            lhs,
                            imm: <$cty as Immediate>::to_imm(constant(rhs)?)?,
                            offset,
                        },
                        Op::$cacl { rhs, offset } => Op::$caimm {
                            imm: <$cty as Immediate>::to_imm(constant(rhs)?)?,
                            offset,
                        },
                    )?)?)*
                    _ => return None,
                })
            }
        }
    };
}

for_each_op!(define_immediate_forms);

/// An operand field of an instruction: [`Op::for_each_reg_mut`] visits the registers among them.
trait RegOperand {
    fn visit(&mut self, _f: &mut impl FnMut(&mut Reg)) {}
}

impl RegOperand for Reg {
    fn visit(&mut self, f: &mut impl FnMut(&mut Reg)) {
        f(self)
    }
}

impl RegOperand for u8 {}
impl RegOperand for u16 {}
impl RegOperand for u32 {}
impl RegOperand for u64 {}
impl RegOperand for i16 {}
impl RegOperand for i32 {}
impl RegOperand for MemAccess {}
impl RegOperand for WidthAccess {}
impl RegOperand for V128Access {}
impl RegOperand for RmwOp {}
impl RegOperand for NanLanes {}
impl RegOperand for FieldAccess {}
impl RegOperand for CastTarget {}

/// Formats any operand kind in the disassembly.
struct DisplayOperand<'a, T>(&'a T);

impl<T: fmt::Debug> fmt::Display for DisplayOperand<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_stay_compact() {
        assert!(
            std::mem::size_of::<Op>() <= 16,
            "Op grew to {} bytes",
            std::mem::size_of::<Op>()
        );
    }

    #[test]
    fn disassembly_names_operands() {
        let op = Op::I32Add {
            dst: Reg(2),
            lhs: Reg(0),
            rhs: Reg(1),
        };
        assert_eq!(op.to_string(), "i32.add r2, r0, r1");
        assert_eq!(Op::Br { offset: -3 }.to_string(), "br offset=-3");
    }
}
