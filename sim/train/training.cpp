#include "sim/train/training.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/perf/collectives.hpp"

namespace hwsim {

namespace {

// Bytes per parameter with Megatron-style mixed precision (Megatron-LM distributed-optimizer docs): 16-bit
// weights, fp32 main gradients, fp32 master weights + Adam m and v (12 bytes). fp32 training keeps 4-byte weights.
double weight_bytes(DType d) { return d == DType::fp32 || d == DType::tf32 || d == DType::fp64 ? 4.0 : 2.0; }
constexpr double kGradientBytes = 4.0;
constexpr double kOptimizerBytes = 12.0;
// Element-wise traffic (norms, residual adds, activation functions, dropout) per token per layer per pass, in
// units of hidden x activation bytes: ~16 reads and writes of an h-wide vector (estimate, first order).
constexpr double kElementwiseVectorsPerLayer = 16.0;
// Kernels per layer per micro-batch over forward and backward (estimate: ~12 per pass, 3 passes).
constexpr double kKernelsPerLayer = 36.0;

LinkPath path_for(const System& sys, const EfficiencyModel& eff, bool scale_out) {
  const BytesPerSecond bw = scale_out ? sys.device.scale_out_bandwidth : sys.device.scale_up_bandwidth;
  return {bw, eff.link_latency(sys.device, scale_out), eff.link(sys.device, scale_out)};
}

}  // namespace

TrainingMemory training_memory(const TrainingConfig& c) {
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  const double params_per_device = m.parameters() / (par.tp * par.pp);
  TrainingMemory mem;
  const double dp = par.dp;
  mem.weights = Bytes(params_per_device * weight_bytes(c.dtype) / (par.zero >= 3 ? dp : 1.0));
  mem.gradients = Bytes(params_per_device * kGradientBytes / (par.zero >= 2 ? dp : 1.0));
  mem.optimizer = Bytes(params_per_device * kOptimizerBytes / (par.zero >= 1 ? dp : 1.0));

  // Activations per layer per micro-batch, 16-bit (Korthikanti et al. 2022, "Reducing Activation Recomputation
  // in Large Transformer Models", eq. 1-5): sbh(34 + 5as/h) without parallelism.
  const double s = static_cast<double>(c.seq_len) / par.cp;
  const double b = c.micro_batch;
  const double h = m.hidden;
  const double a = m.heads;
  const double t = par.tp;
  const double attention_scores = c.recompute == Recompute::none ? 5.0 * a * s / h : 0.0;
  double per_layer = 0;
  if (c.recompute == Recompute::full) {
    per_layer = 2.0 * s * b * h / (c.sequence_parallel ? t : 1.0);
  } else if (c.sequence_parallel) {
    per_layer = s * b * h / t * (34.0 + attention_scores);
  } else {
    per_layer = s * b * h * (10.0 + 24.0 / t + attention_scores / t);
  }
  // 1F1B: the first stage holds activations of `pp` micro-batches of L/pp layers each, i.e. L layers.
  const double micro_batches = static_cast<double>(c.global_batch) / (par.dp * c.micro_batch);
  const double in_flight = std::min<double>(par.pp, std::max(1.0, micro_batches));
  mem.activations = Bytes(per_layer * (static_cast<double>(m.layers) / par.pp) * in_flight);
  return mem;
}

TrainingResult evaluate_training(const TrainingConfig& c, const System& sys, const EfficiencyModel& eff) {
  TrainingResult r;
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  const Device& dev = sys.device;
  const auto peak = dev.peak_of(c.dtype);
  if (!peak) {
    r.fits = false;
    r.message = fmt::format("{} has no {} arithmetic", dev.name, dtype_name(c.dtype));
    return r;
  }

  const TrainingMemory mem = training_memory(c);
  r.memory_per_device = mem.total();
  const double usable = dev.memory_capacity.value() * kUsableMemoryFraction;
  if (mem.total().value() > usable) {
    r.fits = false;
    r.message = fmt::format(
        "does not fit: needs {:.1f} GB per device (weights {:.1f}, gradients {:.1f}, optimizer {:.1f}, activations "
        "{:.1f}), {:.1f} GB usable of {:.1f} GB: short by {:.1f} GB; try more pipeline/tensor parallelism, ZeRO, "
        "or recompute",
        mem.total().value() / 1e9, mem.weights.value() / 1e9, mem.gradients.value() / 1e9,
        mem.optimizer.value() / 1e9, mem.activations.value() / 1e9, usable / 1e9,
        dev.memory_capacity.value() / 1e9, (mem.total().value() - usable) / 1e9);
    return r;
  }

  const double s = c.seq_len;
  const double tokens = static_cast<double>(c.global_batch) * s;
  const double micro_batches = std::max(1.0, static_cast<double>(c.global_batch) / (par.dp * c.micro_batch));
  const double layers_per_stage = static_cast<double>(m.layers) / par.pp;
  const int model_parallel = par.tp * par.pp * par.cp;
  const double devices = static_cast<double>(model_parallel) * par.dp;

  // Matrix work: model FLOPs split evenly over every device.
  const Flop model_flops(m.training_flops_per_token(s) * tokens);
  const Flop flops_per_device = model_flops / devices;
  const Flop representative_gemm(2.0 * c.micro_batch * (s / par.cp) * m.hidden * m.ffn_hidden / par.tp);
  const double compute_eff = eff.compute(dev, c.dtype, representative_gemm);
  const Seconds gemm_time = flops_per_device / (*peak * compute_eff);

  // Element-wise work: memory bound; split over TP ranks only with sequence parallelism.
  const double tokens_per_device = tokens / (par.dp * par.cp);
  const Bytes elementwise(tokens_per_device * layers_per_stage * 3.0 * kElementwiseVectorsPerLayer * m.hidden *
                          2.0 / (c.sequence_parallel ? par.tp : 1.0));
  const Seconds memory_time = elementwise / (dev.memory_bandwidth * eff.memory(dev, elementwise / micro_batches));
  const Seconds launch = eff.launch_overhead(dev) * (micro_batches * layers_per_stage * kKernelsPerLayer);

  // Recomputation: full = one more forward; selective = the attention-score part of the forward.
  Seconds recompute(0);
  const Seconds forward_time = (gemm_time + memory_time) / 3.0;
  if (c.recompute == Recompute::full) {
    recompute = forward_time;
  } else if (c.recompute == Recompute::selective) {
    const double attention_share =
        4.0 * m.layers * s * m.heads * m.head_dim() / m.forward_flops_per_token(s);
    recompute = gemm_time / 3.0 * attention_share;
  }

  // Tensor parallel: 4 all-reduces (or reduce-scatter + all-gather pairs with SP: same volume) per layer per
  // micro-batch, 2 more with full recompute; inside the node when TP fits in it.
  Seconds tp_time(0);
  if (par.tp > 1) {
    const bool out = par.tp > sys.devices_per_node();
    const Bytes activation(c.micro_batch * (s / par.cp) * m.hidden * 2.0);
    const double collectives = (c.recompute == Recompute::full ? 6.0 : 4.0) * layers_per_stage * micro_batches;
    tp_time = ring_all_reduce(activation, par.tp, path_for(sys, eff, out)) * collectives;
  }
  // Pipeline: one activation forward and one gradient backward per micro-batch per stage boundary.
  Seconds pp_time(0);
  if (par.pp > 1) {
    const bool out = sys.nodes > 1;
    const Bytes activation(c.micro_batch * (s / par.cp) * m.hidden * 2.0 / (c.sequence_parallel ? par.tp : 1));
    pp_time = point_to_point(activation, path_for(sys, eff, out)) * (2.0 * micro_batches);
  }
  // Data parallel: fp32 gradient all-reduce (ZeRO >= 1: reduce-scatter of fp32 gradients + all-gather of 16-bit
  // weights), overlapped with the backward pass of the last micro-batch.
  Seconds dp_exposed(0);
  if (par.dp > 1) {
    const bool out = static_cast<long long>(model_parallel) * par.dp > sys.devices_per_node();
    const LinkPath link = path_for(sys, eff, out);
    const double params = m.parameters() / (par.tp * par.pp);
    const Seconds dp_time =
        par.zero >= 1 ? ring_all_gather(Bytes(params * kGradientBytes), par.dp, link) +
                            ring_all_gather(Bytes(params * weight_bytes(c.dtype)), par.dp, link)
                      : ring_all_reduce(Bytes(params * kGradientBytes), par.dp, link);
    const Seconds last_backward = (gemm_time + memory_time) * (2.0 / 3.0) / micro_batches;
    dp_exposed = Seconds(std::max(0.0, (dp_time - last_backward).value()));
  }

  const Seconds compute = gemm_time + memory_time + launch;
  const Seconds per_micro_batch = (compute + recompute + tp_time) / micro_batches;
  const Seconds bubble = per_micro_batch * (static_cast<double>(par.pp - 1) / par.vp);
  const Seconds communication = tp_time + pp_time + dp_exposed;

  r.step_time = compute + recompute + communication + bubble;
  r.breakdown = {compute, memory_time, communication, bubble, recompute};
  r.tokens_per_s = tokens / r.step_time.value();
  r.achieved_flops_per_device = flops_per_device / r.step_time;
  r.mfu = r.achieved_flops_per_device.value() / peak->value();
  const double step = r.step_time.value();
  r.compute_busy = (gemm_time + recompute + launch).value() / step;
  r.memory_busy = memory_time.value() / step;
  r.communication_busy = communication.value() / step;
  return r;
}

}  // namespace hwsim
