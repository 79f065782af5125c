// Training memory per device: weights, gradients and optimizer state (ZeRO-aware) and activations (Korthikanti et al.
// 2022), the footprint evaluate_training checks before it times anything.
#include "sim/train/training.hpp"

#include <algorithm>

namespace hwsim {

namespace {
// Bytes per parameter with Megatron-style mixed precision (Megatron-LM distributed-optimizer docs): 16-bit
// weights, fp32 main gradients, fp32 master weights + Adam m and v (12 bytes). fp32 training keeps 4-byte weights.
constexpr double kGradientBytes = 4.0;
constexpr double kOptimizerBytes = 12.0;
}  // namespace

double training_weight_bytes(DType d) { return d == DType::fp32 || d == DType::tf32 || d == DType::fp64 ? 4.0 : 2.0; }

TrainingMemory training_memory(const TrainingConfig& c) {
  const Parallelism& par = c.parallelism;
  const ModelSpec& m = c.model;
  const double params_per_device = m.parameters() / (par.tp * par.pp);
  TrainingMemory mem;
  const double dp = par.dp;
  mem.weights = Bytes(params_per_device * training_weight_bytes(c.dtype) / (par.zero >= 3 ? dp : 1.0));
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

}  // namespace hwsim
