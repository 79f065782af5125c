// Dollars: capex (nodes, network, racks), opex (energy at the facility, colocation), TCO over the facility's
// years, and the per-second cost rates that $/M tokens and cost-to-train are built from.
#pragma once

#include "hwmodels/infrastructure.hpp"
#include "sim/power/power.hpp"

namespace hwsim {

struct CostResult {
  Usd capex_nodes;
  Usd capex_network;  // switches and cables
  Usd capex_racks;
  Usd capex;
  Usd energy_per_year;       // at the facility's utilisation: facility watts at load when busy, idle otherwise
  Usd colocation_per_year;   // provisioned IT kW x price
  Usd maintenance_per_year;  // capex x the facility's maintenance share
  Usd operations_per_year;   // nodes x the facility's staff and software per node
  Usd opex_per_year;
  Usd tco;  // capex + years x opex
  // USD per second of work at load: straight-line capex over the facility's years + colocation + load energy.
  UsdPerSecond busy_rate;
  // Straight-line depreciation of capex over the facility's years, and the whole TCO per hour of the deployment's
  // life.
  Usd depreciation_per_year;
  UsdPerSecond tco_rate;
};

CostResult deployment_cost(const System& system, const PowerResult& power, const FacilitySpec& facility);

// USD per million tokens over the deployment's life: TCO / (tokens per second x utilisation x years) x 1e6.
double usd_per_million_tokens(const CostResult& cost, double tokens_per_s, const FacilitySpec& facility);

}  // namespace hwsim
