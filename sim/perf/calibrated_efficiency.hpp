// Efficiencies from calibration profiles (calibrate/profile.hpp) for the chips they measured, the documented
// defaults (DefaultEfficiency) for everything else. Contract: a profile applies to the device whose catalog name
// equals its `catalog` key, and only to what it measured: a dtype it has no GEMM fit for, links, collectives and
// FP8 split accumulation keep their defaults. Measured rates become fractions of the catalog peak (capped at 1),
// so a profile that measured a slower GEMM makes every GEMM on that chip slower.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "calibrate/profile.hpp"
#include "sim/perf/efficiency.hpp"

namespace hwsim {

class CalibratedEfficiency final : public EfficiencyModel {
 public:
  // Profiles without a `catalog` key are kept (source() names them) but match no device. Two profiles for one
  // catalog entry are an InputError.
  explicit CalibratedEfficiency(std::vector<calib::Profile> profiles);

  [[nodiscard]] double compute(const Device& device, DType dtype, Flop flops) const override;
  [[nodiscard]] double gemm(const Device& device, DType dtype, double m, double n, double k) const override;
  [[nodiscard]] double grouped_gemm(const Device& device, DType dtype, double groups, double m, double n,
                                    double k) const override;
  [[nodiscard]] double split_accumulation(const Device& device, DType dtype) const override;
  [[nodiscard]] double serving_expert_share(const Device& device) const override {
    return defaults_.serving_expert_share(device);  // profiles do not measure it yet
  }
  [[nodiscard]] double fused_attention(const Device& device, DType dtype, bool backward) const override;
  [[nodiscard]] double attention_kernel_share(const Device& device, AttentionKernel kernel) const override;
  [[nodiscard]] double memory(const Device& device, Bytes bytes) const override;
  [[nodiscard]] double link(const Device& device, bool scale_out) const override;
  [[nodiscard]] double roofline_corner(const Device& device) const override {
    return defaults_.roofline_corner(device);  // profiles do not measure it yet
  }
  [[nodiscard]] Seconds launch_overhead(const Device& device) const override;
  [[nodiscard]] Seconds link_latency(const Device& device, bool scale_out) const override;
  // The profiles' names joined by '+', or "default" when there are none.
  [[nodiscard]] std::string source() const override;
  // The name of the profile for `device`, or "default".
  [[nodiscard]] std::string source_for(const Device& device) const override;

  [[nodiscard]] const calib::Profile* profile_for(const Device& device) const;

 private:
  // The calibrated large-operation ceiling of `dtype` on `device` as a share of its catalog peak, if measured.
  [[nodiscard]] std::optional<double> calibrated_ceiling(const Device& device, DType dtype) const;
  // compute() at `flops` times the default model's shape penalty (`default_share` over its own compute()).
  [[nodiscard]] double shaped(const Device& device, DType dtype, Flop flops, double default_share) const;

  std::vector<calib::Profile> profiles_;
  DefaultEfficiency defaults_;
};

// The efficiency model of a run (`--calibration FILE|NAME`, repeatable): the defaults when `calibrations` is empty,
// else those profiles (calib::resolve_profile) over them. Each profile's `catalog` must name a gpu or cpu entry of the
// kind it measured, in the default catalog plus `extra_catalog_dirs` (a typo would otherwise leave every prediction
// silently uncalibrated). Throws InputError.
std::unique_ptr<EfficiencyModel> efficiency_from_profiles(const std::vector<std::string>& calibrations,
                                                          const std::vector<std::filesystem::path>& extra_catalog_dirs);

}  // namespace hwsim
