# grid_add_user_program(OUTPUT path SOURCE file [GRID] [FLAGS ...] [LIBS ...]
#                       COMMENT text)
# Builds a program the way a user does: with the project's own
# grid-clang++ -fgrid (GRID), or with plain clang++-19 for comparison. The
# Grid build depends on the driver, the plugin it loads and the runtime it
# links.
function(grid_add_user_program)
  cmake_parse_arguments(P "GRID" "OUTPUT;SOURCE;COMMENT" "FLAGS;LIBS" ${ARGN})
  if(P_GRID)
    set(compiler ${PROJECT_BINARY_DIR}/bin/grid-clang++ -fgrid)
    set(toolchain grid-clang grid-clang++ ${GRID_PLUGIN_NAME} gridrt)
  else()
    set(compiler ${GRID_CLANG_CXX})
    set(toolchain)
  endif()
  add_custom_command(
    OUTPUT ${P_OUTPUT}
    COMMAND ${compiler} ${P_FLAGS} ${P_SOURCE} -o ${P_OUTPUT} ${P_LIBS}
    DEPENDS ${P_SOURCE} ${toolchain}
    COMMENT "${P_COMMENT}"
    VERBATIM)
endfunction()
