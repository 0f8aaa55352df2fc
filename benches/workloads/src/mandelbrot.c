/* Mandelbrot set over an n-by-n grid: a data-dependent f64 loop with compares
 * and early exits. */
#include "common.h"

#define MAX_ITER 64

i64 run(i32 n) {
    i64 total = 0;
    double scale = 3.0 / (double)n;
    for (i32 py = 0; py < n; py++) {
        double ci = (double)py * scale - 1.5;
        for (i32 px = 0; px < n; px++) {
            double cr = (double)px * scale - 2.0;
            double zr = 0, zi = 0;
            i32 it = 0;
            while (it < MAX_ITER) {
                double zr2 = zr * zr, zi2 = zi * zi;
                if (zr2 + zi2 > 4.0) {
                    break;
                }
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                it++;
            }
            /* Weight by position so a transposed image gives a different sum. */
            total += (i64)it * (px + 1) + (it == MAX_ITER);
        }
    }
    return total;
}
