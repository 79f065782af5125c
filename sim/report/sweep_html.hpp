// A sweep as one self-contained HTML page with inline SVG charts (sim/report/svg_chart.hpp), no script, no network.
// Contract: a section per workload (a workload's tokens are never weighed against another's): the Pareto front of
// throughput against $/M tokens (TCO when $/M tokens is not among the metrics) over every point and deployment, the
// front's points listed with their inputs, then each chosen metric against the varied input with the most values.
// With one varied input a chart per metric shows every deployment in its own colour; with more, a panel per
// deployment (each with its own y scale) shows the other inputs' values as a light-to-dark ramp. Results that do not
// fit are left out of the charts.
#pragma once

#include <string>

#include "sim/plan/sweep.hpp"

namespace hwsim {

std::string render_sweep_html(const SweepTable& table);

}  // namespace hwsim
