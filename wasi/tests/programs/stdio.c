/* Standard streams: copies stdin to stdout upper-cased, reports the byte count on stderr. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
  int c;
  long count = 0;
  while ((c = getchar()) != EOF) {
    putchar(toupper(c));
    count++;
  }
  fflush(stdout);
  fprintf(stderr, "read %ld bytes\n", count);
  return 0;
}
