/* grid-or-plain.h - the same test program built two ways.
   With -DUSE_GRID every creation call goes through the __grid_* entry point
   of abi.def, with a call-site record naming this file and line, as code
   compiled with -fgrid would; without it, the plain libc call. Outputs of
   the two builds must be identical. */
#ifndef GRID_OR_PLAIN_H
#define GRID_OR_PLAIN_H

#ifdef USE_GRID
#include "grid/abi.h"
#define GRID_SITE(Kind)                                                        \
  ({                                                                           \
    static const struct __grid_site Site_ = {__FILE_NAME__, __func__,          \
                                             __LINE__, 0,                      \
                                             __grid_kind_##Kind, 0};           \
    &Site_;                                                                    \
  })
#define CREATE(...) __grid_pthread_create(GRID_SITE(PthreadCreate), __VA_ARGS__)
#define JOIN(...) __grid_pthread_join(GRID_SITE(PthreadJoin), __VA_ARGS__)
#define DETACH(...) __grid_pthread_detach(GRID_SITE(PthreadDetach), __VA_ARGS__)
#define EXIT(...) __grid_pthread_exit(GRID_SITE(PthreadExit), __VA_ARGS__)
#define FORK() __grid_fork(GRID_SITE(Fork))
#define VFORK() __grid_vfork(GRID_SITE(Vfork))
#define EXECL(...) __grid_execl(GRID_SITE(Execl), __VA_ARGS__)
#define EXECLP(...) __grid_execlp(GRID_SITE(Execlp), __VA_ARGS__)
#define EXECLE(...) __grid_execle(GRID_SITE(Execle), __VA_ARGS__)
#define EXECV(...) __grid_execv(GRID_SITE(Execv), __VA_ARGS__)
#define EXECVP(...) __grid_execvp(GRID_SITE(Execvp), __VA_ARGS__)
#define EXECVE(...) __grid_execve(GRID_SITE(Execve), __VA_ARGS__)
#define EXECVPE(...) __grid_execvpe(GRID_SITE(Execvpe), __VA_ARGS__)
#define FEXECVE(...) __grid_fexecve(GRID_SITE(Fexecve), __VA_ARGS__)
#define POSIX_SPAWN(...) __grid_posix_spawn(GRID_SITE(PosixSpawn), __VA_ARGS__)
#define POSIX_SPAWNP(...)                                                      \
  __grid_posix_spawnp(GRID_SITE(PosixSpawnp), __VA_ARGS__)
#define SYSTEM(...) __grid_system(GRID_SITE(System), __VA_ARGS__)
#define POPEN(...) __grid_popen(GRID_SITE(Popen), __VA_ARGS__)
#define PCLOSE(...) __grid_pclose(GRID_SITE(Pclose), __VA_ARGS__)
#else
#define CREATE pthread_create
#define JOIN pthread_join
#define DETACH pthread_detach
#define EXIT pthread_exit
#define FORK fork
#define VFORK vfork
#define EXECL execl
#define EXECLP execlp
#define EXECLE execle
#define EXECV execv
#define EXECVP execvp
#define EXECVE execve
#define EXECVPE execvpe
#define FEXECVE fexecve
#define POSIX_SPAWN posix_spawn
#define POSIX_SPAWNP posix_spawnp
#define SYSTEM system
#define POPEN popen
#define PCLOSE pclose
#endif

#endif
