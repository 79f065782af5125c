// A sweep as one self-contained HTML page with inline SVG charts: each chosen metric against each varied input
// (one colour per deployment/workload), and the Pareto front of throughput against TCO. No scripts, no network.
#pragma once

#include <string>

#include "sim/plan/sweep.hpp"

namespace hwsim {

std::string render_sweep_html(const SweepTable& table);

}  // namespace hwsim
