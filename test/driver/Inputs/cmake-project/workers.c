#include <pthread.h>

static void *square(void *Arg) { return (void *)((long)Arg * (long)Arg); }

long run_workers(int N) {
  pthread_t Threads[8];
  for (long I = 0; I < N; ++I)
    pthread_create(&Threads[I], 0, square, (void *)I);
  long Sum = 0;
  for (int I = 0; I < N; ++I) {
    void *Result;
    pthread_join(Threads[I], &Result);
    Sum += (long)Result;
  }
  return Sum;
}
