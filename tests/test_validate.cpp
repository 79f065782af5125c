// Validation (sim/plan/validate): every case under scenarios/validation is evaluated and compared, error =
// predicted / measured - 1, MAPE per kind; cases not modelled carry a reason. The training engine's published
// accuracy (issue: MAPE <= 10% over >= 25 public cases, none off by more than 25%) and the inference engine's (MAPE
// <= 15% over >= 12 cases, none off by more than 30%) are held here so that a model or catalog change that loses them
// fails the suite.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "sim/plan/validate.hpp"

namespace {
const hwsim::ValidationReport& report() {
  static const hwsim::ValidationReport r = [] {
    const hwsim::DefaultEfficiency eff;
    return hwsim::run_validation(std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/validation", {}, eff);
  }();
  return r;
}
}  // namespace

TEST_CASE("error is predicted / measured - 1 and MAPE is the mean absolute error per kind", "[validate]") {
  double sum = 0;
  int n = 0;
  for (const auto& row : report().rows) {
    if (row.kind != "training") continue;
    if (row.failure.empty()) CHECK(row.error == Approx(row.predicted / row.measured - 1.0).epsilon(1e-12));
    sum += std::fabs(row.error);
    ++n;
  }
  REQUIRE(n > 0);
  CHECK(report().summary.at("training").mape == Approx(sum / n).epsilon(1e-12));
  CHECK(report().summary.at("training").cases == n);
}

TEST_CASE("training predictions hold MAPE <= 10% over at least 25 public cases, none off by more than 25%",
          "[validate]") {
  const auto& t = report().summary.at("training");
  CHECK(t.cases >= 25);
  CHECK(t.mape <= 0.10);
  CHECK(t.max_abs_error <= 0.25);
  for (const auto& row : report().rows) {
    if (row.kind == "training") CHECK(row.failure.empty());
  }
}

TEST_CASE(
    "inference predictions hold MAPE <= 15% over at least 12 public cases, GPU and CPU, none off by more than "
    "30%",
    "[validate]") {
  const auto& t = report().summary.at("inference");
  CHECK(t.cases >= 12);
  CHECK(t.mape <= 0.15);
  CHECK(t.max_abs_error <= 0.30);
  int gpu = 0;
  int cpu = 0;
  for (const auto& row : report().rows) {
    if (row.kind != "inference") continue;
    INFO(row.id);
    CHECK(row.failure.empty());
    (row.id.rfind("CPU-", 0) == 0 ? cpu : gpu) += 1;
  }
  CHECK(gpu >= 6);
  CHECK(cpu >= 5);
}

TEST_CASE("every case left out of validation says why", "[validate]") {
  REQUIRE_FALSE(report().not_modelled.empty());
  for (const auto& n : report().not_modelled) {
    INFO(n.id);
    CHECK(n.reason.size() > 20);
  }
}
