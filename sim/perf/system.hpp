// A deployment resolved against the catalog: which node, how many, how they sit in racks and on the fabric.
// Contract: `devices` are the accelerators (or CPU sockets) the workload may use; a partial node (`devices: N`)
// is one node of which N devices are used, and its share of the node is N / devices-per-node.
#pragma once

#include <optional>
#include <string>

#include "hwmodels/infrastructure.hpp"
#include "hwmodels/node.hpp"
#include "sim/perf/device.hpp"

namespace hwsim {

struct FatTree {
  int tiers = 0;
  int switches = 0;
  int links = 0;  // cables, NIC-to-leaf and switch-to-switch
};

// Switches and links of a fat tree connecting `endpoints` NIC ports with switches of `radix` ports. Leaves split
// their ports between downlinks and uplinks by `oversubscription` (1 = full bisection).
FatTree size_fat_tree(int endpoints, int radix, double oversubscription);

struct System {
  std::string name;                // deployment name
  const NodeSpec* node = nullptr;  // in the scenario's catalog, which outlives the System
  Device device;
  int nodes = 1;
  int devices = 1;          // used by the workload
  double node_share = 1.0;  // share of each node that a partial deployment uses (1 for whole nodes)
  int used_per_node = 0;    // devices used on each node when the deployment uses part of them (0: all)
  int nodes_per_rack = 1;
  int racks = 1;
  RackSpec rack;
  std::optional<NetworkSpec> network;  // scale-out fabric, when nodes > 1 and the node has NICs
  FatTree fabric;

  // A configured power limit per device below its TDP, and the share of its compute clock the limit leaves
  // (1 until the plan layer throttles the device for a workload; sim/power capped_clock_scale).
  std::optional<Watts> power_cap;
  double clock_scale = 1.0;

  // Devices the workload uses on each node: the node's, or the deployment's `devices` (one NVLink domain's share).
  [[nodiscard]] int devices_per_node() const { return used_per_node > 0 ? used_per_node : node->devices(); }
  Usd price_per_node;  // the deployment's price override, else the node's
};

}  // namespace hwsim
