// Training memory per device: weights, gradients and optimizer state (ZeRO-aware) and activations (Korthikanti et al.
// 2022), the footprint evaluate_training checks before it times anything.
#include "sim/train/training.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace hwsim {

namespace {
// Bytes per parameter with Megatron-style mixed precision (Megatron-LM distributed-optimizer docs): 16-bit
// weights, a main-gradient buffer in the data-parallel reduction's format (fp32 unless the recipe reduces in bf16:
// Megatron-Core keeps `main_grad` in fp32 only with grad_reduce_in_fp32), fp32 master weights + Adam m and v
// (12 bytes). fp32 training keeps 4-byte weights. ZeRO-3 / FSDP keeps its sharded gradients in fp32.
constexpr double kOptimizerBytes = 12.0;

struct StageFootprint {
  int layers;
  bool first;
  bool last;
  double in_flight;  // micro-batches whose activations the stage holds at its peak (1F1B: pp - stage index)
};
}  // namespace

StageParameters stage_parameter_counts(const TrainingConfig& c, int layers, bool first, bool last) {
  const Parallelism& par = c.parallelism;
  StageParameters s;
  s.all = stage_parameters(c.model, layers, first, last, par.tp, par.pp);
  // The stage's routed experts split over tp (stage_expert_parameters); a rank holds experts / ep of them, each split
  // over etp ranks (expert_tp) rather than tp.
  const double experts = stage_expert_parameters(c.model, layers, par.tp);
  const double experts_held = experts * par.tp / (static_cast<double>(par.ep) * expert_tp(par));
  s.held = s.all - experts + experts_held;
  s.adapters = layers * lora_parameters_per_layer(c);
  const bool lora = c.lora_rank > 0;
  s.trained = lora ? s.adapters : s.all;
  s.trained_held = lora ? s.adapters : s.held;
  s.experts_trained_held = lora ? 0.0 : experts_held;
  return s;
}

double busiest_mlp_width(const TrainingConfig& c) {
  return busiest_mlp_width(c.model, c.parallelism.ep, c.expert_imbalance);
}

double lora_parameters_per_layer(const TrainingConfig& c) {
  if (c.lora_rank <= 0) return 0;
  const ModelSpec& m = c.model;
  const double h = m.hidden;
  const double r = c.lora_rank;
  // A (in x r) and B (r x out) per adapted product: QKV (h -> q + 2 kv) and the output projection (q -> h), q the
  // query width (h unless head_dim is set apart); with all linear layers also the MLP's up (and gate) and down
  // products.
  const double q = m.q_dim();
  double p = r * (h + q + 2.0 * m.kv_dim()) + r * (q + h);
  if (c.lora_all_linears) {
    const double f = m.active_mlp_width();
    p += r * (h + (m.gated_mlp ? 2.0 * f : f)) + r * (f + h);
  }
  return p / c.parallelism.tp;
}

std::string training_misfit(const TrainingConfig& c, const TrainingMemory& mem, const Device& dev) {
  const Parallelism& par = c.parallelism;
  // Megatron-Core folds the attention's tp x dp x cp ranks into ep x etp x expert-dp for the MoE layers.
  if (!expert_groups_fit(par)) {
    return fmt::format(
        "does not fit: ep={} x etp={} does not divide the {} ranks (tp x dp x cp) that hold the experts; with "
        "etp = tp (the default) ep divides dp x cp",
        par.ep, expert_tp(par), static_cast<long long>(par.tp) * par.dp * par.cp);
  }
  const double usable = dev.usable_memory().value();
  if (mem.offloaded.value() > 0 && dev.host_link_bandwidth.value() <= 0) {
    return fmt::format(
        "does not fit: activation offload needs a host link, and the catalog gives {} none (links.pcie "
        "or links.c2c)",
        dev.name);
  }
  if (mem.offloaded.value() > 0 && dev.host_memory_share.value() > 0 &&
      mem.offloaded.value() > dev.host_memory_share.value()) {
    return fmt::format(
        "does not fit: the offloaded activations take {:.1f} GB of host memory per device, above its {:.1f} GB share "
        "of the node's; offload fewer layers (activation_offload_layers)",
        mem.offloaded.value() / 1e9, dev.host_memory_share.value() / 1e9);
  }
  if (mem.total().value() <= usable) return {};
  return fmt::format(
      "does not fit: needs {:.1f} GB per device (weights {:.1f}, gradients {:.1f}, optimizer {:.1f}, activations "
      "{:.1f}), {:.1f} GB usable of {:.1f} GB: short by {:.1f} GB; try more pipeline/tensor parallelism, ZeRO, "
      "or recompute",
      mem.total().value() / 1e9, mem.weights.value() / 1e9, mem.gradients.value() / 1e9, mem.optimizer.value() / 1e9,
      mem.activations.value() / 1e9, usable / 1e9, dev.memory_capacity.value() / 1e9,
      (mem.total().value() - usable) / 1e9);
}

double training_weight_bytes(DType d) { return d == DType::fp32 || d == DType::tf32 || d == DType::fp64 ? 4.0 : 2.0; }

double model_weight_bytes(const TrainingConfig& c) {
  return c.fp8_params ? dtype_bytes(c.dtype) : training_weight_bytes(c.dtype);
}

double trained_weight_bytes(const TrainingConfig& c) { return c.lora_rank > 0 ? 2.0 : model_weight_bytes(c); }

double gradient_buffer_bytes(const TrainingConfig& c) {
  return c.parallelism.zero >= 3 ? 4.0 : dtype_bytes(c.grad_reduce_dtype);
}

TrainingMemory training_memory(const TrainingConfig& c) {
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  // ZeRO shards over every rank that holds the same weights: data-parallel and context-parallel ranks alike
  // (Megatron-Core's distributed optimizer uses the data-parallel group with context parallelism); for routed experts
  // too (StageParameters).
  const double shards = static_cast<double>(par.dp) * par.cp;

  // Activations per layer per micro-batch, 16-bit (Korthikanti et al. 2022, "Reducing Activation Recomputation
  // in Large Transformer Models", sec. 4): attention 11sbh + 5as^2b, MLP 19sbh, norms 4sbh for a 4h MLP with
  // dropout; here generalised to GQA (K and V at kv_dim), any MLP width (input 2, up output 2 x up, activation
  // 2 x f) and recipes without dropout (no 1-byte masks).
  const double s = static_cast<double>(c.seq_len) / par.cp;
  const double b = c.micro_batch;
  const double h = m.hidden;
  const ModelSpec::AttentionWidths aw = m.attention_widths();  // Q, K, V and attention output (MLA expanded)
  const double f = m.active_mlp_width();
  const double up = m.gated_mlp ? 2.0 * f : f;
  const double t = par.tp;
  const bool dropout = c.dropout > 0;
  // (Under a partial full recompute the layers that do not recompute keep them.)
  const bool scores_stored = !c.flash_attention && (c.recompute == Recompute::none ||
                                                    (c.recompute == Recompute::full && c.recompute_layers > 0));
  // x sb: softmax output (2 B), and with dropout its output (2 B) and mask (1 B).
  const double scores = scores_stored ? (dropout ? 5.0 : 2.0) * m.heads * s : 0.0;
  // Shared (not split by TP without SP): norm inputs 4h, attention and MLP inputs 2h + 2h, dropout masks h + h.
  // FP8 and FP4 training (Transformer Engine) keep GEMM inputs in their format: the two normalised inputs, the
  // attention output and the MLP activation (1 B in FP8, 0.5 B in FP4, whatever the recipe; block scales not counted).
  const double gemm_input = quantized_gemms(c.dtype) ? dtype_bytes(c.dtype) : 2.0;
  // MLA's latents (the up-projections' inputs, whole on every rank) are kept as well.
  // A LoRA run's frozen products compute no weight gradient, and a product's input is kept only for that gradient
  // (PyTorch autograd saves what the gradients it must compute need; Transformer Engine's Linear saves its input when
  // the weight requires a gradient): with adapters on the attention alone, the MLP's two product inputs (its
  // normalised input and the activation output) are not kept. The adapters' own inputs (the attention's normalised
  // input and its output) and the tensors the norms, attention and MLP activation differentiate through stay.
  const bool frozen_mlp = c.lora_rank > 0 && !c.lora_all_linears;
  const double mlp_inputs = frozen_mlp ? 0.0 : 1.0;
  const double shared = (dropout ? 6.0 : 4.0) * h + (1.0 + mlp_inputs) * gemm_input * h + 2.0 * m.latent_width();
  // Split by TP: Q, K, V (2q + 2k + 2v; one byte each with FP8 attention), attention-output input, MLP up output
  // 2 x up, activation output.
  const double split = attention_operand_bytes(c) * (aw.q + aw.k + aw.v) + gemm_input * aw.o + 2.0 * up +
                       mlp_inputs * gemm_input * f + scores;
  // What a layer keeps: all of the above; one that recomputes its forward in full (fully_recomputed_layers of a
  // stage's) keeps its input alone.
  const double kept = c.sequence_parallel ? s * b * (shared + split) / t : s * b * (shared + split / t);
  const double recomputed = 2.0 * s * b * h / (c.sequence_parallel ? t : 1.0);
  // Offloaded layers (activation_offload_layers; one stage, no recompute: the loader's rule) keep theirs in host
  // memory but for the handler's buffers.
  const auto offloaded_layers = [&](double layers) {
    return std::min(layers, static_cast<double>(c.activation_offload_layers));
  };
  const auto resident_offloaded = [&](double layers) {
    return std::min(offloaded_layers(layers), kOffloadBufferLayers);
  };
  const auto stage_activations = [&](double layers) {
    if (c.recompute == Recompute::selective_op)
      return layers * 2.0 * s * b * op_checkpoint_saved_width(m, t, c.sequence_parallel);
    const double again = fully_recomputed_layers(c, layers);
    return again * recomputed + (layers - again - offloaded_layers(layers) + resident_offloaded(layers)) * kept;
  };
  // Logits of the last stage in fp32 (and their gradient) for one micro-batch.
  const double logits = 2.0 * s * b * (static_cast<double>(m.vocab) / t) * 4.0;
  // 1F1B: stage i holds pp - i micro-batches in flight; interleaving adds (pp - 1) / (pp x vp) of that.
  const double micro_batches = static_cast<double>(micro_batches_per_step(c));
  const double interleave = par.vp > 1 ? 1.0 + (par.pp - 1.0) / (par.pp * par.vp) : 1.0;
  const StageLayers split_layers = stage_layers(m.layers, par.pp);
  // The stages that can need the most: the first (most in flight), the fullest middle one (one fewer) and the last
  // (the logits); the device's footprint is the largest of them.
  const StageFootprint stages[] = {
      {split_layers.first, true, par.pp == 1, static_cast<double>(par.pp)},
      {split_layers.middle, false, false, par.pp - 1.0},
      {split_layers.last, par.pp == 1, true, 1.0},
  };
  // ZeRO-3 / FSDP FULL_SHARD gathers a layer's weights before it runs and prefetches the next layer's (PyTorch FSDP
  // forward and backward prefetch), and reduce-scatters each layer's whole gradient in the reduction's format: two
  // unsharded layers of weights and one of gradients are held beside the shards.
  const double layer_weights = m.parameters_per_layer() / t;
  const double unsharded =
      par.zero >= 3 ? layer_weights * (2.0 * model_weight_bytes(c) + dtype_bytes(c.grad_reduce_dtype)) : 0.0;
  TrainingMemory worst;
  for (const StageFootprint& st : stages) {
    if (st.layers <= 0) continue;
    // A frozen (LoRA) base keeps only its weights; the adapters' weights (trained_weight_bytes) sit beside them.
    const StageParameters p = stage_parameter_counts(c, st.layers, st.first, st.last);
    TrainingMemory mem;
    mem.weights = Bytes((par.zero >= 3 ? p.all / shards : p.held) * model_weight_bytes(c) +
                        p.adapters * trained_weight_bytes(c) + unsharded);
    mem.gradients = Bytes((par.zero >= 2 ? p.trained / shards : p.trained_held) * gradient_buffer_bytes(c));
    mem.optimizer = Bytes((par.zero >= 1 ? p.trained / shards : p.trained_held) * kOptimizerBytes);
    const double in_flight = std::min(st.in_flight, micro_batches);
    mem.activations = Bytes(stage_activations(st.layers) * in_flight * interleave + (st.last ? logits : 0.0));
    mem.offloaded = Bytes(offloaded_layers(st.layers) * kept * in_flight * interleave);
    if (mem.total() > worst.total()) worst = mem;
  }
  return worst;
}

}  // namespace hwsim
