// A fork while another thread is inside a thread creation at home (or a
// join, a detach, popen, pclose, fork): the child's own creation must not
// wait for a lock the parent's thread held. The program's operator new
// stalls that thread at each of its allocations in turn (some of which Grid
// makes while holding its locks, such as the record of the threads home knows);
// at each stall main forks a child that creates and joins a thread, with an
// alarm for a hang. A lock that Grid takes before a fork (pthread_atfork) holds
// the fork until the stalled thread lets it go: a stall ends once a fork of
// main's has been under way for 200 ms. Until 2026-11-28 the child of a stall
// inside that record's lock waited for ever (e2e/fork-during-first-create.c
// caught it about one run in 100).
//
// RUN: %grid-clangxx -fgrid -O1 %s -o %t
// RUN: timeout -k 5 300 %t | FileCheck %s
// CHECK: forks in a stall: at least 5
// CHECK-NEXT: children: all created and joined a thread, 0 hung

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {
pid_t Parent;
thread_local bool Stalling;
std::atomic<int> Stalled{0};  // stalls so far, counted by the stalled thread
std::atomic<int> Forking{0};  // the stall main began a fork in
std::atomic<int> Forked{0};   // the stall main's fork returned in
std::atomic<int> Escaped{0};  // the stall the creator left on its own
std::atomic<int> Released{0}; // stalls main has let go
std::atomic<bool> Done{false};

double now() {
  timespec T;
  clock_gettime(CLOCK_MONOTONIC, &T);
  return static_cast<double>(T.tv_sec) + static_cast<double>(T.tv_nsec) * 1e-9;
}

void stall() {
  if (getpid() != Parent)
    return; // in a child of the creator's own fork or popen
  int Mine = Stalled.fetch_add(1) + 1;
  double Since = 0;
  while (Released.load() < Mine) {
    sched_yield();
    if (Forking.load() == Forked.load())
      continue; // no fork under way
    if (Since == 0)
      Since = now();
    else if (now() - Since > 0.2) {
      Escaped.store(Mine); // main's fork waits for a lock this thread holds
      break;
    }
  }
}

void *work(void *Arg) { return Arg; }

// Creates and joins a thread, creates and detaches another, runs popen and
// pclose, forks and waits, with every allocation stalled in turn.
void *creator(void *) {
  pthread_t T;
  Stalling = true;
  if (pthread_create(&T, nullptr, work, nullptr) != 0 ||
      pthread_join(T, nullptr) != 0)
    std::abort();
  pthread_t D;
  if (pthread_create(&D, nullptr, work, nullptr) != 0 || pthread_detach(D) != 0)
    std::abort();
  if (FILE *F = popen("true", "r"))
    pclose(F);
  pid_t Pid = fork();
  if (Pid == 0)
    _exit(0);
  waitpid(Pid, nullptr, 0);
  Stalling = false;
  Done.store(true);
  return nullptr;
}

// In a child: a thread of its own (main kills a child that hangs).
[[noreturn]] void child() {
  pthread_t T;
  void *Back = nullptr;
  int Tag;
  bool Ok = pthread_create(&T, nullptr, work, &Tag) == 0 &&
            pthread_join(T, &Back) == 0 && Back == &Tag;
  _exit(Ok ? 0 : 2);
}
} // namespace

void *operator new(size_t Size) {
  if (Stalling)
    stall();
  if (void *P = std::malloc(Size ? Size : 1))
    return P;
  throw std::bad_alloc();
}
void operator delete(void *P) noexcept { std::free(P); }
void operator delete(void *P, size_t) noexcept { std::free(P); }

int main() {
  // A first creation, so that the second, stalled one finds the machine
  // read (hwloc's reading allocates a great deal).
  pthread_t First;
  if (pthread_create(&First, nullptr, work, nullptr) != 0 ||
      pthread_join(First, nullptr) != 0)
    return 1;
  Parent = getpid();
  pthread_t Creator;
  if (pthread_create(&Creator, nullptr, creator, nullptr) != 0)
    return 1;
  int Stalls = 0, InStall = 0, Hung = 0, Failed = 0;
  while (!Done.load()) {
    if (Stalled.load() == Stalls) { // running, or not stalled yet
      sched_yield();
      continue;
    }
    Stalls = Stalled.load(); // the creator waits in its latest allocation
    Forking.store(Stalls);
    pid_t Pid = fork();
    if (Pid == 0)
      child();
    Forked.store(Stalls);
    InStall += Escaped.load() != Stalls; // forked before the creator left
    // A child that hangs is killed after 10 s.
    int Status = 0;
    double Deadline = now() + 10;
    pid_t Got;
    while ((Got = waitpid(Pid, &Status, WNOHANG)) == 0 && now() < Deadline)
      usleep(1000);
    if (Got == 0) {
      kill(Pid, SIGKILL);
      waitpid(Pid, &Status, 0);
      ++Hung;
    } else if (Got < 0 || !WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
      ++Failed;
    Released.store(Stalls);
  }
  pthread_join(Creator, nullptr);
  // How many allocations there are is the runtime's business; that most
  // stalls had their fork is the test's.
  std::printf("forks in a stall: %s\n",
              InStall >= 5 ? "at least 5" : "fewer than 5");
  std::printf("children: %s, %d hung\n",
              Failed ? "some failed" : "all created and joined a thread", Hung);
  return 0;
}
