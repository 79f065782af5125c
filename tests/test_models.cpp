// Transformer models (workloads/model.hpp): the derived parameter count agrees with the published one; FLOPs per
// token follow the Megatron/PaLM convention (6 x matmul weights + 12 x layers x seq x hidden for training);
// grouped-query attention shrinks the KV cache by heads / kv_heads.
// Tolerances: derived vs published parameters 2% relative (published counts are rounded or omit small tensors);
// figures computed from integers are compared exactly (they are below 2^53).
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/config_node.hpp"
#include "sim/infer/inference.hpp"
#include "workloads/model.hpp"

using hwsim::ModelSpec;

namespace {

namespace fs = std::filesystem;

const hwsim::EntryStore& model_store() {
  static const hwsim::EntryStore s = [] {
    hwsim::EntryStore st = hwsim::read_catalog_dirs(
        {fs::path(HWSIM_SOURCE_DIR) / "hwmodels/catalog", fs::path(HWSIM_SOURCE_DIR) / "workloads/catalog"});
    hwsim::Diagnostics diags;
    st.resolve(diags);
    diags.throw_if_any();
    return st;
  }();
  return s;
}

ModelSpec load_model(const hwsim::ConfigNode& node, const hwsim::Schema& schema) {
  hwsim::Diagnostics diags;
  hwsim::validate(node, schema, diags);
  diags.throw_if_any();
  return hwsim::load_model(hwsim::Reader(node, schema));
}

// Every model of the catalog, validated and loaded.
const std::map<std::string, ModelSpec>& models() {
  static const std::map<std::string, ModelSpec> m = [] {
    std::map<std::string, ModelSpec> out;
    for (const hwsim::RawEntry* e : model_store().of_kind("model")) {
      out.emplace(e->name, load_model(e->node, hwsim::model_schema()));
    }
    return out;
  }();
  return m;
}

const ModelSpec& model(const std::string& name) {
  INFO(name);
  REQUIRE(models().count(name) == 1);
  return models().at(name);
}

ModelSpec inline_model(const std::string& yaml) {
  return load_model(hwsim::parse_yaml_text(yaml, "inline.yaml"), hwsim::inline_model_schema());
}

}  // namespace

TEST_CASE("every catalog model validates and loads", "[models]") {
  REQUIRE(models().size() == model_store().of_kind("model").size());
  for (const char* name : {"gpt3-175b", "llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b",
                           "llama3-405b", "mistral-7b", "falcon-180b", "bert-large", "qwen3-235b-a22b", "qwen3-30b-a3b",
                           "gpt-oss-120b", "gpt-oss-20b", "llama4-scout", "llama4-maverick"}) {
    CHECK(models().count(name) == 1);
  }
}

TEST_CASE("every model's derived parameter count is within 2% of its published count", "[models]") {
  for (const auto& [name, m] : models()) {
    INFO(name << ": derived " << m.parameters() << " vs published " << m.published_parameters);
    REQUIRE(m.published_parameters > 0);
    CHECK(std::fabs(m.parameters() / m.published_parameters - 1.0) <= 0.02);
  }
}

TEST_CASE("llama2-7b has exactly 6,738,415,616 parameters", "[models]") {
  const ModelSpec& m = model("llama2-7b");
  // Per layer: attention 4 x 4096^2 (Q, K, V, O; MHA so K and V are full width) + SwiGLU MLP 3 x 4096 x 11008
  // + two RMSNorms 2 x 4096; then untied embeddings and LM head 2 x 32000 x 4096, and the final RMSNorm 4096.
  const double per_layer = 4.0 * 4096 * 4096 + 3.0 * 4096 * 11008 + 2.0 * 4096;  // 202,383,360
  const double expected = 32 * per_layer + 2.0 * 32000 * 4096 + 4096;
  CHECK(expected == 6738415616.0);  // Meta's model card
  CHECK(m.parameters() == expected);
  CHECK(m.attention_parameters_per_layer() == 4.0 * 4096 * 4096);
  CHECK(m.mlp_parameters_per_expert() == 3.0 * 4096 * 11008);
  CHECK(m.norm_parameters() == 4096.0);  // RMSNorm: a scale only
}

TEST_CASE("gpt3-175b training FLOPs per token = 6 x active matmul params + 12 x layers x seq x hidden", "[models]") {
  const ModelSpec& m = model("gpt3-175b");
  // Active matmul weights: 96 layers x (attention 4 x 12288^2 + MLP 2 x 12288 x 49152) + logits 50257 x 12288
  //   = 96 x (603,979,776 + 1,207,959,552) + 617,558,016 = 174,563,733,504.
  const double active = 96 * (4.0 * 12288 * 12288 + 2.0 * 12288 * 49152) + 50257.0 * 12288;
  CHECK(active == 174563733504.0);
  CHECK(m.active_matmul_parameters() == active);
  // At seq 2048: 6 x 174,563,733,504 + 12 x 96 x 2048 x 12288 = 1,047,382,401,024 + 28,991,029,248.
  const double expected = 6 * active + 12.0 * 96 * 2048 * 12288;
  CHECK(expected == 1076373430272.0);
  CHECK(m.training_flops_per_token(2048) == Approx(expected).epsilon(1e-12));
  // Training = 3 x forward (backward = 2 x forward).
  CHECK(m.training_flops_per_token(2048) == Approx(3 * m.forward_flops_per_token(2048)).epsilon(1e-12));
  // The attention term grows linearly with the context: +12 x 96 x 12288 FLOP per extra token of seq.
  CHECK(m.training_flops_per_token(4096) - m.training_flops_per_token(2048) ==
        Approx(12.0 * 96 * 2048 * 12288).epsilon(1e-9));
}

TEST_CASE("GQA: llama2-70b keeps 2 x 80 layers x 8 KV heads x 128 head_dim KV elements per token", "[models]") {
  const ModelSpec& m = model("llama2-70b");
  CHECK(m.head_dim() == 8192 / 64);  // 128
  CHECK(m.kv_dim() == 8.0 * 128);
  CHECK(m.kv_elements_per_token() == 2.0 * 80 * 8 * 128);  // 163,840: K and V
  // 8x smaller than multi-head attention with all 64 heads.
  CHECK(m.kv_elements_per_token() * 64 / 8 == 2.0 * 80 * 8192);
  // Attention weights shrink with it: Q and O are 8192^2, K and V 8192 x 1024.
  CHECK(m.attention_parameters_per_layer() == 2.0 * 8192 * 8192 + 2.0 * 8192 * 1024);
  // MHA at 7B: 2 x 32 x 4096.
  CHECK(model("llama2-7b").kv_elements_per_token() == 2.0 * 32 * 4096);
}

TEST_CASE("tied embeddings and learned positions: gpt3-175b parameters", "[models]") {
  const ModelSpec& m = model("gpt3-175b");
  // Per layer: attention 4h^2 + 4h biases, MLP 2 x h x 4h + 4h + h biases, two LayerNorms 2 x 2h;
  // embeddings (tied with the LM head) 50257 x h, learned positions 2048 x h, final LayerNorm 2h.
  const double h = 12288;
  const double per_layer = (4 * h * h + 4 * h) + (2 * h * 49152 + 49152 + h) + 2 * 2 * h;
  const double expected = 96 * per_layer + 50257 * h + 2048 * h + 2 * h;
  CHECK(m.parameters() == expected);
  CHECK(expected == 174604259328.0);  // the figure the YAML header quotes (-0.23% vs 175.0B)
}

TEST_CASE("inline models take the documented defaults", "[models]") {
  // DESIGN.md: kv_heads defaults to heads, ffn_hidden to 4 x hidden, gated_mlp and tied_embeddings to false,
  // experts and experts_per_token to 1.
  const ModelSpec m = inline_model("layers: 2\nhidden: 256\nheads: 4\nvocab: 1000\nmax_seq: 128\n");
  CHECK(m.kv_heads == 4);
  CHECK(m.ffn_hidden == 4 * 256);
  CHECK_FALSE(m.gated_mlp);
  CHECK_FALSE(m.tied_embeddings);
  CHECK(m.experts == 1);
  CHECK(m.experts_per_token == 1);
  CHECK(m.architecture == hwsim::Architecture::decoder);
  // 2 x (4 x 256^2 + 2 x 256 x 1024 + 2 x 2 x 256) + 2 x 1000 x 256 + 2 x 256 (LayerNorm, RoPE, no biases).
  CHECK(m.parameters() == 2 * (4.0 * 256 * 256 + 2.0 * 256 * 1024 + 4.0 * 256) + 2.0 * 1000 * 256 + 2.0 * 256);
}

TEST_CASE("mixture of experts: all experts count as parameters, only the active ones as FLOPs", "[models]") {
  const ModelSpec m = inline_model(
      "layers: 2\nhidden: 256\nheads: 4\nffn_hidden: 512\nvocab: 1000\nmax_seq: 128\nexperts: 8\n"
      "experts_per_token: 2\ngated_mlp: true\n");
  const double expert = 3.0 * 256 * 512;
  const double router = 256.0 * 8;  // hidden x experts per MoE layer
  CHECK(m.mlp_parameters_per_expert() == expert);
  CHECK(m.active_matmul_parameters() == 2 * (4.0 * 256 * 256 + 2 * expert + router) + 1000.0 * 256);
  // Per layer: attention 4 x 256^2, 8 experts and the router, two LayerNorms 2 x 2 x 256; untied embeddings; final
  // LayerNorm 2 x 256.
  const double others = 2.0 * 1000 * 256 + 2 * 256.0;
  CHECK(m.parameters() == 2 * (4.0 * 256 * 256 + 8 * expert + router + 2 * 2 * 256.0) + others);
  CHECK(m.active_parameters() == 2 * (4.0 * 256 * 256 + 2 * expert + router + 2 * 2 * 256.0) + others);
  // The routed experts' products: 2 layers x 2 picked experts x 3 x 256 x 512 (a dense model has none).
  CHECK(m.routed_expert_matmul_parameters() == 2 * 2 * expert);
  CHECK(model("llama3-8b").routed_expert_matmul_parameters() == 0);
}

TEST_CASE("published MoE sizes: Mixtral 8x7B 46.7B with 12.9B active, DeepSeek-V3 671B with 37B active", "[models]") {
  const ModelSpec& mixtral = model("mixtral-8x7b");
  CHECK(mixtral.parameters() == Approx(46.7e9).epsilon(0.01));
  CHECK(mixtral.active_parameters() == Approx(12.9e9).epsilon(0.01));
  const ModelSpec& ds = model("deepseek-v3");
  CHECK(ds.parameters() == Approx(671e9).epsilon(0.02));
  CHECK(ds.active_parameters() == Approx(37e9).epsilon(0.03));
  // Active MLP width per layer: 3 dense layers of 18432, 58 MoE layers of (8 routed + 1 shared) x 2048.
  CHECK(ds.active_mlp_width() == Approx((3.0 * 18432 + 58.0 * 9 * 2048) / 61).epsilon(1e-12));
}

TEST_CASE("multi-head latent attention: DeepSeek-V3's projections, latent norms and compressed KV cache", "[models]") {
  const ModelSpec& ds = model("deepseek-v3");
  // q_a 7168 x 1536, q_b 1536 x 128 x (128 + 64), kv_a 7168 x (512 + 64), kv_b 512 x 128 x (128 + 128),
  // o 128 x 128 x 7168, and the two latent RMSNorms (1536 + 512): 187,107,328.
  const double attention =
      7168.0 * 1536 + 1536.0 * 128 * 192 + 7168.0 * 576 + 512.0 * 128 * 256 + 128.0 * 128 * 7168 + 1536 + 512;
  CHECK(ds.attention_parameters_per_layer() == attention);
  // The cache keeps the 512-wide latent and one 64-wide rotary key per layer: 61 x 576 elements per token.
  CHECK(ds.kv_elements_per_token() == 61.0 * 576);
  // Scores over 128 + 64 per head, values over 128: 2 x 61 x context x 128 x (192 + 128) FLOPs per token.
  CHECK(ds.attention_flops_per_token(4096) == 2.0 * 61 * 4096 * 128 * 320);
}

TEST_CASE(
    "MLA in training: five attention products, the down-projections whole on every rank, keys and values "
    "expanded per head",
    "[models][training]") {
  const ModelSpec& ds = model("deepseek-v3");
  const hwsim::LayerProducts p = hwsim::layer_products(ds);
  REQUIRE(p.attention == 5);
  // wq_a 7168 -> 1536 and wkv_a 7168 -> 576 replicated; wq_b 1536 -> 128 x 192, wkv_b 512 -> 128 x (128 + 128)
  // column-parallel; wo 128 x 128 -> 7168 row-parallel; then the MLP's three.
  const std::array<std::array<double, 2>, 5> shapes{
      {{7168, 1536}, {1536, 128.0 * 192}, {7168, 576}, {512, 128.0 * 256}, {128.0 * 128, 7168}}};
  double attention = 0;
  for (int i = 0; i < 5; ++i) {
    CHECK(p.products[i].in == shapes[i][0]);
    CHECK(p.products[i].out == shapes[i][1]);
    attention += p.products[i].in * p.products[i].out;
  }
  CHECK(p.products[0].replicated);
  CHECK(p.products[2].replicated);
  CHECK_FALSE(p.products[1].replicated);
  CHECK(p.products[4].row_parallel);
  CHECK(p.count == 8);
  // The products hold the attention's matrices: its parameters less the two latent norms.
  CHECK(attention == ds.attention_parameters_per_layer() - 1536 - 512);
  // Training materialises per-head keys and values: Q and K 128 x 192 wide, V and the output 128 x 128; the latents
  // 1536 + 512 + 64. Multi-head attention keeps its widths.
  const auto w = ds.attention_widths();
  CHECK(w.q == 128.0 * 192);
  CHECK(w.k == 128.0 * 192);
  CHECK(w.v == 128.0 * 128);
  CHECK(w.o == 128.0 * 128);
  CHECK(ds.latent_width() == 1536.0 + 512 + 64);
  const ModelSpec& llama = model("llama2-70b");
  CHECK(llama.attention_widths().k == llama.kv_dim());
  CHECK(llama.attention_widths().o == llama.q_dim());
  CHECK(llama.latent_width() == 0);
  CHECK(hwsim::layer_products(llama).attention == 4);
}

TEST_CASE("MLA in serving: decode attention in the absorbed form, the latent cache whole on every tensor rank",
          "[models][inference]") {
  const ModelSpec& ds = model("deepseek-v3");
  // Absorbed decode: each of 128 heads scores 512 + 64 cached elements and sums the 512-wide latent:
  // 2 x 61 x context x 128 x (2 x 512 + 64) FLOPs per token; MHA-shaped models keep one form.
  CHECK(ds.decode_attention_flops_per_token(4096) == 2.0 * 61 * 4096 * 128 * 1088);
  const ModelSpec& llama = model("llama2-70b");
  CHECK(llama.decode_attention_flops_per_token(4096) == llama.attention_flops_per_token(4096));
  // DeepSeek-R1 is DeepSeek-V3's architecture.
  CHECK(model("deepseek-r1").parameters() == ds.parameters());
  CHECK(model("deepseek-r1").kv_elements_per_token() == ds.kv_elements_per_token());
  // Memory per device at fp8 weights, bf16 cache, batch 16 of 1024 + 1024 tokens (TensorRT-LLM reserves the whole
  // context): weights split over tp (the 129,280 x 7168 embedding table and output layer in 16 bits, the rest in 8),
  // the 61 x 576-element latent cache of every sequence on every rank, whatever tp; the prefill workspace of
  // max(1, batch / output) = 1 prompt (1024 tokens x 8 vectors x 7168 x 2 B) split over tp.
  hwsim::InferenceConfig c;
  c.model = ds;
  c.dtype = hwsim::DType::fp8;
  c.kv_dtype = hwsim::DType::bf16;
  c.input_tokens = 1024;
  c.output_tokens = 1024;
  c.engine = hwsim::Engine::tensorrt_llm;
  const auto memory_at = [&c](int tp) {
    c.tp = tp;
    return hwsim::inference_memory_per_device(c, 16).value();
  };
  const double kv = 16.0 * 2048 * 61 * 576 * 2;
  const double weights = ds.parameters() + 2.0 * 129280 * 7168;
  CHECK(hwsim::kv_cache_shards(c) == 1);
  CHECK(memory_at(8) == Approx(weights / 8 + kv + 1024.0 * 8 * 7168 * 2 / 8).epsilon(1e-12));
  CHECK(memory_at(4) - memory_at(8) == Approx(weights / 8 + 1024.0 * 8 * 7168 * 2 / 8).epsilon(1e-9));
}

TEST_CASE(
    "served weights: fp4 is NVFP4's 4.5 bits; GPU engines keep the embedding table and output layer in 16 bits and "
    "stream all but an untied table; llama.cpp quantises both",
    "[models][inference]") {
  hwsim::InferenceConfig c;
  c.model = model("llama2-70b");  // untied: a 32,000 x 8192 table and as large an output layer
  c.dtype = hwsim::DType::fp4;
  c.engine = hwsim::Engine::tensorrt_llm;
  const double p = c.model.parameters();
  const double e = 32000.0 * 8192;
  CHECK(hwsim::weight_bytes_per_parameter(c) == 4.5 / 8);
  CHECK(hwsim::sixteen_bit_parameters(c) == 2 * e);
  CHECK(hwsim::stored_weight_bytes(c) == Approx((p - 2 * e) * 4.5 / 8 + 2 * e * 2).epsilon(1e-12));
  CHECK(hwsim::streamed_weight_bytes(c) == Approx((p - 2 * e) * 4.5 / 8 + e * 2).epsilon(1e-12));
  c.bits_per_weight = 4.25;  // MXFP4: an E8M0 scale per 32
  CHECK(hwsim::stored_weight_bytes(c) == Approx((p - 2 * e) * 4.25 / 8 + 2 * e * 2).epsilon(1e-12));
  c.engine = hwsim::Engine::llama_cpp;  // GGUF quantises the table and the output layer too
  CHECK(hwsim::sixteen_bit_parameters(c) == 0);
  CHECK(hwsim::stored_weight_bytes(c) == Approx(p * 4.25 / 8).epsilon(1e-12));
  CHECK(hwsim::streamed_weight_bytes(c) == Approx((p - e) * 4.25 / 8).epsilon(1e-12));
  c.bits_per_weight.reset();
  c.dtype = hwsim::DType::bf16;  // 16-bit weights: nothing kept apart
  c.engine = hwsim::Engine::vllm;
  CHECK(hwsim::sixteen_bit_parameters(c) == 0);
  CHECK(hwsim::stored_weight_bytes(c) == Approx(p * 2).epsilon(1e-12));
  CHECK(hwsim::streamed_weight_bytes(c) == Approx((p - e) * 2).epsilon(1e-12));
  // A tied token table is the output layer: stored once in 16 bits and read whole by every pass; GPT-3's learned
  // position table (2048 x 12288) is gathered.
  c.model = model("gpt3-175b");
  c.dtype = hwsim::DType::fp8;
  const double tables = c.model.embedding_parameters();
  const double positions = 2048.0 * 12288;
  CHECK(tables == 50257.0 * 12288 + positions);
  CHECK(hwsim::sixteen_bit_parameters(c) == tables);
  CHECK(hwsim::stored_weight_bytes(c) == Approx((c.model.parameters() - tables) * 1 + tables * 2).epsilon(1e-12));
  CHECK(hwsim::streamed_weight_bytes(c) == Approx(hwsim::stored_weight_bytes(c) - positions * 2).epsilon(1e-12));
}

TEST_CASE("inconsistent model shapes are errors naming the key", "[models]") {
  const auto error_of = [](const std::string& yaml) -> std::string {
    try {
      inline_model(yaml);
    } catch (const hwsim::InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of("layers: 2\nhidden: 250\nheads: 4\nvocab: 10\nmax_seq: 8\n") ==
        "inline.yaml:3:8: heads: hidden must be a multiple of heads");
  CHECK(error_of("layers: 2\nhidden: 256\nheads: 4\nkv_heads: 3\nvocab: 10\nmax_seq: 8\n") ==
        "inline.yaml:4:11: kv_heads: heads must be a multiple of kv_heads");
  CHECK(error_of("layers: 2\nhidden: 256\nheads: 4\nvocab: 10\nmax_seq: 8\nexperts: 2\nexperts_per_token: 4\n") ==
        "inline.yaml:7:20: experts_per_token: cannot exceed experts");
  // Expert and latent-attention keys where there are no experts or no MLA would be silently unused.
  const std::string base = "layers: 2\nhidden: 256\nheads: 4\nvocab: 10\nmax_seq: 8\n";
  CHECK(error_of(base + "shared_experts: 1\n") ==
        "inline.yaml:6:17: shared_experts: needs experts > 1 (a mixture of experts)");
  CHECK(error_of(base + "q_lora_rank: 64\n") ==
        "inline.yaml:6:14: q_lora_rank: needs kv_lora_rank (multi-head latent attention)");
  CHECK(error_of(base + "kv_lora_rank: 64\n") ==
        "inline.yaml:6:15: kv_lora_rank: multi-head latent attention needs qk_rope_head_dim");
  CHECK(error_of(base + "experts: 4\ndense_layers: 2\n") ==
        "inline.yaml:7:15: dense_layers: must leave at least one MoE layer (fewer than layers)");
  // Sliding-window keys: window_layers alone would be unused; no more windowed layers than layers; a window of at
  // least one token; decoders only. head_dim is not MLA's.
  CHECK(error_of(base + "window_layers: 1\n") ==
        "inline.yaml:6:16: window_layers: needs attention_window (sliding-window attention)");
  CHECK(error_of(base + "attention_window: 4\nwindow_layers: 3\n") ==
        "inline.yaml:7:16: window_layers: cannot exceed layers (2)");
  CHECK_THAT(error_of(base + "attention_window: 0\n"),
             Catch::Contains("attention_window") && Catch::Contains("must be at least 1"));
  CHECK(
      error_of(base + "architecture: encoder\nattention_window: 4\n") ==
      "inline.yaml:7:19: attention_window: sliding-window attention is modelled for decoders (architecture: decoder)");
  CHECK(error_of(base + "kv_lora_rank: 64\nqk_rope_head_dim: 16\nhead_dim: 32\n") ==
        "inline.yaml:8:11: head_dim: multi-head latent attention sets its head widths with qk_nope_head_dim, "
        "qk_rope_head_dim and v_head_dim");
}

TEST_CASE("sliding-window attention: KV elements and attention FLOPs below and above the window", "[models]") {
  // 4 layers of 4 heads of 64 (2 KV heads: kv_dim 128), 2 of them attending the last 1024 tokens.
  const std::string shape = "layers: 4\nhidden: 256\nheads: 4\nkv_heads: 2\nvocab: 1000\nmax_seq: 8192\n";
  const ModelSpec m = inline_model(shape + "attention_window: 1024\nwindow_layers: 2\n");
  const ModelSpec full = inline_model(shape);
  CHECK(m.attention_window == 1024);
  CHECK(m.window_layers == 2);
  CHECK(m.kv_elements_per_token() == 2.0 * 4 * 128);  // what a new token writes: every layer's K and V
  // Below the window every layer keeps and attends the whole context: 512 tokens x 1024 elements; 2 x 4 layers x 512
  // x 4 heads x (64 + 64) FLOPs.
  CHECK(m.kv_elements(512) == 512.0 * 1024);
  CHECK(m.attention_flops_per_token(512) == 2.0 * 4 * 512 * 4 * 128);
  CHECK(m.kv_elements(512) == full.kv_elements(512));
  // Above it the two windowed layers hold 1024 tokens, the two full ones 4096: 2 x 128 x (2 x 4096 + 2 x 1024).
  CHECK(m.kv_elements(4096) == 2.0 * 128 * (2 * 4096 + 2 * 1024));  // 2,621,440
  CHECK(full.kv_elements(4096) == 4096.0 * 1024);
  CHECK(m.attention_flops_per_token(4096) == 2.0 * 4 * 128 * (2 * 4096 + 2 * 1024));  // 10,485,760
  CHECK(m.decode_attention_flops_per_token(4096) == m.attention_flops_per_token(4096));
  // A causal pass over 4096 tokens (the training convention, no causal halving: 4096 keys per query in a full layer):
  // a windowed layer counts 2w - w^2/s = 2048 - 256 = 1792 keys per query.
  CHECK(m.sequence_context(4096) == (2 * 4096.0 + 2 * 1792.0) / 4);
  CHECK(m.sequence_attention_flops_per_token(4096) == 2.0 * 4 * 128 * (2 * 4096 + 2 * 1792));  // 12,058,624
  CHECK(m.training_flops_per_token(4096) ==
        3.0 * (2.0 * m.active_matmul_parameters() + m.sequence_attention_flops_per_token(4096)));
  CHECK(m.sequence_attention_flops_per_token(1024) == full.sequence_attention_flops_per_token(1024));
  CHECK(full.sequence_attention_flops_per_token(4096) == full.attention_flops_per_token(4096));
  // The pair count behind 2w - w^2/s: query i (1-based) of a causal pass sees min(i, w) keys; summed over 4096
  // queries that is w(w + 1)/2 + (s - w)w = 3,670,528 pairs, against s(s + 1)/2 for a full layer.
  double windowed_pairs = 0;
  double full_pairs = 0;
  for (int i = 1; i <= 4096; ++i) {
    windowed_pairs += std::min(i, 1024);
    full_pairs += i;
  }
  CHECK(windowed_pairs == 3670528.0);
  CHECK(windowed_pairs / full_pairs == Approx((4096.0 * 1024 - 1024.0 * 1024 / 2) / (4096.0 * 4096 / 2)).epsilon(1e-3));
  // Parameters do not depend on the window.
  CHECK(m.parameters() == full.parameters());
  // window_layers defaults to every layer.
  const ModelSpec all = inline_model(shape + "attention_window: 1024\n");
  CHECK(all.window_layers == 4);
  CHECK(all.kv_elements(4096) == 1024.0 * 1024);
}

TEST_CASE("sliding-window attention caps an inference workload's KV cache per device", "[models][inference]") {
  const std::string shape = "layers: 4\nhidden: 256\nheads: 4\nkv_heads: 2\nvocab: 1000\nmax_seq: 8192\n";
  hwsim::InferenceConfig c;
  c.dtype = hwsim::DType::bf16;
  c.kv_dtype = hwsim::DType::bf16;
  c.input_tokens = 2048;
  c.output_tokens = 2048;
  // vLLM's paged cache holds a sequence's mean context, 2048 + 2048 / 2 = 3072 tokens, and gives windowed layers
  // pools of their own (TensorRT-LLM keeps every layer at the whole context: test_inference.cpp).
  c.engine = hwsim::Engine::vllm;
  const auto cache_of_8_more = [&c](const ModelSpec& m) {
    c.model = m;
    return hwsim::inference_memory_per_device(c, 16).value() - hwsim::inference_memory_per_device(c, 8).value();
  };
  // 8 sequences x 3072 tokens x 1024 elements x 2 B without a window; with 2 of 4 layers capped at 1024 tokens,
  // 8 x 2 x 128 x (2 x 3072 + 2 x 1024) x 2 B.
  CHECK(cache_of_8_more(inline_model(shape)) == Approx(8.0 * 3072 * 1024 * 2).epsilon(1e-12));
  CHECK(cache_of_8_more(inline_model(shape + "attention_window: 1024\nwindow_layers: 2\n")) ==
        Approx(8.0 * 2 * 128 * (2 * 3072 + 2 * 1024) * 2).epsilon(1e-12));
  // gpt-oss-120b at its 131,072-token context: 18 full layers and 18 of 128 tokens, 2 x 8 x 64 elements each.
  const ModelSpec& oss = model("gpt-oss-120b");
  CHECK(oss.kv_elements(131072) == 1024.0 * (18 * 131072 + 18 * 128));
}

TEST_CASE("an explicit head_dim widens queries and the attention output (Qwen3, gpt-oss)", "[models]") {
  const ModelSpec& q = model("qwen3-235b-a22b");
  CHECK(q.head_dim() == 128);
  CHECK(q.q_dim() == 64.0 * 128);  // 8192, twice hidden
  CHECK(q.kv_dim() == 4.0 * 128);
  // wq 4096 x 8192, wk and wv 4096 x 512, wo 8192 x 4096.
  CHECK(q.attention_parameters_per_layer() == 2.0 * 4096 * 8192 + 2.0 * 4096 * 512);
  CHECK(q.attention_flops_per_token(1000) == 2.0 * 94 * 1000 * 64 * 256);
  const hwsim::LayerProducts p = hwsim::layer_products(q);
  CHECK(p.products[0].out == 8192);
  CHECK(p.products[3].in == 8192);
  // gpt-oss: biased qkv (4096 + 2 x 512) and out (2880) projections.
  const ModelSpec& oss = model("gpt-oss-20b");
  CHECK(oss.attention_parameters_per_layer() == 2.0 * 2880 * 4096 + 2.0 * 2880 * 512 + (4096 + 2 * 512) + 2880.0);
  // A head_dim equal to hidden / heads changes nothing.
  const std::string shape = "layers: 2\nhidden: 256\nheads: 4\nvocab: 1000\nmax_seq: 128\n";
  CHECK(inline_model(shape + "head_dim: 64\n").parameters() == inline_model(shape).parameters());
}

TEST_CASE("catalog MoE models hold their published totals and active parameters within 3%", "[models]") {
  struct Published {
    const char* name;
    double total;
    double active;
  };
  // Vendors' figures: Qwen3 report and model cards, the gpt-oss model card and README, the Llama 4 model card.
  for (const Published& p : {Published{"qwen3-235b-a22b", 235e9, 22e9}, Published{"qwen3-30b-a3b", 30.5e9, 3.3e9},
                             Published{"gpt-oss-120b", 116.8e9, 5.1e9}, Published{"gpt-oss-20b", 20.9e9, 3.6e9},
                             Published{"llama4-scout", 109e9, 17e9}, Published{"llama4-maverick", 400e9, 17e9}}) {
    const ModelSpec& m = model(p.name);
    INFO(p.name << ": total " << m.parameters() << ", active " << m.active_parameters());
    CHECK(m.parameters() == Approx(p.total).epsilon(0.03));
    // OpenAI counts the unembedding but not the embedding table as active; hwsim counts both (DeepSeek's way).
    const bool openai = m.family == "gpt-oss";
    const double active = m.active_parameters() - (openai ? m.embedding_parameters() : 0.0);
    CHECK(active == Approx(p.active).epsilon(0.03));
  }
  // Maverick: 24 dense layers of 16384 and 24 MoE layers of one routed and one shared expert of 8192.
  const ModelSpec& maverick = model("llama4-maverick");
  CHECK(maverick.moe_layers() == 24);
  CHECK(maverick.active_mlp_width() == (24.0 * 16384 + 24.0 * 2 * 8192) / 48);
  CHECK(model("llama4-scout").window_layers == 36);
  CHECK(model("gpt-oss-120b").window_layers == 18);
}

TEST_CASE("parallelism_error: every stage takes a layer, tensor-parallel ranks whole heads and whole KV groups",
          "[models]") {
  const ModelSpec& m = model("llama2-70b");  // 80 layers, 64 heads, 8 KV heads
  const auto error_of = [&](int tp, int pp) {
    const auto e = hwsim::parallelism_error(m, tp, pp);
    return e ? e->key + ": " + e->message : std::string();
  };
  // 80 = 4 x 20 layers, 64 = 8 x 8 heads, 8 = 8 x 1 KV heads: valid.
  CHECK(error_of(1, 1).empty());
  CHECK(error_of(8, 4).empty());
  CHECK(error_of(8, 80).empty());
  // The scenario loader's messages, word for word.
  CHECK(error_of(1, 3).empty());  // uneven: stage_layers
  CHECK(error_of(1, 81) == "pp: 80 layers cannot fill 81 pipeline stages (each stage needs a layer)");
  CHECK(error_of(3, 1) == "tp: 64 heads do not split evenly over tp=3");
  // 64 heads split over 16 ranks, but 8 KV groups do not (Megatron-LM: num_query_groups % tp == 0).
  CHECK(error_of(16, 1) == "tp: 8 KV heads do not split evenly over tp=16");
  // The layer rule is checked first.
  CHECK(error_of(3, 81) == "pp: 80 layers cannot fill 81 pipeline stages (each stage needs a layer)");
  CHECK(error_of(0, 1) == "tp: tp must be at least 1, got 0");
  CHECK(error_of(1, 0) == "pp: pp must be at least 1, got 0");
  // Multi-head attention (kv_heads = heads): only the heads bind. gpt3-175b: 96 layers, 96 heads.
  CHECK(hwsim::parallelism_error(model("gpt3-175b"), 8, 96) == std::nullopt);
  CHECK(hwsim::parallelism_error(model("gpt3-175b"), 64, 1)->message == "96 heads do not split evenly over tp=64");
}

TEST_CASE("stage_layers splits as Megatron-LM does: evenly, else the embedding and the loss take a layer's slot",
          "[models]") {
  const auto layers = [](int l, int pp) {
    const hwsim::StageLayers s = hwsim::stage_layers(l, pp);
    return std::vector<int>{s.first, s.middle, s.last};
  };
  CHECK(layers(96, 8) == std::vector<int>{12, 12, 12});
  CHECK(layers(80, 1) == std::vector<int>{80, 0, 80});
  // Llama 3 405B (paper section 3.3.2): 126 layers + 2 slots = 128 over 16 stages: 7 | 8 x 14 | 7; over 8: 15 | 16
  // | 15.
  CHECK(layers(126, 16) == std::vector<int>{7, 8, 7});
  CHECK(layers(126, 8) == std::vector<int>{15, 16, 15});
  // 80 + 2 = 82 slots over 3 stages: 27 each and one left over, which goes to the middle stage: 26 | 28 | 26.
  CHECK(layers(80, 3) == std::vector<int>{26, 28, 26});
  // 11 + 2 = 13 over 4: 3 each, one left for a middle stage: 2 | 4 | 2 (2 + 4 + 3 + 2 = 11).
  CHECK(layers(11, 4) == std::vector<int>{2, 4, 2});
  // Too few layers for end stages one lighter: the layers alone, evenly (5 over 4: 1 | 2 | 1).
  CHECK(layers(5, 4) == std::vector<int>{1, 2, 1});
  // Two stages: no middle.
  CHECK(layers(9, 2) == std::vector<int>{5, 0, 4});
}
