// `hwsim run` and `hwsim check`.
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sim/cli/cli.hpp"
#include "sim/plan/check.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/report/report.hpp"

namespace hwsim::cli {

namespace {

struct RunOptions {
  std::vector<std::string> scenarios;
  std::vector<std::string> sets;
  EvaluateOptions evaluate;
};

std::vector<std::pair<Scenario, Evaluation>> evaluate_all(const Common& common, const RunOptions& o) {
  const auto efficiency = efficiency_model(common);
  std::vector<std::pair<Scenario, Evaluation>> out;
  LoadOptions load{catalog_paths(common), o.sets};
  for (const auto& file : o.scenarios) {
    Scenario sc = load_scenario(file, load);
    Evaluation ev = evaluate(sc, *efficiency, o.evaluate);
    out.emplace_back(std::move(sc), std::move(ev));
  }
  return out;
}

void add_shared(CLI::App* cmd, Common& common, RunOptions& o, const std::vector<std::string>& formats) {
  cmd->add_option("scenarios", o.scenarios, "scenario YAML files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", o.sets, "override an input: PATH=VALUE (facility.pue=1.2, deployments.NAME.count=10, "
                                   "workloads.NAME.batch=8, hw.NAME.KEY=VALUE)");
  cmd->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  add_calibration_option(cmd, common);
  add_output_options(cmd, common, formats);
  cmd->add_option("--threads", o.evaluate.threads, "threads for parallelism searches (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--top", o.evaluate.top, "configurations a parallelism search lists (default 5)")
      ->check(CLI::Range(1, 1000));
}

}  // namespace

void add_run_commands(CLI::App& app, Common& common, Action& action) {
  static RunOptions run_options;
  CLI::App* run = app.add_subcommand("run", "evaluate every deployment x workload of scenarios\n"
                                            "Example: hwsim run scenarios/dgx-h100-vs-altra-1mw.yaml --format json");
  add_shared(run, common, run_options, {"table", "json", "csv", "md"});
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
  CLI::App* check = app.add_subcommand("check", "evaluate scenarios' `expect:` entries; exit 1 when one fails\n"
                                                "Example: hwsim check scenarios/dgx-h100-vs-altra-1mw.yaml");
  add_shared(check, common, check_options, {"table", "json"});
  check->callback([&] {
    action = [&] {
      bool all = true;
      nlohmann::ordered_json doc;
      doc["scenarios"] = nlohmann::ordered_json::array();
      std::string text;
      for (auto& [sc, ev] : evaluate_all(common, check_options)) {
        const auto outcomes = check_expectations(sc, ev);
        nlohmann::ordered_json s;
        s["scenario"] = sc.name;
        s["file"] = sc.file;
        s["expectations"] = nlohmann::ordered_json::array();
        text += fmt::format("{} ({}): {} expectation(s)\n", sc.name, sc.file, outcomes.size());
        for (const auto& o : outcomes) {
          all = all && o.passed;
          text += fmt::format("  {}  {}  {}\n", o.passed ? "PASS" : "FAIL", o.expectation.metric, o.detail);
          nlohmann::ordered_json e;
          e["metric"] = o.expectation.metric;
          if (o.expectation.min) e["min"] = *o.expectation.min;
          if (o.expectation.max) e["max"] = *o.expectation.max;
          if (o.expectation.approx) {
            e["approx"] = *o.expectation.approx;
            e["tolerance"] = o.expectation.tolerance;
          }
          e["actual"] = o.actual;
          e["passed"] = o.passed;
          s["expectations"].push_back(std::move(e));
        }
        doc["scenarios"].push_back(std::move(s));
      }
      doc["passed"] = all;
      text += all ? "all expectations hold\n" : "some expectations FAILED\n";
      const Format f = parse_format(common.format);
      emit(common, f == Format::json ? doc.dump(2) + "\n" : text);
      return all ? 0 : 1;
    };
  });
}

}  // namespace hwsim::cli
