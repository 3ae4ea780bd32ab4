#include <pthread.h>
#include <stdio.h>

static void *square(void *Arg) {
  long N = (long)Arg;
  return (void *)(N * N);
}

int main(void) {
  pthread_t Threads[4];
  for (long I = 0; I < 4; ++I)
    pthread_create(&Threads[I], NULL, square, (void *)I);
  long Sum = 0;
  for (int I = 0; I < 4; ++I) {
    void *Result;
    pthread_join(Threads[I], &Result);
    Sum += (long)Result;
  }
  printf("sum %ld\n", Sum);
  return 0;
}
