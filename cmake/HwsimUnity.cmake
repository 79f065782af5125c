# Unity builds (CI time, issue #27): a target's sources are compiled a few at a time as one translation unit, so the
# heavy headers (yaml-cpp, nlohmann/json, fmt, CLI11, Catch2, the standard library) are parsed, and their inline and
# template code instantiated and optimised, once per batch instead of once per file. On by default (a fresh build,
# CI's case, takes about half the CPU time); -DHWSIM_UNITY_BUILD=OFF compiles file by file, which rebuilds less after
# an edit of one source. scripts/check-tidy analyses the batches (each source once, as a part of its batch).
option(HWSIM_UNITY_BUILD "Compile each target's sources in a few batches (unity build)" ON)

# hwsim_unity(<target> [BATCHES n]): the target's C++ sources in n batches of equal size (default 2: the two jobs of a
# 2-core machine stay busy inside a target, as make builds the layers one after another). Targets of fewer than three
# sources are left as they are.
function(hwsim_unity target)
  cmake_parse_arguments(U "" "BATCHES" "" ${ARGN})
  if(NOT HWSIM_UNITY_BUILD)
    return()
  endif()
  if(NOT U_BATCHES)
    set(U_BATCHES 2)
  endif()
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources INCLUDE REGEX "\\.cpp$")
  list(LENGTH sources count)
  if(count LESS 3)
    return()
  endif()
  math(EXPR size "(${count} + ${U_BATCHES} - 1) / ${U_BATCHES}")
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE BATCH UNITY_BUILD_BATCH_SIZE ${size})
endfunction()
