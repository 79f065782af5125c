// The engine's view of one device (a GPU, or a CPU socket of a CPU-only node): what the perf model needs.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "hwmodels/node.hpp"
#include "sim/core/dtype.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

enum class DeviceKind { gpu, cpu };

// Share of a device's memory a workload may fill: the rest goes to the CUDA context, library workspaces and
// allocator fragmentation (estimate; training and inference both use it).
inline constexpr double kUsableMemoryFraction = 0.92;

struct Device {
  std::string name;  // catalog name of the GPU or CPU
  DeviceKind kind = DeviceKind::gpu;
  std::map<DType, FlopPerSecond> peak;  // dense, derived
  BytesPerSecond memory_bandwidth;
  Bytes memory_capacity;
  BytesPerSecond scale_up_bandwidth;   // per direction, to the other devices of the node
  BytesPerSecond scale_out_bandwidth;  // per direction, this device's share of the node's NICs
  Watts tdp;
  Watts idle;
  int cores = 0;  // CPU cores per socket (0 for GPUs)

  [[nodiscard]] std::optional<FlopPerSecond> peak_of(DType d) const;
};

// The device of `node`: its GPU when it has GPUs, else one CPU socket (with host memory split across sockets).
Device device_of(const NodeSpec& node);

}  // namespace hwsim
