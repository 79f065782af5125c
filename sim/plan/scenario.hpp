// A scenario (DESIGN.md "Scenario YAML"): facility, deployments (alternatives), workloads and expectations,
// loaded with the catalogs it uses and every `--set` override applied before validation, so an override that
// misses a declared key is reported like a typo in the file.
#pragma once

#include <filesystem>
#include <map>
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
  std::optional<Usd> capex_budget;       // nodes + network + racks, as sim/cost computes capex
  std::optional<int> max_racks;
  std::optional<int> nodes_per_rack;
  std::optional<int> devices;            // part of one node
  std::optional<Usd> price;              // per node
  std::optional<Watts> power_cap;        // per accelerator
  std::optional<double> cloud_usd_per_hour;  // per accelerator-hour (per node-hour for CPU nodes)
  const NetworkSpec* network = nullptr;  // scale-out fabric override
  SourceLocation where;
};

enum class WorkloadKind { training, inference };

struct WorkloadDecl {
  std::string name;
  WorkloadKind kind = WorkloadKind::inference;
  TrainingConfig training;     // when kind == training
  bool dp_auto = true;         // training: dp = devices / (tp x pp x cp)
  bool search_parallelism = false;  // training: `parallelism: auto`
  bool search_micro_batch = false;  // training: `micro_batch: auto`
  InferenceConfig inference;   // when kind == inference
  // With `count: fill`: size each deployment to the fewest nodes whose throughput_tokens_per_s reaches this.
  std::optional<double> min_throughput_tokens_per_s;
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
  std::string source;
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
  HardwareCatalog hw;
  FacilitySpec facility;
  RackSpec rack;  // the facility's default rack
  std::vector<DeploymentDecl> deployments;
  std::vector<WorkloadDecl> workloads;
  std::vector<Expectation> expectations;
  std::optional<ValidationCase> validation;
  // Range-valued inputs of the scenario and of the catalog entries its deployments use, one per path.
  std::vector<RangeInput> ranges;
};

// Every input value an evaluation used, with where it came from (sim/plan/inputs.hpp).
struct InputValue {
  std::string path;    // as `--set` names it: facility.pue, deployments.NAME.count, hw.NAME.KEY
  std::string value;   // the YAML text
  std::string source;  // file:line, or the --set that gave it
};

struct LoadOptions {
  std::vector<std::filesystem::path> catalog_dirs;  // in addition to the defaults
  std::vector<std::string> sets;                    // "PATH=VALUE"
  // Read once by callers that load one scenario many times (sweeps): the scenario document and the catalog
  // directories (defaults + catalog_dirs), both before any `--set`. Absent: read from disk.
  const ConfigNode* document = nullptr;
  const EntryStore* catalog = nullptr;
  std::vector<InputValue>* inputs = nullptr;  // when given, receives every input the scenario used
};

// Loads, validates and resolves a scenario. Throws InputError listing every problem (file:line: key: message).
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options);

// The scenario file's schema and the workload schemas, for `hwsim schema`.
const Schema& scenario_schema();
const Schema& training_workload_schema();
const Schema& inference_workload_schema();

}  // namespace hwsim
