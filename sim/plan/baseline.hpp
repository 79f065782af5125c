// Baselines of capacity plans (`hwsim check --baseline DIR`): per scenario one JSON file holding every metric of
// every result and every input the evaluation used (flattened --set paths, values, provenance). A check compares
// the metrics with per-metric relative tolerances and explains each drift by the inputs that changed: each changed
// input is reverted alone to its baseline value (through the --set mechanism) and the share of the drift it
// undoes is reported, the rest as unexplained (interactions, or inputs that cannot be reverted).
// Contract: the file is `<scenario name>.json` in DIR, keys in a stable order, one value per line.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/plan/check.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"

namespace hwsim {

// Relative tolerances: "default", a metric key ("tco_usd") or a full path ("dep/work/tco_usd"), most specific wins.
struct Tolerances {
  std::map<std::string, double> relative{{"default", 1e-6}};
  [[nodiscard]] double of(const std::string& pair, const std::string& key) const;
};

// "METRIC=REL" from the command line; throws InputError.
void add_tolerance(Tolerances& t, const std::string& assignment);

struct Baseline {
  std::string scenario;
  std::string file;
  Tolerances tolerances;
  struct Entry {
    std::string pair;  // deployment/workload
    bool fits = true;
    std::vector<Metric> metrics;
  };
  std::vector<Entry> results;
  std::vector<InputValue> inputs;
};

std::filesystem::path baseline_path(const std::filesystem::path& dir, const std::string& scenario_name);
std::string baseline_json(const Baseline& baseline);
Baseline make_baseline(const Scenario& scenario, const Evaluation& evaluation, std::vector<InputValue> inputs,
                       const Tolerances& tolerances);
Baseline read_baseline(const std::filesystem::path& file);  // throws InputError naming the file
Baseline read_baseline_text(const std::string& text, const std::string& file);

struct InputChange {
  std::string path;
  std::optional<InputValue> before;  // absent: added since the baseline
  std::optional<InputValue> after;   // absent: removed since the baseline
};

struct Cause {
  std::string input;
  std::optional<double> share;  // of the drift this input's revert undoes; absent when it could not be measured
  std::string note;             // why not ("added since the baseline: nothing to revert to", an error)
};

struct Drift {
  std::string metric;  // deployment/workload/metric ("/fits" for a change of fit)
  std::optional<double> before;
  std::optional<double> after;
  double tolerance = 0;
  std::vector<Cause> causes;  // largest share first
  std::optional<double> unexplained;
};

struct BaselineComparison {
  std::vector<std::string> compared;  // every metric compared (deployment/workload/metric)
  std::vector<Drift> drifts;
  std::vector<InputChange> changes;
  std::string note;  // e.g. attribution skipped
};

// Evaluates the scenario with extra `--set` assignments (the reverts); throws InputError when one is not valid.
using Reevaluate = std::function<Evaluation(const std::vector<std::string>& extra_sets)>;

BaselineComparison compare_with_baseline(const Baseline& baseline, const Evaluation& current,
                                         const std::vector<InputValue>& current_inputs, const Tolerances& tolerances,
                                         const Reevaluate& reevaluate);

// One scenario's check: expectations and (when asked) the baseline comparison.
struct ScenarioCheck {
  std::string scenario;
  std::string file;
  std::vector<ExpectationOutcome> expectations;
  std::optional<BaselineComparison> baseline;
  std::string baseline_written;  // path, with --update-baseline
  [[nodiscard]] bool passed() const;
};

// The scenario files `hwsim check` takes: each argument a file, or a directory standing for the *.yaml files directly
// in it, sorted (a directory without any is bad input).
std::vector<std::string> plan_files(const std::vector<std::string>& args);

// METRIC=REL tolerance assignments (`--tolerance`, the Python module's `tolerance=`), checked before any work: the
// metric must be a known one (a typo would otherwise leave the default tolerance in force, silently), then the form.
// Throws InputError naming the closest metric.
void check_tolerances(const std::vector<std::string>& assignments);

// What `hwsim check` does with one scenario besides its expectations.
struct CheckRequest {
  std::filesystem::path baseline_dir;   // empty: expectations only
  bool update = false;                  // write the baseline instead of comparing with it
  std::vector<std::string> tolerances;  // METRIC=REL, over the baseline's stored ones
};

struct CheckOutcome {
  ScenarioCheck check;
  std::vector<std::string> warnings;    // the evaluation's
  std::filesystem::path baseline_file;  // with `update`: where the new baseline goes (the caller writes it)
  std::string baseline_text;            // with `update`: its text
};

// The check of one scenario, for the CLI and the Python module alike: its expectations and, with a baseline
// directory, the comparison with DIR/<scenario name>.json, each drift explained by re-evaluating `source` with the
// changed inputs reverted one at a time. A missing baseline is bad input.
CheckOutcome check_scenario(const ScenarioSource& source, const EfficiencyModel& efficiency,
                            const EvaluateOptions& options, const CheckRequest& request);

}  // namespace hwsim
