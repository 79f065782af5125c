// A CPU socket: cores, clocks, SIMD units, caches, DRAM channels, power, price; peaks derived from them.
// Contract: peak per dtype = cores x base clock x (vector_bits / element bits) x fma_units x 2, for each dtype the
// SIMD units execute (int8 through dot-product instructions). The base clock is used because server parts sustain
// wide vector work on all cores at or below base (a conservative, documented choice).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hwmodels/gpu.hpp"  // PeakDerivation
#include "sim/core/dtype.hpp"
#include "sim/core/schema.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

struct CpuSpec {
  std::string name;
  std::string vendor;
  std::string architecture;
  std::string process;
  int cores = 0;
  int threads_per_core = 1;
  Hertz base_clock;
  Hertz boost_clock;
  std::string simd_isa;
  int vector_bits = 0;
  int fma_units = 0;
  std::vector<DType> simd_dtypes;
  Bytes l1d_per_core;
  Bytes l2_per_core;
  Bytes l3;
  std::string memory_type;
  int memory_channels = 0;
  BytesPerSecond memory_bandwidth;
  std::optional<Bytes> memory_max_capacity;
  int pcie_generation = 0;
  int pcie_lanes = 0;
  Watts tdp;
  Watts idle;
  Usd price;
  std::map<DType, FlopPerSecond> datasheet_peak;

  std::vector<PeakDerivation> peaks;  // derived

  [[nodiscard]] std::optional<FlopPerSecond> peak(DType d) const;
};

const Schema& cpu_schema();
CpuSpec load_cpu(const Reader& r);
std::vector<PeakDerivation> derive_cpu_peaks(const CpuSpec& c);

}  // namespace hwsim
