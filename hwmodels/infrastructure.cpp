#include "hwmodels/infrastructure.hpp"

#include <algorithm>
#include <cmath>

#include "hwmodels/common_schema.hpp"
#include "hwmodels/node.hpp"

namespace hwsim {

const Schema& network_schema() {
  static const Schema sw{"network.switch",
                         {
                             {.name = "model", .kind = ValueKind::text, .doc = "switch model"},
                             {.name = "radix",
                              .kind = ValueKind::integer,
                              .required = true,
                              .minimum = 2,
                              .doc = "ports per switch at link_rate"},
                             {.name = "power",
                              .kind = ValueKind::quantity,
                              .dimension = Dimension::watts,
                              .required = true,
                              .minimum = 0,
                              .doc = "switch power"},
                             {.name = "price",
                              .kind = ValueKind::quantity,
                              .dimension = Dimension::usd,
                              .required = true,
                              .minimum = 0,
                              .doc = "switch price"},
                         }};
  static const Schema cable{"network.cable",
                            {
                                {.name = "price",
                                 .kind = ValueKind::quantity,
                                 .dimension = Dimension::usd,
                                 .default_text = "0 USD",
                                 .minimum = 0,
                                 .doc = "per link"},
                                {.name = "power",
                                 .kind = ValueKind::quantity,
                                 .dimension = Dimension::watts,
                                 .default_text = "0 W",
                                 .minimum = 0,
                                 .doc = "per link end"},
                            }};
  static const Schema net{
      "network",
      {
          entry_name_decl(),
          entry_kind_decl(),
          entry_base_decl(),
          {.name = "link_rate",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .required = true,
           .minimum = 0,
           .doc = "per port per direction"},
          {.name = "latency",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .default_text = "2 us",
           .minimum = 0,
           .doc = "small-message latency across the fabric"},
          {.name = "oversubscription",
           .kind = ValueKind::number,
           .default_text = "1",
           .minimum = 1,
           .doc = "a leaf's down ports per up port (1 = full bisection); a cluster's own figure replaces it"},
          {.name = "switch", .kind = ValueKind::map, .required = true, .child = &sw, .doc = "the fabric's switch"},
          {.name = "cable", .kind = ValueKind::map, .child = &cable, .doc = "cables and optics"},
      }};
  return net;
}

NetworkSpec load_network(const Reader& r) {
  NetworkSpec n;
  n.name = r.text("name");
  n.link_rate = BytesPerSecond(r.quantity("link_rate"));
  n.latency = Seconds(r.quantity("latency"));
  n.oversubscription = r.number("oversubscription");
  const Reader sw = r.child("switch");
  n.switch_model = sw.text("model");
  n.switch_radix = static_cast<int>(sw.integer("radix"));
  n.switch_power = Watts(sw.quantity("power"));
  n.switch_price = Usd(sw.quantity("price"));
  const Reader cable = r.child("cable");
  n.cable_price = Usd(cable.quantity("price"));
  n.cable_power = Watts(cable.quantity("power"));
  return n;
}

const Schema& rack_schema() {
  static const Schema s{"rack",
                        {
                            entry_name_decl(),
                            entry_kind_decl(),
                            entry_base_decl(),
                            {.name = "rack_units",
                             .kind = ValueKind::integer,
                             .default_text = "42",
                             .minimum = 1,
                             .doc = "usable height in U"},
                            {.name = "power_limit",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .required = true,
                             .minimum = 0,
                             .doc = "provisioned power per rack"},
                            {.name = "price",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::usd,
                             .default_text = "0 USD",
                             .minimum = 0,
                             .doc = "rack, PDUs, installation"},
                            {.name = "overhead_power",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .default_text = "0 W",
                             .minimum = 0,
                             .doc = "management switch, PDUs"},
                            {.name = "cooling",
                             .kind = ValueKind::choice,
                             .default_text = "air",
                             .choices = {"air", "liquid"},
                             .doc = "air (room air; holds air-cooled nodes only) or liquid (coolant to the rack: holds "
                                    "liquid- and air-cooled nodes)"},
                        }};
  return s;
}

int nodes_rack_holds(const RackSpec& rack, const NodeSpec& node) {
  const int by_space = rack.rack_units / std::max(1, node.rack_units);
  if (node.cooling == Cooling::liquid && rack.cooling == Cooling::air) return 0;
  const int by_power = static_cast<int>(std::floor(rack.power_limit.value() / node.power.max.value()));
  return std::min(by_space, by_power);
}

RackSpec load_rack(const Reader& r) {
  return {r.text("name"),
          static_cast<int>(r.integer("rack_units")),
          Watts(r.quantity("power_limit")),
          Usd(r.quantity("price")),
          Watts(r.quantity("overhead_power")),
          r.text("cooling") == "liquid" ? Cooling::liquid : Cooling::air};
}

const Schema& cluster_schema() {
  static const Schema network{
      "cluster.network",
      {
          {.name = "fabric", .kind = ValueKind::text, .required = true, .doc = "network catalog entry"},
          {.name = "topology",
           .kind = ValueKind::choice,
           .default_text = "fat_tree",
           .choices = {"fat_tree"},
           .doc = "topology"},
          {.name = "tiers",
           .kind = ValueKind::integer,
           .minimum = 1,
           .doc = "switch tiers (default: the fewest that connect every NIC)"},
          {.name = "oversubscription",
           .kind = ValueKind::number,
           .minimum = 1,
           .doc = "downlinks per uplink at the leaves (default: the network's own figure)"},
      }};
  static const Schema s{
      "cluster",
      {
          entry_name_decl(),
          entry_kind_decl(),
          entry_base_decl(),
          {.name = "node", .kind = ValueKind::text, .required = true, .doc = "node catalog entry"},
          {.name = "count", .kind = ValueKind::integer, .required = true, .minimum = 1, .doc = "nodes"},
          {.name = "nodes_per_rack",
           .kind = ValueKind::integer,
           .minimum = 1,
           .doc = "nodes per rack (default: from the rack's space and power)"},
          {.name = "scalable_unit", .kind = ValueKind::integer, .minimum = 1, .doc = "nodes per scalable unit"},
          {.name = "network", .kind = ValueKind::map, .required = true, .child = &network, .doc = "scale-out fabric"},
          {.name = "storage",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes,
           .minimum = 0,
           .doc = "shared storage"},
      }};
  return s;
}

ClusterSpec load_cluster(const Reader& r) {
  ClusterSpec c;
  c.name = r.text("name");
  c.node = r.text("node");
  c.count = static_cast<int>(r.integer("count"));
  c.nodes_per_rack = static_cast<int>(r.optional_integer("nodes_per_rack").value_or(0));
  c.scalable_unit = static_cast<int>(r.optional_integer("scalable_unit").value_or(0));
  const Reader net = r.child("network");
  c.network = net.text("fabric");
  c.tiers = static_cast<int>(net.optional_integer("tiers").value_or(0));
  c.oversubscription = net.optional_number("oversubscription");
  if (auto s = r.optional_quantity("storage")) c.storage = Bytes(*s);
  return c;
}

const Schema& facility_schema() {
  static const Schema s{
      "facility",
      {
          {.name = "name", .kind = ValueKind::text, .doc = "entry name (catalog entries)"},
          {.name = "kind", .kind = ValueKind::choice, .choices = {"facility"}, .doc = "facility (catalog entries)"},
          entry_base_decl(),
          {.name = "power_budget",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .minimum = 0,
           .doc = "facility power available (IT x PUE); absent: unlimited"},
          {.name = "pue",
           .kind = ValueKind::quantity,
           .default_text = "1.3",
           .minimum = 1,
           .doc = "power usage effectiveness (of air-cooled racks, and of liquid-cooled ones without pue_liquid)"},
          {.name = "pue_liquid",
           .kind = ValueKind::quantity,
           .minimum = 1,
           .doc = "power usage effectiveness of liquid-cooled racks (default: pue)"},
          {.name = "electricity",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd_per_kwh,
           .default_text = "0.10 USD/kWh",
           .minimum = 0,
           .doc = "energy price"},
          {.name = "colocation",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd_per_kw_month,
           .default_text = "184.06 USD/kW/month",
           .minimum = 0,
           .doc = "price per provisioned kW per month (space, power delivery, cooling plant); default: CBRE H2 2024, "
                  "North American primary markets (cbre_h2_2024); 0 for a site you own, its capex elsewhere"},
          {.name = "years",
           .kind = ValueKind::quantity,
           .default_text = "4",
           .minimum = 0.1,
           .doc = "amortisation period"},
          {.name = "utilization",
           .kind = ValueKind::quantity,
           .default_text = "0.9",
           .minimum = 0,
           .doc = "share of the time the deployment does this work; default: the >90% effective training time Meta "
                  "reports for Llama 3 pre-training (Dubey et al. 2024, sec. 3.3.4); serving fleets follow demand "
                  "and run lower"},
          {.name = "maintenance",
           .kind = ValueKind::quantity,
           .default_text = "0",
           .minimum = 0,
           .doc = "support and maintenance contracts per year, as a share of capex (e.g. 0.08); default 0: no public "
                  "figure found, so it is printed among the assumptions for the reader to set"},
          {.name = "operations_per_node",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .default_text = "0 USD",
           .minimum = 0,
           .doc = "staff and software per node per year; default 0 (no public figure), printed among the assumptions"},
          {.name = "rack",
           .kind = ValueKind::text,
           .default_text = "rack-42u",
           .doc = "rack catalog entry used where a deployment does not say nodes_per_rack"},
      }};
  return s;
}

FacilitySpec load_facility(const Reader& r) {
  FacilitySpec f;
  f.name = r.text("name");
  if (auto p = r.optional_quantity("power_budget")) f.power_budget = Watts(*p);
  f.pue = r.quantity("pue");
  if (auto p = r.optional_quantity("pue_liquid")) f.pue_liquid = *p;
  f.electricity = UsdPerJoule(r.quantity("electricity") / kJoulesPerKwh);
  // USD/kW/month is parsed to USD per W per month; a month is a twelfth of a year.
  f.colocation = UsdPerWattSecond(r.quantity("colocation") / (kSecondsPerYear / 12.0));
  f.years = r.quantity("years");
  f.utilization = r.quantity("utilization");
  f.maintenance_per_year = r.quantity("maintenance");
  f.operations_per_node = Usd(r.quantity("operations_per_node"));
  f.rack = r.text("rack");
  return f;
}

}  // namespace hwsim
