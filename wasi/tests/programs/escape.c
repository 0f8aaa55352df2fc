/* The sandbox: every attempt to reach outside the preopened directories, to change a
 * read-only preopen, or to use a descriptor the guest was not given must be refused with the
 * errno Wasmtime answers. Prints one line per attempt; exits 1 if any was not refused. */
#include "check.h"

/* The raw import, to pass pointers the libc wrappers would dereference first. */
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t base, int64_t inheriting, int32_t fdflags, int32_t fd_out)
    __attribute__((__import_module__("wasi_snapshot_preview1"), __import_name__("path_open")));

static int failures = 0;

static void expect(const char *what, __wasi_errno_t got, __wasi_errno_t want) {
  if (got == want) {
    printf("refused %s\n", what);
  } else {
    printf("NOT REFUSED %s: errno %d, expected %d\n", what, got, want);
    failures++;
  }
}

static __wasi_errno_t open_at(int dir, const char *path, __wasi_lookupflags_t lookup, __wasi_oflags_t oflags,
                              __wasi_rights_t rights, __wasi_fd_t *out) {
  return __wasi_path_open(dir, lookup, path, oflags, rights, rights, 0, out);
}

int main(void) {
  int sandbox = preopen_fd("/sandbox");
  int ro = preopen_fd("/ro");
  CHECK(sandbox >= 0 && ro >= 0);
  const __wasi_rights_t R = __WASI_RIGHTS_FD_READ, W = __WASI_RIGHTS_FD_WRITE;
  const __wasi_lookupflags_t FOLLOW = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  __wasi_fd_t fd;
  __wasi_filestat_t st;

  /* Leaving the preopen by path. */
  expect("open ../secret.txt", open_at(sandbox, "../secret.txt", 0, 0, R, &fd), __WASI_ERRNO_PERM);
  expect("open ./sub/../../secret.txt", open_at(sandbox, "./sub/../../secret.txt", 0, 0, R, &fd), __WASI_ERRNO_PERM);
  expect("open absolute /etc/passwd", open_at(sandbox, "/etc/passwd", 0, 0, R, &fd), __WASI_ERRNO_PERM);
  expect("stat ..", __wasi_path_filestat_get(sandbox, 0, "..", &st), __WASI_ERRNO_PERM);
  expect("mkdir ../made", __wasi_path_create_directory(sandbox, "../made"), __WASI_ERRNO_PERM);
  expect("unlink ../secret.txt", __wasi_path_unlink_file(sandbox, "../secret.txt"), __WASI_ERRNO_PERM);
  expect("rename to ../stolen.txt", __wasi_path_rename(sandbox, "inside.txt", sandbox, "../stolen.txt"),
         __WASI_ERRNO_PERM);
  expect("link to ../linked.txt", __wasi_path_link(sandbox, 0, "inside.txt", sandbox, "../linked.txt"),
         __WASI_ERRNO_PERM);

  /* Leaving it through symbolic links the host planted. */
  expect("open link_up (-> ../secret.txt)", open_at(sandbox, "link_up", FOLLOW, 0, R, &fd), __WASI_ERRNO_PERM);
  expect("open link_abs (-> absolute)", open_at(sandbox, "link_abs", FOLLOW, 0, R, &fd), __WASI_ERRNO_PERM);
  expect("open link_dir_up/secret.txt (-> ..)", open_at(sandbox, "link_dir_up/secret.txt", 0, 0, R, &fd),
         __WASI_ERRNO_PERM);
  expect("open sub/link_up2 (-> ../../secret.txt)", open_at(sandbox, "sub/link_up2", FOLLOW, 0, R, &fd),
         __WASI_ERRNO_PERM);
  expect("stat link_up following", __wasi_path_filestat_get(sandbox, FOLLOW, "link_up", &st), __WASI_ERRNO_PERM);
  expect("open link_up/ (trailing slash follows)", open_at(sandbox, "link_dir_up/", 0, 0, R, &fd),
         __WASI_ERRNO_PERM);
  expect("open loop", open_at(sandbox, "loop", FOLLOW, 0, R, &fd), __WASI_ERRNO_LOOP);
  expect("open link_up without following", open_at(sandbox, "link_up", 0, 0, R, &fd), __WASI_ERRNO_LOOP);
  expect("symlink to an absolute path", __wasi_path_symlink("/etc/passwd", sandbox, "new_link"), __WASI_ERRNO_PERM);
  /* The link itself may be looked at. */
  CHECK(__wasi_path_filestat_get(sandbox, 0, "link_up", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);

  /* A directory opened inside is a sandbox of its own: ".." from it does not climb out. */
  __wasi_fd_t sub;
  CHECK(open_at(sandbox, "sub", 0, __WASI_OFLAGS_DIRECTORY,
                __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_READ, &sub) == 0);
  expect("open ../inside.txt from sub", open_at(sub, "../inside.txt", 0, 0, R, &fd), __WASI_ERRNO_PERM);
  CHECK(__wasi_fd_close(sub) == 0);

  /* A read-only preopen. */
  expect("create in /ro", open_at(ro, "new.txt", 0, __WASI_OFLAGS_CREAT, R | W, &fd), __WASI_ERRNO_PERM);
  expect("open for writing in /ro", open_at(ro, "existing.txt", 0, 0, R | W, &fd), __WASI_ERRNO_PERM);
  expect("truncate in /ro", open_at(ro, "existing.txt", 0, __WASI_OFLAGS_TRUNC, R, &fd), __WASI_ERRNO_PERM);
  expect("unlink in /ro", __wasi_path_unlink_file(ro, "existing.txt"), __WASI_ERRNO_PERM);
  expect("rename in /ro", __wasi_path_rename(ro, "existing.txt", ro, "moved.txt"), __WASI_ERRNO_PERM);
  expect("rename into /ro", __wasi_path_rename(sandbox, "inside.txt", ro, "moved.txt"), __WASI_ERRNO_PERM);
  expect("mkdir in /ro", __wasi_path_create_directory(ro, "newdir"), __WASI_ERRNO_PERM);
  expect("rmdir in /ro", __wasi_path_remove_directory(ro, "subdir"), __WASI_ERRNO_PERM);
  expect("symlink in /ro", __wasi_path_symlink("existing.txt", ro, "alias"), __WASI_ERRNO_PERM);
  expect("link into /ro", __wasi_path_link(sandbox, 0, "inside.txt", ro, "linked.txt"), __WASI_ERRNO_PERM);
  expect("set times in /ro", __wasi_path_filestat_set_times(ro, 0, "existing.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
         __WASI_ERRNO_PERM);
  /* Reading is allowed. */
  CHECK(open_at(ro, "existing.txt", 0, 0, R | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, &fd) == 0);
  char buf[32];
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
  __wasi_size_t n;
  CHECK(__wasi_fd_read(fd, &iov, 1, &n) == 0 && n == 9 && memcmp(buf, "read only", 9) == 0);
  __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
  expect("write to a read-only descriptor", __wasi_fd_write(fd, &ciov, 1, &n), __WASI_ERRNO_BADF);
  expect("append flag in /ro", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), __WASI_ERRNO_PERM);
  CHECK(__wasi_fd_close(fd) == 0);

  /* Rights can be dropped but not regained. */
  CHECK(open_at(sandbox, "inside.txt", 0, 0, R | __WASI_RIGHTS_FD_SEEK, &fd) == 0);
  CHECK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_SEEK, 0) == 0);
  expect("read after dropping the right", __wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
  expect("regaining a right", __wasi_fd_fdstat_set_rights(fd, R | __WASI_RIGHTS_FD_SEEK, 0),
         __WASI_ERRNO_NOTCAPABLE);

  /* Descriptors cannot be forged, nor used as what they are not. */
  CHECK(__wasi_fd_close(fd) == 0);
  expect("read a closed descriptor", __wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_BADF);
  __wasi_fd_t fd_file;
  CHECK(open_at(sandbox, "inside.txt", 0, 0, R, &fd_file) == 0);
  expect("write descriptor 99", __wasi_fd_write(99, &ciov, 1, &n), __WASI_ERRNO_BADF);
  expect("close descriptor 99", __wasi_fd_close(99), __WASI_ERRNO_BADF);
  expect("renumber onto descriptor 99", __wasi_fd_renumber(sandbox, 99), __WASI_ERRNO_BADF);
  expect("open relative to descriptor 99", open_at(99, "inside.txt", 0, 0, R, &fd), __WASI_ERRNO_BADF);
  expect("open relative to stdout", open_at(1, "inside.txt", 0, 0, R, &fd), __WASI_ERRNO_BADF);
  expect("open relative to a file", open_at(fd_file, "x", 0, 0, R, &fd), __WASI_ERRNO_NOTDIR);
  expect("mkdir relative to a file", __wasi_path_create_directory(fd_file, "x"), __WASI_ERRNO_BADF);
  expect("prestat of a file", __wasi_fd_prestat_get(fd_file, (__wasi_prestat_t *)buf), __WASI_ERRNO_BADF);
  CHECK(__wasi_fd_close(fd_file) == 0);

  /* Bad pointers are EFAULT. */
  expect("write from a wild iovec", __wasi_fd_write(1, (const __wasi_ciovec_t *)0xfffffff0, 1, &n),
         __WASI_ERRNO_FAULT);
  expect("open a wild path", raw_path_open(sandbox, 0, (int32_t)0xfffffff0, 64, 0, R, R, 0, 0), __WASI_ERRNO_FAULT);
  expect("stat into a wild buffer",
         __wasi_path_filestat_get(sandbox, 0, "inside.txt", (__wasi_filestat_t *)0xfffffff8), __WASI_ERRNO_FAULT);

  printf("%d not refused\n", failures);
  return failures ? 1 : 0;
}
