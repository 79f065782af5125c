// A server: accelerators and/or CPU sockets, host memory, intra-node fabric, NICs, power, rack units, price.
// Contract: the node's *devices* are its GPUs when it has any, else its CPU sockets; the engine models devices.
#pragma once

#include <optional>
#include <string>

#include "hwmodels/cpu.hpp"
#include "hwmodels/gpu.hpp"
#include "sim/core/schema.hpp"

namespace hwsim {

// How a node's devices reach each other: NVSwitch chips, direct NVLink links, AMD Infinity Fabric (xGMI) links
// meshing every GPU with every other (no switch), PCIe, or nothing.
enum class FabricKind { nvswitch, nvlink, infinity_fabric, pcie, none };

// How a node is built to shed its heat: `air` (fans move all of it) or `liquid` (cold plates or immersion take
// the GPUs' and CPUs' heat; fans move the rest).
enum class Cooling { air, liquid };

struct NodePower {
  Watts max;              // nameplate maximum at the wall (provisioned)
  Watts idle;             // whole node idle at the wall
  Watts overhead;         // DC power at load besides GPUs, CPUs and fans (NICs, switches, DIMMs, disks, board)
  double psu_efficiency;  // DC out / AC in at half of the nameplate load (the 80 PLUS rating point)
  Watts fans{0};          // fans at the node's full heat; they follow heat (sim/power fan_power); 0 = in overhead
  Watts psu_capacity{0};  // the installed supplies' ratings together (they share the load); 0 = twice `max`
};

struct NodeSpec {
  std::string name;
  std::string vendor;
  std::optional<GpuSpec> gpu;  // the node's GPU model, if any
  int gpu_count = 0;
  std::optional<CpuSpec> cpu;
  int cpu_count = 0;
  Bytes host_memory;
  FabricKind fabric = FabricKind::none;
  int fabric_switches = 0;
  BytesPerSecond fabric_bandwidth_per_direction;  // per device
  std::string nic_network;                        // catalog name of the scale-out network ("" = unspecified)
  int nic_count = 0;
  BytesPerSecond nic_rate;  // per NIC per direction
  std::optional<Bytes> storage;
  NodePower power;
  Cooling cooling = Cooling::air;
  int rack_units = 1;
  Usd price;

  [[nodiscard]] bool has_gpus() const { return gpu.has_value() && gpu_count > 0; }
  [[nodiscard]] int devices() const { return has_gpus() ? gpu_count : cpu_count; }
};

const Schema& node_schema();
std::string_view fabric_name(FabricKind k);

}  // namespace hwsim
