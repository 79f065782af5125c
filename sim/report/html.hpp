// `--format html`: one self-contained page per run (inline CSS, each chart an inline <svg> drawn by
// sim/report/html_charts.hpp; no script, no network). Contract: a summary table of every workload x deployment on
// top, then per workload bar charts of throughput, power (with the facility power budget when the scenario has one),
// TCO and $/M tokens per deployment, time and cost to train for training (P10-P90 whiskers when the scenario has
// range inputs; a log axis where bars differ by 50x), the TCO breakdown, a throughput-versus-cost Pareto chart and a
// sensitivity tornado per result that has one (bars labelled with each input's low and high value), then the metric
// tables with indented sub-rows. Every name is HTML-escaped.
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
