# `cmake --install BUILD [--prefix PREFIX]` and `cpack` (README "Install"): the programs in PREFIX/bin, the data an
# installed hwsim reads in PREFIX/share/hwsim with the source tree's layout (sim/core/catalog_paths.cpp finds it
# from the binary's prefix), the manual in PREFIX/share/doc/hwsim.
install(TARGETS hwsim hwsim-cpu-probe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET hwsim-probe)
  # Linked with its CUDA toolkit's run path, kept as it is: CMake 3.25 cannot rewrite the run path nvcc's link writes.
  set_target_properties(hwsim-probe PROPERTIES BUILD_WITH_INSTALL_RPATH ON INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS hwsim-probe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(DIRECTORY hwmodels/catalog DESTINATION ${HWSIM_INSTALL_DATA_DIR}/hwmodels)
install(FILES hwmodels/sources.yaml DESTINATION ${HWSIM_INSTALL_DATA_DIR}/hwmodels)
install(DIRECTORY workloads/catalog DESTINATION ${HWSIM_INSTALL_DATA_DIR}/workloads)
# The example scenarios, the capacity plans with their baselines, and the published validation cases.
install(DIRECTORY scenarios DESTINATION ${HWSIM_INSTALL_DATA_DIR})
install(DIRECTORY calibrate/profiles DESTINATION ${HWSIM_INSTALL_DATA_DIR}/calibrate)
foreach(optional schemas examples)
  if(IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${optional})
    install(DIRECTORY ${optional} DESTINATION ${HWSIM_INSTALL_DATA_DIR})
  endif()
endforeach()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# A Debian package: `cpack -G DEB` in the build directory (installs under /usr; dependencies from dpkg-shlibdeps).
set(CPACK_PACKAGE_NAME hwsim)
set(CPACK_PACKAGE_VENDOR "hwsim")
set(CPACK_PACKAGE_CONTACT "hwsim maintainers <hwsim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Analytical simulator: throughput, watts and dollars of AI workloads per hardware option")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The Python module (where it was built) is for the python3 it was built with; pandas and matplotlib are optional.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3, python3-pandas, python3-matplotlib")
include(CPack)
