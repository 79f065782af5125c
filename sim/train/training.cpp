#include "sim/train/training.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "sim/perf/collectives.hpp"
#include "sim/perf/roofline.hpp"

namespace hwsim {

namespace {

// Adam step traffic per parameter: read fp32 weight, gradient, m, v (16 B), write weight, m, v (12 B) and the
// 16-bit copy (2 B).
constexpr double kOptimizerStepBytes = 30.0;
// Activations are stored and moved in 16 bits (also in FP8 training, where only GEMM inputs are cast).
constexpr double kActivationBytes = 2.0;
// Bytes per element of an FP8 cast-transpose: read 2 B, write 1 B and 1 B transposed (Hopper FP8 GEMMs take only the
// TN layout, so Transformer Engine keeps both orientations: fp8_cast_transpose_fused in transformer_engine/pytorch).
constexpr double kCastTransposeBytes = 4.0;
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
  double corner = eff.roofline_corner(dev);  // op_time's corner (sim/perf/roofline.hpp)

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
  // gradient (kWeightGradientBytes). FP8 backward products use split accumulation; FP8 inputs are cast and
  // transposed once per product side (Transformer Engine's fused cast-transpose: read 2 B, write 1 B and 1 B
  // transposed per element): x in the forward, the output gradient in the backward.
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
    // gradient_accumulation_fusion, NeMo conf "gradient_accumulation_fusion: True").
    product(backward, gemm_dtype, gemm_peak, k, n, m, 1.0, split, 2.0 * gradient_buffer_bytes(c));
    if (gemm_dtype == DType::fp8) elementwise(backward, kCastTransposeBytes * m * n);
  }
  // The forward product of linear() alone (what recomputation repeats), with its FP8 input cast.
  void linear_forward(Cost& forward, double m, double n, double k, double chunks = 1.0, double share = 1.0) const {
    product(forward, gemm_dtype, gemm_peak, m / chunks, n, k, chunks, share, output_bytes());
    if (gemm_dtype == DType::fp8) elementwise(forward, kCastTransposeBytes * m * k);
  }
  // The share of the SMs a GEMM keeps while a userbuffers overlap of the pipeline or bulk kind runs beside it (TP
  // overlap on a GPU; 1 otherwise).
  [[nodiscard]] double userbuffer_share() const {
    if (!c.tp_overlap || c.parallelism.tp <= 1 || dev.sms <= kUserbufferSms) return 1.0;
    return (dev.sms - kUserbufferSms) / dev.sms;
  }
  void elementwise(Cost& cost, double bytes) const { cost.add(Seconds(0), bytes_time(bytes), Flop(0), corner); }

 private:
  [[nodiscard]] double output_bytes() const { return std::max(kActivationBytes, dtype_bytes(gemm_dtype)); }
  // Inputs move in the product's own format (1 B for FP8), the m x n result `out_bytes` per element. `share`
  // scales the efficiency (split accumulation, SMs left beside a userbuffers overlap).
  void product(Cost& cost, DType dtype, FlopPerSecond peak, double m, double n, double k, double count, double share,
               double out_bytes) const {
    const double flops = 2.0 * m * n * k * count;
    const double bytes = (dtype_bytes(dtype) * (m * k + k * n) + out_bytes * m * n) * count;
    const double e = eff.gemm(dev, dtype, m, n, k) * share;
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
  const double f = m.active_mlp_width();
  const double up = m.gated_mlp ? 2.0 * f : f;
  const double heads = m.heads / t;
  const double hd = m.head_dim();
  const double replicated = c.sequence_parallel ? 1.0 / t : 1.0;  // share of h-wide element-wise work per rank

  LayerCost L;
  // Linear layers: forward, and the backward's two products of the same size. Tensor-parallel overlap (Transformer
  // Engine userbuffers) splits the GEMMs that consume an all-gather ("ring_exchange": one GEMM per arriving shard)
  // and those that feed a reduce-scatter ("pipeline": num_splits GEMMs, 4 = tp in the MLPerf GPT-3 configs) into tp
  // chunks: every forward product and the dgrad of the projection and MLP down; the other dgrads and all wgrads run
  // whole ("bulk" overlap) (mlcommons/training_results_v3.1 NVIDIA gpt3 conf/tp_overlap/h100tp4pp8mbs1.yaml;
  // Megatron Bridge CommOverlapConfig: RingExchangeOverlapCfg, PipelineOverlapCfg num_splits, BulkOverlapCfg).
  // The products next to a reduce-scatter overlap ("pipeline": the projection and MLP down forward) and the bulk
  // overlaps (the QKV and MLP up dgrad and wgrad) run on the SMs the overlap leaves them (userbuffer_share); the
  // ring exchanges (the other forward products, the projection and MLP down dgrad) leave every SM to the GEMM.
  const double chunks = c.tp_overlap && par.tp > 1 ? t : 1.0;
  const double sms = x.userbuffer_share();
  x.linear(L.forward, L.backward, tokens, (h + 2.0 * kv) / t, h, chunks, 1.0, 1.0, sms);  // QKV
  x.linear(L.forward, L.backward, tokens, h, h / t, chunks, chunks, sms, 1.0);            // attention projection
  x.linear(L.forward, L.backward, tokens, up / t, h, chunks, 1.0, 1.0, sms);              // MLP up (and gate)
  x.linear(L.forward, L.backward, tokens, h, f / t, chunks, chunks, sms, 1.0);            // MLP down

  // Attention core: QK^T and AV over the context.
  Cost attn_fwd;
  Cost attn_bwd;
  const double full_flops = 4.0 * tokens * context * heads * hd;
  if (c.flash_attention) {
    // Fused kernels skip masked blocks (causal: about half) and keep scores on chip; the backward recomputes
    // QK^T (2.5x the forward's FLOPs).
    const double executed = m.architecture == Architecture::decoder ? 0.5 * full_flops : full_flops;
    const double io = kActivationBytes * tokens * (2.0 * h + 2.0 * kv) / t;
    // The stack's kernel generation: Megatron-Core runs the chip's own (cuDNN); PyTorch and DeepSpeed stacks run
    // Ampere-class kernels (attention_kernel_share).
    const double share = x.eff.attention_kernel_share(
        x.dev, c.stack == Stack::megatron_core ? AttentionKernel::native : AttentionKernel::ampere_class);
    const double forward_eff = x.eff.fused_attention(x.dev, x.attention_dtype, false) * share;
    const double backward_eff = x.eff.fused_attention(x.dev, x.attention_dtype, true) * share;
    attn_fwd.add(Flop(executed) / (x.attention_peak * forward_eff), x.bytes_time(io), Flop(executed), x.corner);
    attn_bwd.add(Flop(2.5 * executed) / (x.attention_peak * backward_eff), x.bytes_time(2.0 * io), Flop(2.5 * executed),
                 x.corner);
  } else {
    // Batched GEMMs with the head dimension as a thin side, and the score matrix through memory.
    Cost core;
    x.gemm16(core, s, context, hd, b * heads);  // QK^T
    x.gemm16(core, s, hd, context, b * heads);  // AV
    attn_fwd += core;
    attn_bwd += scaled(core, 2.0);
    const double scores = b * heads * s * context;
    x.elementwise(attn_fwd, kScoreBytesForward * scores);
    x.elementwise(attn_bwd, kScoreBytesBackward * scores);
  }
  L.attention_forward = attn_fwd;
  L.forward += attn_fwd;
  L.backward += attn_bwd;

  // Element-wise work: two norms (read, write), two residual adds (read 2, write 1; with dropout also a mask and
  // a pass: 4), the MLP activation (f wide); the backward moves about twice the bytes.
  const double residual = c.dropout > 0 ? 4.0 : 3.0;
  const double h_wide = tokens * h * kActivationBytes * replicated * (2.0 + 2.0 + 2.0 * residual);
  const double f_wide = tokens * kActivationBytes * (up + f) / t;
  Cost elementwise;
  x.elementwise(elementwise, h_wide + f_wide);
  L.forward += elementwise;
  L.backward += scaled(elementwise, 2.0);

  // Op-level checkpointing repeats the products it did not keep, whole (no tensor-parallel chunking in torchtitan),
  // and all the element-wise work.
  const LayerProducts products = layer_products(m);
  for (int i = 0; i < products.count; ++i) {
    const LayerProduct& p = products.products[i];
    if (op_checkpoint_recomputes(i))
      x.linear_forward(L.op_recompute, tokens, p.row_parallel ? p.out : p.out / t, p.row_parallel ? p.in / t : p.in);
  }
  L.op_recompute += elementwise;

  L.kernels_forward = kKernelsPerLayer + (c.flash_attention ? 0.0 : 4.0);
  return L;
}

// Embedding (first stage) and logits with the loss (last stage), one micro-batch: the last stage's extra work.
Cost logits_cost(const Context& x) {
  const TrainingConfig& c = x.c;
  const double tokens = c.micro_batch * static_cast<double>(c.seq_len) / c.parallelism.cp;
  const double vocab = static_cast<double>(c.model.vocab) / c.parallelism.tp;
  Cost total;
  x.gemm16(total, tokens, vocab, c.model.hidden);
  // Cross-entropy on fp32 logits: write, softmax read/write, gradient write.
  x.elementwise(total, tokens * vocab * 4.0 * 4.0);
  Cost bwd;
  x.gemm16(bwd, tokens, vocab, c.model.hidden);
  total += scaled(bwd, 2.0);
  return total;
}

struct Links {
  LinkPath tp;
  LinkPath dp;
  LinkPath pp;
  LinkPath ep;
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
  if (l.dp_scale_out) {
    // Gradients reduce over the data-parallel ranks with their context-parallel peers (dp x cp ranks, tp apart):
    // a node holds per_node / tp of each ring (at least one).
    const int ranks_per_node = std::max(1, per_node / std::max(1, p.tp));
    l.dp = ring_across_nodes(path_for(sys, eff, false), l.dp, std::min(ranks_per_node, p.dp * p.cp));
  }
  l.pp = path_for(sys, eff, sys.nodes > 1 && static_cast<long long>(p.tp) * p.cp * p.dp >= per_node);
  // Expert-parallel ranks are tp apart within the data-parallel ranks (Megatron-Core's expert groups); past the node
  // the all-to-all runs on each rank's NICs.
  l.ep = path_for(sys, eff, static_cast<long long>(p.tp) * p.ep > per_node);
  return l;
}

}  // namespace

struct LayerCostCache {
  struct Key {
    int tp, cp, micro_batch, seq_len;
    bool sequence_parallel, flash_attention, tp_overlap;
    DType dtype;
    Stack stack;
    bool operator==(const Key&) const = default;
  };
  bool valid = false;
  Key key{};
  LayerCost layer;
  Cost logits;
};

TrainingCache::TrainingCache() : impl_(std::make_unique<LayerCostCache>()) {}
TrainingCache::~TrainingCache() = default;

namespace {

// Counts of one step that the stages below share: those of the slowest pipeline stage, which sets the pace.
struct StepShape {
  double micro_batches;  // per step, through each pipeline (at least 1)
  double layers_per_stage;
  double s_local;  // tokens per sequence on one context-parallel rank
  double params;   // parameters per device (of the slowest stage, split by TP and the experts by EP, before ZeRO)
  double shards;   // ranks ZeRO shards over and gradients reduce over: dp x cp
  double updated;  // parameters per device the optimizer steps: params, or the stage's / shards with ZeRO
};

// One micro-batch through one pipeline stage (the last one, which also computes the logits), and the forward work
// recompute repeats.
struct StageWork {
  int layers = 0;                // layers of the slowest stage
  bool last_is_slowest = true;   // it is the last stage (it computes the logits)
  bool first_is_slowest = true;  // it is the first stage (it holds the embeddings); both with one stage
  LayerCost layer;
  Cost stage;            // forward and backward of the stage's layers, and the logits
  Cost layer_recompute;  // recomputed forward of one layer
  Cost recompute;        // recomputed forward of the stage's layers
  Seconds launches;
};

// The slowest stage: the fullest of the first and middle stages, or the last with the logits (stage_layers).
StageWork stage_work(const Context& x, LayerCostCache* cache) {
  const TrainingConfig& c = x.c;
  const Parallelism& par = c.parallelism;
  // A search evaluates many configurations that differ only in PP, VP, ZeRO, DP or recompute, none of which change
  // one layer's cost: with a cache (owned by the search, so model, system and efficiencies are fixed) the layer and
  // logits costs are reused while the settings they read stay the same.
  LayerCostCache local;
  LayerCostCache& memo = cache != nullptr ? *cache : local;
  const LayerCostCache::Key key{par.tp,       par.cp,  c.micro_batch, c.seq_len, c.sequence_parallel, c.flash_attention,
                                c.tp_overlap, c.dtype, c.stack};
  if (!memo.valid || !(memo.key == key)) {
    memo.layer = layer_cost(x);
    memo.logits = logits_cost(x);
    memo.key = key;
    memo.valid = true;
  }
  StageWork w;
  w.layer = memo.layer;
  const StageLayers split = stage_layers(c.model.layers, par.pp);
  const int fullest = std::max(split.first, split.middle);
  const Seconds layer_time = w.layer.forward.time() + w.layer.backward.time();
  w.last_is_slowest = layer_time * split.last + memo.logits.time() >= layer_time * fullest;
  w.layers = w.last_is_slowest ? split.last : fullest;
  w.first_is_slowest = par.pp == 1 || (!w.last_is_slowest && split.first >= split.middle);
  const double layers_per_stage = w.layers;
  w.stage = scaled(w.layer.forward, layers_per_stage);
  w.stage += scaled(w.layer.backward, layers_per_stage);
  if (w.last_is_slowest) w.stage += memo.logits;
  w.launches =
      x.eff.launch_overhead(x.dev) * (layers_per_stage * w.layer.kernels_forward * (1.0 + kKernelsBackwardFactor));
  // Recomputed forward work per layer: full = the layer's forward; selective = the attention core (fused attention
  // already recomputes its scores inside the backward kernel, so there is nothing left to repeat).
  if (c.recompute == Recompute::full) w.layer_recompute = w.layer.forward;
  if (c.recompute == Recompute::selective && !c.flash_attention) w.layer_recompute = w.layer.attention_forward;
  if (c.recompute == Recompute::selective_op) w.layer_recompute = w.layer.op_recompute;
  w.recompute = scaled(w.layer_recompute, layers_per_stage);
  return w;
}

// Communication left exposed after overlap, and the contention of what overlap hides: communication overlapped with
// compute costs only what the compute cannot cover, but the hidden part still takes SMs and memory bandwidth from
// the compute it runs beside (kOverlapContention). Contention is kept per micro-batch (it repeats with every
// micro-batch and lengthens the bubble) and per step.
struct Communication {
  Seconds tp;                  // per micro-batch
  Seconds ep;                  // per micro-batch: expert all-to-all
  Seconds cp;                  // per micro-batch
  Seconds pp;                  // per micro-batch
  Seconds dp_per_micro_batch;  // ZeRO-3 gathers and reductions
  Seconds dp_per_step;         // the gradient reduction (and ZeRO 1-2 weight gather) once per step
  Seconds contention_mb;
  Seconds contention_step;
};

// The part of `comm` that `cover` cannot hide.
Seconds exposed(Seconds comm, Seconds cover) { return Seconds(std::max(0.0, (comm - cover).value())); }

// The part of `comm` that `cover` cannot hide; the hidden part adds its contention.
Seconds expose(Seconds comm, Seconds cover, Seconds& contention) {
  const Seconds left = exposed(comm, cover);
  contention += (comm - left) * kOverlapContention;
  return left;
}

// Tensor, context and pipeline parallel communication of one micro-batch.
void model_parallel_communication(const TrainingConfig& c, const Links& links, const StageWork& w,
                                  const StepShape& shape, Communication& comm) {
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  // Tensor parallel: 2 collectives forward and 2 backward per layer (all-reduces, or all-gather + reduce-scatter
  // pairs with SP: the same bytes), 2 more when the forward is recomputed.
  Seconds tp_time(0);
  if (par.tp > 1) {
    const Bytes activation(c.micro_batch * shape.s_local * m.hidden * kActivationBytes);
    const double collectives = (c.recompute == Recompute::full ? 6.0 : 4.0) * shape.layers_per_stage;
    tp_time = all_reduce(activation, par.tp, links.tp) * collectives;
  }
  // Context parallel: K and V blocks travel around the CP ring, overlapped with the attention they feed.
  if (par.cp > 1) {
    const Bytes kv_block(2.0 * c.micro_batch * shape.s_local * m.kv_dim() * kActivationBytes / par.tp);
    const Seconds ring = point_to_point(kv_block, links.tp) * (3.0 * (par.cp - 1));  // forward + 2x backward
    const Seconds attention = w.layer.attention_forward.time() * 3.0;
    comm.cp = exposed(ring, attention) * shape.layers_per_stage;
  }
  // Pipeline: per micro-batch and model chunk, an activation forward and a gradient backward across each stage
  // boundary (divided by TP when sequence parallel scatters them).
  Seconds pp_time(0);
  if (par.pp > 1) {
    const Bytes activation(c.micro_batch * shape.s_local * m.hidden * kActivationBytes /
                           (c.sequence_parallel ? par.tp : 1));
    pp_time = point_to_point(activation, links.pp) * (2.0 * par.vp);
  }
  // Expert parallelism (Megatron-Core's alltoall token dispatcher): each MoE layer sends every local token to its
  // experts_per_token experts and gets the results back, in the forward and again in the backward (and a recomputed
  // forward), exposed (the dispatcher waits for its tokens).
  if (par.ep > 1 && m.moe()) {
    const double tokens = c.micro_batch * shape.s_local / (c.sequence_parallel ? par.tp : 1);
    const double passes = c.recompute == Recompute::full ? 6.0 : 4.0;
    const double moe_layers = shape.layers_per_stage * m.moe_layers() / m.layers;
    comm.ep = all_to_all(expert_dispatch_bytes(c, tokens), par.ep, links.ep) * (passes * moe_layers);
  }
  const Seconds gemm_time = (w.layer.forward.compute + w.layer.backward.compute) * shape.layers_per_stage;
  // What a userbuffers overlap takes from the GEMMs it hides under is in their times already (userbuffer_share).
  comm.tp = c.tp_overlap ? exposed(tp_time, gemm_time) : tp_time;
  comm.pp = c.pp_overlap ? expose(pp_time, w.stage.time(), comm.contention_mb) : pp_time;
}

// ZeRO-3 / FSDP FULL_SHARD: every micro-batch gathers each layer's weights for its forward and again for its
// backward (where a full recompute reuses them) and reduce-scatters its gradients. One layer at a time, the next
// layer's gather prefetched under the current layer's compute (PyTorch FSDP forward/backward prefetch): the first
// gather and the last reduce-scatter of each pass are exposed, and a layer whose communication outlasts its compute
// exposes the difference.
void sharded_weights_communication(const TrainingConfig& c, const Links& links, const StageWork& w,
                                   const StepShape& shape, Communication& comm) {
  const double L = std::max(1.0, shape.layers_per_stage);
  const int group = static_cast<int>(shape.shards);
  const Seconds gather = ring_all_gather(Bytes(shape.params / L * training_weight_bytes(c.dtype)), group, links.dp);
  const Seconds reduce = ring_all_gather(Bytes(shape.params / L * dtype_bytes(c.grad_reduce_dtype)), group, links.dp);
  if (!c.dp_overlap) {
    comm.dp_per_micro_batch = (gather * 2.0 + reduce) * L;
    return;
  }
  const Seconds forward_layer = w.layer.forward.time();
  const Seconds backward_layer = w.layer.backward.time() + w.layer_recompute.time();
  Seconds layer_contention(0);
  const Seconds layer_exposed =
      expose(gather, forward_layer, layer_contention) + expose(gather + reduce, backward_layer, layer_contention);
  comm.dp_per_micro_batch = gather + (gather + reduce) + layer_exposed * (L - 1.0);
  comm.contention_mb += layer_contention * (L - 1.0);
}

// One gradient reduction per step: ZeRO 1-2 (Megatron distributed optimizer) reduce-scatter gradients and
// all-gather the updated 16-bit weights, ZeRO 0 all-reduces gradients. With overlap, the reduction is chunked by
// layer (by model chunk with interleaving) and each chunk starts when the last micro-batch's backward has produced
// it; the weight gather of each chunk runs ahead of the next step's forward. One chunk of each stays exposed (NeMo
// "Communication Overlap" docs: "exposes only one DP communication chunk"); the rest hides under the backward
// (forward) still to run: that of the last micro-batch, or of the last pp micro-batches when interleaving, whose
// final backwards come chunk by chunk.
void gradient_reduction(const TrainingConfig& c, const Links& links, const StageWork& w, const StepShape& shape,
                        Communication& comm) {
  const Parallelism& par = c.parallelism;
  const double grad_bytes = dtype_bytes(c.grad_reduce_dtype);
  const double chunks = par.vp > 1 ? par.vp : std::max(1.0, shape.layers_per_stage);
  const double in_last_group = par.vp > 1 ? std::min<double>(shape.micro_batches, par.pp) : 1.0;
  const double remaining = in_last_group * (1.0 - 1.0 / chunks);
  const Seconds backward_cover =
      (scaled(w.layer.backward, shape.layers_per_stage).time() + w.recompute.time()) * remaining;
  const Seconds forward_cover = scaled(w.layer.forward, shape.layers_per_stage).time() * remaining;
  const int group = static_cast<int>(shape.shards);
  const Seconds reduce = par.zero >= 1 ? ring_all_gather(Bytes(shape.params * grad_bytes), group, links.dp)
                                       : all_reduce(Bytes(shape.params * grad_bytes), group, links.dp);
  const Bytes weights(shape.params * training_weight_bytes(c.dtype));
  const Seconds gather = par.zero >= 1 ? ring_all_gather(weights, group, links.dp) : Seconds(0);
  if (!c.dp_overlap) {
    comm.dp_per_step = reduce + gather;
    return;
  }
  const auto chunked = [&](Seconds all, Seconds cover) {
    const Seconds first = all / chunks;
    return first + expose(all - first, cover, comm.contention_step);
  };
  comm.dp_per_step = chunked(reduce, backward_cover) + chunked(gather, forward_cover);
}

void data_parallel_communication(const TrainingConfig& c, const Links& links, const StageWork& w,
                                 const StepShape& shape, Communication& comm) {
  if (shape.shards <= 1) return;
  if (c.parallelism.zero >= 3) {
    sharded_weights_communication(c, links, w, shape, comm);
  } else {
    gradient_reduction(c, links, w, shape, comm);
  }
}

// Step time (micro-batches through the pipeline, its bubble, the exposed per-step reduction and the optimizer
// step), its breakdown, and the share of it each kind of work keeps a device busy.
void assemble_step(TrainingResult& r, const TrainingConfig& c, const StageWork& w, const Communication& comm,
                   const StepShape& shape, Seconds optimizer) {
  const Parallelism& par = c.parallelism;
  const double micro_batches = shape.micro_batches;
  const Seconds per_micro_batch = w.stage.time() + w.recompute.time() + w.launches + comm.tp + comm.cp + comm.pp +
                                  comm.ep + comm.dp_per_micro_batch + comm.contention_mb;
  const Seconds pipeline = per_micro_batch * micro_batches;
  const Seconds bubble = per_micro_batch * (static_cast<double>(par.pp - 1) / par.vp);
  const Seconds communication =
      (comm.tp + comm.cp + comm.pp + comm.ep + comm.dp_per_micro_batch) * micro_batches + comm.dp_per_step;
  const Seconds compute =
      (w.stage.time() + w.launches + comm.contention_mb) * micro_batches + comm.contention_step + optimizer;
  r.step_time = pipeline + bubble + comm.dp_per_step + comm.contention_step + optimizer;
  r.breakdown = {compute,
                 (w.stage.memory + w.recompute.memory) * micro_batches + optimizer,
                 communication,
                 bubble,
                 w.recompute.time() * micro_batches,
                 comm.ep * micro_batches};
  const double step = r.step_time.value();
  r.compute_busy = std::min(1.0, (w.stage.compute + w.recompute.compute + w.launches).value() * micro_batches / step);
  r.memory_busy = std::min(1.0, ((w.stage.memory + w.recompute.memory) * micro_batches).value() / step);
  r.communication_busy = std::min(1.0, communication.value() / step);
}

// Throughput and FLOP rates of a step whose time is known. Hardware FLOPs (Megatron's convention) add the
// recomputed forward to the model FLOPs: full = every layer's forward; selective = the attention core's.
void flop_rates(TrainingResult& r, const TrainingConfig& c, FlopPerSecond peak) {
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  const double devices = static_cast<double>(par.tp) * par.pp * par.cp * par.dp;
  const double tokens = static_cast<double>(c.global_batch) * c.seq_len;
  const double model_flops = m.training_flops_per_token(c.seq_len) * tokens;
  double recomputed = 0;
  const double layer_forward_flops =
      m.forward_flops_per_token(c.seq_len) - 2.0 * m.vocab * static_cast<double>(m.hidden);
  if (c.recompute == Recompute::full) recomputed = layer_forward_flops * tokens;
  if (c.recompute == Recompute::selective) {
    recomputed = m.attention_flops_per_token(c.seq_len) * tokens;
  }
  if (c.recompute == Recompute::selective_op) recomputed = op_checkpoint_recomputed_flops(m) * tokens;
  const double step = r.step_time.value();
  r.tokens_per_s = tokens / step;
  r.achieved_flops_per_device = FlopPerSecond(model_flops / devices / step);
  r.hardware_flops_per_device = FlopPerSecond((model_flops + recomputed) / devices / step);
  r.mfu = r.achieved_flops_per_device.value() / peak.value();
  r.hfu = r.hardware_flops_per_device.value() / peak.value();
}

}  // namespace

TrainingResult evaluate_training(const TrainingConfig& c, const System& sys, const EfficiencyModel& eff,
                                 TrainingCache* training_cache) {
  TrainingResult r;
  const Parallelism& par = c.parallelism;
  const Device& dev = sys.device;
  const auto peak = dev.peak_of(c.dtype);
  if (!peak) {
    r.fits = false;
    r.message = fmt::format("{} has no {} arithmetic", dev.name, dtype_name(c.dtype));
    return r;
  }
  const TrainingMemory mem = training_memory(c);
  r.memory_per_device = mem.total();
  r.message = training_misfit(c, mem, dev);
  if (!r.message.empty()) {
    r.fits = false;
    return r;
  }

  const DType attention_dtype = c.dtype == DType::fp8 ? DType::bf16 : c.dtype;
  const FlopPerSecond attention_peak = dev.peak_of(attention_dtype).value_or(*peak);
  const Context x{c, sys, eff, dev, *peak, attention_peak, c.dtype, attention_dtype};
  const StageWork work = stage_work(x, training_cache != nullptr ? training_cache->impl_.get() : nullptr);
  const double stage =
      stage_parameters(c.model, work.layers, work.first_is_slowest, work.last_is_slowest, par.tp, par.pp);
  const double held = held_parameters(c, stage, stage_expert_parameters(c.model, work.layers, par.tp));
  const double shards = static_cast<double>(par.dp) * par.cp;
  const StepShape shape{static_cast<double>(micro_batches_per_step(c)),
                        static_cast<double>(work.layers),
                        static_cast<double>(c.seq_len) / par.cp,
                        held,
                        shards,
                        par.zero >= 1 ? stage / shards : held};
  const Links links = links_for(c, sys, eff);
  Communication comm;
  model_parallel_communication(c, links, work, shape, comm);
  data_parallel_communication(c, links, work, shape, comm);
  const Seconds optimizer = x.bytes_time(shape.updated * kOptimizerStepBytes);
  assemble_step(r, c, work, comm, shape, optimizer);
  flop_rates(r, c, *peak);
  return r;
}

}  // namespace hwsim
