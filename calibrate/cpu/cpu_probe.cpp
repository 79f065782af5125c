#include "calibrate/cpu/cpu_probe.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

namespace hwsim::calib {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Runs `body` once to warm up, then at least 3 and at most `max_runs` times, until `budget_s` of timed runs.
template <class Body>
Timing time_runs(Body body, int max_runs, double budget_s) {
  body();
  std::vector<double> samples;
  double total = 0;
  while (samples.size() < 3 || (total < budget_s && static_cast<int>(samples.size()) < max_runs)) {
    const auto start = Clock::now();
    body();
    samples.push_back(seconds_since(start));
    total += samples.back();
  }
  return summarize(samples);
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0 || line.rfind("Model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown CPU";
}

double last_level_cache_bytes() {
  double best = 0;
  for (int i = 0; i < 8; ++i) {
    std::ifstream in(fmt::format("/sys/devices/system/cpu/cpu0/cache/index{}/size", i));
    std::string text;
    if (!(in >> text) || text.empty()) continue;
    double v = std::atof(text.c_str());
    if (text.back() == 'K') v *= 1024;
    if (text.back() == 'M') v *= 1024 * 1024;
    best = std::max(best, v);
  }
  return best > 0 ? best : 32.0 * 1024 * 1024;
}

// Package energy counters (intel-rapl:N, not their sub-domains), in microjoules, with their wrap ranges.
struct Rapl {
  std::vector<std::filesystem::path> counters;
  std::vector<double> ranges_uj;
  std::string unavailable;

  Rapl() {
    const std::filesystem::path root = "/sys/class/powercap";
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) {
      unavailable = "no /sys/class/powercap (no RAPL driver: usual in virtual machines)";
      return;
    }
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("intel-rapl:", 0) != 0 || name.find(':', 11) != std::string::npos) continue;
      std::ifstream probe(e.path() / "energy_uj");
      double v = 0;
      if (!(probe >> v)) continue;
      counters.push_back(e.path() / "energy_uj");
      std::ifstream range(e.path() / "max_energy_range_uj");
      double r = 0;
      ranges_uj.push_back(range >> r ? r : 0);
    }
    if (counters.empty()) unavailable = "no readable intel-rapl:*/energy_uj (needs root on recent kernels)";
  }
  [[nodiscard]] bool available() const { return !counters.empty(); }
  [[nodiscard]] std::vector<double> read() const {
    std::vector<double> out;
    for (const auto& c : counters) {
      std::ifstream in(c);
      double v = 0;
      in >> v;
      out.push_back(v);
    }
    return out;
  }
  // Joules between two readings (a counter that wrapped adds its range).
  [[nodiscard]] double joules(const std::vector<double>& before, const std::vector<double>& after) const {
    double uj = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      double d = after[i] - before[i];
      if (d < 0) d += ranges_uj[i];
      uj += d;
    }
    return uj * 1e-6;
  }
};

class Probe {
 public:
  Probe(const CpuProbeOptions& o, RawMeasurements& raw) : o_(o), raw_(raw) {}

  void say(const std::string& what) const {
    if (o_.progress) std::cerr << "hwsim calibrate: " << what << '\n';
  }

  template <class Scalar>
  GemmSample gemm(const std::string& dtype, int m, int n, int k) {
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    std::mt19937 gen(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const auto fill = [&](Matrix& x) {
      for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(normal(gen));
    };
    Matrix a(m, k), b(k, n), c(m, n);
    fill(a);
    fill(b);
    const Timing t = time_runs([&] { c.noalias() = a * b; }, 30, budget_s());
    sink_ += static_cast<double>(c(0, 0));
    GemmSample s{dtype,
                 double(m),
                 double(n),
                 double(k),
                 t,
                 "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                     std::to_string(EIGEN_MINOR_VERSION)};
    say(fmt::format("gemm {} {}x{}x{}: {:.1f} GFLOP/s", dtype, m, n, k, s.flop() / t.median_s * 1e-9));
    return s;
  }

  void gemms() {
    // Square sizes (the size ramp) plus transformer-like shapes (tokens x hidden x hidden/ffn on a 7B-class model
    // with small token counts). Skinny (memory-bound) products are left out: the curve is in FLOP.
    const std::vector<int> square =
        o_.quick ? std::vector<int>{64, 256, 768} : std::vector<int>{64, 128, 256, 384, 512, 768, 1024, 1536, 2048};
    for (int s : square) raw_.gemm.push_back(gemm<float>("fp32", s, s, s));
    if (!o_.quick) {
      for (auto [m, n, k] : {std::tuple{256, 4096, 1024}, std::tuple{512, 1024, 4096}, std::tuple{128, 2048, 2048}}) {
        raw_.gemm.push_back(gemm<float>("fp32", m, n, k));
      }
    }
    const std::vector<int> dp = o_.quick ? std::vector<int>{128, 512} : std::vector<int>{64, 128, 256, 512, 1024, 1536};
    for (int s : dp) raw_.gemm.push_back(gemm<double>("fp64", s, s, s));
    // bf16: Eigen converts each bfloat16 to float in its product kernel; keep it only if it is not absurdly slow
    // (at least a quarter of the best fp32 rate measured above).
    double best_fp32 = 0;
    for (const auto& g : raw_.gemm) {
      if (g.dtype == "fp32") best_fp32 = std::max(best_fp32, g.flop() / g.time.median_s);
    }
    const GemmSample bf = gemm<Eigen::bfloat16>("bf16", 256, 256, 256);
    const double share = bf.flop() / bf.time.median_s / best_fp32;
    if (share >= 0.25) {
      raw_.gemm.push_back(bf);
      if (!o_.quick) raw_.gemm.push_back(gemm<Eigen::bfloat16>("bf16", 512, 512, 512));
    } else {
      raw_.skipped.push_back(
          {"gemm bf16", fmt::format("Eigen's bfloat16 product runs at {:.1f} GFLOP/s at 256^3, {:.0f}% of the best "
                                    "fp32 rate (element-wise conversion, no AMX/AVX512-BF16 kernel): not a bf16 peak",
                                    bf.flop() / bf.time.median_s * 1e-9, 100 * share)});
    }
    raw_.skipped.push_back({"gemm int8",
                            "Eigen has no int8 dot-product (VNNI/AMX) kernel; an int32 product would "
                            "measure int32 multiply-add, not int8 throughput"});
  }

  // STREAM copy (c = a) and triad (a = b + s c) over doubles, every thread, first touch in parallel; bytes count
  // what the kernel reads and writes (no write-allocate), as STREAM does.
  void streams() {
    const double llc = last_level_cache_bytes();
    const double array_bytes = std::clamp(4 * llc, 128.0 * 1024 * 1024, 1024.0 * 1024 * 1024);
    std::vector<double> sizes{array_bytes, 1.5 * array_bytes};
    if (o_.quick) sizes = {array_bytes};
    for (const double bytes : sizes) {
      const auto n = static_cast<long>(bytes / sizeof(double));
      std::unique_ptr<double[]> a(new double[static_cast<std::size_t>(n)]);
      std::unique_ptr<double[]> b(new double[static_cast<std::size_t>(n)]);
      std::unique_ptr<double[]> c(new double[static_cast<std::size_t>(n)]);
      double* pa = a.get();
      double* pb = b.get();
      double* pc = c.get();
#pragma omp parallel for schedule(static)
      for (long i = 0; i < n; ++i) {
        pa[i] = 1.0;
        pb[i] = 2.0;
        pc[i] = 0.5;
      }
      const Timing copy = time_runs(
          [&] {
#pragma omp parallel for schedule(static)
            for (long i = 0; i < n; ++i) pc[i] = pa[i];
          },
          30, budget_s());
      const double scalar = 3.0;
      const Timing triad = time_runs(
          [&] {
#pragma omp parallel for schedule(static)
            for (long i = 0; i < n; ++i) pa[i] = pb[i] + scalar * pc[i];
          },
          30, budget_s());
      sink_ += pa[n / 2] + pc[n / 3];
      raw_.memory.push_back({"copy", 2 * bytes, copy});
      raw_.memory.push_back({"triad", 3 * bytes, triad});
      say(fmt::format("stream {:.0f} MiB arrays: copy {:.1f} GB/s, triad {:.1f} GB/s", bytes / 1048576,
                      2 * bytes / copy.median_s * 1e-9, 3 * bytes / triad.median_s * 1e-9));
    }
  }

  // One empty parallel region: the CPU's "launch overhead" (fork/join of the thread team).
  void fork_join() {
    constexpr int kBatch = 2000;
    std::vector<double> per_region;
    for (int rep = 0; rep < 11; ++rep) {
      const auto start = Clock::now();
      for (int i = 0; i < kBatch; ++i) {
#pragma omp parallel
        { sink_flag_ = 1; }
      }
      if (rep > 0) per_region.push_back(seconds_since(start) / kBatch);
    }
    raw_.launch = summarize(per_region);
    say(fmt::format("fork/join: {:.2f} us", raw_.launch->median_s * 1e6));
  }

  // Energy over an idle window, a GEMM window and a triad window, when RAPL is readable.
  void power(const Rapl& rapl) {
    if (!rapl.available()) {
      raw_.notes.push_back("power: " + rapl.unavailable);
      return;
    }
    const double window = o_.quick ? 1.0 : 2.0;
    {
      const auto before = rapl.read();
      std::this_thread::sleep_for(std::chrono::duration<double>(window));
      raw_.power.push_back({"idle", window, rapl.joules(before, rapl.read()), 0, 0, 0, 0});
    }
    {
      Eigen::MatrixXf a = Eigen::MatrixXf::Random(1024, 1024), b = Eigen::MatrixXf::Random(1024, 1024), c(1024, 1024);
      const auto before = rapl.read();
      const auto start = Clock::now();
      double flop = 0;
      while (seconds_since(start) < window) {
        c.noalias() = a * b;
        flop += 2.0 * 1024 * 1024 * 1024;
      }
      raw_.power.push_back({"gemm-fp32", seconds_since(start), rapl.joules(before, rapl.read()), flop, 0, 0, 0});
      sink_ += c(0, 0);
    }
    {
      const long n = 32L * 1024 * 1024;
      std::vector<double> a(n, 1.0), b(n, 2.0), c(n, 0.5);
      const auto before = rapl.read();
      const auto start = Clock::now();
      double bytes = 0;
      while (seconds_since(start) < window) {
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; ++i) a[i] = b[i] + 3.0 * c[i];
        bytes += 3.0 * 8 * n;
      }
      raw_.power.push_back({"triad", seconds_since(start), rapl.joules(before, rapl.read()), 0, bytes, 0, 0});
    }
  }

  [[nodiscard]] double sink() const { return sink_ + sink_flag_; }
  // Timed seconds per point: enough repetitions for a stable median on a shared machine.
  [[nodiscard]] double budget_s() const { return o_.quick ? 0.2 : 1.0; }

 private:
  const CpuProbeOptions& o_;
  RawMeasurements& raw_;
  double sink_ = 0;
  volatile int sink_flag_ = 0;
};

}  // namespace

RawMeasurements run_cpu_probe(const CpuProbeOptions& options) {
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
  RawMeasurements raw;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  raw.device = {"cpu", cpu_model_name(), "", "", options.date, host, "", threads};
  raw.notes.push_back(
      fmt::format("Eigen {}.{}.{}, OpenMP, {} threads; times are medians of >= 3 runs after one "
                  "warm-up run",
                  EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, threads));
  Probe probe(options, raw);
  const Rapl rapl;
  probe.gemms();
  probe.streams();
  probe.fork_join();
  probe.power(rapl);
  if (probe.sink() == 12345.678) raw.notes.push_back("");  // keeps the results observable to the optimiser
  return raw;
}

}  // namespace hwsim::calib
