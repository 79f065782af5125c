// The serving model's internals, shared by evaluate_inference (inference.cpp) and evaluate_disaggregated
// (disaggregated.cpp): a replica's forward passes (Evaluator), how replicas share a device (Sharing), what depends on
// the batch (Batching), the batch searches (choose_batch) and the busy shares power reads (BusyTime). Internal to
// sim/infer.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "sim/infer/inference.hpp"
#include "sim/infer/serving_memory.hpp"
#include "sim/perf/collectives.hpp"
#include "sim/perf/roofline.hpp"

namespace hwsim::serving {

// Largest batch `batch: auto` considers per replica.
inline constexpr int kMaxBatch = 4096;

struct Evaluator {
  const InferenceConfig& c;
  const System& sys;
  const EfficiencyModel& eff;
  DType arithmetic;
  FlopPerSecond peak;        // this replica's share of the device
  BytesPerSecond bandwidth;  // this replica's share of the device
  double sync_share;         // CPU: the replica's threads / cores (a fork/join spans only its threads); GPU: 1
  // llama.cpp's unified KV cache: each token attends over every sequence's cells (Engine).
  bool unified_cache = c.engine == Engine::llama_cpp;
  // GPU attention runs in the KV cache's format where the chip computes in it (FP8 FMHA with an FP8 cache), else in
  // 16 bits, never in a 4-bit or integer weight format (TensorRT-LLM quantises weights and GEMM inputs only). Also
  // where only the experts are quantised: with an FP8 cache TensorRT-LLM's paged context FMHA (on with chunked prefill
  // or block reuse) quantises the 16-bit queries to FP8 (cpp/tensorrt_llm/thop/attentionOp.cpp mFP8ContextFMHA).
  // llama.cpp computes it in fp32 from its fp16 cache (ggml's CPU attention); other CPU runtimes keep the weights'
  // arithmetic.
  DType attention_dtype = attention_format(sys.device, c, arithmetic, unified_cache);
  FlopPerSecond attention_peak = peak_in(attention_dtype);
  // The products outside the routed experts (and so the attention side's GEMM inputs): in 16 bits on a GPU where only
  // the experts are quantised (sixteen_bit_arithmetic), else in the weights' arithmetic.
  DType dense_dtype =
      sixteen_bit_arithmetic(c) && sys.device.kind == DeviceKind::gpu ? sixteen_bit(sys.device) : arithmetic;
  // Computed once per evaluation rather than per forward pass (the batch searches make dozens of passes). All pp
  // stages are traversed in sequence: per-device weights of a stage x pp stages of time = weights / tp.
  Bytes weight_bytes = Bytes(streamed_weight_bytes(c) / c.tp);
  LinkPath link = tp_link();
  // Expert parallelism (serving_expert_parallelism_error): the busiest rank's routed experts set each MoE layer's pace.
  bool expert_parallel = c.ep > 1 && c.model.moe();
  // Matrix FLOPs per token the busiest rank adds over the mean: its routed experts' extra width
  // (busiest_mlp_width) through the MLP's products, (gated ? 3 : 2) x hidden weights per unit of width.
  double busiest_extra_flops_per_token =
      2.0 * c.model.layers * (c.model.gated_mlp ? 3.0 : 2.0) * c.model.hidden *
      (busiest_mlp_width(c.model, c.ep, c.expert_imbalance) - c.model.active_mlp_width());
  double corner = eff.roofline_corner(sys.device);  // op_time's corner (sim/perf/roofline.hpp)

  [[nodiscard]] static DType attention_format(const Device& d, const InferenceConfig& c, DType weights,
                                              bool unified_cache) {
    if (d.kind == DeviceKind::cpu) return unified_cache && d.peak_of(DType::fp32) ? DType::fp32 : weights;
    if (c.kv_dtype == DType::fp8 && d.peak_of(DType::fp8)) return DType::fp8;
    return sixteen_bit(d);
  }
  [[nodiscard]] static DType sixteen_bit(const Device& d) { return d.peak_of(DType::bf16) ? DType::bf16 : DType::fp16; }
  [[nodiscard]] FlopPerSecond peak_in(DType d) const {
    const auto p = sys.device.peak_of(d);
    return p ? peak * (p->value() / sys.device.peak_of(arithmetic)->value()) : peak;
  }

  [[nodiscard]] LinkPath tp_link() const { return link_path(sys, eff, c.tp > sys.devices_per_node()); }

  // One forward pass over `tokens` new tokens per sequence for `batch` sequences attending to `context` tokens
  // on average: the weight products read the weights once, attention reads the KV cache of the whole context and
  // writes the new tokens' KV.
  [[nodiscard]] PhaseTime forward(int batch, double tokens, double context) const {
    const ModelSpec& m = c.model;
    const double rows = batch * tokens;  // tokens sharing each weight read
    const double devices = c.tp;         // pipeline stages run one after another for one batch
    // Keys per query averaged over the layers, windowed layers capped (ModelSpec::attended_context): a decode step's
    // at the mean context; a prefill's over its causal pass from an empty cache (callers pass context = tokens / 2):
    // half of ModelSpec::sequence_context, which counts no causal halving.
    const bool windowed_prefill = m.windowed() && tokens > 1.0;
    const double keys = windowed_prefill ? m.sequence_context(tokens) / 2.0 : m.attended_context(context);
    // One new token per sequence is a decode step (MLA absorbed: ModelSpec::decode_attention_flops_per_token). A
    // unified cache (llama.cpp) holds all `batch` sequences, and each token's attention spans every used cell (in a
    // windowed layer, the window of each sequence).
    double attention_flops_per_token = 0;
    if (!m.windowed()) {
      const double attended = unified_cache ? context * batch : context;
      attention_flops_per_token =
          tokens <= 1.0 ? m.decode_attention_flops_per_token(attended) : m.attention_flops_per_token(attended);
    } else {
      attention_flops_per_token =
          (tokens <= 1.0 ? m.decode_attention_flops_per_token(context) : m.attention_flops_at(keys)) *
          (unified_cache ? batch : 1.0);
    }
    const Flop attention_flops(rows * attention_flops_per_token / devices);
    // All pp stages are traversed in sequence: per-device traffic x pp stages of time. The cache read is what the
    // queries' keys hold, the write every layer's K and V of the new tokens.
    const double group_reads = c.kv_reads_per_query_head ? static_cast<double>(m.heads) / m.kv_heads : 1.0;
    const Bytes kv_bytes(batch * (keys * group_reads + tokens) * m.kv_elements_per_token() * dtype_bytes(c.kv_dtype) /
                         kv_cache_shards(c));
    PhaseTime p;
    p.matmul_compute = matmul_compute(rows);
    const Bytes read = weights_read(rows);
    p.matmul_memory = read / (bandwidth * eff.memory(sys.device, read));
    // A prefill's heads narrower than 128 carry fewer FLOPs per score beside the same softmax work, MLA's wider ones
    // keep about the head-dim-128 forward rate (head_dim_attention_share), and its windowed layers' query tiles pay
    // their fixed work over a few key blocks (occupancy_against_full_layers: the full layers attend tokens / 2 keys per
    // query, causal), both measured on cuDNN's training kernels (an engine's own kernels assumed alike); a decode
    // step's attention is priced as it was.
    double narrow = 1.0;
    if (tokens > 1.0) narrow = head_dim_attention_share(sys.device, m.score_head_dim(), false);
    if (windowed_prefill && tokens > m.attention_window) {
      const double window_layers = m.window_layers;
      const std::array<AttentionLayerKind, 2> kinds{
          AttentionLayerKind{m.layers - window_layers, tokens / 2.0, AttentionMask::causal},
          AttentionLayerKind{window_layers, m.window_context(tokens) / 2.0, AttentionMask::window}};
      narrow *= occupancy_against_full_layers(sys.device, kinds, false);
    }
    p.attention_compute =
        attention_flops / (attention_peak * eff.fused_attention(sys.device, attention_dtype, false) * narrow);
    p.attention_memory = kv_bytes / (bandwidth * eff.memory(sys.device, kv_bytes));
    p.communication = tp_all_reduces(rows);
    p.elementwise = elementwise_time(rows);
    p.launch = eff.launch_overhead(sys.device) * (kKernelsPerLayer * m.layers * sync_share);
    return finish(p);
  }

  // Tensor parallelism's two all-reduces per layer (after attention and after the MLP) of a pass's `rows` tokens,
  // whichever sequences they belong to: the engine reduces the step's packed hidden states at once.
  [[nodiscard]] Seconds tp_all_reduces(double rows) const {
    if (c.tp <= 1) return Seconds(0);
    return all_reduce(Bytes(rows * c.model.hidden * 2.0), c.tp, link) * (2.0 * c.model.layers);
  }

  // Compute time of a pass's weight products over `rows` tokens: (rows x hidden) . (hidden x ffn / tp) stands for them
  // (its rows set how far from peak a small batch runs; in 16 bits where only the experts are quantised,
  // sixteen_bit_arithmetic), but the routed experts' (with the busiest ep rank's extra
  // width) are a grouped GEMM, a group per expert touched on the rank, over its share of the rank's routed rows, at the
  // share of its rate a serving engine's MoE kernels keep (EfficiencyModel::serving_expert_share).
  [[nodiscard]] Seconds matmul_compute(double rows) const {
    const ModelSpec& m = c.model;
    const double routed = 2.0 * m.routed_expert_matmul_parameters();
    const Flop dense_flops(rows * (2.0 * m.active_matmul_parameters() - routed) / c.tp);
    const Seconds dense =
        dense_flops / (peak_in(dense_dtype) *
                       eff.gemm(sys.device, dense_dtype, rows, static_cast<double>(m.ffn_hidden) / c.tp, m.hidden));
    if (routed <= 0) return dense;
    const Flop expert_flops(rows * (routed + (expert_parallel ? busiest_extra_flops_per_token : 0.0)) / c.tp);
    const double ep = expert_parallel ? c.ep : 1;
    const double groups = std::max(1.0, busiest_rank_experts_read(m, rows, c.ep, c.expert_imbalance));
    const double group_rows = rows * m.experts_per_token * (expert_parallel ? c.expert_imbalance : 1.0) / ep / groups;
    return dense + expert_flops / (peak * eff.serving_expert_share(sys.device) *
                                   eff.grouped_gemm(sys.device, arithmetic, groups, group_rows,
                                                    m.moe_ffn_hidden * ep / c.tp, m.hidden));
  }

  // Weights one device reads in a pass over `rows` tokens, all pp stages in sequence. A mixture of experts reads only
  // the experts the pass's tokens pick (ModelSpec::parameters_read); with expert parallelism the busiest rank reads
  // busiest_rank_experts_read of its experts whole in each MoE layer (split tp / ep ways), the rest 1 / tp as before.
  [[nodiscard]] Bytes weights_read(double rows) const {
    const ModelSpec& m = c.model;
    if (!m.moe()) return weight_bytes;
    const double unread = expert_parallel
                              ? m.moe_layers() *
                                    (m.experts - c.ep * busiest_rank_experts_read(m, rows, c.ep, c.expert_imbalance)) *
                                    m.mlp_parameters_per_expert()
                              : m.parameters() - m.parameters_read(rows);
    return weight_bytes - Bytes(unread * weight_bytes_per_parameter(c) / c.tp);
  }

  // Element-wise traffic of `rows` tokens through the layers, as a serving engine fuses it (TensorRT-LLM's fused
  // residual-add + norm + quantise, RoPE + KV-cache write, activation + quantise kernels): per layer and token, two
  // norm passes (read the input and the residual, write both: 6h bytes, and the GEMM input in its format g bytes per
  // element: g x h), Q and K rotated and K, V written to the cache (read 2(q + 2kv), write 2q + 2kv x KV bytes, q the
  // query width: h unless head_dim is set apart), the MLP activation (read up-width x 2, write f x g) and, with 8-bit
  // GEMM inputs, the attention output quantised (read 2q, write q). About 5 MB per token for an 8B model in FP8, 28 MB
  // for 70B (issue #13's review: 4 and 27). A mixture of experts adds its routing passes in every MoE layer: the
  // token's k routed copies gathered by expert for the grouped GEMM (read 2h, write k x g x h) and the k expert outputs
  // weighted and summed back into the token's row (read 2 x k x h, write 2h): TensorRT-LLM's MoE plugin runs them as
  // expandInputRows and finalizeMoeRouting (cpp/tensorrt_llm/kernels/mixtureOfExperts/moe_kernels.cu, runMoe), vLLM's
  // fused_moe writes the k outputs and sums them (moe_sum). Every tp rank moves whole rows there (tp splits the
  // experts' width, not the tokens), so these are not divided by tp. 41 KB per token and layer for Mixtral in FP8.
  // Where only the experts are quantised (sixteen_bit_arithmetic), the attention side's GEMM inputs stay in 16 bits:
  // the first norm writes 2 bytes per element and the attention output is not quantised. On CPUs llama.cpp's ops are
  // timed with the products (its fitted figures), so nothing is added there.
  [[nodiscard]] Seconds elementwise_time(double rows) const {
    if (sys.device.kind == DeviceKind::cpu) return Seconds(0);
    const ModelSpec& m = c.model;
    const double h = m.hidden;
    const double q = m.q_dim();  // queries and attention output (h unless head_dim is set apart)
    const double cached = m.kv_elements_per_token() / m.layers;  // K and V (or MLA's latent and rotary key) per layer
    const double f = m.active_mlp_width();
    const double up = m.gated_mlp ? 2.0 * f : f;
    const double g = std::min(2.0, dtype_bytes(arithmetic));
    const double g_attention = std::min(2.0, dtype_bytes(dense_dtype));  // the QKV and output products' inputs
    const double per_layer = 2.0 * 6.0 * h + (g_attention + g) * h + 2.0 * (q + cached) + 2.0 * q +
                             cached * dtype_bytes(c.kv_dtype) + 2.0 * up + g * f + (g_attention < 2.0 ? 3.0 * q : 0.0);
    const double k = m.experts_per_token;
    const double routing = (2.0 + k * g) * h + (2.0 * k + 2.0) * h;
    const Bytes bytes(rows * (per_layer * m.layers / c.tp + routing * m.moe_layers()));
    return bytes / (bandwidth * eff.memory(sys.device, bytes));
  }

  // Totals and time of a pass from its op groups, each group taking op_time (sim/perf/roofline.hpp) at the
  // device's corner.
  [[nodiscard]] PhaseTime finish(PhaseTime p) const {
    p.compute = p.matmul_compute + p.attention_compute;
    p.memory = p.matmul_memory + p.attention_memory + p.elementwise;
    p.time = op_time(p.matmul_compute, p.matmul_memory, corner) +
             op_time(p.attention_compute, p.attention_memory, corner) + p.elementwise + p.communication + p.launch;
    return p;
  }
};

// How replicas share the devices: several replicas may share a device (CPU processes on one socket), splitting its
// compute and bandwidth.
struct Sharing {
  int replicas;
  int replicas_per_device;
  double compute_share;  // of the device's peak
  double sync_share;     // CPU: the replica's threads / cores (a fork/join spans only its threads); GPU: 1
};

inline Sharing sharing_of(const InferenceConfig& c, const System& sys) {
  const Device& dev = sys.device;
  const int per_replica = c.tp * c.pp;
  Sharing s{};
  s.replicas = c.replicas.value_or(std::max(1, sys.devices / per_replica));
  const int device_groups = std::max(1, sys.devices / per_replica);
  s.replicas_per_device = (s.replicas + device_groups - 1) / device_groups;
  s.compute_share = 1.0 / s.replicas_per_device;
  if (c.threads && dev.kind == DeviceKind::cpu && dev.cores > 0) {
    s.compute_share = std::min(s.compute_share, static_cast<double>(*c.threads) / dev.cores);
  }
  s.sync_share = dev.kind == DeviceKind::cpu ? s.compute_share : 1.0;
  return s;
}

// What depends on the batch: memory per device, the iteration of continuous batching, TTFT and TPOT; and the
// searches over the batch.
struct Batching {
  const InferenceConfig& c;
  const Evaluator& ev;
  int replicas_per_device;
  // A disaggregated deployment's decode pool (evaluate_disaggregated): its iterations decode only, the prompts
  // prefilled elsewhere, and its requests' first tokens come from the prefill pool (no TTFT limit here).
  bool decode_only = false;
  MemoryTerms memory_terms = decode_only ? MemoryTerms::without_prompts(c) : MemoryTerms(c);
  double mean_context = c.input_tokens + c.output_tokens / 2.0;
  // A lone prompt's prefill does not depend on the batch: computed once for the batch searches.
  PhaseTime lone_prefill = ev.forward(1, c.input_tokens, c.input_tokens / 2.0);
  // Pipeline parallelism with in-flight batching keeps one micro-batch per stage in flight, so every stage works at
  // once: TensorRT-LLM's batch manager runs `pipeline parallelism` micro-batches, each of up to max_batch_size
  // sequences (cpp/tensorrt_llm/batch_manager/trtGptModelInflightBatching.cpp: mNumMicroBatches, RequestScheduler),
  // vLLM one scheduler ("virtual engine") per stage. Static batches go through the stages one after another.
  int micro_batches = c.continuous ? c.pp : 1;
  // Sequences of the batch `b` in one micro-batch.
  [[nodiscard]] int micro(int b) const { return (b + micro_batches - 1) / micro_batches; }

  [[nodiscard]] double memory_for(int b) const { return memory_terms.bytes(c, b) * replicas_per_device; }
  // What the batch `b` may fill: the usable memory less what the engine's KV cache share leaves out.
  [[nodiscard]] double limit_for(int b) const { return memory_terms.limit(c, ev.sys.device, b, replicas_per_device); }
  [[nodiscard]] bool fits(int b) const { return memory_terms.fits(c, ev.sys.device, b, replicas_per_device); }
  // How the messages name a KV cache share that lowers the batch `b`'s limit below the usable memory ("" if none).
  [[nodiscard]] std::string share_text(int b) const {
    const auto share = kv_cache_share_of(c, ev.sys.device.kind);
    if (!share || limit_for(b) >= ev.sys.device.usable_memory().value()) return {};
    return fmt::format(" with {}'s kv_cache_share {:g}", engine_name(c.engine), *share);
  }

  // One iteration of continuous batching with `b` sequences in flight: b decode tokens plus the prompts of the
  // b / output requests that replace those finishing, in one pass (weights read once). The engine packs the step's
  // decode and prompt tokens into one tensor (TensorRT-LLM's packed input, vLLM's flattened batch), so the
  // all-reduces run once over all of them. The weight products are still priced as the decode's plus each prompt's
  // alone: priced over the packed rows, a many-expert model's small grouped products run far faster than engines
  // measure (Qwen3-30B-A3B FP4 on a B200, 128/128: -72% became +134%; with each expert's rows in whole tiles,
  // expert_tile_fill, -77% becomes +131%, GPU serving tune 11.0% becomes 17.3%), a cost this pricing stands in for.
  // With pp micro-batches: one micro-batch's pass through every stage, each stage passing the others'.
  [[nodiscard]] PhaseTime iteration(int b) const {
    const int m = micro(b);
    const PhaseTime decode = ev.forward(m, 1, mean_context);
    if (decode_only) return decode;
    const PhaseTime& prompt = lone_prefill;
    const double arrivals = static_cast<double>(m) / c.output_tokens;
    PhaseTime it = decode;  // weights read once for the decode tokens and the arriving prompts
    it.matmul_compute = decode.matmul_compute + prompt.matmul_compute * arrivals;
    it.attention_compute = decode.attention_compute + prompt.attention_compute * arrivals;
    it.attention_memory = decode.attention_memory + prompt.attention_memory * arrivals;
    it.communication = ev.tp_all_reduces(m + arrivals * c.input_tokens);
    it.elementwise = decode.elementwise + prompt.elementwise * arrivals;
    return ev.finish(it);
  }
  // A request's first token with continuous batching at `b` in flight (it = iteration(b)): it waits for the iteration
  // under way and is prefilled in the next. With multi-step scheduling (k = scheduler_steps > 1: vLLM
  // num_scheduler_steps, prefills unchunked) the engine runs k decode-only iterations between scheduling passes, then
  // prefills the prompts that arrived meanwhile in one step: the request waits a uniform share of the k iterations (at
  // the SLA percentile its quantile, else the mean), then that step, k iterations' share of prefill work, its
  // all-reduces run once over its k x arrivals prompts (their latency paid once, as in an iteration). Added to the
  // queue's quantile (an upper bound of the sum's).
  [[nodiscard]] Seconds first_token(int b, const PhaseTime& it) const {
    if (c.scheduler_steps <= 1) return lone_prefill.time + it.time;
    const double k = c.scheduler_steps;
    const double share = c.sla_percentile ? *c.sla_percentile / 100.0 : 0.5;
    const PhaseTime decode = ev.forward(micro(b), 1, mean_context);
    const double prompts = k * micro(b) / c.output_tokens;
    const Seconds prefill_step = (it.time - decode.time - (it.communication - decode.communication)) * k +
                                 ev.tp_all_reduces(prompts * c.input_tokens);
    return it.time * (share * k) + prefill_step;
  }
  [[nodiscard]] Seconds ttft_of(int b) const {
    return c.continuous ? first_token(b, iteration(b)) : ev.forward(b, c.input_tokens, c.input_tokens / 2.0).time;
  }
  [[nodiscard]] Seconds tpot_of(int b) const {
    return c.continuous ? iteration(b).time : ev.forward(b, 1, mean_context).time;
  }
  [[nodiscard]] bool meets_sla(int b) const {
    // With Poisson arrivals a TTFT limit is met by some arrival rate when a request that finds a free slot makes it.
    if (c.sla_ttft && !decode_only && ttft_of(b) > *c.sla_ttft) return false;
    if (c.sla_tpot && tpot_of(b) > *c.sla_tpot) return false;
    return true;
  }

  // Poisson arrivals (sla percentile p) into the batch's b sequence slots, each held for the output's decode steps:
  // an M/M/c queue. A request waits for a slot with probability Erlang C, and then for an exponential time at rate
  // b / service - rate, so the wait exceeds w with probability C x exp(-(b / service - rate) w). TTFT at p = a lone
  // start (ttft_of) + that wait's p-quantile. TPOT at p is the full batch's (tpot_of, which meets_sla checks).
  struct Queue {
    Seconds ttft;  // at the percentile
    double utilization = 0;
  };
  // The p-quantile of the wait at `rate` for `b` slots that serve `capacity` requests per second together.
  [[nodiscard]] Seconds waiting_quantile(int b, double capacity, double rate) const {
    const double tail = 1.0 - *c.sla_percentile / 100.0;
    const double waits = erlang_c(b, rate / capacity * b);
    if (waits <= tail) return Seconds(0);
    return Seconds(std::log(waits / tail) / (capacity - rate));
  }
  // The highest arrival rate whose TTFT at the percentile stays within the limit (all of the capacity b / service
  // when no TTFT limit is given): a bisection, the quantile growing with the rate. `it` is iteration(b), computed once
  // by the caller: a slot is held for output x it, and a request that finds one free starts after ttft_of(b).
  [[nodiscard]] Queue poisson(int b, const PhaseTime& it) const {
    const double capacity = b / (it.time.value() * c.output_tokens);
    const Seconds start = first_token(b, it);  // ttft_of(b) with continuous batching
    const auto holds = [&](double rate) {
      return !c.sla_ttft || start + waiting_quantile(b, capacity, rate) <= *c.sla_ttft;
    };
    double lo = 0;
    double hi = capacity;
    if (holds(hi * (1 - 1e-9))) {
      lo = hi * (1 - 1e-9);
    } else {
      for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (holds(mid) ? lo : hi) = mid;
      }
    }
    return {start + waiting_quantile(b, capacity, lo), lo / capacity};
  }

  // Advice for a shortfall of `need` bytes per device at `batch`: more devices, or a lower precision, that hold that
  // batch (fewer devices never fix a shortfall).
  [[nodiscard]] std::string shortfall(double need, int batch) const {
    const Device& dev = ev.sys.device;
    std::string advice;
    const int devices = min_devices_to_hold(c, c.dtype, dev, batch);
    if (devices > c.tp * c.pp) {
      advice += fmt::format("; {} devices per replica (tp={}) hold it at {}", devices, devices, dtype_name(c.dtype));
    }
    if (const auto lower = lower_precision_that_fits(batch)) {
      advice += fmt::format("; at {} it fits on tp={} pp={}", dtype_name(*lower), c.tp, c.pp);
    }
    return fmt::format("short by {:.1f} GB{}", (need - limit_for(batch)) / 1e9, advice);
  }

  // The highest lower precision that holds `batch`, preferring formats the device computes natively (int8 before a
  // weight-only fp8 on an A100).
  [[nodiscard]] std::optional<DType> lower_precision_that_fits(int batch) const {
    const Device& dev = ev.sys.device;
    for (const bool native_only : {true, false}) {
      for (DType lower : {DType::fp8, DType::int8, DType::int4, DType::fp4}) {
        const auto arithmetic = compute_dtype(dev, lower);
        InferenceConfig probe = c;
        probe.bits_per_weight.reset();
        probe.dtype = lower;
        if (weight_bytes_per_parameter(probe) >= weight_bytes_per_parameter(c) || !arithmetic) continue;
        if (native_only && *arithmetic != lower && !(lower == DType::int4 && dev.kind == DeviceKind::gpu)) continue;
        probe.kv_dtype = default_kv_dtype(lower);
        if (MemoryTerms(probe).fits(probe, dev, batch, replicas_per_device)) return lower;
      }
    }
    return std::nullopt;
  }

  // Crossover: the smallest batch whose decode step's weight products are compute bound, among the batches that fit
  // memory (both sides grow monotonically with the batch, so a bisection on the sign of compute - memory finds it);
  // 0 when none does.
  [[nodiscard]] int crossover() const {
    int lo = 1;
    int hi = kMaxBatch;
    while (lo < hi) {  // the largest batch that fits
      const int mid = lo + (hi - lo + 1) / 2;
      if (fits(mid))
        lo = mid;
      else
        hi = mid - 1;
    }
    hi = lo;
    lo = 1;
    const auto compute_bound = [&](int b) {
      const PhaseTime d = ev.forward(b, 1, mean_context);
      return d.matmul_compute >= d.matmul_memory;
    };
    if (!compute_bound(hi)) return 0;
    while (lo < hi) {
      const int mid = lo + (hi - lo) / 2;
      if (compute_bound(mid))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }
};

// The batch to evaluate: the given one, or the largest that fits memory and meets the SLA (both conditions are
// monotone in the batch). 0 when the given batch, or batch 1, does not fit: `r` then holds the shortfall.
int choose_batch(const Batching& s, InferenceResult& r);

// Seconds of compute-bound, memory-bound and communication work over a period (for power): each op group counts as
// the bound that dominates it.
struct BusyTime {
  double corner;  // op_time's corner
  double compute = 0;
  double memory = 0;
  double communication = 0;

  void add(const PhaseTime& p, double times) {
    group(p.matmul_compute, p.matmul_memory, times);
    group(p.attention_compute, p.attention_memory, times);
    communication += p.communication.value() * times;
  }
  void group(Seconds compute_time, Seconds memory_time, double times) {
    (compute_time >= memory_time ? compute : memory) += op_time(compute_time, memory_time, corner).value() * times;
  }
};

}  // namespace hwsim::serving
