/* Function-pointer dispatch: every operation is a call_indirect through the
 * table, chosen by pseudo-random data so it cannot be devirtualized, including
 * "virtual" methods on objects with vtables. */
#include "common.h"

typedef u32 (*binop)(u32, u32);

static NOINLINE u32 op_add(u32 a, u32 b) { return a + b; }
static NOINLINE u32 op_sub(u32 a, u32 b) { return a - b; }
static NOINLINE u32 op_xor(u32 a, u32 b) { return a ^ b; }
static NOINLINE u32 op_mul(u32 a, u32 b) { return a * (b | 1); }
static NOINLINE u32 op_rotl(u32 a, u32 b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
static NOINLINE u32 op_min(u32 a, u32 b) { return a < b ? a : b; }
static NOINLINE u32 op_max(u32 a, u32 b) { return a > b ? a : b; }
static NOINLINE u32 op_mix(u32 a, u32 b) { return (a ^ (b >> 7)) + (b << 3); }

static binop ops[8] = {op_add, op_sub, op_xor, op_mul, op_rotl, op_min, op_max, op_mix};

/* A tiny object system: shapes whose area and scale go through a vtable. */
typedef struct shape shape;
typedef struct {
    u32 (*area)(const shape *);
    void (*scale)(shape *, u32);
} vtable;
struct shape {
    const vtable *vt;
    u32 w, h;
};

static NOINLINE u32 rect_area(const shape *s) { return s->w * s->h; }
static NOINLINE void rect_scale(shape *s, u32 k) { s->w += k, s->h += k; }
static NOINLINE u32 tri_area(const shape *s) { return s->w * s->h / 2; }
static NOINLINE void tri_scale(shape *s, u32 k) { s->w += k; }
static NOINLINE u32 square_area(const shape *s) { return s->w * s->w; }
static NOINLINE void square_scale(shape *s, u32 k) { s->w ^= k; }

static const vtable vtables[3] = {
    {rect_area, rect_scale},
    {tri_area, tri_scale},
    {square_area, square_scale},
};

#define SHAPES 64
static shape shapes[SHAPES];

i64 run(i32 n) {
    u32 seed = 0x2545f491;
    for (i32 i = 0; i < SHAPES; i++) {
        u32 r = xorshift32(&seed);
        shapes[i].vt = &vtables[r % 3];
        shapes[i].w = (r >> 8) & 0xff;
        shapes[i].h = (r >> 16) & 0xff;
    }
    u32 acc = 1;
    u64 total = 0;
    for (i32 i = 0; i < n; i++) {
        u32 r = xorshift32(&seed);
        acc = ops[r & 7](acc, r >> 3);
        acc = ops[(r >> 29) & 7](acc, (u32)i);
        shape *s = &shapes[(r >> 10) & (SHAPES - 1)];
        total += s->vt->area(s);
        s->vt->scale(s, r & 3);
        s->w &= 0xfff, s->h &= 0xfff;
    }
    return (i64)(total ^ ((u64)acc << 32));
}
