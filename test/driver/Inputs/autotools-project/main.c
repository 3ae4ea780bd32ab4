#include <pthread.h>
#include <stdio.h>

int spawn_echo(void);

static void *square(void *arg) {
  long n = (long)arg;
  return (void *)(n * n);
}

int main(void) {
  pthread_t t;
  void *result;
  pthread_create(&t, NULL, square, (void *)7L);
  pthread_join(t, &result);
  printf("square %ld\n", (long)result);
  return spawn_echo();
}
