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
// Communication hidden under compute still slows it: NCCL kernels occupy 8-32 of the SMs and share HBM bandwidth.
// Each second of overlapped collective adds this many seconds of compute (estimate: ~20% of an A100/H100's SMs).
constexpr double kOverlapContention = 0.2;
// Kernels per layer (forward; the backward launches ~1.7x as many): estimates from Megatron-LM traces.
constexpr double kKernelsForward = 12.0;
constexpr double kKernelsBackwardFactor = 1.7;

// Time of one operation: max(compute, memory) (the roofline), split by which bound it is.
struct Cost {
  Seconds compute;  // time of compute-bound operations
  Seconds memory;   // time of memory-bound operations
  Flop flops;       // executed FLOPs

  void add(Seconds flop_time, Seconds byte_time, Flop f) {
    if (flop_time >= byte_time) compute += flop_time; else memory += byte_time;
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

Cost scaled(Cost c, double k) { return {c.compute * k, c.memory * k, c.flops * k}; }

struct Context {
  const TrainingConfig& c;
  const System& sys;
  const EfficiencyModel& eff;
  const Device& dev;
  FlopPerSecond gemm_peak;       // of the training dtype
  FlopPerSecond attention_peak;  // 16-bit attention (FP8 training keeps attention in 16 bits)
  DType gemm_dtype;
  DType attention_dtype;

  [[nodiscard]] Seconds bytes_time(double bytes) const {
    if (bytes <= 0) return Seconds(0);
    return Bytes(bytes) / (dev.memory_bandwidth * eff.memory(dev, Bytes(bytes)));
  }
  // A GEMM of (m x k) . (k x n), `count` of them (batched), forward or one of the two backward products.
  void gemm(Cost& cost, double m, double n, double k, double count = 1.0) const {
    const double flops = 2.0 * m * n * k * count;
    const double bytes = kActivationBytes * (m * k + k * n + m * n) * count;
    const double e = eff.gemm(dev, gemm_dtype, m, n, k);
    cost.add(Flop(flops) / (gemm_peak * e), bytes_time(bytes), Flop(flops));
    // FP8 GEMMs first cast their 16-bit input (read 2 B, write 1 B per element): a memory-bound kernel.
    if (gemm_dtype == DType::fp8) elementwise(cost, 3.0 * m * k * count);
  }
  void elementwise(Cost& cost, double bytes) const { cost.add(Seconds(0), bytes_time(bytes), Flop(0)); }
};

struct LayerCost {
  Cost forward;
  Cost backward;
  Cost attention_forward;  // the attention core alone (what selective recompute repeats)
  double kernels_forward = 0;
};

// One transformer layer on one device for one micro-batch.
LayerCost layer_cost(const Context& x) {
  const TrainingConfig& c = x.c;
  const ModelSpec& m = c.model;
  const Parallelism& par = c.parallelism;
  const double t = par.tp;
  const double b = c.micro_batch;
  const double s = static_cast<double>(c.seq_len) / par.cp;  // local tokens per sequence
  const double context = c.seq_len;                          // keys each query attends to (ring attention with CP)
  const double tokens = b * s;
  const double h = m.hidden;
  const double kv = m.kv_dim();
  const double f = m.ffn_hidden * static_cast<double>(m.experts_per_token);
  const double up = m.gated_mlp ? 2.0 * f : f;
  const double heads = m.heads / t;
  const double hd = m.head_dim();
  const double replicated = c.sequence_parallel ? 1.0 / t : 1.0;  // share of h-wide element-wise work per rank

  LayerCost L;
  // Matrix products (forward); the backward runs each as two products of the same size.
  Cost gemms;
  x.gemm(gemms, tokens, (h + 2.0 * kv) / t, h);  // QKV
  x.gemm(gemms, tokens, h, h / t);               // attention output projection
  x.gemm(gemms, tokens, up / t, h);              // MLP up (and gate)
  x.gemm(gemms, tokens, h, f / t);               // MLP down
  L.forward += gemms;
  L.backward += scaled(gemms, 2.0);

  // Attention core: QK^T and AV over the context.
  Cost attn_fwd;
  Cost attn_bwd;
  const double full_flops = 4.0 * tokens * context * heads * hd;
  if (c.flash_attention) {
    // Fused kernels skip masked blocks (causal: about half) and keep scores on chip; the backward recomputes
    // QK^T (2.5x the forward's FLOPs).
    const double executed = m.architecture == Architecture::decoder ? 0.5 * full_flops : full_flops;
    const double io = kActivationBytes * tokens * (2.0 * h + 2.0 * kv) / t;
    attn_fwd.add(Flop(executed) / (x.attention_peak * x.eff.fused_attention(x.dev, x.attention_dtype, false)),
                 x.bytes_time(io), Flop(executed));
    attn_bwd.add(Flop(2.5 * executed) / (x.attention_peak * x.eff.fused_attention(x.dev, x.attention_dtype, true)),
                 x.bytes_time(2.0 * io), Flop(2.5 * executed));
  } else {
    // Batched GEMMs with the head dimension as a thin side, and the score matrix through memory.
    Cost core;
    x.gemm(core, s, context, hd, b * heads);  // QK^T
    x.gemm(core, s, hd, context, b * heads);  // AV
    attn_fwd += core;
    attn_bwd += scaled(core, 2.0);
    const double scores = b * heads * s * context;
    x.elementwise(attn_fwd, kScoreBytesForward * scores);
    x.elementwise(attn_bwd, kScoreBytesBackward * scores);
  }
  L.attention_forward = attn_fwd;
  L.forward += attn_fwd;
  L.backward += attn_bwd;

  // Element-wise work: two norms, two dropout + residual adds (h wide), the MLP activation (f wide); the backward
  // moves about twice the bytes.
  const double h_wide = tokens * h * kActivationBytes * replicated * (2.0 + 2.0 + 4.0 + 4.0);
  const double f_wide = tokens * kActivationBytes * (up + f) / t;
  Cost elementwise;
  x.elementwise(elementwise, h_wide + f_wide);
  L.forward += elementwise;
  L.backward += scaled(elementwise, 2.0);

  L.kernels_forward = kKernelsForward + (c.flash_attention ? 0.0 : 4.0);
  return L;
}

// Embedding (first stage) and logits with the loss (last stage), one micro-batch: the last stage's extra work.
Cost logits_cost(const Context& x) {
  const TrainingConfig& c = x.c;
  const double tokens = c.micro_batch * static_cast<double>(c.seq_len) / c.parallelism.cp;
  const double vocab = static_cast<double>(c.model.vocab) / c.parallelism.tp;
  Cost fwd;
  x.gemm(fwd, tokens, vocab, c.model.hidden);
  // Cross-entropy on fp32 logits: write, softmax read/write, gradient write.
  x.elementwise(fwd, tokens * vocab * 4.0 * 4.0);
  Cost total = fwd;
  Cost bwd;
  x.gemm(bwd, tokens, vocab, c.model.hidden);
  total += scaled(bwd, 2.0);
  return total;
}

struct Links {
  LinkPath tp;
  LinkPath dp;
  LinkPath pp;
  bool dp_scale_out = false;
};

LinkPath path_for(const System& sys, const EfficiencyModel& eff, bool scale_out) {
  const BytesPerSecond bw = scale_out ? sys.device.scale_out_bandwidth : sys.device.scale_up_bandwidth;
  return {bw, eff.link_latency(sys.device, scale_out), eff.link(sys.device, scale_out)};
}

// Ranks are laid out tp (innermost), cp, dp, pp (outermost), as Megatron-LM does.
Links links_for(const TrainingConfig& c, const System& sys, const EfficiencyModel& eff) {
  const Parallelism& p = c.parallelism;
  const int per_node = sys.devices_per_node();
  Links l;
  l.tp = path_for(sys, eff, p.tp > per_node);
  l.dp_scale_out = static_cast<long long>(p.tp) * p.cp * p.dp > per_node;
  l.dp = path_for(sys, eff, l.dp_scale_out);
  l.pp = path_for(sys, eff, sys.nodes > 1 && static_cast<long long>(p.tp) * p.cp * p.dp >= per_node);
  return l;
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
  // in Large Transformer Models", sec. 4): attention 11sbh + 5as^2b, MLP 19sbh, norms 4sbh for a 4h MLP; here
  // generalised to GQA (K and V at kv_dim) and any MLP width (input 2, up output 2 x up, activation 2 x f, mask 1).
  const double s = static_cast<double>(c.seq_len) / par.cp;
  const double b = c.micro_batch;
  const double h = m.hidden;
  const double kv = m.kv_dim();
  const double f = m.ffn_hidden * static_cast<double>(m.experts_per_token);
  const double up = m.gated_mlp ? 2.0 * f : f;
  const double t = par.tp;
  const bool scores_stored = !c.flash_attention && c.recompute == Recompute::none;
  const double scores = scores_stored ? 5.0 * m.heads * s : 0.0;  // x sb: softmax output, dropout output and mask
  // Shared (not split by TP without SP): norm inputs 4h, attention and MLP inputs 2h + 2h, dropout masks h + h.
  // FP8 training (Transformer Engine) keeps GEMM inputs in 1 byte: the two normalised inputs, the attention output
  // and the MLP activation.
  const double gemm_input = c.dtype == DType::fp8 ? 1.0 : 2.0;
  const double shared = 6.0 * h + 2.0 * gemm_input * h;
  // Split by TP: Q, K, V (2h + 2kv + 2kv), attention-output input, MLP up output 2 x up, activation output.
  const double split = 2.0 * h + 4.0 * kv + gemm_input * h + 2.0 * up + gemm_input * f + scores;
  double per_layer = 0;
  if (c.recompute == Recompute::full) {
    per_layer = 2.0 * s * b * h / (c.sequence_parallel ? t : 1.0);
  } else if (c.sequence_parallel) {
    per_layer = s * b * (shared + split) / t;
  } else {
    per_layer = s * b * (shared + split / t);
  }
  // 1F1B: the first stage holds `pp` micro-batches of L/pp layers; interleaving adds (pp - 1) / (pp x vp) of that.
  const double micro_batches = static_cast<double>(c.global_batch) / (par.dp * c.micro_batch);
  const double in_flight = std::min<double>(par.pp, std::max(1.0, micro_batches));
  const double interleave = par.vp > 1 ? 1.0 + (par.pp - 1.0) / (par.pp * par.vp) : 1.0;
  double activations = per_layer * (static_cast<double>(m.layers) / par.pp) * in_flight * interleave;
  // Logits of the last stage in fp32 (and their gradient) for one micro-batch.
  activations += 2.0 * s * b * (static_cast<double>(m.vocab) / t) * 4.0;
  mem.activations = Bytes(activations);
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
  const DType attention_dtype = c.dtype == DType::fp8 ? DType::bf16 : c.dtype;
  const FlopPerSecond attention_peak = dev.peak_of(attention_dtype).value_or(*peak);

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

  const Context x{c, sys, eff, dev, *peak, attention_peak, c.dtype, attention_dtype};
  const Links links = links_for(c, sys, eff);
  const double micro_batches = std::max(1.0, static_cast<double>(c.global_batch) / (par.dp * c.micro_batch));
  const double layers_per_stage = static_cast<double>(m.layers) / par.pp;
  const double devices = static_cast<double>(par.tp) * par.pp * par.cp * par.dp;
  const double s_local = static_cast<double>(c.seq_len) / par.cp;

  // One micro-batch through one pipeline stage (the last one, which also computes the logits).
  const LayerCost layer = layer_cost(x);
  const Cost logits = logits_cost(x);
  Cost stage = scaled(layer.forward, layers_per_stage);
  stage += scaled(layer.backward, layers_per_stage);
  stage += logits;
  const Seconds launches =
      eff.launch_overhead(dev) * (layers_per_stage * layer.kernels_forward * (1.0 + kKernelsBackwardFactor));

  Cost recompute;
  if (c.recompute == Recompute::full) recompute = scaled(layer.forward, layers_per_stage);
  if (c.recompute == Recompute::selective && !c.flash_attention) {
    recompute = scaled(layer.attention_forward, layers_per_stage);
  }

  // Tensor parallel: 2 collectives forward and 2 backward per layer (all-reduces, or all-gather + reduce-scatter
  // pairs with SP: the same bytes), 2 more when the forward is recomputed.
  Seconds tp_time(0);
  if (par.tp > 1) {
    const Bytes activation(c.micro_batch * s_local * m.hidden * kActivationBytes);
    const double collectives = (c.recompute == Recompute::full ? 6.0 : 4.0) * layers_per_stage;
    tp_time = ring_all_reduce(activation, par.tp, links.tp) * collectives;
  }
  // Context parallel: K and V blocks travel around the CP ring, overlapped with the attention they feed.
  Seconds cp_time(0);
  if (par.cp > 1) {
    const Bytes kv_block(2.0 * c.micro_batch * s_local * m.kv_dim() * kActivationBytes / par.tp);
    const Seconds ring = point_to_point(kv_block, links.tp) * (3.0 * (par.cp - 1));  // forward + 2x backward
    const Seconds attention = layer.attention_forward.time() * 3.0;
    cp_time = Seconds(std::max(0.0, (ring - attention).value())) * layers_per_stage;
  }
  // Pipeline: per micro-batch and model chunk, an activation forward and a gradient backward across each stage
  // boundary (divided by TP when sequence parallel scatters them).
  Seconds pp_time(0);
  if (par.pp > 1) {
    const Bytes activation(c.micro_batch * s_local * m.hidden * kActivationBytes / (c.sequence_parallel ? par.tp : 1));
    pp_time = point_to_point(activation, links.pp) * (2.0 * par.vp);
  }

  // Overlapped collectives cost only what the compute they hide under cannot cover, plus contention.
  Seconds contention(0);
  const auto expose = [&](Seconds comm, Seconds cover) {
    const Seconds hidden(std::min(comm.value(), cover.value()));
    contention += hidden * kOverlapContention;
    return comm - hidden;
  };
  const Seconds gemm_time = (layer.forward.compute + layer.backward.compute) * layers_per_stage;
  const Seconds tp_exposed = c.tp_overlap ? expose(tp_time, gemm_time) : tp_time;
  const Seconds pp_exposed = c.pp_overlap ? expose(pp_time, stage.time()) : pp_time;

  // Data parallel. ZeRO-3 gathers weights for forward and backward and reduce-scatters gradients every
  // micro-batch (prefetched under that micro-batch's compute when overlap is on); otherwise one gradient
  // reduction per step (ZeRO 1-2: reduce-scatter of gradients + all-gather of 16-bit weights), hidden under the
  // last micro-batch's backward and the next step's first forward when overlap is on.
  const double params = m.parameters() / (par.tp * par.pp);
  const double grad_bytes = dtype_bytes(c.grad_reduce_dtype);
  Seconds dp_exposed(0);
  Seconds dp_per_micro_batch(0);
  if (par.dp > 1) {
    if (par.zero >= 3) {
      const Seconds per_mb = ring_all_gather(Bytes(params * weight_bytes(c.dtype)), par.dp, links.dp) * 2.0 +
                             ring_all_gather(Bytes(params * grad_bytes), par.dp, links.dp);
      dp_per_micro_batch = c.dp_overlap ? expose(per_mb, stage.time()) : per_mb;
    } else {
      const Seconds backward = scaled(layer.backward, layers_per_stage).time();
      const Seconds forward = scaled(layer.forward, layers_per_stage).time();
      if (par.zero >= 1) {
        const Seconds reduce = ring_all_gather(Bytes(params * grad_bytes), par.dp, links.dp);
        const Seconds gather = ring_all_gather(Bytes(params * weight_bytes(c.dtype)), par.dp, links.dp);
        dp_exposed = c.dp_overlap ? expose(reduce, backward) + expose(gather, forward) : reduce + gather;
      } else {
        const Seconds reduce = ring_all_reduce(Bytes(params * grad_bytes), par.dp, links.dp);
        dp_exposed = c.dp_overlap ? expose(reduce, backward) : reduce;
      }
    }
  }
  const Seconds per_micro_batch = stage.time() + recompute.time() + launches + tp_exposed + cp_time + pp_exposed +
                                  dp_per_micro_batch + contention / micro_batches;
  const Seconds pipeline = per_micro_batch * micro_batches;
  const Seconds bubble = per_micro_batch * (static_cast<double>(par.pp - 1) / par.vp);
  const Seconds optimizer = x.bytes_time(params / (par.zero >= 1 ? par.dp : 1.0) * kOptimizerStepBytes);

  const Seconds tp_total = (tp_exposed + cp_time + pp_exposed + dp_per_micro_batch) * micro_batches;
  const Seconds communication = tp_total + dp_exposed;
  const Seconds compute = (stage.time() + launches) * micro_batches + contention + optimizer;
  const Seconds recompute_total = recompute.time() * micro_batches;
  r.step_time = pipeline + bubble + dp_exposed + optimizer;
  r.breakdown = {compute, (stage.memory + recompute.memory) * micro_batches + optimizer, communication, bubble,
                 recompute_total};

  const double tokens = static_cast<double>(c.global_batch) * c.seq_len;
  const double model_flops = m.training_flops_per_token(c.seq_len) * tokens;
  // Hardware FLOPs (Megatron's convention) add the recomputed forward: full = every layer's forward; selective = the
  // attention core's.
  double recomputed = 0;
  const double layer_forward_flops = m.forward_flops_per_token(c.seq_len) - 2.0 * m.vocab * static_cast<double>(m.hidden);
  if (c.recompute == Recompute::full) recomputed = layer_forward_flops * tokens;
  if (c.recompute == Recompute::selective) {
    recomputed = 4.0 * m.layers * static_cast<double>(c.seq_len) * m.heads * m.head_dim() * tokens;
  }
  const double step = r.step_time.value();
  r.tokens_per_s = tokens / step;
  r.achieved_flops_per_device = FlopPerSecond(model_flops / devices / step);
  r.hardware_flops_per_device = FlopPerSecond((model_flops + recomputed) / devices / step);
  r.mfu = r.achieved_flops_per_device.value() / peak->value();
  r.hfu = r.hardware_flops_per_device.value() / peak->value();
  r.compute_busy = std::min(1.0, (stage.compute + recompute.compute + launches).value() * micro_batches / step);
  r.memory_busy = std::min(1.0, ((stage.memory + recompute.memory) * micro_batches).value() / step);
  r.communication_busy = std::min(1.0, communication.value() / step);
  return r;
}

}  // namespace hwsim
