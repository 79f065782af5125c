// Fitting raw measurements (calibrate/raw.hpp) into a profile (calibrate/profile.hpp).
// Contract: every rate is fitted in the Hockney form t(x) = (x + half) / plateau by linear least squares (Eigen) on
// the measured median times, weighted so that each point's *relative* error counts equally; `peak_achieved` and
// `bandwidth` are the best single run (STREAM's convention; on a shared machine the median carries other jobs'
// interference, the best run the hardware's ability); power is P = idle + energy_per_flop x FLOP/s +
// energy_per_byte x B/s, least squares over the load windows.
#pragma once

#include <string>
#include <vector>

#include "calibrate/profile.hpp"
#include "calibrate/raw.hpp"

namespace hwsim::calib {

struct CurveFit {
  RateCurve curve;
  double rms_relative_error = 0;  // of the fitted times against the measured ones
};

// Fits t = (x + half) / plateau to (size, time) points (at least one; with one point half = 0).
CurveFit fit_rate_curve(const std::vector<double>& sizes, const std::vector<double>& times_s);

struct FitOptions {
  std::string name;                        // the profile's name (the output file's stem)
  std::string catalog;                     // force the catalog entry (--device); "" = match by the driver's name
  std::vector<std::string> catalog_names;  // entries of the device's kind, for matching
};

// The catalog entry a measured device is, or "" when none matches: GPUs by the driver's product name
// ("NVIDIA H100 80GB HBM3" is the SXM5 board), CPUs when every word of an entry's name is in the CPU's name.
std::string match_catalog(const RawDevice& device, const std::vector<std::string>& catalog_names);

Profile fit_profile(const RawMeasurements& raw, const FitOptions& options);

// Lower-case words joined by '-' ("Intel(R) Xeon(R) Processor" -> "intel-xeon-processor").
std::string slug(const std::string& text);

}  // namespace hwsim::calib
