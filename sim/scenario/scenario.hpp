// A scenario (DESIGN.md "Scenario YAML") as planning code receives it: facility, deployments (alternatives),
// workloads and expectations, validated and resolved against the catalog it was loaded with (sim/scenario/load.hpp).
// Contract: a Scenario holds no YAML; it shares its immutable hardware catalog, so a copy stays valid on its own
// (the catalog lives as long as any copy points into it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwmodels/hardware_catalog.hpp"
#include "sim/infer/inference.hpp"
#include "sim/train/training.hpp"
#include "workloads/model.hpp"

namespace hwsim {

struct DeploymentDecl {
  std::string name;
  const NodeSpec* node = nullptr;        // in the scenario's catalog
  const ClusterSpec* cluster = nullptr;  // when the deployment names a cluster
  std::optional<int> count;              // absent with fill = true: sized by the budgets and targets (sim/plan/sizing)
  bool fill = false;
  std::optional<Usd> capex_budget;  // nodes + network + racks, as sim/cost computes capex
  std::optional<int> max_racks;
  std::optional<int> nodes_per_rack;
  std::optional<int> devices;               // part of one node
  std::optional<Usd> price;                 // per node
  std::optional<Watts> power_cap;           // per accelerator
  std::optional<UsdPerSecond> cloud_price;  // per accelerator (per node for CPU nodes)
  const NetworkSpec* network = nullptr;     // scale-out fabric override
  SourceLocation where;
};

enum class WorkloadKind { training, inference };

struct WorkloadDecl {
  std::string name;
  WorkloadKind kind = WorkloadKind::inference;
  TrainingConfig training;          // when kind == training
  bool dp_auto = true;              // training: dp = devices / (tp x pp x cp)
  bool search_parallelism = false;  // training: `parallelism: auto`
  bool search_micro_batch = false;  // training: `micro_batch: auto`
  InferenceConfig inference;        // when kind == inference
  // With `count: fill`: size each deployment to the fewest nodes whose throughput_tokens_per_s reaches this.
  std::optional<double> min_throughput_tokens_per_s;
  // What sizing names when the target binds: throughput_target (min_throughput_tokens_per_s), or train_time
  // when the deadline (train_tokens / train_time) is the higher target.
  std::string target_binding = "throughput_target";
  std::optional<Seconds> train_time;  // training: the deadline for train_tokens
  SourceLocation where;
};

struct Expectation {
  std::string metric;  // deployment/workload/metric
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> approx;
  double tolerance = 0.05;  // relative, for approx
  SourceLocation where;
};

// A published measurement the scenario reproduces (scenarios/validation/).
struct ValidationCase {
  std::string id;
  std::string kind;  // training | inference | power | micro
  std::string deployment;
  std::string workload;
  std::string metric;
  double measured = 0;
  std::string confidence;
  std::string source;  // short publication id (DESIGN.md: `mlperf-training-v4.0`)
  std::string split;   // tune | test
  std::string note;
  SourceLocation where;
};

// An input given as a range `LO..HI UNIT` (DESIGN.md Units): the model reads its midpoint; uncertainty analysis
// samples it by setting `path` (a `--set` path) to values between `low` and `high`, written in `unit`.
struct RangeInput {
  std::string path;  // "facility.pue", "deployments.altra.price", "hw.altra-server.price"
  double low = 0;    // as written, in `unit`
  double high = 0;
  std::string unit;  // "USD", "USD/kWh", "" for plain numbers
  SourceLocation where;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;
  std::shared_ptr<const HardwareCatalog> hw;  // deployments point into it
  FacilitySpec facility;
  RackSpec rack;  // the facility's default rack
  std::vector<DeploymentDecl> deployments;
  std::vector<WorkloadDecl> workloads;
  std::vector<Expectation> expectations;
  std::optional<ValidationCase> validation;
  // Range-valued inputs of the scenario and of the catalog entries its deployments use, one per path.
  std::vector<RangeInput> ranges;
};

// Every input value an evaluation used, with where it came from (sim/scenario/inputs.hpp).
struct InputValue {
  std::string path;    // as `--set` names it: facility.pue, deployments.NAME.count, hw.NAME.KEY
  std::string value;   // the YAML text
  std::string source;  // file:line, or the --set that gave it
};

}  // namespace hwsim
