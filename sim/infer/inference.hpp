// LLM inference: prefill is compute bound over the prompt, decode reads the weights and the KV cache once per
// generated token. Contract: time per forward pass = max(compute, memory) + launch overhead + tensor-parallel
// all-reduces. Static batching: TTFT = prefill of the whole batch, TPOT = a decode step at the mean context, a
// request takes TTFT + output x TPOT. Continuous (in-flight) batching: `batch` sequences are decoding at any time;
// each iteration decodes one token for all of them and prefills the prompts of the batch / output requests that
// replace the finished ones, so TPOT = that iteration, TTFT = a lone prefill + one iteration; with pipeline
// parallelism pp micro-batches of batch / pp are in flight, one per stage, and the iteration is one micro-batch's pass
// through all stages. Throughput counts generated tokens of all replicas end to end (prefill included).
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "sim/core/dtype.hpp"
#include "sim/core/units.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/perf/system.hpp"
#include "workloads/model.hpp"

namespace hwsim {

// The serving engine (DESIGN.md `engine`). llama.cpp keeps one unified KV cache for all the sequences of a batch and
// computes each token's attention over every used cell, masking the other sequences' (so a decode step's attention
// grows with batch x context), in fp32 from its fp16 cache; TensorRT-LLM and vLLM keep a paged cache per sequence
// (modelled alike today). `automatic`: llama.cpp on CPUs, TensorRT-LLM on GPUs.
enum class Engine { automatic, tensorrt_llm, vllm, llama_cpp };

// Every engine, in the order the workload key `engine` lists its words.
inline constexpr std::array kEngines{Engine::automatic, Engine::tensorrt_llm, Engine::vllm, Engine::llama_cpp};

// The workload key `engine`'s word for an engine ("auto", "tensorrt-llm", "vllm", "llama.cpp").
const char* engine_name(Engine engine);

// One pool of a disaggregated deployment (workload key `disaggregated`): `replicas` model copies of tp x pp devices,
// a mixture of experts' MoE layers as ep groups within each replica's tp ranks (as InferenceConfig::ep).
struct ServingPool {
  int tp = 1;
  int pp = 1;
  int ep = 1;
  int replicas = 1;  // 0: auto, the devices the other pool leaves (resolved by the plan layer against a deployment)
  // In 64 bits: the schema's bounds let tp x pp x replicas pass an int's range.
  [[nodiscard]] long long devices() const { return static_cast<long long>(tp) * pp * replicas; }
};

// Disaggregated serving (workload key `disaggregated`; NVIDIA Dynamo, TensorRT-LLM's disaggregated serving, SGLang
// and vLLM prefill-decode disaggregation): a prefill pool runs the prompts and produces each request's first token,
// hands its KV cache to a decode pool over the links between them, and the decode pool generates the rest in
// decode-only iterations (evaluate_disaggregated).
struct Disaggregation {
  ServingPool prefill;
  ServingPool decode;
};

struct InferenceConfig {
  std::string name;
  ModelSpec model;
  DType dtype = DType::bf16;     // weights (and arithmetic where the device has it)
  DType kv_dtype = DType::bf16;  // KV cache
  int input_tokens = 512;
  int output_tokens = 256;
  std::optional<int> batch;      // per replica; absent = auto
  std::optional<int> max_batch;  // with batch auto: the serving engine's limit per micro-batch (pp in flight)
  // With batch auto and continuous batching: the engine's token budget per iteration and micro-batch (TensorRT-LLM
  // max_num_tokens, vLLM max_num_batched_tokens), decode tokens and prefill chunks together (token_budget_batch).
  std::optional<int> max_batch_tokens;
  std::optional<double> bits_per_weight;  // stored width incl. block scales; absent = the dtype's width
  std::optional<int> replicas;            // absent = auto (devices / (tp x pp))
  // An offline run of this many requests (all replicas) queued at once, each exactly input + output tokens
  // (continuous batching): at most `batch` per replica are in flight, so the run is waves of batch requests and a last,
  // partial wave (offline_run_time). Absent: the steady state of an endless queue.
  std::optional<int> requests;
  int tp = 1;
  int pp = 1;
  // Expert parallelism inside a replica (serving_expert_parallelism_error): the tp ranks run each MoE layer as ep
  // groups of tp / ep ranks, a group holding experts / ep of the routed experts split tp / ep ways.
  int ep = 1;
  // Tokens the busiest expert-parallel rank receives over the mean (the training key's meaning; ep > 1 only).
  double expert_imbalance = 1.0;
  bool continuous = true;      // continuous (in-flight) batching; false = static batches
  std::optional<int> threads;  // CPU threads per replica (absent: the replica's share of the cores)
  // Decode attention kernels that load each KV head once for its whole query group (FlashDecoding, TensorRT-LLM
  // XQA, vLLM paged attention), or once per query head (TensorRT-LLM's masked-MHA path before its 0.10 XQA kernels
  // for Llama 2 70B; Hugging Face eager attention's repeat_kv): heads / kv_heads times the KV traffic.
  bool kv_reads_per_query_head = false;
  Engine engine = Engine::automatic;
  // The weight format (dtype, bits_per_weight) covers only the routed experts (workload key `quantized: experts`):
  // checkpoints that quantise the experts alone, as gpt-oss's MXFP4 ships, keep attention, routers, shared experts,
  // embeddings and the output layer in 16 bits, stored and multiplied so (sixteen_bit_parameters,
  // sixteen_bit_arithmetic); attention keeps the KV cache's format (an FP8 cache: FP8 context FMHA).
  bool quantize_experts_only = false;
  // The share of memory the engine's paged KV cache may take with continuous batching on a GPU (workload key
  // `kv_cache_share`); absent: the engine's default (kv_cache_share_of).
  std::optional<double> kv_cache_share;
  // Decode iterations the engine runs between scheduling passes (vLLM num_scheduler_steps): a request that arrives
  // waits for the pass under way to end before its prefill (sim/infer/inference.cpp Batching::first_token).
  int scheduler_steps = 1;
  std::optional<Seconds> sla_ttft;
  std::optional<Seconds> sla_tpot;
  // With it, requests arrive as a Poisson process and the limits hold at this percentile (sim/infer: Queue).
  std::optional<double> sla_percentile;
  // Prefill and decode on separate pools of the deployment's devices (evaluate_disaggregated); tp, pp and replicas
  // above are then unused.
  std::optional<Disaggregation> disaggregated;
};

// The most sequences per micro-batch a continuous-batching engine keeps decoding within its token budget
// (max_batch_tokens): in the steady state each iteration decodes a token for each of its b sequences and prefills the
// prompts of the b / output requests that replace those finishing, b x (1 + input / output) tokens, and with chunked
// prefill an engine whose budget is smaller cannot admit prompts as fast as they finish, so its batch settles where
// they balance (at least 1); with multi-step scheduling (scheduler_steps k) one step prefills k iterations' arrivals,
// b x (1 + k x input / output). None without a budget.
std::optional<int> token_budget_batch(const InferenceConfig& c);

// Bytes stored per weight: bits_per_weight / 8 when given (quantization formats with block scales), else the
// dtype's width.
double weight_bytes_per_parameter(const InferenceConfig& c);

// Parameters held in 16 bits whatever the weight format: on GPU serving engines with weights narrower than 16 bits,
// the embedding tables and the output layer (serving checkpoints quantise the blocks' linear layers only). The engine
// must be resolved: `automatic` counts none (evaluate_inference resolves it, to TensorRT-LLM on a GPU, before any
// memory or traffic is priced; a direct caller of inference_memory_per_device names the engine).
double sixteen_bit_parameters(const InferenceConfig& c);

// Whether the products outside the routed experts run in 16 bits whatever the weight format: with
// quantize_experts_only on a mixture of experts whose format is narrower than 16 bits (GPUs only: a CPU runtime keeps
// its own arithmetic) (TensorRT-LLM leaves an MXFP4 checkpoint's attention, router and
// output products unquantised: tensorrt_llm/_torch/model_config.py, the MXFP4 exclude_modules).
bool sixteen_bit_arithmetic(const InferenceConfig& c);

// Bytes of the whole model as stored: the quantised parameters at weight_bytes_per_parameter, sixteen_bit_parameters
// at 2 bytes.
double stored_weight_bytes(const InferenceConfig& c);

// Bytes of the whole model one forward pass streams (every expert counted): stored_weight_bytes less the embedding
// tables whose rows the pass gathers (all but a tied token table, which is the output layer).
double streamed_weight_bytes(const InferenceConfig& c);

// The KV-cache format stored for weights of `weights`: 16-bit and 8-bit formats keep their own width; 4-bit
// weights keep an 8-bit (fp8) cache (estimate: 4-bit KV caches are uncommon in serving stacks).
DType default_kv_dtype(DType weights);

// The arithmetic a device uses for weights of `weights`: the format itself where the device has a peak for it,
// except 4-bit integer weights (W4A16 on GPUs, int8 dot products on CPUs); otherwise the best 16-bit format.
std::optional<DType> compute_dtype(const Device& device, DType weights);

// A forward pass, op group by op group (DESIGN.md: per op, time = max(compute, memory)): the weight products
// (QKV, projection, MLP, logits) and attention (scores and context over the KV cache) are separate kernels, so a
// compute-bound product does not hide a memory-bound attention.
struct PhaseTime {
  Seconds time;     // max(matmul) + max(attention) + communication + launch
  Seconds compute;  // matmul_compute + attention_compute
  Seconds memory;   // matmul_memory + attention_memory
  Seconds communication;
  Seconds matmul_compute;
  Seconds matmul_memory;  // weights read
  Seconds attention_compute;
  Seconds attention_memory;  // KV cache read and written
  Seconds elementwise;       // norms, residual adds, RoPE, activation, quantisation of GEMM inputs (memory-bound)
  Seconds launch;
};

// What one pool of a disaggregated deployment does (InferenceResult::disaggregated).
struct PoolResult {
  ServingPool pool;
  double requests_per_s = 0;  // the most it could serve on its own
  double load = 0;            // the share of that the deployment's request rate takes
  Bytes memory_per_device;
};

struct DisaggregatedResult {
  PoolResult prefill;
  PoolResult decode;
  int prompts_per_pass = 1;            // prompts a prefill replica runs together
  Seconds kv_transfer;                 // one request's KV cache, prefill to decode ranks
  double transfer_requests_per_s = 0;  // the most the links between the pools carry
};

struct InferenceResult {
  bool fits = true;
  std::string message;
  int batch = 0;
  int replicas = 0;
  DType compute = DType::bf16;
  PhaseTime prefill;  // whole batch
  PhaseTime decode;   // one step at the mean context (of one micro-batch with pipeline parallelism)
  Seconds ttft;
  Seconds tpot;
  double throughput_tokens_per_s = 0;  // all replicas, end to end
  double decode_tokens_per_s = 0;      // all replicas, decode only
  int replicas_per_device = 1;         // CPU replicas sharing one socket
  int crossover_batch = 0;      // smallest batch whose decode weight products are compute bound (0: none that fits)
  std::optional<bool> sla_met;  // whenever an SLA is given: the evaluated batch meets every limit
  // With Poisson arrivals (sla percentile): the arrival rate's load on the batch's sequence slots, below 1.
  std::optional<double> utilization;
  Bytes memory_per_device;
  // Share of time in compute-bound, memory-bound and communication work (for power).
  double compute_busy = 0;
  double memory_busy = 0;
  double communication_busy = 0;
  std::optional<DisaggregatedResult> disaggregated;
};

// Expert parallelism in serving, as TensorRT-LLM defines it (docs "Expert Parallelism in TensorRT-LLM":
// moe_tp_size x moe_ep_size = tp_size): the replica's tp ranks run attention and the dense layers tensor-parallel as
// before, and each MoE layer as ep groups of tp / ep ranks, a group holding experts / ep of the routed experts whole,
// each split tp / ep ways. So ep divides tp (vLLM's --enable-expert-parallel and SGLang's --ep-size equal to the
// tp size are the case ep = tp) and the experts (expert_parallelism_error). Why `ep` cannot split `model` at `tp`
// (key "ep", naming the valid choices), or nothing.
std::optional<ParallelismError> serving_expert_parallelism_error(const ModelSpec& model, int tp, int ep);

// Ranks over which one replica's KV cache is split: its tensor-parallel ranks, except with multi-head latent
// attention, whose one latent per token every rank keeps whole.
int kv_cache_shards(const InferenceConfig& c);

// Bytes per device (one replica) for weights, the KV cache of `batch` sequences (input + output tokens each with static
// batches, input + output / 2 with continuous batching) and the prefill workspace (batch prompts, or
// max(1, batch / output) with continuous batching).
Bytes inference_memory_per_device(const InferenceConfig& c, int batch);

// The share of memory a GPU serving engine's paged KV cache may take with continuous batching: the one the workload
// names, else the engine's default. TensorRT-LLM gives its cache that share of the memory left after the weights and
// the workspace (KvCacheConfig free_gpu_memory_fraction, "Default is 90%": NVIDIA/TensorRT-LLM
// tensorrt_llm/llmapi/llm_args.py; the C++ benchmarks' and trtllm-bench's kv_cache_free_gpu_mem_fraction); vLLM holds
// everything, weights and the memory outside its tensors included, within that share of the device's memory
// (CacheConfig gpu_memory_utilization, 0.92: vllm-project/vllm@002f10e vllm/config/cache.py; 0.9 in earlier
// releases). Absent with static batches (the engine allocates the batch's cache), on CPUs and with llama.cpp (its
// cache is sized by its context), and with an unresolved `auto` engine; evaluate_inference says so when a workload
// states a share that does not apply. Either way the whole stays within the device's usable memory.
std::optional<double> kv_cache_share_of(const InferenceConfig& c, DeviceKind device);

// Bytes per device a configuration may fill when `fixed` of them are its weights and workspace (the rest its KV
// cache): the usable memory, less what kv_cache_share_of leaves the cache unable to take.
double serving_memory_limit(const InferenceConfig& c, const Device& device, double fixed);

// The fewest devices (tensor parallel, powers of two up to 64) that hold `c.model` at `dtype` with `batch`
// sequences, each within serving_memory_limit of `device`, or 0.
int min_devices_to_hold(const InferenceConfig& c, DType dtype, const Device& device, int batch = 1);

// Erlang C: the probability that a request arriving at a Poisson rate finds all `servers` slots busy, at an offered
// load of `load` (arrival rate x mean service time, in slots; below `servers`). M/M/c queueing.
double erlang_c(int servers, double load);

// Seconds an offline run of `requests` requests queued at once takes on one replica whose iteration with b sequences in
// flight takes iteration(b) seconds, at most `batch` in flight and every request `output` iterations long: requests
// of equal length admitted together finish together, so the run is floor(requests / batch) waves of `batch` and one
// of the remainder, each wave output x iteration(its size). (A serving engine admits the next wave as the last one
// ends: the slots free at once, and a wave's prompts are its iterations' arrivals, as in the steady state.)
template <typename Iteration>
double offline_run_time(double requests, int batch, int output, Iteration iteration) {
  const double full = std::floor(requests / batch);
  const int rest = static_cast<int>(std::ceil(requests - full * batch - 1e-9));
  double seconds = full * output * iteration(batch);
  if (rest > 0) seconds += static_cast<double>(output) * iteration(rest);
  return seconds;
}

// A serving configuration on `system`: throughput, latencies, memory and busy shares at the batch it chooses (or is
// given). With `c.disaggregated`, evaluate_disaggregated's.
InferenceResult evaluate_inference(const InferenceConfig& c, const System& system, const EfficiencyModel& eff);

// Disaggregated serving (sim/infer/disaggregated.cpp). The prefill pool runs passes of k prompts (k the prompts the
// token budget max_batch_tokens holds, else 1; fewer where memory or a TTFT limit needs), each pass going through
// the pp stages in turn and pp passes in flight (a stage holds its layers' cache of all of them), so a replica
// prefills k x pp prompts per pass time. A request's first token waits for the first stage's pass under way, then its
// own pass (TTFT, as the aggregated model's convention). Its KV cache (the prompt's, as the engine holds it) then
// crosses to a decode replica over the NVLink domain when the whole deployment is one, else over the NICs: the prefill
// ranks that hold it send their shares at once (a multi-head latent cache, which every tp rank holds whole, from one
// rank per stage), and every decode rank receives its own share (the whole latent of its stage each, with MLA). The
// decode pool runs decode-only iterations (the largest batch that fits and meets the TPOT limit) for the output's
// tokens after the first. The deployment serves the least of the three rates (prefill, transfer, decode); each pool's
// devices are busy the share of their own rate that takes.
InferenceResult evaluate_disaggregated(const InferenceConfig& c, const System& system, const EfficiencyModel& eff);

}  // namespace hwsim
