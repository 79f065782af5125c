// Evaluating a scenario: every deployment x workload, through perf -> train/infer -> power -> cost, into the
// metrics of the JSON contract (DESIGN.md). Metrics that do not apply are absent, never zero-filled.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/perf/efficiency.hpp"
#include "sim/plan/scenario.hpp"

namespace hwsim {

struct Metric {
  std::string key;  // contract name with its SI unit suffix
  double value = 0;
};

struct SearchInfo {
  long long configurations = 0;
  double seconds = 0;
  int threads = 1;
  // The best configurations, best first: parallelism, micro-batch, recompute, throughput.
  struct Entry {
    std::vector<std::pair<std::string, int>> parallelism;
    int micro_batch = 1;
    std::string recompute;
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
  double at_low = 0;   // the metric with the input at its low end (the others at their midpoints)
  double at_high = 0;  // ... at its high end
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
  std::string compute_dtype;  // inference: the arithmetic used
  std::optional<SearchInfo> search;  // training with `parallelism: auto` / `micro_batch: auto`
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
};

// The deployment as a System: node count (fill: the largest that fits the power budget), racks, fabric.
System build_system(const Scenario& scenario, const DeploymentDecl& deployment);

struct EvaluateOptions {
  int threads = 1;  // for searches
  int top = 5;      // configurations a search keeps
};

Evaluation evaluate(const Scenario& scenario, const EfficiencyModel& efficiency, const EvaluateOptions& options = {});

}  // namespace hwsim
