// Helpers shared by the test files.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "sim/plan/evaluate.hpp"

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

}  // namespace hwsim::test
