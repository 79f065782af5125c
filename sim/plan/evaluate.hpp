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

Evaluation evaluate(const Scenario& scenario, const EfficiencyModel& efficiency);

}  // namespace hwsim
