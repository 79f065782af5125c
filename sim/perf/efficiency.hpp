// Efficiencies: the one place that says how close to its peaks a device runs an operation. Contract: every
// engine layer asks this model (never a literal of its own); a calibration profile (issue "self-calibration")
// replaces the documented defaults below by measured curves for the chip it measured, and `source()` says which.
#pragma once

#include <span>
#include <string>

#include "sim/core/dtype.hpp"
#include "sim/core/units.hpp"
#include "sim/perf/device.hpp"

namespace hwsim {

// Which generation of fused-attention kernel a software stack runs: the one written for the chip (cuDNN and
// FlashAttention-3 on Hopper, FlashAttention-2 on Ampere), or one written for Ampere's tensor cores whatever the chip
// (FlashAttention-2, Triton and PyTorch SDPA kernels of 2023-24 on Hopper and Blackwell), or the generation before
// (FlashAttention 1.x and its 2022 Triton port, also written for Ampere's tensor cores).
enum class AttentionKernel { native, ampere_class, flash1 };

class EfficiencyModel {
 public:
  virtual ~EfficiencyModel() = default;
  // Achieved fraction of the dense peak for a matrix operation of `flops` in `dtype` (shape-aware: small
  // operations run further from peak than large ones).
  [[nodiscard]] virtual double compute(const Device& device, DType dtype, Flop flops) const = 0;
  // Achieved fraction of the dense peak for an (m x k) . (k x n) matrix product: the size ramp of compute() times a
  // penalty for thin dimensions (tiles left partly empty).
  [[nodiscard]] virtual double gemm(const Device& device, DType dtype, double m, double n, double k) const = 0;
  // Achieved fraction of the dense peak for a mixture of experts' grouped GEMM: `groups` (m x k) . (k x n) products in
  // one launch, one per expert its tokens touch (one or more), `m` the routed token rows of each (a weight gradient's
  // tokens are its reduced dimension: callers pass them as `m`). On GPUs each expert's rows fill whole token tiles
  // (expert_tile_fill), elsewhere they waste tiles as gemm()'s thin rows do; the other dimensions as gemm()'s, and the
  // size ramp applies once, to the launch's work (the groups' tiles share the SMs).
  [[nodiscard]] virtual double grouped_gemm(const Device& device, DType dtype, double groups, double m, double n,
                                            double k) const = 0;
  // Share of gemm()'s throughput a low-precision (FP8) matrix product keeps when it promotes partial sums to FP32
  // at short intervals instead of accumulating in the tensor cores' reduced-precision accumulator ("split" or "2x"
  // accumulation, which Transformer Engine uses for the backward dgrad and wgrad products); 1 for other types.
  [[nodiscard]] virtual double split_accumulation(const Device& device, DType dtype) const = 0;
  // Share of grouped_gemm()'s throughput a serving engine's mixture-of-experts layer keeps for its routed experts'
  // products (TensorRT-LLM's MoE plugin, vLLM's fused_moe), beside the routing passes priced as memory traffic; 1
  // where the engine's experts run as its dense products do.
  [[nodiscard]] virtual double serving_expert_share(const Device& device) const = 0;
  // Achieved fraction of the dense peak for fused (flash) attention, forward or backward.
  [[nodiscard]] virtual double fused_attention(const Device& device, DType dtype, bool backward) const = 0;
  // Share of fused_attention()'s throughput that `kernel` keeps on `device` (1 for native kernels).
  [[nodiscard]] virtual double attention_kernel_share(const Device& device, AttentionKernel kernel) const = 0;
  // Achieved fraction of the device-memory bandwidth for a transfer of `bytes`.
  [[nodiscard]] virtual double memory(const Device& device, Bytes bytes) const = 0;
  // Achieved fraction of a link's bandwidth in collectives.
  [[nodiscard]] virtual double link(const Device& device, bool scale_out) const = 0;
  // Sharpness p of the roofline's corner for `device` (sim/perf/roofline.hpp op_time): infinity = max(compute,
  // memory); 2 = the rounded corner.
  [[nodiscard]] virtual double roofline_corner(const Device& device) const = 0;
  // Fixed cost of one kernel launch (GPU) or parallel-region fork/join (CPU).
  [[nodiscard]] virtual Seconds launch_overhead(const Device& device) const = 0;
  // Latency of one step of a collective (one hop) inside a node or across nodes.
  [[nodiscard]] virtual Seconds link_latency(const Device& device, bool scale_out) const = 0;
  // "default" or the calibration profile's name.
  [[nodiscard]] virtual std::string source() const = 0;
  // What the figures for `device` come from: a model holding profiles for some chips only says "default" for the
  // others.
  [[nodiscard]] virtual std::string source_for(const Device& /*device*/) const { return source(); }
};

// Documented defaults (sim/perf/efficiency.cpp lists each figure and where it comes from).
class DefaultEfficiency final : public EfficiencyModel {
 public:
  [[nodiscard]] double compute(const Device& device, DType dtype, Flop flops) const override;
  [[nodiscard]] double gemm(const Device& device, DType dtype, double m, double n, double k) const override;
  [[nodiscard]] double grouped_gemm(const Device& device, DType dtype, double groups, double m, double n,
                                    double k) const override;
  [[nodiscard]] double split_accumulation(const Device& device, DType dtype) const override;
  [[nodiscard]] double serving_expert_share(const Device& device) const override;
  [[nodiscard]] double fused_attention(const Device& device, DType dtype, bool backward) const override;
  [[nodiscard]] double attention_kernel_share(const Device& device, AttentionKernel kernel) const override;
  [[nodiscard]] double memory(const Device& device, Bytes bytes) const override;
  [[nodiscard]] double link(const Device& device, bool scale_out) const override;
  [[nodiscard]] double roofline_corner(const Device& device) const override;
  [[nodiscard]] Seconds launch_overhead(const Device& device) const override;
  [[nodiscard]] Seconds link_latency(const Device& device, bool scale_out) const override;
  [[nodiscard]] std::string source() const override { return "default"; }

  // The large-operation ceiling of compute(), before the size ramp: by device kind (the Ampere-generation figures
  // for GPUs), and for a device (its tensor-core generation's figures, at its own power limit: tdp_clock_share).
  [[nodiscard]] static double compute_ceiling(DeviceKind kind, DType dtype);
  [[nodiscard]] static double compute_ceiling(const Device& device, DType dtype);

 private:
  // The tensor-core generation's figures, as measured on its reference part (compute_ceiling without the power limit).
  [[nodiscard]] static double generation_ceiling(const Device& device, DType dtype);
  // gemm() and grouped_gemm(): `routed` says the rows are a routed-expert launch's (expert_tile_fill on GPUs).
  [[nodiscard]] double product_share(const Device& device, DType dtype, double groups, double m, double n, double k,
                                     bool routed) const;
};

// How much faster fused attention runs with FP8 inputs than with 16-bit ones on `device` (Transformer Engine's FP8
// dot-product attention, cuDNN's FP8 SDPA), forward or backward, with heads of `head_dim` (narrow heads gain less
// where measured); 1 where no measurement is at hand.
double fp8_fused_attention_speedup(const Device& device, bool backward, double head_dim);

// The share of a per-tensor-scaled FP8 GEMM's rate that the same GEMM keeps with MXFP8 inputs (an E8M0 scale per 32
// elements) on `device`: measured on Blackwell Ultra, taken for Blackwell too; 1 elsewhere (where MXFP8 is not priced:
// sim/train/training.hpp recipe_misfit).
double mxfp8_gemm_share(const Device& device);

// Whether cuDNN's FP8 attention backward on `device` computes a sliding-window layer's every causal key block rather
// than the window's (measured on Blackwell and Blackwell Ultra; sim/train/layer_cost.cpp attention_core applies it).
bool fp8_window_backward_unskipped(const Device& device);

// The share of fused attention's throughput (as fused_attention gives it, measured at head dim 128) that a native
// kernel keeps with heads of `head_dim` on `device`, forward or backward: below 128 each score carries fewer FLOPs
// beside the same softmax work. Measured on Hopper, Blackwell and Blackwell Ultra; 1 on other generations, on CPUs and
// at 128 and above.
double head_dim_attention_share(const Device& device, double head_dim, bool backward);

// How much faster fused attention runs on a Blackwell Ultra part than its tensor rate alone gives (its doubled
// exponential rate for softmax), forward or backward; 1 on every other generation. DefaultEfficiency::fused_attention
// applies it.
double blackwell_ultra_attention_speedup(const Device& device, bool backward);

// How a fused-attention query tile's keys are masked: none (an encoder), causal (a partly masked block on the
// diagonal), or a causal sliding window (a partly masked block at each end).
enum class AttentionMask { none, causal, window };

// The share of a fused-attention kernel's asymptotic rate (a query tile over many key blocks) that it reaches when
// each query attends `keys` counted keys on average under `mask`, forward or backward, with `launches` kernels (the
// steps of a context-parallel ring) each paying a tile's fixed work. Measured on Hopper, Blackwell and Blackwell
// Ultra (cuDNN); 1 on other generations and CPUs.
double attention_tile_occupancy(const Device& device, double keys, AttentionMask mask, bool backward,
                                double launches = 1.0);
// One kind of a pass's attention layers: how many, the counted keys per query of each, their mask, and the kernels
// each query tile runs in (a context-parallel ring's steps).
struct AttentionLayerKind {
  double layers;
  double keys;
  AttentionMask mask;
  double launches = 1.0;
};

// Token rows one tile of a routed-expert grouped GEMM spans on a GPU (expert_tile_fill).
inline constexpr double kExpertTileRows = 128.0;

// Share of a grouped GEMM's token-tile rows that hold tokens when each group (an expert the launch's tokens touch)
// rounds its rows up to whole tiles of kExpertTileRows: the groups' counts are those of tokens routed uniformly at
// random (Poisson, none empty) with mean `rows_per_group`. 1 / 128 at one row, about 1 at many tiles' worth.
double expert_tile_fill(double rows_per_group);

// The rate of a pass's attention layers against that of its full layers (kinds[0]), as attention_tile_occupancy
// gives both: each kind's FLOPs (layers x keys) take their own occupancy's time. fused_attention() prices full layers
// at the lengths runs use; this prices other kinds (sliding windows) against them.
double occupancy_against_full_layers(const Device& device, std::span<const AttentionLayerKind> kinds, bool backward);

}  // namespace hwsim
