/*
** wasi-libc has no <pwd.h>: WASI has no user database. The SQLite shell
** only uses getpwuid() to find the home directory and falls back to $HOME
** when it returns NULL.
*/
#ifndef TANDEM_WASI_PWD_H
#define TANDEM_WASI_PWD_H
#include <sys/types.h>
struct passwd {
  char *pw_name;
  char *pw_dir;
  uid_t pw_uid;
  gid_t pw_gid;
};
static inline struct passwd *getpwuid(uid_t uid) {
  (void)uid;
  return 0;
}
#endif /* TANDEM_WASI_PWD_H */
