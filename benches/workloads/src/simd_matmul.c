/* f32x4 SIMD: a 64x64 single-precision matrix multiply written with
 * wasm_simd128.h intrinsics (splat, v128 loads, f32x4 mul/add into sixteen vector
 * accumulators per row), then a power-iteration style rescale: the largest |c| is
 * found with f32x4.abs/max and a cross-lane shuffle reduction, and every element is
 * divided by it with f32x4.div. A lane-wise dot product and sum feed the checksum.
 *
 * Only deterministic SIMD instructions are used (no relaxed SIMD, and WebAssembly
 * has no fused multiply-add here), and no value is ever NaN, so the result is the
 * same bit for bit on every runtime. */
#include <wasm_simd128.h>

#include "common.h"

#define N 64
#define V (N / 4) /* vectors per row */

static float a[N * N] __attribute__((aligned(16)));
static float b[N * N] __attribute__((aligned(16)));
static float c[N * N] __attribute__((aligned(16)));

static void fill(float *m, u32 seed) {
    for (i32 i = 0; i < N * N; i++) {
        m[i] = (float)(i32)(xorshift32(&seed) % 2001) / 1000.0f - 1.0f;
    }
}

static inline u32 f32_bits(float f) {
    union {
        float f;
        u32 u;
    } v = {f};
    return v.u;
}

/* Sums the four lanes pairwise (a fixed order, so the rounding is fixed too). */
static inline float hsum(v128_t v) {
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

static inline float hmax(v128_t v) {
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

/* out = x * y, ikj order: each x[i][k] is splatted and multiplied into row k of y,
 * accumulating the whole output row i in sixteen vectors. */
static NOINLINE void multiply(const float *x, const float *y, float *out) {
    for (i32 i = 0; i < N; i++) {
        v128_t acc[V];
        for (i32 j = 0; j < V; j++) acc[j] = wasm_f32x4_splat(0.0f);
        for (i32 k = 0; k < N; k++) {
            v128_t xik = wasm_f32x4_splat(x[i * N + k]);
            const float *row = y + k * N;
            for (i32 j = 0; j < V; j++) {
                acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(xik, wasm_v128_load(row + 4 * j)));
            }
        }
        for (i32 j = 0; j < V; j++) wasm_v128_store(out + i * N + 4 * j, acc[j]);
    }
}

/* Largest |m[i]|, a vector max over the matrix and a shuffle reduction at the end. */
static NOINLINE float max_abs(const float *m) {
    v128_t hi0 = wasm_f32x4_splat(0.0f), hi1 = hi0;
    for (i32 i = 0; i < N * N; i += 8) {
        hi0 = wasm_f32x4_max(hi0, wasm_f32x4_abs(wasm_v128_load(m + i)));
        hi1 = wasm_f32x4_max(hi1, wasm_f32x4_abs(wasm_v128_load(m + i + 4)));
    }
    return hmax(wasm_f32x4_max(hi0, hi1));
}

/* dst = src / d, and returns the dot product of the result with `w`. */
static NOINLINE float scale_dot(const float *src, float d, const float *w, float *dst) {
    v128_t div = wasm_f32x4_splat(d);
    v128_t dot0 = wasm_f32x4_splat(0.0f), dot1 = dot0;
    for (i32 i = 0; i < N * N; i += 8) {
        v128_t s0 = wasm_f32x4_div(wasm_v128_load(src + i), div);
        v128_t s1 = wasm_f32x4_div(wasm_v128_load(src + i + 4), div);
        wasm_v128_store(dst + i, s0);
        wasm_v128_store(dst + i + 4, s1);
        dot0 = wasm_f32x4_add(dot0, wasm_f32x4_mul(s0, wasm_v128_load(w + i)));
        dot1 = wasm_f32x4_add(dot1, wasm_f32x4_mul(s1, wasm_v128_load(w + i + 4)));
    }
    return hsum(wasm_f32x4_add(dot0, dot1));
}

/* saxpy on the constant right operand, y += alpha * x, bounded with f32x4.min/max
 * so y cannot drift away: it keeps b from being a fixed matrix, so every product
 * is a fresh one. */
static NOINLINE void saxpy_clamp(float alpha, const float *x, float *y) {
    v128_t va = wasm_f32x4_splat(alpha);
    v128_t lo = wasm_f32x4_splat(-1.0f), hi = wasm_f32x4_splat(1.0f);
    for (i32 i = 0; i < N * N; i += 4) {
        v128_t v = wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i)));
        wasm_v128_store(y + i, wasm_f32x4_min(hi, wasm_f32x4_max(lo, v)));
    }
}

/* n rounds of: c = a * b; a = c / max|c|; b = clamp(b + a/64). */
i64 run(i32 n) {
    fill(a, 1);
    fill(b, 2);
    u64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        multiply(a, b, c);
        float m = max_abs(c);
        float dot = scale_dot(c, m, b, a);
        saxpy_clamp(1.0f / 64.0f, a, b);
        checksum = checksum * 31 + ((u64)f32_bits(m) << 32 | f32_bits(dot));
    }
    /* Every element of the final state, so nothing computed is left out. */
    v128_t h = wasm_i32x4_splat(0);
    for (i32 i = 0; i < N * N; i += 4) {
        h = wasm_i32x4_add(wasm_i32x4_mul(h, wasm_i32x4_splat(31)),
                           wasm_v128_xor(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    }
    checksum ^= (u64)(u32)wasm_i32x4_extract_lane(h, 0) ^ (u64)(u32)wasm_i32x4_extract_lane(h, 1) << 16 ^
                (u64)(u32)wasm_i32x4_extract_lane(h, 2) << 32 ^ (u64)(u32)wasm_i32x4_extract_lane(h, 3) << 48;
    return (i64)checksum;
}
