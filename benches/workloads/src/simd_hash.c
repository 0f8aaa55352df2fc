/* u32x4 / i64x2 SIMD: two vectorised hashes over a pseudo-random buffer.
 *  - An XXH3-style accumulator: 64-byte stripes xored with a secret, the 32-bit
 *    halves of each 64-bit lane multiplied together with i64x2.extmul_low_i32x4_u
 *    (halves separated by i32x4 shuffles), the input added in with its 64-bit lanes
 *    swapped, and a scramble (i64x2 shifts, xor, i64x2.mul) every 16 stripes.
 *  - An XXH32-style hash with sixteen u32 lanes in four vectors: i32x4.mul and
 *    rotates built from shl/shr_u/or, on input byte-swapped with i8x16.swizzle.
 * Each round's digest is written back into the buffer, so every round hashes new
 * data. */
#include <wasm_simd128.h>

#include "common.h"

#define BUF_LEN 8192
#define STRIPE 64
#define STRIPES_PER_BLOCK 16
#define SECRET_LEN (STRIPE + 8 * STRIPES_PER_BLOCK) /* 192: stripe s uses bytes 8s .. 8s+63 */

static u8 buf[BUF_LEN] __attribute__((aligned(16)));
static u8 secret[SECRET_LEN] __attribute__((aligned(16)));

#define P32_1 0x9e3779b1u
#define P32_2 0x85ebca77u
#define P32_3 0xc2b2ae3du

static inline v128_t rotl32(v128_t v, i32 r) {
    return wasm_v128_or(wasm_i32x4_shl(v, r), wasm_u32x4_shr(v, 32 - r));
}

/* One XXH3 accumulate step for a 16-byte slice of a stripe. */
static inline v128_t accumulate(v128_t acc, v128_t data, v128_t key) {
    v128_t dk = wasm_v128_xor(data, key);
    v128_t lo = wasm_i32x4_shuffle(dk, dk, 0, 2, 0, 2);
    v128_t hi = wasm_i32x4_shuffle(dk, dk, 1, 3, 1, 3);
    v128_t product = wasm_u64x2_extmul_low_u32x4(lo, hi);
    v128_t swapped = wasm_i64x2_shuffle(data, data, 1, 0);
    return wasm_i64x2_add(acc, wasm_i64x2_add(product, swapped));
}

static inline v128_t scramble(v128_t acc, v128_t key) {
    acc = wasm_v128_xor(acc, wasm_u64x2_shr(acc, 47));
    acc = wasm_v128_xor(acc, key);
    return wasm_i64x2_mul(acc, wasm_i64x2_splat(P32_1));
}

static NOINLINE u64 xxh3_like(const u8 *p, u32 len) {
    v128_t acc[4] = {
        wasm_u64x2_make(P32_3, 0x9e3779b185ebca87ULL),
        wasm_u64x2_make(0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL),
        wasm_u64x2_make(0x85ebca77c2b2ae63ULL, 0x27d4eb2fULL),
        wasm_u64x2_make(0x165667b1ULL, P32_1),
    };
    for (u32 block = 0; block + STRIPE * STRIPES_PER_BLOCK <= len; block += STRIPE * STRIPES_PER_BLOCK) {
        for (u32 s = 0; s < STRIPES_PER_BLOCK; s++) {
            const u8 *stripe = p + block + s * STRIPE;
            const u8 *key = secret + 8 * s; /* 8-byte steps: unaligned v128 loads */
            for (i32 j = 0; j < 4; j++) {
                acc[j] = accumulate(acc[j], wasm_v128_load(stripe + 16 * j), wasm_v128_load(key + 16 * j));
            }
        }
        for (i32 j = 0; j < 4; j++) acc[j] = scramble(acc[j], wasm_v128_load(secret + SECRET_LEN - 64 + 16 * j));
    }
    v128_t m = wasm_v128_xor(wasm_v128_xor(acc[0], acc[1]), wasm_i64x2_add(acc[2], acc[3]));
    return (u64)wasm_i64x2_extract_lane(m, 0) * 31 + (u64)wasm_i64x2_extract_lane(m, 1);
}

static NOINLINE u32 xxh32_like(const u8 *p, u32 len) {
    /* Reverses the bytes of each 32-bit lane: the big-endian reading of the data. */
    const v128_t bswap = wasm_i8x16_make(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    const v128_t p1 = wasm_i32x4_splat((i32)P32_1), p2 = wasm_i32x4_splat((i32)P32_2);
    v128_t v[4];
    for (i32 j = 0; j < 4; j++) v[j] = wasm_i32x4_make(j + 1, j * 7 + 2, (i32)P32_1 + j, (i32)P32_2 - j);
    for (u32 off = 0; off + 64 <= len; off += 64) {
        for (i32 j = 0; j < 4; j++) {
            v128_t data = wasm_i8x16_swizzle(wasm_v128_load(p + off + 16 * j), bswap);
            v[j] = wasm_i32x4_mul(rotl32(wasm_i32x4_add(v[j], wasm_i32x4_mul(data, p2)), 13), p1);
        }
    }
    /* Fold the sixteen lanes: rotate each vector differently, then mix across lanes. */
    v128_t h = wasm_v128_xor(wasm_v128_xor(rotl32(v[0], 1), rotl32(v[1], 7)),
                             wasm_i32x4_add(rotl32(v[2], 12), rotl32(v[3], 18)));
    h = wasm_i32x4_add(h, wasm_i32x4_shuffle(h, h, 2, 3, 0, 1));
    h = wasm_v128_xor(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2));
    u32 r = (u32)wasm_i32x4_extract_lane(h, 0) + len;
    r ^= r >> 15;
    r *= P32_2;
    r ^= r >> 13;
    r *= P32_3;
    return r ^ (r >> 16);
}

i64 run(i32 n) {
    u32 seed = 0x2545f491u;
    for (i32 i = 0; i < BUF_LEN; i++) buf[i] = (u8)xorshift32(&seed);
    for (i32 i = 0; i < SECRET_LEN; i++) secret[i] = (u8)xorshift32(&seed);
    u64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        u64 a = xxh3_like(buf, BUF_LEN);
        u32 b = xxh32_like(buf, BUF_LEN);
        u64 digest = a ^ ((u64)b << 21);
        /* Feed the digest back in at a position that moves each round. */
        u64 *slot = (u64 *)(buf + ((u32)r * 72u) % BUF_LEN);
        *slot ^= digest;
        checksum = checksum * 0x100000001b3ULL + digest;
    }
    return (i64)checksum;
}
