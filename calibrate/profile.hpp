// A calibration profile: what the micro-kernels measured on one chip, fitted into the perf model's parameters.
// Written by `hwsim calibrate` under calibrate/profiles/, read by `--calibration FILE` (sim/perf/
// calibrated_efficiency.hpp uses it). Contract: every number carries its unit in the YAML; the loader validates
// the whole file against declared keys (file:line errors, unknown keys rejected); `catalog` names the catalog
// entry the profile applies to (none: the profile is a record only and changes no prediction).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/raw.hpp"
#include "sim/core/schema.hpp"

namespace hwsim::calib {

// rate(x) = plateau * x / (x + half): the Hockney (latency + size / bandwidth) shape, x in FLOP or bytes; the
// time of an operation of size x is (x + half) / plateau.
struct RateCurve {
  double plateau = 0;  // FLOP/s or B/s
  double half = 0;     // FLOP or bytes at which half the plateau is reached
  [[nodiscard]] double rate(double x) const { return x <= 0 ? 0 : plateau * x / (x + half); }
};

struct GemmFit {
  std::string dtype;
  double peak_achieved = 0;  // FLOP/s, the best single run over the shapes measured
  RateCurve curve;           // x in FLOP (2 m n k)
  double fit_error = 0;      // root-mean-square relative error of the curve's times over the points
  int points = 0;
  std::string skipped;  // non-empty: not measured, and why
};

struct MemoryFit {
  double bandwidth = 0;  // B/s, the best single large-buffer copy/triad run (bytes read + written)
  std::optional<RateCurve> curve;
  std::string kernel;                  // the kernel the curve was fitted on
  std::optional<double> l2_bandwidth;  // B/s (GPUs)
};

struct PowerFit {
  std::optional<double> idle_w;
  std::optional<double> loaded_w;
  std::optional<double> energy_per_flop_j;
  std::optional<double> energy_per_byte_j;
  std::string unavailable;  // non-empty: why nothing was measured
};

struct ProfileDevice {
  std::string kind;  // gpu | cpu
  std::string name;
  std::string driver;
  std::string cuda;
  std::string date;
  std::string host;
  std::string compute_capability;
  int threads = 0;
  std::string note;
};

struct Profile {
  std::string name;
  std::string catalog;  // catalog entry (h100-sxm5-80gb); empty when the measured chip has none
  ProfileDevice device;
  std::vector<GemmFit> gemm;
  std::optional<MemoryFit> memory;
  std::optional<double> launch_overhead_s;
  PowerFit power;
  std::string file;              // where it was read from ("" when built in memory)
  SourceLocation catalog_where;  // of the `catalog` key, for errors about the entry it names

  [[nodiscard]] const GemmFit* gemm_of(const std::string& dtype) const;  // measured (not skipped) only
};

// The profile as YAML, with `raw` listing every measurement (with units) after the fitted sections.
std::string profile_to_yaml(const Profile& profile, const RawMeasurements& raw);

// Reads and validates a profile; throws InputError listing every problem with file:line.
Profile load_profile(const std::filesystem::path& file);

// A `--calibration` argument: an existing file, else the name of a profile in calibrate/profiles/ (NAME.yaml).
std::filesystem::path resolve_profile(const std::string& file_or_name);

const Schema& profile_schema();

}  // namespace hwsim::calib
