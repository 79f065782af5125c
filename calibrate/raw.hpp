// Raw calibration measurements: what the micro-kernels (the CUDA probe `hwsim-probe`, the CPU probe) write and the
// fitter reads. One JSON format for GPUs and CPUs, so there is one fitter. Contract: every time is a median over
// repetitions after warm-up, with the minimum, maximum and count kept beside it; sizes are in bytes or FLOP as the
// field names say; nothing is summarised away, so a profile can be refitted offline.
//
// {"format": "hwsim-raw-1",
//  "device": {"kind": "gpu", "name": "NVIDIA H100 80GB HBM3", "driver": "580.65", "cuda": "13.0", "date": "...",
//             "host": "...", "compute_capability": "9.0", "threads": 0},
//  "gemm": [{"dtype": "bf16", "m": 8192, "n": 8192, "k": 8192, "median_s": ..., "min_s": ..., "max_s": ...,
//            "repetitions": 20, "note": "cublasLt TN heuristic 1"}],
//  "skipped": [{"what": "gemm fp8", "reason": "compute capability 8.0 < 8.9"}],
//  "memory": [{"kernel": "triad", "bytes": ..., "median_s": ...}],     // bytes moved (read + written) per run
//  "l2": [...], "pcie": [...], "p2p": [...],                           // same fields as memory
//  "launch": {"median_s": ..., "min_s": ..., "max_s": ..., "repetitions": ...},
//  "power": [{"phase": "idle", "seconds": 5, "energy_j": ..., "flop": 0, "bytes": 0, "sm_clock_hz": ...,
//             "memory_clock_hz": ...}],
//  "notes": ["..."]}
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hwsim::calib {

struct Timing {
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
  int repetitions = 0;
};

// Median, minimum and maximum of repeated timings (seconds).
Timing summarize(std::vector<double> samples_s);

struct RawDevice {
  std::string kind;  // "gpu" or "cpu"
  std::string name;  // as the driver or /proc/cpuinfo reports it
  std::string driver;
  std::string cuda;
  std::string date;  // YYYY-MM-DD
  std::string host;
  std::string compute_capability;
  int threads = 0;  // CPU threads used (0 on GPUs)
};

struct GemmSample {
  std::string dtype;
  double m = 0, n = 0, k = 0;
  Timing time;
  std::string note;
  [[nodiscard]] double flop() const { return 2.0 * m * n * k; }
};

// A data-movement kernel: `bytes` moved (read + written) per run.
struct TransferSample {
  std::string kernel;
  double bytes = 0;
  Timing time;
};

// A window of steady load (or idle) with the energy it used.
struct PowerSample {
  std::string phase;
  double seconds = 0;
  double energy_j = 0;
  double flop = 0;   // work done in the window
  double bytes = 0;  // device-memory traffic in the window
  double sm_clock_hz = 0;
  double memory_clock_hz = 0;
  [[nodiscard]] double watts() const { return seconds > 0 ? energy_j / seconds : 0; }
};

struct Skipped {
  std::string what;
  std::string reason;
};

struct RawMeasurements {
  RawDevice device;
  std::vector<GemmSample> gemm;
  std::vector<Skipped> skipped;
  std::vector<TransferSample> memory;
  std::vector<TransferSample> l2;
  std::vector<TransferSample> pcie;
  std::vector<TransferSample> p2p;
  std::optional<Timing> launch;
  std::vector<PowerSample> power;
  std::vector<std::string> notes;
};

// Reads a raw file; malformed JSON or missing fields throw InputError naming the file and the field.
RawMeasurements read_raw(const std::filesystem::path& file);
std::string raw_to_json(const RawMeasurements& raw);

}  // namespace hwsim::calib
