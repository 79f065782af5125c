// The run report's charts (`--format html`, sim/report/html.cpp), drawn with sim/report/svg_chart.hpp. Contract: a
// chart whose bars differ by chart::kLogRatio or more draws a log axis and says so in its axis title; a limit (the
// facility power budget) is a labelled line on the chart; each chart is one <svg>, or "" when no result has its
// figures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/plan/result.hpp"

namespace hwsim {

struct ChartLimit {
  double value = 0;   // SI, on the chart's axis
  std::string label;  // "facility power budget 1 MW"
};

// Bars of `keys` (a series each, named by `series`) per result, with P10-P90 whiskers where known; `limit` drawn as
// a line across the bars.
std::string metric_chart(const std::vector<const Result*>& results, const std::string& title,
                         const std::vector<std::string>& keys, const std::vector<std::string>& series,
                         const std::optional<ChartLimit>& limit = std::nullopt);
// TCO split into its parts, a stacked bar per result.
std::string cost_chart(const std::vector<const Result*>& results);
// Throughput against $/M tokens, a point per result, the Pareto front joined.
std::string pareto_chart(const std::vector<const Result*>& results);
// The metric `key` of one result with each range input at its low and its high end (labelled with the input's
// values), widest swing on top.
std::string tornado_chart(const Result& result, const std::string& key);

}  // namespace hwsim
