/* Clocks: wall time is plausible, the monotonic clock advances across a sleep, resolutions
 * are positive. */
#include "check.h"
#include <time.h>

static long long nanos(struct timespec ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

int main(void) {
  struct timespec ts, before, after, res;
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
  CHECK(ts.tv_sec > 1577836800); /* after 2020-01-01 */
  CHECK(clock_getres(CLOCK_REALTIME, &res) == 0 && nanos(res) > 0);
  CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && nanos(res) > 0);

  CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
  struct timespec nap = {0, 20 * 1000 * 1000};
  CHECK(nanosleep(&nap, NULL) == 0);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
  long long slept = nanos(after) - nanos(before);
  CHECK(slept >= 20 * 1000 * 1000);
  CHECK(slept < 5LL * 1000 * 1000 * 1000);

  /* Raw calls: an unknown clock is EINVAL. */
  __wasi_timestamp_t t;
  CHECK(__wasi_clock_time_get(99, 1, &t) == __WASI_ERRNO_INVAL);
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t) == 0);
  puts("clocks ok");
  return 0;
}
