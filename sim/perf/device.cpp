#include "sim/perf/device.hpp"

namespace hwsim {

std::optional<FlopPerSecond> Device::peak_of(DType d) const {
  auto it = peak.find(d);
  if (it == peak.end()) return std::nullopt;
  return it->second;
}

Device device_of(const NodeSpec& node) {
  Device d;
  const double devices = std::max(1, node.devices());
  d.scale_out_bandwidth = BytesPerSecond(node.nic_count * node.nic_rate.value() / devices);
  if (node.has_gpus()) {
    const GpuSpec& g = *node.gpu;
    d.name = g.name;
    d.kind = DeviceKind::gpu;
    for (const auto& p : g.peaks) d.peak[p.dtype] = p.peak;
    d.memory_bandwidth = g.hbm_bandwidth;
    d.memory_stream_efficiency = g.hbm_stream_efficiency;
    d.memory_capacity = g.hbm_capacity;
    d.scale_up_bandwidth = node.fabric_bandwidth_per_direction;
    d.tdp = g.tdp;
    d.idle = g.idle;
    d.tensor_core_generation = g.tensor_core_generation;
    d.sms = g.sm_count;
    return d;
  }
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
