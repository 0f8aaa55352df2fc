/* Quicksort and heapsort over a pseudo-random i32 array: compares, swaps,
 * recursion and unpredictable branches. */
#include "common.h"

#define N 20000

static i32 data[N];

static void fill(u32 seed) {
    for (i32 i = 0; i < N; i++) {
        data[i] = (i32)xorshift32(&seed);
    }
}

static void swap(i32 *a, i32 *b) {
    i32 t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(i32 *v, i32 lo, i32 hi) {
    while (lo < hi) {
        /* Median of three keeps the recursion shallow on any input. */
        i32 mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        i32 pivot = v[mid];
        i32 i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

static void sift_down(i32 *v, i32 root, i32 end) {
    for (;;) {
        i32 child = 2 * root + 1;
        if (child >= end) return;
        if (child + 1 < end && v[child] < v[child + 1]) child++;
        if (v[root] >= v[child]) return;
        swap(&v[root], &v[child]);
        root = child;
    }
}

static void heapsort(i32 *v, i32 len) {
    for (i32 i = len / 2 - 1; i >= 0; i--) sift_down(v, i, len);
    for (i32 end = len - 1; end > 0; end--) {
        swap(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

/* Sum of sampled elements, or a poison value if the array is out of order. */
static i64 check(void) {
    i64 sum = 0;
    for (i32 i = 1; i < N; i++) {
        if (data[i - 1] > data[i]) return -1;
        if ((i & 255) == 0) sum += data[i];
    }
    return sum;
}

i64 run(i32 n) {
    i64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        fill(2 * r + 1);
        quicksort(data, 0, N - 1);
        checksum = checksum * 3 + check();
        fill(2 * r + 2);
        heapsort(data, N);
        checksum = checksum * 3 + check();
    }
    return checksum;
}
