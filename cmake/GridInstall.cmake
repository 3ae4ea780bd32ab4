# Install layout (DESIGN.md §8): bin/ tools, lib/ libgridrt.so and the plugin,
# libexec/grid/ internal programs, share/man/, a CMake package and a
# pkg-config file.
include(CMakePackageConfigHelpers)

foreach(tool grid-clang grid-clang++ gridctl gridrun)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
if(TARGET gridrt)
  install(TARGETS gridrt LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
if(TARGET ${GRID_PLUGIN_NAME})
  install(TARGETS ${GRID_PLUGIN_NAME} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/runtime/include/grid/abi.h
              ${PROJECT_SOURCE_DIR}/runtime/include/grid/abi.def
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/grid)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/GridConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/GridConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Grid
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/GridConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/GridConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/GridConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Grid)
configure_file(${PROJECT_SOURCE_DIR}/cmake/grid.pc.in
  ${PROJECT_BINARY_DIR}/cmake/grid.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/grid.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
