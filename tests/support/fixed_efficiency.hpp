// A test double for EfficiencyModel: every figure is a plain value the test states, the same for every device,
// dtype and operation size, so an engine test derives its expected values from figures it shows rather than from
// DefaultEfficiency's documented constants (those are checked in tests/test_efficiency.cpp, and only there).
// A figure the test leaves out is ideal: fractions 1, launch overhead and latencies 0.
#pragma once

#include <string>

#include "sim/perf/efficiency.hpp"

namespace hwsim::test {

struct EfficiencyFigures {
  double compute = 1.0;  // compute()
  double gemm = 1.0;     // gemm(), before the thin-dimension term
  // > 0: gemm() x d / (d + gemm_half_dim) for each of m, n and k, so a test can see the shape the engine asks
  // about; 0: gemm() ignores the shape.
  double gemm_half_dim = 0.0;
  double split_accumulation = 1.0;      // split_accumulation() for fp8 (1 for other types, as the contract says)
  double serving_expert_share = 1.0;    // serving_expert_share()
  double attention_forward = 1.0;       // fused_attention(backward = false)
  double attention_backward = 1.0;      // fused_attention(backward = true)
  double ampere_class_attention = 1.0;  // attention_kernel_share(ampere_class) (native: 1)
  double flash1_attention = 0.5;        // attention_kernel_share(flash1)
  double memory = 1.0;                  // memory()
  double roofline_corner = 2.0;         // roofline_corner(): 2 the rounded corner, infinity max (sim/perf/roofline.hpp)
  double link_scale_up = 1.0;           // link(scale_out = false)
  double link_scale_out = 1.0;          // link(scale_out = true)
  Seconds launch_overhead{0};
  Seconds latency_scale_up{0};   // link_latency(scale_out = false)
  Seconds latency_scale_out{0};  // link_latency(scale_out = true)
};

class FixedEfficiency final : public EfficiencyModel {
 public:
  explicit FixedEfficiency(const EfficiencyFigures& figures) : f_(figures) {}

  [[nodiscard]] double compute(const Device& /*device*/, DType /*dtype*/, Flop /*flops*/) const override {
    return f_.compute;
  }
  [[nodiscard]] double grouped_gemm(const Device& device, DType dtype, double /*groups*/, double m, double n,
                                    double k) const override {
    return gemm(device, dtype, m, n, k);
  }
  [[nodiscard]] double gemm(const Device& /*device*/, DType /*dtype*/, double m, double n, double k) const override {
    if (f_.gemm_half_dim <= 0) return f_.gemm;
    const auto thin = [this](double d) { return d / (d + f_.gemm_half_dim); };
    return f_.gemm * thin(m) * thin(n) * thin(k);
  }
  [[nodiscard]] double split_accumulation(const Device& /*device*/, DType dtype) const override {
    return dtype == DType::fp8 ? f_.split_accumulation : 1.0;
  }
  [[nodiscard]] double serving_expert_share(const Device& /*device*/) const override { return f_.serving_expert_share; }
  [[nodiscard]] double fused_attention(const Device& /*device*/, DType /*dtype*/, bool backward) const override {
    return backward ? f_.attention_backward : f_.attention_forward;
  }
  [[nodiscard]] double attention_kernel_share(const Device& /*device*/, AttentionKernel kernel) const override {
    if (kernel == AttentionKernel::flash1) return f_.flash1_attention;
    return kernel == AttentionKernel::native ? 1.0 : f_.ampere_class_attention;
  }
  [[nodiscard]] double memory(const Device& /*device*/, Bytes /*bytes*/) const override { return f_.memory; }
  [[nodiscard]] double link(const Device& /*device*/, bool scale_out) const override {
    return scale_out ? f_.link_scale_out : f_.link_scale_up;
  }
  [[nodiscard]] double roofline_corner(const Device& /*device*/) const override { return f_.roofline_corner; }
  [[nodiscard]] Seconds launch_overhead(const Device& /*device*/) const override { return f_.launch_overhead; }
  [[nodiscard]] Seconds link_latency(const Device& /*device*/, bool scale_out) const override {
    return scale_out ? f_.latency_scale_out : f_.latency_scale_up;
  }
  [[nodiscard]] std::string source() const override { return "test"; }

 private:
  EfficiencyFigures f_;
};

}  // namespace hwsim::test
