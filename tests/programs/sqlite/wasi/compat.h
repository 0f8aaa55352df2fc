/*
** Force-included (clang -include wasi/compat.h) into the SQLite amalgamation
** and shell when they are built for wasm32-wasi. SQLite 3.40's os_unix.c
** predates SQLite's own WASI port, so it names a few POSIX calls and
** constants that wasi-libc does not have. Each shim below stands for
** something WASI cannot do at all; none changes what a query returns.
*/
#ifndef TANDEM_WASI_COMPAT_H
#define TANDEM_WASI_COMPAT_H
#ifdef __wasi__

#include <errno.h>
#include <sys/types.h>

/* WASI has no file modes or owners: changing them is a successful no-op. */
static int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
static int chmod(const char *path, mode_t mode) {
  (void)path; (void)mode; return 0;
}
static int fchown(int fd, uid_t uid, gid_t gid) {
  (void)fd; (void)uid; (void)gid; return 0;
}
/* Not root, so os_unix.c never tries to fchown a journal. */
static uid_t geteuid(void) { return 1; }
static uid_t getuid(void) { return 1; }

/* There are no processes to spawn (.system, .shell, .edit): no shell. */
static int system(const char *command) {
  if (command == 0) return 0;
  errno = ENOSYS;
  return -1;
}

/* fcntl() record locks do not exist in WASI. The constants let os_unix.c
** compile; the build selects a VFS that never uses them (see build.sh). */
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 12
#define F_SETLK 13
#define F_SETLKW 14
#endif

#endif /* __wasi__ */
#endif /* TANDEM_WASI_COMPAT_H */
