/* i8x16 / i16x8 SIMD: an image kernel over 8-bit pixels, as a video filter would
 * run it. Each frame gets a 3x3 box blur (neighbours from i8x16.shuffle across
 * adjacent vectors, widening to i16x8 for the sums, division by 9 with
 * i16x8.q15mulr_sat_s, narrowing back with saturation), an unsharp mask with
 * saturating u8 add/sub, and a dither from a per-vector xorshift in i32x4 lanes.
 * The frame's statistics (a pixel sum through extadd_pairwise, a bright-pixel count
 * through compares, and the i8x16.bitmask of each vector) feed the checksum. */
#include <wasm_simd128.h>

#include "common.h"

#define W 256 /* pixels per row */
#define H 128 /* rows */
/* Rows are padded with 16 zero bytes each side and the image with a zero row above
 * and below, so every neighbour load is in bounds and edges need no special case. */
#define STRIDE (W + 32)
#define ROWS (H + 2)

static u8 frame_a[ROWS * STRIDE] __attribute__((aligned(16)));
static u8 frame_b[ROWS * STRIDE] __attribute__((aligned(16)));

/* The pixel at column 0 of image row y (padded row y + 1). */
static inline u8 *pixel_row(u8 *frame, i32 y) { return frame + (y + 1) * STRIDE + 16; }

/* Horizontal 3-tap sums of the 16 pixels at p, as two i16x8 halves. */
static inline void row_sum(const u8 *p, v128_t *lo, v128_t *hi) {
    v128_t prev = wasm_v128_load(p - 16);
    v128_t cur = wasm_v128_load(p);
    v128_t next = wasm_v128_load(p + 16);
    v128_t left = wasm_i8x16_shuffle(prev, cur, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
    v128_t right = wasm_i8x16_shuffle(cur, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    *lo = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(left), wasm_u16x8_extend_low_u8x16(cur)),
                         wasm_u16x8_extend_low_u8x16(right));
    *hi = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(left), wasm_u16x8_extend_high_u8x16(cur)),
                         wasm_u16x8_extend_high_u8x16(right));
}

struct stats {
    v128_t sum;    /* i32x4: pixel sum */
    v128_t bright; /* i32x4: pixels above 192 */
    u32 mask_hash; /* the i8x16.bitmask of every output vector, hashed */
};

/* One frame from src into dst; returns the new dither state. */
static NOINLINE v128_t filter(u8 *src, u8 *dst, v128_t noise, struct stats *st) {
    /* round(x * 32768 / 9) in Q15: (sum * 3641 + 0x4000) >> 15 = sum / 9, rounded. */
    const v128_t ninth = wasm_i16x8_splat(3641);
    const v128_t dither_bits = wasm_i8x16_splat(0x07);
    const v128_t threshold = wasm_u8x16_splat(192);
    for (i32 y = 0; y < H; y++) {
        const u8 *up = pixel_row(src, y - 1);
        const u8 *mid = pixel_row(src, y);
        const u8 *down = pixel_row(src, y + 1);
        u8 *out = pixel_row(dst, y);
        /* Bright-pixel counts for this row, in u8 lanes: at most W / 16 = 16 each. */
        v128_t bright = wasm_i8x16_splat(0);
        for (i32 x = 0; x < W; x += 16) {
            v128_t ul, uh, ml, mh, dl, dh;
            row_sum(up + x, &ul, &uh);
            row_sum(mid + x, &ml, &mh);
            row_sum(down + x, &dl, &dh);
            v128_t lo = wasm_i16x8_q15mulr_sat(wasm_i16x8_add(wasm_i16x8_add(ul, ml), dl), ninth);
            v128_t hi = wasm_i16x8_q15mulr_sat(wasm_i16x8_add(wasm_i16x8_add(uh, mh), dh), ninth);
            v128_t blur = wasm_u8x16_narrow_i16x8(lo, hi);

            /* Unsharp mask: orig + (orig - blur) - (blur - orig), saturating. */
            v128_t orig = wasm_v128_load(mid + x);
            v128_t sharp = wasm_u8x16_sub_sat(wasm_u8x16_add_sat(orig, wasm_u8x16_sub_sat(orig, blur)),
                                              wasm_u8x16_sub_sat(blur, orig));
            /* Mix the blur back in so the image neither freezes nor saturates. */
            v128_t pix = wasm_u8x16_avgr(sharp, blur);

            /* xorshift32 in each i32x4 lane; its low bits dither the pixels. */
            noise = wasm_v128_xor(noise, wasm_i32x4_shl(noise, 13));
            noise = wasm_v128_xor(noise, wasm_u32x4_shr(noise, 17));
            noise = wasm_v128_xor(noise, wasm_i32x4_shl(noise, 5));
            pix = wasm_v128_xor(pix, wasm_v128_and(noise, dither_bits));
            wasm_v128_store(out + x, pix);

            /* Statistics: u8 -> u16 -> u32 pairwise sums, and a compare-and-count. */
            st->sum = wasm_i32x4_add(st->sum, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(pix)));
            bright = wasm_i8x16_sub(bright, wasm_u8x16_gt(pix, threshold));
            st->mask_hash = (st->mask_hash ^ (u32)wasm_i8x16_bitmask(pix)) * 0x01000193u;
        }
        st->bright = wasm_i32x4_add(st->bright, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(bright)));
    }
    return noise;
}

static inline u32 lanes_sum(v128_t v) {
    return (u32)wasm_i32x4_extract_lane(v, 0) + (u32)wasm_i32x4_extract_lane(v, 1) +
           (u32)wasm_i32x4_extract_lane(v, 2) + (u32)wasm_i32x4_extract_lane(v, 3);
}

/* n frames, ping-ponging between the two buffers. */
i64 run(i32 n) {
    u32 seed = 12345;
    for (i32 y = 0; y < H; y++) {
        u8 *row = pixel_row(frame_a, y);
        for (i32 x = 0; x < W; x++) {
            /* A smooth gradient plus noise, like a photograph rather than static. */
            row[x] = (u8)((x + 2 * y) / 2 + (xorshift32(&seed) & 31));
        }
    }
    v128_t noise = wasm_u32x4_make(0x9e3779b9u, 0x7f4a7c15u, 0x85ebca6bu, 0xc2b2ae35u);
    u8 *src = frame_a, *dst = frame_b;
    u64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        struct stats st = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), 0x811c9dc5u};
        noise = filter(src, dst, noise, &st);
        u8 *t = src;
        src = dst;
        dst = t;
        u64 frame = (u64)lanes_sum(st.sum) << 40 ^ (u64)lanes_sum(st.bright) << 24 ^ st.mask_hash;
        checksum = checksum * 0x100000001b3ULL ^ frame;
    }
    return (i64)checksum;
}
