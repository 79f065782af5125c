// What a serving configuration stores and computes in: weight and KV-cache formats, the arithmetic a device runs them
// in, how expert parallelism splits a replica, how the KV cache shards (sim/infer/inference.hpp).
#include "sim/infer/inference.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace hwsim {

double weight_bytes_per_parameter(const InferenceConfig& c) {
  return c.bits_per_weight ? *c.bits_per_weight / 8.0 : dtype_bytes(c.dtype);
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

}  // namespace hwsim
