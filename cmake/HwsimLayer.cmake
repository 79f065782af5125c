# One static library per layer of hwsim (docs/architecture.md "Rooms (layers)"), each seeing only its own folder and the
# layers it names. Contract: a layer's headers are reachable only through an include root of its own in the build
# tree (build/layers/<target>/<folder> -> the source folder), and a target's include roots are its own and those of
# the layers it links, so `#include "sim/plan/evaluate.hpp"` from sim/perf/ does not compile: an upward include
# fails the build instead of being a comment (tests/layering/ shows it).

# hwsim_layer(<target> <folder> [DEPENDS <layer>...] [PRIVATE_DEPENDS <target>...] [SOURCES <file>...])
# DEPENDS: layers whose headers this layer's headers include (PUBLIC); PRIVATE_DEPENDS: libraries only its sources
# use. SOURCES: the layer's sources when not every *.cpp of the folder.
function(hwsim_layer target folder)
  cmake_parse_arguments(L "" "" "DEPENDS;PRIVATE_DEPENDS;SOURCES" ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/layers/${target})
  set(link ${root}/${folder})
  get_filename_component(parent ${link} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT IS_SYMLINK ${link})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${link} SYMBOLIC)
  endif()
  if(NOT L_SOURCES)
    file(GLOB L_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.cpp)
  endif()
  add_library(${target} STATIC ${L_SOURCES})
  target_include_directories(${target} PUBLIC ${root})
  target_link_libraries(${target} PUBLIC ${L_DEPENDS} PRIVATE ${L_PRIVATE_DEPENDS})
  hwsim_unity(${target})
endfunction()
