#include "calibrate/fit.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace hwsim::calib {

namespace {

std::vector<std::string> words(const std::string& slugged) {
  std::vector<std::string> out;
  std::stringstream in(slugged);
  for (std::string w; std::getline(in, w, '-');) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The driver's product names (nvidia-smi / NVML) of the GPUs in the catalog.
std::string gpu_catalog_name(const std::string& n) {
  if (contains(n, "NVL")) return "";  // H100 NVL / H200 NVL are other boards (PCIe, other power and clocks)
  if (contains(n, "H100")) return contains(n, "PCIe") ? "h100-pcie-80gb" : contains(n, "HBM3") ? "h100-sxm5-80gb" : "";
  if (contains(n, "H200")) return "h200-sxm-141gb";
  if (contains(n, "A100-SXM4-80GB") || contains(n, "A100 80GB")) return contains(n, "PCIe") ? "" : "a100-sxm4-80gb";
  if (contains(n, "A100-SXM4-40GB")) return "a100-sxm4-40gb";
  if (contains(n, "V100-SXM2-32GB")) return "v100-sxm2-32gb";
  if (contains(n, "B200")) return "b200";
  return "";
}

// Idle, loaded and per-FLOP / per-byte energy from the power windows.
PowerFit fit_power(const std::vector<PowerSample>& samples) {
  PowerFit fit;
  if (samples.empty()) {
    fit.unavailable = "no power counter was readable (no NVML energy, no RAPL powercap)";
    return fit;
  }
  double idle_sum = 0;
  int idle_n = 0;
  std::vector<const PowerSample*> load;
  for (const auto& s : samples) {
    if (s.flop == 0 && s.bytes == 0) {
      idle_sum += s.watts();
      ++idle_n;
    } else {
      load.push_back(&s);
      fit.loaded_w = std::max(fit.loaded_w.value_or(0), s.watts());
    }
  }
  if (idle_n > 0) fit.idle_w = idle_sum / idle_n;
  if (!fit.idle_w || load.empty()) return fit;
  // Dynamic power = e_flop x FLOP/s + e_byte x B/s; columns with no activity are left out; negative
  // coefficients (noise) are clamped to zero and the other refitted.
  const bool flops = std::any_of(load.begin(), load.end(), [](auto* s) { return s->flop > 0; });
  const bool bytes = std::any_of(load.begin(), load.end(), [](auto* s) { return s->bytes > 0; });
  const auto solve = [&](bool use_flop, bool use_byte) {
    const int cols = int(use_flop) + int(use_byte);
    Eigen::MatrixXd a(static_cast<Eigen::Index>(load.size()), cols);
    Eigen::VectorXd b(static_cast<Eigen::Index>(load.size()));
    for (std::size_t i = 0; i < load.size(); ++i) {
      const auto row = static_cast<Eigen::Index>(i);
      int c = 0;
      if (use_flop) a(row, c++) = load[i]->flop / load[i]->seconds;
      if (use_byte) a(row, c++) = load[i]->bytes / load[i]->seconds;
      b(row) = load[i]->watts() - *fit.idle_w;
    }
    const Eigen::VectorXd x = a.colPivHouseholderQr().solve(b);
    std::pair<double, double> out{0, 0};
    int c = 0;
    if (use_flop) out.first = x(c++);
    if (use_byte) out.second = x(c++);
    return out;
  };
  auto [e_flop, e_byte] = solve(flops, bytes);
  if (flops && bytes && (e_flop < 0 || e_byte < 0)) {
    if (e_flop < 0)
      e_byte = solve(false, true).second, e_flop = 0;
    else
      e_flop = solve(true, false).first, e_byte = 0;
  }
  if (flops) fit.energy_per_flop_j = std::max(0.0, e_flop);
  if (bytes) fit.energy_per_byte_j = std::max(0.0, e_byte);
  return fit;
}

std::optional<MemoryFit> fit_memory(const RawMeasurements& raw) {
  if (raw.memory.empty()) return std::nullopt;
  MemoryFit fit;
  // The curve is fitted on the kernel with the most sizes (triad preferred on ties: it is what STREAM reports).
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_kernel;
  for (const auto& s : raw.memory) {
    fit.bandwidth = std::max(fit.bandwidth, s.bytes / s.time.min_s);
    by_kernel[s.kernel].first.push_back(s.bytes);
    by_kernel[s.kernel].second.push_back(s.time.median_s);
  }
  std::string best;
  for (const auto& [kernel, points] : by_kernel) {
    if (best.empty() || points.first.size() > by_kernel[best].first.size() ||
        (points.first.size() == by_kernel[best].first.size() && kernel == "triad")) {
      best = kernel;
    }
  }
  fit.kernel = best;
  fit.curve = fit_rate_curve(by_kernel[best].first, by_kernel[best].second).curve;
  for (const auto& s : raw.l2) fit.l2_bandwidth = std::max(fit.l2_bandwidth.value_or(0), s.bytes / s.time.min_s);
  return fit;
}

}  // namespace

std::string slug(const std::string& text) {
  std::string out;
  bool dash = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(') {  // "(R)", "(TM)" are marks, not words
      const auto close = text.find(')', i);
      if (close != std::string::npos && close - i <= 3) {
        i = close;
        continue;
      }
    }
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      dash = false;
    } else {
      dash = true;
    }
  }
  return out;
}

CurveFit fit_rate_curve(const std::vector<double>& sizes, const std::vector<double>& times_s) {
  const auto n = static_cast<Eigen::Index>(sizes.size());
  if (n == 0 || sizes.size() != times_s.size()) return {};
  // t = a + b x, rows divided by the measured t so every point weighs by its relative error.
  Eigen::MatrixXd a(n, 2);
  Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    a(i, 0) = 1.0 / times_s[static_cast<std::size_t>(i)];
    a(i, 1) = sizes[static_cast<std::size_t>(i)] / times_s[static_cast<std::size_t>(i)];
  }
  double intercept = 0;
  double slope = 0;
  if (n >= 2) {
    const Eigen::Vector2d x = a.colPivHouseholderQr().solve(ones);
    intercept = x(0);
    slope = x(1);
  }
  if (n < 2 || intercept < 0 || slope <= 0) {
    // No fixed cost (or too few points for one): the slope alone, least squares through the origin.
    intercept = 0;
    slope = a.col(1).dot(ones) / a.col(1).squaredNorm();
  }
  CurveFit fit;
  fit.curve = {1.0 / slope, intercept / slope};
  double sum = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double predicted = intercept + slope * sizes[i];
    sum += std::pow(predicted / times_s[i] - 1.0, 2);
  }
  fit.rms_relative_error = std::sqrt(sum / static_cast<double>(sizes.size()));
  return fit;
}

std::string match_catalog(const RawDevice& device, const std::vector<std::string>& catalog_names) {
  const auto known = [&](const std::string& name) {
    return std::find(catalog_names.begin(), catalog_names.end(), name) != catalog_names.end();
  };
  if (device.kind == "gpu") {
    const std::string name = gpu_catalog_name(device.name);
    return known(name) ? name : "";
  }
  const std::vector<std::string> have = words(slug(device.name));
  for (const auto& entry : catalog_names) {
    const std::vector<std::string> need = words(entry);
    const bool all = std::all_of(need.begin(), need.end(), [&](const std::string& w) {
      return std::find(have.begin(), have.end(), w) != have.end();
    });
    if (all && !need.empty()) return entry;
  }
  return "";
}

Profile fit_profile(const RawMeasurements& raw, const FitOptions& options) {
  Profile p;
  p.name = options.name;
  p.catalog = options.catalog.empty() ? match_catalog(raw.device, options.catalog_names) : options.catalog;
  const RawDevice& d = raw.device;
  p.device = {d.kind, d.name, d.driver, d.cuda, d.date, d.host, d.compute_capability, d.threads, ""};
  if (p.catalog.empty()) {
    p.device.note = fmt::format(
        "no catalog entry matches \"{}\": the profile is a record and changes no "
        "prediction (hwsim calibrate --device NAME names one)",
        d.name);
  }
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_dtype;
  std::map<std::string, double> best;
  std::vector<std::string> order;
  for (const auto& g : raw.gemm) {
    if (!by_dtype.count(g.dtype)) order.push_back(g.dtype);
    by_dtype[g.dtype].first.push_back(g.flop());
    by_dtype[g.dtype].second.push_back(g.time.median_s);
    best[g.dtype] = std::max(best[g.dtype], g.flop() / g.time.min_s);
  }
  for (const auto& dtype : order) {
    const auto& [flop, times] = by_dtype[dtype];
    GemmFit g{.dtype = dtype, .peak_achieved = best[dtype], .points = static_cast<int>(flop.size())};
    const CurveFit c = fit_rate_curve(flop, times);
    g.curve = c.curve;
    g.fit_error = c.rms_relative_error;
    p.gemm.push_back(g);
  }
  for (const auto& s : raw.skipped) {
    if (s.what.rfind("gemm ", 0) == 0 && !by_dtype.count(s.what.substr(5))) {
      p.gemm.push_back({.dtype = s.what.substr(5), .skipped = s.reason});
    }
  }
  p.memory = fit_memory(raw);
  if (raw.launch) p.launch_overhead_s = raw.launch->median_s;
  p.power = fit_power(raw.power);
  return p;
}

}  // namespace hwsim::calib
