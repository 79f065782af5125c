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
  BytesPerSecond host_link_bandwidth;  // GPUs: per direction, to host memory (NVLink-C2C, else PCIe; 0: not given)
  Bytes host_memory_share;             // GPUs in a node: the node's host memory over its devices (0: not known)
  Watts tdp;
  Watts idle;
  int cores = 0;          // CPU cores per socket (0 for GPUs)
  int sms = 0;            // GPU streaming multiprocessors
  Hertz tensor_clock{0};  // GPUs: the clock the datasheet's tensor peaks are quoted at (catalog clock.tensor)
  // tdp_clock_share of this device, computed once by device_of (the efficiency model reads it per operation); 1 for a
  // device built otherwise.
  double tdp_share = 1.0;
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

// How steeply a device's dynamic power falls with its compute clock (alpha of
// sim/power capped_clock_scale and of tdp_clock_share). Dynamic power goes as
// f x V^2, and V with f where the voltage has room, so alpha runs from about 1 (voltage at its floor) to 3.
// - Hopper: 1.1, fitted to the tune split's MaxQ pair, Llama 2 70B Offline on 8 H100 at 450 W against 700 W, one
//   configuration (MLPerf Inference v4.0, NVIDIA: 17,561.6 against 21,805.8 tokens/s, 0.805; hwsim gives 0.805 at 1.1,
//   0.890 at 2): a cap that deep leaves an H100 near its voltage floor, where power falls about as fast as the clock.
//   Held out: 8 H200 at 500 W against 700 W (v4.1, 25,262.1 against 31,302.7, 0.807; hwsim 0.803). A shallow cap
//   (say 650 W) leaves the voltage room to fall, where the exponent is larger: 1.1 over-throttles there (no
//   measured shallow pair).
// - Others: 2. Measured on one silicon at two power limits: the MI300X (750 W) and the MI325X (1000 W, the same
//   CDNA 3 die and peak) reach 708 and 843 TFLOP/s BF16 (FP8 1273 and 1519) at their best GEMM shapes (ROCm blog
//   "Measuring Max-Achievable FLOPs - Part 2", 2025-02, Table 1): clock ratio 1.19. With the MI300X's idle estimate
//   (135 W) for both, the dynamic-power ratio (1000 - 135) / (750 - 135) = 1.41 gives 1.19 at exponent 2 (1.96
//   exactly); with the MI325X entry's own idle estimate (180 W, scaled with TDP) the ratio 1.33 gives 1.65. Other
//   generations have no measured pair: CDNA 3's figure.
double clock_power_exponent(const Device& device);

// The share of the generation's measured GEMM ceilings (sim/perf/efficiency.cpp DefaultEfficiency::compute_ceiling)
// the device keeps at its own power limit: those ceilings were measured on one part of each generation at that
// part's power limit, and a sibling part with less dynamic power per SM sustains a lower clock under dense tensor
// load (dynamic power ~ f^alpha, clock_power_exponent), with more a higher one up to the clock its datasheet peaks
// are quoted at, by the exponent a sibling pair measured above the reference where the generation has one (how much
// clock a watt buys depends on where the reference sits on its voltage-frequency curve: the B200, near its top clock,
// little; the MI300X, held at 1.2 of its 2.1 GHz, much). Returns
// min(1, f / f_datasheet) / (f_ref / f_ref_datasheet) with f = f_ref x (w / w_ref)^(1/alpha), w the device's
// (TDP - idle) / SMs; 1 for generations without a reference and for devices without a tensor clock.
// References (the parts the ceilings were measured on; catalog TDP and idle):
// - Hopper: an SM sustains the 1.83 GHz datasheet clock on (700 - 75) W / 132: the H100 SXM5 and the H200 SXM reach
//   their measured best-shape GEMM rates at 700 W (FP8 1402.6 and 1453.4 TFLOP/s, MICRO-MAMF-*), and the GH200 with
//   900 W only 4% more (BF16 828.6 against 794.5), so the 700 W parts run near their datasheet clock; the lower of
//   their two dynamic powers (the H200's idle estimate, 75 W) so that neither is throttled. The H100 NVL (400 W) and
//   PCIe (350 W) have 0.57 of it per SM, the regime of the MaxQ caps Hopper's exponent was fitted on.
// - Blackwell: the B200, (1000 - 140) W / 148 at 1.856 GHz. Above it, the GB200 pair: 1200 W reach 1822 TFLOP/s
//   best-shape BF16 against the B200's 1745 (MICRO-MAMF-GB200-SXM-BF16, -B200-), 1.044x the clock for 1060 / 860 of
//   the dynamic power (alpha 4.84): the GB200 holds 1.938 GHz, 0.940 of the 2.062 its datasheet peaks are quoted at
//   (NeMo's Llama 3 8B on 8 GPUs, same recipe: GB200 / B200 1.045 in the 25.09 table, 1.029 in 25.11).
// - CDNA 3: the MI300X, (750 - 135) W / 304 CUs at the median 1.207 GHz it holds under dense BF16 load (of 2.1; ROCm
//   blog "Measuring Max-Achievable FLOPs - Part 2", 2025-02): its measured rates are the ceilings. Above it, the
//   MI325X (the same die at 1000 W, idle 180 W; both idle powers are catalog estimates): FP8 1519 against 1273
//   TFLOP/s in the same table, 1.193x for 820 / 615 of the dynamic power (alpha 1.63); below it (caps) alpha stays 2.
// - Ampere has none: the A100 PCIe (300 W) reaches 0.93 of the A100 SXM's best-shape rate (252.9 against 271.2
//   TFLOP/s BF16, MICRO-MAMF-A100-*) where a 400 W reference would give 0.85, so the SXM part runs below its limit.
//   Ada, Volta and CDNA 4 have no measured ceiling of their own.
double tdp_clock_share(const Device& device);

// A catalog GPU as a device (its links are the node's: device_of(NodeSpec)).
Device device_of(const GpuSpec& gpu);

// The device of `node`: its GPU when it has GPUs, else one CPU socket (with host memory split across sockets).
Device device_of(const NodeSpec& node);

}  // namespace hwsim
