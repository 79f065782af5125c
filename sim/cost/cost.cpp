#include "sim/cost/cost.hpp"

namespace hwsim {

CostResult deployment_cost(const System& sys, const PowerResult& power, const FacilitySpec& f) {
  CostResult c;
  c.capex_nodes = sys.price_per_node * (sys.nodes * sys.node_share);
  if (sys.network) {
    c.capex_network = sys.network->switch_price * static_cast<double>(sys.fabric.switches) +
                      sys.network->cable_price * static_cast<double>(sys.fabric.links);
  }
  c.capex_racks = sys.rack.price * static_cast<double>(sys.racks);
  c.capex = c.capex_nodes + c.capex_network + c.capex_racks;

  // Energy is bought at the facility's meter: its watts (PUE applied by sim/power), busy at load, idle otherwise.
  const Watts average = power.facility * f.utilization + power.idle_facility * (1.0 - f.utilization);
  const Seconds year(kSecondsPerYear);
  c.energy_per_year = average * f.electricity * year;
  c.colocation_per_year = power.provisioned * f.colocation * year;
  c.maintenance_per_year = c.capex * f.maintenance_per_year;
  c.operations_per_year = f.operations_per_node * (sys.nodes * sys.node_share);
  c.opex_per_year = c.energy_per_year + c.colocation_per_year + c.maintenance_per_year + c.operations_per_year;
  c.tco = c.capex + c.opex_per_year * f.years;
  c.depreciation_per_year = c.capex / f.years;
  c.tco_rate = c.tco / (year * f.years);
  c.busy_rate = (c.capex / f.years + c.maintenance_per_year + c.operations_per_year) / year +
                power.provisioned * f.colocation + power.facility * f.electricity;
  return c;
}

double usd_per_million_tokens(const CostResult& cost, double tokens_per_s, const FacilitySpec& f) {
  const double tokens = tokens_per_s * f.utilization * f.years * kSecondsPerYear;
  return tokens > 0 ? cost.tco.value() / tokens * 1e6 : 0.0;
}

}  // namespace hwsim
