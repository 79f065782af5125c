// Shared pieces of hwsim-probe: error checks, event timing with warm-up and medians, the raw-JSON writer.
// Contract: the output is calibrate/raw.hpp's "hwsim-raw-1" format, written with printf (the GPU machine has
// no JSON library); every time is the median of timed repetitions after untimed warm-up runs.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define PROBE_CHECK(call)                                                                                             \
  do {                                                                                                                \
    const cudaError_t probe_err = (call);                                                                             \
    if (probe_err != cudaSuccess) {                                                                                   \
      std::fprintf(stderr, "hwsim-probe: %s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(probe_err)); \
      std::exit(3);                                                                                                   \
    }                                                                                                                 \
  } while (0)

namespace probe {

struct Timing {
  double median_s = 0, min_s = 0, max_s = 0;
  int repetitions = 0;
};

inline Timing summarize(std::vector<double> s) {
  Timing t;
  if (s.empty()) return t;
  std::sort(s.begin(), s.end());
  const size_t n = s.size();
  t.median_s = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  t.min_s = s.front();
  t.max_s = s.back();
  t.repetitions = static_cast<int>(n);
  return t;
}

struct Options {
  int gpu = 0;
  bool quick = false;
  std::string output;
};

// What the probe found about the device.
struct DeviceInfo {
  cudaDeviceProp prop{};
  int device_count = 0;
  std::string driver;  // from NVML, else the CUDA driver API version
  std::string cuda;    // runtime version
};

struct GemmRow {
  std::string dtype;
  double m, n, k;
  Timing t;
  std::string note;
};
struct TransferRow {
  std::string kernel;
  double bytes;
  Timing t;
};
struct PowerRow {
  std::string phase;
  double seconds, energy_j, flop, bytes, sm_clock_hz, memory_clock_hz;
};
struct SkipRow {
  std::string what, reason;
};

struct Results {
  std::vector<GemmRow> gemm;
  std::vector<SkipRow> skipped;
  std::vector<TransferRow> memory, l2, pcie, p2p;
  Timing launch;
  std::vector<PowerRow> power;
  std::vector<std::string> notes;
};

// Times `body` (which enqueues work on `stream`) `reps` times after `warmup` untimed runs; `before` runs outside
// the timed region before each repetition (e.g. an L2 flush). Each repetition is bracketed by its own events.
template <class Body, class Before>
Timing time_events(cudaStream_t stream, int warmup, int reps, Body body, Before before) {
  for (int i = 0; i < warmup; ++i) body();
  std::vector<cudaEvent_t> start(reps), stop(reps);
  for (int i = 0; i < reps; ++i) {
    PROBE_CHECK(cudaEventCreate(&start[i]));
    PROBE_CHECK(cudaEventCreate(&stop[i]));
  }
  for (int i = 0; i < reps; ++i) {
    before();
    PROBE_CHECK(cudaEventRecord(start[i], stream));
    body();
    PROBE_CHECK(cudaEventRecord(stop[i], stream));
  }
  PROBE_CHECK(cudaStreamSynchronize(stream));
  std::vector<double> s;
  for (int i = 0; i < reps; ++i) {
    float ms = 0;
    PROBE_CHECK(cudaEventElapsedTime(&ms, start[i], stop[i]));
    s.push_back(ms * 1e-3);
    cudaEventDestroy(start[i]);
    cudaEventDestroy(stop[i]);
  }
  return summarize(s);
}

template <class Body>
Timing time_events(cudaStream_t stream, int warmup, int reps, Body body) {
  return time_events(stream, warmup, reps, body, [] {});
}

// Overwrites a buffer twice the L2 size so the next kernel starts with a cold L2 (not timed).
class L2Flush {
 public:
  explicit L2Flush(const cudaDeviceProp& prop) : bytes_(2 * static_cast<size_t>(std::max(prop.l2CacheSize, 1 << 20))) {
    PROBE_CHECK(cudaMalloc(&buffer_, bytes_));
  }
  ~L2Flush() { cudaFree(buffer_); }
  void operator()(cudaStream_t stream) const { PROBE_CHECK(cudaMemsetAsync(buffer_, value_++ & 0xff, bytes_, stream)); }

 private:
  size_t bytes_;
  void* buffer_ = nullptr;
  mutable int value_ = 1;
};

// Fills device memory with pseudo-random normal-ish values (sum of uniforms), so power and clocks see realistic
// bit toggling (calibration-reference.md section 6 item 5).
void fill_random_float(float* data, size_t n, unsigned seed, cudaStream_t stream);

// Kernels and measurements, one file per measured quantity.
void measure_gemm(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r);
void measure_memory(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r);
void measure_launch(const Options& o, cudaStream_t stream, Results& r);
void measure_transfers(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r);
void measure_power(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r);

// Runs a sustained load for about `seconds` and returns the work done: FLOP for GEMM, bytes for the triad.
double sustained_gemm(const DeviceInfo& d, cudaStream_t stream, double seconds, std::string& dtype);
double sustained_triad(cudaStream_t stream, double seconds);

}  // namespace probe
