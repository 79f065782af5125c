// The time of one operation (sim/perf/roofline.hpp): op_time(compute, memory, p) = (compute^p + memory^p)^(1/p), the
// rounded corner sqrt(compute^2 + memory^2) at p = 2 and max at p = infinity, the default corners per device kind,
// and the sourced Vidur points the comment quotes.
// Tolerance: 1e-12 relative for the formula itself; 0.5 TFLOP/s for the rates the comment rounds to whole TFLOP/s.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/perf/efficiency.hpp"
#include "sim/perf/roofline.hpp"
#include "tests/support/constants.hpp"

using hwsim::Seconds;

namespace {

using hwsim::test::kRel;
constexpr double kRounded = 2.0;  // the corner DefaultEfficiency gives GPUs
const double kMax = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("op_time is sqrt(compute^2 + memory^2): 3 s of compute and 4 s of memory take 5 s", "[roofline]") {
  CHECK(hwsim::op_time(Seconds(3), Seconds(4), kRounded).value() == Approx(5.0).epsilon(kRel));
  CHECK(hwsim::op_time(Seconds(4), Seconds(3), kRounded).value() == Approx(5.0).epsilon(kRel));
  // 5 ms of compute and 12 ms of memory: 13 ms.
  CHECK(hwsim::op_time(Seconds(5e-3), Seconds(12e-3), kRounded).value() == Approx(13e-3).epsilon(kRel));
}

TEST_CASE("op_time of an operation with one bound zero is the other bound (an element-wise op costs its memory time)",
          "[roofline]") {
  CHECK(hwsim::op_time(Seconds(0), Seconds(2.5e-3), kRounded).value() == 2.5e-3);
  CHECK(hwsim::op_time(Seconds(7e-6), Seconds(0), kRounded).value() == 7e-6);
  CHECK(hwsim::op_time(Seconds(0), Seconds(0), kRounded).value() == 0.0);
}

TEST_CASE("op_time lies between the larger bound and sqrt(2) times it, reached where the bounds are equal",
          "[roofline]") {
  CHECK(hwsim::op_time(Seconds(1e-3), Seconds(1e-3), kRounded).value() == Approx(std::sqrt(2.0) * 1e-3).epsilon(kRel));
  for (const double ratio : {0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0}) {
    const Seconds compute(ratio * 1e-3);
    const Seconds memory(1e-3);
    const double larger = std::max(compute.value(), memory.value());
    const double t = hwsim::op_time(compute, memory, kRounded).value();
    INFO("compute / memory = " << ratio);
    CHECK(t >= larger);
    CHECK(t <= std::sqrt(2.0) * larger * (1 + kRel));
  }
  // Far from the ridge the corner vanishes: 1% of compute under the memory time adds 0.005%.
  CHECK(hwsim::op_time(Seconds(0.01), Seconds(1), kRounded).value() == Approx(std::sqrt(1.0001)).epsilon(kRel));
}

TEST_CASE("op_time is homogeneous: k operations of one shape take k times one", "[roofline]") {
  const Seconds one = hwsim::op_time(Seconds(2e-3), Seconds(3e-3), kRounded);  // sqrt(13) ms
  CHECK(one.value() == Approx(std::sqrt(13.0) * 1e-3).epsilon(kRel));
  CHECK(hwsim::op_time(Seconds(2e-3) * 80, Seconds(3e-3) * 80, kRounded).value() ==
        Approx(80 * one.value()).epsilon(kRel));
}

TEST_CASE(
    "the Vidur points op_time's comment quotes: an H100 up-projection of Llama 2 7B runs at 640 / 722 / 758 / "
    "773 TFLOP/s with the rounded corner, 733 / 759 / 773 / 781 with max()",
    "[roofline]") {
  // h100-sxm5-80gb: bf16 dense peak 132 SM x 4 TC x 1024 FLOP/clk x 1.83 GHz, HBM 3.35 TB/s; default efficiencies.
  hwsim::Device h100;
  h100.name = "h100-sxm5-80gb";
  h100.kind = hwsim::DeviceKind::gpu;
  const double peak = 132.0 * 4 * 1024 * 1.83e9;  // 989.4 TFLOP/s
  h100.peak[hwsim::DType::bf16] = hwsim::FlopPerSecond(peak);
  h100.memory_bandwidth = hwsim::BytesPerSecond(3.35e12);
  const hwsim::DefaultEfficiency eff;
  // [n x 4096] . [4096 x 22016] in bf16: 2 n 4096 22016 FLOPs, 2 B per element of both inputs and the output.
  const auto rates = [&](double n) {
    const double flops = 2.0 * n * 22016 * 4096;
    const double bytes = 2.0 * (n * 4096 + 4096.0 * 22016 + n * 22016);
    const Seconds compute(flops / (peak * eff.gemm(h100, hwsim::DType::bf16, n, 22016, 4096)));
    const Seconds memory(bytes / (3.35e12 * eff.memory(h100, hwsim::Bytes(bytes))));
    return std::pair{flops / hwsim::op_time(compute, memory, kRounded).value() / 1e12,
                     flops / std::max(compute.value(), memory.value()) / 1e12};
  };
  const double margin = 0.5;  // TFLOP/s: the comment quotes whole TFLOP/s
  const std::pair<double, double> expected[] = {{640.4, 733.7}, {722.2, 759.8}, {757.9, 773.6}, {773.0, 780.7}};
  const double tokens[] = {512, 1024, 2048, 4096};
  for (int i = 0; i < 4; ++i) {
    INFO("n = " << tokens[i] << " tokens");
    const auto [rounded, maximum] = rates(tokens[i]);
    CHECK(rounded == Approx(expected[i].first).margin(margin));
    CHECK(maximum == Approx(expected[i].second).margin(margin));
  }
}

TEST_CASE("op_time at corner p: max at infinity, (c^p + m^p)^(1/p) otherwise", "[roofline]") {
  CHECK(hwsim::op_time(Seconds(3), Seconds(4), kMax).value() == 4.0);
  CHECK(hwsim::op_time(Seconds(5), Seconds(2), kMax).value() == 5.0);
  CHECK(hwsim::op_time(Seconds(3), Seconds(4), 3.0).value() == Approx(std::cbrt(27.0 + 64.0)).epsilon(kRel));
  CHECK(hwsim::op_time(Seconds(0), Seconds(4), 3.0).value() == Approx(4.0).epsilon(kRel));
}

TEST_CASE("default corners: GPUs take the rounded corner, CPUs max", "[roofline]") {
  const hwsim::DefaultEfficiency eff;
  hwsim::Device gpu;
  gpu.kind = hwsim::DeviceKind::gpu;
  hwsim::Device cpu;
  cpu.kind = hwsim::DeviceKind::cpu;
  CHECK(eff.roofline_corner(gpu) == 2.0);
  CHECK(std::isinf(eff.roofline_corner(cpu)));
}
