//! The `v128` operators of the SIMD and relaxed-SIMD proposals, as Cranelift vector code.
//!
//! A `v128` is an `i8x16` ([`V128`]) wherever it is kept: in locals, block parameters and
//! results, and on the operand stack. Each operator bitcasts its operands to the lane shape
//! it works on (`i16x8`, `f32x4`, ...) and its result back; the bitcasts use little-endian
//! lane order, the order of a vector's bytes in memory and in the interpreter's `u128`, and
//! cost nothing in generated code. Keeping one type means that values meeting at a block
//! boundary, in a local or in `select` never disagree about their type.
//!
//! Results are bit-identical to the interpreter's (`tandem_interp::exec::simd`), NaN
//! payloads included, on the same host. Most operators map to one Cranelift instruction
//! with the same semantics; float arithmetic runs the same hardware instructions the
//! interpreter's lane loops compile to, so NaNs propagate the same way. (One choice there is
//! LLVM's rather than the interpreter's: which NaN `add` and `mul` return when both lanes are
//! NaN. Compiled code makes the choice of the optimized interpreter build; see
//! [`FuncTranslator::simd_float`].) Where Cranelift's semantics leave the interpreter's result
//! open, the lowering spells it out:
//!
//! - `min` and `max`: Cranelift's vector `fmin`/`fmax` order -0 below +0 as wasm does, but
//!   the NaN they return for a NaN operand is not the positive canonical NaN the interpreter
//!   returns, so those lanes are replaced; on x86 the other lanes come from the hardware's
//!   `minps`/`maxps` directly (see [`FuncTranslator::float_min_max`]).
//! - `pmin` and `pmax`: a comparison and a `bitselect`, so the chosen lane keeps its exact
//!   bits.
//! - The relaxed operators take the interpreter's one fixed behaviour: `relaxed_swizzle` is
//!   `swizzle`, `relaxed_trunc*` are the saturating conversions, `relaxed_laneselect` is
//!   `bitselect`, `relaxed_min`/`relaxed_max` are `min`/`max`, `relaxed_q15mulr_s` is
//!   `q15mulr_sat_s`, `relaxed_madd`/`relaxed_nmadd` are fused (`fma(a, b, c)` and
//!   `fma(-a, b, c)`, rounded once), and the relaxed dot products treat both operands as
//!   signed and add pairs of 16-bit products with wrap-around.
//!
//! With [`crate::JitOptions::canonicalize_nans`], the float operators the interpreter
//! canonicalizes (arithmetic, `min`/`max`, `pmin`/`pmax`, rounding, `demote`/`promote` and
//! the relaxed float operators) replace each NaN lane of their result with the canonical
//! NaN, as the interpreter's `CanonicalizeNan` does.
//!
//! Memory operators are bounds-checked as the scalar ones are (see [`super::memory`]: an
//! explicit comparison with the length, or a trap site with guard pages), for the size of
//! the bytes they access: 16 for `v128.load`/`v128.store`, 8 for the extending loads, the
//! lane's size for splats, zero-extending loads and lane accesses.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_codegen::ir::{immediates::Uimm8, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

use super::memory::HeapAccess;
use super::{FuncTranslator, Result};

/// The type a `v128` is kept in between operators.
pub(crate) const V128: Type = types::I8X16;

/// Flags of `v128` loads and stores of value slots and global cells: little-endian (the low
/// half in the first slot) and valid, but only 8-byte aligned, so not `aligned` (which would
/// promise 16 bytes for a vector).
pub(crate) fn slot_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

/// The lane order of bitcasts between vector shapes: little-endian, as in memory.
fn lane_order() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// `x` repeated in every lane of `bits` bits of a 128-bit vector.
const fn repeat(x: u128, bits: u32) -> u128 {
    let mut r = 0u128;
    let mut i = 0;
    while i < 128 {
        r |= x << i;
        i += bits;
    }
    r
}

/// The integer shape with the lanes of float shape `ty`.
fn int_shape(ty: Type) -> Type {
    if ty == types::F32X4 {
        types::I32X4
    } else {
        types::I64X2
    }
}

/// The bits of a vector of float shape `ty` with every lane the canonical NaN (positive,
/// quiet, no payload), the NaN the interpreter's `min`/`max` and NaN canonicalization
/// produce.
fn canonical_nans(ty: Type) -> u128 {
    if ty == types::F32X4 {
        repeat(0x7fc0_0000, 32)
    } else {
        repeat(0x7ff8_0000_0000_0000, 64)
    }
}

/// The bits of a vector of float shape `ty` with only the sign bit of every lane set.
fn sign_bits(ty: Type) -> u128 {
    if ty == types::F32X4 {
        repeat(0x8000_0000, 32)
    } else {
        repeat(0x8000_0000_0000_0000, 64)
    }
}

/// The float shape whose lanes `op` canonicalizes under `canonicalize_nans`: the same list
/// as the interpreter's NaN canonicalization (float arithmetic whose NaN results the spec
/// leaves open; bitwise operators such as `neg` and the conversions from integers are not
/// on it).
fn canonicalized_lanes(op: &Operator<'_>) -> Option<Type> {
    use Operator::*;
    match op {
        F32x4Add | F32x4Sub | F32x4Mul | F32x4Div | F32x4Sqrt | F32x4Min | F32x4Max | F32x4PMin
        | F32x4PMax | F32x4Ceil | F32x4Floor | F32x4Trunc | F32x4Nearest | F32x4RelaxedMadd
        | F32x4RelaxedNmadd | F32x4RelaxedMin | F32x4RelaxedMax | F32x4DemoteF64x2Zero => {
            Some(types::F32X4)
        }
        F64x2Add | F64x2Sub | F64x2Mul | F64x2Div | F64x2Sqrt | F64x2Min | F64x2Max | F64x2PMin
        | F64x2PMax | F64x2Ceil | F64x2Floor | F64x2Trunc | F64x2Nearest | F64x2RelaxedMadd
        | F64x2RelaxedNmadd | F64x2RelaxedMin | F64x2RelaxedMax | F64x2PromoteLowF32x4 => {
            Some(types::F64X2)
        }
        _ => None,
    }
}

/// How a `v128` load fills the vector from the bytes it reads.
#[derive(Clone, Copy)]
enum VLoad {
    /// 16 bytes as they are.
    Whole,
    /// 8 bytes, each lane of `half` widened to the lanes of the result, sign- or
    /// zero-extended.
    Extend { half: Type, signed: bool },
    /// One lane's bytes, in every lane of the given shape.
    Splat(Type),
    /// One lane's bytes in lane 0 of the given shape, the other lanes zero.
    Zero(Type),
}

impl<'f> FuncTranslator<'_, 'f> {
    /// Translates `op` if it is a SIMD or relaxed-SIMD operator; `false` if it is not one.
    pub(super) fn simd_op(&mut self, op: &Operator<'_>) -> Result<bool> {
        if self.simd_memory(op)? || self.simd_lanes(op) || self.simd_integer(op) {
            return Ok(true);
        }
        if !self.simd_float(op) {
            return Ok(false);
        }
        if self.env.options.canonicalize_nans
            && let Some(ty) = canonicalized_lanes(op)
        {
            self.canonicalize_v128_nans(ty);
        }
        Ok(true)
    }

    // ---- shapes and constants ----

    /// A vector constant of shape `ty` with the little-endian bits `bits`.
    fn vconst(&mut self, ty: Type, bits: u128) -> Value {
        let data = ConstantData::from(bits.to_le_bytes().as_slice());
        let handle = self.b.func.dfg.constants.insert(data);
        self.b.ins().vconst(ty, handle)
    }

    /// A `v128` constant with the little-endian bits `bits`.
    pub(crate) fn v128_const(&mut self, bits: u128) -> Value {
        self.vconst(V128, bits)
    }

    /// Vector `value` viewed as shape `ty`.
    fn cast(&mut self, ty: Type, value: Value) -> Value {
        if self.value_type(value) == ty {
            value
        } else {
            self.b.ins().bitcast(ty, lane_order(), value)
        }
    }

    /// Pops a `v128` viewed as shape `ty`.
    fn pop_as(&mut self, ty: Type) -> Value {
        let value = self.pop();
        self.cast(ty, value)
    }

    /// Pushes a vector of any shape as a `v128`.
    fn push_v128(&mut self, value: Value) {
        let value = self.cast(V128, value);
        self.push(value);
    }

    fn v_unary(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value) {
        let x = self.pop_as(ty);
        let value = f(&mut self.b, x);
        self.push_v128(value);
    }

    fn v_binary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value,
    ) {
        let y = self.pop_as(ty);
        let x = self.pop_as(ty);
        let value = f(&mut self.b, x, y);
        self.push_v128(value);
    }

    fn v_ternary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value, Value) -> Value,
    ) {
        let z = self.pop_as(ty);
        let y = self.pop_as(ty);
        let x = self.pop_as(ty);
        let value = f(&mut self.b, x, y, z);
        self.push_v128(value);
    }

    /// A lane-wise integer comparison of shape `ty`: all ones where it holds, else zeros.
    fn v_icmp(&mut self, ty: Type, cc: IntCC) {
        self.v_binary(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    /// A lane-wise float comparison of shape `ty` (its result has the integer shape).
    fn v_fcmp(&mut self, ty: Type, cc: FloatCC) {
        self.v_binary(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// A reduction of a `v128` of shape `ty` to an `i8` flag, pushed as an `i32`.
    fn v_test(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value) {
        let x = self.pop_as(ty);
        let flag = f(&mut self.b, x);
        let value = self.b.ins().uextend(types::I32, flag);
        self.push(value);
    }

    /// A shift of the lanes of shape `ty` by the `i32` operand; Cranelift takes vector shift
    /// amounts modulo the lane width, as wasm does.
    fn v_shift(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value,
    ) {
        let amount = self.pop();
        let x = self.pop_as(ty);
        let value = f(&mut self.b, x, amount);
        self.push_v128(value);
    }

    // ---- memory ----

    /// Translates `op` if it is a `v128` memory operator.
    fn simd_memory(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator::*;
        use types::{I8, I8X16, I16, I16X8, I32, I32X4, I64, I64X2};
        let extend = |half, signed| VLoad::Extend { half, signed };
        match *op {
            V128Load { memarg } => self.v128_load(&memarg, VLoad::Whole)?,
            V128Load8x8S { memarg } => self.v128_load(&memarg, extend(I8X16, true))?,
            V128Load8x8U { memarg } => self.v128_load(&memarg, extend(I8X16, false))?,
            V128Load16x4S { memarg } => self.v128_load(&memarg, extend(I16X8, true))?,
            V128Load16x4U { memarg } => self.v128_load(&memarg, extend(I16X8, false))?,
            V128Load32x2S { memarg } => self.v128_load(&memarg, extend(I32X4, true))?,
            V128Load32x2U { memarg } => self.v128_load(&memarg, extend(I32X4, false))?,
            V128Load8Splat { memarg } => self.v128_load(&memarg, VLoad::Splat(I8X16))?,
            V128Load16Splat { memarg } => self.v128_load(&memarg, VLoad::Splat(I16X8))?,
            V128Load32Splat { memarg } => self.v128_load(&memarg, VLoad::Splat(I32X4))?,
            V128Load64Splat { memarg } => self.v128_load(&memarg, VLoad::Splat(I64X2))?,
            V128Load32Zero { memarg } => self.v128_load(&memarg, VLoad::Zero(I32X4))?,
            V128Load64Zero { memarg } => self.v128_load(&memarg, VLoad::Zero(I64X2))?,
            V128Store { memarg } => {
                let value = self.pop_as(V128);
                let HeapAccess {
                    address,
                    offset,
                    flags,
                } = self.heap_access(&memarg, 16)?;
                self.b.ins().store(flags, value, address, offset);
            }
            V128Load8Lane { memarg, lane } => self.load_lane(&memarg, I8X16, I8, lane)?,
            V128Load16Lane { memarg, lane } => self.load_lane(&memarg, I16X8, I16, lane)?,
            V128Load32Lane { memarg, lane } => self.load_lane(&memarg, I32X4, I32, lane)?,
            V128Load64Lane { memarg, lane } => self.load_lane(&memarg, I64X2, I64, lane)?,
            V128Store8Lane { memarg, lane } => self.store_lane(&memarg, I8X16, lane)?,
            V128Store16Lane { memarg, lane } => self.store_lane(&memarg, I16X8, lane)?,
            V128Store32Lane { memarg, lane } => self.store_lane(&memarg, I32X4, lane)?,
            V128Store64Lane { memarg, lane } => self.store_lane(&memarg, I64X2, lane)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn v128_load(&mut self, memarg: &MemArg, kind: VLoad) -> Result<()> {
        let size = match kind {
            VLoad::Whole => 16,
            VLoad::Extend { .. } => 8,
            VLoad::Splat(shape) | VLoad::Zero(shape) => u64::from(shape.lane_type().bytes()),
        };
        let HeapAccess {
            address,
            offset,
            flags,
        } = self.heap_access(memarg, size)?;
        let ins = self.b.ins();
        let value = match kind {
            VLoad::Whole => ins.load(V128, flags, address, offset),
            VLoad::Extend { half, signed } => match (half, signed) {
                (types::I8X16, true) => ins.sload8x8(flags, address, offset),
                (types::I8X16, false) => ins.uload8x8(flags, address, offset),
                (types::I16X8, true) => ins.sload16x4(flags, address, offset),
                (types::I16X8, false) => ins.uload16x4(flags, address, offset),
                (_, true) => ins.sload32x2(flags, address, offset),
                (_, false) => ins.uload32x2(flags, address, offset),
            },
            VLoad::Splat(shape) => {
                let lane = ins.load(shape.lane_type(), flags, address, offset);
                self.b.ins().splat(shape, lane)
            }
            VLoad::Zero(shape) => {
                let lane = ins.load(shape.lane_type(), flags, address, offset);
                self.b.ins().scalar_to_vector(shape, lane)
            }
        };
        self.push_v128(value);
        Ok(())
    }

    /// `v128.loadN_lane`: lane `lane` of the vector on top (of shape `shape`) replaced by
    /// the `lane_ty` read from memory.
    fn load_lane(&mut self, memarg: &MemArg, shape: Type, lane_ty: Type, lane: u8) -> Result<()> {
        let vector = self.pop_as(shape);
        let HeapAccess {
            address,
            offset,
            flags,
        } = self.heap_access(memarg, u64::from(lane_ty.bytes()))?;
        let x = self.b.ins().load(lane_ty, flags, address, offset);
        let value = self.b.ins().insertlane(vector, x, Uimm8::from(lane));
        self.push_v128(value);
        Ok(())
    }

    /// `v128.storeN_lane`: lane `lane` of the vector on top (of shape `shape`) written to
    /// memory.
    fn store_lane(&mut self, memarg: &MemArg, shape: Type, lane: u8) -> Result<()> {
        let vector = self.pop_as(shape);
        let HeapAccess {
            address,
            offset,
            flags,
        } = self.heap_access(memarg, u64::from(shape.lane_type().bytes()))?;
        let x = self.b.ins().extractlane(vector, Uimm8::from(lane));
        self.b.ins().store(flags, x, address, offset);
        Ok(())
    }

    // ---- constants, lanes, shuffles and bitwise operators ----

    /// Translates `op` if it creates, rearranges or combines whole vectors or lanes.
    fn simd_lanes(&mut self, op: &Operator<'_>) -> bool {
        use Operator::*;
        use types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32X4, I64X2};
        match *op {
            V128Const { value } => {
                let value = self.v128_const(u128::from_le_bytes(*value.bytes()));
                self.push(value);
            }
            I8x16Shuffle { lanes } => {
                let y = self.pop_as(V128);
                let x = self.pop_as(V128);
                let mask = self
                    .b
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(lanes.as_slice()));
                let value = self.b.ins().shuffle(x, y, mask);
                self.push_v128(value);
            }
            // Indices of 16 and above select 0 in both.
            I8x16Swizzle | I8x16RelaxedSwizzle => {
                self.v_binary(I8X16, |b, x, y| b.ins().swizzle(x, y))
            }
            I8x16Splat => self.splat(I8X16, Some(I8)),
            I16x8Splat => self.splat(I16X8, Some(I16)),
            I32x4Splat => self.splat(I32X4, None),
            I64x2Splat => self.splat(I64X2, None),
            F32x4Splat => self.splat(F32X4, None),
            F64x2Splat => self.splat(F64X2, None),
            I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, Some(true)),
            I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, Some(false)),
            I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, Some(true)),
            I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, Some(false)),
            I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, None),
            I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, None),
            F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, None),
            F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, None),
            I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane, Some(I8)),
            I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane, Some(I16)),
            I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane, None),
            I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane, None),
            F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane, None),
            F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane, None),

            V128Not => self.v_unary(V128, |b, x| b.ins().bnot(x)),
            V128And => self.v_binary(V128, |b, x, y| b.ins().band(x, y)),
            V128AndNot => self.v_binary(V128, |b, x, y| b.ins().band_not(x, y)),
            V128Or => self.v_binary(V128, |b, x, y| b.ins().bor(x, y)),
            V128Xor => self.v_binary(V128, |b, x, y| b.ins().bxor(x, y)),
            // The bits of the first operand where the mask (the third) is set, of the
            // second where it is clear, at any lane width.
            V128Bitselect
            | I8x16RelaxedLaneselect
            | I16x8RelaxedLaneselect
            | I32x4RelaxedLaneselect
            | I64x2RelaxedLaneselect => {
                self.v_ternary(V128, |b, x, y, mask| b.ins().bitselect(mask, x, y))
            }
            V128AnyTrue => self.v_test(V128, |b, x| b.ins().vany_true(x)),
            I8x16AllTrue => self.v_test(I8X16, |b, x| b.ins().vall_true(x)),
            I16x8AllTrue => self.v_test(I16X8, |b, x| b.ins().vall_true(x)),
            I32x4AllTrue => self.v_test(I32X4, |b, x| b.ins().vall_true(x)),
            I64x2AllTrue => self.v_test(I64X2, |b, x| b.ins().vall_true(x)),
            I8x16Bitmask => self.bitmask(I8X16),
            I16x8Bitmask => self.bitmask(I16X8),
            I32x4Bitmask => self.bitmask(I32X4),
            I64x2Bitmask => self.bitmask(I64X2),
            _ => return false,
        }
        true
    }

    /// `splat` of shape `shape`; an `i32` operand is first narrowed to `narrow` when the
    /// lanes are narrower.
    fn splat(&mut self, shape: Type, narrow: Option<Type>) {
        let mut x = self.pop();
        if let Some(narrow) = narrow {
            x = self.b.ins().ireduce(narrow, x);
        }
        let value = self.b.ins().splat(shape, x);
        self.push_v128(value);
    }

    /// `extract_lane` of shape `shape`; lanes narrower than `i32` are extended to it,
    /// sign-extended if `signed` is `Some(true)`.
    fn extract_lane(&mut self, shape: Type, lane: u8, signed: Option<bool>) {
        let vector = self.pop_as(shape);
        let x = self.b.ins().extractlane(vector, Uimm8::from(lane));
        let value = match signed {
            Some(true) => self.b.ins().sextend(types::I32, x),
            Some(false) => self.b.ins().uextend(types::I32, x),
            None => x,
        };
        self.push(value);
    }

    /// `replace_lane` of shape `shape`; an `i32` operand is first narrowed to `narrow` when
    /// the lanes are narrower.
    fn replace_lane(&mut self, shape: Type, lane: u8, narrow: Option<Type>) {
        let mut x = self.pop();
        if let Some(narrow) = narrow {
            x = self.b.ins().ireduce(narrow, x);
        }
        let vector = self.pop_as(shape);
        let value = self.b.ins().insertlane(vector, x, Uimm8::from(lane));
        self.push_v128(value);
    }

    /// `bitmask`: the top bit of each lane of shape `shape`, lane 0 lowest, as an `i32`.
    fn bitmask(&mut self, shape: Type) {
        let x = self.pop_as(shape);
        let value = self.b.ins().vhigh_bits(types::I32, x);
        self.push(value);
    }

    // ---- integer lanes ----

    /// Translates `op` if it is an integer-lane operator.
    fn simd_integer(&mut self, op: &Operator<'_>) -> bool {
        use Operator::*;
        use types::{I8X16, I16X8, I32X4, I64X2};
        match *op {
            // ---- comparisons ----
            I8x16Eq => self.v_icmp(I8X16, IntCC::Equal),
            I8x16Ne => self.v_icmp(I8X16, IntCC::NotEqual),
            I8x16LtS => self.v_icmp(I8X16, IntCC::SignedLessThan),
            I8x16LtU => self.v_icmp(I8X16, IntCC::UnsignedLessThan),
            I8x16GtS => self.v_icmp(I8X16, IntCC::SignedGreaterThan),
            I8x16GtU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThan),
            I8x16LeS => self.v_icmp(I8X16, IntCC::SignedLessThanOrEqual),
            I8x16LeU => self.v_icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            I8x16GeS => self.v_icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            I8x16GeU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            I16x8Eq => self.v_icmp(I16X8, IntCC::Equal),
            I16x8Ne => self.v_icmp(I16X8, IntCC::NotEqual),
            I16x8LtS => self.v_icmp(I16X8, IntCC::SignedLessThan),
            I16x8LtU => self.v_icmp(I16X8, IntCC::UnsignedLessThan),
            I16x8GtS => self.v_icmp(I16X8, IntCC::SignedGreaterThan),
            I16x8GtU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThan),
            I16x8LeS => self.v_icmp(I16X8, IntCC::SignedLessThanOrEqual),
            I16x8LeU => self.v_icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            I16x8GeS => self.v_icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            I16x8GeU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            I32x4Eq => self.v_icmp(I32X4, IntCC::Equal),
            I32x4Ne => self.v_icmp(I32X4, IntCC::NotEqual),
            I32x4LtS => self.v_icmp(I32X4, IntCC::SignedLessThan),
            I32x4LtU => self.v_icmp(I32X4, IntCC::UnsignedLessThan),
            I32x4GtS => self.v_icmp(I32X4, IntCC::SignedGreaterThan),
            I32x4GtU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThan),
            I32x4LeS => self.v_icmp(I32X4, IntCC::SignedLessThanOrEqual),
            I32x4LeU => self.v_icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            I32x4GeS => self.v_icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            I32x4GeU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            I64x2Eq => self.v_icmp(I64X2, IntCC::Equal),
            I64x2Ne => self.v_icmp(I64X2, IntCC::NotEqual),
            I64x2LtS => self.v_icmp(I64X2, IntCC::SignedLessThan),
            I64x2GtS => self.v_icmp(I64X2, IntCC::SignedGreaterThan),
            I64x2LeS => self.v_icmp(I64X2, IntCC::SignedLessThanOrEqual),
            I64x2GeS => self.v_icmp(I64X2, IntCC::SignedGreaterThanOrEqual),

            // ---- lane-wise arithmetic ----
            I8x16Add => self.v_binary(I8X16, |b, x, y| b.ins().iadd(x, y)),
            I16x8Add => self.v_binary(I16X8, |b, x, y| b.ins().iadd(x, y)),
            I32x4Add => self.v_binary(I32X4, |b, x, y| b.ins().iadd(x, y)),
            I64x2Add => self.v_binary(I64X2, |b, x, y| b.ins().iadd(x, y)),
            I8x16Sub => self.v_binary(I8X16, |b, x, y| b.ins().isub(x, y)),
            I16x8Sub => self.v_binary(I16X8, |b, x, y| b.ins().isub(x, y)),
            I32x4Sub => self.v_binary(I32X4, |b, x, y| b.ins().isub(x, y)),
            I64x2Sub => self.v_binary(I64X2, |b, x, y| b.ins().isub(x, y)),
            I16x8Mul => self.v_binary(I16X8, |b, x, y| b.ins().imul(x, y)),
            I32x4Mul => self.v_binary(I32X4, |b, x, y| b.ins().imul(x, y)),
            I64x2Mul => self.v_binary(I64X2, |b, x, y| b.ins().imul(x, y)),
            I8x16AddSatS => self.v_binary(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            I16x8AddSatS => self.v_binary(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            I8x16AddSatU => self.v_binary(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            I16x8AddSatU => self.v_binary(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            I8x16SubSatS => self.v_binary(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            I16x8SubSatS => self.v_binary(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            I8x16SubSatU => self.v_binary(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            I16x8SubSatU => self.v_binary(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            I8x16MinS => self.v_binary(I8X16, |b, x, y| b.ins().smin(x, y)),
            I16x8MinS => self.v_binary(I16X8, |b, x, y| b.ins().smin(x, y)),
            I32x4MinS => self.v_binary(I32X4, |b, x, y| b.ins().smin(x, y)),
            I8x16MinU => self.v_binary(I8X16, |b, x, y| b.ins().umin(x, y)),
            I16x8MinU => self.v_binary(I16X8, |b, x, y| b.ins().umin(x, y)),
            I32x4MinU => self.v_binary(I32X4, |b, x, y| b.ins().umin(x, y)),
            I8x16MaxS => self.v_binary(I8X16, |b, x, y| b.ins().smax(x, y)),
            I16x8MaxS => self.v_binary(I16X8, |b, x, y| b.ins().smax(x, y)),
            I32x4MaxS => self.v_binary(I32X4, |b, x, y| b.ins().smax(x, y)),
            I8x16MaxU => self.v_binary(I8X16, |b, x, y| b.ins().umax(x, y)),
            I16x8MaxU => self.v_binary(I16X8, |b, x, y| b.ins().umax(x, y)),
            I32x4MaxU => self.v_binary(I32X4, |b, x, y| b.ins().umax(x, y)),
            // The unsigned average rounding up: `(x + y + 1) >> 1` without overflow.
            I8x16AvgrU => self.v_binary(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            I16x8AvgrU => self.v_binary(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            // `abs` and `neg` wrap: the minimum stays itself.
            I8x16Abs => self.v_unary(I8X16, |b, x| b.ins().iabs(x)),
            I16x8Abs => self.v_unary(I16X8, |b, x| b.ins().iabs(x)),
            I32x4Abs => self.v_unary(I32X4, |b, x| b.ins().iabs(x)),
            I64x2Abs => self.v_unary(I64X2, |b, x| b.ins().iabs(x)),
            I8x16Neg => self.v_unary(I8X16, |b, x| b.ins().ineg(x)),
            I16x8Neg => self.v_unary(I16X8, |b, x| b.ins().ineg(x)),
            I32x4Neg => self.v_unary(I32X4, |b, x| b.ins().ineg(x)),
            I64x2Neg => self.v_unary(I64X2, |b, x| b.ins().ineg(x)),
            I8x16Popcnt => self.v_unary(I8X16, |b, x| b.ins().popcnt(x)),
            // `(x * y + 0x4000) >> 15`, saturated: only `-0x8000 * -0x8000` saturates.
            I16x8Q15MulrSatS | I16x8RelaxedQ15mulrS => {
                self.v_binary(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
            }

            // ---- shifts ----
            I8x16Shl => self.v_shift(I8X16, |b, x, n| b.ins().ishl(x, n)),
            I16x8Shl => self.v_shift(I16X8, |b, x, n| b.ins().ishl(x, n)),
            I32x4Shl => self.v_shift(I32X4, |b, x, n| b.ins().ishl(x, n)),
            I64x2Shl => self.v_shift(I64X2, |b, x, n| b.ins().ishl(x, n)),
            I8x16ShrS => self.v_shift(I8X16, |b, x, n| b.ins().sshr(x, n)),
            I16x8ShrS => self.v_shift(I16X8, |b, x, n| b.ins().sshr(x, n)),
            I32x4ShrS => self.v_shift(I32X4, |b, x, n| b.ins().sshr(x, n)),
            I64x2ShrS => self.v_shift(I64X2, |b, x, n| b.ins().sshr(x, n)),
            I8x16ShrU => self.v_shift(I8X16, |b, x, n| b.ins().ushr(x, n)),
            I16x8ShrU => self.v_shift(I16X8, |b, x, n| b.ins().ushr(x, n)),
            I32x4ShrU => self.v_shift(I32X4, |b, x, n| b.ins().ushr(x, n)),
            I64x2ShrU => self.v_shift(I64X2, |b, x, n| b.ins().ushr(x, n)),

            // ---- narrowing and widening ----
            // Lanes of the first operand, then of the second, saturated; both read the
            // operands as signed.
            I8x16NarrowI16x8S => self.v_binary(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            I8x16NarrowI16x8U => self.v_binary(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            I16x8NarrowI32x4S => self.v_binary(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            I16x8NarrowI32x4U => self.v_binary(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            I16x8ExtendLowI8x16S => self.v_unary(I8X16, |b, x| b.ins().swiden_low(x)),
            I16x8ExtendHighI8x16S => self.v_unary(I8X16, |b, x| b.ins().swiden_high(x)),
            I16x8ExtendLowI8x16U => self.v_unary(I8X16, |b, x| b.ins().uwiden_low(x)),
            I16x8ExtendHighI8x16U => self.v_unary(I8X16, |b, x| b.ins().uwiden_high(x)),
            I32x4ExtendLowI16x8S => self.v_unary(I16X8, |b, x| b.ins().swiden_low(x)),
            I32x4ExtendHighI16x8S => self.v_unary(I16X8, |b, x| b.ins().swiden_high(x)),
            I32x4ExtendLowI16x8U => self.v_unary(I16X8, |b, x| b.ins().uwiden_low(x)),
            I32x4ExtendHighI16x8U => self.v_unary(I16X8, |b, x| b.ins().uwiden_high(x)),
            I64x2ExtendLowI32x4S => self.v_unary(I32X4, |b, x| b.ins().swiden_low(x)),
            I64x2ExtendHighI32x4S => self.v_unary(I32X4, |b, x| b.ins().swiden_high(x)),
            I64x2ExtendLowI32x4U => self.v_unary(I32X4, |b, x| b.ins().uwiden_low(x)),
            I64x2ExtendHighI32x4U => self.v_unary(I32X4, |b, x| b.ins().uwiden_high(x)),

            // ---- pairwise and widening arithmetic ----
            I16x8ExtAddPairwiseI8x16S => self.v_unary(I8X16, |b, x| extadd_pairwise(b, x, true)),
            I16x8ExtAddPairwiseI8x16U => self.v_unary(I8X16, |b, x| extadd_pairwise(b, x, false)),
            I32x4ExtAddPairwiseI16x8S => self.v_unary(I16X8, |b, x| extadd_pairwise(b, x, true)),
            I32x4ExtAddPairwiseI16x8U => self.v_unary(I16X8, |b, x| extadd_pairwise(b, x, false)),
            I16x8ExtMulLowI8x16S => self.v_binary(I8X16, |b, x, y| extmul(b, x, y, true, false)),
            I16x8ExtMulHighI8x16S => self.v_binary(I8X16, |b, x, y| extmul(b, x, y, true, true)),
            I16x8ExtMulLowI8x16U => self.v_binary(I8X16, |b, x, y| extmul(b, x, y, false, false)),
            I16x8ExtMulHighI8x16U => self.v_binary(I8X16, |b, x, y| extmul(b, x, y, false, true)),
            I32x4ExtMulLowI16x8S => self.v_binary(I16X8, |b, x, y| extmul(b, x, y, true, false)),
            I32x4ExtMulHighI16x8S => self.v_binary(I16X8, |b, x, y| extmul(b, x, y, true, true)),
            I32x4ExtMulLowI16x8U => self.v_binary(I16X8, |b, x, y| extmul(b, x, y, false, false)),
            I32x4ExtMulHighI16x8U => self.v_binary(I16X8, |b, x, y| extmul(b, x, y, false, true)),
            I64x2ExtMulLowI32x4S => self.v_binary(I32X4, |b, x, y| extmul(b, x, y, true, false)),
            I64x2ExtMulHighI32x4S => self.v_binary(I32X4, |b, x, y| extmul(b, x, y, true, true)),
            I64x2ExtMulLowI32x4U => self.v_binary(I32X4, |b, x, y| extmul(b, x, y, false, false)),
            I64x2ExtMulHighI32x4U => self.v_binary(I32X4, |b, x, y| extmul(b, x, y, false, true)),
            // Sums of adjacent signed 32-bit products, wrapping (only `-0x8000` squared
            // twice wraps).
            I32x4DotI16x8S => self.v_binary(I16X8, dot_pairs),
            // The relaxed 8-bit dot products read both operands as signed; the 16-bit sums
            // wrap (only a pair of `-128 * -128` products does).
            I16x8RelaxedDotI8x16I7x16S => self.v_binary(I8X16, dot_pairs),
            I32x4RelaxedDotI8x16I7x16AddS => {
                let acc = self.pop_as(I32X4);
                let y = self.pop_as(I8X16);
                let x = self.pop_as(I8X16);
                let dot = dot_pairs(&mut self.b, x, y);
                // Each pair of 16-bit sums, sign-extended and added, then the accumulator.
                let sums = extadd_pairwise(&mut self.b, dot, true);
                let value = self.b.ins().iadd(sums, acc);
                self.push_v128(value);
            }
            _ => return false,
        }
        true
    }

    // ---- float lanes ----

    /// Translates `op` if it is a float-lane operator or a conversion.
    fn simd_float(&mut self, op: &Operator<'_>) -> bool {
        use Operator::*;
        use types::{F32X4, F64X2, I32X4, I64X2};
        match *op {
            // ---- comparisons: `ne` holds for unordered lanes, the others do not ----
            F32x4Eq => self.v_fcmp(F32X4, FloatCC::Equal),
            F32x4Ne => self.v_fcmp(F32X4, FloatCC::NotEqual),
            F32x4Lt => self.v_fcmp(F32X4, FloatCC::LessThan),
            F32x4Gt => self.v_fcmp(F32X4, FloatCC::GreaterThan),
            F32x4Le => self.v_fcmp(F32X4, FloatCC::LessThanOrEqual),
            F32x4Ge => self.v_fcmp(F32X4, FloatCC::GreaterThanOrEqual),
            F64x2Eq => self.v_fcmp(F64X2, FloatCC::Equal),
            F64x2Ne => self.v_fcmp(F64X2, FloatCC::NotEqual),
            F64x2Lt => self.v_fcmp(F64X2, FloatCC::LessThan),
            F64x2Gt => self.v_fcmp(F64X2, FloatCC::GreaterThan),
            F64x2Le => self.v_fcmp(F64X2, FloatCC::LessThanOrEqual),
            F64x2Ge => self.v_fcmp(F64X2, FloatCC::GreaterThanOrEqual),

            // ---- arithmetic ----
            // When both lanes are NaN, the hardware returns its first operand's NaN. LLVM
            // treats `add` and `mul` as commutative and, in the optimized (release) build of
            // the interpreter, emits its lane loops for them with the operands swapped, so the
            // second operand goes first here too; the NaN of `sub` and `div` is the first
            // operand's in both tiers. (Which NaN comes out of two is the code generator's
            // choice in the interpreter, not a rule: see the differential tests.)
            F32x4Add => self.v_binary(F32X4, |b, x, y| b.ins().fadd(y, x)),
            F64x2Add => self.v_binary(F64X2, |b, x, y| b.ins().fadd(y, x)),
            F32x4Sub => self.v_binary(F32X4, |b, x, y| b.ins().fsub(x, y)),
            F64x2Sub => self.v_binary(F64X2, |b, x, y| b.ins().fsub(x, y)),
            F32x4Mul => self.v_binary(F32X4, |b, x, y| b.ins().fmul(y, x)),
            F64x2Mul => self.v_binary(F64X2, |b, x, y| b.ins().fmul(y, x)),
            F32x4Div => self.v_binary(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            F64x2Div => self.v_binary(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            F32x4Sqrt => self.v_unary(F32X4, |b, x| b.ins().sqrt(x)),
            F64x2Sqrt => self.v_unary(F64X2, |b, x| b.ins().sqrt(x)),
            // Exact bit operations on the sign, NaNs included.
            F32x4Abs => self.sign_op(F32X4, true),
            F64x2Abs => self.sign_op(F64X2, true),
            F32x4Neg => self.sign_op(F32X4, false),
            F64x2Neg => self.sign_op(F64X2, false),
            // Rounding returns a NaN operand quieted, as the interpreter's `quiet_f32` does.
            F32x4Ceil => self.v_unary(F32X4, |b, x| b.ins().ceil(x)),
            F64x2Ceil => self.v_unary(F64X2, |b, x| b.ins().ceil(x)),
            F32x4Floor => self.v_unary(F32X4, |b, x| b.ins().floor(x)),
            F64x2Floor => self.v_unary(F64X2, |b, x| b.ins().floor(x)),
            F32x4Trunc => self.v_unary(F32X4, |b, x| b.ins().trunc(x)),
            F64x2Trunc => self.v_unary(F64X2, |b, x| b.ins().trunc(x)),
            F32x4Nearest => self.v_unary(F32X4, |b, x| b.ins().nearest(x)),
            F64x2Nearest => self.v_unary(F64X2, |b, x| b.ins().nearest(x)),
            F32x4Min | F32x4RelaxedMin => self.float_min_max(F32X4, false),
            F64x2Min | F64x2RelaxedMin => self.float_min_max(F64X2, false),
            F32x4Max | F32x4RelaxedMax => self.float_min_max(F32X4, true),
            F64x2Max | F64x2RelaxedMax => self.float_min_max(F64X2, true),
            F32x4PMin => self.pseudo_min_max(F32X4, false),
            F64x2PMin => self.pseudo_min_max(F64X2, false),
            F32x4PMax => self.pseudo_min_max(F32X4, true),
            F64x2PMax => self.pseudo_min_max(F64X2, true),
            F32x4RelaxedMadd => self.fused_multiply_add(F32X4, false),
            F64x2RelaxedMadd => self.fused_multiply_add(F64X2, false),
            F32x4RelaxedNmadd => self.fused_multiply_add(F32X4, true),
            F64x2RelaxedNmadd => self.fused_multiply_add(F64X2, true),

            // ---- conversions ----
            // NaN converts to 0, out-of-range lanes saturate.
            I32x4TruncSatF32x4S | I32x4RelaxedTruncF32x4S => {
                self.v_unary(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            I32x4TruncSatF32x4U | I32x4RelaxedTruncF32x4U => {
                self.v_unary(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            // Saturated to 64 bits, then narrowed with saturation to 32 (which gives the
            // saturated 32-bit conversion), with two zero lanes above.
            I32x4TruncSatF64x2SZero | I32x4RelaxedTruncF64x2SZero => {
                let x = self.pop_as(F64X2);
                let wide = self.b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = self.vconst(I64X2, 0);
                let value = self.b.ins().snarrow(wide, zero);
                self.push_v128(value);
            }
            I32x4TruncSatF64x2UZero | I32x4RelaxedTruncF64x2UZero => {
                let x = self.pop_as(F64X2);
                let wide = self.b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = self.vconst(I64X2, 0);
                let value = self.b.ins().uunarrow(wide, zero);
                self.push_v128(value);
            }
            F32x4ConvertI32x4S => self.v_unary(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
            F32x4ConvertI32x4U => self.v_unary(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
            F64x2ConvertLowI32x4S => self.v_unary(I32X4, |b, x| {
                let wide = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, wide)
            }),
            F64x2ConvertLowI32x4U => self.v_unary(I32X4, |b, x| {
                let wide = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, wide)
            }),
            // The two rounded lanes, then two zero lanes; NaNs come out quiet.
            F32x4DemoteF64x2Zero => self.v_unary(F64X2, |b, x| b.ins().fvdemote(x)),
            F64x2PromoteLowF32x4 => self.v_unary(F32X4, |b, x| b.ins().fvpromote_low(x)),
            _ => return false,
        }
        true
    }

    /// `min` (or `max` if `max`) of float shape `ty`: a NaN lane if either operand's lane is
    /// NaN, -0 below +0, as the interpreter's `fmin32` and friends.
    ///
    /// Cranelift's `fmin`/`fmax` agree on every lane but the NaN ones, whose bits they leave
    /// to the backend (x86 returns a negative NaN), so lanes where the operands are
    /// unordered get the canonical NaN.
    ///
    /// On x86 that replacement makes most of Cranelift's own NaN handling in `fmin`/`fmax`
    /// (a nine-instruction sequence) redundant, so the lanes are computed from the two
    /// orders of the hardware's `minps`/`maxps` instead (see [`Self::ordered_min_max`]):
    /// they agree except on NaN lanes, replaced anyway, and on zeros of opposite signs,
    /// where OR-ing their bits gives -0 for `min` and AND-ing them +0 for `max`.
    fn float_min_max(&mut self, ty: Type, max: bool) {
        let y = self.pop_as(ty);
        let x = self.pop_as(ty);
        let ints = int_shape(ty);
        let value = if cfg!(target_arch = "x86_64") {
            let xy = self.ordered_min_max(ty, max, x, y);
            let yx = self.ordered_min_max(ty, max, y, x);
            // In the float shape, so that the bitwise operation stays in the float domain
            // (`andps`/`orps`) between the float instructions.
            let value = if max {
                self.b.ins().band(xy, yx)
            } else {
                self.b.ins().bor(xy, yx)
            };
            self.cast(ints, value)
        } else {
            let value = if max {
                self.b.ins().fmax(x, y)
            } else {
                self.b.ins().fmin(x, y)
            };
            self.cast(ints, value)
        };
        let unordered = self.b.ins().fcmp(FloatCC::Unordered, x, y);
        let nans = self.vconst(ints, canonical_nans(ty));
        let value = self.b.ins().bitselect(unordered, nans, value);
        self.push_v128(value);
    }

    /// `x < y ? x : y` (or, if `max`, `y < x ? x : y`) of float shape `ty`: `y` when the
    /// lanes are unordered or equal. The form the x86 backend lowers to one `minps`/`maxps`
    /// (`minpd`/`maxpd`) instruction, as for `pmin`/`pmax`.
    fn ordered_min_max(&mut self, ty: Type, max: bool, x: Value, y: Value) -> Value {
        let take_x = if max {
            self.b.ins().fcmp(FloatCC::LessThan, y, x)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, x, y)
        };
        let take_x = self.cast(ty, take_x);
        self.b.ins().bitselect(take_x, x, y)
    }

    /// `abs` (if `abs`, clearing the sign bits) or `neg` (flipping them) of float shape `ty`,
    /// NaNs included.
    ///
    /// On x86 as one bitwise operation with a constant mask, which the backend loads once
    /// outside loops, where Cranelift's `fabs`/`fneg` rebuild the mask (two more
    /// instructions) every time; elsewhere they are single instructions.
    fn sign_op(&mut self, ty: Type, abs: bool) {
        let x = self.pop_as(ty);
        let signs = sign_bits(ty);
        let value = match (cfg!(target_arch = "x86_64"), abs) {
            (true, true) => {
                let mask = self.vconst(ty, !signs);
                self.b.ins().band(x, mask)
            }
            (true, false) => {
                let mask = self.vconst(ty, signs);
                self.b.ins().bxor(x, mask)
            }
            (false, true) => self.b.ins().fabs(x),
            (false, false) => self.b.ins().fneg(x),
        };
        self.push_v128(value);
    }

    /// `pmin` (`y < x ? y : x`) or `pmax` (`x < y ? y : x`) of float shape `ty`: the chosen
    /// operand's exact bits, the first operand when the lanes are unordered or equal.
    fn pseudo_min_max(&mut self, ty: Type, max: bool) {
        let y = self.pop_as(ty);
        let x = self.pop_as(ty);
        let take_y = if max {
            self.b.ins().fcmp(FloatCC::LessThan, x, y)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, y, x)
        };
        // In the float shape, which lets the x86 backend recognize `minps`/`maxps`.
        let take_y = self.cast(ty, take_y);
        let value = self.b.ins().bitselect(take_y, y, x);
        self.push_v128(value);
    }

    /// `relaxed_madd` (`a * b + c`) or, if `negate`, `relaxed_nmadd` (`-a * b + c`) of float
    /// shape `ty`, fused: rounded once, as the interpreter's `mul_add`.
    ///
    /// `-a` is computed first by flipping the sign bits as integers, exactly the
    /// interpreter's `(-a).mul_add(b, c)`: a NaN in `a` then comes out with its sign
    /// flipped. Cranelift would fuse an `fneg` into a negated multiply-add instruction, which
    /// leaves such a NaN's sign alone.
    fn fused_multiply_add(&mut self, ty: Type, negate: bool) {
        let c = self.pop_as(ty);
        let b = self.pop_as(ty);
        let mut a = self.pop_as(ty);
        if negate {
            let ints = int_shape(ty);
            let bits = self.cast(ints, a);
            let signs = self.vconst(ints, sign_bits(ty));
            let flipped = self.b.ins().bxor(bits, signs);
            a = self.cast(ty, flipped);
        }
        let value = self.b.ins().fma(a, b, c);
        self.push_v128(value);
    }

    /// Replaces each NaN lane (of float shape `ty`) of the `v128` on top with the canonical
    /// NaN.
    fn canonicalize_v128_nans(&mut self, ty: Type) {
        let x = self.pop_as(ty);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        let ints = int_shape(ty);
        let bits = self.cast(ints, x);
        let nans = self.vconst(ints, canonical_nans(ty));
        let value = self.b.ins().bitselect(is_nan, nans, bits);
        self.push_v128(value);
    }
}

/// The lanes of integer vector `x` widened to twice their width (sign-extended if `signed`)
/// and added in adjacent pairs: `extadd_pairwise`.
fn extadd_pairwise(b: &mut FunctionBuilder<'_>, x: Value, signed: bool) -> Value {
    let (low, high) = if signed {
        (b.ins().swiden_low(x), b.ins().swiden_high(x))
    } else {
        (b.ins().uwiden_low(x), b.ins().uwiden_high(x))
    };
    b.ins().iadd_pairwise(low, high)
}

/// The products of the low (or, if `high`, the high) lanes of `x` and `y`, widened to twice
/// their width first (sign-extended if `signed`): `extmul`, which cannot overflow.
fn extmul(b: &mut FunctionBuilder<'_>, x: Value, y: Value, signed: bool, high: bool) -> Value {
    let widen = |b: &mut FunctionBuilder<'_>, v: Value| match (signed, high) {
        (true, false) => b.ins().swiden_low(v),
        (true, true) => b.ins().swiden_high(v),
        (false, false) => b.ins().uwiden_low(v),
        (false, true) => b.ins().uwiden_high(v),
    };
    let (x, y) = (widen(b, x), widen(b, y));
    b.ins().imul(x, y)
}

/// The signed products of the lanes of `x` and `y`, widened to twice their width, added in
/// adjacent pairs with wrap-around: `i32x4.dot_i16x8_s` and the relaxed 8-bit dot product.
fn dot_pairs(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let low = extmul(b, x, y, true, false);
    let high = extmul(b, x, y, true, true);
    b.ins().iadd_pairwise(low, high)
}
