// What a serving configuration holds in memory per device, the share of it an engine's KV cache may take, and how many
// devices hold it (sim/infer/inference.hpp).
#include "sim/infer/serving_memory.hpp"

#include <algorithm>

namespace hwsim {

Bytes inference_memory_per_device(const InferenceConfig& c, int batch) { return Bytes(MemoryTerms(c).bytes(c, batch)); }

std::optional<double> kv_cache_share_of(const InferenceConfig& c, DeviceKind device) {
  if (device != DeviceKind::gpu || !c.continuous) return std::nullopt;
  if (c.engine != Engine::tensorrt_llm && c.engine != Engine::vllm) return std::nullopt;
  if (c.kv_cache_share) return c.kv_cache_share;
  return c.engine == Engine::tensorrt_llm ? 0.90 : 0.92;
}

double serving_memory_limit(const InferenceConfig& c, const Device& device, double fixed) {
  const double usable = device.usable_memory().value();
  const auto share = kv_cache_share_of(c, device.kind);
  if (!share) return usable;
  // vLLM's budget counts the memory outside its tensors too (the CUDA context, NCCL buffers: vllm/v1/worker/
  // gpu_worker.py adds them to the profiled peak), which usable_memory sets aside: the share of the capacity that
  // is left out comes off the usable memory. TensorRT-LLM measures its free memory with the context already there.
  if (c.engine == Engine::vllm) return std::max(0.0, usable - (1.0 - *share) * device.memory_capacity.value());
  return fixed >= usable ? usable : fixed + *share * (usable - fixed);
}

int min_devices_to_hold(const InferenceConfig& c, DType dtype, const Device& device, int batch) {
  InferenceConfig probe = c;
  if (probe.dtype != dtype) probe.bits_per_weight.reset();  // the given width describes the original format
  probe.dtype = dtype;
  probe.kv_dtype = default_kv_dtype(dtype);
  probe.pp = 1;
  for (int tp = 1; tp <= 64; tp *= 2) {
    probe.tp = tp;
    if (MemoryTerms(probe).fits(probe, device, batch, 1)) return tp;
  }
  return 0;
}

}  // namespace hwsim
