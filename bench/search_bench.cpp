// Benchmark: parallelism-search speed, in configurations evaluated per second per thread.
// Usage: build/bin/hwsim_bench [repetitions]   (run by scripts/bench; not part of the test suite)
// It searches GPT-3 175B on 1024 A100-80GB (scenarios/gpt3-175b-search.yaml) repeatedly, on 1 thread and on all
// hardware threads, and prints the median rate. Report figures with the machine they were measured on.
#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "sim/train/search.hpp"

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  const auto file = std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/gpt3-175b-search.yaml";
  const hwsim::Scenario sc = hwsim::load_scenario(file, {});
  const hwsim::System sys = hwsim::build_system(sc, sc.deployments.front());
  const hwsim::DefaultEfficiency eff;
  const auto& base = sc.workloads.front().training;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int threads : {1, cores}) {
    std::vector<double> rates;
    long long configurations = 0;
    for (int i = 0; i < repetitions; ++i) {
      const auto r = hwsim::search_training(base, sys, eff, {true, true, 5, threads});
      configurations = r.configurations;
      rates.push_back(static_cast<double>(r.configurations) / r.seconds / threads);
    }
    std::sort(rates.begin(), rates.end());
    fmt::print("threads={} configurations={} median={:.3g} configurations/s/thread (min {:.3g}, max {:.3g})\n", threads,
               configurations, rates[rates.size() / 2], rates.front(), rates.back());
  }
  return 0;
}
