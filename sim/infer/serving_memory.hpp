// The memory a serving configuration holds per device, split into what the batch does not change (the weights, the
// prompts' workspace) and its KV cache: used by the batch searches (sim/infer/inference.cpp) and the memory functions
// of sim/infer/inference.hpp (serving_memory.cpp). Internal to sim/infer.
#pragma once

#include <algorithm>

#include "sim/infer/inference.hpp"

namespace hwsim {

// Activation workspace per sequence and token in flight: a few h-wide fp16 vectors (estimate).
inline constexpr double kWorkspaceVectors = 8.0;

// inference_memory_per_device's terms that do not depend on the batch, computed once for the batch searches.
struct MemoryTerms {
  double weights;          // bytes of the whole model
  double kv_per_sequence;  // bytes of one sequence's cache at its held context
  double workspace_per_prompt;
  explicit MemoryTerms(const InferenceConfig& c) {
    const ModelSpec& m = c.model;
    // Expert parallelism leaves a device's share unchanged: its group holds experts / ep whole experts split tp / ep
    // ways, 1 / tp of the routed experts as tensor parallelism alone holds (serving_expert_parallelism_error).
    weights = stored_weight_bytes(c);
    // Static batches hold every sequence's full context at the end and prefill all prompts at once. Continuous
    // batching with a paged KV cache holds sequences spread evenly through their lives, and each iteration prefills
    // only the batch / output prompts that arrive: vLLM allocates blocks as tokens come (preempting when full), so
    // its cache holds the mean context; TensorRT-LLM's default scheduler (GUARANTEED_NO_EVICT) reserves each
    // request's whole input + output when it admits it (evaluate_inference resolves `auto` to it on GPUs).
    const bool reserves = c.engine == Engine::tensorrt_llm;
    const double context = c.continuous && !reserves ? c.input_tokens + c.output_tokens / 2.0
                                                     : static_cast<double>(c.input_tokens) + c.output_tokens;
    // A windowed layer keeps only its window where the engine gives it a pool of its own (vLLM's hybrid KV cache
    // manager). TensorRT-LLM's PyTorch KV cache manager keeps one window, max_seq_len, for every layer unless the run
    // sets kv_cache_config.max_attention_window (its VSWA pools, pull 5151), and it does not take the windows from the
    // model's config (the pull that would have, 5722, was closed unmerged; the 2026 derivation from layer_types is
    // KVCacheManagerV2's only): the model passes its window to the attention kernel alone
    // (_torch/models/modeling_gpt_oss.py), so each windowed layer holds the whole context there.
    const double held = reserves ? context * m.kv_elements_per_token() : m.kv_elements(context);
    kv_per_sequence = held * dtype_bytes(c.kv_dtype);
    workspace_per_prompt = static_cast<double>(c.input_tokens) * kWorkspaceVectors * m.hidden * 2.0;
  }
  // A pool that prefills no prompt (a disaggregated deployment's decode pool): no prompt workspace.
  static MemoryTerms without_prompts(const InferenceConfig& c) {
    MemoryTerms t(c);
    t.workspace_per_prompt = 0;
    return t;
  }
  // The weights and the workspace of the prompts in flight.
  [[nodiscard]] double fixed(const InferenceConfig& c, int batch) const {
    const double prompts = c.continuous ? std::max(1.0, static_cast<double>(batch) / c.output_tokens) : batch;
    return weights / (c.tp * c.pp) + prompts * workspace_per_prompt / c.tp;
  }
  [[nodiscard]] double bytes(const InferenceConfig& c, int batch) const {
    return fixed(c, batch) + batch * kv_per_sequence / (kv_cache_shards(c) * c.pp);
  }
  // What `replicas` copies of the configuration at `batch` may fill on `device` (serving_memory_limit).
  [[nodiscard]] double limit(const InferenceConfig& c, const Device& device, int batch, int replicas) const {
    return serving_memory_limit(c, device, fixed(c, batch) * replicas);
  }
  // Whether they fit within it.
  [[nodiscard]] bool fits(const InferenceConfig& c, const Device& device, int batch, int replicas) const {
    return bytes(c, batch) * replicas <= limit(c, device, batch, replicas);
  }
};

}  // namespace hwsim
