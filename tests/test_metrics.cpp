// The metric registry (sim/plan/metrics.hpp) is the one list of metric names: every key an evaluation of any shipped
// scenario emits is registered in the group it appears in, keys are unique, and the sweep's default columns and the
// ranked sensitivities name registered metrics. Reports print through it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/metrics.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/load.hpp"

namespace {

namespace fs = std::filesystem;

void check_group(const std::vector<hwsim::Metric>& metrics, hwsim::MetricGroup group, const std::string& where) {
  for (const auto& m : metrics) {
    INFO(where << ": " << m.key);
    const hwsim::MetricInfo* info = hwsim::find_metric_info(m.key);
    REQUIRE(info != nullptr);
    CHECK(info->group == group);
  }
}

}  // namespace

TEST_CASE("metric registry: every key the shipped scenarios produce is registered in its group") {
  const hwsim::DefaultEfficiency eff;
  int results = 0;
  for (const fs::path& dir :
       {fs::path(HWSIM_SOURCE_DIR) / "scenarios", fs::path(HWSIM_SOURCE_DIR) / "scenarios/plans"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      const hwsim::Scenario sc = hwsim::load_scenario(entry.path(), {});
      for (const auto& r : hwsim::evaluate(sc, eff).results) {
        const std::string where = entry.path().filename().string() + " " + r.deployment + "/" + r.workload;
        check_group(r.metrics, hwsim::MetricGroup::metric, where);
        check_group(r.breakdown, hwsim::MetricGroup::breakdown, where);
        check_group(r.cost_breakdown, hwsim::MetricGroup::cost_breakdown, where);
        ++results;
      }
    }
  }
  CHECK(results > 20);
}

TEST_CASE("metric registry: keys are unique, labelled and described") {
  std::set<std::string_view> seen;
  for (const auto& m : hwsim::metric_registry()) {
    INFO(m.key);
    CHECK(seen.insert(m.key).second);
    CHECK_FALSE(m.label.empty());
    CHECK_FALSE(m.description.empty());
  }
  CHECK(hwsim::known_metric_keys().size() == seen.size());
}

TEST_CASE("metric registry: sweep columns and ranked sensitivities are registered metrics") {
  const std::vector<std::string> columns{"throughput_tokens_per_s",
                                         "tpot_s",
                                         "batch",
                                         "sla_met",
                                         "devices",
                                         "it_power_w",
                                         "facility_power_w",
                                         "capex_usd",
                                         "tco_usd",
                                         "usd_per_million_tokens",
                                         "time_to_train_s",
                                         "cost_to_train_usd"};
  CHECK(hwsim::default_sweep_metrics() == columns);
  for (const auto& key : hwsim::sensitivity_metrics()) {
    INFO(key);
    CHECK(hwsim::find_metric_info(key) != nullptr);
  }
}

TEST_CASE("metric registry: reports print each value in its registered style") {
  CHECK(hwsim::format_metric("mfu", 0.4338) == "43.4%");
  CHECK(hwsim::format_metric("usd_per_million_tokens", 0.249256) == "$0.2493");
  CHECK(hwsim::format_metric("tco_usd", 2.5e6) == "$2.5M");
  CHECK(hwsim::format_metric("throughput_tokens_per_s", 1234.0) == "1,234 tokens/s");  // thousands separated
  CHECK(hwsim::format_metric("energy_to_train_j", 7.2e9) == "2 MWh");
  CHECK(hwsim::metric_label("tpot_s") == "time per output token");
  CHECK(hwsim::format_metric("not_a_metric", 2.0) == "2");
}
