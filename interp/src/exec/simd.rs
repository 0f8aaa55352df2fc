//! Semantics of the 128-bit SIMD and relaxed-SIMD instructions, as pure functions on `u128`.
//!
//! A `v128` is a `u128` whose lanes are laid out little-endian: lane 0 of every shape occupies
//! the lowest bits, exactly as the value would be stored to memory and read back with
//! `u128::from_le_bytes`. Every function is named after its instruction with the dots replaced by
//! underscores (`i8x16.add_sat_s` is [`i8x16_add_sat_s`]). Scalars cross the boundary as the Rust
//! type of their wasm type (`i32`, `i64`, `f32`, `f64`); shift counts are the `i32` operand and
//! are taken modulo the lane width. Lane immediates are validated to be in range before
//! execution; the functions reduce them modulo the lane count, so they never panic.
//!
//! Floating-point lanes follow the scalar rules: arithmetic propagates NaNs as the hardware does
//! (always quiet, so always an arithmetic NaN), `min`/`max` return the canonical NaN when either
//! operand is NaN and order -0 below +0, `pmin`/`pmax`/`abs`/`neg` are exact bit operations, and
//! the rounding operations set the quiet bit of any NaN they return.
//!
//! The relaxed-SIMD instructions implement one fixed behaviour from each set the specification
//! permits, the same one that Wasmtime's deterministic relaxed-SIMD mode produces. That choice
//! agrees with the specification's deterministic profile except for `relaxed_madd` and
//! `relaxed_nmadd`, which the profile leaves unfused:
//!
//! * `relaxed_swizzle` is `swizzle` (indices of 16 and above select 0);
//! * `relaxed_trunc*` are the saturating `trunc_sat*` conversions (NaN gives 0);
//! * `relaxed_madd`/`relaxed_nmadd` are fused: `fma(a, b, c)` and `fma(-a, b, c)`, rounded once;
//! * `relaxed_laneselect` is `v128.bitselect` at every lane width;
//! * `relaxed_min`/`relaxed_max` are `min`/`max`;
//! * `relaxed_q15mulr_s` is `q15mulr_sat_s`;
//! * the relaxed dot products treat both operands as signed, multiply to 16 bits and add each
//!   pair of products with wrap-around (the only input that wraps is a pair of `-128 * -128`
//!   products, which an `i7` second operand excludes); the `add` form sign-extends those sums,
//!   adds pairs of them to 32 bits, then adds the accumulator with wrap-around.

// ---- lane views ----

/// The bytes of a vector, routed through memory. Split while it is held in a pair of integer
/// registers, a `u128` compiles to one shift per lane; read from memory, LLVM loads the lanes into
/// a vector register and vectorizes the lane loops below. The barrier affects only code
/// generation: the value is returned unchanged.
#[inline(always)]
fn u8s(a: u128) -> [u8; 16] {
    a.to_le_bytes()
}
/// The vector with the given bytes, routed through memory for the reason given at [`u8s`].
#[inline(always)]
fn from_u8s(bytes: [u8; 16]) -> u128 {
    u128::from_le_bytes(bytes)
}

/// Declares the conversions between a `u128` and an array of lanes of one type.
macro_rules! lane_view {
    ($get:ident, $put:ident, $t:ty, $n:literal) => {
        #[inline(always)]
        fn $get(a: u128) -> [$t; $n] {
            let bytes = u8s(a);
            let (chunks, _) = bytes.as_chunks::<{ 16 / $n }>();
            std::array::from_fn(|i| <$t>::from_le_bytes(chunks[i]))
        }
        #[inline(always)]
        fn $put(lanes: [$t; $n]) -> u128 {
            let mut bytes = [0u8; 16];
            let (chunks, _) = bytes.as_chunks_mut::<{ 16 / $n }>();
            for (chunk, x) in chunks.iter_mut().zip(lanes) {
                *chunk = x.to_le_bytes();
            }
            from_u8s(bytes)
        }
    };
}

/// The bytes of a vector as signed lanes.
#[inline(always)]
fn i8s(a: u128) -> [i8; 16] {
    u8s(a).map(|x| x as i8)
}
#[inline(always)]
fn from_i8s(lanes: [i8; 16]) -> u128 {
    from_u8s(lanes.map(|x| x as u8))
}
lane_view!(u16s, from_u16s, u16, 8);
lane_view!(i16s, from_i16s, i16, 8);
lane_view!(u32s, from_u32s, u32, 4);
lane_view!(i32s, from_i32s, i32, 4);
lane_view!(f32s, from_f32s, f32, 4);

/// The two 64-bit lanes: the halves of the `u128`, which already sit in separate registers.
#[inline(always)]
fn u64s(a: u128) -> [u64; 2] {
    [a as u64, (a >> 64) as u64]
}
#[inline(always)]
fn from_u64s([lo, hi]: [u64; 2]) -> u128 {
    u128::from(lo) | (u128::from(hi) << 64)
}
#[inline(always)]
fn i64s(a: u128) -> [i64; 2] {
    u64s(a).map(|x| x as i64)
}
#[inline(always)]
fn from_i64s(lanes: [i64; 2]) -> u128 {
    from_u64s(lanes.map(|x| x as u64))
}
#[inline(always)]
fn f64s(a: u128) -> [f64; 2] {
    u64s(a).map(f64::from_bits)
}
#[inline(always)]
fn from_f64s(lanes: [f64; 2]) -> u128 {
    from_u64s(lanes.map(f64::to_bits))
}

/// Applies `f` lane-wise to two arrays of lanes.
#[inline(always)]
fn zip<T: Copy, U, const N: usize>(a: [T; N], b: [T; N], f: impl Fn(T, T) -> U) -> [U; N] {
    std::array::from_fn(|i| f(a[i], b[i]))
}

/// Applies `f` lane-wise to three arrays of lanes.
#[inline(always)]
fn zip3<T: Copy, const N: usize>(
    a: [T; N],
    b: [T; N],
    c: [T; N],
    f: impl Fn(T, T, T) -> T,
) -> [T; N] {
    std::array::from_fn(|i| f(a[i], b[i], c[i]))
}

/// The all-ones or all-zeros lane mask of a comparison result.
#[inline(always)]
fn mask<T: From<bool> + std::ops::Neg<Output = T>>(b: bool) -> T {
    -T::from(b)
}

/// The value `x` repeated in every lane of `bits` bits.
const fn repeat(x: u128, bits: u32) -> u128 {
    let mut r = 0u128;
    let mut i = 0;
    while i < 128 {
        r |= x << i;
        i += bits;
    }
    r
}

const F32_SIGNS: u128 = repeat(0x8000_0000, 32);
const F64_SIGNS: u128 = repeat(0x8000_0000_0000_0000, 64);

/// Sets the quiet bit of a NaN: rounding and format conversions may pass a signalling NaN
/// through unchanged, but wasm requires an arithmetic NaN as their result.
#[inline(always)]
fn quiet_f32(a: f32) -> f32 {
    if a.is_nan() {
        f32::from_bits(a.to_bits() | 0x0040_0000)
    } else {
        a
    }
}
#[inline(always)]
fn quiet_f64(a: f64) -> f64 {
    if a.is_nan() {
        f64::from_bits(a.to_bits() | 0x0008_0000_0000_0000)
    } else {
        a
    }
}

/// Declares wasm `fmin` and `fmax` for one float type: NaN if either operand is NaN, and -0 below
/// +0. Equal operands (the only case where the sign of a zero decides) combine their bits: OR
/// keeps a set sign bit for `min`, AND clears it for `max`. Written with masks rather than branches
/// so that the lane loops vectorize.
macro_rules! fmin_fmax {
    ($min:ident, $max:ident, $f:ty, $bits:ty) => {
        #[inline(always)]
        fn $min(a: $f, b: $f) -> $f {
            let (x, y) = (a.to_bits(), b.to_bits());
            let lesser = if b < a { y } else { x };
            let equal = <$bits>::from(a == b).wrapping_neg();
            let nan = <$bits>::from(a.is_nan() || b.is_nan()).wrapping_neg();
            let r = (lesser & !equal) | ((x | y) & equal);
            <$f>::from_bits((r & !nan) | (<$f>::NAN.to_bits() & nan))
        }
        #[inline(always)]
        fn $max(a: $f, b: $f) -> $f {
            let (x, y) = (a.to_bits(), b.to_bits());
            let greater = if a < b { y } else { x };
            let equal = <$bits>::from(a == b).wrapping_neg();
            let nan = <$bits>::from(a.is_nan() || b.is_nan()).wrapping_neg();
            let r = (greater & !equal) | ((x & y) & equal);
            <$f>::from_bits((r & !nan) | (<$f>::NAN.to_bits() & nan))
        }
    };
}
fmin_fmax!(fmin32, fmax32, f32, u32);
fmin_fmax!(fmin64, fmax64, f64, u64);

/// Wasm `iq15mulr_sat_s`: the rounded Q15 product, saturated.
#[inline(always)]
fn q15mulr_sat(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b) + 0x4000) >> 15).clamp(-0x8000, 0x7fff) as i16
}

/// The relaxed 8-bit dot product to 16 bits: signed operands, pairs added with wrap-around.
#[inline(always)]
fn relaxed_dot_i16(a: u128, b: u128) -> [i16; 8] {
    let (a, b) = (i8s(a), i8s(b));
    let p: [i16; 16] = zip(a, b, |x, y| i16::from(x) * i16::from(y));
    std::array::from_fn(|i| p[2 * i].wrapping_add(p[2 * i + 1]))
}

// ---- memory helpers ----

/// `v128.load`: the vector read from 16 bytes of memory.
#[inline]
pub fn v128_load(bytes: [u8; 16]) -> u128 {
    u128::from_le_bytes(bytes)
}
/// `v128.store`: the 16 bytes written to memory.
#[inline]
pub fn v128_store(a: u128) -> [u8; 16] {
    a.to_le_bytes()
}
/// `v128.load8x8_s`
#[inline]
pub fn v128_load8x8_s(bytes: [u8; 8]) -> u128 {
    from_i16s(std::array::from_fn(|i| i16::from(bytes[i] as i8)))
}
/// `v128.load8x8_u`
#[inline]
pub fn v128_load8x8_u(bytes: [u8; 8]) -> u128 {
    from_u16s(std::array::from_fn(|i| u16::from(bytes[i])))
}
/// `v128.load16x4_s`
#[inline]
pub fn v128_load16x4_s(bytes: [u8; 8]) -> u128 {
    from_i32s(std::array::from_fn(|i| {
        i32::from(i16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]))
    }))
}
/// `v128.load16x4_u`
#[inline]
pub fn v128_load16x4_u(bytes: [u8; 8]) -> u128 {
    from_u32s(std::array::from_fn(|i| {
        u32::from(u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]))
    }))
}
/// `v128.load32x2_s`
#[inline]
pub fn v128_load32x2_s(bytes: [u8; 8]) -> u128 {
    let lo = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let hi = i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    from_i64s([i64::from(lo), i64::from(hi)])
}
/// `v128.load32x2_u`
#[inline]
pub fn v128_load32x2_u(bytes: [u8; 8]) -> u128 {
    let lo = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let hi = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    from_u64s([u64::from(lo), u64::from(hi)])
}
/// `v128.load8_splat`
#[inline]
pub fn v128_load8_splat(bytes: [u8; 1]) -> u128 {
    repeat(u128::from(bytes[0]), 8)
}
/// `v128.load16_splat`
#[inline]
pub fn v128_load16_splat(bytes: [u8; 2]) -> u128 {
    repeat(u128::from(u16::from_le_bytes(bytes)), 16)
}
/// `v128.load32_splat`
#[inline]
pub fn v128_load32_splat(bytes: [u8; 4]) -> u128 {
    repeat(u128::from(u32::from_le_bytes(bytes)), 32)
}
/// `v128.load64_splat`
#[inline]
pub fn v128_load64_splat(bytes: [u8; 8]) -> u128 {
    repeat(u128::from(u64::from_le_bytes(bytes)), 64)
}
/// `v128.load32_zero`
#[inline]
pub fn v128_load32_zero(bytes: [u8; 4]) -> u128 {
    u128::from(u32::from_le_bytes(bytes))
}
/// `v128.load64_zero`
#[inline]
pub fn v128_load64_zero(bytes: [u8; 8]) -> u128 {
    u128::from(u64::from_le_bytes(bytes))
}

/// Replaces the `bits`-wide lane `lane` (taken modulo the lane count) of `a` with `x`.
#[inline(always)]
fn insert_lane(a: u128, lane: u8, bits: u32, x: u128) -> u128 {
    let lanes = 128 / bits;
    let shift = (u32::from(lane) % lanes) * bits;
    let m = (u128::MAX >> (128 - bits)) << shift;
    (a & !m) | ((x << shift) & m)
}
/// The bits of the `bits`-wide lane `lane` (taken modulo the lane count) of `a`.
#[inline(always)]
fn lane_bits(a: u128, lane: u8, bits: u32) -> u128 {
    let lanes = 128 / bits;
    (a >> ((u32::from(lane) % lanes) * bits)) & (u128::MAX >> (128 - bits))
}

/// Lane `lane` of `a` replaced by the byte `x`: the core of `v128.load8_lane`.
#[inline]
pub fn load_lane8(a: u128, lane: u8, x: u8) -> u128 {
    insert_lane(a, lane, 8, u128::from(x))
}
/// Lane `lane` of `a` replaced by `x`: the core of `v128.load16_lane`.
#[inline]
pub fn load_lane16(a: u128, lane: u8, x: u16) -> u128 {
    insert_lane(a, lane, 16, u128::from(x))
}
/// Lane `lane` of `a` replaced by `x`: the core of `v128.load32_lane`.
#[inline]
pub fn load_lane32(a: u128, lane: u8, x: u32) -> u128 {
    insert_lane(a, lane, 32, u128::from(x))
}
/// Lane `lane` of `a` replaced by `x`: the core of `v128.load64_lane`.
#[inline]
pub fn load_lane64(a: u128, lane: u8, x: u64) -> u128 {
    insert_lane(a, lane, 64, u128::from(x))
}
/// The 8-bit lane `lane` of `a`: the value `v128.store8_lane` writes.
#[inline]
pub fn extract_lane_bytes8(a: u128, lane: u8) -> u8 {
    lane_bits(a, lane, 8) as u8
}
/// The 16-bit lane `lane` of `a`: the value `v128.store16_lane` writes.
#[inline]
pub fn extract_lane_bytes16(a: u128, lane: u8) -> u16 {
    lane_bits(a, lane, 16) as u16
}
/// The 32-bit lane `lane` of `a`: the value `v128.store32_lane` writes.
#[inline]
pub fn extract_lane_bytes32(a: u128, lane: u8) -> u32 {
    lane_bits(a, lane, 32) as u32
}
/// The 64-bit lane `lane` of `a`: the value `v128.store64_lane` writes.
#[inline]
pub fn extract_lane_bytes64(a: u128, lane: u8) -> u64 {
    lane_bits(a, lane, 64) as u64
}
/// `v128.load8_lane`
#[inline]
pub fn v128_load8_lane(a: u128, lane: u8, bytes: [u8; 1]) -> u128 {
    load_lane8(a, lane, bytes[0])
}
/// `v128.load16_lane`
#[inline]
pub fn v128_load16_lane(a: u128, lane: u8, bytes: [u8; 2]) -> u128 {
    load_lane16(a, lane, u16::from_le_bytes(bytes))
}
/// `v128.load32_lane`
#[inline]
pub fn v128_load32_lane(a: u128, lane: u8, bytes: [u8; 4]) -> u128 {
    load_lane32(a, lane, u32::from_le_bytes(bytes))
}
/// `v128.load64_lane`
#[inline]
pub fn v128_load64_lane(a: u128, lane: u8, bytes: [u8; 8]) -> u128 {
    load_lane64(a, lane, u64::from_le_bytes(bytes))
}
/// `v128.store8_lane`: the bytes written to memory.
#[inline]
pub fn v128_store8_lane(a: u128, lane: u8) -> [u8; 1] {
    [extract_lane_bytes8(a, lane)]
}
/// `v128.store16_lane`: the bytes written to memory.
#[inline]
pub fn v128_store16_lane(a: u128, lane: u8) -> [u8; 2] {
    extract_lane_bytes16(a, lane).to_le_bytes()
}
/// `v128.store32_lane`: the bytes written to memory.
#[inline]
pub fn v128_store32_lane(a: u128, lane: u8) -> [u8; 4] {
    extract_lane_bytes32(a, lane).to_le_bytes()
}
/// `v128.store64_lane`: the bytes written to memory.
#[inline]
pub fn v128_store64_lane(a: u128, lane: u8) -> [u8; 8] {
    extract_lane_bytes64(a, lane).to_le_bytes()
}

// ---- lane access, shuffles and splats ----

/// Vectors as x86_64's vector registers hold them.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::__m128i;

    pub(super) fn vector(a: u128) -> __m128i {
        // SAFETY: both are 16 plain bytes; lane order is memory order on either side.
        unsafe { std::mem::transmute::<u128, __m128i>(a) }
    }

    pub(super) fn bits(a: __m128i) -> u128 {
        // SAFETY: as for `vector`.
        unsafe { std::mem::transmute::<__m128i, u128>(a) }
    }
}

/// On x86_64 the SSE2 instruction `$intrinsic` of `$a` and `$b` (SSE2 is part of every x86_64
/// target); elsewhere `$portable`, the lane loop, for which LLVM does not always find that
/// single instruction (`i16x8.add` compiled to twenty).
macro_rules! sse2_or {
    ($intrinsic:ident($a:expr, $b:expr), $portable:expr) => {{
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is enabled on every x86_64 target.
        let result = unsafe {
            x86::bits(std::arch::x86_64::$intrinsic(
                x86::vector($a),
                x86::vector($b),
            ))
        };
        #[cfg(not(target_arch = "x86_64"))]
        let result = $portable;
        result
    }};
}

/// The byte permutations with SSSE3's `pshufb`, where the processor has it (checked at run
/// time: SSSE3 is not part of baseline x86_64). Without it a permutation is a loop over the
/// 16 lanes.
#[cfg(target_arch = "x86_64")]
pub(super) mod ssse3 {
    use super::x86::{bits, vector};
    use std::arch::x86_64::{
        _mm_adds_epu8, _mm_or_si128, _mm_set1_epi8, _mm_shuffle_epi8, _mm_sub_epi8,
    };

    /// `pshufb` zeroes a lane whose index has its high bit set and otherwise takes the byte
    /// its low four bits select. Adding 0x70 with unsigned saturation keeps indices 0..16 in
    /// that range (0x70..0x80) and sets the high bit of every index from 16 on.
    ///
    /// # Safety
    ///
    /// The processor must have SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn i8x16_swizzle(a: u128, indices: u128) -> u128 {
        let selector = _mm_adds_epu8(vector(indices), _mm_set1_epi8(0x70));
        bits(_mm_shuffle_epi8(vector(a), selector))
    }

    /// The lanes of `a` through indices 0..16 (as in the swizzle), then those of `b` through
    /// the indices minus 16, whose high bit is set for indices below 16: lanes take one
    /// byte from `a` or `b` and zero from the other.
    ///
    /// # Safety
    ///
    /// The processor must have SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(in crate::exec) unsafe fn i8x16_shuffle(a: u128, b: u128, lanes: u128) -> u128 {
        // Indices are below 32 once validated; reduce them as the portable code does.
        let lanes = vector(lanes & u128::from_le_bytes([31; 16]));
        let from_a = _mm_shuffle_epi8(vector(a), _mm_adds_epu8(lanes, _mm_set1_epi8(0x70)));
        let from_b = _mm_shuffle_epi8(vector(b), _mm_sub_epi8(lanes, _mm_set1_epi8(16)));
        bits(_mm_or_si128(from_a, from_b))
    }
}

/// `i8x16.shuffle`: lane `i` of the result is byte `lanes[i]` of `a` followed by `b`.
#[inline]
pub fn i8x16_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the processor has SSSE3.
        return unsafe { ssse3::i8x16_shuffle(a, b, u128::from_le_bytes(lanes)) };
    }
    portable_shuffle(a, b, lanes)
}

/// [`i8x16_shuffle`] without vector instructions.
fn portable_shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let mut table = [0u8; 32];
    table[..16].copy_from_slice(&u8s(a));
    table[16..].copy_from_slice(&u8s(b));
    from_u8s(lanes.map(|l| table[usize::from(l & 31)]))
}
/// `i8x16.swizzle`: lane `i` is byte `b[i]` of `a`, or 0 if `b[i]` is 16 or more.
#[inline]
pub fn i8x16_swizzle(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the processor has SSSE3.
        return unsafe { ssse3::i8x16_swizzle(a, b) };
    }
    portable_swizzle(a, b)
}

/// [`i8x16_swizzle`] without vector instructions.
fn portable_swizzle(a: u128, b: u128) -> u128 {
    let a = u8s(a);
    from_u8s(u8s(b).map(|l| a[usize::from(l & 15)] & u8::from(l < 16).wrapping_neg()))
}
/// `i8x16.extract_lane_s`
#[inline]
pub fn i8x16_extract_lane_s(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane_bytes8(a, lane) as i8)
}
/// `i8x16.extract_lane_u`
#[inline]
pub fn i8x16_extract_lane_u(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane_bytes8(a, lane))
}
/// `i8x16.replace_lane`
#[inline]
pub fn i8x16_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    load_lane8(a, lane, x as u8)
}
/// `i16x8.extract_lane_s`
#[inline]
pub fn i16x8_extract_lane_s(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane_bytes16(a, lane) as i16)
}
/// `i16x8.extract_lane_u`
#[inline]
pub fn i16x8_extract_lane_u(a: u128, lane: u8) -> i32 {
    i32::from(extract_lane_bytes16(a, lane))
}
/// `i16x8.replace_lane`
#[inline]
pub fn i16x8_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    load_lane16(a, lane, x as u16)
}
/// `i32x4.extract_lane`
#[inline]
pub fn i32x4_extract_lane(a: u128, lane: u8) -> i32 {
    extract_lane_bytes32(a, lane) as i32
}
/// `i32x4.replace_lane`
#[inline]
pub fn i32x4_replace_lane(a: u128, lane: u8, x: i32) -> u128 {
    load_lane32(a, lane, x as u32)
}
/// `i64x2.extract_lane`
#[inline]
pub fn i64x2_extract_lane(a: u128, lane: u8) -> i64 {
    extract_lane_bytes64(a, lane) as i64
}
/// `i64x2.replace_lane`
#[inline]
pub fn i64x2_replace_lane(a: u128, lane: u8, x: i64) -> u128 {
    load_lane64(a, lane, x as u64)
}
/// `f32x4.extract_lane`
#[inline]
pub fn f32x4_extract_lane(a: u128, lane: u8) -> f32 {
    f32::from_bits(extract_lane_bytes32(a, lane))
}
/// `f32x4.replace_lane`
#[inline]
pub fn f32x4_replace_lane(a: u128, lane: u8, x: f32) -> u128 {
    load_lane32(a, lane, x.to_bits())
}
/// `f64x2.extract_lane`
#[inline]
pub fn f64x2_extract_lane(a: u128, lane: u8) -> f64 {
    f64::from_bits(extract_lane_bytes64(a, lane))
}
/// `f64x2.replace_lane`
#[inline]
pub fn f64x2_replace_lane(a: u128, lane: u8, x: f64) -> u128 {
    load_lane64(a, lane, x.to_bits())
}
/// `i8x16.splat`
#[inline]
pub fn i8x16_splat(x: i32) -> u128 {
    repeat(u128::from(x as u8), 8)
}
/// `i16x8.splat`
#[inline]
pub fn i16x8_splat(x: i32) -> u128 {
    repeat(u128::from(x as u16), 16)
}
/// `i32x4.splat`
#[inline]
pub fn i32x4_splat(x: i32) -> u128 {
    repeat(u128::from(x as u32), 32)
}
/// `i64x2.splat`
#[inline]
pub fn i64x2_splat(x: i64) -> u128 {
    repeat(u128::from(x as u64), 64)
}
/// `f32x4.splat`
#[inline]
pub fn f32x4_splat(x: f32) -> u128 {
    repeat(u128::from(x.to_bits()), 32)
}
/// `f64x2.splat`
#[inline]
pub fn f64x2_splat(x: f64) -> u128 {
    repeat(u128::from(x.to_bits()), 64)
}

// ---- comparisons: each lane becomes all ones if the relation holds, else zero ----

/// `i8x16.eq`
#[inline]
pub fn i8x16_eq(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_cmpeq_epi8(a, b), {
        from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x == y)))
    })
}
/// `i8x16.ne`
#[inline]
pub fn i8x16_ne(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x != y)))
}
/// `i8x16.lt_s`
#[inline]
pub fn i8x16_lt_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x < y)))
}
/// `i8x16.lt_u`
#[inline]
pub fn i8x16_lt_u(a: u128, b: u128) -> u128 {
    from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x < y)))
}
/// `i8x16.gt_s`
#[inline]
pub fn i8x16_gt_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x > y)))
}
/// `i8x16.gt_u`
#[inline]
pub fn i8x16_gt_u(a: u128, b: u128) -> u128 {
    from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x > y)))
}
/// `i8x16.le_s`
#[inline]
pub fn i8x16_le_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x <= y)))
}
/// `i8x16.le_u`
#[inline]
pub fn i8x16_le_u(a: u128, b: u128) -> u128 {
    from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x <= y)))
}
/// `i8x16.ge_s`
#[inline]
pub fn i8x16_ge_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x >= y)))
}
/// `i8x16.ge_u`
#[inline]
pub fn i8x16_ge_u(a: u128, b: u128) -> u128 {
    from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x >= y)))
}
/// `i16x8.eq`
#[inline]
pub fn i16x8_eq(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_cmpeq_epi16(a, b), {
        from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x == y)))
    })
}
/// `i16x8.ne`
#[inline]
pub fn i16x8_ne(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x != y)))
}
/// `i16x8.lt_s`
#[inline]
pub fn i16x8_lt_s(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x < y)))
}
/// `i16x8.lt_u`
#[inline]
pub fn i16x8_lt_u(a: u128, b: u128) -> u128 {
    from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x < y)))
}
/// `i16x8.gt_s`
#[inline]
pub fn i16x8_gt_s(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x > y)))
}
/// `i16x8.gt_u`
#[inline]
pub fn i16x8_gt_u(a: u128, b: u128) -> u128 {
    from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x > y)))
}
/// `i16x8.le_s`
#[inline]
pub fn i16x8_le_s(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x <= y)))
}
/// `i16x8.le_u`
#[inline]
pub fn i16x8_le_u(a: u128, b: u128) -> u128 {
    from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x <= y)))
}
/// `i16x8.ge_s`
#[inline]
pub fn i16x8_ge_s(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x >= y)))
}
/// `i16x8.ge_u`
#[inline]
pub fn i16x8_ge_u(a: u128, b: u128) -> u128 {
    from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x >= y)))
}
/// `i32x4.eq`
#[inline]
pub fn i32x4_eq(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_cmpeq_epi32(a, b), {
        from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x == y)))
    })
}
/// `i32x4.ne`
#[inline]
pub fn i32x4_ne(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x != y)))
}
/// `i32x4.lt_s`
#[inline]
pub fn i32x4_lt_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x < y)))
}
/// `i32x4.lt_u`
#[inline]
pub fn i32x4_lt_u(a: u128, b: u128) -> u128 {
    from_i32s(zip(u32s(a), u32s(b), |x, y| mask(x < y)))
}
/// `i32x4.gt_s`
#[inline]
pub fn i32x4_gt_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x > y)))
}
/// `i32x4.gt_u`
#[inline]
pub fn i32x4_gt_u(a: u128, b: u128) -> u128 {
    from_i32s(zip(u32s(a), u32s(b), |x, y| mask(x > y)))
}
/// `i32x4.le_s`
#[inline]
pub fn i32x4_le_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x <= y)))
}
/// `i32x4.le_u`
#[inline]
pub fn i32x4_le_u(a: u128, b: u128) -> u128 {
    from_i32s(zip(u32s(a), u32s(b), |x, y| mask(x <= y)))
}
/// `i32x4.ge_s`
#[inline]
pub fn i32x4_ge_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), |x, y| mask(x >= y)))
}
/// `i32x4.ge_u`
#[inline]
pub fn i32x4_ge_u(a: u128, b: u128) -> u128 {
    from_i32s(zip(u32s(a), u32s(b), |x, y| mask(x >= y)))
}
/// `i64x2.eq`
#[inline]
pub fn i64x2_eq(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x == y)))
}
/// `i64x2.ne`
#[inline]
pub fn i64x2_ne(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x != y)))
}
/// `i64x2.lt_s`
#[inline]
pub fn i64x2_lt_s(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x < y)))
}
/// `i64x2.gt_s`
#[inline]
pub fn i64x2_gt_s(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x > y)))
}
/// `i64x2.le_s`
#[inline]
pub fn i64x2_le_s(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x <= y)))
}
/// `i64x2.ge_s`
#[inline]
pub fn i64x2_ge_s(a: u128, b: u128) -> u128 {
    from_i64s(zip(i64s(a), i64s(b), |x, y| mask(x >= y)))
}
/// `f32x4.eq`
#[inline]
pub fn f32x4_eq(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x == y)))
}
/// `f32x4.ne`
#[inline]
pub fn f32x4_ne(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x != y)))
}
/// `f32x4.lt`
#[inline]
pub fn f32x4_lt(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x < y)))
}
/// `f32x4.gt`
#[inline]
pub fn f32x4_gt(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x > y)))
}
/// `f32x4.le`
#[inline]
pub fn f32x4_le(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x <= y)))
}
/// `f32x4.ge`
#[inline]
pub fn f32x4_ge(a: u128, b: u128) -> u128 {
    from_i32s(zip(f32s(a), f32s(b), |x, y| mask(x >= y)))
}
/// `f64x2.eq`
#[inline]
pub fn f64x2_eq(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x == y)))
}
/// `f64x2.ne`
#[inline]
pub fn f64x2_ne(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x != y)))
}
/// `f64x2.lt`
#[inline]
pub fn f64x2_lt(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x < y)))
}
/// `f64x2.gt`
#[inline]
pub fn f64x2_gt(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x > y)))
}
/// `f64x2.le`
#[inline]
pub fn f64x2_le(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x <= y)))
}
/// `f64x2.ge`
#[inline]
pub fn f64x2_ge(a: u128, b: u128) -> u128 {
    from_i64s(zip(f64s(a), f64s(b), |x, y| mask(x >= y)))
}

// ---- whole-vector bitwise operations ----

/// `v128.not`
#[inline]
pub fn v128_not(a: u128) -> u128 {
    !a
}
/// `v128.and`
#[inline]
pub fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}
/// `v128.andnot`: `a & !b`.
#[inline]
pub fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}
/// `v128.or`
#[inline]
pub fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}
/// `v128.xor`
#[inline]
pub fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}
/// `v128.bitselect`: the bits of `a` where `c` is set, of `b` where it is clear.
#[inline]
pub fn v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
    (a & c) | (b & !c)
}
/// `v128.any_true`
#[inline]
pub fn v128_any_true(a: u128) -> i32 {
    i32::from(a != 0)
}

// ---- i8x16 arithmetic ----

/// `i8x16.abs`
#[inline]
pub fn i8x16_abs(a: u128) -> u128 {
    from_i8s(i8s(a).map(i8::wrapping_abs))
}
/// `i8x16.neg`
#[inline]
pub fn i8x16_neg(a: u128) -> u128 {
    from_i8s(i8s(a).map(i8::wrapping_neg))
}
/// `i8x16.popcnt`
#[inline]
pub fn i8x16_popcnt(a: u128) -> u128 {
    from_u8s(u8s(a).map(|x| x.count_ones() as u8))
}
/// `i8x16.all_true`
#[inline]
pub fn i8x16_all_true(a: u128) -> i32 {
    i32::from(u8s(a).iter().all(|&x| x != 0))
}
/// `i8x16.bitmask`
#[inline]
pub fn i8x16_bitmask(a: u128) -> i32 {
    // Moves the top bit of each byte of a 64-bit half into the top byte, lane 0 lowest: the
    // multiplier's partial products never overlap, so there are no carries.
    let gather =
        |x: u64| ((x >> 7) & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    let [lo, hi] = u64s(a);
    (gather(lo) | (gather(hi) << 8)) as i32
}
/// `i8x16.narrow_i16x8_s`: lanes of `a` then of `b`, saturated to `i8`.
#[inline]
pub fn i8x16_narrow_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16s(a), i16s(b));
    from_i8s(std::array::from_fn(|i| {
        let x = if i < 8 { a[i] } else { b[i - 8] };
        x.clamp(-0x80, 0x7f) as i8
    }))
}
/// `i8x16.narrow_i16x8_u`: signed lanes of `a` then of `b`, saturated to `u8`.
#[inline]
pub fn i8x16_narrow_i16x8_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i16s(a), i16s(b));
    from_u8s(std::array::from_fn(|i| {
        let x = if i < 8 { a[i] } else { b[i - 8] };
        x.clamp(0, 0xff) as u8
    }))
}
/// `i8x16.shl`
#[inline]
pub fn i8x16_shl(a: u128, shift: i32) -> u128 {
    let s = (shift & 7) as u32;
    from_u8s(u8s(a).map(|x| x << s))
}
/// `i8x16.shr_s`
#[inline]
pub fn i8x16_shr_s(a: u128, shift: i32) -> u128 {
    let s = (shift & 7) as u32;
    from_i8s(i8s(a).map(|x| x >> s))
}
/// `i8x16.shr_u`
#[inline]
pub fn i8x16_shr_u(a: u128, shift: i32) -> u128 {
    let s = (shift & 7) as u32;
    from_u8s(u8s(a).map(|x| x >> s))
}
/// `i8x16.add`
#[inline]
pub fn i8x16_add(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_add_epi8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), u8::wrapping_add))
    })
}
/// `i8x16.add_sat_s`
#[inline]
pub fn i8x16_add_sat_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_adds_epi8(a, b), {
        from_i8s(zip(i8s(a), i8s(b), i8::saturating_add))
    })
}
/// `i8x16.add_sat_u`
#[inline]
pub fn i8x16_add_sat_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_adds_epu8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), u8::saturating_add))
    })
}
/// `i8x16.sub`
#[inline]
pub fn i8x16_sub(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_sub_epi8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), u8::wrapping_sub))
    })
}
/// `i8x16.sub_sat_s`
#[inline]
pub fn i8x16_sub_sat_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_subs_epi8(a, b), {
        from_i8s(zip(i8s(a), i8s(b), i8::saturating_sub))
    })
}
/// `i8x16.sub_sat_u`
#[inline]
pub fn i8x16_sub_sat_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_subs_epu8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), u8::saturating_sub))
    })
}
/// `i8x16.min_s`
#[inline]
pub fn i8x16_min_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), Ord::min))
}
/// `i8x16.min_u`
#[inline]
pub fn i8x16_min_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_min_epu8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), Ord::min))
    })
}
/// `i8x16.max_s`
#[inline]
pub fn i8x16_max_s(a: u128, b: u128) -> u128 {
    from_i8s(zip(i8s(a), i8s(b), Ord::max))
}
/// `i8x16.max_u`
#[inline]
pub fn i8x16_max_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_max_epu8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), Ord::max))
    })
}
/// `i8x16.avgr_u`: the unsigned average, rounding up.
#[inline]
pub fn i8x16_avgr_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_avg_epu8(a, b), {
        from_u8s(zip(u8s(a), u8s(b), |x, y| {
            ((u16::from(x) + u16::from(y) + 1) >> 1) as u8
        }))
    })
}

// ---- i16x8 arithmetic ----

/// `i16x8.extadd_pairwise_i8x16_s`
#[inline]
pub fn i16x8_extadd_pairwise_i8x16_s(a: u128) -> u128 {
    let a = i8s(a);
    from_i16s(std::array::from_fn(|i| {
        i16::from(a[2 * i]) + i16::from(a[2 * i + 1])
    }))
}
/// `i16x8.extadd_pairwise_i8x16_u`
#[inline]
pub fn i16x8_extadd_pairwise_i8x16_u(a: u128) -> u128 {
    let a = u8s(a);
    from_u16s(std::array::from_fn(|i| {
        u16::from(a[2 * i]) + u16::from(a[2 * i + 1])
    }))
}
/// `i16x8.abs`
#[inline]
pub fn i16x8_abs(a: u128) -> u128 {
    from_i16s(i16s(a).map(i16::wrapping_abs))
}
/// `i16x8.neg`
#[inline]
pub fn i16x8_neg(a: u128) -> u128 {
    from_i16s(i16s(a).map(i16::wrapping_neg))
}
/// `i16x8.q15mulr_sat_s`: `(a * b + 0x4000) >> 15`, saturated.
#[inline]
pub fn i16x8_q15mulr_sat_s(a: u128, b: u128) -> u128 {
    from_i16s(zip(i16s(a), i16s(b), q15mulr_sat))
}
/// `i16x8.all_true`
#[inline]
pub fn i16x8_all_true(a: u128) -> i32 {
    i32::from(u16s(a).iter().all(|&x| x != 0))
}
/// `i16x8.bitmask`
#[inline]
pub fn i16x8_bitmask(a: u128) -> i32 {
    u16s(a)
        .iter()
        .enumerate()
        .fold(0, |m, (i, &x)| m | (i32::from(x >> 15) << i))
}
/// `i16x8.narrow_i32x4_s`: lanes of `a` then of `b`, saturated to `i16`.
#[inline]
pub fn i16x8_narrow_i32x4_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i32s(a), i32s(b));
    from_i16s(std::array::from_fn(|i| {
        let x = if i < 4 { a[i] } else { b[i - 4] };
        x.clamp(-0x8000, 0x7fff) as i16
    }))
}
/// `i16x8.narrow_i32x4_u`: signed lanes of `a` then of `b`, saturated to `u16`.
#[inline]
pub fn i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i32s(a), i32s(b));
    from_u16s(std::array::from_fn(|i| {
        let x = if i < 4 { a[i] } else { b[i - 4] };
        x.clamp(0, 0xffff) as u16
    }))
}
/// `i16x8.extend_low_i8x16_s`
#[inline]
pub fn i16x8_extend_low_i8x16_s(a: u128) -> u128 {
    let a = i8s(a);
    from_i16s(std::array::from_fn(|i| i16::from(a[i])))
}
/// `i16x8.extend_high_i8x16_s`
#[inline]
pub fn i16x8_extend_high_i8x16_s(a: u128) -> u128 {
    let a = i8s(a);
    from_i16s(std::array::from_fn(|i| i16::from(a[i + 8])))
}
/// `i16x8.extend_low_i8x16_u`
#[inline]
pub fn i16x8_extend_low_i8x16_u(a: u128) -> u128 {
    let a = u8s(a);
    from_u16s(std::array::from_fn(|i| u16::from(a[i])))
}
/// `i16x8.extend_high_i8x16_u`
#[inline]
pub fn i16x8_extend_high_i8x16_u(a: u128) -> u128 {
    let a = u8s(a);
    from_u16s(std::array::from_fn(|i| u16::from(a[i + 8])))
}
/// `i16x8.shl`
#[inline]
pub fn i16x8_shl(a: u128, shift: i32) -> u128 {
    let s = (shift & 15) as u32;
    from_u16s(u16s(a).map(|x| x << s))
}
/// `i16x8.shr_s`
#[inline]
pub fn i16x8_shr_s(a: u128, shift: i32) -> u128 {
    let s = (shift & 15) as u32;
    from_i16s(i16s(a).map(|x| x >> s))
}
/// `i16x8.shr_u`
#[inline]
pub fn i16x8_shr_u(a: u128, shift: i32) -> u128 {
    let s = (shift & 15) as u32;
    from_u16s(u16s(a).map(|x| x >> s))
}
/// `i16x8.add`
#[inline]
pub fn i16x8_add(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_add_epi16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), u16::wrapping_add))
    })
}
/// `i16x8.add_sat_s`
#[inline]
pub fn i16x8_add_sat_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_adds_epi16(a, b), {
        from_i16s(zip(i16s(a), i16s(b), i16::saturating_add))
    })
}
/// `i16x8.add_sat_u`
#[inline]
pub fn i16x8_add_sat_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_adds_epu16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), u16::saturating_add))
    })
}
/// `i16x8.sub`
#[inline]
pub fn i16x8_sub(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_sub_epi16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), u16::wrapping_sub))
    })
}
/// `i16x8.sub_sat_s`
#[inline]
pub fn i16x8_sub_sat_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_subs_epi16(a, b), {
        from_i16s(zip(i16s(a), i16s(b), i16::saturating_sub))
    })
}
/// `i16x8.sub_sat_u`
#[inline]
pub fn i16x8_sub_sat_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_subs_epu16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), u16::saturating_sub))
    })
}
/// `i16x8.mul`
#[inline]
pub fn i16x8_mul(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_mullo_epi16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), u16::wrapping_mul))
    })
}
/// `i16x8.min_s`
#[inline]
pub fn i16x8_min_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_min_epi16(a, b), {
        from_i16s(zip(i16s(a), i16s(b), Ord::min))
    })
}
/// `i16x8.min_u`
#[inline]
pub fn i16x8_min_u(a: u128, b: u128) -> u128 {
    from_u16s(zip(u16s(a), u16s(b), Ord::min))
}
/// `i16x8.max_s`
#[inline]
pub fn i16x8_max_s(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_max_epi16(a, b), {
        from_i16s(zip(i16s(a), i16s(b), Ord::max))
    })
}
/// `i16x8.max_u`
#[inline]
pub fn i16x8_max_u(a: u128, b: u128) -> u128 {
    from_u16s(zip(u16s(a), u16s(b), Ord::max))
}
/// `i16x8.avgr_u`: the unsigned average, rounding up.
#[inline]
pub fn i16x8_avgr_u(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_avg_epu16(a, b), {
        from_u16s(zip(u16s(a), u16s(b), |x, y| {
            ((u32::from(x) + u32::from(y) + 1) >> 1) as u16
        }))
    })
}
/// `i16x8.extmul_low_i8x16_s`
#[inline]
pub fn i16x8_extmul_low_i8x16_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i8s(a), i8s(b));
    from_i16s(std::array::from_fn(|i| i16::from(a[i]) * i16::from(b[i])))
}
/// `i16x8.extmul_high_i8x16_s`
#[inline]
pub fn i16x8_extmul_high_i8x16_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i8s(a), i8s(b));
    from_i16s(std::array::from_fn(|i| {
        i16::from(a[i + 8]) * i16::from(b[i + 8])
    }))
}
/// `i16x8.extmul_low_i8x16_u`
#[inline]
pub fn i16x8_extmul_low_i8x16_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u8s(a), u8s(b));
    from_u16s(std::array::from_fn(|i| u16::from(a[i]) * u16::from(b[i])))
}
/// `i16x8.extmul_high_i8x16_u`
#[inline]
pub fn i16x8_extmul_high_i8x16_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u8s(a), u8s(b));
    from_u16s(std::array::from_fn(|i| {
        u16::from(a[i + 8]) * u16::from(b[i + 8])
    }))
}

// ---- i32x4 arithmetic ----

/// `i32x4.extadd_pairwise_i16x8_s`
#[inline]
pub fn i32x4_extadd_pairwise_i16x8_s(a: u128) -> u128 {
    let a = i16s(a);
    from_i32s(std::array::from_fn(|i| {
        i32::from(a[2 * i]) + i32::from(a[2 * i + 1])
    }))
}
/// `i32x4.extadd_pairwise_i16x8_u`
#[inline]
pub fn i32x4_extadd_pairwise_i16x8_u(a: u128) -> u128 {
    let a = u16s(a);
    from_u32s(std::array::from_fn(|i| {
        u32::from(a[2 * i]) + u32::from(a[2 * i + 1])
    }))
}
/// `i32x4.abs`
#[inline]
pub fn i32x4_abs(a: u128) -> u128 {
    from_i32s(i32s(a).map(i32::wrapping_abs))
}
/// `i32x4.neg`
#[inline]
pub fn i32x4_neg(a: u128) -> u128 {
    from_i32s(i32s(a).map(i32::wrapping_neg))
}
/// `i32x4.all_true`
#[inline]
pub fn i32x4_all_true(a: u128) -> i32 {
    i32::from(u32s(a).iter().all(|&x| x != 0))
}
/// `i32x4.bitmask`
#[inline]
pub fn i32x4_bitmask(a: u128) -> i32 {
    u32s(a)
        .iter()
        .enumerate()
        .fold(0, |m, (i, &x)| m | (((x >> 31) as i32) << i))
}
/// `i32x4.extend_low_i16x8_s`
#[inline]
pub fn i32x4_extend_low_i16x8_s(a: u128) -> u128 {
    let a = i16s(a);
    from_i32s(std::array::from_fn(|i| i32::from(a[i])))
}
/// `i32x4.extend_high_i16x8_s`
#[inline]
pub fn i32x4_extend_high_i16x8_s(a: u128) -> u128 {
    let a = i16s(a);
    from_i32s(std::array::from_fn(|i| i32::from(a[i + 4])))
}
/// `i32x4.extend_low_i16x8_u`
#[inline]
pub fn i32x4_extend_low_i16x8_u(a: u128) -> u128 {
    let a = u16s(a);
    from_u32s(std::array::from_fn(|i| u32::from(a[i])))
}
/// `i32x4.extend_high_i16x8_u`
#[inline]
pub fn i32x4_extend_high_i16x8_u(a: u128) -> u128 {
    let a = u16s(a);
    from_u32s(std::array::from_fn(|i| u32::from(a[i + 4])))
}
/// `i32x4.shl`
#[inline]
pub fn i32x4_shl(a: u128, shift: i32) -> u128 {
    let s = (shift & 31) as u32;
    from_u32s(u32s(a).map(|x| x << s))
}
/// `i32x4.shr_s`
#[inline]
pub fn i32x4_shr_s(a: u128, shift: i32) -> u128 {
    let s = (shift & 31) as u32;
    from_i32s(i32s(a).map(|x| x >> s))
}
/// `i32x4.shr_u`
#[inline]
pub fn i32x4_shr_u(a: u128, shift: i32) -> u128 {
    let s = (shift & 31) as u32;
    from_u32s(u32s(a).map(|x| x >> s))
}
/// `i32x4.add`
#[inline]
pub fn i32x4_add(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_add_epi32(a, b), {
        from_u32s(zip(u32s(a), u32s(b), u32::wrapping_add))
    })
}
/// `i32x4.sub`
#[inline]
pub fn i32x4_sub(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_sub_epi32(a, b), {
        from_u32s(zip(u32s(a), u32s(b), u32::wrapping_sub))
    })
}
/// `i32x4.mul`
#[inline]
pub fn i32x4_mul(a: u128, b: u128) -> u128 {
    from_u32s(zip(u32s(a), u32s(b), u32::wrapping_mul))
}
/// `i32x4.min_s`
#[inline]
pub fn i32x4_min_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), Ord::min))
}
/// `i32x4.min_u`
#[inline]
pub fn i32x4_min_u(a: u128, b: u128) -> u128 {
    from_u32s(zip(u32s(a), u32s(b), Ord::min))
}
/// `i32x4.max_s`
#[inline]
pub fn i32x4_max_s(a: u128, b: u128) -> u128 {
    from_i32s(zip(i32s(a), i32s(b), Ord::max))
}
/// `i32x4.max_u`
#[inline]
pub fn i32x4_max_u(a: u128, b: u128) -> u128 {
    from_u32s(zip(u32s(a), u32s(b), Ord::max))
}
/// `i32x4.dot_i16x8_s`: sums of adjacent signed products, wrapping.
#[inline]
pub fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    let p: [i32; 8] = zip(i16s(a), i16s(b), |x, y| i32::from(x) * i32::from(y));
    from_i32s(std::array::from_fn(|i| p[2 * i].wrapping_add(p[2 * i + 1])))
}
/// `i32x4.extmul_low_i16x8_s`
#[inline]
pub fn i32x4_extmul_low_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16s(a), i16s(b));
    from_i32s(std::array::from_fn(|i| i32::from(a[i]) * i32::from(b[i])))
}
/// `i32x4.extmul_high_i16x8_s`
#[inline]
pub fn i32x4_extmul_high_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16s(a), i16s(b));
    from_i32s(std::array::from_fn(|i| {
        i32::from(a[i + 4]) * i32::from(b[i + 4])
    }))
}
/// `i32x4.extmul_low_i16x8_u`
#[inline]
pub fn i32x4_extmul_low_i16x8_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u16s(a), u16s(b));
    from_u32s(std::array::from_fn(|i| u32::from(a[i]) * u32::from(b[i])))
}
/// `i32x4.extmul_high_i16x8_u`
#[inline]
pub fn i32x4_extmul_high_i16x8_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u16s(a), u16s(b));
    from_u32s(std::array::from_fn(|i| {
        u32::from(a[i + 4]) * u32::from(b[i + 4])
    }))
}

// ---- i64x2 arithmetic ----

/// `i64x2.abs`
#[inline]
pub fn i64x2_abs(a: u128) -> u128 {
    from_i64s(i64s(a).map(i64::wrapping_abs))
}
/// `i64x2.neg`
#[inline]
pub fn i64x2_neg(a: u128) -> u128 {
    from_i64s(i64s(a).map(i64::wrapping_neg))
}
/// `i64x2.all_true`
#[inline]
pub fn i64x2_all_true(a: u128) -> i32 {
    i32::from(u64s(a).iter().all(|&x| x != 0))
}
/// `i64x2.bitmask`
#[inline]
pub fn i64x2_bitmask(a: u128) -> i32 {
    let [lo, hi] = u64s(a);
    ((lo >> 63) | ((hi >> 63) << 1)) as i32
}
/// `i64x2.extend_low_i32x4_s`
#[inline]
pub fn i64x2_extend_low_i32x4_s(a: u128) -> u128 {
    let a = i32s(a);
    from_i64s([i64::from(a[0]), i64::from(a[1])])
}
/// `i64x2.extend_high_i32x4_s`
#[inline]
pub fn i64x2_extend_high_i32x4_s(a: u128) -> u128 {
    let a = i32s(a);
    from_i64s([i64::from(a[2]), i64::from(a[3])])
}
/// `i64x2.extend_low_i32x4_u`
#[inline]
pub fn i64x2_extend_low_i32x4_u(a: u128) -> u128 {
    let a = u32s(a);
    from_u64s([u64::from(a[0]), u64::from(a[1])])
}
/// `i64x2.extend_high_i32x4_u`
#[inline]
pub fn i64x2_extend_high_i32x4_u(a: u128) -> u128 {
    let a = u32s(a);
    from_u64s([u64::from(a[2]), u64::from(a[3])])
}
/// `i64x2.shl`
#[inline]
pub fn i64x2_shl(a: u128, shift: i32) -> u128 {
    let s = (shift & 63) as u32;
    from_u64s(u64s(a).map(|x| x << s))
}
/// `i64x2.shr_s`
#[inline]
pub fn i64x2_shr_s(a: u128, shift: i32) -> u128 {
    let s = (shift & 63) as u32;
    from_i64s(i64s(a).map(|x| x >> s))
}
/// `i64x2.shr_u`
#[inline]
pub fn i64x2_shr_u(a: u128, shift: i32) -> u128 {
    let s = (shift & 63) as u32;
    from_u64s(u64s(a).map(|x| x >> s))
}
/// `i64x2.add`
#[inline]
pub fn i64x2_add(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_add_epi64(a, b), {
        from_u64s(zip(u64s(a), u64s(b), u64::wrapping_add))
    })
}
/// `i64x2.sub`
#[inline]
pub fn i64x2_sub(a: u128, b: u128) -> u128 {
    sse2_or!(_mm_sub_epi64(a, b), {
        from_u64s(zip(u64s(a), u64s(b), u64::wrapping_sub))
    })
}
/// `i64x2.mul`
#[inline]
pub fn i64x2_mul(a: u128, b: u128) -> u128 {
    from_u64s(zip(u64s(a), u64s(b), u64::wrapping_mul))
}
/// `i64x2.extmul_low_i32x4_s`
#[inline]
pub fn i64x2_extmul_low_i32x4_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i32s(a), i32s(b));
    from_i64s([
        i64::from(a[0]) * i64::from(b[0]),
        i64::from(a[1]) * i64::from(b[1]),
    ])
}
/// `i64x2.extmul_high_i32x4_s`
#[inline]
pub fn i64x2_extmul_high_i32x4_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i32s(a), i32s(b));
    from_i64s([
        i64::from(a[2]) * i64::from(b[2]),
        i64::from(a[3]) * i64::from(b[3]),
    ])
}
/// `i64x2.extmul_low_i32x4_u`
#[inline]
pub fn i64x2_extmul_low_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u32s(a), u32s(b));
    from_u64s([
        u64::from(a[0]) * u64::from(b[0]),
        u64::from(a[1]) * u64::from(b[1]),
    ])
}
/// `i64x2.extmul_high_i32x4_u`
#[inline]
pub fn i64x2_extmul_high_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (u32s(a), u32s(b));
    from_u64s([
        u64::from(a[2]) * u64::from(b[2]),
        u64::from(a[3]) * u64::from(b[3]),
    ])
}

// ---- f32x4 arithmetic ----

/// `f32x4.ceil`
#[inline]
pub fn f32x4_ceil(a: u128) -> u128 {
    from_f32s(f32s(a).map(|x| quiet_f32(x.ceil())))
}
/// `f32x4.floor`
#[inline]
pub fn f32x4_floor(a: u128) -> u128 {
    from_f32s(f32s(a).map(|x| quiet_f32(x.floor())))
}
/// `f32x4.trunc`
#[inline]
pub fn f32x4_trunc(a: u128) -> u128 {
    from_f32s(f32s(a).map(|x| quiet_f32(x.trunc())))
}
/// `f32x4.nearest`: round to nearest, ties to even.
#[inline]
pub fn f32x4_nearest(a: u128) -> u128 {
    from_f32s(f32s(a).map(|x| quiet_f32(x.round_ties_even())))
}
/// `f32x4.abs`: clears each sign bit, NaNs included.
#[inline]
pub fn f32x4_abs(a: u128) -> u128 {
    a & !F32_SIGNS
}
/// `f32x4.neg`: flips each sign bit, NaNs included.
#[inline]
pub fn f32x4_neg(a: u128) -> u128 {
    a ^ F32_SIGNS
}
/// `f32x4.sqrt`
#[inline]
pub fn f32x4_sqrt(a: u128) -> u128 {
    from_f32s(f32s(a).map(|x| quiet_f32(x.sqrt())))
}
/// `f32x4.add`
#[inline]
pub fn f32x4_add(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), |x, y| x + y))
}
/// `f32x4.sub`
#[inline]
pub fn f32x4_sub(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), |x, y| x - y))
}
/// `f32x4.mul`
#[inline]
pub fn f32x4_mul(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), |x, y| x * y))
}
/// `f32x4.div`
#[inline]
pub fn f32x4_div(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), |x, y| x / y))
}
/// `f32x4.min`: NaN if either lane is NaN; -0 is less than +0.
#[inline]
pub fn f32x4_min(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), fmin32))
}
/// `f32x4.max`: NaN if either lane is NaN; +0 is greater than -0.
#[inline]
pub fn f32x4_max(a: u128, b: u128) -> u128 {
    from_f32s(zip(f32s(a), f32s(b), fmax32))
}
/// `f32x4.pmin`: `b < a ? b : a`, returning the chosen lane's exact bits.
#[inline]
pub fn f32x4_pmin(a: u128, b: u128) -> u128 {
    from_u32s(zip(u32s(a), u32s(b), |x, y| {
        if f32::from_bits(y) < f32::from_bits(x) {
            y
        } else {
            x
        }
    }))
}
/// `f32x4.pmax`: `a < b ? b : a`, returning the chosen lane's exact bits.
#[inline]
pub fn f32x4_pmax(a: u128, b: u128) -> u128 {
    from_u32s(zip(u32s(a), u32s(b), |x, y| {
        if f32::from_bits(x) < f32::from_bits(y) {
            y
        } else {
            x
        }
    }))
}

// ---- f64x2 arithmetic ----

/// `f64x2.ceil`
#[inline]
pub fn f64x2_ceil(a: u128) -> u128 {
    from_f64s(f64s(a).map(|x| quiet_f64(x.ceil())))
}
/// `f64x2.floor`
#[inline]
pub fn f64x2_floor(a: u128) -> u128 {
    from_f64s(f64s(a).map(|x| quiet_f64(x.floor())))
}
/// `f64x2.trunc`
#[inline]
pub fn f64x2_trunc(a: u128) -> u128 {
    from_f64s(f64s(a).map(|x| quiet_f64(x.trunc())))
}
/// `f64x2.nearest`: round to nearest, ties to even.
#[inline]
pub fn f64x2_nearest(a: u128) -> u128 {
    from_f64s(f64s(a).map(|x| quiet_f64(x.round_ties_even())))
}
/// `f64x2.abs`: clears each sign bit, NaNs included.
#[inline]
pub fn f64x2_abs(a: u128) -> u128 {
    a & !F64_SIGNS
}
/// `f64x2.neg`: flips each sign bit, NaNs included.
#[inline]
pub fn f64x2_neg(a: u128) -> u128 {
    a ^ F64_SIGNS
}
/// `f64x2.sqrt`
#[inline]
pub fn f64x2_sqrt(a: u128) -> u128 {
    from_f64s(f64s(a).map(|x| quiet_f64(x.sqrt())))
}
/// `f64x2.add`
#[inline]
pub fn f64x2_add(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), |x, y| x + y))
}
/// `f64x2.sub`
#[inline]
pub fn f64x2_sub(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), |x, y| x - y))
}
/// `f64x2.mul`
#[inline]
pub fn f64x2_mul(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), |x, y| x * y))
}
/// `f64x2.div`
#[inline]
pub fn f64x2_div(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), |x, y| x / y))
}
/// `f64x2.min`: NaN if either lane is NaN; -0 is less than +0.
#[inline]
pub fn f64x2_min(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), fmin64))
}
/// `f64x2.max`: NaN if either lane is NaN; +0 is greater than -0.
#[inline]
pub fn f64x2_max(a: u128, b: u128) -> u128 {
    from_f64s(zip(f64s(a), f64s(b), fmax64))
}
/// `f64x2.pmin`: `b < a ? b : a`, returning the chosen lane's exact bits.
#[inline]
pub fn f64x2_pmin(a: u128, b: u128) -> u128 {
    from_u64s(zip(u64s(a), u64s(b), |x, y| {
        if f64::from_bits(y) < f64::from_bits(x) {
            y
        } else {
            x
        }
    }))
}
/// `f64x2.pmax`: `a < b ? b : a`, returning the chosen lane's exact bits.
#[inline]
pub fn f64x2_pmax(a: u128, b: u128) -> u128 {
    from_u64s(zip(u64s(a), u64s(b), |x, y| {
        if f64::from_bits(x) < f64::from_bits(y) {
            y
        } else {
            x
        }
    }))
}

// ---- conversions ----

/// `i32x4.trunc_sat_f32x4_s`: NaN gives 0, out-of-range values saturate.
#[inline]
pub fn i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
    from_i32s(f32s(a).map(|x| x as i32))
}
/// `i32x4.trunc_sat_f32x4_u`: NaN gives 0, out-of-range values saturate.
#[inline]
pub fn i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
    from_u32s(f32s(a).map(|x| x as u32))
}
/// `f32x4.convert_i32x4_s`
#[inline]
pub fn f32x4_convert_i32x4_s(a: u128) -> u128 {
    from_f32s(i32s(a).map(|x| x as f32))
}
/// `f32x4.convert_i32x4_u`
#[inline]
pub fn f32x4_convert_i32x4_u(a: u128) -> u128 {
    from_f32s(u32s(a).map(|x| x as f32))
}
/// `i32x4.trunc_sat_f64x2_s_zero`: the two converted lanes, then two zero lanes.
#[inline]
pub fn i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
    let [x, y] = f64s(a);
    from_i32s([x as i32, y as i32, 0, 0])
}
/// `i32x4.trunc_sat_f64x2_u_zero`: the two converted lanes, then two zero lanes.
#[inline]
pub fn i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
    let [x, y] = f64s(a);
    from_u32s([x as u32, y as u32, 0, 0])
}
/// `f64x2.convert_low_i32x4_s`
#[inline]
pub fn f64x2_convert_low_i32x4_s(a: u128) -> u128 {
    let a = i32s(a);
    from_f64s([f64::from(a[0]), f64::from(a[1])])
}
/// `f64x2.convert_low_i32x4_u`
#[inline]
pub fn f64x2_convert_low_i32x4_u(a: u128) -> u128 {
    let a = u32s(a);
    from_f64s([f64::from(a[0]), f64::from(a[1])])
}
/// `f32x4.demote_f64x2_zero`: the two rounded lanes, then two zero lanes.
#[inline]
pub fn f32x4_demote_f64x2_zero(a: u128) -> u128 {
    let [x, y] = f64s(a);
    from_f32s([quiet_f32(x as f32), quiet_f32(y as f32), 0.0, 0.0])
}
/// `f64x2.promote_low_f32x4`
#[inline]
pub fn f64x2_promote_low_f32x4(a: u128) -> u128 {
    let a = f32s(a);
    from_f64s([quiet_f64(f64::from(a[0])), quiet_f64(f64::from(a[1]))])
}

// ---- relaxed SIMD (one fixed behaviour each; see the module documentation) ----

/// `i8x16.relaxed_swizzle`: behaves as `i8x16.swizzle`.
#[inline]
pub fn i8x16_relaxed_swizzle(a: u128, b: u128) -> u128 {
    i8x16_swizzle(a, b)
}
/// `i32x4.relaxed_trunc_f32x4_s`: behaves as `i32x4.trunc_sat_f32x4_s`.
#[inline]
pub fn i32x4_relaxed_trunc_f32x4_s(a: u128) -> u128 {
    i32x4_trunc_sat_f32x4_s(a)
}
/// `i32x4.relaxed_trunc_f32x4_u`: behaves as `i32x4.trunc_sat_f32x4_u`.
#[inline]
pub fn i32x4_relaxed_trunc_f32x4_u(a: u128) -> u128 {
    i32x4_trunc_sat_f32x4_u(a)
}
/// `i32x4.relaxed_trunc_f64x2_s_zero`: behaves as `i32x4.trunc_sat_f64x2_s_zero`.
#[inline]
pub fn i32x4_relaxed_trunc_f64x2_s_zero(a: u128) -> u128 {
    i32x4_trunc_sat_f64x2_s_zero(a)
}
/// `i32x4.relaxed_trunc_f64x2_u_zero`: behaves as `i32x4.trunc_sat_f64x2_u_zero`.
#[inline]
pub fn i32x4_relaxed_trunc_f64x2_u_zero(a: u128) -> u128 {
    i32x4_trunc_sat_f64x2_u_zero(a)
}
/// `f32x4.relaxed_madd`: `a * b + c`, fused (rounded once).
#[inline]
pub fn f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    from_f32s(zip3(f32s(a), f32s(b), f32s(c), f32::mul_add))
}
/// `f32x4.relaxed_nmadd`: `-(a * b) + c`, fused (rounded once).
#[inline]
pub fn f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    from_f32s(zip3(f32s(a), f32s(b), f32s(c), |x, y, z| {
        (-x).mul_add(y, z)
    }))
}
/// `f64x2.relaxed_madd`: `a * b + c`, fused (rounded once).
#[inline]
pub fn f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    from_f64s(zip3(f64s(a), f64s(b), f64s(c), f64::mul_add))
}
/// `f64x2.relaxed_nmadd`: `-(a * b) + c`, fused (rounded once).
#[inline]
pub fn f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    from_f64s(zip3(f64s(a), f64s(b), f64s(c), |x, y, z| {
        (-x).mul_add(y, z)
    }))
}
/// `i8x16.relaxed_laneselect`: behaves as `v128.bitselect`.
#[inline]
pub fn i8x16_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}
/// `i16x8.relaxed_laneselect`: behaves as `v128.bitselect`.
#[inline]
pub fn i16x8_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}
/// `i32x4.relaxed_laneselect`: behaves as `v128.bitselect`.
#[inline]
pub fn i32x4_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}
/// `i64x2.relaxed_laneselect`: behaves as `v128.bitselect`.
#[inline]
pub fn i64x2_relaxed_laneselect(a: u128, b: u128, c: u128) -> u128 {
    v128_bitselect(a, b, c)
}
/// `f32x4.relaxed_min`: behaves as `f32x4.min`.
#[inline]
pub fn f32x4_relaxed_min(a: u128, b: u128) -> u128 {
    f32x4_min(a, b)
}
/// `f32x4.relaxed_max`: behaves as `f32x4.max`.
#[inline]
pub fn f32x4_relaxed_max(a: u128, b: u128) -> u128 {
    f32x4_max(a, b)
}
/// `f64x2.relaxed_min`: behaves as `f64x2.min`.
#[inline]
pub fn f64x2_relaxed_min(a: u128, b: u128) -> u128 {
    f64x2_min(a, b)
}
/// `f64x2.relaxed_max`: behaves as `f64x2.max`.
#[inline]
pub fn f64x2_relaxed_max(a: u128, b: u128) -> u128 {
    f64x2_max(a, b)
}
/// `i16x8.relaxed_q15mulr_s`: behaves as `i16x8.q15mulr_sat_s`.
#[inline]
pub fn i16x8_relaxed_q15mulr_s(a: u128, b: u128) -> u128 {
    i16x8_q15mulr_sat_s(a, b)
}
/// `i16x8.relaxed_dot_i8x16_i7x16_s`: sums of adjacent signed 8-bit products, wrapping to 16 bits.
#[inline]
pub fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    from_i16s(relaxed_dot_i16(a, b))
}
/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: sums of four adjacent signed 8-bit products (added
/// in pairs to 16 bits first), plus the lanes of `c`.
#[inline]
pub fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let d = relaxed_dot_i16(a, b);
    let c = i32s(c);
    from_i32s(std::array::from_fn(|i| {
        (i32::from(d[2 * i]) + i32::from(d[2 * i + 1])).wrapping_add(c[i])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i8x16(l: [i8; 16]) -> u128 {
        from_i8s(l)
    }
    fn i16x8(l: [i16; 8]) -> u128 {
        from_i16s(l)
    }
    fn i32x4(l: [i32; 4]) -> u128 {
        from_i32s(l)
    }
    fn i64x2(l: [i64; 2]) -> u128 {
        from_i64s(l)
    }
    fn f32x4(l: [f32; 4]) -> u128 {
        from_f32s(l)
    }
    /// Whether `bits` are an `f32` arithmetic NaN: all exponent bits and the quiet bit set.
    fn is_arithmetic_nan(bits: u32) -> bool {
        bits & 0x7fc0_0000 == 0x7fc0_0000
    }

    fn f64x2(l: [f64; 2]) -> u128 {
        from_f64s(l)
    }

    #[test]
    fn layout_is_little_endian() {
        let v = i32x4([1, 2, 3, 4]);
        assert_eq!(v & 0xffff_ffff, 1);
        assert_eq!(v >> 96, 4);
        assert_eq!(i32x4_extract_lane(v, 2), 3);
        assert_eq!(i8x16_extract_lane_u(v, 4), 2);
        assert_eq!(v128_store(v)[0], 1);
        assert_eq!(v128_load(v128_store(v)), v);
    }

    #[test]
    fn lanes_shuffles_and_splats() {
        let a = from_u8s(std::array::from_fn(|i| i as u8));
        let b = from_u8s(std::array::from_fn(|i| 16 + i as u8));
        let mut lanes = [0u8; 16];
        for (i, l) in lanes.iter_mut().enumerate() {
            *l = 31 - i as u8;
        }
        assert_eq!(
            u8s(i8x16_shuffle(a, b, lanes)),
            std::array::from_fn(|i| 31 - i as u8)
        );
        let idx = from_u8s([0, 15, 16, 255, 3, 0x80, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let r = u8s(i8x16_swizzle(a, idx));
        assert_eq!(&r[..7], &[0, 15, 0, 0, 3, 0, 1]);
        assert_eq!(i8x16_relaxed_swizzle(a, idx), i8x16_swizzle(a, idx));
        assert_eq!(i8x16_extract_lane_s(i8x16_splat(-3), 9), -3);
        assert_eq!(i8x16_extract_lane_u(i8x16_splat(-3), 9), 253);
        assert_eq!(i16x8_extract_lane_s(i16x8_splat(0x1_8000), 7), -32768);
        assert_eq!(i16x8_extract_lane_u(i16x8_splat(-1), 0), 0xffff);
        assert_eq!(i64x2_extract_lane(i64x2_splat(-5), 1), -5);
        assert_eq!(f64x2_extract_lane(f64x2_splat(2.5), 1), 2.5);
        assert_eq!(f32x4_extract_lane(f32x4_splat(-1.5), 3), -1.5);
        let r = i16x8_replace_lane(0, 3, 0x1234_5678);
        assert_eq!(r, 0x5678u128 << 48);
        let r = f32x4_replace_lane(f32x4_splat(1.0), 1, 2.0);
        assert_eq!(f32s(r), [1.0, 2.0, 1.0, 1.0]);
        let r = i64x2_replace_lane(0, 1, -1);
        assert_eq!(r, u128::from(u64::MAX) << 64);
        assert_eq!(i8x16_replace_lane(0, 15, 0x1ff), 0xffu128 << 120);
    }

    #[test]
    fn memory_helpers() {
        let bytes = [0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0x34, 0x12];
        assert_eq!(
            i16s(v128_load8x8_s(bytes)),
            [-128, 127, -1, 1, 0, -128, 0x34, 0x12]
        );
        assert_eq!(
            u16s(v128_load8x8_u(bytes)),
            [128, 127, 255, 1, 0, 128, 0x34, 0x12]
        );
        assert_eq!(
            i32s(v128_load16x4_s(bytes)),
            [0x7f80, 0x01ff, -32768, 0x1234]
        );
        assert_eq!(
            u32s(v128_load16x4_u(bytes)),
            [0x7f80, 0x01ff, 0x8000, 0x1234]
        );
        assert_eq!(i64s(v128_load32x2_s(bytes)), [0x01ff_7f80, 0x1234_8000]);
        let bytes = [0, 0, 0, 0x80, 1, 0, 0, 0];
        assert_eq!(i64s(v128_load32x2_s(bytes)), [-(1 << 31), 1]);
        assert_eq!(u64s(v128_load32x2_u(bytes)), [1 << 31, 1]);
        assert_eq!(v128_load8_splat([0xab]), i8x16_splat(0xab));
        assert_eq!(v128_load16_splat([0x34, 0x12]), i16x8_splat(0x1234));
        assert_eq!(v128_load32_splat([1, 2, 3, 4]), i32x4_splat(0x0403_0201));
        assert_eq!(
            v128_load64_splat([1; 8]),
            i64x2_splat(0x0101_0101_0101_0101)
        );
        assert_eq!(v128_load32_zero([1, 2, 3, 4]), 0x0403_0201);
        assert_eq!(v128_load64_zero([1; 8]), 0x0101_0101_0101_0101);
        let v = v128_load8_lane(u128::MAX, 2, [0]);
        assert_eq!(v, !(0xffu128 << 16));
        assert_eq!(v128_store8_lane(v, 2), [0]);
        let v = v128_load16_lane(0, 7, [0x34, 0x12]);
        assert_eq!(v128_store16_lane(v, 7), [0x34, 0x12]);
        assert_eq!(extract_lane_bytes16(v, 7), 0x1234);
        let v = v128_load32_lane(0, 1, [1, 2, 3, 4]);
        assert_eq!(v128_store32_lane(v, 1), [1, 2, 3, 4]);
        assert_eq!(v, 0x0403_0201u128 << 32);
        let v = v128_load64_lane(0, 1, [9; 8]);
        assert_eq!(v128_store64_lane(v, 1), [9; 8]);
        assert_eq!(v128_store64_lane(v, 0), [0; 8]);
    }

    #[test]
    fn bitmasks_match_a_lane_loop() {
        let mut x = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
        for _ in 0..64 {
            let naive = |bits: u32| {
                (0..128 / bits).fold(0, |m, i| {
                    m | ((((x >> (i * bits + bits - 1)) & 1) as i32) << i)
                })
            };
            assert_eq!(i8x16_bitmask(x), naive(8));
            assert_eq!(i16x8_bitmask(x), naive(16));
            assert_eq!(i32x4_bitmask(x), naive(32));
            assert_eq!(i64x2_bitmask(x), naive(64));
            x = x
                .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
                .wrapping_add(1);
        }
        assert_eq!(i8x16_bitmask(u128::MAX), 0xffff);
        assert_eq!(i8x16_bitmask(0), 0);
    }

    #[test]
    fn bitwise() {
        let a = 0xff00_ff00u128;
        let b = 0x0ff0_0ff0u128;
        assert_eq!(v128_andnot(a, b), a & !b);
        assert_eq!(v128_bitselect(a, b, 0xffff_0000), 0xff00_0ff0);
        assert_eq!(i32x4_relaxed_laneselect(a, b, 0xffff_0000), 0xff00_0ff0);
        assert_eq!(v128_any_true(0), 0);
        assert_eq!(v128_any_true(1 << 127), 1);
        assert_eq!(v128_not(0), u128::MAX);
    }

    #[test]
    fn i8x16_ops() {
        let a = i8x16([-128, -1, 0, 1, 127, 100, -100, 5, 0, 0, 0, 0, 0, 0, 0, 3]);
        let b = i8x16([1, 1, 1, 1, 1, 100, -100, -5, 0, 0, 0, 0, 0, 0, 0, 1]);
        let r = i8s(i8x16_add_sat_s(a, b));
        assert_eq!(&r[..8], &[-127, 0, 1, 2, 127, 127, -128, 0]);
        let r = u8s(i8x16_add_sat_u(a, b));
        assert_eq!(&r[..8], &[129, 255, 1, 2, 128, 200, 255, 255]);
        let r = i8s(i8x16_sub(a, b));
        assert_eq!(&r[..3], &[127, -2, -1]);
        assert_eq!(i8s(i8x16_abs(a))[0], -128);
        assert_eq!(i8s(i8x16_neg(a))[..2], [-128, 1]);
        assert_eq!(u8s(i8x16_popcnt(a))[..4], [1, 8, 0, 1]);
        assert_eq!(i8x16_bitmask(a), 0b0100_0011);
        assert_eq!(i8x16_all_true(a), 0);
        assert_eq!(i8x16_all_true(i8x16_splat(1)), 1);
        assert_eq!(i8s(i8x16_lt_s(a, b))[..3], [-1, -1, -1]);
        assert_eq!(i8s(i8x16_lt_u(a, b))[..3], [0, 0, -1]);
        assert_eq!(i8s(i8x16_shl(a, 9))[..4], [0, -2, 0, 2]);
        assert_eq!(i8s(i8x16_shr_s(a, 7))[..5], [-1, -1, 0, 0, 0]);
        assert_eq!(u8s(i8x16_shr_u(a, 15))[..5], [1, 1, 0, 0, 0]);
        assert_eq!(u8s(i8x16_avgr_u(a, b))[..2], [65, 128]);
        assert_eq!(i8s(i8x16_min_s(a, b))[7], -5);
        assert_eq!(u8s(i8x16_max_u(a, b))[7], 251);
        let w = i16x8([300, -300, 127, -128, 255, 0, 1, -1]);
        assert_eq!(
            i8s(i8x16_narrow_i16x8_s(w, 0))[..8],
            [127, -128, 127, -128, 127, 0, 1, -1]
        );
        assert_eq!(
            u8s(i8x16_narrow_i16x8_u(0, w))[8..],
            [255, 0, 127, 0, 255, 0, 1, 0]
        );
    }

    #[test]
    fn i16x8_ops() {
        let a = i16x8([-32768, -1, 0, 1, 32767, 1000, -1000, 3]);
        let b = i16x8([-32768, 2, 1, 1, 1, 1000, 1000, -3]);
        assert_eq!(
            i16s(i16x8_q15mulr_sat_s(a, b)),
            [32767, 0, 0, 0, 1, 31, -31, 0]
        );
        assert_eq!(i16x8_relaxed_q15mulr_s(a, b), i16x8_q15mulr_sat_s(a, b));
        assert_eq!(i16s(i16x8_mul(a, b))[..2], [0, -2]);
        assert_eq!(i16s(i16x8_sub_sat_s(a, b))[4..6], [32766, 0]);
        assert_eq!(u16s(i16x8_sub_sat_u(a, b))[1], 0xfffd);
        assert_eq!(i16x8_bitmask(a), 0b0100_0011);
        let p = i8x16([-128, -128, 127, 127, -1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i16s(i16x8_extadd_pairwise_i8x16_s(p))[..3], [-256, 254, 1]);
        assert_eq!(u16s(i16x8_extadd_pairwise_i8x16_u(p))[..3], [256, 254, 257]);
        assert_eq!(i16s(i16x8_extend_low_i8x16_s(p))[..2], [-128, -128]);
        assert_eq!(u16s(i16x8_extend_low_i8x16_u(p))[..2], [128, 128]);
        assert_eq!(i16s(i16x8_extend_high_i8x16_s(i8x16_splat(-2))), [-2; 8]);
        assert_eq!(u16s(i16x8_extend_high_i8x16_u(i8x16_splat(-2))), [254; 8]);
        assert_eq!(i16s(i16x8_extmul_low_i8x16_s(p, p))[..2], [16384, 16384]);
        assert_eq!(
            u16s(i16x8_extmul_high_i8x16_u(i8x16_splat(-1), i8x16_splat(-1))),
            [65025; 8]
        );
        assert_eq!(i16s(i16x8_shr_s(a, 17))[0], -16384);
        assert_eq!(u16s(i16x8_avgr_u(a, b))[1], 0x8001);
        let n = i32x4([70000, -70000, 65535, -1]);
        assert_eq!(
            i16s(i16x8_narrow_i32x4_s(n, n))[..4],
            [32767, -32768, 32767, -1]
        );
        assert_eq!(u16s(i16x8_narrow_i32x4_u(n, n))[4..], [65535, 0, 65535, 0]);
    }

    #[test]
    fn i32x4_and_i64x2_ops() {
        let a = i32x4([i32::MIN, -1, 7, 1 << 20]);
        let b = i32x4([i32::MIN, 3, -7, 1 << 20]);
        assert_eq!(i32s(i32x4_mul(a, b)), [0, -3, -49, 0]);
        assert_eq!(i32s(i32x4_abs(a)), [i32::MIN, 1, 7, 1 << 20]);
        assert_eq!(i32x4_bitmask(a), 0b11);
        assert_eq!(i32s(i32x4_min_u(a, b))[..2], [i32::MIN, 3]);
        assert_eq!(i32s(i32x4_gt_s(a, b)), [0, 0, -1, 0]);
        assert_eq!(i32s(i32x4_shl(a, 33)), [0, -2, 14, 1 << 21]);
        let h = i16x8([-32768, -32768, 1, 2, 3, 4, -5, 6]);
        assert_eq!(i32s(i32x4_dot_i16x8_s(h, h)), [i32::MIN, 5, 25, 61]);
        assert_eq!(i32s(i32x4_extadd_pairwise_i16x8_s(h)), [-65536, 3, 7, 1]);
        assert_eq!(u32s(i32x4_extadd_pairwise_i16x8_u(h))[0], 65536);
        assert_eq!(i32s(i32x4_extend_high_i16x8_s(h)), [3, 4, -5, 6]);
        assert_eq!(u32s(i32x4_extend_low_i16x8_u(h))[0], 32768);
        assert_eq!(i32s(i32x4_extmul_low_i16x8_s(h, h))[0], 1 << 30);
        assert_eq!(
            u32s(i32x4_extmul_high_i16x8_u(i16x8_splat(-1), i16x8_splat(-1))),
            [0xfffe_0001; 4]
        );

        let a = i64x2([i64::MIN, -3]);
        let b = i64x2([1, -3]);
        assert_eq!(i64s(i64x2_sub(a, b)), [i64::MAX, 0]);
        assert_eq!(i64s(i64x2_lt_s(a, b)), [-1, 0]);
        assert_eq!(i64s(i64x2_ge_s(a, b)), [0, -1]);
        assert_eq!(i64x2_bitmask(a), 0b11);
        assert_eq!(i64x2_all_true(a), 1);
        assert_eq!(i64s(i64x2_abs(a)), [i64::MIN, 3]);
        assert_eq!(i64s(i64x2_shr_s(a, 65)), [i64::MIN >> 1, -2]);
        let w = i32x4([-1, 2, i32::MIN, 4]);
        assert_eq!(i64s(i64x2_extend_low_i32x4_s(w)), [-1, 2]);
        assert_eq!(u64s(i64x2_extend_high_i32x4_u(w)), [1 << 31, 4]);
        assert_eq!(i64s(i64x2_extmul_high_i32x4_s(w, w)), [1 << 62, 16]);
        assert_eq!(
            u64s(i64x2_extmul_low_i32x4_u(w, w))[0],
            0xffff_fffe_0000_0001
        );
    }

    #[test]
    fn f32x4_ops() {
        let nan = f32::from_bits(0x7fa0_0000); // signalling
        let a = f32x4([-0.0, 0.0, 1.0, nan]);
        let b = f32x4([0.0, -0.0, f32::NAN, 2.0]);
        let min = f32s(f32x4_min(a, b));
        assert_eq!(min[0].to_bits(), (-0.0f32).to_bits());
        assert_eq!(min[1].to_bits(), (-0.0f32).to_bits());
        assert!(min[2].is_nan() && min[3].is_nan());
        let max = f32s(f32x4_max(a, b));
        assert_eq!(max[0].to_bits(), 0);
        assert_eq!(max[1].to_bits(), 0);
        assert_eq!(f32x4_relaxed_min(a, b), f32x4_min(a, b));
        assert_eq!(f32x4_relaxed_max(a, b), f32x4_max(a, b));
        // pmin/pmax return an operand's exact bits.
        let pmin = u32s(f32x4_pmin(a, b));
        assert_eq!(
            pmin,
            [(-0.0f32).to_bits(), 0, 1.0f32.to_bits(), 0x7fa0_0000]
        );
        let pmax = u32s(f32x4_pmax(a, b));
        assert_eq!(
            pmax,
            [(-0.0f32).to_bits(), 0, 1.0f32.to_bits(), 0x7fa0_0000]
        );
        assert_eq!(u32s(f32x4_neg(a))[3], 0xffa0_0000);
        assert_eq!(u32s(f32x4_abs(f32x4_neg(a)))[3], 0x7fa0_0000);
        // Rounding a NaN gives an arithmetic NaN (quiet, of either sign): which one the
        // host's `ceil` returns is left open, as the spec leaves it.
        assert!(is_arithmetic_nan(u32s(f32x4_ceil(a))[3]));
        assert_eq!(
            f32s(f32x4_nearest(f32x4([0.5, 1.5, -2.5, 2.4]))),
            [0.0, 2.0, -2.0, 2.0]
        );
        assert_eq!(
            f32s(f32x4_floor(f32x4([-0.5, 1.5, -2.5, 2.4]))),
            [-1.0, 1.0, -3.0, 2.0]
        );
        assert_eq!(
            f32s(f32x4_trunc(f32x4([-0.5, 1.5, -2.5, 2.4])))[0].to_bits(),
            0x8000_0000
        );
        assert_eq!(f32s(f32x4_sqrt(f32x4_splat(4.0))), [2.0; 4]);
        assert_eq!(
            i32s(f32x4_lt(
                f32x4([1.0, f32::NAN, 3.0, -0.0]),
                f32x4([2.0, 1.0, 3.0, 0.0])
            )),
            [-1, 0, 0, 0]
        );
        assert_eq!(
            i32s(f32x4_ne(
                f32x4([1.0, f32::NAN, 3.0, -0.0]),
                f32x4([2.0, f32::NAN, 3.0, 0.0])
            )),
            [-1, -1, 0, 0]
        );
        let x = f32x4([1.0, 2.0, 3.0, 4.0]);
        assert_eq!(f32s(f32x4_div(f32x4_add(x, x), x)), [2.0; 4]);
        assert_eq!(f32s(f32x4_sub(f32x4_mul(x, x), x)), [0.0, 2.0, 6.0, 12.0]);
    }

    #[test]
    fn f64x2_ops() {
        let a = f64x2([-0.0, 3.0]);
        let b = f64x2([0.0, f64::NAN]);
        assert_eq!(f64s(f64x2_min(a, b))[0].to_bits(), (-0.0f64).to_bits());
        assert!(f64s(f64x2_max(a, b))[1].is_nan());
        assert_eq!(f64s(f64x2_max(a, b))[0].to_bits(), 0);
        assert_eq!(
            u64s(f64x2_pmax(a, b)),
            [(-0.0f64).to_bits(), 3.0f64.to_bits()]
        );
        assert_eq!(u64s(f64x2_pmin(b, a))[1], f64::NAN.to_bits());
        assert_eq!(f64s(f64x2_nearest(f64x2([2.5, -3.5]))), [2.0, -4.0]);
        assert_eq!(f64s(f64x2_ceil(f64x2([2.5, -3.5]))), [3.0, -3.0]);
        assert_eq!(u64s(f64x2_neg(a))[0], 0);
        assert_eq!(i64s(f64x2_le(a, b)), [-1, 0]);
        assert_eq!(
            f64s(f64x2_mul(f64x2_splat(1.5), f64x2_splat(2.0))),
            [3.0; 2]
        );
    }

    #[test]
    fn conversions() {
        let f = f32x4([f32::NAN, -1e10, 1e10, -1.9]);
        assert_eq!(
            i32s(i32x4_trunc_sat_f32x4_s(f)),
            [0, i32::MIN, i32::MAX, -1]
        );
        assert_eq!(u32s(i32x4_trunc_sat_f32x4_u(f)), [0, 0, u32::MAX, 0]);
        assert_eq!(i32x4_relaxed_trunc_f32x4_s(f), i32x4_trunc_sat_f32x4_s(f));
        assert_eq!(i32x4_relaxed_trunc_f32x4_u(f), i32x4_trunc_sat_f32x4_u(f));
        let d = f64x2([-2.9, 5e9]);
        assert_eq!(i32s(i32x4_trunc_sat_f64x2_s_zero(d)), [-2, i32::MAX, 0, 0]);
        assert_eq!(u32s(i32x4_trunc_sat_f64x2_u_zero(d)), [0, u32::MAX, 0, 0]);
        assert_eq!(
            i32x4_relaxed_trunc_f64x2_s_zero(d),
            i32x4_trunc_sat_f64x2_s_zero(d)
        );
        assert_eq!(
            i32x4_relaxed_trunc_f64x2_u_zero(d),
            i32x4_trunc_sat_f64x2_u_zero(d)
        );
        let i = i32x4([-1, 16_777_217, i32::MIN, 3]);
        assert_eq!(
            f32s(f32x4_convert_i32x4_s(i)),
            [-1.0, 16_777_216.0, -2_147_483_648.0, 3.0]
        );
        assert_eq!(f32s(f32x4_convert_i32x4_u(i))[0], 4_294_967_296.0);
        assert_eq!(f64s(f64x2_convert_low_i32x4_s(i)), [-1.0, 16_777_217.0]);
        assert_eq!(f64s(f64x2_convert_low_i32x4_u(i))[0], 4_294_967_295.0);
        let r = f32x4_demote_f64x2_zero(f64x2([1e300, 0.1]));
        assert_eq!(f32s(r), [f32::INFINITY, 0.1f32, 0.0, 0.0]);
        let r = f32x4_demote_f64x2_zero(f64x2([f64::NAN, -f64::NAN]));
        assert!(is_arithmetic_nan(u32s(r)[0]));
        assert!(is_arithmetic_nan(u32s(r)[1]));
        let r = f64x2_promote_low_f32x4(f32x4([0.1, -2.0, 7.0, 8.0]));
        assert_eq!(f64s(r), [f64::from(0.1f32), -2.0]);
        // A canonical NaN stays one; its sign is left open.
        let r = f64x2_promote_low_f32x4(f32x4([f32::NAN, 0.0, 0.0, 0.0]));
        assert_eq!(u64s(r)[0] & !(1 << 63), 0x7ff8_0000_0000_0000);
    }

    #[test]
    fn relaxed() {
        // Fused: (1 + 2^-12)^2 - 1 keeps the 2^-24 term that a separate multiply rounds away.
        let x = 1.0 + f32::EPSILON * 2048.0;
        let r = f32s(f32x4_relaxed_madd(
            f32x4_splat(x),
            f32x4_splat(x),
            f32x4_splat(-1.0),
        ));
        assert_eq!(r[0], x.mul_add(x, -1.0));
        assert_ne!(r[0], x * x - 1.0);
        let r = f32s(f32x4_relaxed_nmadd(
            f32x4_splat(2.0),
            f32x4_splat(3.0),
            f32x4_splat(1.0),
        ));
        assert_eq!(r, [-5.0; 4]);
        let r = f64s(f64x2_relaxed_madd(
            f64x2_splat(2.0),
            f64x2_splat(3.0),
            f64x2_splat(1.0),
        ));
        assert_eq!(r, [7.0; 2]);
        let r = f64s(f64x2_relaxed_nmadd(
            f64x2_splat(2.0),
            f64x2_splat(3.0),
            f64x2_splat(1.0),
        ));
        assert_eq!(r, [-5.0; 2]);
        assert_eq!(
            f64x2_relaxed_min(f64x2([-0.0, 1.0]), f64x2([0.0, 2.0])),
            f64x2([-0.0, 1.0])
        );
        assert_eq!(
            f64x2_relaxed_max(f64x2([-0.0, 1.0]), f64x2([0.0, 2.0])),
            f64x2([0.0, 2.0])
        );
        assert_eq!(i8x16_relaxed_laneselect(1, 2, 3), v128_bitselect(1, 2, 3));
        assert_eq!(i16x8_relaxed_laneselect(1, 2, 3), v128_bitselect(1, 2, 3));
        assert_eq!(i64x2_relaxed_laneselect(1, 2, 3), v128_bitselect(1, 2, 3));

        let a = from_u8s(std::array::from_fn(|i| i as u8));
        assert_eq!(
            i16s(i16x8_relaxed_dot_i8x16_i7x16_s(a, a)),
            [1, 13, 41, 85, 145, 221, 313, 421]
        );
        let a = i8x16([-128, -128, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8x16([127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            i16s(i16x8_relaxed_dot_i8x16_i7x16_s(a, b))[..2],
            [-32512, 32258]
        );
        let a = i8x16([-128, -128, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8x16([-127, -127, -127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i16s(i16x8_relaxed_dot_i8x16_i7x16_s(a, b))[0], 32512);
        assert_eq!(
            i32s(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                a,
                b,
                i32x4([1, 2, 3, 4])
            )),
            [65025, 2, 3, 4]
        );
        let a = from_u8s(std::array::from_fn(|i| i as u8));
        assert_eq!(
            i32s(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                a,
                a,
                i32x4([0, 1, 2, 3])
            )),
            [14, 127, 368, 737]
        );
        let a = i8x16([
            -128, -128, -128, -128, 127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        let b = i8x16([127; 16]);
        assert_eq!(
            i32s(i32x4_relaxed_dot_i8x16_i7x16_add_s(
                a,
                b,
                i32x4([1, 2, 3, 4])
            )),
            [-65023, 64518, 3, 4]
        );
    }

    /// The permutations give what the portable loops give, for every index from 0 to 255
    /// (beyond what validation lets through), whichever implementation the host selects.
    #[test]
    fn permutations_agree_with_the_portable_loops() {
        let a = u128::from_le_bytes(std::array::from_fn(|i| 0x10 + i as u8));
        let b = u128::from_le_bytes(std::array::from_fn(|i| 0xa0 + i as u8));
        for start in 0..=255u8 {
            let indices: [u8; 16] = std::array::from_fn(|i| start.wrapping_add(i as u8 * 7));
            let packed = u128::from_le_bytes(indices);
            assert_eq!(i8x16_swizzle(a, packed), portable_swizzle(a, packed));
            assert_eq!(
                i8x16_shuffle(a, b, indices),
                portable_shuffle(a, b, indices)
            );
        }
    }
}
