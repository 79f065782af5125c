// A transformer model: its shape, and the figures derived from it (parameters, FLOPs per token, KV-cache bytes).
// Contract (FLOP convention, as Megatron-LM and PaLM count model FLOPs): one forward pass costs 2 FLOP per
// multiply-accumulate of every weight matrix used by a token (the logits projection included) plus 4 x layers x
// seq x (heads x head_dim) for attention scores and values over a context of `seq` (no causal halving; a layer with
// a sliding window of w attends min(seq, w) tokens per query, and a causal pass over seq > w tokens counts 2w - w^2/seq
// per token: sequence_attention_flops_per_token).
// Training model FLOPs = 3 x forward (backward = 2 x forward); recompute is not counted.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "sim/core/schema.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

enum class Architecture { decoder, encoder };
enum class NormKind { layernorm, rmsnorm };
enum class PositionKind { rope, learned, alibi };

struct ModelSpec {
  std::string name;
  std::string family;
  Architecture architecture = Architecture::decoder;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int ffn_hidden = 0;
  int vocab = 0;
  int max_seq = 0;
  bool gated_mlp = false;
  bool tied_embeddings = false;
  NormKind norm = NormKind::layernorm;
  PositionKind position = PositionKind::rope;
  bool biases = false;
  // The gated MLP clamps its two halves before the activation (gpt-oss: the gate at most 7, the linear half within
  // +-7). The products are the same; a training stack that runs the clamp as separate kernels moves more bytes
  // (sim/train/layer_cost.cpp moe_eager_epilogue).
  bool clamped_glu = false;
  bool parallel_attention = false;
  // Mixture of experts (experts > 1): `experts` routed experts of width `moe_ffn_hidden`, `experts_per_token` of them
  // per token, `shared_experts` more that every token uses, a router (hidden x experts) per MoE layer, and the first
  // `dense_layers` layers with a dense MLP of `ffn_hidden` instead (DeepSeek's first_k_dense_replace).
  int experts = 1;
  int experts_per_token = 1;
  int shared_experts = 0;
  int moe_ffn_hidden = 0;  // set by the loader (default ffn_hidden)
  int dense_layers = 0;
  // Multi-head latent attention (DeepSeek-V2/V3) when kv_lora_rank > 0: queries through a `q_lora_rank` latent (0:
  // a plain projection), keys and values through a `kv_lora_rank` latent, which the KV cache keeps with one shared
  // rotary key of `qk_rope_head_dim`; each head's query and key are `qk_nope_head_dim + qk_rope_head_dim` wide, its
  // value `v_head_dim`.
  int kv_lora_rank = 0;
  int q_lora_rank = 0;
  int qk_rope_head_dim = 0;
  int qk_nope_head_dim = 0;
  int v_head_dim = 0;
  // Width of one attention head when the model sets it apart from hidden / heads (Qwen3, gpt-oss: head_dim in
  // config.json); 0 = hidden / heads. Queries and the attention output are then heads x head_dim wide.
  int explicit_head_dim = 0;
  // Sliding-window attention when attention_window > 0: `window_layers` of the layers attend only the last
  // `attention_window` tokens (their KV cache keeps no more where the serving engine gives them a pool of their own:
  // sim/infer/serving_memory.hpp), the others the whole context. Which layers they are does
  // not matter to the totals (Mistral 7B: all of them; gpt-oss: every other one).
  int attention_window = 0;
  int window_layers = 0;
  double published_parameters = 0;  // 0 = not given

  [[nodiscard]] int head_dim() const { return explicit_head_dim > 0 ? explicit_head_dim : hidden / heads; }
  [[nodiscard]] double kv_dim() const { return static_cast<double>(kv_heads) * head_dim(); }
  // Width of the queries and of the attention output (hidden unless head_dim is set apart from it).
  [[nodiscard]] double q_dim() const {
    return explicit_head_dim > 0 ? static_cast<double>(heads) * head_dim() : hidden;
  }
  [[nodiscard]] bool windowed() const { return attention_window > 0; }
  [[nodiscard]] bool mla() const { return kv_lora_rank > 0; }
  [[nodiscard]] bool moe() const { return experts > 1; }
  // Layers whose MLP is a mixture of experts (the others are dense).
  [[nodiscard]] int moe_layers() const { return moe() ? layers - dense_layers : 0; }
  // The share of the layers that are MoE layers (0 for a dense model).
  [[nodiscard]] double moe_layer_share() const { return layers > 0 ? static_cast<double>(moe_layers()) / layers : 0.0; }
  // Widths of one head's query-key product and of its value (head_dim, or MLA's).
  [[nodiscard]] double score_head_dim() const { return mla() ? qk_nope_head_dim + qk_rope_head_dim : head_dim(); }
  [[nodiscard]] double value_head_dim() const { return mla() ? v_head_dim : head_dim(); }
  // Widths per token of a layer's attention tensors as training materialises them: queries, keys, values and the
  // attention output (MLA expanded, not absorbed: every head's key and value from the latent).
  struct AttentionWidths {
    double q = 0;
    double k = 0;
    double v = 0;
    double o = 0;
  };
  [[nodiscard]] AttentionWidths attention_widths() const {
    if (!mla()) return {q_dim(), kv_dim(), kv_dim(), q_dim()};
    const double h = heads;
    return {h * score_head_dim(), h * score_head_dim(), h * value_head_dim(), h * value_head_dim()};
  }
  // MLA's latents per token (the down-projections' outputs, which every tensor-parallel rank holds whole): the query
  // latent, the key-value latent and the shared rotary key; 0 for other attention.
  [[nodiscard]] double latent_width() const {
    return mla() ? static_cast<double>(q_lora_rank) + kv_lora_rank + qk_rope_head_dim : 0.0;
  }
  // MLP width a token passes through, averaged over the layers: ffn_hidden in dense layers, (experts_per_token +
  // shared_experts) x moe_ffn_hidden in MoE layers. What the step's MLP products, activations and element-wise work
  // scale with.
  [[nodiscard]] double active_mlp_width() const;
  // Of it, the routed experts' part: experts_per_token x moe_ffn_hidden in MoE layers, averaged over the layers (what
  // expert parallelism's imbalance scales and a grouped expert GEMM runs). 0 for a dense model.
  [[nodiscard]] double routed_mlp_width() const;

  // Weights of one layer's attention block (Q, K, V, O and their biases; MLA's projections and latent norms).
  [[nodiscard]] double attention_parameters_per_layer() const;
  // Weights of one expert's MLP (and biases).
  [[nodiscard]] double mlp_parameters_per_expert() const;
  [[nodiscard]] double norm_parameters() const;       // one norm
  [[nodiscard]] double embedding_parameters() const;  // token (+ learned position, + token type) embeddings
  // The token table's weights, vocab x hidden: the token embedding, and the output layer's size (its own weights
  // unless tied_embeddings, when the table is read as the output layer).
  [[nodiscard]] double token_table_parameters() const { return static_cast<double>(vocab) * hidden; }
  // The output layer's own weights: the token table's size, none when it is tied to the embedding.
  [[nodiscard]] double output_layer_parameters() const { return tied_embeddings ? 0.0 : token_table_parameters(); }
  // Weights of the layers (attention, MLPs with every expert, routers, norms), averaged per layer.
  [[nodiscard]] double parameters_per_layer() const;
  [[nodiscard]] double parameters() const;  // all weights, every expert
  // Weights a token uses: the routed experts it picks and the shared ones, not the others (DeepSeek's "activated
  // parameters": embeddings and output layer included).
  [[nodiscard]] double active_parameters() const;
  // Routed experts of one MoE layer that `tokens` tokens use between them, each picking experts_per_token of the
  // experts uniformly and independently: E x (1 - (1 - k/E)^tokens), the expected count (k for one token, all of them
  // for many). A balanced router's expectation; real routing is skewed, so fewer distinct experts are read.
  [[nodiscard]] double experts_touched(double tokens) const;
  // Weights a forward pass over `tokens` tokens reads: all of them but the routed experts no token picks.
  [[nodiscard]] double parameters_read(double tokens) const;
  // Weights multiplied per token in a forward pass: layers (active experts and routers) plus the logits projection.
  [[nodiscard]] double active_matmul_parameters() const;
  // Of those, the routed experts' products (each token's experts_per_token experts in every MoE layer): what an MoE
  // layer's grouped GEMM multiplies, one group per expert its tokens touch. 0 for a dense model.
  [[nodiscard]] double routed_expert_matmul_parameters() const;
  // Model FLOPs per token of a forward pass over a sequence of `seq` tokens (its attention:
  // sequence_attention_flops_per_token).
  [[nodiscard]] double forward_flops_per_token(double seq) const;
  // Tokens one query attends when `context` tokens precede it, averaged over the layers: `context` in a full layer, at
  // most attention_window in a windowed one. What a decode step attends and what a sequence's KV cache holds per layer
  // where windowed layers have a pool of their own (not under TensorRT-LLM: sim/infer/serving_memory.hpp).
  [[nodiscard]] double attended_context(double context) const {
    if (!windowed()) return context;
    const double capped = context < attention_window ? context : attention_window;
    return (static_cast<double>(layers - window_layers) * context + window_layers * capped) / layers;
  }
  // Attention FLOPs per token when each query attends `keys` tokens averaged over the layers (windows already applied:
  // attended_context, sequence_context).
  [[nodiscard]] double attention_flops_at(double keys) const {
    return 2.0 * layers * keys * static_cast<double>(heads) * (score_head_dim() + value_head_dim());
  }
  // The attention part of a token's forward pass with `context` tokens before it: scores and values, every layer,
  // windowed layers over at most their window.
  [[nodiscard]] double attention_flops_per_token(double context) const {
    return attention_flops_at(attended_context(context));
  }
  // Keys per query of a causal pass over a sequence of `seq` tokens, averaged over the layers, in the FLOP convention
  // that counts every query over the whole sequence (no causal halving): `seq` in a full layer. A windowed layer's
  // query i attends min(i, w) keys: over seq > w queries that is about w^2/2 for the first w and (seq - w) x w for the
  // rest, seq x w - w^2/2 score pairs against a full layer's seq^2/2, so the convention's doubled figure per query is
  // 2w - w^2/seq (seq itself when seq <= w).
  [[nodiscard]] double sequence_context(double seq) const;
  // A windowed layer's figure in that convention: 2w - w^2/seq, or seq itself when seq <= w (seq without a window).
  [[nodiscard]] double window_context(double seq) const;
  // Attention FLOPs per token of that pass.
  [[nodiscard]] double sequence_attention_flops_per_token(double seq) const {
    return attention_flops_at(sequence_context(seq));
  }
  // Attention FLOPs of one decoded token when MLA's up-projections are absorbed (DeepSeek-V2, arXiv 2405.04434,
  // section 2.1.3: W_UK into the query, W_UV into the output): every head scores the cached latent and rotary key
  // (kv_lora_rank + qk_rope_head_dim) and sums the latent (kv_lora_rank), so the cache is read once for all heads.
  // Serving engines decode so (FlashMLA; SGLang, vLLM and TensorRT-LLM's MLA kernels) and prefill in the expanded
  // form above. Other attention: attention_flops_per_token.
  [[nodiscard]] double decode_attention_flops_per_token(double context) const {
    if (!mla()) return attention_flops_per_token(context);
    return 2.0 * layers * attended_context(context) * static_cast<double>(heads) *
           (2.0 * kv_lora_rank + qk_rope_head_dim);
  }
  // Training model FLOPs per token at sequence length `seq` (3 x forward over a sequence of seq).
  [[nodiscard]] double training_flops_per_token(double seq) const;
  // KV-cache elements one token writes: K and V over all layers, or MLA's latent and shared rotary key.
  [[nodiscard]] double kv_elements_per_token() const {
    return mla() ? static_cast<double>(layers) * (kv_lora_rank + qk_rope_head_dim) : 2.0 * layers * kv_dim();
  }
  // KV-cache elements a sequence of `context` tokens keeps with per-window pools: windowed layers at most their
  // window's.
  [[nodiscard]] double kv_elements(double context) const { return attended_context(context) * kv_elements_per_token(); }

 private:
  [[nodiscard]] double mlp_parameters(double width) const;
  // Weights of the layers' blocks over all layers; `experts_used` routed experts per MoE layer.
  [[nodiscard]] double block_parameters(double experts_used) const;
  [[nodiscard]] double attention_matmul_parameters() const;
};

// One matrix product of a layer, per token: x (1 x in) . W (in x out). A row-parallel product (the attention output
// projection, the MLP down projection) takes its input split by tensor parallelism and produces the full width, which
// the ranks then reduce; a replicated one (MLA's down-projections) runs whole on every rank; the others split their
// output.
struct LayerProduct {
  double in = 0;
  double out = 0;
  bool row_parallel = false;
  bool replicated = false;
};
// A layer's products in the order a PyTorch layer issues them (torchtitan's Llama, models/llama/model.py: wq, wk, wv,
// wo, then w1, w3, w2 of a gated MLP; up, down otherwise; MLA as DeepSeek-V3's reference model issues them,
// inference/model.py MLA: wq_a and wq_b (or wq), wkv_a, wkv_b, wo, with wq_a and wkv_a plain Linear layers on every
// rank and wq_b, wkv_b column-parallel), the MLP at the active experts' width. The first `attention` are the
// attention's. The op-level checkpointing rule counts them in this order (sim/train: op_checkpoint_recomputes).
struct LayerProducts {
  std::array<LayerProduct, 8> products;
  int count = 0;
  int attention = 0;
};
LayerProducts layer_products(const ModelSpec& model);

// Layers held by pipeline stages, as Megatron-LM splits them. When pp divides the layers every stage takes
// layers / pp. Otherwise the embedding and the loss count as one layer each (Megatron-Core
// `account_for_embedding_in_pipeline_split` and `account_for_loss_in_pipeline_split`; the Llama 3 paper, section
// 3.3.2, puts 126 layers on 16 stages so): layers + 2 slots split evenly, leftover slots to the middle stages first,
// so the first and last stages hold one layer fewer. When that leaves an end stage empty, the layers themselves are
// split as evenly as possible, leftovers to the middle stages first.
struct StageLayers {
  int first = 0;
  int middle = 0;  // the most any stage between the first and the last holds (0 when pp <= 2)
  int last = 0;
  [[nodiscard]] int most() const {
    return first > middle ? (first > last ? first : last) : (middle > last ? middle : last);
  }
};
StageLayers stage_layers(int layers, int pp);

// Parameters one pipeline stage holds on one tensor-parallel rank: its layers, plus the embeddings on the first
// stage, the final norm and the output layer on the last (with tied embeddings the last stage keeps its own copy of
// the embedding matrix when pp > 1, as Megatron-LM does).
double stage_parameters(const ModelSpec& model, int layers_in_stage, bool first, bool last, int tp, int pp);

// The routed experts' parameters among a stage's layers on one tensor-parallel rank (what expert parallelism splits;
// shared experts, routers and everything else stay whole).
double stage_expert_parameters(const ModelSpec& model, int layers_in_stage, int tp);

// Why `tp` tensor-parallel ranks and `pp` pipeline stages cannot split `model`, or nothing when they can. Contract:
// pipeline stages take whole layers (layers % pp == 0); tensor-parallel ranks take whole attention heads and whole
// KV groups (heads % tp == 0 and kv_heads % tp == 0, as Megatron-LM's divide(num_query_groups, tp) requires; the
// engine divides the KV cache and the K and V activations by tp); every stage holds at least one layer
// (stage_layers). The layer rule is checked first; `key` names the
// setting at fault so a loader can point at it.
struct ParallelismError {
  std::string key;      // "pp" or "tp"
  std::string message;  // e.g. "80 layers do not split evenly into 3 stages", "32 heads do not split evenly over tp=3"
};
std::optional<ParallelismError> parallelism_error(const ModelSpec& model, int tp, int pp);

// Expert parallelism, in training and in serving: each of `ep` ranks holds experts / ep of every MoE layer's routed
// experts whole (shared experts, routers and the rest as the other dimensions split them). Why `ep` cannot split
// `model`, or nothing when it can: a dense model takes only ep = 1, and the routed experts split evenly
// (experts % ep == 0, as Megatron-Core, TensorRT-LLM and vLLM require). `key` is "ep".
std::optional<ParallelismError> expert_parallelism_error(const ModelSpec& model, int ep);

// The MLP width a token passes through on the busiest of `ep` expert-parallel ranks, averaged over the layers:
// active_mlp_width with its routed experts' part scaled by `imbalance` (tokens the busiest rank receives over the
// mean) when ep > 1 (a rank that holds every expert does all their work anyway).
double busiest_mlp_width(const ModelSpec& model, int ep, double imbalance);

// Bytes one expert-parallel rank sends to its tokens' experts (and gets back) in one all-to-all for `tokens` local
// tokens: each token's hidden state, 16-bit, once per routed expert it picks (the collective moves (ep - 1) / ep of
// it off the rank: sim/perf/collectives.hpp all_to_all).
Bytes expert_dispatch_bytes(const ModelSpec& model, double tokens);

// What one expert-parallel rank sends in one token dispatch (and gets back in the combine) for `tokens` local tokens,
// its group of `ep` ranks laid `ep_per_node` to a node, routing uniform:
//  - once per routed expert (Megatron-Core's alltoall dispatcher permutes a copy per expert): expert_dispatch_bytes
//    spread evenly over the ep ranks, (p - 1) / ep of it to the node's peers and (ep - p) / ep off the node;
//  - once per destination (DeepEP, HybridEP: a token goes once to each peer rank of its node holding one of its
//    experts, and once to each other node holding one, which forwards it over NVLink, not counted here): tokens x
//    hidden x 2 B x (p - 1) x hit(E / ep) within the node and x (ep / p - 1) x hit(E p / ep) across nodes, where
//    hit(g) = 1 - C(E - g, k) / C(E, k) is the chance that a token's k experts include one of g given experts.
struct ExpertExchange {
  Bytes intra_node;
  Bytes scale_out;
};
ExpertExchange expert_exchange_bytes(const ModelSpec& model, double tokens, int ep, int ep_per_node,
                                     bool per_destination);

// Routed experts of one MoE layer that the busiest of `ep` ranks reads in a pass over `tokens` tokens. ep = 1:
// experts_touched. Otherwise the rank's share of them, experts_touched / ep = E/ep x (1 - (1 - k/E)^tokens) (the
// expected distinct experts among the E/ep it holds, routing uniform), times `imbalance`; at least one (the rank
// holding a touched expert reads it whole) and at most the E/ep it holds.
double busiest_rank_experts_read(const ModelSpec& model, double tokens, int ep, double imbalance);

// The expert-parallel ranks a token's k experts fall on, routing uniform: ep x hit(E / ep) (expert_exchange_bytes'
// hit); 1 without expert parallelism.
double destination_ranks(const ModelSpec& model, int ep);

const Schema& model_schema();
// For a model defined inline in a scenario: `name` and `kind` not required.
const Schema& inline_model_schema();
ModelSpec load_model(const Reader& r);

}  // namespace hwsim
