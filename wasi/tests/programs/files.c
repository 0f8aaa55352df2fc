/* Files in the preopened directory "/sandbox": create, write, read back, seek, positioned
 * I/O, append, truncate, stat, rename and unlink. */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  char buf[64];

  int fd = open("/sandbox/data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "hello, world", 12) == 12);
  CHECK(lseek(fd, 0, SEEK_CUR) == 12);
  CHECK(lseek(fd, 7, SEEK_SET) == 7);
  CHECK(read(fd, buf, sizeof buf) == 5);
  CHECK(memcmp(buf, "world", 5) == 0);
  CHECK(read(fd, buf, sizeof buf) == 0);

  /* Positioned I/O leaves the position alone. */
  CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
  CHECK(pread(fd, buf, 5, 0) == 5);
  CHECK(memcmp(buf, "HELLO", 5) == 0);
  CHECK(lseek(fd, 0, SEEK_CUR) == 12);

  /* Truncate and stat. */
  CHECK(ftruncate(fd, 5) == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK(st.st_size == 5);
  CHECK(S_ISREG(st.st_mode));
  CHECK(close(fd) == 0);

  /* Append mode writes at the end whatever the position. */
  fd = open("/sandbox/data.txt", O_WRONLY | O_APPEND);
  CHECK(fd >= 0);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "!", 1) == 1);
  CHECK(close(fd) == 0);

  /* stdio on top. */
  FILE *f = fopen("/sandbox/data.txt", "r");
  CHECK(f != NULL);
  CHECK(fgets(buf, sizeof buf, f) != NULL);
  CHECK(strcmp(buf, "HELLO!") == 0);
  CHECK(fclose(f) == 0);

  /* Rename, then the old name is gone. */
  CHECK(rename("/sandbox/data.txt", "/sandbox/renamed.txt") == 0);
  CHECK(stat("/sandbox/data.txt", &st) == -1 && errno == ENOENT);
  CHECK(stat("/sandbox/renamed.txt", &st) == 0 && st.st_size == 6);

  /* Exclusive creation of an existing file fails. */
  CHECK(open("/sandbox/renamed.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);

  /* Reading a file the host put there. */
  f = fopen("/sandbox/input.txt", "r");
  CHECK(f != NULL);
  CHECK(fgets(buf, sizeof buf, f) != NULL);
  CHECK(fclose(f) == 0);
  printf("input: %s", buf);

  /* A file opened read-only cannot be written. */
  fd = open("/sandbox/input.txt", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
  CHECK(close(fd) == 0);

  /* Leave one file for the host to check. */
  f = fopen("/sandbox/output.txt", "w");
  CHECK(f != NULL);
  CHECK(fputs("written by the guest\n", f) >= 0);
  CHECK(fclose(f) == 0);

  CHECK(unlink("/sandbox/renamed.txt") == 0);
  CHECK(unlink("/sandbox/renamed.txt") == -1 && errno == ENOENT);
  puts("files ok");
  return 0;
}
