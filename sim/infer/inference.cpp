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

Bytes inference_memory_per_device(const InferenceConfig& c, int batch) {
  const ModelSpec& m = c.model;
  const double weights = m.parameters() * dtype_bytes(c.dtype);
  const double context = static_cast<double>(c.input_tokens) + c.output_tokens;
  const double kv = batch * context * m.kv_elements_per_token() * dtype_bytes(c.kv_dtype);
  const double workspace = batch * static_cast<double>(c.input_tokens) * kWorkspaceVectors * m.hidden * 2.0;
  return Bytes((weights + kv) / (c.tp * c.pp) + workspace / c.tp);
}

namespace {

struct Evaluator {
  const InferenceConfig& c;
  const System& sys;
  const EfficiencyModel& eff;
  DType arithmetic;
  FlopPerSecond peak;

  [[nodiscard]] LinkPath tp_link() const {
    const bool out = c.tp > sys.devices_per_node();
    return {out ? sys.device.scale_out_bandwidth : sys.device.scale_up_bandwidth,
            eff.link_latency(sys.device, out), eff.link(sys.device, out)};
  }

  // One forward pass over `tokens` new tokens per sequence for `batch` sequences attending to `context` tokens
  // on average; weights read once, KV cache of the whole context read, new KV written.
  [[nodiscard]] PhaseTime forward(int batch, double tokens, double context) const {
    const ModelSpec& m = c.model;
    const double devices = c.tp;  // pipeline stages run one after another for one batch
    const Flop flops(batch * tokens * m.forward_flops_per_token(context) / devices);
    const double weight_bytes = m.parameters() * dtype_bytes(c.dtype) / (c.tp * c.pp);
    const double kv_bytes =
        batch * (context + tokens) * m.kv_elements_per_token() * dtype_bytes(c.kv_dtype) / (c.tp * c.pp);
    // All pp stages are traversed in sequence: per-device traffic x pp stages of time.
    const Bytes bytes((weight_bytes + kv_bytes) * c.pp);
    const Flop gemm(2.0 * batch * tokens * m.hidden * m.ffn_hidden / c.tp);
    PhaseTime p;
    p.compute = flops / (peak * eff.compute(sys.device, arithmetic, gemm));
    p.memory = bytes / (sys.device.memory_bandwidth * eff.memory(sys.device, bytes));
    if (c.tp > 1) {
      const Bytes activation(batch * tokens * m.hidden * 2.0);
      p.communication = ring_all_reduce(activation, c.tp, tp_link()) * (2.0 * m.layers);
    }
    const Seconds launch = eff.launch_overhead(sys.device) * (kKernelsPerLayer * m.layers);
    p.time = Seconds(std::max(p.compute.value(), p.memory.value())) + p.communication + launch;
    return p;
  }
};

}  // namespace

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
  const Evaluator ev{c, sys, eff, *arithmetic, *dev.peak_of(*arithmetic)};

  const double usable = dev.memory_capacity.value() * 0.92;
  const auto fits = [&](int b) { return inference_memory_per_device(c, b).value() <= usable; };
  const double mean_context = c.input_tokens + c.output_tokens / 2.0;
  const auto meets_sla = [&](int b) {
    if (c.sla_ttft && ev.forward(b, c.input_tokens, c.input_tokens / 2.0).time > *c.sla_ttft) return false;
    if (c.sla_tpot && ev.forward(b, 1, mean_context).time > *c.sla_tpot) return false;
    return true;
  };

  if (!fits(1)) {
    const double need = inference_memory_per_device(c, 1).value();
    r.fits = false;
    r.memory_per_device = Bytes(need);
    r.message = fmt::format(
        "does not fit: {} at {} needs {:.1f} GB per device with tp={} pp={} (batch 1), {:.1f} GB usable: short by "
        "{:.1f} GB; use more devices per replica or a lower precision",
        c.model.name, dtype_name(c.dtype), need / 1e9, c.tp, c.pp, usable / 1e9, (need - usable) / 1e9);
    return r;
  }
  int batch = 1;
  if (c.batch) {
    batch = *c.batch;
    if (!fits(batch)) {
      const double need = inference_memory_per_device(c, batch).value();
      r.fits = false;
      r.memory_per_device = Bytes(need);
      r.message = fmt::format("does not fit: batch {} needs {:.1f} GB per device, {:.1f} GB usable: short by {:.1f} GB",
                              batch, need / 1e9, usable / 1e9, (need - usable) / 1e9);
      return r;
    }
  } else {
    // Largest batch that fits memory and meets the SLA; both conditions are monotone in the batch.
    int lo = 1;
    int hi = kMaxBatch;
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
  r.batch = batch;
  r.memory_per_device = inference_memory_per_device(c, batch);
  r.prefill = ev.forward(batch, c.input_tokens, c.input_tokens / 2.0);
  r.decode = ev.forward(batch, 1, mean_context);
  r.ttft = r.prefill.time;
  r.tpot = r.decode.time;
  const Seconds request = r.prefill.time + r.decode.time * c.output_tokens;
  r.throughput_tokens_per_s = r.replicas * static_cast<double>(batch) * c.output_tokens / request.value();
  r.decode_tokens_per_s = r.replicas * static_cast<double>(batch) / r.tpot.value();
  // Busy shares over a whole request: each phase is compute bound or memory bound.
  const auto split = [&](const PhaseTime& p, double times, double& comp, double& mem, double& comm) {
    const double busy = std::max(p.compute.value(), p.memory.value()) * times;
    (p.compute >= p.memory ? comp : mem) += busy;
    comm += p.communication.value() * times;
  };
  double comp = 0, mem = 0, comm = 0;
  split(r.prefill, 1, comp, mem, comm);
  split(r.decode, c.output_tokens, comp, mem, comm);
  r.compute_busy = comp / request.value();
  r.memory_busy = mem / request.value();
  r.communication_busy = comm / request.value();
  return r;
}

}  // namespace hwsim
