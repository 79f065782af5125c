// hwsim-cpu-probe: the CPU micro-kernels as their own program, compiled for the build machine's instruction set
// (-march=native) so that Eigen uses the SIMD units the calibration is meant to measure, without letting
// machine-specific code into `hwsim` itself. `hwsim calibrate --cpu` runs it. Usage:
//   hwsim-cpu-probe -o RAW.json [--threads N] [--quick] [--progress] [--date YYYY-MM-DD]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "calibrate/cpu/cpu_probe.hpp"
#include "calibrate/raw.hpp"

int main(int argc, char** argv) {
  hwsim::calib::CpuProbeOptions o;
  std::string output;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "-o" || a == "--output") && i + 1 < argc) {
      output = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
    } else if (a == "--date" && i + 1 < argc) {
      o.date = argv[++i];
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--progress") {
      o.progress = true;
    } else {
      output.clear();
      break;
    }
  }
  if (output.empty()) {
    std::fprintf(stderr, "usage: hwsim-cpu-probe -o RAW.json [--threads N] [--quick] [--progress] [--date D]\n");
    return 2;
  }
  const std::string json = hwsim::calib::raw_to_json(hwsim::calib::run_cpu_probe(o));
  std::ofstream out(output, std::ios::binary);
  out << json;
  if (!out) {
    std::fprintf(stderr, "hwsim-cpu-probe: cannot write %s\n", output.c_str());
    return 2;
  }
  return 0;
}
