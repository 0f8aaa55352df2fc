/* Randomness: two draws differ and are not all zero. */
#include "check.h"
#include <unistd.h>

int main(void) {
  unsigned char a[64], b[64];
  CHECK(getentropy(a, sizeof a) == 0);
  CHECK(getentropy(b, sizeof b) == 0);
  CHECK(memcmp(a, b, sizeof a) != 0);
  int nonzero = 0;
  for (unsigned i = 0; i < sizeof a; i++)
    nonzero |= a[i];
  CHECK(nonzero);
  /* A large buffer, filled in one call. */
  static unsigned char big[1 << 20];
  CHECK(__wasi_random_get(big, sizeof big) == 0);
  /* Out of bounds is EFAULT, not a crash. */
  CHECK(__wasi_random_get((uint8_t *)0xfffffff0, 64) == __WASI_ERRNO_FAULT);
  puts("random ok");
  return 0;
}
