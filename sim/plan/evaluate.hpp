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

struct Result {
  std::string deployment;
  std::string workload;
  std::string kind;  // training | inference
  std::vector<Metric> metrics;
  std::vector<Metric> breakdown;
  bool fits = true;
  std::string message;
  std::string calibration;
  std::vector<std::pair<std::string, int>> parallelism;
  std::string compute_dtype;  // inference: the arithmetic used
  std::optional<SearchInfo> search;  // training with `parallelism: auto` / `micro_batch: auto`

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
