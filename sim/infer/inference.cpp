#include "sim/infer/inference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "sim/infer/serving_model.hpp"

namespace hwsim {

double erlang_c(int servers, double load) {
  if (load <= 0) return 0;
  if (load >= servers) return 1;
  // Erlang B by its recursion B(k) = a B(k-1) / (k + a B(k-1)), stable for thousands of slots; then
  // C = c B / (c - a (1 - B)).
  double b = 1;
  for (int k = 1; k <= servers; ++k) b = load * b / (k + load * b);
  return servers * b / (servers - load * (1 - b));
}

namespace serving {

int choose_batch(const Batching& s, InferenceResult& r) {
  const InferenceConfig& c = s.c;
  if (!s.fits(1)) {
    const double need = s.memory_for(1);
    r.fits = false;
    r.memory_per_device = Bytes(need);
    r.message = fmt::format(
        "does not fit: {} at {} needs {:.1f} GB per device with tp={} pp={} (batch 1), {:.1f} GB "
        "usable{}: {}",
        c.model.name, dtype_name(c.dtype), need / 1e9, c.tp, c.pp, s.limit_for(1) / 1e9, s.share_text(1),
        s.shortfall(need, 1));
    return 0;
  }
  if (c.batch) {
    const int batch = *c.batch;
    if (s.fits(batch)) return batch;
    const double need = s.memory_for(batch);
    r.fits = false;
    r.memory_per_device = Bytes(need);
    r.message = fmt::format("does not fit: batch {} needs {:.1f} GB per device, {:.1f} GB usable{}: {}", batch,
                            need / 1e9, s.limit_for(batch) / 1e9, s.share_text(batch), s.shortfall(need, batch));
    return 0;
  }
  if (!s.meets_sla(1)) {
    r.message = "no batch meets the SLA; showing batch 1";
    return 1;
  }
  int lo = 1;
  // The engine's limits are per micro-batch (products in 64 bits: a limit times many stages may pass an int's range).
  std::int64_t limit = c.max_batch ? std::int64_t{*c.max_batch} * s.micro_batches : kMaxBatch;
  if (const auto budget = token_budget_batch(c)) limit = std::min(limit, std::int64_t{*budget} * s.micro_batches);
  int hi = static_cast<int>(std::min<std::int64_t>(limit, std::numeric_limits<int>::max()));
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (s.fits(mid) && s.meets_sla(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace serving

namespace {

using serving::Batching;
using serving::BusyTime;
using serving::Evaluator;
using serving::Sharing;

// The result at `batch`: phases, latencies, throughput and busy shares.
void serve(const Batching& s, int batch, InferenceResult& r) {
  const InferenceConfig& c = s.c;
  r.batch = batch;
  r.memory_per_device = Bytes(s.memory_for(batch));
  r.prefill = c.continuous ? s.ev.forward(1, c.input_tokens, c.input_tokens / 2.0)
                           : s.ev.forward(batch, c.input_tokens, c.input_tokens / 2.0);
  r.decode = s.ev.forward(s.micro(batch), 1, s.mean_context);
  r.ttft = s.ttft_of(batch);
  r.tpot = s.tpot_of(batch);
  r.decode_tokens_per_s = r.replicas * static_cast<double>(batch) / r.decode.time.value();  // all micro-batches
  BusyTime busy{s.ev.corner};
  double period = 0;
  if (c.continuous) {
    const PhaseTime it = s.iteration(batch);
    r.throughput_tokens_per_s = r.replicas * static_cast<double>(batch) / it.time.value();
    if (c.requests) {  // a finite run ends with a partial wave (offline_run_time)
      const double per_replica = static_cast<double>(*c.requests) / r.replicas;
      const double seconds = offline_run_time(per_replica, batch, c.output_tokens, [&](int b) {
        return b == batch ? it.time.value() : s.iteration(b).time.value();
      });
      r.throughput_tokens_per_s = r.replicas * per_replica * c.output_tokens / seconds;
    }
    if (c.sla_percentile) {  // Poisson arrivals keep the slots busy only `utilization` of the time
      const Batching::Queue q = s.poisson(batch, it);
      r.throughput_tokens_per_s *= q.utilization;
      r.utilization = q.utilization;
      r.ttft = q.ttft;
    }
    busy.add(it, 1);
    period = it.time.value();
  } else {
    const Seconds request = r.prefill.time + r.decode.time * c.output_tokens;
    r.throughput_tokens_per_s = r.replicas * static_cast<double>(batch) * c.output_tokens / request.value();
    busy.add(r.prefill, 1);
    busy.add(r.decode, c.output_tokens);
    period = request.value();
  }
  r.compute_busy = busy.compute / period;
  r.memory_busy = busy.memory / period;
  r.communication_busy = busy.communication / period;
}

}  // namespace

InferenceResult evaluate_inference(const InferenceConfig& config, const System& sys, const EfficiencyModel& eff) {
  if (config.disaggregated) return evaluate_disaggregated(config, sys, eff);
  // `engine: auto` is llama.cpp on CPUs and TensorRT-LLM on GPUs.
  InferenceConfig c = config;
  if (c.engine == Engine::automatic) {
    c.engine = sys.device.kind == DeviceKind::cpu ? Engine::llama_cpp : Engine::tensorrt_llm;
  }
  InferenceResult r;
  const Device& dev = sys.device;
  const auto arithmetic = compute_dtype(dev, c.dtype);
  if (!arithmetic) {
    r.fits = false;
    r.message = fmt::format("{} has no arithmetic for {} weights", dev.name, dtype_name(c.dtype));
    return r;
  }
  r.compute = *arithmetic;
  const Sharing share = serving::sharing_of(c, sys);
  r.replicas = share.replicas;
  r.replicas_per_device = share.replicas_per_device;
  const Evaluator ev{c,
                     sys,
                     eff,
                     *arithmetic,
                     *dev.peak_of(*arithmetic) * share.compute_share,
                     dev.memory_bandwidth / static_cast<double>(share.replicas_per_device),
                     share.sync_share};
  const Batching s{c, ev, share.replicas_per_device};
  const int batch = serving::choose_batch(s, r);
  if (batch == 0) return r;
  r.crossover_batch = s.crossover();
  serve(s, batch, r);
  if (c.kv_cache_share && !kv_cache_share_of(c, dev.kind) && r.message.empty()) {
    r.message = fmt::format("kv_cache_share {:g} does not apply: {} sizes its KV cache itself", *c.kv_cache_share,
                            dev.kind == DeviceKind::cpu ? "a CPU runtime (llama.cpp)" : engine_name(c.engine));
  }
  if (c.sla_ttft || c.sla_tpot) r.sla_met = s.meets_sla(batch);
  return r;
}

}  // namespace hwsim
