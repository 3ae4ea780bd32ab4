/* One line per entry point of abi.def: what libgridrt.so must export. */
#define GRID_RTL(Name, Ret, Params) __grid_##Name
#define GRID_RTL_VARARG(Name, Ret, Params) __grid_##Name
#define GRID_RTL_NOSITE(Name, Ret, Params) __grid_##Name
#include "grid/abi.def"
