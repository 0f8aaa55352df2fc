/* Dense f64 matrix multiply, ikj loop order: loads, multiply-adds and stores over
 * linear memory with a simple induction-variable inner loop. */
#include "common.h"

#define N 64

static double a[N * N], b[N * N], c[N * N];

static void fill(double *m, u32 seed) {
    for (i32 i = 0; i < N * N; i++) {
        /* Small values keep every product exact enough to stay finite. */
        m[i] = (double)(xorshift32(&seed) % 2001) / 1000.0 - 1.0;
    }
}

static NOINLINE void multiply(const double *x, const double *y, double *out) {
    for (i32 i = 0; i < N; i++) {
        for (i32 j = 0; j < N; j++) {
            out[i * N + j] = 0;
        }
        for (i32 k = 0; k < N; k++) {
            double xik = x[i * N + k];
            for (i32 j = 0; j < N; j++) {
                out[i * N + j] += xik * y[k * N + j];
            }
        }
    }
}

/* Multiplies n pairs of matrices, feeding each product back in as the next left
 * operand (rescaled so it stays bounded). */
i64 run(i32 n) {
    fill(a, 1);
    fill(b, 2);
    u64 checksum = 0;
    for (i32 r = 0; r < n; r++) {
        multiply(a, b, c);
        double sum = 0;
        for (i32 i = 0; i < N * N; i++) {
            sum += c[i];
            a[i] = c[i] * (1.0 / N);
        }
        checksum = checksum * 31 + f64_bits(sum);
    }
    return (i64)checksum;
}
