/* Directories in "/sandbox": create, list, remove, and symbolic links that stay inside. */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(void) {
  CHECK(mkdir("/sandbox/a", 0755) == 0);
  CHECK(mkdir("/sandbox/a/b", 0755) == 0);
  CHECK(mkdir("/sandbox/a", 0755) == -1 && errno == EEXIST);
  for (int i = 0; i < 3; i++) {
    char name[64];
    snprintf(name, sizeof name, "/sandbox/a/file%d", i);
    int fd = open(name, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK(close(fd) == 0);
  }

  /* List, sorted (the order of a listing is the host's). */
  DIR *d = opendir("/sandbox/a");
  CHECK(d != NULL);
  char *names[16];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 16) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    names[n++] = strdup(e->d_name);
  }
  CHECK(closedir(d) == 0);
  qsort(names, n, sizeof names[0], cmp);
  for (int i = 0; i < n; i++)
    printf("entry %s\n", names[i]);

  /* A non-empty directory cannot be removed; an empty one can. */
  CHECK(rmdir("/sandbox/a") == -1 && errno == ENOTEMPTY);
  CHECK(rmdir("/sandbox/a/b") == 0);
  struct stat st;
  CHECK(stat("/sandbox/a/b", &st) == -1 && errno == ENOENT);
  CHECK(stat("/sandbox/a", &st) == 0 && S_ISDIR(st.st_mode));

  /* Symbolic links inside the sandbox work, relative ones through "..". */
  CHECK(symlink("file0", "/sandbox/a/link") == 0);
  CHECK(symlink("../a/file1", "/sandbox/a/uplink") == 0);
  char target[64];
  ssize_t len = readlink("/sandbox/a/link", target, sizeof target);
  CHECK(len == 5 && memcmp(target, "file0", 5) == 0);
  CHECK(lstat("/sandbox/a/link", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(stat("/sandbox/a/uplink", &st) == 0 && S_ISREG(st.st_mode));
  int fd = open("/sandbox/a/uplink", O_WRONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "via link", 8) == 8);
  CHECK(close(fd) == 0);
  CHECK(stat("/sandbox/a/file1", &st) == 0 && st.st_size == 8);

  /* Paths with "." and ".." that stay inside are fine. */
  CHECK(stat("/sandbox/a/./../a/file2", &st) == 0);

  /* Hard links. */
  CHECK(link("/sandbox/a/file2", "/sandbox/a/hard") == 0);
  CHECK(stat("/sandbox/a/hard", &st) == 0 && st.st_nlink == 2);

  /* Clean up everything, leaving the sandbox empty. */
  const char *files[] = {"link", "uplink", "hard", "file0", "file1", "file2"};
  for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[64];
    snprintf(path, sizeof path, "/sandbox/a/%s", files[i]);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir("/sandbox/a") == 0);
  puts("dirs ok");
  return 0;
}
