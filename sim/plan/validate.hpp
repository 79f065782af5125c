// Validation against published measurements: every scenario under a directory that carries a `validation:` block
// is evaluated and its metric compared with the measured value; `not-modelled.yaml` lists the cases left out, each
// with its reason. Contract: error = predicted / measured - 1; MAPE per kind over the modelled cases; a case whose
// deployment cannot hold its workload counts as a 100% error (the model failed it), never as skipped.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/perf/efficiency.hpp"
#include "sim/scenario/load.hpp"

namespace hwsim {

struct ValidationRow {
  std::string id;
  std::string kind;
  std::string file;
  std::string metric;
  std::string confidence;
  std::string source;  // short publication id
  std::string split;   // tune | test
  std::string device;  // gpu | cpu: the deployment's accelerators
  double predicted = 0;
  double measured = 0;
  double error = 0;                     // predicted / measured - 1
  std::string failure;                  // set when the workload did not fit or the metric is missing
  std::string calibration = "default";  // the result's `calibration`: "default" or the profile used
};

struct NotModelled {
  std::string id;
  std::string kind;
  std::string reason;
};

struct KindSummary {
  int cases = 0;
  double mape = 0;           // mean of |error|
  double max_abs_error = 0;  // worst case
  std::string worst;         // its id
};

struct ValidationReport {
  std::vector<ValidationRow> rows;  // sorted by kind, then id
  std::vector<NotModelled> not_modelled;
  std::map<std::string, KindSummary> summary;                          // per kind
  std::map<std::string, std::map<std::string, KindSummary>> by_split;  // split -> kind -> summary
  std::map<std::string, KindSummary> by_source;                        // source -> summary over its kinds
};

// Which cases a report keeps: every split (empty) or one (`tune` while fitting defaults, so that the held-out
// `test` cases are never looked at).
struct ValidationFilter {
  std::string split;
};

ValidationReport run_validation(const std::filesystem::path& dir, const LoadOptions& options,
                                const EfficiencyModel& efficiency, const ValidationFilter& filter = {});

}  // namespace hwsim
