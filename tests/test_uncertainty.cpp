// Uncertainty and sensitivity (sim/plan/uncertainty): range inputs are recorded with their --set paths and read at
// their midpoints; Latin-hypercube sampling covers each stratum of each range once; the P50 of a metric linear in a
// symmetric range equals the point estimate; P10 <= P50 <= P90; one-at-a-time elasticities rank a price range above
// a negligible one, and equal the share the input has in a linear metric. A scenario without ranges gets nothing.
// Fixture: tests/fixtures/scenarios/uncertainty.yaml (H100 node price 200000..340000 USD, rack price 3000..5000 USD).
// Tolerances: 1e-9 relative (sums of a few doubles; the sampled values are written with 12 digits).
#include <catch2/catch.hpp>

#include "tests/support.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/uncertainty.hpp"
#include "sim/scenario/load.hpp"

namespace {

namespace fs = std::filesystem;

constexpr double kLooseRel = 1e-9;
constexpr int kSamples = 32;

const fs::path kUncertaintyFixture = fs::path(HWSIM_FIXTURES_DIR) / "scenarios" / "uncertainty.yaml";

const hwsim::RangeInput& range(const hwsim::Scenario& sc, const std::string& path) {
  const auto it = std::find_if(sc.ranges.begin(), sc.ranges.end(), [&](const auto& r) { return r.path == path; });
  INFO("range input " << path);
  REQUIRE(it != sc.ranges.end());
  return *it;
}

const hwsim::Percentiles& spread(const hwsim::Result& r, const std::string& key) {
  const auto it = std::find_if(r.uncertainty.begin(), r.uncertainty.end(), [&](const auto& p) { return p.key == key; });
  INFO(r.deployment << " uncertainty of " << key);
  REQUIRE(it != r.uncertainty.end());
  return *it;
}

struct Analysed {
  hwsim::Scenario scenario;
  hwsim::Evaluation evaluation;
};

Analysed analyse(const std::vector<std::string>& sets = {}, int threads = 2) {
  const hwsim::DefaultEfficiency eff;
  const hwsim::ScenarioSource source(kUncertaintyFixture, {.catalog_dirs = {}, .sets = sets});
  Analysed a{source.load(), {}};
  a.evaluation = hwsim::evaluate(a.scenario, eff);
  hwsim::add_uncertainty(a.evaluation, a.scenario, source, eff, {.samples = kSamples, .threads = threads});
  return a;
}

}  // namespace

TEST_CASE("range inputs are recorded with their set paths and read at their midpoints", "[uncertainty]") {
  const auto sc = hwsim::load_scenario(
      kUncertaintyFixture,
      {.catalog_dirs = {}, .sets = {"facility.pue=1.2..1.5", "hw.h100-sxm5-80gb.price=25000..30000 USD"}});
  const auto& price = range(sc, "deployments.h100.price");
  CHECK(price.low == 200000);
  CHECK(price.high == 340000);
  CHECK(price.unit == "USD");
  CHECK(price.where.line == 8);
  CHECK(range(sc, "hw.fixture-rack.price").low == 3000);  // the facility's rack, an inline catalog entry
  CHECK(range(sc, "facility.pue").unit.empty());
  // Reached through the deployment's node (dgx-h100 -> gpus.model); the A100 node's GPU has no range.
  CHECK(range(sc, "hw.h100-sxm5-80gb.price").high == 30000);
  CHECK(sc.ranges.size() == 4);
  CHECK(sc.facility.pue == Approx(1.35).epsilon(kLooseRel));
  CHECK(sc.deployments.front().price->value() == Approx(270000).epsilon(kLooseRel));
}

TEST_CASE("a scenario without range inputs gets no uncertainty and no sensitivity", "[uncertainty]") {
  const auto a = analyse({"hw.fixture-rack.price=4000 USD", "deployments.h100.price=270000 USD"});
  CHECK(a.scenario.ranges.empty());
  for (const auto& r : a.evaluation.results) {
    CHECK(r.uncertainty.empty());
    CHECK(r.sensitivity.empty());
  }
}

TEST_CASE("Latin-hypercube samples hit every stratum of every range once, the same for the same seed",
          "[uncertainty]") {
  const std::vector<hwsim::RangeInput> ranges{{.path = "a.x", .low = 0, .high = 8, .unit = "USD"},
                                              {.path = "b.y", .low = 1, .high = 2, .unit = ""}};
  const auto sets = hwsim::latin_hypercube_sets(ranges, 8, 7);
  REQUIRE(sets.size() == 8);
  std::set<std::string> x_values;
  for (const auto& row : sets) {
    REQUIRE(row.size() == 2);
    x_values.insert(row[0]);
  }
  // Stratum centres of 0..8 in 8 strata: 0.5, 1.5, ... 7.5 USD.
  CHECK(x_values == std::set<std::string>{"a.x=0.5 USD", "a.x=1.5 USD", "a.x=2.5 USD", "a.x=3.5 USD", "a.x=4.5 USD",
                                          "a.x=5.5 USD", "a.x=6.5 USD", "a.x=7.5 USD"});
  CHECK(sets == hwsim::latin_hypercube_sets(ranges, 8, 7));
  CHECK(sets != hwsim::latin_hypercube_sets(ranges, 8, 8));
}

TEST_CASE("the P50 of a metric linear in a symmetric range equals the point estimate", "[uncertainty]") {
  const auto a = analyse();
  // The A100 deployment's capex depends on the rack price alone.
  const auto& a100 = hwsim::test::result_of(a.evaluation, "a100");
  const double capex = *a100.metric("capex_usd");
  CHECK(spread(a100, "capex_usd").p50 == Approx(capex).epsilon(kLooseRel));
  // P10: the rack price at quantile 0.1 of the stratum centres, (0.1 x (N - 1) + 0.5) / N of its range.
  const double u = (0.1 * (kSamples - 1) + 0.5) / kSamples;
  const double racks = *a100.metric("racks");
  CHECK(spread(a100, "capex_usd").p10 == Approx(capex + racks * (3000 + u * 2000 - 4000)).epsilon(kLooseRel));
  // The H100's capex and TCO add the node and rack prices: their P50 is off the point estimate by at most the
  // rack range's half width (1000 USD per rack).
  const auto& h100 = hwsim::test::result_of(a.evaluation, "h100");
  for (const std::string key : {"capex_usd", "tco_usd"}) {
    INFO(key);
    CHECK(std::fabs(spread(h100, key).p50 - *h100.metric(key)) <= 1000 * *h100.metric("racks"));
  }
  // Throughput does not depend on prices: no spread.
  const auto& t = spread(h100, "throughput_tokens_per_s");
  CHECK(t.p10 == Approx(t.p90).epsilon(kLooseRel));
}

TEST_CASE("percentiles are ordered for every metric of every result", "[uncertainty]") {
  const auto a = analyse();
  for (const auto& r : a.evaluation.results) {
    REQUIRE(r.uncertainty.size() == r.metrics.size());
    for (const auto& p : r.uncertainty) {
      INFO(r.deployment << " " << p.key);
      CHECK(p.p10 <= p.p50);
      CHECK(p.p50 <= p.p90);
    }
  }
}

TEST_CASE("sensitivity ranks a price range above a negligible one, with the elasticity of a linear share",
          "[uncertainty]") {
  const auto a = analyse();
  const auto& h100 = hwsim::test::result_of(a.evaluation, "h100");
  REQUIRE(h100.sensitivity.size() == 2);  // both prices move $/M tokens; nothing moves throughput
  CHECK(h100.sensitivity[0].input == "deployments.h100.price");
  CHECK(h100.sensitivity[0].metric == "usd_per_million_tokens");
  CHECK(h100.sensitivity[1].input == "hw.fixture-rack.price");
  CHECK(std::fabs(h100.sensitivity[1].elasticity) < std::fabs(h100.sensitivity[0].elasticity) / 10);
  // $/M tokens is linear in the node price: elasticity = the nodes' share of TCO at the midpoint.
  double nodes = 0;
  for (const auto& m : h100.cost_breakdown) {
    if (m.key == "capex_nodes_usd") nodes = m.value;
  }
  CHECK(h100.sensitivity[0].elasticity == Approx(nodes / *h100.metric("tco_usd")).epsilon(kLooseRel));
  CHECK(h100.sensitivity[0].at_low < h100.sensitivity[0].at_high);
  // The A100 deployment's figures do not depend on the H100 price: only the rack price is listed for it.
  const auto& a100 = hwsim::test::result_of(a.evaluation, "a100");
  REQUIRE(a100.sensitivity.size() == 1);
  CHECK(a100.sensitivity[0].input == "hw.fixture-rack.price");
}

TEST_CASE("uncertainty figures do not depend on the thread count", "[uncertainty]") {
  const auto one = analyse({}, 1);
  const auto three = analyse({}, 3);
  const auto& p1 = spread(hwsim::test::result_of(one.evaluation, "h100"), "usd_per_million_tokens");
  const auto& p3 = spread(hwsim::test::result_of(three.evaluation, "h100"), "usd_per_million_tokens");
  CHECK(p1.p10 == p3.p10);
  CHECK(p1.p50 == p3.p50);
  CHECK(p1.p90 == p3.p90);
}
