#include "workloads/model.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "sim/core/entry_store.hpp"

namespace hwsim {

namespace {
// Keys of attention other than plain multi-head attention: latent (MLA), wider heads, a sliding window.
std::vector<KeyDecl> attention_keys() {
  return {
      {.name = "kv_lora_rank",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "multi-head latent attention (MLA): width of the key-value latent the KV cache keeps"},
      {.name = "q_lora_rank",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "MLA: width of the query latent (default: queries projected directly)"},
      {.name = "qk_rope_head_dim",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "MLA: rotary part of each query and key head; the cache keeps one rotary key per token"},
      {.name = "qk_nope_head_dim",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "MLA: non-rotary part of each query and key head (default: hidden / heads)"},
      {.name = "v_head_dim",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "MLA: width of each value head (default: hidden / heads)"},
      {.name = "head_dim",
       .kind = ValueKind::integer,
       .minimum = 1,
       .maximum = 65536,
       .doc = "width of one attention head when not hidden / heads (Qwen3, gpt-oss head_dim; default: hidden / heads)"},
      {.name = "attention_window",
       .kind = ValueKind::integer,
       .minimum = 1,
       .maximum = 16777216,
       .doc = "sliding-window attention: tokens a windowed layer attends, and keeps in its KV cache where the "
              "engine pools windows apart (vLLM; TensorRT-LLM keeps the whole context) (Mistral, gpt-oss "
              "sliding_window)"},
      {.name = "window_layers",
       .kind = ValueKind::integer,
       .minimum = 1,
       .maximum = 65536,
       .doc = "layers that use attention_window; the others attend the whole context (default: all layers)"},
  };
}

std::vector<KeyDecl> model_keys(bool catalog_entry) {
  std::vector<KeyDecl> keys{
      {.name = "name", .kind = ValueKind::text, .required = catalog_entry, .doc = "model name"},
      {.name = "kind",
       .kind = ValueKind::choice,
       .required = catalog_entry,
       .choices = {"model"},
       .doc = "model (catalog entries)"},
      {.name = "base", .kind = ValueKind::text, .doc = "inherit every key of this model, then override"},
      {.name = "family", .kind = ValueKind::text, .doc = "model family"},
      {.name = "architecture",
       .kind = ValueKind::choice,
       .default_text = "decoder",
       .choices = {"decoder", "encoder"},
       .doc = "decoder-only (causal LM) or encoder"},
      {.name = "layers",
       .kind = ValueKind::integer,
       .required = true,
       .minimum = 1,
       .maximum = 65536,
       .doc = "transformer layers"},
      {.name = "hidden",
       .kind = ValueKind::integer,
       .required = true,
       .minimum = 1,
       .maximum = 16777216,
       .doc = "model width"},
      {.name = "heads",
       .kind = ValueKind::integer,
       .required = true,
       .minimum = 1,
       .maximum = 65536,
       .doc = "attention heads"},
      {.name = "kv_heads",
       .kind = ValueKind::integer,
       .minimum = 1,
       .maximum = 65536,
       .doc = "key/value heads (default: heads; fewer = GQA, 1 = MQA)"},
      {.name = "ffn_hidden", .kind = ValueKind::integer, .minimum = 1, .doc = "MLP width (default: 4 x hidden)"},
      {.name = "vocab",
       .kind = ValueKind::integer,
       .required = true,
       .minimum = 1,
       .maximum = 16777216,
       .doc = "vocabulary size"},
      {.name = "max_seq",
       .kind = ValueKind::integer,
       .required = true,
       .minimum = 1,
       .maximum = 16777216,
       .doc = "longest context"},
      {.name = "gated_mlp", .kind = ValueKind::boolean, .default_text = "false", .doc = "SwiGLU/GeGLU (3 matrices)"},
      {.name = "tied_embeddings",
       .kind = ValueKind::boolean,
       .default_text = "false",
       .doc = "logits reuse the token embedding"},
      {.name = "norm",
       .kind = ValueKind::choice,
       .default_text = "layernorm",
       .choices = {"layernorm", "rmsnorm"},
       .doc = "normalisation"},
      {.name = "position",
       .kind = ValueKind::choice,
       .default_text = "rope",
       .choices = {"rope", "learned", "alibi"},
       .doc = "position encoding"},
      {.name = "biases", .kind = ValueKind::boolean, .default_text = "false", .doc = "linear layers have biases"},
      {.name = "clamped_glu",
       .kind = ValueKind::boolean,
       .default_text = "false",
       .doc = "the gated MLP clamps its gate and linear halves before the activation (gpt-oss)"},
      {.name = "parallel_attention",
       .kind = ValueKind::boolean,
       .default_text = "false",
       .doc = "attention and MLP read the same normalised input (one norm per layer)"},
      {.name = "experts", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "MLP experts"},
      {.name = "experts_per_token",
       .kind = ValueKind::integer,
       .default_text = "1",
       .minimum = 1,
       .doc = "experts each token uses"},
      {.name = "shared_experts",
       .kind = ValueKind::integer,
       .default_text = "0",
       .minimum = 0,
       .maximum = 65536,
       .doc = "experts every token uses besides its routed ones (DeepSeek n_shared_experts)"},
      {.name = "moe_ffn_hidden",
       .kind = ValueKind::integer,
       .minimum = 1,
       .doc = "MLP width of one expert (default: ffn_hidden; DeepSeek and Qwen moe_intermediate_size)"},
      {.name = "dense_layers",
       .kind = ValueKind::integer,
       .default_text = "0",
       .minimum = 0,
       .doc = "leading layers with a dense MLP of ffn_hidden instead of experts (DeepSeek first_k_dense_replace)"},
      {.name = "published_parameters",
       .kind = ValueKind::number,
       .minimum = 0,
       .doc = "parameter count the authors publish (checked against the derived count)"},
  };
  std::vector<KeyDecl> attention = attention_keys();  // before published_parameters, which stays last
  keys.insert(keys.end() - 1, std::make_move_iterator(attention.begin()), std::make_move_iterator(attention.end()));
  return keys;
}
}  // namespace

const Schema& model_schema() {
  static const Schema s{"model", model_keys(true)};
  return s;
}

const Schema& inline_model_schema() {
  static const Schema s{"model (inline)", model_keys(false)};
  return s;
}

ModelSpec load_model(const Reader& r) {
  ModelSpec m;
  m.name = r.text("name");
  m.family = r.text("family");
  m.architecture = r.text("architecture") == "encoder" ? Architecture::encoder : Architecture::decoder;
  m.layers = static_cast<int>(r.integer("layers"));
  m.hidden = static_cast<int>(r.integer("hidden"));
  m.heads = static_cast<int>(r.integer("heads"));
  m.kv_heads = static_cast<int>(r.optional_integer("kv_heads").value_or(m.heads));
  m.ffn_hidden = static_cast<int>(r.optional_integer("ffn_hidden").value_or(4LL * m.hidden));
  m.vocab = static_cast<int>(r.integer("vocab"));
  m.max_seq = static_cast<int>(r.integer("max_seq"));
  m.gated_mlp = r.boolean("gated_mlp");
  m.tied_embeddings = r.boolean("tied_embeddings");
  m.norm = r.text("norm") == "rmsnorm" ? NormKind::rmsnorm : NormKind::layernorm;
  const std::string pos = r.text("position");
  m.position = pos == "learned" ? PositionKind::learned : pos == "alibi" ? PositionKind::alibi : PositionKind::rope;
  m.biases = r.boolean("biases");
  m.clamped_glu = r.boolean("clamped_glu");
  m.parallel_attention = r.boolean("parallel_attention");
  m.experts = static_cast<int>(r.integer("experts"));
  m.experts_per_token = static_cast<int>(r.integer("experts_per_token"));
  m.shared_experts = static_cast<int>(r.integer("shared_experts"));
  m.moe_ffn_hidden = static_cast<int>(r.optional_integer("moe_ffn_hidden").value_or(m.ffn_hidden));
  m.dense_layers = static_cast<int>(r.integer("dense_layers"));
  m.explicit_head_dim = static_cast<int>(r.optional_integer("head_dim").value_or(0));
  m.attention_window = static_cast<int>(r.optional_integer("attention_window").value_or(0));
  m.window_layers = static_cast<int>(r.optional_integer("window_layers").value_or(m.windowed() ? m.layers : 0));
  m.kv_lora_rank = static_cast<int>(r.optional_integer("kv_lora_rank").value_or(0));
  m.q_lora_rank = static_cast<int>(r.optional_integer("q_lora_rank").value_or(0));
  m.qk_rope_head_dim = static_cast<int>(r.optional_integer("qk_rope_head_dim").value_or(0));
  m.qk_nope_head_dim = static_cast<int>(r.optional_integer("qk_nope_head_dim").value_or(m.head_dim()));
  m.v_head_dim = static_cast<int>(r.optional_integer("v_head_dim").value_or(m.head_dim()));
  m.published_parameters = r.optional_number("published_parameters").value_or(0);
  Diagnostics diags;
  // Expert and latent-attention keys describe a MoE layer and MLA; elsewhere they would be silently unused.
  for (const char* key : {"shared_experts", "moe_ffn_hidden", "dense_layers"}) {
    if (m.experts == 1 && r.has(key))
      diags.add(r.where(key), r.path_of(key), "needs experts > 1 (a mixture of experts)");
  }
  for (const char* key : {"q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"}) {
    if (!m.mla() && r.has(key))
      diags.add(r.where(key), r.path_of(key), "needs kv_lora_rank (multi-head latent attention)");
  }
  if (m.clamped_glu && !m.gated_mlp) {
    diags.add(r.where("clamped_glu"), r.path_of("clamped_glu"), "needs gated_mlp: true (a gated MLP's two halves)");
  }
  if (!m.windowed() && r.has("window_layers")) {
    diags.add(r.where("window_layers"), r.path_of("window_layers"),
              "needs attention_window (sliding-window attention)");
  }
  if (m.windowed() && m.architecture == Architecture::encoder) {
    diags.add(r.where("attention_window"), r.path_of("attention_window"),
              "sliding-window attention is modelled for decoders (architecture: decoder)");
  }
  if (m.window_layers > m.layers) {
    diags.add(r.where("window_layers"), r.path_of("window_layers"), fmt::format("cannot exceed layers ({})", m.layers));
  }
  if (m.mla() && r.has("head_dim")) {
    diags.add(r.where("head_dim"), r.path_of("head_dim"),
              "multi-head latent attention sets its head widths with qk_nope_head_dim, qk_rope_head_dim and "
              "v_head_dim");
  }
  if (m.mla() && m.qk_rope_head_dim == 0) {
    diags.add(r.where("kv_lora_rank"), r.path_of("kv_lora_rank"), "multi-head latent attention needs qk_rope_head_dim");
  }
  if (m.dense_layers >= m.layers && m.experts > 1) {
    diags.add(r.where("dense_layers"), r.path_of("dense_layers"),
              "must leave at least one MoE layer (fewer than layers)");
  }
  if (m.explicit_head_dim == 0 && m.hidden % m.heads != 0) {
    diags.add(r.where("heads"), r.path_of("heads"), "hidden must be a multiple of heads");
  }
  if (m.heads % m.kv_heads != 0) {
    diags.add(r.where("kv_heads"), r.path_of("kv_heads"), "heads must be a multiple of kv_heads");
  }
  if (m.experts_per_token > m.experts) {
    diags.add(r.where("experts_per_token"), r.path_of("experts_per_token"), "cannot exceed experts");
  }
  diags.throw_if_any();
  return m;
}

double ModelSpec::attention_matmul_parameters() const {
  const double h = hidden;
  if (!mla()) return 2.0 * h * q_dim() + 2.0 * h * kv_dim();  // wq and wo, wk and wv
  // DeepSeek-V3 (modeling_deepseek.py DeepseekV3Attention): q_a_proj h x q_lora and q_b_proj q_lora x heads x
  // (nope + rope), or q_proj h x heads x (nope + rope); kv_a_proj_with_mqa h x (kv_lora + rope); kv_b_proj
  // kv_lora x heads x (nope + v); o_proj heads x v x h.
  const double q_width = heads * score_head_dim();
  const double q = q_lora_rank > 0 ? h * q_lora_rank + static_cast<double>(q_lora_rank) * q_width : h * q_width;
  const double kv = h * (kv_lora_rank + qk_rope_head_dim) +
                    static_cast<double>(kv_lora_rank) * heads * (qk_nope_head_dim + v_head_dim);
  return q + kv + heads * value_head_dim() * h;
}

double ModelSpec::attention_parameters_per_layer() const {
  double p = attention_matmul_parameters();
  if (mla()) return p + q_lora_rank + kv_lora_rank;    // the latents' RMSNorms (q_a_layernorm, kv_a_layernorm)
  if (biases) p += q_dim() + hidden + 2.0 * kv_dim();  // Q, O, K, V
  return p;
}

double ModelSpec::mlp_parameters(double width) const {
  const double h = hidden;
  double p = (gated_mlp ? 3.0 : 2.0) * h * width;
  if (biases) p += (gated_mlp ? 2.0 : 1.0) * width + h;
  return p;
}

double ModelSpec::mlp_parameters_per_expert() const { return mlp_parameters(moe_ffn_hidden); }

double ModelSpec::active_mlp_width() const {
  const double moe_width = static_cast<double>(experts_per_token + shared_experts) * moe_ffn_hidden;
  return (static_cast<double>(layers - moe_layers()) * ffn_hidden + moe_layers() * moe_width) / layers;
}

double ModelSpec::routed_mlp_width() const {
  return static_cast<double>(moe_layers()) * experts_per_token * moe_ffn_hidden / layers;
}

double ModelSpec::block_parameters(double experts_used) const {
  const double norms_per_layer = parallel_attention ? 1.0 : 2.0;
  const double router = static_cast<double>(hidden) * experts;
  const double moe_layer = (experts_used + shared_experts) * mlp_parameters_per_expert() + router;
  return layers * (attention_parameters_per_layer() + norms_per_layer * norm_parameters()) +
         static_cast<double>(layers - moe_layers()) * mlp_parameters(ffn_hidden) + moe_layers() * moe_layer;
}

double ModelSpec::parameters_per_layer() const { return block_parameters(experts) / layers; }

LayerProducts layer_products(const ModelSpec& m) {
  const double h = m.hidden;
  const double q = m.q_dim();
  const double kv = m.kv_dim();
  const double f = m.active_mlp_width();
  LayerProducts l;
  const auto add = [&l](double in, double out, bool row_parallel, bool replicated = false) {
    l.products[l.count++] = {in, out, row_parallel, replicated};
  };
  if (m.mla()) {
    const ModelSpec::AttentionWidths w = m.attention_widths();
    if (m.q_lora_rank > 0) {
      add(h, m.q_lora_rank, false, true);  // wq_a
      add(m.q_lora_rank, w.q, false);      // wq_b
    } else {
      add(h, w.q, false);  // wq
    }
    add(h, static_cast<double>(m.kv_lora_rank) + m.qk_rope_head_dim, false, true);              // wkv_a
    add(m.kv_lora_rank, w.k - static_cast<double>(m.heads) * m.qk_rope_head_dim + w.v, false);  // wkv_b: nope + v
    add(w.o, h, true);                                                                          // wo
  } else {
    add(h, q, false);   // wq
    add(h, kv, false);  // wk
    add(h, kv, false);  // wv
    add(q, h, true);    // wo
  }
  l.attention = l.count;
  add(h, f, false);                   // w1 (gate, or up)
  if (m.gated_mlp) add(h, f, false);  // w3 (up)
  add(f, h, true);                    // w2 (down)
  return l;
}

double ModelSpec::norm_parameters() const { return norm == NormKind::layernorm ? 2.0 * hidden : hidden; }

double ModelSpec::embedding_parameters() const {
  double p = token_table_parameters();
  if (position == PositionKind::learned) p += static_cast<double>(max_seq) * hidden;
  if (architecture == Architecture::encoder) p += 2.0 * hidden;  // token-type (segment) embeddings
  return p;
}

double ModelSpec::parameters() const {
  double total = block_parameters(experts) + embedding_parameters();
  total += output_layer_parameters();
  // Decoders end with a final norm; encoders (BERT) normalise the embeddings instead: one norm either way.
  total += norm_parameters();
  return total;
}

double ModelSpec::active_parameters() const {
  return parameters() - block_parameters(experts) + block_parameters(experts_per_token);
}

double ModelSpec::experts_touched(double tokens) const {
  if (!moe()) return experts;
  const double untouched = std::pow(1.0 - static_cast<double>(experts_per_token) / experts, std::max(0.0, tokens));
  return experts * (1.0 - untouched);
}

double ModelSpec::parameters_read(double tokens) const {
  return parameters() - moe_layers() * (experts - experts_touched(tokens)) * mlp_parameters_per_expert();
}

double ModelSpec::active_matmul_parameters() const {
  const double h = hidden;
  const double mlp = (gated_mlp ? 3.0 : 2.0) * h * active_mlp_width();
  const double routers = static_cast<double>(moe_layers()) * h * experts;
  return layers * (attention_matmul_parameters() + mlp) + routers + static_cast<double>(vocab) * h;
}

double ModelSpec::routed_expert_matmul_parameters() const {
  return (gated_mlp ? 3.0 : 2.0) * hidden * static_cast<double>(moe_layers()) * experts_per_token * moe_ffn_hidden;
}

double ModelSpec::window_context(double seq) const {
  if (!windowed() || seq <= attention_window) return seq;
  const double w = attention_window;
  return 2.0 * w - w * w / seq;  // (seq x w - w^2/2) pairs, doubled, per query
}

double ModelSpec::sequence_context(double seq) const {
  if (!windowed() || seq <= attention_window) return seq;
  return (static_cast<double>(layers - window_layers) * seq + window_layers * window_context(seq)) / layers;
}

double ModelSpec::forward_flops_per_token(double seq) const {
  return 2.0 * active_matmul_parameters() + sequence_attention_flops_per_token(seq);
}

double ModelSpec::training_flops_per_token(double seq) const { return 3.0 * forward_flops_per_token(seq); }

StageLayers stage_layers(int layers, int pp) {
  if (pp <= 1) return {layers, 0, layers};
  if (layers % pp == 0) return {layers / pp, pp > 2 ? layers / pp : 0, layers / pp};
  // Slots q or q + 1 per stage; the r leftover slots go to the pp - 2 middle stages, then to the first stage.
  const auto split = [pp](int units, int end_cost) {
    const int q = units / pp;
    const int r = units % pp;
    const int middle = pp > 2 ? q + (r > 0 ? 1 : 0) : 0;
    return StageLayers{q + (r > pp - 2 ? 1 : 0) - end_cost, middle, q - end_cost};
  };
  if (layers + 2 >= 2 * pp) return split(layers + 2, 1);
  return split(layers, 0);
}

double stage_parameters(const ModelSpec& model, int layers_in_stage, bool first, bool last, int tp, int pp) {
  const double per_layer = model.parameters_per_layer();
  const double output = model.token_table_parameters();  // a tied table too, on a last stage that is not the first
  double p = layers_in_stage * per_layer;
  if (first) p += model.embedding_parameters();
  if (last) {
    p += model.norm_parameters();
    if (!model.tied_embeddings || (pp > 1 && !first)) p += output;
  }
  return p / tp;
}

double stage_expert_parameters(const ModelSpec& model, int layers_in_stage, int tp) {
  const double per_layer =
      static_cast<double>(model.moe_layers()) * model.experts * model.mlp_parameters_per_expert() / model.layers;
  return layers_in_stage * per_layer / tp;
}

std::optional<ParallelismError> parallelism_error(const ModelSpec& model, int tp, int pp) {
  if (pp < 1) return ParallelismError{"pp", fmt::format("pp must be at least 1, got {}", pp)};
  if (tp < 1) return ParallelismError{"tp", fmt::format("tp must be at least 1, got {}", tp)};
  if (pp > model.layers) {
    return ParallelismError{
        "pp", fmt::format("{} layers cannot fill {} pipeline stages (each stage needs a layer)", model.layers, pp)};
  }
  if (model.heads % tp != 0) {
    return ParallelismError{"tp", fmt::format("{} heads do not split evenly over tp={}", model.heads, tp)};
  }
  if (model.kv_heads % tp != 0) {
    return ParallelismError{"tp", fmt::format("{} KV heads do not split evenly over tp={}", model.kv_heads, tp)};
  }
  return std::nullopt;
}

std::optional<ParallelismError> expert_parallelism_error(const ModelSpec& model, int ep) {
  if (ep > 1 && !model.moe()) {
    return ParallelismError{"ep", "expert parallelism needs a mixture of experts (the model has no experts)"};
  }
  if (model.experts % ep != 0) {
    return ParallelismError{"ep", fmt::format("{} experts do not split evenly over ep={}", model.experts, ep)};
  }
  return std::nullopt;
}

double busiest_mlp_width(const ModelSpec& m, int ep, double imbalance) {
  if (ep <= 1 || !m.moe()) return m.active_mlp_width();
  return m.active_mlp_width() + m.routed_mlp_width() * (imbalance - 1.0);
}

Bytes expert_dispatch_bytes(const ModelSpec& model, double tokens) {
  return Bytes(tokens * model.experts_per_token * model.hidden * 2.0);
}

namespace {
// The chance that k experts drawn without replacement from E include at least one of g given experts:
// 1 - C(E - g, k) / C(E, k) = 1 - prod_{i<k} (E - g - i) / (E - i).
double experts_hit(double experts, double given, int k) {
  double none = 1.0;
  for (int i = 0; i < k && none > 0; ++i) none *= std::max(0.0, experts - given - i) / (experts - i);
  return 1.0 - none;
}
}  // namespace

ExpertExchange expert_exchange_bytes(const ModelSpec& model, double tokens, int ep, int ep_per_node,
                                     bool per_destination) {
  if (ep <= 1 || !model.moe()) return {Bytes(0), Bytes(0)};
  const double n = ep;
  const double p = std::clamp(ep_per_node, 1, ep);
  if (!per_destination) {
    const Bytes all = expert_dispatch_bytes(model, tokens);
    return {all * ((p - 1) / n), all * ((n - p) / n)};
  }
  const double e = model.experts;
  const int k = model.experts_per_token;
  const double token = tokens * model.hidden * 2.0;
  return {Bytes(token * (p - 1) * experts_hit(e, e / n, k)), Bytes(token * (n / p - 1) * experts_hit(e, e * p / n, k))};
}

double destination_ranks(const ModelSpec& model, int ep) {
  if (ep <= 1 || !model.moe()) return 1.0;
  const double e = model.experts;
  return ep * experts_hit(e, e / ep, model.experts_per_token);
}

double busiest_rank_experts_read(const ModelSpec& model, double tokens, int ep, double imbalance) {
  const double touched = model.experts_touched(tokens);
  if (ep <= 1) return touched;
  const double held = static_cast<double>(model.experts) / ep;
  return std::min(held, std::max(1.0, touched / ep * imbalance));
}

}  // namespace hwsim
