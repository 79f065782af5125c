#include "sim/plan/check.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <cmath>

namespace hwsim {

std::vector<ExpectationOutcome> check_expectations(const Scenario& sc, const Evaluation& ev) {
  std::vector<ExpectationOutcome> out;
  Diagnostics diags;
  for (const auto& e : sc.expectations) {
    const auto first = e.metric.find('/');
    const auto second = first == std::string::npos ? first : e.metric.find('/', first + 1);
    if (second == std::string::npos) {
      diags.add(e.where, "metric", fmt::format("expected deployment/workload/metric, got \"{}\"", e.metric));
      continue;
    }
    const std::string dep = e.metric.substr(0, first);
    const std::string work = e.metric.substr(first + 1, second - first - 1);
    const std::string key = e.metric.substr(second + 1);
    const Result* result = nullptr;
    std::vector<std::string> pairs;
    for (const auto& r : ev.results) {
      pairs.push_back(r.deployment + "/" + r.workload);
      if (r.deployment == dep && r.workload == work) result = &r;
    }
    if (result == nullptr) {
      const std::string near = closest_match(dep + "/" + work, pairs);
      diags.add(e.where, "metric",
                fmt::format("no result {}/{} (have: {}){}", dep, work, fmt::join(pairs, ", "),
                            near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      continue;
    }
    const auto actual = result->metric(key);
    if (!actual) {
      std::vector<std::string> keys;
      for (const auto& m : result->metrics) keys.push_back(m.key);
      const std::string near = closest_match(key, keys);
      diags.add(e.where, "metric",
                result->fits
                    ? fmt::format("{}/{} has no metric '{}'{} (has: {})", dep, work, key,
                                  near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), fmt::join(keys, ", "))
                    : fmt::format("{}/{} does not fit ({}), so it has no '{}'", dep, work, result->message, key));
      continue;
    }
    ExpectationOutcome o{e, *actual, true};
    if (e.min) o.passed = o.passed && *actual >= *e.min;
    if (e.max) o.passed = o.passed && *actual <= *e.max;
    if (e.approx) {
      const double rel = *e.approx == 0 ? std::fabs(*actual) : std::fabs(*actual / *e.approx - 1.0);
      o.passed = o.passed && rel <= e.tolerance;
    }
    out.push_back(std::move(o));
  }
  diags.throw_if_any();
  return out;
}

}  // namespace hwsim
