// Helpers shared by the test files.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/constants.hpp"

namespace hwsim::test {

// The result of `deployment` in an evaluation (fails the test when absent).
inline const Result& result_of(const Evaluation& ev, const std::string& deployment) {
  const Result* found = nullptr;
  for (const auto& r : ev.results) {
    if (r.deployment == deployment) found = &r;
  }
  INFO("result for " << deployment);
  REQUIRE(found != nullptr);
  return *found;
}

// The result of `deployment` x `workload` in an evaluation (fails the test when absent).
inline const Result& result_of(const Evaluation& ev, const std::string& deployment, const std::string& workload) {
  const Result* found = nullptr;
  for (const auto& r : ev.results) {
    if (r.deployment == deployment && r.workload == workload) found = &r;
  }
  INFO("result for " << deployment << "/" << workload);
  REQUIRE(found != nullptr);
  return *found;
}

// The metric `key` of a result (fails the test when absent).
inline double metric_of(const Result& r, const std::string& key) {
  INFO(r.deployment << "/" << r.workload << " metric " << key);
  REQUIRE(r.metric(key).has_value());
  return *r.metric(key);
}

// A scenario of tests/fixtures/scenarios/ (`relative` to it) loaded with `sets`.
inline Scenario load_fixture(const std::string& relative, const std::vector<std::string>& sets = {}) {
  return load_scenario(kScenarioFixtures / relative, {.catalog_dirs = {}, .sets = sets});
}

// The engine's documented efficiencies, for the tests that run at them.
inline const DefaultEfficiency kDefaultEff;

}  // namespace hwsim::test
