// CPU micro-kernels: Eigen GEMM (fp32, fp64; bf16 when Eigen runs it at a meaningful rate), STREAM copy and triad
// with all threads, OpenMP fork/join cost, and RAPL package energy where the kernel exposes it. Contract: the same
// raw format as the CUDA probe (calibrate/raw.hpp); every point is warmed up once, then timed repeatedly (at least
// 3 runs, more while under 1 s per point) and summarised by the median; the whole run stays under a minute on
// 2 cores (`quick`: a few seconds).
#pragma once

#include <string>

#include "calibrate/raw.hpp"

namespace hwsim::calib {

struct CpuProbeOptions {
  bool quick = false;
  int threads = 0;        // 0 = every hardware thread
  bool progress = false;  // one line per kernel on stderr
  std::string date;       // YYYY-MM-DD written into the device record
};

RawMeasurements run_cpu_probe(const CpuProbeOptions& options);

}  // namespace hwsim::calib
