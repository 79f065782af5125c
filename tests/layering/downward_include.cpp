// The control of upward_include.cpp: the same perf-layer target including headers of the layers below it (core,
// hwmodels, calibrate) compiles.
#include "calibrate/profile.hpp"
#include "hwmodels/gpu.hpp"
#include "sim/core/units.hpp"
#include "sim/perf/efficiency.hpp"

int layering_probe_downward() { return 0; }
