// Capacity-plan expectations (`expect:`): each names deployment/workload/metric and bounds it.
// Contract: a path or metric that does not exist is bad input (exit 2), not a failed expectation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/plan/evaluate.hpp"

namespace hwsim {

struct ExpectationOutcome {
  Expectation expectation;
  double actual = 0;
  bool passed = false;  // worded by the report layer (sim/report/check_report.cpp)
};

std::vector<ExpectationOutcome> check_expectations(const Scenario& scenario, const Evaluation& evaluation);

}  // namespace hwsim
