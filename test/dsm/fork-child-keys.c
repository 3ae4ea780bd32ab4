// A thread on another node forks, and its child, a process of that node
// with the one thread, keeps the thread's values of the program's keys
// (pthread_key_create at home) apart from the node's own keys: it reads the
// value its parent set, sets its own, and when the thread's function
// returns the key's destructor runs with the child's value, as it would at
// home. (Before, the child's setspecific wrote into a key of the node's
// own, jemalloc's, and the child died by SIGSEGV at its end.) A grandchild
// the child forks does the same with the child's value. The destructor
// ends each with a status that says which value it got.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: fork-child-keys.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_key_t Key;
static char Parent[] = "parent", Child[] = "child";

static void destroy(void *Value) {
  // In the child, the process ends here with the value's mark; in the
  // thread, the value must be the parent's.
  if (Value == Child)
    _exit(42);
  if (Value != Parent)
    _exit(43);
}

static void *work(void *P) {
  (void)P;
  // The child sees the shared memory as its node held it at the fork: the
  // key and the values are copied where it surely has them, the thread's
  // stack (docs/design/dsm.md, fork).
  pthread_key_t K = Key;
  char *Mine = Parent, *Its = Child;
  pthread_setspecific(K, Mine);
  pid_t Pid = fork();
  if (Pid == 0) {
    alarm(10); // a hang ends the child by SIGALRM
    if (pthread_getspecific(K) != Mine)
      _exit(3);
    pthread_setspecific(K, Its);
    // A grandchild has the child's value too, and its end the destructor.
    pid_t Grandchild = fork();
    if (Grandchild == 0) {
      if (pthread_getspecific(K) != Its)
        _exit(5);
      return NULL;
    }
    int Status = 0;
    if (Grandchild < 0 || waitpid(Grandchild, &Status, 0) != Grandchild ||
        !WIFEXITED(Status) || WEXITSTATUS(Status) != 42)
      _exit(4);
    return NULL; // the child's only thread ends: its destructors run
  }
  int Status = 0;
  if (Pid < 0 || waitpid(Pid, &Status, 0) != Pid)
    return (void *)-1L;
  return (void *)(long)(WIFEXITED(Status) ? WEXITSTATUS(Status)
                                          : 100 + WTERMSIG(Status));
}

int main(void) {
  pthread_key_create(&Key, destroy);
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, work, NULL);
  for (int I = 0; I < 3; ++I) {
    void *R;
    pthread_join(T[I], &R);
    printf("thread %d: its child ended with %ld\n", I, (long)R);
  }
  return 0;
}
