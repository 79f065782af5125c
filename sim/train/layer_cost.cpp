#include "sim/train/layer_cost.hpp"

#include <array>

namespace hwsim::train_detail {

namespace {

// MLA's products (layer_products): the down-projections run whole on every rank, the up-projections split their
// heads as QKV does, the output projection as the attention projection.
void mla_products(const Context& x, LayerCost& L, double tokens, double chunks, double sms) {
  const double t = x.c.parallelism.tp;
  const LayerProducts products = layer_products(x.c.model);
  for (int i = 0; i < products.attention; ++i) {
    const LayerProduct& p = products.products[i];
    if (p.replicated) {
      x.linear(L.forward, L.backward, tokens, p.out, p.in);
    } else if (p.row_parallel) {
      x.linear(L.forward, L.backward, tokens, p.out, p.in / t, chunks, chunks, sms, 1.0);
    } else {
      x.linear(L.forward, L.backward, tokens, p.out / t, p.in, chunks, 1.0, 1.0, sms);
    }
  }
}

// A mixture of experts' token shuffles around its grouped products, per MoE layer (Megatron-Core
// transformer/moe/token_dispatcher.py), 16-bit rows of h; the backward moves the gradients back the same way (the
// caller adds it twice). `shard` is a rank's own tokens (its sequence-parallel shard), `received` the rows its
// grouped products take (the expert-tensor-parallel gather of them).
//  - alltoall: each own token's k routed copies gathered in expert order before the all-to-all (permute: read h,
//    write k x h) and the expert outputs summed back after it (unpermute: read k x h, write h); with several local
//    experts the received copies are also sorted by local expert and back (sort_chunks_by_idxs: read and write k x h
//    each way, on the busiest rank's imbalance times the mean).
//  - DeepEP and HybridEP: a token arrives once at each of the destination_ranks R its experts fall on and is expanded
//    there into its k copies (permute: read R x h, write k x h) and reduced back (read k x h, write R x h); HybridEP
//    fuses this into its dispatch and combine kernels only with moe_permute_fusion_into_hybridep, off by default
//    (transformer_config.py).
Cost moe_shuffles(const Context& x, double shard, double received, double imbalance) {
  const TrainingConfig& c = x.c;
  const ModelSpec& m = c.model;
  const int ep = c.parallelism.ep;
  const double k = m.experts_per_token;
  double rows = 0;
  if (ep > 1 && c.moe_dispatcher != MoeDispatcher::alltoall) {
    rows = shard * imbalance * (2.0 * destination_ranks(m, ep) + 2.0 * k);
  } else {
    rows = shard * (2.0 + 2.0 * k);
    if (m.experts / ep > 1) rows += received * imbalance * 4.0 * k;
  }
  Cost cost;
  x.elementwise(cost, rows * m.hidden * kActivationBytes);
  return cost;
}

// What Megatron-Core's grouped MLP (TEGroupedMLP, megatron/core/transformer/moe/experts.py at core_v0.17.0, the
// Megatron of NeMo 26.04) runs as separate PyTorch kernels around the experts' products beyond a fused activation:
// bytes per routed copy of a token, forward and backward, for experts `f` wide on the rank (their MLP width over the
// expert tensor parallelism) and a model `h` wide, and the forward's extra launches per MoE layer. Transformer Engine
// adds the first product's bias inside the GEMM (and its gradient in the weight-gradient GEMM's epilogue), so it
// costs nothing here.
//  - A clamped GLU (gpt-oss): weighted_bias_quick_geglu_impl (megatron/core/fusions/fused_bias_geglu.py) clamps the
//    gate and linear halves of the first product's output and concatenates them before the compiled activation:
//    read and write f 16-bit elements twice, then 2f (16f bytes; 3 kernels). The backward runs the clamps' gradients
//    as PyTorch does (clamp_backward: the gate's mask and select, 8f; the linear half's two comparisons, their logical
//    and, and the select, 14f) and concatenates the two halves' gradients (the chunk's backward, 8f): 30f.
//  - Biases: the second product's bias is returned to Megatron (skip_bias_add), which adds it weighted by the token's
//    routing probability expert by expert (_apply_bias: b x p written, t + b x p, torch.cat of the rows; 2 kernels
//    per local expert and the cat). With 16-bit probabilities (the alltoall dispatcher: the router's dtype) 12h
//    forward; backward the multiplies' gradients and sums for b and p (12h) and the split's backward, a cat (4h):
//    16h. The flex dispatcher (deepep, hybridep) makes the probabilities 32-bit (token_dispatcher.py: "HybridEP only
//    supports float32 probs"), so b x p and the sum are 32-bit and cast back: 28h forward (and a cast kernel), 40h
//    backward.
// The fused grouped MLP (moe_fused_mlp: Transformer Engine's op fuser with the CuTeDSL grouped GEMM and GLU kernels,
// experts.py from core_v0.18.0: the clamp in ScaledClampedQGeGLU, the bias scaled inside the op) runs them inside the
// products. Not counted: the clamp's extra saved copy (memory), moe_act recompute's second clamp (recompute_modules
// is not an input). Other stacks' MoE layers are not measured: nothing is added.
struct EagerEpilogue {
  double forward = 0;   // bytes per routed copy
  double backward = 0;  // bytes per routed copy
  double kernels = 0;   // forward launches per MoE layer
};
EagerEpilogue moe_eager_epilogue(const TrainingConfig& c, double f, double h) {
  const ModelSpec& m = c.model;
  EagerEpilogue e;
  if (c.moe_fused_mlp || c.stack != Stack::megatron_core) return e;
  if (m.clamped_glu) {
    e.forward += 16.0 * f;
    e.backward += 30.0 * f;
    e.kernels += 3.0;
  }
  if (m.biases) {
    const bool fp32_probs = c.moe_dispatcher != MoeDispatcher::alltoall;
    e.forward += (fp32_probs ? 28.0 : 12.0) * h;
    e.backward += (fp32_probs ? 40.0 : 16.0) * h;
    e.kernels += 2.0 * m.experts / c.parallelism.ep + (fp32_probs ? 2.0 : 1.0);
  }
  return e;
}

// Ring attention's traffic beyond the one pass a fused kernel's `io` counts, per layer over `tokens` local rows with
// query width `q`, key-plus-value width `kv` and output width `o` per rank (Transformer Engine's
// AttnFuncWithCPAndKVP2P, transformer_engine/pytorch/attention/dot_product_attention/context_parallel.py). Each of the
// cp - 1 further steps runs the kernel over one block pair: forward it reads its queries, keys and values and writes
// a partial output; backward it re-reads queries, keys, values, output and output gradient and writes dq, dK and dV
// partials. That is the kernels' own traffic (`kernel`, under their compute). The partials are then merged by
// element-wise kernels (`merge`): forward into the output after the ring (flash_attn_fwd_out_correction: read the
// partial and the output, write the output; the first step's init reads its partial and writes the output), backward
// into dq and into the dK, dV passed round the ring (read both, write one; the first step copies). With causal load
// balancing a further step covers all local queries against half the remote keys or half the queries against all of
// them: 3/4 of the rows, averaged over the ranks (the last rank merges whole rows at every step). Queries, keys and
// values at attention_operand_bytes, the rest in 16 bits. Not counted: packing K and V into the ring's buffers, the
// further kernels' launches.
struct RingBytes {
  double kernel;
  double merge;
};
RingBytes ring_step_bytes(const TrainingConfig& c, double tokens, double q, double kv, double o, bool backward) {
  const double steps = c.parallelism.cp - 1.0;
  const double share = c.model.architecture == Architecture::decoder ? 0.75 : 1.0;
  const double operands = attention_operand_bytes(c) * (q + kv);
  const double written = backward ? q + kv : o;    // dq and dK, dV; or the output
  const double reread = backward ? 2.0 * o : 0.0;  // the output and its gradient
  return {tokens * steps * share * (operands + kActivationBytes * (reread + written)),
          tokens * kActivationBytes * written * (2.0 + 3.0 * share * steps)};
}

// How fast a pass's attention layers run against its full layers, at whose rate fused_attention() prices them
// (occupancy_against_full_layers): a sliding window's query tiles hold a few key blocks beside their fixed work. Full
// layers attend `context` keys per query (half of them in a decoder), windowed ones their window's
// (ModelSpec::window_context). A backward that executes the window layers whole (fp8_window_backward_unskipped) runs
// them as full layers. A context-parallel ring runs a full layer's tiles once per step; a window's tiles run once
// (Transformer Engine exchanges the window's halo of keys). The tile model is measured on native (cuDNN) kernels and
// assumed for the others.
double layers_occupancy(const Context& x, double context, bool backward, bool windows_whole) {
  const ModelSpec& m = x.c.model;
  if (!m.windowed() || context <= m.attention_window || windows_whole) return 1.0;  // every layer a full one
  const bool decoder = m.architecture == Architecture::decoder;
  const double half = decoder ? 0.5 : 1.0;
  const AttentionMask full = decoder ? AttentionMask::causal : AttentionMask::none;
  const double window_layers = m.window_layers;
  const std::array<AttentionLayerKind, 2> kinds{
      AttentionLayerKind{m.layers - window_layers, half * context, full, static_cast<double>(x.c.parallelism.cp)},
      AttentionLayerKind{window_layers, half * m.window_context(context), AttentionMask::window}};
  return occupancy_against_full_layers(x.dev, kinds, backward);
}

// Attention core: QK^T and AV over the context, forward and backward.
void attention_core(const Context& x, LayerCost& L) {
  const TrainingConfig& c = x.c;
  const ModelSpec& m = c.model;
  const double t = c.parallelism.tp;
  const double b = c.micro_batch;
  const double s = static_cast<double>(c.seq_len) / c.parallelism.cp;  // local tokens per sequence
  const double context = c.seq_len;  // keys each query attends to (ring attention with CP)
  const double tokens = b * s;
  const double heads = m.heads / t;
  const ModelSpec::AttentionWidths aw = m.attention_widths();
  Cost attn_fwd;
  Cost merges;  // context parallelism's forward merges (ring_step_bytes)
  Cost attn_bwd;
  if (c.flash_attention) {
    // Fused kernels skip masked blocks (causal: about half; outside a sliding window too: ModelSpec::sequence_context
    // averages the windowed layers' keys per query over the layers) and keep scores on chip; the backward recomputes
    // QK^T (2.5x the forward's FLOPs).
    const double per_key = 2.0 * tokens * heads * (m.score_head_dim() + m.value_head_dim());
    const double full_flops = per_key * m.sequence_context(context);
    const double executed = m.architecture == Architecture::decoder ? 0.5 * full_flops : full_flops;
    // cuDNN's FP8 backward on Blackwell computes every key block of a causal sliding-window layer up to the diagonal,
    // not only the window's: its time grows with the square of the length where the BF16 backward's and the FP8
    // forward's grow with it (fp8_window_backward_unskipped). Such a run's backward executes the window layers whole.
    // Measured on causal windows only: encoders keep the window. A chunked layer stored as a window (Llama 4) takes it
    // unmeasured.
    const bool unskipped = c.fp8_attention && m.windowed() && m.architecture == Architecture::decoder &&
                           fp8_window_backward_unskipped(x.dev);
    const double backward_executed = unskipped ? 0.5 * per_key * context : executed;
    // FP8 attention (fp8_attention) reads Q, K and V at one byte and runs at cuDNN's measured FP8 rates.
    const double io = tokens * (attention_operand_bytes(c) * (aw.q + aw.k + aw.v) + kActivationBytes * aw.o) / t;
    // The kernel generation the run uses (attention_kernel_of: its stack's unless named). A native kernel's heads
    // narrower than 128 carry fewer FLOPs per score beside the same softmax work, MLA's wider scores run a slower
    // backward (head_dim_attention_share); the older kernel generations (attention_kernel_share) are bound by their
    // tensor rate. A sliding window's tiles pay their fixed work over a few key blocks (layers_occupancy).
    const AttentionKernel kernel = attention_kernel_of(c);
    const double share = x.eff.attention_kernel_share(x.dev, kernel);
    const auto efficiency = [&](bool backward) {
      const double fp8 = c.fp8_attention ? fp8_fused_attention_speedup(x.dev, backward, m.score_head_dim()) : 1.0;
      const double narrow =
          kernel == AttentionKernel::native ? head_dim_attention_share(x.dev, m.score_head_dim(), backward) : 1.0;
      const double occupancy = layers_occupancy(x, context, backward, backward && unskipped);
      return x.eff.fused_attention(x.dev, x.attention_dtype, backward) * share * fp8 * narrow * occupancy;
    };
    const double forward_eff = efficiency(false);
    const double backward_eff = efficiency(true);
    // With context parallelism, the ring's further steps (ring_step_bytes).
    RingBytes ring_fwd{0, 0};
    RingBytes ring_bwd{0, 0};
    if (c.parallelism.cp > 1) {
      ring_fwd = ring_step_bytes(c, tokens, aw.q / t, (aw.k + aw.v) / t, aw.o / t, false);
      ring_bwd = ring_step_bytes(c, tokens, aw.q / t, (aw.k + aw.v) / t, aw.o / t, true);
    }
    attn_fwd.add(Flop(executed) / (x.attention_peak * forward_eff), x.bytes_time(io + ring_fwd.kernel), Flop(executed),
                 x.corner);
    attn_bwd.add(Flop(2.5 * backward_executed) / (x.attention_peak * backward_eff),
                 x.bytes_time(2.0 * io + ring_bwd.kernel), Flop(2.5 * backward_executed), x.corner);
    // The forward merges follow the ring, so they are no cover for its sends (L.attention_forward).
    if (ring_fwd.merge > 0) x.elementwise(merges, ring_fwd.merge);
    if (ring_bwd.merge > 0) x.elementwise(attn_bwd, ring_bwd.merge);
  } else {
    // Batched GEMMs with the head dimension as a thin side, and the score matrix through memory (all of it: eager
    // attention masks a sliding window's scores after computing them).
    Cost core;
    x.gemm16(core, s, context, m.score_head_dim(), b * heads);  // QK^T
    x.gemm16(core, s, m.value_head_dim(), context, b * heads);  // AV
    attn_fwd += core;
    attn_bwd += scaled(core, 2.0);
    const double scores = b * heads * s * context;
    x.elementwise(attn_fwd, kScoreBytesForward * scores);
    x.elementwise(attn_bwd, kScoreBytesBackward * scores);
  }
  L.attention_forward = attn_fwd;
  L.forward += attn_fwd;
  L.forward += merges;
  L.backward += attn_bwd;
}

}  // namespace

LayerCost layer_cost(const Context& x) {
  const TrainingConfig& c = x.c;
  const ModelSpec& m = c.model;
  const Parallelism& par = c.parallelism;
  const double t = par.tp;
  const double b = c.micro_batch;
  const double s = static_cast<double>(c.seq_len) / par.cp;  // local tokens per sequence
  const double tokens = b * s;
  const double h = m.hidden;
  const double q = m.q_dim();  // queries and attention output (h unless head_dim is set apart)
  const double kv = m.kv_dim();
  const double f = busiest_mlp_width(c);
  const double up = m.gated_mlp ? 2.0 * f : f;
  const double gate = m.gated_mlp ? 2.0 : 1.0;
  // A mixture of experts' routed products, averaged over the layers (f_routed of f), run as a grouped GEMM of the
  // rank's local experts the tokens touch, over the rows routed to each: a rank receives its tokens' k copies on
  // average (imbalance times that on the busiest rank), spread over its groups.
  const double imbalance = par.ep > 1 ? c.expert_imbalance : 1.0;
  const double moe_share = m.moe_layer_share();
  const double f_routed = m.routed_mlp_width() * imbalance;
  // 0 when every layer is MoE (no product of a rounding residue's width).
  const double f_dense = f - f_routed > 1e-9 * f ? f - f_routed : 0.0;
  // A rank's experts are split over etp ranks (expert_tp; tp by default): with etp below tp a rank's experts take the
  // tokens of its etp-rank group's sequence shards, etp / tp of the attention's rows, each expert tp / etp wider.
  const double et = expert_tp(par);
  const double rows_share = et / t;
  const double groups = busiest_rank_experts_read(m, b * s * par.ep * rows_share, par.ep, c.expert_imbalance);
  const double routed_rows = b * s * rows_share * m.experts_per_token * imbalance;  // copies a MoE layer's experts take
  const double group_rows = routed_rows / std::max(1.0, groups);
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
  if (m.mla()) {
    mla_products(x, L, tokens, chunks, sms);
  } else {
    x.linear(L.forward, L.backward, tokens, (q + 2.0 * kv) / t, h, chunks, 1.0, 1.0, sms);  // QKV
    x.linear(L.forward, L.backward, tokens, h, q / t, chunks, chunks, sms, 1.0);            // attention projection
  }
  if (f_dense > 0) {
    x.linear(L.forward, L.backward, tokens, gate * f_dense / t, h, chunks, 1.0, 1.0, sms);  // MLP up (and gate)
    x.linear(L.forward, L.backward, tokens, h, f_dense / t, chunks, chunks, sms, 1.0);      // MLP down
  }
  if (f_routed > 0) {
    x.grouped_linear(L.forward, L.backward, groups, moe_share, group_rows, gate * m.moe_ffn_hidden / et, h);
    x.grouped_linear(L.forward, L.backward, groups, moe_share, group_rows, h, m.moe_ffn_hidden / et);
  }
  if (c.lora_rank > 0) {
    x.adapter(L.forward, L.backward, tokens, (q + 2.0 * kv) / t, h);
    x.adapter(L.forward, L.backward, tokens, h, q / t);
    if (c.lora_all_linears) {
      x.adapter(L.forward, L.backward, tokens, up / t, h);
      x.adapter(L.forward, L.backward, tokens, h, f / t);
    }
  }

  attention_core(x, L);

  // Element-wise work: two norms (read, write), two residual adds (read 2, write 1; with dropout also a mask and
  // a pass: 4), the MLP activation (f wide); the backward moves about twice the bytes.
  const double residual = c.dropout > 0 ? 4.0 : 3.0;
  const double h_wide = tokens * h * kActivationBytes * replicated * (2.0 + 2.0 + 2.0 * residual);
  const double f_wide = tokens * kActivationBytes * (up + f) / t;
  Cost elementwise;
  x.elementwise(elementwise, h_wide + f_wide);
  L.forward += elementwise;
  L.backward += scaled(elementwise, 2.0);
  Cost shuffles;
  EagerEpilogue eager;
  if (f_routed > 0) {
    shuffles = moe_shuffles(x, tokens * replicated * moe_share, tokens * rows_share * moe_share, imbalance);
    L.forward += shuffles;
    L.backward += shuffles;
    // Over the routed copies, averaged over the layers.
    eager = moe_eager_epilogue(c, m.moe_ffn_hidden / et, h);
    if (eager.forward > 0) {
      x.elementwise(L.forward, routed_rows * moe_share * eager.forward);
      x.elementwise(L.backward, routed_rows * moe_share * eager.backward);
    }
  }

  // Op-level checkpointing repeats the products it did not keep, whole (no tensor-parallel chunking in torchtitan),
  // and all the element-wise work.
  const LayerProducts products = layer_products(m);
  for (int i = 0; i < products.count; ++i) {
    const LayerProduct& p = products.products[i];
    if (op_checkpoint_recomputes(i)) {
      x.linear_forward(L.op_recompute, tokens, p.row_parallel || p.replicated ? p.out : p.out / t,
                       p.row_parallel ? p.in / t : p.in);
    }
  }
  L.op_recompute += elementwise;
  L.op_recompute += shuffles;

  L.kernels_forward = kKernelsPerLayer + (c.flash_attention ? 0.0 : 4.0) + eager.kernels * moe_share;
  return L;
}

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
  // The input gradient, and the output layer's weight gradient unless it is frozen (LoRA).
  total += scaled(bwd, c.lora_rank > 0 ? 1.0 : 2.0);
  return total;
}

}  // namespace hwsim::train_detail
