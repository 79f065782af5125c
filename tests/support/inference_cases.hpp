// What the inference tests (test_inference.cpp, test_inference_modes.cpp, test_inference_ep.cpp) share: their fixtures,
// the Llama 2 70B figures of the hand arithmetic, and the efficiency figures every case runs at.
#pragma once

#include <catch2/catch.hpp>

#include <limits>

#include <filesystem>
#include <map>
#include <string>

#include "sim/scenario/load.hpp"
#include "tests/support/constants.hpp"
#include "tests/support/fixed_efficiency.hpp"

namespace hwsim::test::inference {

using hwsim::test::kGiB;
using hwsim::test::kRel;
// Llama 2 70B as hwsim derives it (workloads/catalog/llama2-70b.yaml header: 68,976,648,192 parameters).
inline constexpr double kLlama70bParameters = 68976648192.0;
// Its token embedding table (32,000 x 8192), and as many weights again in its untied output layer.
inline constexpr double kLlama70bEmbedding = 32000.0 * 8192;
// KV elements per token: K and V x 80 layers x 8 KV heads x 128 head dim (grouped-query attention).
inline constexpr double kLlama70bKvPerToken = 2.0 * 80 * 8 * 128;

// The efficiencies of every inference case, on GPUs and CPUs alike: weight products at 0.7 of the peak times
// thin(d) = d / (d + 24) for each of their three dimensions (a batch-1 decode step's one row keeps 1/25), fused
// attention at 0.55, 0.9 of the memory bandwidth, 0.75 of the NVLink bandwidth with 2 us per ring step, 6 us per
// kernel launch.
inline constexpr EfficiencyFigures kFigures{.gemm = 0.7,
                                            .gemm_half_dim = 24,
                                            .attention_forward = 0.55,
                                            .memory = 0.9,
                                            // max: the hand formulas take each op group's larger bound
                                            .roofline_corner = std::numeric_limits<double>::infinity(),
                                            .link_scale_up = 0.75,
                                            .launch_overhead = Seconds(6e-6),
                                            .latency_scale_up = Seconds(2e-6)};
inline const FixedEfficiency kEff(kFigures);
// thin(d) of kFigures.
inline double thin(double d) { return d / (d + kFigures.gemm_half_dim); }
// Time to move `bytes` at `bandwidth` x the memory efficiency.
inline double hbm_time(double bytes, double bandwidth) { return bytes / (bandwidth * kFigures.memory); }
// Launch overhead of a forward pass: 12 kernels per layer x 80 layers x the launch overhead.
inline constexpr double kLlama70bLaunch = 12.0 * 80 * kFigures.launch_overhead.value();

// A scenario of tests/fixtures/scenarios, loaded once.
inline const Scenario& load(const std::string& file) {
  static std::map<std::string, Scenario> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    it = cache.emplace(file, load_scenario(std::filesystem::path(HWSIM_FIXTURES_DIR) / "scenarios" / file, {})).first;
  }
  return it->second;
}

// The inference workload `name` of a fixture scenario (a test fails when it has none).
inline InferenceConfig workload_in(const std::string& file, const std::string& name) {
  for (const auto& w : load(file).workloads) {
    if (w.name == name) return w.inference;
  }
  FAIL("no workload " << name << " in " << file);
  return {};
}

}  // namespace hwsim::test::inference
