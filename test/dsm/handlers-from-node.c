// A thread on another node sets the actions of the process's signals, as
// any thread may: every signal's action but those the thread raises itself
// there (its faults, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS) is home's,
// so its sigaction and signal calls of them are carried out at home
// (docs/design/dsm.md, signals). Home's process is the one signals from
// outside reach, and the one whose descriptors the thread's calls use.
//
// Threads are made and joined one at a time, so with spread they alternate
// between home and the two agents, and each finds what the one before it
// left. Each:
//  - ignores SIGPIPE, writes to a pipe whose reader is gone and gets EPIPE
//    (the write runs at home: had only its node ignored SIGPIPE, home
//    would have died of it), then restores the default, which reports the
//    SIG_IGN it set;
//  - installs a SIGUSR1 handler (SA_SIGINFO) with signal's successor,
//    sigaction, and reads back the one the thread before it installed;
//  - reads SIGUSR2's action, which main set at home before the threads;
//  - sets a handler of its own for SIGUSR2 with signal(), which reports
//    main's, and puts main's back;
//  - puts main's back with sigset (the mask of a thread on another node is
//    left blocked);
//  - ignores SIGHUP and forks: the child takes the action, as a child takes
//    its parent's (not the agent's own), and survives a SIGHUP;
//  - fails to set SIGKILL's, with EINVAL, as the C library does;
//  - the last one ignores SIGTERM with sigignore and makes SIGUSR1
//    interrupt system calls with siginterrupt.
// Then main raises SIGUSR1 at home: the handler the last thread installed
// on an agent runs; SIGTERM finds it ignored. Last, main ignores SIGCHLD,
// and three threads fork and wait: each finds its child reaped unseen (on
// the agents too, where the action is recorded, not installed: the
// agent's own children must stay its to wait for).
//
// "restore": main loads a library and installs its handler; each thread
// saves that action, ignores the signal, and puts the action back. The
// agents never loaded the library: the handler lies in nothing they have,
// and came from home, which takes it back.
//
// "elsewhere": main loads a library at home only, so that a library each
// thread then loads lies elsewhere on the agents than at home. The
// handler from it that a thread on an agent installs is refused (EINVAL),
// with a warning once: home would have jumped into something else.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.pad.so
// RUN: %mpirun3t %t.fgrid elsewhere %t.so %t.pad.so 2> %t.elsewhere.err
// RUN: FileCheck %s --check-prefix=ELSEWHERE < %t.elsewhere.err
// RUN: %t.plain restore %t.so > %t.plain-restore.out
// RUN: %mpirun3t %t.fgrid restore %t.so > %t.restore.out 2> %t.restore.err
// RUN: diff %t.plain-restore.out %t.restore.out
// RUN: FileCheck %s --check-prefix=RESTORE < %t.restore.err
//
// CHECK-NOT: warning
// CHECK: handlers-from-node.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// CHECK: handlers-from-node.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
//
// ELSEWHERE: thread 0: sigaction 0 (Success)
// ELSEWHERE-NEXT: grid: warning: a thread on another node installed a SIGUSR1 handler that home does not have at the same place (its module {{.*}}handlers-from-node.c.tmp.so): sigaction refused it (EINVAL)
// ELSEWHERE-NEXT: thread 1: sigaction -1 (Invalid argument)
// ELSEWHERE-NEXT: thread 2: sigaction -1 (Invalid argument)
// ELSEWHERE-NOT: warning
// ELSEWHERE: handlers-from-node.c:{{[0-9]+}} (elsewhere) pthread_create 3 {{.*}}node 1: 1, node 2: 1
//
// RESTORE-NOT: warning
// RESTORE: handlers-from-node.c:{{[0-9]+}} (restore) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#ifdef LIBRARY
void libraryHandler(int Sig) { (void)Sig; }
#else
// sigset, sigignore and siginterrupt are deprecated, and still the C
// library's: a program may call them.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 6

static volatile sig_atomic_t Usr1Count, Usr1OtherCount, Usr1Code;
static volatile sig_atomic_t Usr2Count;

static void onUsr1(int Sig, siginfo_t *Info, void *Context) {
  (void)Context;
  if (Sig == SIGUSR1) {
    ++Usr1Count;
    Usr1Code = Info->si_code;
  }
}

static void onUsr1Other(int Sig, siginfo_t *Info, void *Context) {
  (void)Context;
  if (Sig == SIGUSR1) {
    ++Usr1OtherCount;
    Usr1Code = Info->si_code;
  }
}

static void onUsr2(int Sig) {
  if (Sig == SIGUSR2)
    ++Usr2Count;
}

static void onUsr2Thread(int Sig) { (void)Sig; }

static const char *nameOf(void (*Handler)(int)) {
  if (Handler == SIG_DFL)
    return "SIG_DFL";
  if (Handler == SIG_IGN)
    return "SIG_IGN";
  if (Handler == onUsr2)
    return "main's SIGUSR2 handler";
  if (Handler == onUsr2Thread)
    return "a thread's SIGUSR2 handler";
  if (Handler == SIG_ERR)
    return "SIG_ERR";
  return "something else";
}

static void *work(void *P) {
  long I = (long)P;
  char Line[512];
  int At = 0;
  At += snprintf(Line + At, sizeof Line - At, "thread %ld:", I);

  // SIGPIPE: ignored by this thread, for the process.
  void (*Before)(int) = signal(SIGPIPE, SIG_IGN);
  int Fds[2];
  if (pipe(Fds) != 0) {
    perror("pipe");
    return NULL;
  }
  close(Fds[0]);
  ssize_t N = write(Fds[1], "x", 1);
  int Error = errno;
  close(Fds[1]);
  void (*Ignored)(int) = signal(SIGPIPE, SIG_DFL);
  At += snprintf(Line + At, sizeof Line - At,
                 " SIGPIPE was %s; write %zd (%s); then %s;", nameOf(Before),
                 N, N < 0 ? strerror(Error) : "written", nameOf(Ignored));

  // SIGUSR1: a handler with SA_SIGINFO, replacing the last thread's.
  struct sigaction A, Old;
  memset(&A, 0, sizeof A);
  A.sa_sigaction = (I % 2) ? onUsr1Other : onUsr1;
  A.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&A.sa_mask);
  sigaddset(&A.sa_mask, SIGUSR2);
  memset(&Old, 0, sizeof Old);
  int Set = sigaction(SIGUSR1, &A, &Old);
  At += snprintf(
      Line + At, sizeof Line - At,
      " SIGUSR1 set %d, was %s (SA_SIGINFO %d, SIGUSR2 masked %d);", Set,
      Old.sa_sigaction == onUsr1        ? "onUsr1"
      : Old.sa_sigaction == onUsr1Other ? "onUsr1Other"
      : Old.sa_handler == SIG_DFL       ? "SIG_DFL"
                                        : "something else",
      (Old.sa_flags & SA_SIGINFO) != 0, sigismember(&Old.sa_mask, SIGUSR2));

  // SIGUSR2: main's, read back; a thread's for a moment; main's again.
  struct sigaction Main;
  memset(&Main, 0, sizeof Main);
  sigaction(SIGUSR2, NULL, &Main);
  void (*Was)(int) = signal(SIGUSR2, onUsr2Thread);
  void (*Then)(int) = sigset(SIGUSR2, Main.sa_handler);
  At += snprintf(Line + At, sizeof Line - At, " SIGUSR2 %s, then %s, then %s;",
                 nameOf(Main.sa_handler), nameOf(Was), nameOf(Then));

  // SIGHUP ignored: a child the thread forks takes that, as it takes its
  // parent's actions (it says so, then survives its own SIGHUP).
  signal(SIGHUP, SIG_IGN);
  pid_t Child = fork();
  if (Child == 0) {
    struct sigaction Hup;
    sigaction(SIGHUP, NULL, &Hup);
    raise(SIGHUP);
    _exit(Hup.sa_handler == SIG_IGN ? 7 : 8);
  }
  int Status = 0;
  waitpid(Child, &Status, 0);
  signal(SIGHUP, SIG_DFL);
  At += snprintf(Line + At, sizeof Line - At, " child with SIGHUP %s",
                 WIFEXITED(Status) && WEXITSTATUS(Status) == 7
                     ? "ignored, survived it"
                 : WIFEXITED(Status) ? "not ignored"
                                     : "killed");

  // An invalid signal fails as the C library's call does.
  struct sigaction Bad;
  memset(&Bad, 0, sizeof Bad);
  Bad.sa_handler = SIG_IGN;
  errno = 0;
  int Refused = sigaction(SIGKILL, &Bad, NULL);
  snprintf(Line + At, sizeof Line - At, "; SIGKILL %d (%s)", Refused,
           strerror(errno));
  // The last one leaves SIGTERM ignored (sigignore) and SIGUSR1's handler
  // interrupting (siginterrupt): main's SIGTERM then does nothing.
  if (I == THREADS - 1) {
    sigignore(SIGTERM);
    siginterrupt(SIGUSR1, 1);
  }
  puts(Line);
  fflush(stdout);
  return NULL;
}

// With SIGCHLD ignored (main's, at home, before the threads), a child a
// thread forks is reaped unseen, wherever the thread runs: its wait finds
// no child.
static void *forkAndWait(void *P) {
  pid_t Child = fork();
  if (Child == 0)
    _exit(3);
  int Status = 0;
  errno = 0;
  pid_t Got = wait(&Status);
  printf("thread %ld with SIGCHLD ignored: wait %s (%s)\n", (long)P,
         Got == Child ? "found its child" : "found none", strerror(errno));
  return NULL;
}

static const char *Library;

static void *loadAndInstall(void *P) {
  void *Handle = dlopen(Library, RTLD_NOW);
  void (*Handler)(int) =
      Handle ? (void (*)(int))dlsym(Handle, "libraryHandler") : NULL;
  if (!Handler) {
    fprintf(stderr, "thread %ld: %s\n", (long)P, dlerror());
    return NULL;
  }
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_handler = Handler;
  errno = 0;
  int Result = sigaction(SIGUSR1, &A, NULL);
  fprintf(stderr, "thread %ld: sigaction %d (%s)\n", (long)P, Result,
          strerror(errno));
  return NULL;
}

static int elsewhere(const char *Pad) {
  if (!dlopen(Pad, RTLD_NOW)) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, loadAndInstall, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0)
      return 1;
  }
  return 0;
}

static void *saveAndRestore(void *P) {
  void (*Saved)(int) = signal(SIGUSR1, SIG_IGN);
  errno = 0;
  void (*Ignored)(int) = signal(SIGUSR1, Saved);
  struct sigaction Now;
  memset(&Now, 0, sizeof Now);
  sigaction(SIGUSR1, NULL, &Now);
  printf("thread %ld: saved the library's handler %d, put it back %d (%s), "
         "in place %d\n",
         (long)P, Saved != SIG_DFL && Saved != SIG_IGN && Saved != SIG_ERR,
         Ignored == SIG_IGN, strerror(errno), Now.sa_handler == Saved);
  return NULL;
}

static int restore(void) {
  void *Handle = dlopen(Library, RTLD_NOW);
  void (*Handler)(int) =
      Handle ? (void (*)(int))dlsym(Handle, "libraryHandler") : NULL;
  if (!Handler) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  signal(SIGUSR1, Handler);
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, saveAndRestore, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0)
      return 1;
  }
  return 0;
}

int main(int Argc, char **Argv) {
  if (Argc == 3 && strcmp(Argv[1], "restore") == 0) {
    Library = Argv[2];
    return restore();
  }
  if (Argc == 4 && strcmp(Argv[1], "elsewhere") == 0) {
    Library = Argv[2];
    return elsewhere(Argv[3]);
  }
  signal(SIGUSR2, onUsr2);
  for (long I = 0; I < THREADS; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, work, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0) {
      puts("create or join failed");
      return 1;
    }
  }
  // The last thread, on the second agent, installed onUsr1Other: raised at
  // home, SIGUSR1 runs it.
  struct sigaction Now;
  memset(&Now, 0, sizeof Now);
  sigaction(SIGUSR1, NULL, &Now);
  raise(SIGUSR1);
  raise(SIGUSR2);
  raise(SIGTERM);
  printf("main: SIGUSR1 is %s (SA_RESTART %d); onUsr1 ran %d time(s), "
         "onUsr1Other %d (SI_TKILL %d); SIGUSR2 handled %d; SIGPIPE %s; "
         "SIGTERM %s\n",
         Now.sa_sigaction == onUsr1Other ? "onUsr1Other" : "something else",
         (Now.sa_flags & SA_RESTART) != 0, (int)Usr1Count,
         (int)Usr1OtherCount, Usr1Code == SI_TKILL, (int)Usr2Count,
         nameOf(signal(SIGPIPE, SIG_DFL)), nameOf(signal(SIGTERM, SIG_DFL)));

  signal(SIGCHLD, SIG_IGN);
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, forkAndWait, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0) {
      puts("create or join failed");
      return 1;
    }
  }
  return 0;
}
#endif
