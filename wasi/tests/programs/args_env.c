/* Arguments and environment: prints each argument and the variables the test sets, then
 * exits with the argument count. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    printf("arg[%d]=%s\n", i, argv[i]);
  int n = 0;
  for (char **e = environ; *e; e++)
    n++;
  printf("env count=%d\n", n);
  const char *greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  const char *missing = getenv("MISSING");
  printf("MISSING=%s\n", missing ? missing : "(unset)");
  return argc;
}
