// Benchmark: `hwsim sweep` speed and memory, whole process, one thread, at 10^4, 10^5 and 10^6 points.
// Usage: build/bin/hwsim_sweep_bench [largest points: 10000 | 100000 | 1000000 (default)]   (run by scripts/bench)
// Each size runs the real binary on bench/sweep_bench.yaml, writing CSV to /dev/null, with a grid of HBM bandwidth
// (10 values, a catalog key) x PUE (10) x electricity price (10) x node count (points / 1000 values). It reports
// points per CPU-second (user + system time of the child: points/s/core) and per wall second, and the child's peak
// resident memory (getrusage ru_maxrss). Report figures with the machine they were measured on.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Measure {
  double wall_s = 0;
  double cpu_s = 0;
  double peak_mib = 0;
  int status = -1;
};

Measure run(const std::vector<std::string>& args) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Measure m;
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  m.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
  m.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const long largest = argc > 1 ? std::atol(argv[1]) : 1000000;
  const std::string scenario = std::string(HWSIM_SOURCE_DIR) + "/bench/sweep_bench.yaml";
  for (long points = 10000; points <= largest; points *= 10) {
    const long counts = points / 1000;
    const std::vector<std::string> args{HWSIM_BINARY,
                                        "sweep",
                                        scenario,
                                        "--vary",
                                        "hw.h100-sxm5-80gb.memory.hbm.bandwidth=3.0..4.8 TB/s:10",
                                        "--vary",
                                        "facility.pue=1.1..1.5:10",
                                        "--vary",
                                        "facility.electricity=0.05..0.20 USD/kWh:10",
                                        "--vary",
                                        fmt::format("deployments.dgx-h100.count=1..{}:{}", counts, counts),
                                        "-o",
                                        "/dev/null"};
    const Measure m = run(args);
    if (m.status != 0) {
      fmt::print(stderr, "hwsim sweep failed (exit {})\n", m.status);
      return 1;
    }
    fmt::print(
        "points={:>8}  cpu={:7.2f} s  wall={:7.2f} s  {:9.0f} points/s/core (cpu)  {:9.0f} points/s (wall)  "
        "peak RSS {:6.1f} MiB\n",
        points, m.cpu_s, m.wall_s, static_cast<double>(points) / m.cpu_s, static_cast<double>(points) / m.wall_s,
        m.peak_mib);
  }
  return 0;
}
