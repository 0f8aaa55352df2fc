/* Shared helpers for the C workloads. They are built freestanding (no libc), so
 * everything they use is defined here or is a compiler builtin that lowers to a
 * single WebAssembly instruction. */
#ifndef COMMON_H
#define COMMON_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed short i16;
typedef int i32;
typedef long long i64;

#define NOINLINE __attribute__((noinline))

/* xorshift32: cheap, deterministic pseudo-random numbers for filling inputs. */
static inline u32 xorshift32(u32 *state) {
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Reinterprets a double's bits so floating-point results can be compared exactly
 * across runtimes. */
static inline u64 f64_bits(double d) {
    union {
        double d;
        u64 u;
    } v = {d};
    return v.u;
}

#endif
