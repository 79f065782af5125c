// `--format html`: one self-contained page per run (inline CSS, each chart an inline <svg> drawn here; no script,
// no network). Contract: per workload, bar charts of throughput, power, TCO and $/M tokens per deployment (with
// P10-P90 whiskers when the scenario has range inputs), the TCO breakdown, a throughput-versus-cost Pareto chart
// and a sensitivity tornado per result that has one, then the metric tables. Every name is HTML-escaped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/plan/evaluate.hpp"

namespace hwsim {

std::string render_html(const std::vector<Evaluation>& evaluations);

// `text` with & < > " ' replaced by entities: HTML text and attributes, and valid XML as well (the JUnit report
// uses it).
std::string html_escape(std::string_view text);

}  // namespace hwsim
