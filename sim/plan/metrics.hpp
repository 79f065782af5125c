// The metric registry: every metric, breakdown part and cost part a result can carry (DESIGN.md "JSON result"),
// with its label, unit and how reports print it. Evaluation emits only registered keys (a test holds every key any
// scenario produces to this list); reports, sweeps, `check --tolerance` and the uncertainty analysis read it.
// Contract: keys are the JSON contract's names, SI unit in the suffix; adding a metric means adding it here.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/units.hpp"

namespace hwsim {

// How a value prints in tables (sim/report/number_text.hpp format_metric): plain (readable_number: "17,873",
// "8.18 M", `unit` after it), percent (x100, one decimal), money ($K/$M/$B/$T), usd_rate ($ with 4 significant
// digits), energy (kWh, MWh, GWh from 1 kWh up, else joules), quantity (format_quantity in `dimension`; durations
// from two years up in years).
enum class MetricStyle { plain, percent, money, usd_rate, energy, quantity };

enum class MetricGroup { metric, breakdown, cost_breakdown };

struct MetricInfo {
  std::string_view key;
  std::string_view label;
  MetricStyle style;
  Dimension dimension;    // the SI dimension of the value (dimensionless for counts and rates of tokens)
  std::string_view unit;  // printed after plain values ("tokens/s")
  std::string_view description;
  MetricGroup group = MetricGroup::metric;
  bool sweep_default = false;  // a default column of `hwsim sweep` CSV rows
};

std::span<const MetricInfo> metric_registry();
// The registered metric `key`, or nullptr.
const MetricInfo* find_metric_info(std::string_view key);
// Keys of registered metrics (every group), in registry order.
std::vector<std::string> known_metric_keys();
// The default CSV columns of a sweep, in registry order.
const std::vector<std::string>& default_sweep_metrics();
// The metrics whose sensitivity to range inputs is ranked (sim/plan/uncertainty.hpp).
const std::vector<std::string>& sensitivity_metrics();

}  // namespace hwsim
