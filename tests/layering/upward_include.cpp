// Compiled as part of the perf layer (tests/CMakeLists.txt: linked to hwsim_perf only). It includes a header of the
// plan layer, above perf: the build must refuse it ("No such file or directory"), which the test
// `layering: an upward include fails the build` checks.
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"

int layering_probe_upward() { return 0; }
