#include "sim/power/power.hpp"

#include <algorithm>
#include <cmath>

namespace hwsim {

Watts device_power(const Device& d, const Activity& a, std::optional<Watts> cap, const PowerWeights& w) {
  const double busy =
      std::clamp(w.compute * a.compute + w.memory * a.memory + w.communication * a.communication, 0.0, 1.0);
  const Watts p = d.idle + (d.tdp - d.idle) * busy;
  return cap ? Watts(std::min(p.value(), std::max(cap->value(), d.idle.value()))) : p;
}

double capped_clock_scale(const Device& d, const Activity& a, Watts cap) {
  const double uncapped = device_power(d, a).value();
  const double idle = d.idle.value();
  if (uncapped <= cap.value() || uncapped <= idle) return 1.0;
  return std::cbrt(std::max(cap.value() - idle, 0.0) / (uncapped - idle));
}

Watts node_power(const System& sys, const Activity& a) {
  const NodeSpec& n = *sys.node;
  Watts dc = device_power(sys.device, a, sys.power_cap) * static_cast<double>(n.devices());
  if (n.has_gpus() && n.cpu) {
    dc += (n.cpu->idle + (n.cpu->tdp - n.cpu->idle) * kHostCpuActivity) * static_cast<double>(n.cpu_count);
  }
  dc += n.power.overhead;
  const Watts ac = dc / n.power.psu_efficiency;
  return std::clamp(ac, n.power.idle, n.power.max);
}

namespace {
Watts network_power(const System& sys) {
  if (!sys.network) return Watts(0);
  return sys.network->switch_power * static_cast<double>(sys.fabric.switches) +
         sys.network->cable_power * (2.0 * sys.fabric.links);
}
Watts rack_power(const System& sys) { return sys.rack.overhead_power * static_cast<double>(sys.racks); }
}  // namespace

Watts provisioned_power(const System& sys) {
  // A power cap lowers each device's nameplate share of the node's maximum (at the wall, through the PSU).
  Watts node_max = sys.node->power.max;
  if (sys.power_cap && *sys.power_cap < sys.device.tdp) {
    node_max = node_max - (sys.device.tdp - *sys.power_cap) * static_cast<double>(sys.node->devices()) /
                              sys.node->power.psu_efficiency;
  }
  return node_max * (sys.nodes * sys.node_share) + network_power(sys) + rack_power(sys);
}

PowerResult deployment_power(const System& sys, const Activity& a, double pue) {
  PowerResult p;
  p.device = device_power(sys.device, a, sys.power_cap);
  p.node = node_power(sys, a);
  p.network = network_power(sys);
  const double nodes = sys.nodes * sys.node_share;
  p.it = p.node * nodes + p.network + rack_power(sys);
  p.idle_it = sys.node->power.idle * nodes + p.network + rack_power(sys);
  p.provisioned = provisioned_power(sys);
  p.facility = facility_power(p.it, pue);
  p.idle_facility = facility_power(p.idle_it, pue);
  p.provisioned_facility = facility_power(p.provisioned, pue);
  return p;
}

}  // namespace hwsim
