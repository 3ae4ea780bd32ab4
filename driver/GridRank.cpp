//===- driver/GridRank.cpp - A rank of gridrun's job ----------------------===//
//
// `gridrun CMD...` under mpirun execs this (libexec/grid/grid-rank CMD...)
// in every rank, rather than CMD itself: CMD is an unmodified program, and
// a rank must be a process that Grid's runtime fully owns. Linked with
// libgridrt, whose constructor gives the process its role:
//  - on an agent the constructor serves home and never returns;
//  - at home it starts the home socket and the progress thread, and main
//    below runs CMD as a local child (a descendant of home, with libgridrt
//    preloaded), forwards the usual signals to it, and ends as CMD ends.
// So CMD may define its own getenv (bash does), exec itself in place
// (env X=1 make), or be a shell script: none of that touches the rank.
//===----------------------------------------------------------------------===//

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <initializer_list>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace {

pid_t Child = 0;

void forward(int Signal) {
  if (Child > 0)
    ::kill(Child, Signal);
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2) {
    std::fprintf(stderr, "usage: grid-rank CMD [ARGS...] (started by gridrun "
                         "under mpirun)\n");
    return 2;
  }
  // libgridrt interposes posix_spawnp; CMD is started here, not placed.
  using Spawn =
      int (*)(pid_t *, const char *, const posix_spawn_file_actions_t *,
              const posix_spawnattr_t *, char *const[], char *const[]);
  void *Libc = ::dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
  auto RealSpawn =
      Libc ? reinterpret_cast<Spawn>(::dlsym(Libc, "posix_spawnp")) : nullptr;
  if (!RealSpawn) {
    std::fprintf(stderr, "grid-rank: cannot find the C library's "
                         "posix_spawnp\n");
    return 1;
  }
  struct sigaction Forward{};
  Forward.sa_handler = forward;
  sigemptyset(&Forward.sa_mask);
  Forward.sa_flags = SA_RESTART;
  for (int Signal : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2})
    ::sigaction(Signal, &Forward, nullptr);

  int Rc = RealSpawn(&Child, Argv[1], nullptr, nullptr, Argv + 1, environ);
  if (Rc != 0) {
    std::fprintf(stderr, "gridrun: %s: %s\n", Argv[1], std::strerror(Rc));
    return Rc == ENOENT ? 127 : 126;
  }
  int Status = 0;
  while (::waitpid(Child, &Status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(Status)) {
    // Die as CMD did; the runtime's exit handlers do not run, and mpirun
    // ends the other ranks.
    std::fflush(nullptr);
    ::signal(WTERMSIG(Status), SIG_DFL);
    ::raise(WTERMSIG(Status));
  }
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : 1;
}
