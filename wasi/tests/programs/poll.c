/* poll_oneoff: a clock alone waits its timeout; stdin with data and stdout are ready at once,
 * before a long clock. */
#include "check.h"
#include <time.h>

static long long now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
  __wasi_subscription_t subs[3];
  __wasi_event_t events[3];
  __wasi_size_t n;

  /* A relative clock of 30 ms. */
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 42;
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.u.clock.timeout = 30 * 1000 * 1000;
  long long start = now();
  CHECK(__wasi_poll_oneoff(subs, events, 1, &n) == 0);
  long long waited = now() - start;
  CHECK(n == 1 && events[0].userdata == 42 && events[0].type == __WASI_EVENTTYPE_CLOCK);
  CHECK(events[0].error == 0);
  CHECK(waited >= 30 * 1000 * 1000);
  printf("clock fired\n");

  /* stdin (fed by the host) readable and stdout writable, with a 10 s clock that must not
   * be waited for. */
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = 0;
  subs[1].userdata = 2;
  subs[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  subs[1].u.u.fd_write.file_descriptor = 1;
  subs[2].userdata = 3;
  subs[2].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[2].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[2].u.u.clock.timeout = 10LL * 1000 * 1000 * 1000;
  start = now();
  CHECK(__wasi_poll_oneoff(subs, events, 3, &n) == 0);
  CHECK(now() - start < 5LL * 1000 * 1000 * 1000);
  CHECK(n == 2);
  for (unsigned i = 0; i < n; i++) {
    CHECK(events[i].error == 0);
    if (events[i].userdata == 1) {
      CHECK(events[i].type == __WASI_EVENTTYPE_FD_READ);
      printf("stdin ready with %llu bytes\n", (unsigned long long)events[i].fd_readwrite.nbytes);
    } else {
      CHECK(events[i].userdata == 2 && events[i].type == __WASI_EVENTTYPE_FD_WRITE);
      printf("stdout ready\n");
    }
  }

  /* No subscriptions is EINVAL; a descriptor never opened is EBADF. */
  CHECK(__wasi_poll_oneoff(subs, events, 0, &n) == __WASI_ERRNO_INVAL);
  subs[0].u.u.fd_read.file_descriptor = 77;
  CHECK(__wasi_poll_oneoff(subs, events, 1, &n) == __WASI_ERRNO_BADF);
  return 0;
}
