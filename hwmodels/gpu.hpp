// A GPU described from the inside out (SMs, tensor cores, SIMT lanes, clocks, memories, links, power, price),
// and the peaks derived from it. Contract: peak FLOP/s per dtype is *derived* (never typed in): the highest dense
// rate over the tensor-core path (SMs x tensor cores x FLOP per clock x tensor clock) and the SIMT path
// (SMs x lanes x 2 x boost clock). The datasheet's printed dense peaks are kept beside it, for tests and display.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/dtype.hpp"
#include "sim/core/schema.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

// How a derived peak was obtained, for display ("108 SM x 4 TC x 512 FLOP x 1.41 GHz").
struct PeakDerivation {
  DType dtype;
  FlopPerSecond peak;
  std::string path;     // "tensor" or "simt"
  std::string formula;  // human-readable product
};

// The derived peak of `d` among `peaks`, if the chip runs it.
std::optional<FlopPerSecond> find_peak(const std::vector<PeakDerivation>& peaks, DType d);

// Tensor-core generations in order: Volta (no fused-attention kernels: FlashAttention needs Ampere or later),
// Ampere and Ada (warp-synchronous mma.sync; Ada adds FP8), Hopper and Blackwell (asynchronous warpgroup MMA, which the
// full tensor rate needs: kernels written for Ampere reach part of it), Blackwell Ultra (B300, GB300: Blackwell's
// tensor cores and kernels, sm_103, with twice its special-function units' exponential rate, which attention's softmax
// runs on). AMD's matrix cores stand apart: CDNA 3 (MI300X, MI325X: MFMA instructions; no NVIDIA ordering applies, so
// code asks for a generation by name, never by order) and CDNA 4 (MI350X, MI355X: twice CDNA 3's dense rate per CU,
// FP6/FP4).
enum class TensorCoreGeneration { volta, ampere, ada, hopper, blackwell, blackwell_ultra, cdna3, cdna4 };

// Blackwell or Blackwell Ultra: the same tensor cores, GEMM ceilings and power reference.
inline bool is_blackwell(TensorCoreGeneration g) {
  return g == TensorCoreGeneration::blackwell || g == TensorCoreGeneration::blackwell_ultra;
}

struct GpuSpec {
  std::string name;
  std::string vendor;
  std::string architecture;
  std::string form_factor;
  TensorCoreGeneration tensor_core_generation = TensorCoreGeneration::ampere;
  std::string process;
  std::optional<double> die_area_m2;
  std::optional<double> transistors;

  Hertz base_clock;
  Hertz boost_clock;
  Hertz tensor_clock;
  Hertz tensor_fp64_clock;

  int sm_count = 0;
  int tensor_cores_per_sm = 0;
  int fp32_lanes_per_sm = 0;
  int fp64_lanes_per_sm = 0;
  std::map<DType, double> tensor_flops_per_clock;  // dense FLOP per tensor core per clock
  double sparsity_speedup = 1.0;
  std::map<DType, FlopPerSecond> datasheet_peak;  // as printed (dense)

  Bytes l2_capacity;
  std::optional<BytesPerSecond> l2_bandwidth;
  std::string hbm_type;
  Bytes hbm_capacity;
  BytesPerSecond hbm_bandwidth;
  std::optional<double> hbm_stream_efficiency;  // measured streaming plateau / bandwidth, when the catalog gives it
  int hbm_stacks = 0;

  int nvlink_generation = 0;  // 0 = no NVLink
  int nvlink_links = 0;
  BytesPerSecond nvlink_bandwidth_per_direction;
  int pcie_generation = 0;
  int pcie_lanes = 0;
  BytesPerSecond pcie_bandwidth_per_direction;
  // NVLink-C2C to the host CPU (Grace superchips), per GPU and direction; zero where the host link is PCIe.
  BytesPerSecond c2c_bandwidth_per_direction;

  // The link to host memory, per direction: NVLink-C2C where the chip has it, else PCIe (zero: none given).
  [[nodiscard]] BytesPerSecond host_link_bandwidth() const {
    return c2c_bandwidth_per_direction.value() > 0 ? c2c_bandwidth_per_direction : pcie_bandwidth_per_direction;
  }

  Watts tdp;
  Watts idle;
  Usd price;

  std::vector<PeakDerivation> peaks;  // derived, one per dtype the chip runs, highest path only

  [[nodiscard]] std::optional<FlopPerSecond> peak(DType d) const;
};

const Schema& gpu_schema();
GpuSpec load_gpu(const Reader& r);  // r validated against gpu_schema()
std::vector<PeakDerivation> derive_gpu_peaks(const GpuSpec& g);

}  // namespace hwsim
