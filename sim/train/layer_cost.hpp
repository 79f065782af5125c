// The cost of one transformer layer and of the logits on one device for one micro-batch (forward, backward and what
// recomputation repeats), from the roofline and the efficiency model: the parts of sim/train/training.cpp's step that
// do not depend on how the step is scheduled. Internal to sim/train.
#pragma once

#include <algorithm>
#include <tuple>

#include "sim/perf/roofline.hpp"
#include "sim/train/training.hpp"

namespace hwsim::train_detail {

// Adam step traffic per parameter: read fp32 weight, gradient, m, v (16 B), write weight, m, v (12 B) and the
// 16-bit copy (2 B).
constexpr double kOptimizerStepBytes = 30.0;
// Activations are stored and moved in 16 bits (also in FP8 training, where only GEMM inputs are cast).
constexpr double kActivationBytes = 2.0;
// Bytes moved per attention-score element without fused attention (2-byte scores): the QK^T product writes them
// (2), scale-mask-softmax reads and writes (4), dropout reads, writes and stores a mask (5), the AV product reads
// them (2); the backward pass moves ~16 (estimates from the kernels Megatron-LM 2021 runs).
constexpr double kScoreBytesForward = 13.0;
constexpr double kScoreBytesBackward = 16.0;
// Streaming multiprocessors a Transformer Engine userbuffers overlap of the "pipeline" and "bulk" kinds gives its
// communication kernels, taken from the GEMM it overlaps (set_sm_margin); the "ring_exchange" kind moves data with the
// copy engines and leaves the GEMM every SM (transformer_engine/pytorch/module/base.py initialize_ub,
// get_default_config: num_sm 16 and set_sm_margin for pipeline and bulk, num_sm 1 and use_ce for ring_exchange).
constexpr double kUserbufferSms = 16.0;
// The backward launches ~1.7x as many kernels per layer as the forward (kKernelsPerLayer): estimate from Megatron-LM
// traces.
constexpr double kKernelsBackwardFactor = 1.7;

// Costs of operations, split by which bound dominates each (op_time in sim/perf/roofline.hpp).
struct Cost {
  Seconds compute;  // time of compute-bound operations
  Seconds memory;   // time of memory-bound operations
  Flop flops;       // executed FLOPs

  void add(Seconds flop_time, Seconds byte_time, Flop f, double corner) {
    const Seconds t = op_time(flop_time, byte_time, corner);
    if (flop_time >= byte_time)
      compute += t;
    else
      memory += t;
    flops += f;
  }
  [[nodiscard]] Seconds time() const { return compute + memory; }
  Cost& operator+=(const Cost& o) {
    compute += o.compute;
    memory += o.memory;
    flops += o.flops;
    return *this;
  }
};

inline Cost scaled(Cost c, double k) { return {c.compute * k, c.memory * k, c.flops * k}; }

struct Context {
  const TrainingConfig& c;
  const System& sys;
  const EfficiencyModel& eff;
  const Device& dev;
  FlopPerSecond gemm_peak;       // of the training dtype
  FlopPerSecond attention_peak;  // 16-bit attention (quantized_gemms; fp8_attention scales its rate, layer_cost.cpp)
  DType gemm_dtype;
  DType attention_dtype;
  double corner = eff.roofline_corner(dev);  // op_time's corner (sim/perf/roofline.hpp)
  // The share of the training format's GEMM rate its recipe keeps: MXFP8's block-scaled GEMMs (mxfp8_gemm_share).
  double recipe_share = c.dtype == DType::fp8 && c.fp8_recipe == Fp8Recipe::mxfp8 ? mxfp8_gemm_share(dev) : 1.0;

  [[nodiscard]] Seconds bytes_time(double bytes) const {
    if (bytes <= 0) return Seconds(0);
    return Bytes(bytes) / (dev.memory_bandwidth * eff.memory(dev, Bytes(bytes)));
  }
  // A 16-bit GEMM of (m x k) . (k x n), `count` of them (batched): attention cores and the logits, which stay in 16
  // bits in FP8 training (Transformer Engine casts the transformer layers' linear layers only; Megatron's output
  // layer is a plain ColumnParallelLinear).
  void gemm16(Cost& cost, double m, double n, double k, double count = 1.0) const {
    product(cost, attention_dtype, attention_peak, m, n, k, count, 1.0, kActivationBytes);
  }
  // A linear layer y = x . W with x (m x k) and W (k x n), in the training dtype: the forward product, and the
  // backward's dgrad (m x n) . (n x k) and wgrad (k x m) . (m x n), whose k x n result is added to the fp32 weight
  // gradient (kWeightGradientBytes). FP8 backward products use split accumulation; a quantized format's inputs are
  // cast once per product side, x in the forward and the output gradient in the backward, moving what the recipe and
  // the chip need (cast_inputs: training.hpp quantize_bytes_per_element).
  // `forward_chunks` / `dgrad_chunks` > 1: the product runs as that many GEMMs of m / chunks rows, each re-reading
  // the weights (tensor-parallel overlap, see layer_cost).
  // `forward_share` / `backward_share`: the share of the SMs the forward product / the backward's products keep beside
  // a userbuffers overlap (userbuffer_share).
  void linear(Cost& forward, Cost& backward, double m, double n, double k, double forward_chunks = 1.0,
              double dgrad_chunks = 1.0, double forward_share = 1.0, double backward_share = 1.0) const {
    linear_forward(forward, m, n, k, forward_chunks, forward_share);
    const double split = eff.split_accumulation(dev, gemm_dtype) * backward_share;
    product(backward, gemm_dtype, gemm_peak, m / dgrad_chunks, k, n, dgrad_chunks, split, output_bytes());
    // The wgrad result is added into the main-gradient buffer (read + write an element of it; Megatron-LM/NeMo
    // gradient_accumulation_fusion, NeMo conf "gradient_accumulation_fusion: True"). A frozen (LoRA base) weight
    // has no gradient.
    if (c.lora_rank <= 0) product(backward, gemm_dtype, gemm_peak, k, n, m, 1.0, split, 2.0 * gradient_buffer_bytes(c));
    cast_inputs(backward, m * n);
  }
  // A grouped linear layer (an MoE layer's routed experts): `groups` products of (m x k) . (k x n) in one launch, m
  // the tokens routed to each expert, forward and backward as linear()'s, priced by grouped_gemm (the weight
  // gradient's tokens are its reduced dimension); `count` launches' work (fewer than one: the share of layers that are
  // MoE layers, the layer cost being an average layer's).
  void grouped_linear(Cost& forward, Cost& backward, double groups, double count, double m, double n, double k) const {
    const double work = groups * count;
    product(forward, gemm_dtype, gemm_peak, m, n, k, work, 1.0, output_bytes(), Routed::rows, groups);
    const double split = eff.split_accumulation(dev, gemm_dtype);
    product(backward, gemm_dtype, gemm_peak, m, k, n, work, split, output_bytes(), Routed::rows, groups);
    if (c.lora_rank <= 0) {
      product(backward, gemm_dtype, gemm_peak, k, n, m, work, split, 2.0 * gradient_buffer_bytes(c), Routed::reduced,
              groups);
    }
    cast_inputs(forward, m * k * work);
    cast_inputs(backward, m * n * work);
  }
  // A LoRA adapter beside a frozen product of x (m x k) by (k x n): x . A (k x r), then . B (r x n), both trained, in
  // 16 bits.
  void adapter(Cost& forward, Cost& backward, double m, double n, double k) const {
    const double r = c.lora_rank;
    for (const auto& [rows, cols, inner] : {std::tuple{m, r, k}, std::tuple{m, n, r}}) {
      gemm16(forward, rows, cols, inner);
      gemm16(backward, rows, inner, cols);  // input gradient
      gemm16(backward, inner, cols, rows);  // weight gradient
    }
  }
  // The forward product of linear() alone (what recomputation repeats), with its FP8 input cast.
  void linear_forward(Cost& forward, double m, double n, double k, double chunks = 1.0, double share = 1.0) const {
    product(forward, gemm_dtype, gemm_peak, m / chunks, n, k, chunks, share, output_bytes());
    cast_inputs(forward, m * k);
  }
  // The share of the SMs a GEMM keeps while a userbuffers overlap of the pipeline or bulk kind runs beside it (TP
  // overlap on a GPU; 1 otherwise).
  [[nodiscard]] double userbuffer_share() const {
    if (!c.tp_overlap || c.parallelism.tp <= 1 || dev.sms <= kUserbufferSms) return 1.0;
    return (dev.sms - kUserbufferSms) / dev.sms;
  }
  void elementwise(Cost& cost, double bytes) const { cost.add(Seconds(0), bytes_time(bytes), Flop(0), corner); }
  // A quantized GEMM format's cast of `elements` inputs (nothing in 16 bits), as the recipe moves them
  // (training.hpp quantize_bytes_per_element).
  void cast_inputs(Cost& cost, double elements) const {
    if (quantized_gemms(gemm_dtype)) elementwise(cost, quantize_bytes_per_element(c, dev) * elements);
  }

 private:
  [[nodiscard]] double output_bytes() const { return std::max(kActivationBytes, dtype_bytes(gemm_dtype)); }
  // Inputs move in the product's own format (1 B for FP8), the m x n result `out_bytes` per element. `share`
  // scales the efficiency (split accumulation, SMs left beside a userbuffers overlap).
  // `routed`: the products are `groups` experts' of one routed-expert launch (grouped_gemm), their tokens the rows or
  // the reduced dimension.
  enum class Routed { no, rows, reduced };
  void product(Cost& cost, DType dtype, FlopPerSecond peak, double m, double n, double k, double count, double share,
               double out_bytes, Routed routed = Routed::no, double groups = 1.0) const {
    const double flops = 2.0 * m * n * k * count;
    const double bytes = (dtype_bytes(dtype) * (m * k + k * n) + out_bytes * m * n) * count;
    double e = 0;
    if (routed == Routed::no) e = eff.gemm(dev, dtype, m, n, k);
    if (routed == Routed::rows) e = eff.grouped_gemm(dev, dtype, groups, m, n, k);
    if (routed == Routed::reduced) e = eff.grouped_gemm(dev, dtype, groups, k, n, m);
    e *= share * (dtype == gemm_dtype ? recipe_share : 1.0);
    cost.add(Flop(flops) / (peak * e), bytes_time(bytes), Flop(flops), corner);
  }
};

struct LayerCost {
  Cost forward;
  Cost backward;
  Cost attention_forward;  // the attention core alone (what selective recompute repeats)
  Cost op_recompute;       // what op-level checkpointing repeats: every second product and the element-wise work
  double kernels_forward = 0;
};

// One transformer layer on one device for one micro-batch.
LayerCost layer_cost(const Context& x);
// Embedding (first stage) and logits with the loss (last stage), one micro-batch: the last stage's extra work.
Cost logits_cost(const Context& x);

}  // namespace hwsim::train_detail
