#include "hwmodels/node.hpp"

#include "hwmodels/common_schema.hpp"

namespace hwsim {

std::string_view fabric_name(FabricKind k) {
  switch (k) {
    case FabricKind::nvswitch: return "nvswitch";
    case FabricKind::nvlink: return "nvlink";
    case FabricKind::infinity_fabric: return "infinity_fabric";
    case FabricKind::pcie: return "pcie";
    case FabricKind::none: return "none";
  }
  return "none";
}

const Schema& node_schema() {
  static const Schema part{
      "node.part",
      {
          {.name = "model", .kind = ValueKind::text, .required = true, .doc = "catalog entry (gpu or cpu)"},
          {.name = "count", .kind = ValueKind::integer, .required = true, .minimum = 1, .doc = "how many in the node"},
      }};
  static const Schema fabric{
      "node.fabric",
      {
          {.name = "kind",
           .kind = ValueKind::choice,
           .required = true,
           .choices = {"nvswitch", "nvlink", "infinity_fabric", "pcie", "none"},
           .doc = "how devices in the node talk to each other (infinity_fabric: AMD xGMI links from every GPU to "
                  "every other, no switch)"},
          {.name = "switches", .kind = ValueKind::integer, .minimum = 0, .doc = "NVSwitch chips"},
          {.name = "bandwidth_per_direction",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .minimum = 0,
           .doc = "per device, one direction (default: the GPU's NVLink or PCIe; required for infinity_fabric)"},
      }};
  static const Schema nics{
      "node.nics",
      {
          {.name = "network", .kind = ValueKind::text, .doc = "network catalog entry"},
          {.name = "count", .kind = ValueKind::integer, .required = true, .minimum = 0, .doc = "scale-out NICs"},
          {.name = "rate",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .required = true,
           .minimum = 0,
           .doc = "per NIC per direction"},
      }};
  static const Schema power{
      "node.power",
      {
          {.name = "max",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .required = true,
           .minimum = 0,
           .doc = "nameplate maximum at the wall"},
          {.name = "idle",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .required = true,
           .minimum = 0,
           .doc = "whole node idle at the wall"},
          {.name = "overhead",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .required = true,
           .minimum = 0,
           .doc = "DC power at load besides GPUs, CPUs and fans (NICs, switches, DIMMs, disks, "
                  "board; fans too where `fans` is not given)"},
          {.name = "psu_efficiency",
           .kind = ValueKind::number,
           .default_text = "0.94",
           .minimum = 0.5,
           .doc = "power supplies' DC out / AC in at half load (the 80 PLUS rating point; "
                  "lighter and fuller loads follow the 80 PLUS Titanium curve)"},
          {.name = "psu_capacity",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .minimum = 0,
           .doc = "the installed power supplies' ratings together, all sharing the load (default: "
                  "twice `max`, N+N redundant supplies); sets the load point of the efficiency"},
          {.name = "fans",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .default_text = "0 W",
           .minimum = 0,
           .doc = "fan power when the node sheds its full heat by air; fans follow heat by the "
                  "fan affinity law (power ~ airflow^3, airflow ~ heat)"},
      }};
  static const Schema node{
      "node",
      {
          entry_name_decl(),
          entry_kind_decl(),
          entry_base_decl(),
          {.name = "vendor", .kind = ValueKind::text, .doc = "manufacturer"},
          {.name = "gpus", .kind = ValueKind::map, .child = &part, .doc = "accelerators"},
          {.name = "cpus", .kind = ValueKind::map, .required = true, .child = &part, .doc = "CPU sockets"},
          {.name = "host_memory",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes,
           .required = true,
           .minimum = 0,
           .doc = "DRAM of the node"},
          {.name = "fabric", .kind = ValueKind::map, .child = &fabric, .doc = "intra-node device interconnect"},
          {.name = "nics", .kind = ValueKind::map, .child = &nics, .doc = "scale-out NICs"},
          {.name = "storage",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes,
           .minimum = 0,
           .doc = "local storage"},
          {.name = "power", .kind = ValueKind::map, .required = true, .child = &power, .doc = "node power"},
          {.name = "rack_units", .kind = ValueKind::integer, .required = true, .minimum = 1, .doc = "height in U"},
          {.name = "cooling",
           .kind = ValueKind::choice,
           .default_text = "air",
           .choices = {"air", "liquid"},
           .doc = "how the node sheds heat: air (fans move all of it) or liquid (cold plates or immersion take the "
                  "GPUs' and CPUs' heat; fans move the rest)"},
          {.name = "price",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .required = true,
           .minimum = 0,
           .doc = "price of one node"},
      }};
  return node;
}

}  // namespace hwsim
