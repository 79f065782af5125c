#include "sim/power/power.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

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
  return std::pow(std::max(cap.value() - idle, 0.0) / (uncapped - idle), 1.0 / clock_power_exponent(d));
}

Watts fan_power(const NodeSpec& n, Watts air_heat) {
  const double full_heat = n.power.max.value() * n.power.psu_efficiency - n.power.fans.value();
  if (n.power.fans.value() <= 0 || full_heat <= 0) return Watts(0);
  const double share = std::clamp(air_heat.value() / full_heat, 0.0, 1.0);
  return n.power.fans * (share * share * share);
}

double psu_efficiency_at(const NodeSpec& n, Watts dc) {
  // 80 PLUS Titanium (230 V internal redundant): load share -> efficiency.
  static constexpr std::array<std::pair<double, double>, 4> kTitanium{
      {{0.10, 0.90}, {0.20, 0.94}, {0.50, 0.96}, {1.00, 0.91}}};
  // 80 PLUS load points are shares of the rated (DC) output; no stated capacity: N+N supplies of the nameplate.
  const double capacity = n.power.psu_capacity.value() > 0 ? n.power.psu_capacity.value() : 2.0 * n.power.max.value();
  const double load = capacity > 0 ? dc.value() / capacity : 0.5;
  double curve = kTitanium.front().second;
  if (load >= kTitanium.back().first) curve = kTitanium.back().second;
  for (std::size_t i = 1; i < kTitanium.size(); ++i) {
    const auto [x0, y0] = kTitanium[i - 1];
    const auto [x1, y1] = kTitanium[i];
    if (load >= x0 && load < x1) curve = y0 + (y1 - y0) * (load - x0) / (x1 - x0);
  }
  return n.power.psu_efficiency * curve / 0.96;
}

Watts node_power(const System& sys, const Activity& a) {
  const NodeSpec& n = *sys.node;
  const Watts devices = device_power(sys.device, a, sys.power_cap) * static_cast<double>(n.devices());
  Watts host(0);
  if (n.has_gpus() && n.cpu) {
    host = (n.cpu->idle + (n.cpu->tdp - n.cpu->idle) * kHostCpuActivity) * static_cast<double>(n.cpu_count);
  }
  const Watts air_heat = n.cooling == Cooling::liquid ? n.power.overhead : devices + host + n.power.overhead;
  const Watts dc = devices + host + n.power.overhead + fan_power(n, air_heat);
  const Watts ac = dc / psu_efficiency_at(n, dc);
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
