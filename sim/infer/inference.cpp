#include "sim/infer/inference.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/perf/collectives.hpp"

namespace hwsim {

namespace {
// Kernels per layer per forward pass (estimate: norms, QKV, attention, projection, MLP, residuals).
constexpr double kKernelsPerLayer = 12.0;
// Largest batch `batch: auto` considers per replica.
constexpr int kMaxBatch = 4096;
// Activation workspace per sequence and token in flight: a few h-wide fp16 vectors (estimate).
constexpr double kWorkspaceVectors = 8.0;
}  // namespace

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

namespace {
// inference_memory_per_device's terms that do not depend on the batch, computed once for the batch searches.
struct MemoryTerms {
  double weights;           // bytes of the whole model
  double kv_per_sequence;   // bytes of one sequence's cache at its held context
  double workspace_per_prompt;
  explicit MemoryTerms(const InferenceConfig& c) {
    const ModelSpec& m = c.model;
    weights = m.parameters() * weight_bytes_per_parameter(c);
    // Static batches hold every sequence's full context at the end and prefill all prompts at once. Continuous
    // batching with a paged KV cache (vLLM, TensorRT-LLM) holds sequences spread evenly through their lives, so the
    // cache holds the mean context, and each iteration prefills only the batch / output prompts that arrive.
    const double context = c.continuous ? c.input_tokens + c.output_tokens / 2.0
                                        : static_cast<double>(c.input_tokens) + c.output_tokens;
    kv_per_sequence = context * m.kv_elements_per_token() * dtype_bytes(c.kv_dtype);
    workspace_per_prompt = static_cast<double>(c.input_tokens) * kWorkspaceVectors * m.hidden * 2.0;
  }
  [[nodiscard]] double bytes(const InferenceConfig& c, int batch) const {
    const double prompts = c.continuous ? std::max(1.0, static_cast<double>(batch) / c.output_tokens) : batch;
    return (weights + batch * kv_per_sequence) / (c.tp * c.pp) + prompts * workspace_per_prompt / c.tp;
  }
};
}  // namespace

Bytes inference_memory_per_device(const InferenceConfig& c, int batch) {
  return Bytes(MemoryTerms(c).bytes(c, batch));
}

namespace {

struct Evaluator {
  const InferenceConfig& c;
  const System& sys;
  const EfficiencyModel& eff;
  DType arithmetic;
  FlopPerSecond peak;             // this replica's share of the device
  BytesPerSecond bandwidth;       // this replica's share of the device
  double sync_share;              // CPU: the replica's threads / cores (a fork/join spans only its threads); GPU: 1
  // Computed once per evaluation rather than per forward pass (the batch searches make dozens of passes). All pp
  // stages are traversed in sequence: per-device weights of a stage x pp stages of time = weights / tp.
  Bytes weight_bytes = Bytes(c.model.parameters() * weight_bytes_per_parameter(c) / c.tp);
  LinkPath link = tp_link();

  [[nodiscard]] LinkPath tp_link() const {
    const bool out = c.tp > sys.devices_per_node();
    return {out ? sys.device.scale_out_bandwidth : sys.device.scale_up_bandwidth,
            eff.link_latency(sys.device, out), eff.link(sys.device, out)};
  }

  // One forward pass over `tokens` new tokens per sequence for `batch` sequences attending to `context` tokens
  // on average: the weight products read the weights once, attention reads the KV cache of the whole context and
  // writes the new tokens' KV.
  [[nodiscard]] PhaseTime forward(int batch, double tokens, double context) const {
    const ModelSpec& m = c.model;
    const double rows = batch * tokens;  // tokens sharing each weight read
    const double devices = c.tp;         // pipeline stages run one after another for one batch
    const double attention_flops_per_token = 4.0 * m.layers * context * m.heads * m.head_dim();
    const Flop matmul_flops(rows * (m.forward_flops_per_token(context) - attention_flops_per_token) / devices);
    const Flop attention_flops(rows * attention_flops_per_token / devices);
    // All pp stages are traversed in sequence: per-device traffic x pp stages of time.
    const double group_reads = c.kv_reads_per_query_head ? static_cast<double>(m.heads) / m.kv_heads : 1.0;
    const Bytes kv_bytes(batch * (context * group_reads + tokens) * m.kv_elements_per_token() *
                         dtype_bytes(c.kv_dtype) / c.tp);
    PhaseTime p;
    // The MLP's (rows x hidden) . (hidden x ffn / tp) stands for the pass's products: its row count decides how
    // far from peak a decode step at a small batch runs.
    p.matmul_compute = matmul_flops / (peak * eff.gemm(sys.device, arithmetic, rows,
                                                          static_cast<double>(m.ffn_hidden) / c.tp, m.hidden));
    p.matmul_memory = weight_bytes / (bandwidth * eff.memory(sys.device, weight_bytes));
    p.attention_compute = attention_flops / (peak * eff.fused_attention(sys.device, arithmetic, false));
    p.attention_memory = kv_bytes / (bandwidth * eff.memory(sys.device, kv_bytes));
    if (c.tp > 1) {
      const Bytes activation(rows * m.hidden * 2.0);
      p.communication = all_reduce(activation, c.tp, link) * (2.0 * m.layers);
    }
    p.launch = eff.launch_overhead(sys.device) * (kKernelsPerLayer * m.layers * sync_share);
    return finish(p);
  }

  // Totals and time of a pass from its op groups.
  static PhaseTime finish(PhaseTime p) {
    p.compute = p.matmul_compute + p.attention_compute;
    p.memory = p.matmul_memory + p.attention_memory;
    p.time = Seconds(std::max(p.matmul_compute.value(), p.matmul_memory.value())) +
             Seconds(std::max(p.attention_compute.value(), p.attention_memory.value())) + p.communication + p.launch;
    return p;
  }
};

}  // namespace

int min_devices_to_hold(const InferenceConfig& c, DType dtype, Bytes device_memory, int batch) {
  InferenceConfig probe = c;
  if (probe.dtype != dtype) probe.bits_per_weight.reset();  // the given width describes the original format
  probe.dtype = dtype;
  probe.kv_dtype = default_kv_dtype(dtype);
  probe.pp = 1;
  for (int tp = 1; tp <= 64; tp *= 2) {
    probe.tp = tp;
    if (inference_memory_per_device(probe, batch).value() <= device_memory.value() * kUsableMemoryFraction) return tp;
  }
  return 0;
}

InferenceResult evaluate_inference(const InferenceConfig& c, const System& sys, const EfficiencyModel& eff) {
  InferenceResult r;
  const Device& dev = sys.device;
  const auto arithmetic = compute_dtype(dev, c.dtype);
  if (!arithmetic) {
    r.fits = false;
    r.message = fmt::format("{} has no arithmetic for {} weights", dev.name, dtype_name(c.dtype));
    return r;
  }
  r.compute = *arithmetic;
  const int per_replica = c.tp * c.pp;
  r.replicas = c.replicas.value_or(std::max(1, sys.devices / per_replica));
  // Several replicas may share a device (CPU processes on one socket): they split its compute and bandwidth.
  const int device_groups = std::max(1, sys.devices / per_replica);
  r.replicas_per_device = (r.replicas + device_groups - 1) / device_groups;
  double compute_share = 1.0 / r.replicas_per_device;
  if (c.threads && dev.kind == DeviceKind::cpu && dev.cores > 0) {
    compute_share = std::min(compute_share, static_cast<double>(*c.threads) / dev.cores);
  }
  const double sync_share = dev.kind == DeviceKind::cpu ? compute_share : 1.0;
  const Evaluator ev{c,
                     sys,
                     eff,
                     *arithmetic,
                     *dev.peak_of(*arithmetic) * compute_share,
                     dev.memory_bandwidth / static_cast<double>(r.replicas_per_device),
                     sync_share};

  const double usable = dev.memory_capacity.value() * kUsableMemoryFraction;
  const MemoryTerms memory_terms(c);
  const auto memory_for = [&](int b) { return memory_terms.bytes(c, b) * r.replicas_per_device; };
  const auto fits = [&](int b) { return memory_for(b) <= usable; };
  const double mean_context = c.input_tokens + c.output_tokens / 2.0;

  // One iteration of continuous batching with `b` sequences in flight: b decode tokens plus the prompts of the
  // b / output requests that replace those finishing, in one pass (weights read once).
  // A lone prompt's prefill does not depend on the batch: computed once for the batch searches below.
  const PhaseTime lone_prefill = ev.forward(1, c.input_tokens, c.input_tokens / 2.0);
  const auto iteration = [&](int b) {
    const PhaseTime decode = ev.forward(b, 1, mean_context);
    const PhaseTime& prompt = lone_prefill;
    const double arrivals = static_cast<double>(b) / c.output_tokens;
    PhaseTime it = decode;  // weights read once for the decode tokens and the arriving prompts
    it.matmul_compute = decode.matmul_compute + prompt.matmul_compute * arrivals;
    it.attention_compute = decode.attention_compute + prompt.attention_compute * arrivals;
    it.attention_memory = decode.attention_memory + prompt.attention_memory * arrivals;
    it.communication = decode.communication + prompt.communication * arrivals;
    return Evaluator::finish(it);
  };
  const auto ttft_of = [&](int b) {
    return c.continuous ? lone_prefill.time + iteration(b).time
                        : ev.forward(b, c.input_tokens, c.input_tokens / 2.0).time;
  };
  const auto tpot_of = [&](int b) { return c.continuous ? iteration(b).time : ev.forward(b, 1, mean_context).time; };
  const auto meets_sla = [&](int b) {
    if (c.sla_ttft && ttft_of(b) > *c.sla_ttft) return false;
    if (c.sla_tpot && tpot_of(b) > *c.sla_tpot) return false;
    return true;
  };

  // Advice for a shortfall at `batch`: more devices, or a lower precision, that hold that batch (fewer devices
  // never fix a shortfall).
  const auto shortfall_advice = [&](double need, int batch) {
    std::string advice;
    const int devices = min_devices_to_hold(c, c.dtype, dev.memory_capacity, batch);
    if (devices > per_replica) {
      advice += fmt::format("; {} devices per replica (tp={}) hold it at {}", devices, devices, dtype_name(c.dtype));
    }
    // The highest lower precision that fits, preferring formats the device computes natively (int8 before a
    // weight-only fp8 on an A100).
    std::optional<DType> suggestion;
    for (const bool native_only : {true, false}) {
      for (DType lower : {DType::fp8, DType::int8, DType::int4, DType::fp4}) {
        const auto arithmetic = compute_dtype(dev, lower);
        if (dtype_bytes(lower) >= weight_bytes_per_parameter(c) || !arithmetic) continue;
        if (native_only && *arithmetic != lower && !(lower == DType::int4 && dev.kind == DeviceKind::gpu)) continue;
        InferenceConfig probe = c;
        probe.bits_per_weight.reset();
        probe.dtype = lower;
        probe.kv_dtype = default_kv_dtype(lower);
        if (inference_memory_per_device(probe, batch).value() * r.replicas_per_device <= usable) {
          suggestion = lower;
          break;
        }
      }
      if (suggestion) break;
    }
    if (suggestion) advice += fmt::format("; at {} it fits on tp={} pp={}", dtype_name(*suggestion), c.tp, c.pp);
    return fmt::format("short by {:.1f} GB{}", (need - usable) / 1e9, advice);
  };

  if (!fits(1)) {
    const double need = memory_for(1);
    r.fits = false;
    r.memory_per_device = Bytes(need);
    r.message = fmt::format("does not fit: {} at {} needs {:.1f} GB per device with tp={} pp={} (batch 1), {:.1f} GB "
                            "usable: {}",
                            c.model.name, dtype_name(c.dtype), need / 1e9, c.tp, c.pp, usable / 1e9,
                            shortfall_advice(need, 1));
    return r;
  }
  int batch = 1;
  if (c.batch) {
    batch = *c.batch;
    if (!fits(batch)) {
      const double need = memory_for(batch);
      r.fits = false;
      r.memory_per_device = Bytes(need);
      r.message = fmt::format("does not fit: batch {} needs {:.1f} GB per device, {:.1f} GB usable: {}", batch,
                              need / 1e9, usable / 1e9, shortfall_advice(need, batch));
      return r;
    }
  } else {
    // Largest batch that fits memory and meets the SLA; both conditions are monotone in the batch.
    int lo = 1;
    int hi = c.max_batch.value_or(kMaxBatch);
    if (!meets_sla(1)) {
      r.message = "no batch meets the SLA; showing batch 1";
    } else {
      while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        if (fits(mid) && meets_sla(mid)) lo = mid; else hi = mid - 1;
      }
    }
    batch = lo;
  }
  // Crossover: the smallest batch whose decode step's weight products are compute bound, among the batches that fit
  // memory (both sides grow monotonically with the batch, so a bisection on the sign of compute - memory finds it).
  {
    int lo = 1;
    int hi = kMaxBatch;
    while (lo < hi) {  // the largest batch that fits
      const int mid = lo + (hi - lo + 1) / 2;
      if (fits(mid)) lo = mid; else hi = mid - 1;
    }
    hi = lo;
    lo = 1;
    const auto compute_bound = [&](int b) {
      const PhaseTime d = ev.forward(b, 1, mean_context);
      return d.matmul_compute >= d.matmul_memory;
    };
    if (compute_bound(hi)) {
      while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (compute_bound(mid)) hi = mid; else lo = mid + 1;
      }
      r.crossover_batch = lo;
    }
  }
  r.batch = batch;
  r.memory_per_device = Bytes(memory_for(batch));
  r.prefill = c.continuous ? ev.forward(1, c.input_tokens, c.input_tokens / 2.0)
                           : ev.forward(batch, c.input_tokens, c.input_tokens / 2.0);
  r.decode = ev.forward(batch, 1, mean_context);
  r.ttft = ttft_of(batch);
  r.tpot = tpot_of(batch);
  r.decode_tokens_per_s = r.replicas * static_cast<double>(batch) / r.decode.time.value();
  double comp = 0, mem = 0, comm = 0;
  const auto split = [&](const PhaseTime& p, double times) {
    const auto group = [&](Seconds compute, Seconds memory) {
      (compute >= memory ? comp : mem) += std::max(compute.value(), memory.value()) * times;
    };
    group(p.matmul_compute, p.matmul_memory);
    group(p.attention_compute, p.attention_memory);
    comm += p.communication.value() * times;
  };
  double period = 0;
  if (c.continuous) {
    const PhaseTime it = iteration(batch);
    r.throughput_tokens_per_s = r.replicas * static_cast<double>(batch) / it.time.value();
    split(it, 1);
    period = it.time.value();
  } else {
    const Seconds request = r.prefill.time + r.decode.time * c.output_tokens;
    r.throughput_tokens_per_s = r.replicas * static_cast<double>(batch) * c.output_tokens / request.value();
    split(r.prefill, 1);
    split(r.decode, c.output_tokens);
    period = request.value();
  }
  r.compute_busy = comp / period;
  r.memory_busy = mem / period;
  r.communication_busy = comm / period;
  return r;
}

}  // namespace hwsim
