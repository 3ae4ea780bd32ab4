#include <stdio.h>

long run_workers(int N);

int main(void) {
  printf("total %ld\n", run_workers(4));
  return 0;
}
