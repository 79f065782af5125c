#include "sim/perf/device.hpp"

#include <algorithm>
#include <cmath>

namespace hwsim {

std::optional<FlopPerSecond> Device::peak_of(DType d) const {
  auto it = peak.find(d);
  if (it == peak.end()) return std::nullopt;
  return it->second;
}

double clock_power_exponent(const Device& d) {
  return d.kind == DeviceKind::gpu && d.tensor_core_generation == TensorCoreGeneration::hopper ? 1.1 : 2.0;
}

namespace {
// A generation's reference part (tdp_clock_share): dynamic watts per SM under dense tensor load at the clock it then
// holds, and the clock its datasheet peaks are quoted at.
struct PowerReference {
  double watts_per_sm;
  double sustained_hz;
  double datasheet_hz;
  // Dynamic power ~ f^alpha above the reference (a sibling part with more power per SM), measured on a pair of parts;
  // 0: clock_power_exponent's.
  double headroom_exponent;
};

std::optional<PowerReference> power_reference(TensorCoreGeneration g) {
  switch (g) {
    case TensorCoreGeneration::hopper: return PowerReference{(700.0 - 75.0) / 132.0, 1.83e9, 1.83e9, 0.0};
    case TensorCoreGeneration::blackwell:
    case TensorCoreGeneration::blackwell_ultra:
      return PowerReference{(1000.0 - 140.0) / 148.0, 1.856e9, 1.856e9,
                            std::log((1200.0 - 140.0) / (1000.0 - 140.0)) / std::log(1822.0 / 1745.0)};
    case TensorCoreGeneration::cdna3:
      return PowerReference{(750.0 - 135.0) / 304.0, 1.207e9, 2.1e9,
                            std::log((1000.0 - 180.0) / (750.0 - 135.0)) / std::log(1519.0 / 1273.0)};
    default: return std::nullopt;
  }
}
}  // namespace

double tdp_clock_share(const Device& d) {
  if (d.kind != DeviceKind::gpu || d.sms <= 0 || d.tensor_clock.value() <= 0) return 1.0;
  const auto ref = power_reference(d.tensor_core_generation);
  const double watts_per_sm = (d.tdp - d.idle).value() / d.sms;
  if (!ref || watts_per_sm <= 0) return 1.0;
  const double alpha =
      watts_per_sm > ref->watts_per_sm && ref->headroom_exponent > 0 ? ref->headroom_exponent : clock_power_exponent(d);
  const double sustained = ref->sustained_hz * std::pow(watts_per_sm / ref->watts_per_sm, 1.0 / alpha);
  return std::min(1.0, sustained / d.tensor_clock.value()) / (ref->sustained_hz / ref->datasheet_hz);
}

Device device_of(const GpuSpec& g) {
  Device d;
  d.name = g.name;
  d.kind = DeviceKind::gpu;
  for (const auto& p : g.peaks) d.peak[p.dtype] = p.peak;
  d.memory_bandwidth = g.hbm_bandwidth;
  d.memory_stream_efficiency = g.hbm_stream_efficiency;
  d.memory_capacity = g.hbm_capacity;
  d.tdp = g.tdp;
  d.idle = g.idle;
  d.tensor_core_generation = g.tensor_core_generation;
  d.sms = g.sm_count;
  d.tensor_clock = g.tensor_clock;
  d.host_link_bandwidth = g.host_link_bandwidth();
  d.tdp_share = tdp_clock_share(d);
  return d;
}

Device device_of(const NodeSpec& node) {
  const double devices = std::max(1, node.devices());
  const BytesPerSecond scale_out(node.nic_count * node.nic_rate.value() / devices);
  if (node.has_gpus()) {
    Device d = device_of(*node.gpu);
    d.scale_out_bandwidth = scale_out;
    d.scale_up_bandwidth = node.fabric_bandwidth_per_direction;
    d.host_memory_share = Bytes(node.host_memory.value() / devices);
    return d;
  }
  Device d;
  d.scale_out_bandwidth = scale_out;
  const CpuSpec& c = *node.cpu;
  d.name = c.name;
  d.kind = DeviceKind::cpu;
  for (const auto& p : c.peaks) d.peak[p.dtype] = p.peak;
  d.memory_bandwidth = c.memory_bandwidth;
  d.memory_capacity = Bytes(node.host_memory.value() / devices);
  d.scale_up_bandwidth = node.fabric_bandwidth_per_direction;
  d.tdp = c.tdp;
  d.idle = c.idle;
  d.cores = c.cores;
  return d;
}

}  // namespace hwsim
