// Parallelism search (`parallelism: auto`, `micro_batch: auto`): every TP x PP x CP x DP x micro-batch x recompute x
// interleaving x ZeRO configuration that the model's shape and the deployment allow, ranked by throughput among
// those that fit memory. Besides every layer, a full recompute is tried on the fewest first layers of each model chunk
// that make the configuration fit (recompute_layers, Megatron-Core's block method, so with stack megatron-core only)
// where keeping every layer's activations does not fit; and, with one pipeline stage and no recompute, the fewest
// layers whose activations offloaded to host memory make it fit (activation_offload_layers, Megatron-Core's CPU
// offload; on a GPU with a host link). Contract: exhaustive over the grid below (so the best is the
// grid's optimum); TP stays inside a node and is a power of two dividing the heads and KV heads (parallelism_error in
// workloads/model.hpp); PP splits the layers as Megatron-LM does without per-stage settings (evenly, or with the
// embedding and loss taking a layer's slot: stage_layers); CP is 1, 2 or 4 and divides the sequence; ZeRO, interleaving
// and CP as the workload's stack runs them (stack_runs below); DP is what remains of the devices and divides the global
// batch with the micro-batch; sequence parallelism is on whenever TP > 1. Evaluation is allocation-free so millions of
// configurations run per second.
#pragma once

#include <vector>

#include "sim/train/training.hpp"

namespace hwsim {

struct SearchCandidate {
  Parallelism parallelism;
  int micro_batch = 1;
  Recompute recompute = Recompute::none;
  int recompute_layers = 0;  // recompute full: the first layers of each model chunk that recompute (0: every one)
  int activation_offload_layers = 0;  // layers whose activations go to host memory (0: none)
  bool sequence_parallel = false;
  double tokens_per_s = 0;
  Bytes memory_per_device;
};

struct SearchResult {
  std::vector<SearchCandidate> top;  // best first; at most top_n
  long long configurations = 0;      // evaluated (fitting or not)
  double seconds = 0;                // search time only
  int threads = 1;
};

struct SearchOptions {
  bool parallelism = true;   // search TP, PP, DP, CP, VP, ZeRO, recompute
  bool micro_batch = false;  // search the micro-batch too
  int top_n = 5;
  int threads = 1;
};

SearchResult search_training(const TrainingConfig& base, const System& system, const EfficiencyModel& efficiency,
                             const SearchOptions& options);

// What each software stack runs (TrainingConfig::stack): its ZeRO stages (Megatron-Core: 0 and its distributed
// optimizer; PyTorch: DDP and FSDP's SHARD_GRAD_OP and FULL_SHARD; DeepSpeed: 0-3), whether `zero` with `pp`
// stages is a combination it runs, interleaved pipeline schedules (not DeepSpeed's pipeline engine) and context
// parallelism (not DeepSpeed). A search proposes only what the stack runs.
std::vector<int> stack_zero_stages(Stack stack);
bool stack_runs(Stack stack, int zero, int pp);
bool stack_runs_interleaving(Stack stack);
bool stack_runs_context_parallel(Stack stack);
bool stack_runs_op_checkpointing(Stack stack);

// The configuration a candidate stands for.
TrainingConfig apply_candidate(const TrainingConfig& base, const SearchCandidate& candidate);

}  // namespace hwsim
