/* A CoreMark-like mix, after the EEMBC CoreMark kernels: linked-list find,
 * reverse and merge sort; small int16 matrix kernels; a string-scanning state
 * machine; and CRC-16 over every intermediate result. */
#include "common.h"

/* ---- CRC-16 (CCITT, bitwise, as in CoreMark) ---- */

static u16 crcu8(u8 data, u16 crc) {
    for (i32 i = 0; i < 8; i++) {
        u8 x16 = (u8)((data & 1) ^ ((u8)crc & 1));
        data >>= 1;
        if (x16 == 1) {
            crc ^= 0x4002;
            crc = (u16)((crc >> 1) | 0x8000);
        } else {
            crc >>= 1;
        }
    }
    return crc;
}

static u16 crcu16(u16 v, u16 crc) { return crcu8((u8)(v >> 8), crcu8((u8)v, crc)); }
static u16 crcu32(u32 v, u16 crc) { return crcu16((u16)(v >> 16), crcu16((u16)v, crc)); }

/* ---- Linked list ---- */

typedef struct node {
    struct node *next;
    i16 data;
    i16 idx;
} node;

#define LIST_LEN 100
static node pool[LIST_LEN];

static node *list_init(u32 seed) {
    for (i32 i = 0; i < LIST_LEN; i++) {
        pool[i].next = i + 1 < LIST_LEN ? &pool[i + 1] : 0;
        pool[i].data = (i16)(xorshift32(&seed) & 0x7fff);
        pool[i].idx = (i16)i;
    }
    return &pool[0];
}

static node *list_find(node *list, i16 data) {
    while (list && list->data != data) list = list->next;
    return list;
}

static node *list_reverse(node *list) {
    node *prev = 0;
    while (list) {
        node *next = list->next;
        list->next = prev;
        prev = list;
        list = next;
    }
    return prev;
}

typedef i32 (*cmp_fn)(const node *, const node *);
static i32 cmp_data(const node *a, const node *b) { return a->data - b->data; }
static i32 cmp_idx(const node *a, const node *b) { return a->idx - b->idx; }

/* Bottom-up merge sort of a singly linked list, compare through a function
 * pointer as CoreMark does. */
static node *list_sort(node *list, cmp_fn cmp) {
    for (i32 width = 1;; width *= 2) {
        node *p = list, *head = 0, *tail = 0;
        i32 merges = 0;
        while (p) {
            merges++;
            node *q = p;
            i32 psize = 0;
            for (i32 i = 0; i < width && q; i++) psize++, q = q->next;
            i32 qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail) tail->next = e;
                else head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        list = head;
        if (merges <= 1) return list;
    }
}

static u16 list_bench(u32 seed, u16 crc) {
    node *list = list_init(seed);
    for (i32 i = 0; i < 20; i++) {
        node *found = list_find(list, (i16)(pool[(seed + i * 7) % LIST_LEN].data));
        crc = crcu16(found ? (u16)found->idx : 0xffff, crc);
        list = list_reverse(list);
    }
    list = list_sort(list, cmp_data);
    for (node *p = list; p; p = p->next) crc = crcu16((u16)p->data, crc);
    list = list_sort(list, cmp_idx);
    crc = crcu16((u16)list->data, crc);
    return crc;
}

/* ---- Matrix ---- */

#define MN 16
static i16 ma[MN * MN], mb[MN * MN];
static i32 mc[MN * MN];

static u16 matrix_bench(u32 seed, u16 crc) {
    for (i32 i = 0; i < MN * MN; i++) {
        ma[i] = (i16)(xorshift32(&seed) & 0xff);
        mb[i] = (i16)(xorshift32(&seed) & 0xff);
    }
    i16 k = (i16)(seed & 0xf);
    /* add constant, multiply by a constant, multiply by a vector */
    for (i32 i = 0; i < MN * MN; i++) ma[i] = (i16)(ma[i] + k);
    for (i32 i = 0; i < MN * MN; i++) mc[i] = ma[i] * k;
    for (i32 i = 0; i < MN * MN; i++) crc = crcu32((u32)mc[i], crc);
    for (i32 i = 0; i < MN; i++) {
        i32 sum = 0;
        for (i32 j = 0; j < MN; j++) sum += ma[i * MN + j] * mb[j];
        crc = crcu32((u32)sum, crc);
    }
    /* full multiply, then a bit-extracting pass over the result */
    for (i32 i = 0; i < MN; i++) {
        for (i32 j = 0; j < MN; j++) {
            i32 sum = 0;
            for (i32 x = 0; x < MN; x++) sum += ma[i * MN + x] * mb[x * MN + j];
            mc[i * MN + j] = sum;
        }
    }
    i32 acc = 0;
    for (i32 i = 0; i < MN * MN; i++) acc += (mc[i] >> 2) & 0xf ^ (mc[i] >> 5) & 0x7f;
    return crcu32((u32)acc, crc);
}

/* ---- State machine ---- */

enum { S_START, S_INT, S_S1, S_FLOAT, S_EXP, S_S2, S_SCI, S_INVALID, S_COUNT };

static const char *const tokens[] = {
    "5012", "1234", "-874", "+122", "35.54", "0.003", "-110.7e-3", "+0.64e+5",
    "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^", "-11.", "+0.5e", "7e10", "0",
};

static i32 scan(const char *s) {
    i32 state = S_START;
    for (; *s; s++) {
        char c = *s;
        i32 digit = c >= '0' && c <= '9';
        switch (state) {
        case S_START:
            state = digit ? S_INT : (c == '+' || c == '-') ? S_S1 : c == '.' ? S_FLOAT : S_INVALID;
            break;
        case S_S1: state = digit ? S_INT : c == '.' ? S_FLOAT : S_INVALID; break;
        case S_INT: state = digit ? S_INT : c == '.' ? S_FLOAT : S_INVALID; break;
        case S_FLOAT: state = digit ? S_FLOAT : (c == 'e' || c == 'E') ? S_EXP : S_INVALID; break;
        case S_EXP: state = (c == '+' || c == '-') ? S_S2 : S_INVALID; break;
        case S_S2: state = digit ? S_SCI : S_INVALID; break;
        case S_SCI: state = digit ? S_SCI : S_INVALID; break;
        default: return S_INVALID;
        }
    }
    return state;
}

static u16 state_bench(u32 seed, u16 crc) {
    u32 counts[S_COUNT] = {0};
    for (i32 i = 0; i < 64; i++) {
        counts[scan(tokens[(seed + (u32)i * 5) & 15])]++;
    }
    for (i32 i = 0; i < S_COUNT; i++) crc = crcu32(counts[i], crc);
    return crc;
}

i64 run(i32 n) {
    u16 crc = 0;
    u64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        u32 seed = 0x9e3779b9u ^ (u32)r * 2654435761u;
        crc = list_bench(seed, crc);
        crc = matrix_bench(seed, crc);
        crc = state_bench(seed, crc);
        checksum = checksum * 65599 + crc;
    }
    return (i64)checksum;
}
