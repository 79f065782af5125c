#include "sim/perf/calibrated_efficiency.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/errors.hpp"

namespace hwsim {

CalibratedEfficiency::CalibratedEfficiency(std::vector<calib::Profile> profiles) : profiles_(std::move(profiles)) {
  for (std::size_t i = 0; i < profiles_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (!profiles_[i].catalog.empty() && profiles_[i].catalog == profiles_[j].catalog) {
        throw InputError(
            Diagnostic{{profiles_[i].file, 0, 0},
                       "catalog",
                       fmt::format("{} is already calibrated by {}", profiles_[i].catalog, profiles_[j].file)});
      }
    }
  }
}

const calib::Profile* CalibratedEfficiency::profile_for(const Device& device) const {
  for (const auto& p : profiles_) {
    if (!p.catalog.empty() && p.catalog == device.name) return &p;
  }
  return nullptr;
}

std::optional<double> CalibratedEfficiency::calibrated_ceiling(const Device& device, DType dtype) const {
  const calib::Profile* p = profile_for(device);
  const calib::GemmFit* g = p ? p->gemm_of(std::string(dtype_name(dtype))) : nullptr;
  const auto peak = device.peak_of(dtype);
  if (!g || !peak || peak->value() <= 0) return std::nullopt;
  return std::min(1.0, g->curve.plateau / peak->value());
}

double CalibratedEfficiency::compute(const Device& device, DType dtype, Flop flops) const {
  const calib::Profile* p = profile_for(device);
  const calib::GemmFit* g = p ? p->gemm_of(std::string(dtype_name(dtype))) : nullptr;
  const auto peak = device.peak_of(dtype);
  if (!g || !peak || peak->value() <= 0) return defaults_.compute(device, dtype, flops);
  if (flops.value() <= 0) return std::min(1.0, g->curve.plateau / peak->value());
  return std::min(1.0, g->curve.rate(flops.value()) / peak->value());
}

double CalibratedEfficiency::shaped(const Device& device, DType dtype, Flop flops, double default_share) const {
  // The profile's curve is in FLOP (a launch's); the penalty for the product's shape (thin dimensions, an expert's
  // token tiles) is the default model's: its share over its compute() at those FLOP.
  const double plain = defaults_.compute(device, dtype, flops);
  const double shape = plain > 0 ? default_share / plain : 1.0;
  return compute(device, dtype, flops) * shape;
}

double CalibratedEfficiency::gemm(const Device& device, DType dtype, double m, double n, double k) const {
  return shaped(device, dtype, Flop(2.0 * m * n * k), defaults_.gemm(device, dtype, m, n, k));
}

double CalibratedEfficiency::grouped_gemm(const Device& device, DType dtype, double groups, double m, double n,
                                          double k) const {
  return shaped(device, dtype, Flop(std::max(1.0, groups) * 2.0 * m * n * k),
                defaults_.grouped_gemm(device, dtype, groups, m, n, k));
}

double CalibratedEfficiency::split_accumulation(const Device& device, DType dtype) const {
  return defaults_.split_accumulation(device, dtype);
}

double CalibratedEfficiency::fused_attention(const Device& device, DType dtype, bool backward) const {
  // Fused attention keeps the default share of the GEMM ceiling; the ceiling is the measured one.
  const double fallback = defaults_.fused_attention(device, dtype, backward);
  const auto ceiling = calibrated_ceiling(device, dtype);
  const double default_ceiling = DefaultEfficiency::compute_ceiling(device, dtype);
  if (!ceiling || default_ceiling <= 0) return fallback;
  return std::min(1.0, fallback * *ceiling / default_ceiling);
}

double CalibratedEfficiency::attention_kernel_share(const Device& device, AttentionKernel kernel) const {
  return defaults_.attention_kernel_share(device, kernel);  // the probes measure no attention kernel
}

double CalibratedEfficiency::memory(const Device& device, Bytes bytes) const {
  const calib::Profile* p = profile_for(device);
  if (!p || !p->memory || device.memory_bandwidth.value() <= 0) return defaults_.memory(device, bytes);
  const calib::MemoryFit& m = *p->memory;
  const double rate = m.curve ? m.curve->rate(bytes.value()) : m.bandwidth;
  return std::min(1.0, rate / device.memory_bandwidth.value());
}

double CalibratedEfficiency::link(const Device& device, bool scale_out) const {
  return defaults_.link(device, scale_out);
}

Seconds CalibratedEfficiency::launch_overhead(const Device& device) const {
  const calib::Profile* p = profile_for(device);
  if (!p || !p->launch_overhead_s) return defaults_.launch_overhead(device);
  return Seconds(*p->launch_overhead_s);
}

Seconds CalibratedEfficiency::link_latency(const Device& device, bool scale_out) const {
  return defaults_.link_latency(device, scale_out);
}

std::string CalibratedEfficiency::source() const {
  if (profiles_.empty()) return "default";
  std::string out;
  for (const auto& p : profiles_) out += (out.empty() ? "" : "+") + p.name;
  return out;
}

std::string CalibratedEfficiency::source_for(const Device& device) const {
  const calib::Profile* p = profile_for(device);
  return p ? p->name : "default";
}

std::unique_ptr<EfficiencyModel> efficiency_from_profiles(
    const std::vector<std::string>& calibrations, const std::vector<std::filesystem::path>& extra_catalog_dirs) {
  if (calibrations.empty()) return std::make_unique<DefaultEfficiency>();
  std::vector<calib::Profile> profiles;
  for (const auto& c : calibrations) profiles.push_back(calib::load_profile(calib::resolve_profile(c)));
  const EntryStore store = read_resolved_catalog(extra_catalog_dirs);
  Diagnostics diags;
  for (const auto& p : profiles) {
    if (p.catalog.empty()) continue;
    const RawEntry* entry = store.find(p.catalog);
    if (entry == nullptr || (entry->kind != "gpu" && entry->kind != "cpu")) {
      std::vector<std::string> chips = store.names_of_kind("gpu");
      for (auto& n : store.names_of_kind("cpu")) chips.push_back(std::move(n));
      const std::string near = closest_match(p.catalog, chips);
      diags.add(p.catalog_where, "catalog",
                fmt::format("no gpu or cpu catalog entry '{}'{}", p.catalog,
                            near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    } else if (entry->kind != p.device.kind) {
      diags.add(p.catalog_where, "catalog",
                fmt::format("'{}' is a {} entry but the profile measured a {} (device.kind)", p.catalog, entry->kind,
                            p.device.kind));
    }
  }
  diags.throw_if_any();
  return std::make_unique<CalibratedEfficiency>(std::move(profiles));
}

}  // namespace hwsim
