// `hwsim run` and `hwsim check`.
#include <fmt/format.h>
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sim/cli/cli.hpp"
#include "sim/plan/baseline.hpp"
#include "sim/plan/check.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/uncertainty.hpp"
#include "sim/report/check_report.hpp"
#include "sim/report/report.hpp"

namespace hwsim::cli {

namespace {

struct RunOptions {
  std::vector<std::string> scenarios;
  std::vector<std::string> sets;
  EvaluateOptions evaluate;
  UncertaintyOptions uncertainty{.samples = 0};  // `run` turns it on
};

std::vector<std::pair<Scenario, Evaluation>> evaluate_all(const Common& common, const RunOptions& o) {
  const auto efficiency = efficiency_model(common);
  std::vector<std::pair<Scenario, Evaluation>> out;
  for (const auto& file : o.scenarios) {
    const ScenarioSource source(file, LoadOptions{catalog_paths(common), o.sets});
    Scenario sc = source.load();
    Evaluation ev = evaluate(sc, *efficiency, o.evaluate);
    add_uncertainty(ev, sc, source, *efficiency, {o.uncertainty.samples, o.evaluate.threads, o.uncertainty.seed});
    out.emplace_back(std::move(sc), std::move(ev));
  }
  return out;
}

void add_shared(CLI::App* cmd, Common& common, RunOptions& o, const std::vector<std::string>& formats,
                bool directories = false) {
  if (directories) {
    cmd->add_option("scenarios", o.scenarios, "scenario YAML files, or directories of them")
        ->required()
        ->check(CLI::ExistingPath);
  } else {
    cmd->add_option("scenarios", o.scenarios, "scenario YAML files")->required()->check(CLI::ExistingFile);
  }
  cmd->add_option("--set", o.sets,
                  "override an input: PATH=VALUE (facility.pue=1.2, deployments.NAME.count=10, "
                  "workloads.NAME.batch=8, hw.NAME.KEY=VALUE)");
  cmd->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  add_calibration_option(cmd, common);
  add_output_options(cmd, common, formats);
  cmd->add_option("--threads", o.evaluate.threads,
                  "threads for parallelism searches and uncertainty samples (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--top", o.evaluate.top, "configurations a parallelism search lists (default 5)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--timings", o.evaluate.timings,
                "report how long each parallelism search took (wall time: differs from run to run, so off by default)");
}

struct CheckOptions {
  std::string baseline;
  bool update = false;
  std::vector<std::string> tolerances;
  std::string junit;
};

// Expectations, then the baseline (sim/plan/baseline.hpp check_scenario): written with --update-baseline, else
// compared and any drift attributed.
ScenarioCheck check_file(const Common& common, const RunOptions& o, const CheckOptions& plan, const std::string& file) {
  const auto model = efficiency_model(common);
  const ScenarioSource source(file, LoadOptions{catalog_paths(common), o.sets});
  CheckOutcome c = check_scenario(source, *model, o.evaluate, {plan.baseline, plan.update, plan.tolerances});
  for (const auto& w : c.warnings) std::cerr << "hwsim: warning: " << w << '\n';
  if (!c.baseline_text.empty()) {
    std::filesystem::create_directories(plan.baseline);
    Common out = common;
    out.output = c.baseline_file.string();
    emit(out, c.baseline_text);
  }
  return std::move(c.check);
}

}  // namespace

void add_run_commands(CLI::App& app, Common& common, Action& action) {
  static RunOptions run_options;
  CLI::App* run = app.add_subcommand("run",
                                     "evaluate every deployment x workload of scenarios\n"
                                     "Example: hwsim run scenarios/dgx-h100-vs-altra-1mw.yaml --format json");
  add_shared(run, common, run_options, {"table", "json", "csv", "md", "html"});
  run_options.uncertainty.samples = UncertaintyOptions{}.samples;
  run->add_option("--samples", run_options.uncertainty.samples,
                  fmt::format("Latin-hypercube samples of the scenario's range inputs (LO..HI) for P10/P50/P90; "
                              "0 = off (default {})",
                              run_options.uncertainty.samples))
      ->check(CLI::Range(0, 10000));
  run->callback([&] {
    action = [&] {
      std::vector<Evaluation> evs;
      for (auto& [sc, ev] : evaluate_all(common, run_options)) {
        for (const auto& w : ev.warnings) std::cerr << "hwsim: warning: " << w << '\n';
        evs.push_back(std::move(ev));
      }
      emit(common, render(evs, parse_format(common.format)));
      return 0;
    };
  });

  static RunOptions check_options;
  static CheckOptions plan;
  CLI::App* check = app.add_subcommand(
      "check",
      "evaluate scenarios' `expect:` entries and compare them with a stored baseline; exit 1 when a plan "
      "fails\nExample: hwsim check scenarios/plans --baseline scenarios/plans/baseline --junit check.xml");
  add_shared(check, common, check_options, {"table", "json", "md"}, true);
  check->add_option("--baseline", plan.baseline, "directory of baselines (one <scenario name>.json per scenario)");
  check->add_flag("--update-baseline", plan.update, "write the baselines instead of comparing with them");
  check->add_option("--tolerance", plan.tolerances,
                    "relative tolerance of baseline metrics: METRIC=REL (default=1e-6, tco_usd=1e-3, "
                    "dep/work/metric=0.01); stored with --update-baseline");
  check->add_option("--junit", plan.junit, "also write JUnit XML to FILE");
  check->callback([&] {
    action = [&] {
      if (plan.update && plan.baseline.empty()) {
        throw InputError(Diagnostic{{"--update-baseline", 0, 0}, "", "give the directory with --baseline DIR"});
      }
      if (!plan.tolerances.empty() && plan.baseline.empty()) {
        throw InputError(Diagnostic{{"--tolerance", 0, 0}, "", "tolerances apply to a baseline: give --baseline DIR"});
      }
      check_tolerances(plan.tolerances);
      check_options.scenarios = plan_files(check_options.scenarios);
      std::vector<ScenarioCheck> checks;
      for (const auto& file : check_options.scenarios) checks.push_back(check_file(common, check_options, plan, file));
      const std::string f = common.format;
      emit(common, f == "json" ? render_check_json(checks)
                   : f == "md" ? render_check_markdown(checks)
                               : render_check_text(checks));
      if (!plan.junit.empty()) {
        Common junit = common;
        junit.output = plan.junit;
        emit(junit, render_check_junit(checks));
      }
      const bool all = std::all_of(checks.begin(), checks.end(), [](const ScenarioCheck& c) { return c.passed(); });
      return all ? 0 : 1;
    };
  });
}

}  // namespace hwsim::cli
