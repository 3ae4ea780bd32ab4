/* A module as the plugin of another Grid version would emit it: its
   constructor registers with abi_version 999. */
#include "grid/abi.h"

static const struct __grid_module Module = {
    999, GRID_TOLERANCE_UNSET, GRID_TOLERANCE_UNSET, 0, 0, "other-abi.c"};

__attribute__((constructor)) static void registerWithGrid(void) {
  __grid_register_module(&Module);
}
