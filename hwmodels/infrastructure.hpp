// Networks, racks, clusters and facilities: what surrounds the nodes.
#pragma once

#include <optional>
#include <string>

#include "hwmodels/node.hpp"
#include "sim/core/schema.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

// A scale-out fabric technology (InfiniBand HDR/NDR, Ethernet): link rate, switch and cable economics.
struct NetworkSpec {
  std::string name;
  BytesPerSecond link_rate;  // per port, per direction
  Seconds latency;           // end-to-end small-message latency through one switch
  std::string switch_model;
  int switch_radix = 0;
  Watts switch_power;
  Usd switch_price;
  Usd cable_price;              // per link
  Watts cable_power;            // per link end (active optics)
  double oversubscription = 1;  // leaf down ports per up port, unless a cluster says otherwise
};
const Schema& network_schema();
NetworkSpec load_network(const Reader& r);

struct RackSpec {
  std::string name;
  int rack_units = 42;
  Watts power_limit;
  Usd price;
  Watts overhead_power;            // ToR management switch, PDUs: counted per rack
  Cooling cooling = Cooling::air;  // air: room air; liquid: coolant to the racks (CDUs, manifolds)
};
const Schema& rack_schema();
RackSpec load_rack(const Reader& r);

struct NodeSpec;
// How many `node`s one `rack` holds: the fewer of what its units and its power limit allow (0 when not even one,
// and for a liquid-cooled node in an air-cooled rack: no coolant reaches it).
int nodes_rack_holds(const RackSpec& rack, const NodeSpec& node);

struct ClusterSpec {
  std::string name;
  std::string node;  // catalog name of the node
  int count = 1;
  int nodes_per_rack = 0;  // 0 = derive from the rack
  int scalable_unit = 0;
  std::string network;                     // catalog name of the fabric
  int tiers = 0;                           // 0 = derive from size and radix
  std::optional<double> oversubscription;  // none: the network's own figure
  std::optional<Bytes> storage;
};
const Schema& cluster_schema();
ClusterSpec load_cluster(const Reader& r);

// A site: power budget, PUE, energy and colocation prices, amortisation period, utilisation, default rack.
struct FacilitySpec {
  std::string name;
  std::optional<Watts> power_budget;  // facility power (IT x PUE) available
  double pue = 1.3;                   // air-cooled racks (and liquid ones when pue_liquid is not given)
  std::optional<double> pue_liquid;   // liquid-cooled racks: less of the heat goes through chillers and air handlers
  UsdPerJoule electricity;            // energy price
  UsdPerWattSecond colocation;        // colocation price per provisioned watt per second
  double years = 4;
  double utilization = 1.0;
  double maintenance_per_year = 0;  // share of capex
  Usd operations_per_node{0};       // staff and software per node per year
  std::string rack;                 // catalog name of the default rack
  // The PUE of a deployment: `pue_liquid` (when given) where a liquid-cooled node stands in a liquid-cooled rack
  // (its heat leaves in the coolant), `pue` otherwise (an air-cooled node's heat goes through the room's air
  // handlers, whatever its rack).
  double pue_for(Cooling rack, Cooling node) const {
    return rack == Cooling::liquid && node == Cooling::liquid ? pue_liquid.value_or(pue) : pue;
  }
};
const Schema& facility_schema();
FacilitySpec load_facility(const Reader& r);

}  // namespace hwsim
