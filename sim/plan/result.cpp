#include "sim/plan/result.hpp"

namespace hwsim {

std::optional<double> Result::metric(const std::string& key) const {
  for (const auto& m : metrics) {
    if (m.key == key) return m.value;
  }
  return std::nullopt;
}

std::vector<Metric> cost_assumptions(const FacilitySpec& f) {
  std::vector<Metric> a{{"pue", f.pue}};
  if (f.pue_liquid && *f.pue_liquid != f.pue) a.push_back({"pue_liquid", *f.pue_liquid});
  a.push_back({"electricity_usd_per_kwh", f.electricity.value() * kJoulesPerKwh});
  a.push_back({"colocation_usd_per_kw_month", f.colocation.value() * 1e3 * (kSecondsPerYear / 12.0)});
  a.push_back({"utilization", f.utilization});
  a.push_back({"years", f.years});
  a.push_back({"maintenance_per_year", f.maintenance_per_year});
  a.push_back({"operations_usd_per_node_year", f.operations_per_node.value()});
  return a;
}

}  // namespace hwsim
