//! Semantics of the numeric instructions, one function per `unary`/`binary` entry of the ISA
//! table. Integers are taken as the signed type and reinterpreted where the operator is
//! unsigned; floats follow IEEE 754 with WebAssembly's NaN and rounding rules.

use std::mem::MaybeUninit;

use crate::vm::TrapCode;

type Trapping<T> = Result<T, TrapCode>;

fn bool_i32(b: bool) -> i32 {
    b as i32
}

// ---- i31 references (GC): the slot of a reference is taken as an i64 ----
#[inline]
pub fn i31_get_s(a: i64) -> Trapping<i32> {
    match a {
        0 => Err(TrapCode::NullReference),
        _ => Ok(crate::vm::gc::i31_get_s(a as u64)),
    }
}
#[inline]
pub fn i31_get_u(a: i64) -> Trapping<i32> {
    match a {
        0 => Err(TrapCode::NullReference),
        _ => Ok(crate::vm::gc::i31_get_u(a as u64) as i32),
    }
}

// ---- comparisons ----
#[inline]
pub fn i32_eqz(a: i32) -> i32 {
    bool_i32(a == 0)
}
#[inline]
pub fn i64_eqz(a: i64) -> i32 {
    bool_i32(a == 0)
}
#[inline]
pub fn i32_eq(a: i32, b: i32) -> i32 {
    bool_i32(a == b)
}
#[inline]
pub fn i32_ne(a: i32, b: i32) -> i32 {
    bool_i32(a != b)
}
#[inline]
pub fn i32_lt_s(a: i32, b: i32) -> i32 {
    bool_i32(a < b)
}
#[inline]
pub fn i32_lt_u(a: i32, b: i32) -> i32 {
    bool_i32((a as u32) < (b as u32))
}
#[inline]
pub fn i32_gt_s(a: i32, b: i32) -> i32 {
    bool_i32(a > b)
}
#[inline]
pub fn i32_gt_u(a: i32, b: i32) -> i32 {
    bool_i32((a as u32) > (b as u32))
}
#[inline]
pub fn i32_le_s(a: i32, b: i32) -> i32 {
    bool_i32(a <= b)
}
#[inline]
pub fn i32_le_u(a: i32, b: i32) -> i32 {
    bool_i32((a as u32) <= (b as u32))
}
#[inline]
pub fn i32_ge_s(a: i32, b: i32) -> i32 {
    bool_i32(a >= b)
}
#[inline]
pub fn i32_ge_u(a: i32, b: i32) -> i32 {
    bool_i32((a as u32) >= (b as u32))
}
#[inline]
pub fn i64_eq(a: i64, b: i64) -> i32 {
    bool_i32(a == b)
}
#[inline]
pub fn i64_ne(a: i64, b: i64) -> i32 {
    bool_i32(a != b)
}
#[inline]
pub fn i64_lt_s(a: i64, b: i64) -> i32 {
    bool_i32(a < b)
}
#[inline]
pub fn i64_lt_u(a: i64, b: i64) -> i32 {
    bool_i32((a as u64) < (b as u64))
}
#[inline]
pub fn i64_gt_s(a: i64, b: i64) -> i32 {
    bool_i32(a > b)
}
#[inline]
pub fn i64_gt_u(a: i64, b: i64) -> i32 {
    bool_i32((a as u64) > (b as u64))
}
#[inline]
pub fn i64_le_s(a: i64, b: i64) -> i32 {
    bool_i32(a <= b)
}
#[inline]
pub fn i64_le_u(a: i64, b: i64) -> i32 {
    bool_i32((a as u64) <= (b as u64))
}
#[inline]
pub fn i64_ge_s(a: i64, b: i64) -> i32 {
    bool_i32(a >= b)
}
#[inline]
pub fn i64_ge_u(a: i64, b: i64) -> i32 {
    bool_i32((a as u64) >= (b as u64))
}
#[inline]
pub fn f32_eq(a: f32, b: f32) -> i32 {
    bool_i32(a == b)
}
#[inline]
pub fn f32_ne(a: f32, b: f32) -> i32 {
    bool_i32(a != b)
}
#[inline]
pub fn f32_lt(a: f32, b: f32) -> i32 {
    bool_i32(a < b)
}
#[inline]
pub fn f32_gt(a: f32, b: f32) -> i32 {
    bool_i32(a > b)
}
#[inline]
pub fn f32_le(a: f32, b: f32) -> i32 {
    bool_i32(a <= b)
}
#[inline]
pub fn f32_ge(a: f32, b: f32) -> i32 {
    bool_i32(a >= b)
}
#[inline]
pub fn f64_eq(a: f64, b: f64) -> i32 {
    bool_i32(a == b)
}
#[inline]
pub fn f64_ne(a: f64, b: f64) -> i32 {
    bool_i32(a != b)
}
#[inline]
pub fn f64_lt(a: f64, b: f64) -> i32 {
    bool_i32(a < b)
}
#[inline]
pub fn f64_gt(a: f64, b: f64) -> i32 {
    bool_i32(a > b)
}
#[inline]
pub fn f64_le(a: f64, b: f64) -> i32 {
    bool_i32(a <= b)
}
#[inline]
pub fn f64_ge(a: f64, b: f64) -> i32 {
    bool_i32(a >= b)
}

// Negated float comparisons, for branches taken when a comparison fails: with NaNs,
// `!(a < b)` is not `a >= b`.
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f32_not_lt(a: f32, b: f32) -> i32 {
    bool_i32(!(a < b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f32_not_gt(a: f32, b: f32) -> i32 {
    bool_i32(!(a > b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f32_not_le(a: f32, b: f32) -> i32 {
    bool_i32(!(a <= b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f32_not_ge(a: f32, b: f32) -> i32 {
    bool_i32(!(a >= b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f64_not_lt(a: f64, b: f64) -> i32 {
    bool_i32(!(a < b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f64_not_gt(a: f64, b: f64) -> i32 {
    bool_i32(!(a > b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f64_not_le(a: f64, b: f64) -> i32 {
    bool_i32(!(a <= b))
}
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is the point: NaN makes it true
#[inline]
pub fn f64_not_ge(a: f64, b: f64) -> i32 {
    bool_i32(!(a >= b))
}

// ---- integer arithmetic ----
#[inline]
pub fn i32_clz(a: i32) -> i32 {
    a.leading_zeros() as i32
}
#[inline]
pub fn i32_ctz(a: i32) -> i32 {
    a.trailing_zeros() as i32
}
#[inline]
pub fn i32_popcnt(a: i32) -> i32 {
    a.count_ones() as i32
}
#[inline]
pub fn i64_clz(a: i64) -> i64 {
    a.leading_zeros() as i64
}
#[inline]
pub fn i64_ctz(a: i64) -> i64 {
    a.trailing_zeros() as i64
}
#[inline]
pub fn i64_popcnt(a: i64) -> i64 {
    a.count_ones() as i64
}
#[inline]
pub fn i32_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}
#[inline]
pub fn i32_sub(a: i32, b: i32) -> i32 {
    a.wrapping_sub(b)
}
#[inline]
pub fn i32_mul(a: i32, b: i32) -> i32 {
    a.wrapping_mul(b)
}
#[inline]
pub fn i32_and(a: i32, b: i32) -> i32 {
    a & b
}
#[inline]
pub fn i32_or(a: i32, b: i32) -> i32 {
    a | b
}
#[inline]
pub fn i32_xor(a: i32, b: i32) -> i32 {
    a ^ b
}
#[inline]
pub fn i32_shl(a: i32, b: i32) -> i32 {
    a.wrapping_shl(b as u32)
}
#[inline]
pub fn i32_shr_s(a: i32, b: i32) -> i32 {
    a.wrapping_shr(b as u32)
}
#[inline]
pub fn i32_shr_u(a: i32, b: i32) -> i32 {
    (a as u32).wrapping_shr(b as u32) as i32
}
#[inline]
pub fn i32_rotl(a: i32, b: i32) -> i32 {
    a.rotate_left(b as u32 % 32)
}
#[inline]
pub fn i32_rotr(a: i32, b: i32) -> i32 {
    a.rotate_right(b as u32 % 32)
}
#[inline]
pub fn i64_add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}
#[inline]
pub fn i64_sub(a: i64, b: i64) -> i64 {
    a.wrapping_sub(b)
}
#[inline]
pub fn i64_mul(a: i64, b: i64) -> i64 {
    a.wrapping_mul(b)
}
#[inline]
pub fn i64_and(a: i64, b: i64) -> i64 {
    a & b
}
#[inline]
pub fn i64_or(a: i64, b: i64) -> i64 {
    a | b
}
#[inline]
pub fn i64_xor(a: i64, b: i64) -> i64 {
    a ^ b
}
#[inline]
pub fn i64_shl(a: i64, b: i64) -> i64 {
    a.wrapping_shl(b as u32)
}
#[inline]
pub fn i64_shr_s(a: i64, b: i64) -> i64 {
    a.wrapping_shr(b as u32)
}
#[inline]
pub fn i64_shr_u(a: i64, b: i64) -> i64 {
    (a as u64).wrapping_shr(b as u32) as i64
}
#[inline]
pub fn i64_rotl(a: i64, b: i64) -> i64 {
    a.rotate_left((b as u64 % 64) as u32)
}
#[inline]
pub fn i64_rotr(a: i64, b: i64) -> i64 {
    a.rotate_right((b as u64 % 64) as u32)
}

#[inline]
pub fn i32_div_s(a: i32, b: i32) -> Trapping<i32> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
}
#[inline]
pub fn i32_div_u(a: i32, b: i32) -> Trapping<i32> {
    (a as u32)
        .checked_div(b as u32)
        .map(|r| r as i32)
        .ok_or(TrapCode::IntegerDivisionByZero)
}
#[inline]
pub fn i32_rem_s(a: i32, b: i32) -> Trapping<i32> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    Ok(a.wrapping_rem(b))
}
#[inline]
pub fn i32_rem_u(a: i32, b: i32) -> Trapping<i32> {
    (a as u32)
        .checked_rem(b as u32)
        .map(|r| r as i32)
        .ok_or(TrapCode::IntegerDivisionByZero)
}
#[inline]
pub fn i64_div_s(a: i64, b: i64) -> Trapping<i64> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
}
#[inline]
pub fn i64_div_u(a: i64, b: i64) -> Trapping<i64> {
    (a as u64)
        .checked_div(b as u64)
        .map(|r| r as i64)
        .ok_or(TrapCode::IntegerDivisionByZero)
}
#[inline]
pub fn i64_rem_s(a: i64, b: i64) -> Trapping<i64> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    Ok(a.wrapping_rem(b))
}
#[inline]
pub fn i64_rem_u(a: i64, b: i64) -> Trapping<i64> {
    (a as u64)
        .checked_rem(b as u64)
        .map(|r| r as i64)
        .ok_or(TrapCode::IntegerDivisionByZero)
}

// ---- float arithmetic ----

/// Sets the quiet bit of a NaN: rounding functions may pass a signalling NaN through
/// unchanged, but wasm requires an arithmetic NaN as their result.
fn quiet_f32(a: f32) -> f32 {
    if a.is_nan() {
        f32::from_bits(a.to_bits() | 0x0040_0000)
    } else {
        a
    }
}
fn quiet_f64(a: f64) -> f64 {
    if a.is_nan() {
        f64::from_bits(a.to_bits() | 0x0008_0000_0000_0000)
    } else {
        a
    }
}
#[inline]
pub fn f32_abs(a: f32) -> f32 {
    f32::from_bits(a.to_bits() & 0x7fff_ffff)
}
#[inline]
pub fn f32_neg(a: f32) -> f32 {
    f32::from_bits(a.to_bits() ^ 0x8000_0000)
}
#[inline]
pub fn f32_ceil(a: f32) -> f32 {
    quiet_f32(a.ceil())
}
#[inline]
pub fn f32_floor(a: f32) -> f32 {
    quiet_f32(a.floor())
}
#[inline]
pub fn f32_trunc(a: f32) -> f32 {
    quiet_f32(a.trunc())
}
#[inline]
pub fn f32_nearest(a: f32) -> f32 {
    quiet_f32(a.round_ties_even())
}
#[inline]
pub fn f32_sqrt(a: f32) -> f32 {
    quiet_f32(a.sqrt())
}
#[inline]
pub fn f64_abs(a: f64) -> f64 {
    f64::from_bits(a.to_bits() & 0x7fff_ffff_ffff_ffff)
}
#[inline]
pub fn f64_neg(a: f64) -> f64 {
    f64::from_bits(a.to_bits() ^ 0x8000_0000_0000_0000)
}
#[inline]
pub fn f64_ceil(a: f64) -> f64 {
    quiet_f64(a.ceil())
}
#[inline]
pub fn f64_floor(a: f64) -> f64 {
    quiet_f64(a.floor())
}
#[inline]
pub fn f64_trunc(a: f64) -> f64 {
    quiet_f64(a.trunc())
}
#[inline]
pub fn f64_nearest(a: f64) -> f64 {
    quiet_f64(a.round_ties_even())
}
#[inline]
pub fn f64_sqrt(a: f64) -> f64 {
    quiet_f64(a.sqrt())
}
#[inline]
pub fn f32_add(a: f32, b: f32) -> f32 {
    a + b
}
#[inline]
pub fn f32_sub(a: f32, b: f32) -> f32 {
    a - b
}
#[inline]
pub fn f32_mul(a: f32, b: f32) -> f32 {
    a * b
}
#[inline]
pub fn f32_div(a: f32, b: f32) -> f32 {
    a / b
}
#[inline]
pub fn f64_add(a: f64, b: f64) -> f64 {
    a + b
}
#[inline]
pub fn f64_sub(a: f64, b: f64) -> f64 {
    a - b
}
#[inline]
pub fn f64_mul(a: f64, b: f64) -> f64 {
    a * b
}
#[inline]
pub fn f64_div(a: f64, b: f64) -> f64 {
    a / b
}

/// Wasm `min`: NaN if either is NaN; -0 is less than +0.
#[inline]
pub fn f32_min(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return f32::NAN;
    }
    if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
/// Wasm `max`: NaN if either is NaN; +0 is greater than -0.
#[inline]
pub fn f32_max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return f32::NAN;
    }
    if a == b {
        f32::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}
#[inline]
pub fn f64_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}
#[inline]
pub fn f64_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}
#[inline]
pub fn f32_copysign(a: f32, b: f32) -> f32 {
    f32::from_bits((a.to_bits() & 0x7fff_ffff) | (b.to_bits() & 0x8000_0000))
}
#[inline]
pub fn f64_copysign(a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & 0x7fff_ffff_ffff_ffff) | (b.to_bits() & 0x8000_0000_0000_0000))
}

// ---- conversions ----
#[inline]
pub fn i32_wrap_i64(a: i64) -> i32 {
    a as i32
}
#[inline]
pub fn i64_extend_i32_s(a: i32) -> i64 {
    a as i64
}
#[inline]
pub fn i64_extend_i32_u(a: i32) -> i64 {
    a as u32 as i64
}
#[inline]
pub fn i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}
#[inline]
pub fn i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}
#[inline]
pub fn i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}
#[inline]
pub fn i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}
#[inline]
pub fn i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}
#[inline]
pub fn f32_convert_i32_s(a: i32) -> f32 {
    a as f32
}
#[inline]
pub fn f32_convert_i32_u(a: i32) -> f32 {
    a as u32 as f32
}
#[inline]
pub fn f32_convert_i64_s(a: i64) -> f32 {
    a as f32
}
#[inline]
pub fn f32_convert_i64_u(a: i64) -> f32 {
    a as u64 as f32
}
#[inline]
pub fn f64_convert_i32_s(a: i32) -> f64 {
    a as f64
}
#[inline]
pub fn f64_convert_i32_u(a: i32) -> f64 {
    a as u32 as f64
}
#[inline]
pub fn f64_convert_i64_s(a: i64) -> f64 {
    a as f64
}
#[inline]
pub fn f64_convert_i64_u(a: i64) -> f64 {
    a as u64 as f64
}
#[inline]
pub fn f32_demote_f64(a: f64) -> f32 {
    a as f32
}
#[inline]
pub fn f64_promote_f32(a: f32) -> f64 {
    a as f64
}

/// Checked truncation: traps on NaN and on values whose truncation falls outside
/// `(lo, hi)` (exclusive bounds, exactly representable in the float type).
macro_rules! checked_trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        pub fn $name(a: $f) -> Trapping<$i> {
            if a.is_nan() {
                return Err(TrapCode::BadConversionToInteger);
            }
            if !(a > $lo && a < $hi) {
                return Err(TrapCode::IntegerOverflow);
            }
            Ok(a as $i)
        }
    };
}
checked_trunc!(trunc_f32_i32, f32, i32, -2147483904.0f32, 2147483648.0f32);
checked_trunc!(trunc_f32_u32, f32, u32, -1.0f32, 4294967296.0f32);
checked_trunc!(trunc_f64_i32, f64, i32, -2147483649.0f64, 2147483648.0f64);
checked_trunc!(trunc_f64_u32, f64, u32, -1.0f64, 4294967296.0f64);
checked_trunc!(
    trunc_f32_i64,
    f32,
    i64,
    -9223373136366403584.0f32,
    9223372036854775808.0f32
);
checked_trunc!(trunc_f32_u64, f32, u64, -1.0f32, 18446744073709551616.0f32);
checked_trunc!(
    trunc_f64_i64,
    f64,
    i64,
    -9223372036854777856.0f64,
    9223372036854775808.0f64
);
checked_trunc!(trunc_f64_u64, f64, u64, -1.0f64, 18446744073709551616.0f64);

#[inline]
pub fn i32_trunc_f32_s(a: f32) -> Trapping<i32> {
    trunc_f32_i32(a)
}
#[inline]
pub fn i32_trunc_f32_u(a: f32) -> Trapping<i32> {
    trunc_f32_u32(a).map(|v| v as i32)
}
#[inline]
pub fn i32_trunc_f64_s(a: f64) -> Trapping<i32> {
    trunc_f64_i32(a)
}
#[inline]
pub fn i32_trunc_f64_u(a: f64) -> Trapping<i32> {
    trunc_f64_u32(a).map(|v| v as i32)
}
#[inline]
pub fn i64_trunc_f32_s(a: f32) -> Trapping<i64> {
    trunc_f32_i64(a)
}
#[inline]
pub fn i64_trunc_f32_u(a: f32) -> Trapping<i64> {
    trunc_f32_u64(a).map(|v| v as i64)
}
#[inline]
pub fn i64_trunc_f64_s(a: f64) -> Trapping<i64> {
    trunc_f64_i64(a)
}
#[inline]
pub fn i64_trunc_f64_u(a: f64) -> Trapping<i64> {
    trunc_f64_u64(a).map(|v| v as i64)
}

// Rust's `as` from float to int saturates and maps NaN to 0: exactly `trunc_sat`.
#[inline]
pub fn i32_trunc_sat_f32_s(a: f32) -> i32 {
    a as i32
}
#[inline]
pub fn i32_trunc_sat_f32_u(a: f32) -> i32 {
    a as u32 as i32
}
#[inline]
pub fn i32_trunc_sat_f64_s(a: f64) -> i32 {
    a as i32
}
#[inline]
pub fn i32_trunc_sat_f64_u(a: f64) -> i32 {
    a as u32 as i32
}
#[inline]
pub fn i64_trunc_sat_f32_s(a: f32) -> i64 {
    a as i64
}
#[inline]
pub fn i64_trunc_sat_f32_u(a: f32) -> i64 {
    a as u64 as i64
}
#[inline]
pub fn i64_trunc_sat_f64_s(a: f64) -> i64 {
    a as i64
}
#[inline]
pub fn i64_trunc_sat_f64_u(a: f64) -> i64 {
    a as u64 as i64
}

pub use super::simd::*;

/// The `v128` operand type of the ISA table.
#[allow(non_camel_case_types)]
pub type v128 = u128;

/// Reading and writing a value of a wasm type in the register file: one slot, or two for a
/// `v128`.
pub trait RegValue: Sized {
    /// Reads the value of register `reg`.
    ///
    /// # Safety
    ///
    /// The register (and the next one, for vectors) must lie in the frame at `regs`.
    unsafe fn read(regs: *mut u64, reg: crate::isa::Reg) -> Self;
    /// Writes the value to register `reg`.
    ///
    /// # Safety
    ///
    /// As for [`RegValue::read`].
    unsafe fn write(self, regs: *mut u64, reg: crate::isa::Reg);
    /// The value as the accumulator carries it: its slot, for a one-slot value. A vector
    /// never passes through the accumulator, and gives its low half.
    fn into_acc(self) -> u64;
}

impl<T: SlotValue> RegValue for T {
    #[inline(always)]
    unsafe fn read(regs: *mut u64, reg: crate::isa::Reg) -> Self {
        // SAFETY: guaranteed by the caller.
        T::from_slot(unsafe { *regs.add(reg.0 as usize) })
    }
    #[inline(always)]
    unsafe fn write(self, regs: *mut u64, reg: crate::isa::Reg) {
        // SAFETY: guaranteed by the caller.
        unsafe { *regs.add(reg.0 as usize) = self.into_slot() }
    }
    #[inline(always)]
    fn into_acc(self) -> u64 {
        self.into_slot()
    }
}

impl RegValue for u128 {
    #[inline(always)]
    unsafe fn read(regs: *mut u64, reg: crate::isa::Reg) -> Self {
        // One 16-byte access, not two 8-byte ones: a vector written by one instruction and
        // read by the next then forwards from the store buffer instead of stalling.
        // SAFETY: guaranteed by the caller: both slots are in the frame.
        let [lo, hi] = unsafe { regs.add(reg.0 as usize).cast::<[u64; 2]>().read_unaligned() };
        lo as u128 | (hi as u128) << 64
    }
    #[inline(always)]
    unsafe fn write(self, regs: *mut u64, reg: crate::isa::Reg) {
        // SAFETY: as for `read`.
        unsafe {
            regs.add(reg.0 as usize)
                .cast::<[u64; 2]>()
                .write_unaligned([self as u64, (self >> 64) as u64]);
        }
    }
    #[inline(always)]
    fn into_acc(self) -> u64 {
        self as u64
    }
}

/// A value of an ISA table type as the accumulators carry it (see `handlers::Acc` and
/// `handlers::FAcc`): `f64`s in both, the float one for `f64` operands, everything else in
/// the slot accumulator alone.
pub trait AccValue: Sized {
    /// The operand, from the accumulator that holds its type.
    ///
    /// # Safety
    ///
    /// That accumulator must hold a value of this type.
    unsafe fn from_accs(acc: MaybeUninit<u64>, facc: MaybeUninit<f64>) -> Self;
    /// The accumulators a result leaves for the next instruction.
    fn into_accs(self) -> (MaybeUninit<u64>, MaybeUninit<f64>);
}

macro_rules! slot_acc_values {
    ($($ty:ty),*) => {$(
        impl AccValue for $ty {
            #[inline(always)]
            unsafe fn from_accs(acc: MaybeUninit<u64>, _: MaybeUninit<f64>) -> Self {
                // SAFETY: guaranteed by the caller.
                Self::from_slot(unsafe { acc.assume_init() })
            }
            #[inline(always)]
            fn into_accs(self) -> (MaybeUninit<u64>, MaybeUninit<f64>) {
                (MaybeUninit::new(self.into_slot()), MaybeUninit::uninit())
            }
        }
    )*};
}
slot_acc_values!(i32, i64, f32);

impl AccValue for f64 {
    #[inline(always)]
    unsafe fn from_accs(_: MaybeUninit<u64>, facc: MaybeUninit<f64>) -> Self {
        // SAFETY: guaranteed by the caller.
        unsafe { facc.assume_init() }
    }
    #[inline(always)]
    fn into_accs(self) -> (MaybeUninit<u64>, MaybeUninit<f64>) {
        (MaybeUninit::new(self.to_bits()), MaybeUninit::new(self))
    }
}

impl AccValue for u128 {
    /// Vectors never pass through the accumulators.
    unsafe fn from_accs(_: MaybeUninit<u64>, _: MaybeUninit<f64>) -> Self {
        unreachable!("a vector operand read from an accumulator")
    }
    #[inline(always)]
    fn into_accs(self) -> (MaybeUninit<u64>, MaybeUninit<f64>) {
        (MaybeUninit::uninit(), MaybeUninit::uninit())
    }
}

/// Conversion between a value and its 64-bit slot.
pub trait SlotValue: Sized {
    /// Reads the value from a slot.
    fn from_slot(slot: u64) -> Self;
    /// Writes the value to a slot.
    fn into_slot(self) -> u64;
}

impl SlotValue for i32 {
    fn from_slot(slot: u64) -> Self {
        slot as i32
    }
    fn into_slot(self) -> u64 {
        self as u32 as u64
    }
}
impl SlotValue for i64 {
    fn from_slot(slot: u64) -> Self {
        slot as i64
    }
    fn into_slot(self) -> u64 {
        self as u64
    }
}
impl SlotValue for f32 {
    fn from_slot(slot: u64) -> Self {
        f32::from_bits(slot as u32)
    }
    fn into_slot(self) -> u64 {
        self.to_bits() as u64
    }
}
impl SlotValue for f64 {
    fn from_slot(slot: u64) -> Self {
        f64::from_bits(slot)
    }
    fn into_slot(self) -> u64 {
        self.to_bits()
    }
}
