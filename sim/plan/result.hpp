// What an evaluation produces (DESIGN.md "JSON result"): per deployment x workload, the metrics of the registry
// (sim/plan/metrics.hpp), breakdowns, fit, parallelism, search and sizing details. Metrics that do not apply are
// absent, never zero-filled.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hwmodels/infrastructure.hpp"

namespace hwsim {

struct Metric {
  std::string key;  // contract name with its SI unit suffix
  double value = 0;
};

struct SearchInfo {
  long long configurations = 0;
  std::optional<double> seconds;  // wall time, only when timings are asked for (EvaluateOptions::timings)
  int threads = 1;
  // The best configurations, best first: parallelism, micro-batch, recompute, throughput.
  struct Entry {
    std::vector<std::pair<std::string, int>> parallelism;
    int micro_batch = 1;       // training
    std::string recompute;     // training
    int recompute_layers = 0;  // training, recompute full: the layers per model chunk that recompute (0: every one)
    int activation_offload_layers = 0;  // training: layers whose activations go to host memory (0: none)
    int batch = 0;                      // inference: batch per replica (0 for training)
    std::optional<bool> sla_met;        // inference with an SLA
    double tokens_per_s = 0;
    double memory_per_device_bytes = 0;
  };
  std::vector<Entry> top;
};

// The spread of one metric over the sampled range inputs (sim/plan/uncertainty.hpp).
struct Percentiles {
  std::string key;  // metric key
  double p10 = 0;
  double p50 = 0;
  double p90 = 0;
};

// How strongly one range input moves one metric: (dY/Y) / (dX/X) between the input's low and high ends.
struct Sensitivity {
  std::string input;   // the input's --set path
  std::string metric;  // metric key
  double elasticity = 0;
  double at_low = 0;       // the metric with the input at its low end (the others at their midpoints)
  double at_high = 0;      // ... at its high end
  double input_low = 0;    // the input's low end, as written in `input_unit` (reports label tornado bars with it)
  double input_high = 0;   // ... its high end
  std::string input_unit;  // "USD", "USD/kWh", "" for plain numbers
};

// How a `count: fill` deployment was sized for one workload (sim/plan/sizing.hpp).
struct Sizing {
  int count = 0;  // nodes chosen
  // What stops the count: power_budget | capex_budget | max_racks (the next node would exceed it),
  // throughput_target or train_time (one node fewer misses the target), or count (no budget binds below the search
  // bound).
  std::string binding;
  int max_count = 0;           // the most nodes the budgets allow
  std::string max_binding;     // the budget that stops max_count (or count at the search bound)
  std::vector<Metric> limits;  // the constraints in force, SI: power_budget_w, capex_budget_usd, max_racks, ...
};

struct Result {
  std::string deployment;
  std::string workload;
  std::string kind;  // training | inference
  std::vector<Metric> metrics;
  std::vector<Metric> breakdown;
  std::vector<Metric> cost_breakdown;  // TCO parts over the facility's years, summing to tco_usd
  bool fits = true;
  std::string message;
  std::string calibration;
  std::vector<std::pair<std::string, int>> parallelism;
  // Training: the settings besides the parallel degrees that a configuration pasted back as fixed input needs to
  // give the same result (reported inside JSON `parallelism`).
  struct TrainingChoice {
    int micro_batch = 1;
    bool sequence_parallel = false;
    std::string recompute;
    int recompute_layers = 0;           // recompute full: the layers per model chunk that recompute (0: every layer)
    int activation_offload_layers = 0;  // layers whose activations go to host memory (0: none)
    std::string stack;
  };
  std::optional<TrainingChoice> training_choice;
  std::optional<bool> sla_met;       // inference with an SLA: whether the evaluated batch meets it
  std::string compute_dtype;         // inference: the arithmetic used
  std::optional<SearchInfo> search;  // training with `parallelism: auto` / `micro_batch: auto`
  std::optional<Sizing> sizing;      // deployments with `count: fill`
  // Only when the scenario has range inputs (empty otherwise): P10/P50/P90 per metric, and the inputs that move
  // $/M tokens and throughput most, largest |elasticity| first.
  std::vector<Percentiles> uncertainty;
  std::vector<Sensitivity> sensitivity;

  [[nodiscard]] std::optional<double> metric(const std::string& key) const;
};

struct Evaluation {
  std::string scenario;
  std::string description;
  std::string file;
  std::vector<Result> results;
  std::vector<std::string> warnings;  // e.g. a deployment above the facility power budget
  // The cost inputs every dollar figure rests on (SI-named, as the facility has them): pue, pue_liquid (when it
  // differs), electricity_usd_per_kwh, colocation_usd_per_kw_month, utilization, years, maintenance_per_year (share
  // of capex), operations_usd_per_node_year. Every report prints them.
  std::vector<Metric> assumptions;
  // The facility's power budget (IT x PUE available), when the scenario gives one: reports draw it on power charts.
  std::optional<double> power_budget_w;
};

// The cost assumptions of a facility, as Evaluation::assumptions holds them.
std::vector<Metric> cost_assumptions(const FacilitySpec& facility);

struct EvaluateOptions {
  int threads = 1;  // for searches
  int top = 5;      // configurations a search keeps
  // Record how long each search took. Off by default: wall time differs from run to run, and a report that golden
  // files or baselines compare must not.
  bool timings = false;
};

}  // namespace hwsim
