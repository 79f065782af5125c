// Disaggregated serving: a prefill pool and a decode pool of the deployment's devices, the KV cache handed from one to
// the other (sim/infer/inference.hpp evaluate_disaggregated).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sim/infer/inference.hpp"
#include "sim/infer/serving_model.hpp"

namespace hwsim {

namespace {

using serving::Batching;
using serving::BusyTime;
using serving::Evaluator;

// A pool's copy of the workload: its own tp, pp, ep and replicas, nothing disaggregated left in it.
InferenceConfig pool_config(const InferenceConfig& c, const ServingPool& pool) {
  InferenceConfig p = c;
  p.tp = pool.tp;
  p.pp = pool.pp;
  p.ep = pool.ep;
  p.replicas = pool.replicas;
  p.disaggregated.reset();
  return p;
}

// A replica's evaluator on a GPU it has to itself.
Evaluator evaluator_of(const InferenceConfig& c, const System& sys, const EfficiencyModel& eff, DType arithmetic) {
  return Evaluator{c, sys, eff, arithmetic, *sys.device.peak_of(arithmetic), sys.device.memory_bandwidth, 1.0};
}

// Busy shares of one period's work, scaled by the share of the time the pool works (its load).
struct Busy {
  double compute = 0;
  double memory = 0;
  double communication = 0;
};
Busy busy_of(const PhaseTime& p, double corner, double load) {
  BusyTime b{corner};
  b.add(p, 1);
  const double t = p.time.value();
  return {b.compute / t * load, b.memory / t * load, b.communication / t * load};
}

// The prefill pool: passes of `prompts` prompts (the first token each), what a pass holds and how long it takes.
struct PrefillPool {
  const InferenceConfig& c;  // the pool's copy: a static batch of prompts, each producing one token
  Evaluator ev;
  MemoryTerms memory{c};

  [[nodiscard]] PhaseTime pass(int prompts) const { return ev.forward(prompts, c.input_tokens, c.input_tokens / 2.0); }
  // With pp passes in flight a stage holds its layers' cache of all of them (each pass's prompts leave after the last
  // stage), beside the weights and one pass's workspace.
  [[nodiscard]] double bytes(int prompts) const {
    return memory.fixed(c, prompts) + static_cast<double>(prompts) * memory.kv_per_sequence / kv_cache_shards(c);
  }
  [[nodiscard]] bool fits(int prompts) const { return bytes(prompts) <= memory.limit(c, ev.sys.device, prompts, 1); }
  // A request waits for the first stage's pass under way, then goes through its own pass.
  [[nodiscard]] Seconds ttft(int prompts) const {
    const Seconds t = pass(prompts).time;
    return t + t / c.pp;
  }
  // The most prompts per pass within the token budget, memory and the TTFT limit (at least 1 while one fits); 0 when
  // one prompt does not fit.
  [[nodiscard]] int prompts_per_pass(std::optional<int> budget, std::optional<Seconds> ttft_limit) const {
    if (!fits(1)) return 0;
    int hi = budget ? std::max(1, *budget / c.input_tokens) : 1;
    int lo = 1;
    const auto ok = [&](int k) { return fits(k) && (!ttft_limit || ttft(k) <= *ttft_limit); };
    while (lo < hi) {  // both conditions are monotone in k
      const int mid = lo + (hi - lo + 1) / 2;
      if (ok(mid))
        lo = mid;
      else
        hi = mid - 1;
    }
    return lo;
  }
};

// The KV cache of one request's prompt as the engine holds it (MemoryTerms' rule: TensorRT-LLM keeps every layer's
// whole context, windowed layers too).
double prompt_kv_bytes(const InferenceConfig& c) {
  const ModelSpec& m = c.model;
  const double elements =
      c.engine == Engine::tensorrt_llm ? c.input_tokens * m.kv_elements_per_token() : m.kv_elements(c.input_tokens);
  return elements * dtype_bytes(c.kv_dtype);
}

// How one request's KV cache crosses between the pools: the time it takes and the most requests per second the links
// carry. The prefill ranks that hold it send their shares at once (a latent cache, held whole by every tp rank, from
// one rank per stage); every decode rank receives its share (with MLA the whole latent of its stage each).
struct Transfer {
  Seconds time;
  double requests_per_s = 0;
  double bytes_moved = 0;  // per request, sent and received
};
Transfer transfer_of(const InferenceConfig& prefill, const InferenceConfig& decode, double kv, const LinkPath& link) {
  const double rate = link.bandwidth.value() * link.efficiency;
  const double senders = static_cast<double>(kv_cache_shards(prefill)) * prefill.pp;
  const double receive_each = kv / (static_cast<double>(kv_cache_shards(decode)) * decode.pp);
  const double receivers = static_cast<double>(decode.tp) * decode.pp;
  const double sent_each = kv / senders;
  Transfer t;
  t.time = point_to_point(Bytes(std::max(sent_each, receive_each)), link);
  const double prefill_ranks = senders * *prefill.replicas;
  const double decode_ranks = receivers * *decode.replicas;
  t.requests_per_s = std::min(prefill_ranks * rate / kv, decode_ranks * rate / (receive_each * receivers));
  t.bytes_moved = kv + receive_each * receivers;
  return t;
}

InferenceResult not_fitting(std::string message, const Bytes& memory) {
  InferenceResult r;
  r.fits = false;
  r.message = std::move(message);
  r.memory_per_device = memory;
  return r;
}

}  // namespace

InferenceResult evaluate_disaggregated(const InferenceConfig& config, const System& sys, const EfficiencyModel& eff) {
  InferenceConfig c = config;
  const Disaggregation pools = *c.disaggregated;
  const Device& dev = sys.device;
  if (pools.prefill.replicas <= 0 || pools.decode.replicas <= 0) {
    return not_fitting("a pool's replicas: auto is resolved against a deployment (the devices the other pool leaves)",
                       Bytes(0));
  }
  if (dev.kind != DeviceKind::gpu) {
    return not_fitting("disaggregated serving is modelled on GPUs (a CPU runtime prefills and decodes in one process)",
                       Bytes(0));
  }
  if (c.engine == Engine::automatic) c.engine = Engine::tensorrt_llm;
  const auto arithmetic = compute_dtype(dev, c.dtype);
  if (!arithmetic)
    return not_fitting(fmt::format("{} has no arithmetic for {} weights", dev.name, dtype_name(c.dtype)), Bytes(0));

  // Prefill pool: static passes of prompts, one token each.
  InferenceConfig pc = pool_config(c, pools.prefill);
  pc.continuous = false;
  pc.output_tokens = 1;
  pc.kv_cache_share.reset();
  const PrefillPool prefill{pc, evaluator_of(pc, sys, eff, *arithmetic)};
  const int prompts = prefill.prompts_per_pass(c.max_batch_tokens, c.sla_ttft);
  if (prompts == 0) {
    const double need = prefill.bytes(1);
    return not_fitting(fmt::format("does not fit: the prefill pool's {} at {} needs {:.1f} GB per device with tp={} "
                                   "pp={} (one prompt of {} tokens), {:.1f} GB usable",
                                   c.model.name, dtype_name(c.dtype), need / 1e9, pc.tp, pc.pp, c.input_tokens,
                                   prefill.memory.limit(pc, dev, 1, 1) / 1e9),
                       Bytes(need));
  }
  const PhaseTime pass = prefill.pass(prompts);
  const double prefill_rate = pools.prefill.replicas * static_cast<double>(prompts) * pc.pp / pass.time.value();

  // Decode pool: decode-only iterations; the token budget is the prefill pool's.
  InferenceConfig dc = pool_config(c, pools.decode);
  dc.max_batch_tokens.reset();
  const Evaluator dev_ev = evaluator_of(dc, sys, eff, *arithmetic);
  const Batching decode{dc, dev_ev, 1, true};
  InferenceResult r;
  const int batch = serving::choose_batch(decode, r);
  if (!r.message.empty()) r.message = "the decode pool: " + r.message;
  if (batch == 0) return r;
  const PhaseTime step = decode.iteration(batch);
  const double later_tokens = std::max(1, c.output_tokens - 1);  // the first token is the prefill pool's
  const double decode_rate = pools.decode.replicas * static_cast<double>(batch) / (step.time.value() * later_tokens);

  // The links between the pools: the NVLink domain when the whole deployment is one, else the NICs.
  const LinkPath link = link_path(sys, eff, sys.devices > sys.devices_per_node());
  const Transfer transfer = transfer_of(pc, dc, prompt_kv_bytes(pc), link);
  const double transfer_rate = transfer.requests_per_s;

  const double rate = std::min({prefill_rate, transfer_rate, decode_rate});
  r.compute = *arithmetic;
  r.batch = batch;
  r.replicas = pools.prefill.replicas + pools.decode.replicas;
  r.prefill = pass;
  r.decode = dev_ev.forward(decode.micro(batch), 1, decode.mean_context);
  r.ttft = prefill.ttft(prompts);
  r.tpot = step.time;
  r.throughput_tokens_per_s = rate * c.output_tokens;
  r.decode_tokens_per_s = pools.decode.replicas * static_cast<double>(batch) / r.decode.time.value();
  r.crossover_batch = decode.crossover();
  const Bytes prefill_memory(prefill.bytes(prompts));
  const Bytes decode_memory(decode.memory_for(batch));
  r.memory_per_device = std::max(prefill_memory, decode_memory);
  if (c.sla_ttft || c.sla_tpot) {
    r.sla_met = (!c.sla_ttft || r.ttft <= *c.sla_ttft) && (!c.sla_tpot || r.tpot <= *c.sla_tpot);
  }
  if (c.sla_ttft && r.ttft > *c.sla_ttft) {
    if (!r.message.empty()) r.message += "; ";
    r.message += fmt::format(
        "the prefill pool: one prompt a pass takes {:.3g} s to the first token, above the TTFT "
        "limit of {:.3g} s",
        r.ttft.value(), c.sla_ttft->value());
  }

  // Busy shares over all the devices: each pool's at its load, and the links' while they carry the caches.
  const auto prefill_devices = static_cast<double>(pools.prefill.devices());
  const auto decode_devices = static_cast<double>(pools.decode.devices());
  const Busy p = busy_of(pass, prefill.ev.corner, rate / prefill_rate);
  const Busy d = busy_of(step, dev_ev.corner, rate / decode_rate);
  const double all = prefill_devices + decode_devices;
  // Link-seconds per second of all the devices, the senders' and the receivers'.
  const double link_busy = rate * transfer.bytes_moved / (link.bandwidth.value() * link.efficiency) / all;
  r.compute_busy = (p.compute * prefill_devices + d.compute * decode_devices) / all;
  r.memory_busy = (p.memory * prefill_devices + d.memory * decode_devices) / all;
  r.communication_busy =
      std::min(1.0, (p.communication * prefill_devices + d.communication * decode_devices) / all + link_busy);

  r.disaggregated = DisaggregatedResult{.prefill = {.pool = pools.prefill,
                                                    .requests_per_s = prefill_rate,
                                                    .load = rate / prefill_rate,
                                                    .memory_per_device = prefill_memory},
                                        .decode = {.pool = pools.decode,
                                                   .requests_per_s = decode_rate,
                                                   .load = rate / decode_rate,
                                                   .memory_per_device = decode_memory},
                                        .prompts_per_pass = prompts,
                                        .kv_transfer = transfer.time,
                                        .transfer_requests_per_s = transfer_rate};
  return r;
}

}  // namespace hwsim
