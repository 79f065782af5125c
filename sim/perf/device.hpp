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

struct Device {
  std::string name;  // catalog name of the GPU or CPU
  DeviceKind kind = DeviceKind::gpu;
  std::map<DType, FlopPerSecond> peak;  // dense, derived
  BytesPerSecond memory_bandwidth;
  std::optional<double> memory_stream_efficiency;  // measured streaming plateau / bandwidth (catalog), when known
  Bytes memory_capacity;
  BytesPerSecond scale_up_bandwidth;   // per direction, to the other devices of the node
  BytesPerSecond scale_out_bandwidth;  // per direction, this device's share of the node's NICs
  Watts tdp;
  Watts idle;
  int cores = 0;                                                               // CPU cores per socket (0 for GPUs)
  int sms = 0;                                                                 // GPU streaming multiprocessors
  TensorCoreGeneration tensor_core_generation = TensorCoreGeneration::ampere;  // GPUs

  // Fused (flash) attention kernels exist for the device (GPUs from Ampere on; CPU runtimes fuse attention).
  [[nodiscard]] bool has_fused_attention() const {
    return kind == DeviceKind::cpu || tensor_core_generation != TensorCoreGeneration::volta;
  }

  [[nodiscard]] std::optional<FlopPerSecond> peak_of(DType d) const;
  // Memory a workload may fill. GPUs: the capacity less what the CUDA context, library workspaces (cuBLAS, cuDNN),
  // NCCL buffers and allocator fragmentation take, 4 GB whatever the capacity (PyTorch gets about 82 GB of an
  // 80 GiB H100: issue #12's review of Megatron-Core runs; an estimate of a fixed cost, not a share). CPUs: 92% of
  // the socket's share of host memory (the rest for the OS and runtimes; estimate).
  [[nodiscard]] Bytes usable_memory() const {
    if (kind == DeviceKind::cpu) return memory_capacity * 0.92;
    return Bytes(std::max(0.0, memory_capacity.value() - 4e9));
  }
};

// The device of `node`: its GPU when it has GPUs, else one CPU socket (with host memory split across sockets).
Device device_of(const NodeSpec& node);

}  // namespace hwsim
