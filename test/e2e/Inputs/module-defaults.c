/* A module compiled with -fgrid-thread-tolerance=THREAD_DEFAULT
   -fgrid-process-tolerance=PROCESS_DEFAULT, as the plugin would emit its
   registration. */
#include "grid/abi.h"

#define STR2(X) #X
#define STR(X) STR2(X)

static const struct __grid_site Sites[] = {
    {"module.c", "work", 3, 0, __grid_kind_PthreadCreate, 0}};
static const struct __grid_module Module = {
    GRID_ABI_VERSION, THREAD_DEFAULT, PROCESS_DEFAULT, 1, Sites,
    "module-" STR(THREAD_DEFAULT) ".c"};

__attribute__((constructor)) static void registerWithGrid(void) {
  __grid_register_module(&Module);
}
