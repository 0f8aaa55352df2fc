/* SHA-256 and FNV-1a over a pseudo-random buffer: 32-bit rotates, shifts, xors
 * and byte loads in long straight-line blocks. */
#include "common.h"

#define BUF_LEN 4096

static u8 buf[BUF_LEN];

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline u32 rotr(u32 x, u32 n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(u32 h[8], const u8 *p) {
    u32 w[64];
    for (i32 i = 0; i < 16; i++) {
        w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
    }
    for (i32 i = 16; i < 64; i++) {
        u32 s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (i32 i = 0; i < 64; i++) {
        u32 t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        u32 t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

/* SHA-256 of a whole number of 64-byte blocks (the padding block is skipped: the
 * digest only has to be deterministic, not standard). */
static void sha256(u32 h[8], const u8 *p, u32 len) {
    static const u32 init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (i32 i = 0; i < 8; i++) h[i] = init[i];
    for (u32 off = 0; off + 64 <= len; off += 64) sha256_block(h, p + off);
}

static u64 fnv1a64(const u8 *p, u32 len) {
    u64 h = 0xcbf29ce484222325ULL;
    for (u32 i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Hashes the buffer n times, folding each digest back into it so no round can be
 * skipped. */
i64 run(i32 n) {
    u32 seed = 0xdeadbeef;
    for (i32 i = 0; i < BUF_LEN; i++) buf[i] = (u8)xorshift32(&seed);
    u64 checksum = 0;
    u32 h[8];
    for (i32 r = 0; r < n; r++) {
        sha256(h, buf, BUF_LEN);
        u64 f = fnv1a64(buf, BUF_LEN);
        for (i32 i = 0; i < 8; i++) buf[(r * 8 + i) % BUF_LEN] ^= (u8)h[i];
        checksum = (checksum ^ f) * 0x9e3779b97f4a7c15ULL + h[r & 7];
    }
    return (i64)checksum;
}
