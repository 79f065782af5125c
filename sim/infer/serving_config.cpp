// What a serving configuration stores and computes in: weight and KV-cache formats, the arithmetic a device runs them
// in, how expert parallelism splits a replica, how the KV cache shards (sim/infer/inference.hpp).
#include "sim/infer/inference.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hwsim {

double weight_bytes_per_parameter(const InferenceConfig& c) {
  if (c.bits_per_weight) return *c.bits_per_weight / 8.0;
  // FP4 weights are NVFP4 unless told: 4-bit E2M1 values with an E4M3 scale per 16 (NVIDIA/TensorRT-Model-Optimizer
  // NVFP4_DEFAULT_CFG: block_sizes {-1: 16, scale_bits (4, 3)}), 4.5 bits. MXFP4 (an E8M0 scale per 32) is
  // bits_per_weight 4.25.
  return c.dtype == DType::fp4 ? 4.5 / 8.0 : dtype_bytes(c.dtype);
}

double sixteen_bit_parameters(const InferenceConfig& c) {
  // GPU serving checkpoints quantise the transformer blocks' linear layers only: NVIDIA's Model Optimizer (the FP8
  // and FP4 checkpoints TensorRT-LLM, vLLM and SGLang load) leaves the output layer and the MoE routers unquantised
  // (NVIDIA/TensorRT-Model-Optimizer@0991404 modelopt/torch/quantization/config.py, _default_disabled_quantizer_cfg:
  // "*lm_head*", "*router*", "*output_layer*" disabled) and has no quantiser for the embedding table, which is not a
  // linear layer. The routers (hidden x experts per MoE layer, under 0.1% of a model) keep the format's width here.
  // llama.cpp's GGUF formats quantise the table and output layer too (bits_per_weight describes the whole file).
  // With quantize_experts_only every weight but the routed experts' stays in 16 bits, whatever the engine.
  if (weight_bytes_per_parameter(c) >= 2.0) return 0;
  const ModelSpec& m = c.model;
  if (sixteen_bit_arithmetic(c)) return m.parameters() - stage_expert_parameters(m, m.layers, 1);  // all but experts
  if (c.engine != Engine::tensorrt_llm && c.engine != Engine::vllm) return 0;
  return m.embedding_parameters() + m.output_layer_parameters();
}

bool sixteen_bit_arithmetic(const InferenceConfig& c) {
  return c.quantize_experts_only && c.model.moe() && weight_bytes_per_parameter(c) < 2.0;
}

double stored_weight_bytes(const InferenceConfig& c) {
  const double sixteen = sixteen_bit_parameters(c);
  return (c.model.parameters() - sixteen) * weight_bytes_per_parameter(c) + sixteen * 2.0;
}

double streamed_weight_bytes(const InferenceConfig& c) {
  // A pass gathers its tokens' rows of the embedding tables (a few kilobytes per token) rather than streaming them; a
  // tied token table is read whole as the output layer.
  const ModelSpec& m = c.model;
  const double gathered = m.embedding_parameters() - (m.tied_embeddings ? m.token_table_parameters() : 0.0);
  const double table_bytes = sixteen_bit_parameters(c) > 0 ? 2.0 : weight_bytes_per_parameter(c);
  return stored_weight_bytes(c) - gathered * table_bytes;
}

DType default_kv_dtype(DType weights) {
  switch (weights) {
    case DType::fp4:
    case DType::fp6:
    case DType::int4: return DType::fp8;
    case DType::tf32: return DType::fp32;
    default: return weights;
  }
}

std::optional<DType> compute_dtype(const Device& device, DType weights) {
  if (weights == DType::int4) {
    if (device.kind == DeviceKind::cpu && device.peak_of(DType::int8)) return DType::int8;
  } else if (device.peak_of(weights)) {
    return weights;
  }
  for (DType d : {DType::bf16, DType::fp16, DType::fp32}) {
    if (device.peak_of(d)) return d;
  }
  return std::nullopt;
}

std::optional<ParallelismError> serving_expert_parallelism_error(const ModelSpec& model, int tp, int ep) {
  if (!model.moe()) return expert_parallelism_error(model, ep);
  if (model.experts % ep == 0 && tp % ep == 0) return std::nullopt;
  std::vector<int> valid;
  for (int e = 1; e <= tp; ++e) {
    if (tp % e == 0 && model.experts % e == 0) valid.push_back(e);
  }
  return ParallelismError{
      "ep", fmt::format("ep={} must divide both the {} experts and tp={} (a replica's tp ranks run each MoE layer as "
                        "ep groups of tp/ep ranks: TensorRT-LLM's moe_ep_size x moe_tp_size = tp_size); valid: {}",
                        ep, model.experts, tp, fmt::join(valid, ", "))};
}

int kv_cache_shards(const InferenceConfig& c) {
  // MLA caches one latent per token that every head reads, so tensor parallelism over the heads holds it whole on
  // each rank (why SGLang serves DeepSeek with data-parallel attention; "SGLang v0.4: ... data parallelism attention
  // for DeepSeek models", lmsys.org blog 2024-12-04); other attention splits its KV heads over the ranks.
  return c.model.mla() ? 1 : c.tp;
}

std::optional<int> token_budget_batch(const InferenceConfig& c) {
  if (!c.max_batch_tokens) return std::nullopt;
  // With multi-step scheduling (scheduler_steps k) one step prefills the prompts of k iterations' arrivals.
  const double per_sequence = 1.0 + c.scheduler_steps * static_cast<double>(c.input_tokens) / c.output_tokens;
  return std::max(1, static_cast<int>(std::floor(*c.max_batch_tokens / per_sequence)));
}

const char* engine_name(Engine engine) {
  switch (engine) {
    case Engine::automatic: return "auto";
    case Engine::tensorrt_llm: return "tensorrt-llm";
    case Engine::vllm: return "vllm";
    case Engine::llama_cpp: return "llama.cpp";
  }
  return "auto";
}

}  // namespace hwsim
