// The keys of an inference workload (`hwsim schema inference`): batching, serving-engine settings and latency
// targets, as sim/scenario/load_workload.cpp reads them into sim/infer's InferenceConfig.
#include <string>
#include <vector>

#include "sim/core/dtype.hpp"
#include "sim/infer/inference.hpp"
#include "sim/scenario/scenario_schema.hpp"
#include "sim/scenario/workload_keys.hpp"

namespace hwsim {

namespace {

// The words of the workload key `engine`: engine_name's, for every engine.
std::vector<std::string> engine_words() {
  std::vector<std::string> words;
  for (const Engine e : kEngines) words.emplace_back(engine_name(e));
  return words;
}

// An inference workload's `max_batch` (sim/infer/inference.cpp choose_batch).
KeyDecl max_batch_key() {
  return {.name = "max_batch",
          .kind = ValueKind::integer,
          .minimum = 1,
          .maximum = 1048576,
          .doc =
              "with batch: auto, the serving engine's batch limit (TensorRT-LLM max_batch_size, vLLM max_num_seqs) "
              "per micro-batch (pp micro-batches are in flight with continuous batching); the batch is the "
              "largest up to it that fits memory and meets the SLA"};
}

// An inference workload's `max_batch_tokens` (sim/infer/inference.hpp token_budget_batch).
KeyDecl max_batch_tokens_key() {
  return {.name = "max_batch_tokens",
          .kind = ValueKind::integer,
          .minimum = 1,
          .maximum = 16777216,
          .doc =
              "with batch: auto and batching: continuous, the serving engine's token budget per iteration "
              "(TensorRT-LLM max_num_tokens, vLLM max_num_batched_tokens, llama.cpp n_batch) per micro-batch: "
              "decode tokens and prefill chunks together, so the batch keeps batch x (1 + scheduler_steps x "
              "input_tokens / output_tokens) within it (absent: no budget)"};
}

// An inference workload's `requests` (sim/infer/inference.hpp offline_run_time).
KeyDecl offline_requests_key() {
  return {.name = "requests",
          .kind = ValueKind::integer,
          .minimum = 1,
          .doc =
              "an offline run of this many requests (all replicas) queued at once, each exactly input_tokens + "
              "output_tokens (trtllm-bench's synthetic sets): at most batch per replica in flight, so the run ends "
              "with a partial wave; throughput is the whole run's (default: an endless queue's steady state; needs "
              "batching: continuous, no sla.percentile)"};
}

// An inference workload's `scheduler_steps` (sim/infer/inference.cpp Batching::first_token).
KeyDecl scheduler_steps_key() {
  return {.name = "scheduler_steps",
          .kind = ValueKind::integer,
          .default_text = "1",
          .minimum = 1,
          .maximum = 1024,
          .doc =
              "decode iterations between scheduling passes (vLLM num_scheduler_steps, prefills unchunked): an "
              "arriving request waits for the pass under way, then for the step that prefills the prompts "
              "that arrived meanwhile; TTFT counts both"};
}

// An inference workload's `kv_cache_share` (sim/infer/inference.hpp kv_cache_share_of).
KeyDecl kv_cache_share_key() {
  return {.name = "kv_cache_share",
          .kind = ValueKind::number,
          .minimum = 0.01,
          .maximum = 1,
          .doc =
              "with continuous batching on a GPU engine, the share of memory its paged KV cache may take: "
              "tensorrt-llm, of the memory left after the weights and workspace (kv_cache_free_gpu_mem_fraction, "
              "default 0.9); vllm, of the device's memory for all it holds (gpu_memory_utilization, default "
              "0.92); the batch is capped where the cache fills it (llama.cpp and static batches: not "
              "applicable)"};
}

// An inference workload's `disaggregated` (sim/infer/inference.hpp evaluate_disaggregated): its two pools.
const Schema& disaggregated_schema() {
  static const Schema pool{"inference.disaggregated.pool",
                           {
                               tensor_parallel_key(),
                               pipeline_parallel_key(),
                               expert_parallel_key(),
                               {.name = "replicas",
                                .kind = ValueKind::integer,
                                .required = true,
                                .choices = {"auto"},
                                .minimum = 1,
                                .maximum = 1048576,
                                .doc = "model copies in the pool; auto, in one pool at most: the devices the other "
                                       "pool leaves"},
                           }};
  static const Schema s{"inference.disaggregated",
                        {
                            {.name = "prefill",
                             .kind = ValueKind::map,
                             .required = true,
                             .child = &pool,
                             .doc = "the pool that runs the prompts (and each request's first token): passes of the "
                                    "prompts max_batch_tokens holds (1 without it), pp passes in flight"},
                            {.name = "decode",
                             .kind = ValueKind::map,
                             .required = true,
                             .child = &pool,
                             .doc = "the pool that generates the other tokens in decode-only iterations (batch, "
                                    "max_batch and sla.tpot apply to it)"},
                        }};
  return s;
}

// An inference workload's `engine` (sim/infer/inference.hpp Engine).
KeyDecl engine_key() {
  return {.name = "engine",
          .kind = ValueKind::choice,
          .default_text = "auto",
          .choices = engine_words(),
          .doc =
              "serving engine: llama.cpp computes attention over its unified KV cache (every sequence's cells, "
              "masked) in fp32; auto = llama.cpp on CPUs, tensorrt-llm on GPUs"};
}

// An inference workload's `disaggregated`.
KeyDecl disaggregated_key() {
  return {.name = "disaggregated",
          .kind = ValueKind::map,
          .child = &disaggregated_schema(),
          .doc =
              "prefill and decode on separate pools of the deployment's devices (GPUs; their devices add up to "
              "the deployment's): the KV cache crosses from one to the other over the NVLink domain, or the NICs "
              "when the deployment spans several; the deployment serves the least of the prefill, transfer and "
              "decode rates (replaces parallelism and replicas)"};
}

}  // namespace

const Schema& inference_workload_schema() {
  static const Schema parallelism{"inference.parallelism",
                                  {
                                      tensor_parallel_key(),
                                      pipeline_parallel_key(),
                                      expert_parallel_key(),
                                  }};
  static const Schema sla{"inference.sla",
                          {
                              {.name = "ttft",
                               .kind = ValueKind::quantity,
                               .dimension = Dimension::seconds,
                               .minimum = 0,
                               .doc = "longest time to first token"},
                              {.name = "tpot",
                               .kind = ValueKind::quantity,
                               .dimension = Dimension::seconds,
                               .minimum = 0,
                               .doc = "longest time per output token"},
                              {.name = "percentile",
                               .kind = ValueKind::number,
                               .minimum = 50,
                               .maximum = 99.99,
                               .doc = "requests arrive as a Poisson process (MLPerf Server) and the limits hold at "
                                      "this percentile: TTFT through the wait for a free sequence slot (M/M/c, "
                                      "Erlang C), TPOT at a full batch; throughput is the highest arrival rate that "
                                      "holds them (continuous batching only). Absent: the limits hold for the mean"},
                          }};
  static const Schema s = [] {
    Schema w{"inference workload", common_workload_keys()};
    w.keys.push_back({.name = "kv_dtype",
                      .kind = ValueKind::choice,
                      .choices = dtype_names(),
                      .doc = "KV-cache format (default: dtype; 4-bit weights keep an fp8 cache)"});
    w.keys.push_back({.name = "input_tokens",
                      .kind = ValueKind::integer,
                      .default_text = "512",
                      .minimum = 1,
                      .maximum = 16777216,
                      .doc = "prompt length"});
    w.keys.push_back({.name = "output_tokens",
                      .kind = ValueKind::integer,
                      .default_text = "256",
                      .minimum = 1,
                      .maximum = 16777216,
                      .doc = "generated tokens per request"});
    w.keys.push_back({.name = "batch",
                      .kind = ValueKind::integer,
                      .default_text = "auto",
                      .choices = {"auto"},
                      .minimum = 1,
                      .maximum = 1048576,
                      .doc = "sequences per replica (auto: largest that fits and meets the SLA)"});
    w.keys.push_back(max_batch_key());
    w.keys.push_back(max_batch_tokens_key());
    w.keys.push_back(offline_requests_key());
    w.keys.push_back({.name = "bits_per_weight",
                      .kind = ValueKind::number,
                      .minimum = 1,
                      .doc = "stored bits per weight including block scales (GGUF Q8_0 8.5, Q4_K 4.5, MXFP4 4.25; "
                             "default: the dtype's width, fp4 NVFP4's 4.5)"});
    w.keys.push_back({.name = "quantized",
                      .kind = ValueKind::choice,
                      .default_text = "all",
                      .choices = {"all", "experts"},
                      .doc = "which weights take dtype and bits_per_weight: all, or only a mixture of experts' "
                             "routed experts (gpt-oss's MXFP4 checkpoints), the rest stored and multiplied in 16 "
                             "bits"});
    w.keys.push_back({.name = "replicas",
                      .kind = ValueKind::integer,
                      .default_text = "auto",
                      .choices = {"auto"},
                      .minimum = 1,
                      .maximum = 1048576,
                      .doc = "model copies (auto: devices / (tp x pp))"});
    w.keys.push_back({.name = "parallelism",
                      .kind = ValueKind::map,
                      .choices = {"auto"},
                      .child = &parallelism,
                      .doc = "devices per replica (auto: tp x pp x ep x replicas x batch searched: the highest "
                             "throughput that fits and meets the SLA)"});
    w.keys.push_back(expert_imbalance_key());
    w.keys.push_back({.name = "sla", .kind = ValueKind::map, .child = &sla, .doc = "latency targets"});
    w.keys.push_back({.name = "batching",
                      .kind = ValueKind::choice,
                      .default_text = "continuous",
                      .choices = {"continuous", "static"},
                      .doc = "continuous (in-flight) batching, or static batches prefilled together"});
    w.keys.push_back({.name = "threads",
                      .kind = ValueKind::integer,
                      .minimum = 1,
                      .doc = "CPU threads per replica (default: the replica's share of the cores)"});
    w.keys.push_back({.name = "kv_reads",
                      .kind = ValueKind::choice,
                      .default_text = "per_kv_head",
                      .choices = {"per_kv_head", "per_query_head"},
                      .doc = "decode attention loads each KV head once per query group (FlashDecoding, XQA, vLLM) "
                             "or once per query head (older masked-MHA kernels, eager repeat_kv)"});
    w.keys.push_back(scheduler_steps_key());
    w.keys.push_back(kv_cache_share_key());
    w.keys.push_back(disaggregated_key());
    w.keys.push_back(engine_key());
    return w;
  }();
  return s;
}

}  // namespace hwsim
