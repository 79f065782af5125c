#include "sim/train/training.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <utility>

#include "sim/perf/collectives.hpp"
#include "sim/train/layer_cost.hpp"

namespace hwsim {

using train_detail::Context;
using train_detail::Cost;
using train_detail::kActivationBytes;
using train_detail::kKernelsBackwardFactor;
using train_detail::kOptimizerStepBytes;
using train_detail::LayerCost;
using train_detail::scaled;

namespace {

struct Links {
  LinkPath tp;
  LinkPath dp;
  LinkPath pp;
  LinkPath ep_intra_node;  // expert all-to-all: to the ep ranks of the same node
  LinkPath ep_scale_out;   // and to those of other nodes
  int ep_per_node = 1;     // ranks of an expert-parallel group in one node
  // The routed experts' data-parallel group (Megatron-Core's expert data-parallel group: the tp x dp x cp ranks of a
  // stage over ep x etp), its ring, and whether it is the dense parameters' group (dp x cp ranks, per_node / tp of
  // them in a node), as with ep x etp = tp.
  int edp_ranks = 1;
  LinkPath edp;
  bool edp_is_dp = true;
};

// The link of a ring of `ranks` ranks set `spacing` apart in the rank order: a node holds per_node / spacing of them
// (at least one); a ring inside one node runs on the scale-up link, one past it gets those ranks' NICs in each node
// (ring_across_nodes).
LinkPath ring_path(const System& sys, const EfficiencyModel& eff, int ranks, int spacing) {
  const int in_node = std::clamp(sys.devices_per_node() / std::max(1, spacing), 1, std::max(1, ranks));
  if (ranks <= in_node) return link_path(sys, eff, false);
  return ring_across_nodes(link_path(sys, eff, false), link_path(sys, eff, true), in_node);
}

// Ranks are laid out tp (innermost), cp, dp, pp (outermost), as Megatron-LM does.
Links links_for(const TrainingConfig& c, const System& sys, const EfficiencyModel& eff) {
  const Parallelism& p = c.parallelism;
  const int per_node = sys.devices_per_node();
  Links l;
  l.tp = link_path(sys, eff, p.tp > per_node);
  // Gradients reduce over the data-parallel ranks with their context-parallel peers (dp x cp ranks, tp apart).
  l.dp = ring_path(sys, eff, p.dp * p.cp, p.tp);
  l.pp = link_path(sys, eff, sys.nodes > 1 && static_cast<long long>(p.tp) * p.cp * p.dp >= per_node);
  // Expert-parallel ranks are etp apart (Megatron-Core's expert groups, expert tp innermost; etp = tp by default: tp
  // apart within the data-parallel ranks): a node holds per_node / etp of a group (at least one, at most ep); the
  // all-to-all reaches the rest on each rank's NIC.
  l.ep_intra_node = link_path(sys, eff, false);
  l.ep_scale_out = link_path(sys, eff, true);
  l.ep_per_node = std::clamp(per_node / std::max(1, expert_tp(p)), 1, std::max(1, p.ep));
  // Expert data-parallel ranks are ep x etp apart (Megatron-Core's expert grid, etp innermost, then ep, then the expert
  // data-parallel ranks).
  const int expert_group = std::max(1, p.ep) * expert_tp(p);
  l.edp_ranks = std::max(1, p.tp * p.dp * p.cp / expert_group);
  l.edp_is_dp = p.ep <= 1 || expert_group == p.tp;  // without ep the experts sit in the dense buffers
  l.edp = ring_path(sys, eff, l.edp_ranks, expert_group);
  return l;
}

}  // namespace

struct LayerCostCache {
  struct Key {
    int tp, cp, ep, etp, micro_batch, seq_len, lora_rank;
    double expert_imbalance;
    bool sequence_parallel, flash_attention, tp_overlap, lora_all_linears, fp8_attention;
    DType dtype;
    Fp8Recipe fp8_recipe;
    AttentionKernel attention_kernel;
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
  double trained;  // parameters per device whose gradients are reduced: params, or the LoRA adapters
  double expert_trained;  // of those, the routed experts' (reduced over the expert data-parallel group)
};

// One micro-batch through one pipeline stage (the last one, which also computes the logits), and the forward work
// recompute repeats.
struct StageWork {
  int layers = 0;                // layers of the slowest stage
  bool last_is_slowest = true;   // it is the last stage (it computes the logits)
  bool first_is_slowest = true;  // it is the first stage (it holds the embeddings); both with one stage
  LayerCost layer;
  Cost stage;                       // forward and backward of the stage's layers, and the logits
  Cost layer_recompute;             // recomputed forward of one layer (on average over the stage's layers)
  Cost recompute;                   // recomputed forward of the stage's layers
  double full_recompute_share = 0;  // the stage's layers whose whole forward runs twice (fully_recomputed_layers)
  Seconds launches;
  Seconds host;  // host time the device waits for: the MoE layers' (kMoeHostSecondsPerLayer, moe_host_hidden)
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
  const LayerCostCache::Key key{par.tp,
                                par.cp,
                                par.ep,
                                expert_tp(par),
                                c.micro_batch,
                                c.seq_len,
                                c.lora_rank,
                                c.expert_imbalance,
                                c.sequence_parallel,
                                c.flash_attention,
                                c.tp_overlap,
                                c.lora_all_linears,
                                c.fp8_attention,
                                c.dtype,
                                c.fp8_recipe,
                                attention_kernel_of(c)};
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
  // MoE layers: each one's host time, forward and backward (and again with a recomputed forward), unless a graph of
  // the whole step replays them (moe_host_hidden).
  const ModelSpec& m = c.model;
  w.full_recompute_share = fully_recomputed_layers(c, layers_per_stage) / std::max(1.0, layers_per_stage);
  if (m.moe() && !moe_host_hidden(c)) {
    const double moe_layers = layers_per_stage * m.moe_layer_share();
    const double local_experts = static_cast<double>(m.experts) / par.ep;
    const double passes = 1.0 + 0.5 * w.full_recompute_share;
    w.host = Seconds((kMoeHostSecondsPerLayer + kMoeHostSecondsPerLocalExpert * local_experts) * moe_layers * passes);
  }
  // Recomputed forward work per layer: full = the layer's forward (in the share of layers that recompute);
  // selective = the attention core (fused attention already recomputes its scores inside the backward kernel, so there
  // is nothing left to repeat).
  if (c.recompute == Recompute::full) w.layer_recompute = scaled(w.layer.forward, w.full_recompute_share);
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
  Seconds offload;             // per micro-batch: activation offload copies to and from host memory
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
  // pairs with SP: the same bytes), 2 more when the forward is recomputed; one of each pair is the attention block's,
  // the other the MLP's. With etp below tp a MoE layer's routed experts gather over their etp ranks only (their
  // sequence shards; none at etp 1), while its shared experts stay on the attention's tp ranks.
  Seconds tp_time(0);
  if (par.tp > 1) {
    const Bytes activation(c.micro_batch * shape.s_local * m.hidden * kActivationBytes);
    const double per_block = (2.0 + w.full_recompute_share) * shape.layers_per_stage;
    const Seconds block = all_reduce(activation, par.tp, links.tp);
    const double moe_share = m.moe_layer_share();
    const int etp = expert_tp(par);
    Seconds moe_block = block;
    if (etp != par.tp) {
      moe_block = m.shared_experts > 0 ? block : Seconds(0);
      if (etp > 1) moe_block += all_reduce(activation * (static_cast<double>(etp) / par.tp), etp, links.tp);
    }
    tp_time = (block + block * (1.0 - moe_share) + moe_block * moe_share) * per_block;
  }
  // Context parallel: K and V blocks travel around the CP ring, overlapped with the attention they feed (in FP8 with
  // FP8 attention: Transformer Engine's context-parallel attention exchanges the FP8 tensors it computes on).
  if (par.cp > 1) {
    const ModelSpec::AttentionWidths aw = m.attention_widths();
    const Bytes kv_block(c.micro_batch * shape.s_local * (aw.k + aw.v) * attention_operand_bytes(c) / par.tp);
    // Forward, twice in the backward, and again in a recomputed forward (in the layers that recompute it).
    const double passes = 3.0 + w.full_recompute_share;
    const Seconds ring = point_to_point(kv_block, links.tp) * (passes * (par.cp - 1));
    const Seconds attention = w.layer.attention_forward.time() * passes;
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
  // Expert parallelism: each MoE layer sends every local token to its experts_per_token experts and gets the results
  // back, in the forward and again in the backward (and a recomputed forward), exposed (the dispatcher waits for its
  // tokens); what a rank sends depends on the dispatcher (expert_exchange_bytes).
  if (par.ep > 1 && m.moe()) {
    const double tokens = c.micro_batch * shape.s_local / (c.sequence_parallel ? par.tp : 1);
    const double passes = 4.0 + 2.0 * w.full_recompute_share;
    const double moe_layers = shape.layers_per_stage * m.moe_layer_share();
    const int per_node = links.ep_per_node;
    const ExpertExchange x =
        expert_exchange_bytes(m, tokens, par.ep, per_node, c.moe_dispatcher != MoeDispatcher::alltoall);
    // The busiest rank receives expert_imbalance times the mean.
    comm.ep = split_exchange(x.intra_node * c.expert_imbalance, per_node - 1, links.ep_intra_node,
                             x.scale_out * c.expert_imbalance, par.ep - per_node, links.ep_scale_out) *
              (passes * moe_layers);
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
  const Seconds gather = ring_all_gather(Bytes(shape.params / L * model_weight_bytes(c)), group, links.dp);
  const Seconds reduce = ring_all_gather(Bytes(shape.trained / L * dtype_bytes(c.grad_reduce_dtype)), group, links.dp);
  if (!c.dp_overlap) {
    comm.dp_per_micro_batch = (gather * 2.0 + reduce) * L;
    return;
  }
  const Seconds forward_layer = w.layer.forward.time();
  Seconds layer_contention(0);
  Seconds layer_exposed = expose(gather, forward_layer, layer_contention);
  // The backward's cover: the layer's backward and what it recomputes, a full forward in the share of layers that
  // recompute it (fully_recomputed_layers) and only its backward in the others.
  const double again = w.full_recompute_share;
  const Seconds backward_layer =
      w.layer.backward.time() + (c.recompute == Recompute::full ? Seconds(0) : w.layer_recompute.time());
  for (const auto& [share, cover] :
       {std::pair{1.0 - again, backward_layer}, std::pair{again, backward_layer + forward_layer}}) {
    if (share <= 0) continue;
    Seconds contention(0);
    layer_exposed += expose(gather + reduce, cover, contention) * share;
    layer_contention += contention * share;
  }
  comm.dp_per_micro_batch = gather + (gather + reduce) + layer_exposed * (L - 1.0);
  comm.contention_mb += layer_contention * (L - 1.0);
}

// One gradient reduction per step: ZeRO 1-2 (Megatron distributed optimizer) reduce-scatter gradients and
// all-gather the updated 16-bit weights, ZeRO 0 all-reduces gradients. A mixture of experts' routed experts are held
// by fewer ranks than the dense parameters: Megatron-Core keeps them in buffers of their own, reduced and gathered over
// the expert data-parallel group (megatron/core/distributed/distributed_data_parallel.py, expert_parallel_buffers over
// intra_expt_dp_group), whose ring crosses the nodes on fewer NICs where ep fills them (Links::edp); its collectives
// add to the dense ones'. With overlap, the reduction is chunked by
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
  const auto reduction = [&](double params, int ranks, const LinkPath& link) {
    return par.zero >= 1 ? ring_all_gather(Bytes(params * grad_bytes), ranks, link)
                         : all_reduce(Bytes(params * grad_bytes), ranks, link);
  };
  const auto weight_gather = [&](double params, int ranks, const LinkPath& link) {
    return par.zero >= 1 ? ring_all_gather(Bytes(params * trained_weight_bytes(c)), ranks, link) : Seconds(0);
  };
  const double experts = links.edp_is_dp ? 0.0 : shape.expert_trained;
  const int group = static_cast<int>(shape.shards);
  Seconds reduce = reduction(shape.trained - experts, group, links.dp);
  Seconds gather = weight_gather(shape.trained - experts, group, links.dp);
  if (experts > 0) {
    reduce += reduction(experts, links.edp_ranks, links.edp);
    gather += weight_gather(experts, links.edp_ranks, links.edp);
  }
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
  // ZeRO-3 gathers and reduces what a device holds over the dp x cp ranks, the experts too (their own group is not
  // modelled there).
  if (c.parallelism.zero >= 3) {
    if (shape.shards > 1) sharded_weights_communication(c, links, w, shape, comm);
    return;
  }
  if (shape.shards <= 1 && links.edp_ranks <= 1) return;  // no ring to reduce over (one with 1 rank costs nothing)
  gradient_reduction(c, links, w, shape, comm);
}

// Activation offload (activation_offload_layers): each offloaded layer's activations (`offloaded`: one micro-batch's
// of all of them) go to host memory over the device's host link in the forward and come back in the backward, one
// copy at a time, each spread over its window of the stage's layers (Transformer Engine's offload handler,
// cpu_offload.py layer_window_map: the N copies' deadlines fall every L / N layers, so a copy runs beside L / N layers'
// compute); a copy longer than its window is exposed. At the link's rate. The copy engines take no SMs, so what the
// copies take from the compute beside them is the memory traffic: the bytes read out and written back, at the
// device's memory rate.
void offload_copies(const Context& x, const StageWork& w, Bytes offloaded, Communication& comm) {
  const double layers = std::min<double>(x.c.activation_offload_layers, w.layers);
  if (layers <= 0 || offloaded.value() <= 0 || x.dev.host_link_bandwidth.value() <= 0) return;
  const Seconds copy(offloaded.value() / layers / x.dev.host_link_bandwidth.value());
  const double window = w.layers / layers;
  comm.offload =
      (exposed(copy, w.layer.forward.time() * window) + exposed(copy, w.layer.backward.time() * window)) * layers;
  comm.contention_mb += x.bytes_time(offloaded.value() * 2.0);
}

// Step time (micro-batches through the pipeline, its bubble, the exposed per-step reduction and the optimizer
// step), its breakdown, and the share of it each kind of work keeps a device busy.
void assemble_step(TrainingResult& r, const TrainingConfig& c, const StageWork& w, const Communication& comm,
                   const StepShape& shape, Seconds optimizer) {
  const Parallelism& par = c.parallelism;
  const double micro_batches = shape.micro_batches;
  const Seconds per_micro_batch = w.stage.time() + w.recompute.time() + w.launches + comm.tp + comm.cp + comm.pp +
                                  comm.ep + comm.dp_per_micro_batch + comm.offload + comm.contention_mb + w.host;
  const Seconds pipeline = per_micro_batch * micro_batches;
  const Seconds bubble = per_micro_batch * (static_cast<double>(par.pp - 1) / par.vp);
  const Seconds communication =
      (comm.tp + comm.cp + comm.pp + comm.ep + comm.dp_per_micro_batch + comm.offload) * micro_batches +
      comm.dp_per_step;
  const Seconds compute =
      (w.stage.time() + w.launches + comm.contention_mb) * micro_batches + comm.contention_step + optimizer;
  const Seconds step_host = step_overhead_of(c);
  r.step_time = pipeline + bubble + comm.dp_per_step + comm.contention_step + optimizer + step_host;
  r.breakdown = {compute,
                 (w.stage.memory + w.recompute.memory) * micro_batches + optimizer,
                 communication,
                 bubble,
                 w.recompute.time() * micro_batches,
                 comm.ep * micro_batches,
                 w.host * micro_batches + step_host};
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
  // LoRA: the frozen base's forward and input gradients, 2/3 of full training (the adapters' few FLOPs not counted).
  const double model_flops = m.training_flops_per_token(c.seq_len) * tokens * (c.lora_rank > 0 ? 2.0 / 3.0 : 1.0);
  double recomputed = 0;
  const double layer_forward_flops =
      m.forward_flops_per_token(c.seq_len) - 2.0 * m.vocab * static_cast<double>(m.hidden);
  if (c.recompute == Recompute::full) {
    // With recompute_layers, the first and last stages' and pp - 2 of the fullest middle stage's.
    const StageLayers split = stage_layers(m.layers, par.pp);
    double layers = fully_recomputed_layers(c, split.first);
    if (par.pp > 1) layers += fully_recomputed_layers(c, split.last);
    if (par.pp > 2) layers += fully_recomputed_layers(c, split.middle) * (par.pp - 2);
    recomputed = layer_forward_flops * tokens * std::min(1.0, layers / m.layers);
  }
  if (c.recompute == Recompute::selective) {
    recomputed = m.sequence_attention_flops_per_token(c.seq_len) * tokens;
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
  r.message = recipe_misfit(c, dev);
  if (!r.message.empty()) {
    r.fits = false;
    return r;
  }
  const TrainingMemory mem = training_memory(c);
  r.memory_per_device = mem.total();
  r.message = training_misfit(c, mem, dev);
  if (!r.message.empty()) {
    r.fits = false;
    return r;
  }

  const DType attention_dtype = quantized_gemms(c.dtype) ? DType::bf16 : c.dtype;
  const FlopPerSecond attention_peak = dev.peak_of(attention_dtype).value_or(*peak);
  const Context x{c, sys, eff, dev, *peak, attention_peak, c.dtype, attention_dtype};
  const StageWork work = stage_work(x, training_cache != nullptr ? training_cache->impl_.get() : nullptr);
  const StageParameters p = stage_parameter_counts(c, work.layers, work.first_is_slowest, work.last_is_slowest);
  const double shards = static_cast<double>(par.dp) * par.cp;
  const StepShape shape{static_cast<double>(micro_batches_per_step(c)),
                        static_cast<double>(work.layers),
                        static_cast<double>(c.seq_len) / par.cp,
                        p.held,
                        shards,
                        par.zero >= 1 ? p.trained / shards : p.trained_held,
                        p.trained_held,
                        p.experts_trained_held};
  const Links links = links_for(c, sys, eff);
  Communication comm;
  model_parallel_communication(c, links, work, shape, comm);
  data_parallel_communication(c, links, work, shape, comm);
  offload_copies(x, work, mem.offloaded, comm);
  const Seconds optimizer = x.bytes_time(shape.updated * kOptimizerStepBytes);
  assemble_step(r, c, work, comm, shape, optimizer);
  flop_rates(r, c, *peak);
  return r;
}

}  // namespace hwsim
