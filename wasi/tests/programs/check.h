/* Shared helpers for the test programs: checks that report what failed and exit with 1, and
 * lookup of a preopened directory's descriptor by its guest name. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <wasi/api.h>

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", __FILE__,      \
              __LINE__, #cond, errno, strerror(errno));                          \
      exit(1);                                                                   \
    }                                                                            \
  } while (0)

/* The descriptor of the preopened directory named `name`, or -1. */
static inline int preopen_fd(const char *name) {
  for (__wasi_fd_t fd = 3;; fd++) {
    __wasi_prestat_t prestat;
    if (__wasi_fd_prestat_get(fd, &prestat) != 0)
      return -1;
    char buf[256];
    size_t len = prestat.u.dir.pr_name_len;
    if (len >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, len) != 0)
      continue;
    buf[len] = 0;
    if (strcmp(buf, name) == 0)
      return (int)fd;
  }
}

#endif
