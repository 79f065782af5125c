// LLM training model (Megatron-style TP/SP/PP/DP/CP, ZeRO, recompute). Contract: a per-layer op graph (norms, QKV,
// attention, projection, MLP, residuals; embedding and logits on the end stages) gives each op's FLOPs and bytes
// per micro-batch, forward and backward (dgrad and wgrad products; FP8 backward products split-accumulated); each
// op takes sqrt(t_flops^2 + t_bytes^2) with t_flops = FLOPs / (peak x efficiency), t_bytes = bytes / (bandwidth x
// efficiency) (a roofline with a rounded corner) + a launch; collectives follow sim/perf/collectives, data-parallel
// rings across nodes at the node's NIC share (ring_across_nodes). Overlapped communication costs what its cover
// cannot hide plus kOverlapContention of what it hides: tensor/pipeline traffic under the micro-batch's compute,
// the data-parallel reduction chunked by layer (one chunk exposed), ZeRO-3 gathers prefetched layer by layer. Step
// time = compute + recompute + exposed communication + pipeline bubble, each reported in the breakdown; memory per
// device from weights, gradients, optimizer state (ZeRO-aware) and activations (Korthikanti et al. 2022); a
// configuration that does not fit is a result with the shortfall, not an error. No allocation or formatting on the
// path of a configuration that fits (the parallelism search calls this millions of times).
#pragma once

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/dtype.hpp"
#include "sim/core/units.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/perf/system.hpp"
#include "workloads/model.hpp"

namespace hwsim {

// A scenario's words for an enumeration's values, in the order a choice key lists them (kRecomputeNames,
// kFp8RecipeNames): the value a word names (the loader has checked the word is one of them; else the first value),
// and the words as a key's choices.
template <class T, std::size_t N>
constexpr T named_in(const std::array<std::pair<T, std::string_view>, N>& table, std::string_view word) {
  for (const auto& [value, name] : table) {
    if (name == word) return value;
  }
  return table.front().first;
}
template <class T, std::size_t N>
std::vector<std::string> words_of(const std::array<std::pair<T, std::string_view>, N>& table) {
  std::vector<std::string> words;
  for (const auto& entry : table) words.emplace_back(entry.second);
  return words;
}

// Activation recomputation. selective: Megatron-LM's (Korthikanti et al. 2022, section 5): the attention core's scores
// (nothing with fused attention, whose kernel already recomputes them). selective_op: PyTorch's op-level selective
// checkpointing as torchtitan applies it (activation_checkpoint mode "selective", selective_ac_option "op";
// torchtitan/models/llama/parallelize_llama.py _custom_policy): in each layer the outputs of the matrix products and
// of attention are saved except every second product (op_checkpoint_recomputes), which the backward recomputes with
// all the element-wise work from the layer's input. full: the layer's whole forward from its input.
enum class Recompute { none, selective, selective_op, full };

// The words a scenario uses for each kind of recomputation (the `recompute` key's choices, in this order).
inline constexpr std::array<std::pair<Recompute, std::string_view>, 4> kRecomputeNames{{
    {Recompute::none, "none"},
    {Recompute::selective, "selective"},
    {Recompute::selective_op, "selective-op"},
    {Recompute::full, "full"},
}};
std::string_view recompute_name(Recompute recompute);
// The recomputation a word names (one of kRecomputeNames; the loader has checked it).
Recompute recompute_named(std::string_view name);

// Whether op-level checkpointing recomputes the product at `index` (from 0) of workloads/model.hpp layer_products:
// torchtitan's policy counts the layer's mm calls and recomputes each one whose count is even (the 2nd, 4th, 6th:
// wk, wo, w3 of a Llama layer).
constexpr bool op_checkpoint_recomputes(int index) { return index % 2 == 1; }

// The software stack that runs the training (DESIGN.md `stack`): which kernels it uses and which parallelism
// combinations it supports (sim/train/search.cpp).
//   megatron_core: Megatron-LM / Megatron-Core, NeMo, Megatron-Bridge: Transformer Engine and cuDNN fused attention
//                  (native kernels), distributed optimizer (ZeRO 0-1), TP, SP, PP with interleaving, CP.
//   pytorch:       PyTorch DDP/FSDP (FSDP1/FSDP2: ZeRO 0, 2, 3), LLM Foundry/Composer, torchtitan: FlashAttention-2,
//                  Triton or SDPA kernels written for Ampere; TP and PP (torchtitan) and CP.
//   deepspeed:     DeepSpeed ZeRO 0-3 (ZeRO 2-3 not with pipeline parallelism), Megatron-DeepSpeed TP; Ampere-class
//                  attention kernels; no context parallelism.
enum class Stack { megatron_core, pytorch, deepspeed };

// What a run captures in CUDA graphs (workload key `cuda_graphs`): nothing, parts of a layer (attention, MLP, MoE
// router), every layer whole, or the whole forward-backward step.
enum class CudaGraphs { none, partial, layers, full_iteration };

// How expert-parallel ranks exchange tokens (workload key `moe_dispatcher`; workloads/model.hpp
// expert_exchange_bytes): Megatron-Core's alltoall dispatcher sends a copy per routed expert; DeepEP and HybridEP
// (Megatron-Core's flex dispatcher) send a token once per destination rank in the node and once per other node.
enum class MoeDispatcher { alltoall, deepep, hybridep };

// Host (CPU) time one MoE layer exposes per micro-batch, forward and backward: what the host spends issuing the
// layer's dispatch, per-expert products and FP8 casts, and combine (Python, PyTorch and Transformer Engine
// bookkeeping: TransformerEngine issues #1499 and #2897, arXiv 2603.07685 section 4.3.6) is time the device waits.
// Dropless routing also makes the host wait for each layer's token counts (Megatron-LM token_dispatcher.py: the host
// waits on the device-to-host copy before the expert all-to-all, and Transformer Engine's GroupedLinear takes the
// per-expert splits as a host list), so the host cannot run ahead of the layer. A fixed part and a part per local
// expert (GroupedLinear issues each expert's products and casts one by one). Fitted on the tune split's dropless MoE
// cases (Qwen3-30B-A3B on 8 GB200 and Qwen3-235B-A22B on 64 B200, nemo-25.11, 16 local experts: 6.18 and 6.97 ms per
// layer and micro-batch over hwsim's device time; Qwen3-30B-A3B on 16 H100, nemo-26.06, 8: 4.12 ms; the line
// through 4.12 ms at 8 and their mean, 6.57 ms, at 16), x86 and Grace hosts alike; refitted when the GB200's sustained
// clock came from its measured GEMM rate (sim/perf/device.cpp power_reference) and when the device time gained the
// token shuffles (layer_cost.cpp moe_shuffles). Hidden only under a CUDA graph of the whole step with a sync-free
// dispatcher (moe_host_hidden, which says why).
inline constexpr double kMoeHostSecondsPerLayer = 1.667e-3;
inline constexpr double kMoeHostSecondsPerLocalExpert = 0.307e-3;

// Host time once per optimizer step that the devices wait for, beyond the micro-batches and the optimizer's own
// memory pass: the step's host-device synchronisations (the loss and gradient-norm reductions read on the host for
// logging, clipping and the inf/NaN checks), the optimizer's and gradient-zeroing launches over every parameter
// tensor, the trainer's per-step bookkeeping (timers, logging, callbacks) and the next batch's hand-off, after which
// the next step's first launches find an idle device. Defaults per stack (workload key `step_overhead` overrides),
// fitted on the tune split's training cases of each stack (issue #12: per-step costs as a stack input): Megatron-Core
// 135 ms (36 cases: tune MAPE 9.2% -> 6.8%), PyTorch 100 ms (17 cases, LLM Foundry and torchtitan: 7.9% -> 6.0%);
// DeepSpeed has no tune case and takes PyTorch's.
inline constexpr double kStepOverheadMegatronCore = 0.135;
inline constexpr double kStepOverheadPytorch = 0.100;
// With every layer or the whole step captured in CUDA graphs (workload key `cuda_graphs`: layers or full_iteration;
// Megatron-Core cuda_graph_scope, Transformer Engine make_graphed_callables per layer, MLPerf's LAYER_CUDA_GRAPH /
// FULL_CUDA_GRAPH) the host replays a few graphs per micro-batch instead of issuing every kernel, so it runs ahead
// and what the step exposes shrinks to its syncs and bookkeeping. Fitted on the tune split's Megatron-Core cases
// whose configurations capture layers or steps (19 of 57; the host time over hwsim's device time of all 57: median
// 31 ms for layers, 41 ms for full iterations, where runs without graphs or with partial scopes need a median 135
// ms): least tune MAPE at 32 ms (8.2%; 30 ms 8.3%, 40 ms 8.3%, 60 ms 8.8%).
inline constexpr double kStepOverheadCudaGraphs = 0.032;

// How an FP8 run scales its GEMM inputs (workload key `fp8_recipe`; Megatron-Core --fp8-recipe, Transformer Engine's
// recipes): delayed (a per-tensor scale from the amax history of earlier steps, DelayedScaling), tensorwise (a
// per-tensor scale from the tensor's own amax, Float8CurrentScaling: NeMo's fp8_cs) or mxfp8 (an E8M0 scale per 32
// elements, MXFP8BlockScaling: Blackwell's block-scaled tensor cores). The recipe sets what a cast moves
// (quantize_bytes_per_element) and, for MXFP8, the GEMMs' rate (sim/perf/efficiency.hpp mxfp8_gemm_share).
enum class Fp8Recipe { delayed, tensorwise, mxfp8 };
inline constexpr std::array<std::pair<Fp8Recipe, std::string_view>, 3> kFp8RecipeNames{{
    {Fp8Recipe::delayed, "delayed"},
    {Fp8Recipe::tensorwise, "tensorwise"},
    {Fp8Recipe::mxfp8, "mxfp8"},
}};

// A training format below 16 bits (FP8, FP4) is the linear layers' GEMM format only: Transformer Engine casts their
// inputs to it, while attention, the logits and the other stored activations stay in 16 bits (FP8 attention is a
// separate switch, fp8_attention; Megatron-Bridge's NVFP4 recipe keeps attention in BF16).
inline bool quantized_gemms(DType d) { return dtype_storage_bits(d) < 16; }

struct Parallelism {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int vp = 1;  // interleaved virtual stages per device
  int cp = 1;
  int ep = 1;
  int zero = 0;
  // Expert tensor parallelism (Megatron-Core's expert_tensor_parallel_size): ranks each routed expert is split over;
  // 0 = tp (Megatron's default). Megatron-Core folds the ranks of the attention's tp x cp x dp into ep x etp x
  // expert-dp for the MoE layers ("MoE parallel folding"), so with etp below tp the expert group takes tp ranks too.
  int etp = 0;
};

// The expert tensor parallelism in effect: etp, or tp when unset.
inline int expert_tp(const Parallelism& p) { return p.etp > 0 ? p.etp : p.tp; }
// Whether ep x etp expert ranks divide the tp x dp x cp ranks of a pipeline stage (Megatron-Core's expert grid): with
// etp = tp, ep divides dp x cp.
inline bool expert_groups_fit(const Parallelism& p) {
  return (static_cast<long long>(p.tp) * p.dp * p.cp) % (static_cast<long long>(p.ep) * expert_tp(p)) == 0;
}

struct TrainingConfig {
  std::string name;
  ModelSpec model;
  DType dtype = DType::bf16;
  int seq_len = 2048;
  long long global_batch = 1;
  int micro_batch = 1;
  Parallelism parallelism;
  bool sequence_parallel = false;
  Recompute recompute = Recompute::none;
  // With recompute full: the layers of each model chunk that recompute, the first ones (Megatron-Core
  // recompute_method block with recompute_num_layers; workload key `recompute_layers`); 0 = every layer.
  int recompute_layers = 0;
  // Layers whose activations go to host memory in the forward and come back for the backward (Megatron-Core's
  // cpu_offloading with cpu_offloading_num_layers, activations only; workload key `activation_offload_layers`):
  // copied over the device's host link beside the layers' compute (kOffloadBufferLayers of them stay on the device).
  int activation_offload_layers = 0;
  bool flash_attention = true;  // fused attention: no s x s score matrices in memory
  bool dp_overlap = true;       // data-parallel reduction overlaps the backward pass (and ZeRO-3 gathers prefetch)
  bool tp_overlap = false;      // tensor-parallel collectives overlapped with GEMMs (Transformer Engine userbuffers)
  bool pp_overlap = false;      // pipeline sends overlapped with compute
  DType grad_reduce_dtype = DType::fp32;  // format of gradients in data-parallel reductions (and of their buffer)
  double dropout = 0;                     // dropout probability of the recipe (masks stored, extra passes)
  Stack stack = Stack::megatron_core;
  // The fused-attention kernel (workload key `attention_kernel`); unset: the stack's (attention_kernel_of).
  std::optional<AttentionKernel> attention_kernel;
  double train_tokens = 0;  // 0 = not given
  // LoRA fine-tuning when lora_rank > 0 (Hu et al. 2021): the base weights are frozen (no gradients, no optimizer
  // state, no weight-gradient products), rank-r adapters A (in x r) and B (r x out) beside the attention's QKV and
  // output projections (and the MLP's, with lora_all_linears) are trained; the backward still computes every input
  // gradient down to the first adapted layer.
  int lora_rank = 0;
  bool lora_all_linears = false;
  // Tokens the busiest expert-parallel rank's experts receive over the mean (1 = balanced routing, as auxiliary-loss
  // or bias balancing aims at). With ep > 1 the slowest rank sets the pace of each MoE layer.
  double expert_imbalance = 1.0;
  MoeDispatcher moe_dispatcher = MoeDispatcher::alltoall;
  // The MoE dispatcher needs no host sync (workload key `moe_sync_free`): token drop with padding to a capacity
  // (Megatron-Core moe_pad_expert_input_to_capacity), or HybridEP with a rank capacity; full-iteration CUDA graphs
  // need it, and only with them is the MoE layers' host time hidden (moe_host_hidden, kMoeHostSecondsPerLayer).
  bool moe_sync_free = false;
  // The experts' MLP runs as Transformer Engine's fused grouped MLP (workload key `moe_fused_mlp`): a clamped GLU's
  // clamp and the experts' biases run inside the grouped products (layer_cost.cpp moe_eager_epilogue).
  bool moe_fused_mlp = false;
  // The model's weights are kept in the 8-bit GEMM format (workload key `fp8_params`: Transformer Engine's
  // fp8_model_init, NeMo and Megatron-Core fp8_param / fp8_param_gather, MLPerf's FP8_PARAM_GATHER): held at one byte
  // rather than 16 bits (a frozen LoRA base as well) and all-gathered by the distributed optimizer in that format; the
  // optimizer's FP32 master copy stays; LoRA adapters stay in 16 bits. Needs dtype fp8. Megatron-Core keeps the
  // embedding and output layer in BF16, which this does not model (13% of an 8B model's weights).
  bool fp8_params = false;
  // Fused attention runs on FP8 inputs (workload key `fp8_attention`: Transformer Engine's FP8 dot-product attention,
  // NeMo / Megatron-Core fp8_dot_product_attention, MLPerf's FP8_DPA): its forward and backward at the rates cuDNN
  // measures for FP8 on the chip (fp8_fused_attention_speedup), and Q, K and V kept for the backward at one byte. Needs
  // a sub-16-bit GEMM format (dtype fp8 or fp4).
  bool fp8_attention = false;
  // How FP8 GEMM inputs are scaled (workload key `fp8_recipe`; dtype fp8 only): Megatron-Core's default, delayed.
  Fp8Recipe fp8_recipe = Fp8Recipe::delayed;
  // Host time per optimizer step (workload key `step_overhead`); unset: the stack's (step_overhead_of).
  std::optional<Seconds> step_overhead;
  // What CUDA graphs capture (workload key `cuda_graphs`): sets the per-step host time (step_overhead_of) and, with
  // moe_sync_free, whether the MoE layers' host time is hidden (moe_host_hidden).
  CudaGraphs cuda_graphs = CudaGraphs::none;
};

// Whether the MoE layers' host time (kMoeHostSecondsPerLayer) stays off the step: only under a CUDA graph of the whole
// step, which needs a dispatcher that never waits for the host (moe_sync_free). Otherwise the whole time is charged,
// as for a dropless dispatcher, also when a sync-free dispatcher's layers are captured one by one (Megatron-Core can
// graph MoE layers padded to a capacity: megatron/core/transformer/moe/README.md, "CUDA Graph"). That is a fit, not a
// mechanism: the tune split's four token-dropping runs without a whole-step graph (Mixtral 8x7B on 64 GB200 with
// per-layer graphs, 8x22B on 256 B200, Qwen3-30B-A3B on 16 H100, Qwen3-235B-A22B on 256 H100) were +17..+51% with
// the time hidden and -13..+39% with it charged (training tune MAPE 8.10% -> 7.48%); hiding it under per-layer graphs
// too (the GB200 Mixtral run +2.2% -> +20.5%: tune 7.64%), or charging only the per-expert part (7.71%), fit them less
// well. The test split agrees in most pairs: NeMo's token-dropping runs measure about what the dropless runs of the
// next release do on the same configuration (DeepSeek-V3 on 256 B200 2265 against 2139 tokens/s/GPU, Qwen3-30B-A3B on
// 8 GB200 22775 against 23766), so the time stands for device work the MoE layer's model lacks as much as for the
// host's. Not on x86 hosts at one or two sequences per micro-batch, where token dropping does run faster
// (Qwen3-30B-A3B on 8 B200 18066 against 9299, on 16 H100 10494 against 5275) and this rule under-predicts (-49%).
inline bool moe_host_hidden(const TrainingConfig& c) {
  return c.moe_sync_free && c.cuda_graphs == CudaGraphs::full_iteration;
}

// Layers of a pipeline stage holding `stage_layers` whose forward is recomputed in full: every one under recompute
// full, or with recompute_layers N the first N of each of the stage's vp model chunks (Megatron-Core's block method
// counts recompute_num_layers per virtual pipeline stage; the other layers keep all their activations); none under
// the other modes.
inline double fully_recomputed_layers(const TrainingConfig& c, double stage_layers) {
  if (c.recompute != Recompute::full) return 0.0;
  if (c.recompute_layers <= 0) return stage_layers;
  return std::min(stage_layers, static_cast<double>(c.recompute_layers) * c.parallelism.vp);
}

// The fused-attention kernel a run uses: the one its workload names, else its stack's: Megatron-Core runs the chip's
// own (cuDNN); PyTorch and DeepSpeed stacks run FlashAttention-2-class kernels written for Ampere.
inline AttentionKernel attention_kernel_of(const TrainingConfig& c) {
  if (c.attention_kernel) return *c.attention_kernel;
  return c.stack == Stack::megatron_core ? AttentionKernel::native : AttentionKernel::ampere_class;
}

// Bytes a cast of one GEMM input element moves in a quantized training format (quantized_gemms; 0 in 16 bits):
// Transformer Engine reads the 16-bit element and writes it in the format, in both orientations where the GEMMs need
// both. Hopper's FP8 GEMMs take only the TN layout, so a per-tensor-scaled input is kept transposed as well
// (fp8_cast_transpose_fused); Blackwell's take any layout and one copy serves both (transformer_engine/common
// nvte_is_non_tn_fp8_gemm_supported: SM 10.x, the catalog's blackwell and blackwell-ultra parts, not SM 12.x;
// pytorch/csrc/quantizer.cpp Float8Quantizer::create_tensor allocates no transpose there). MXFP8's scales run along a
// different axis in each orientation, so it writes both everywhere, in one pass, with an E8M0 scale byte per 32
// elements each (common/cast/mxfp8/quantize_mxfp8.cuh, bidimensional scaling). Current scaling (tensorwise) reads the
// input once more first, for its amax (pytorch/csrc/quantizer.cpp Float8CurrentScalingQuantizer::quantize_impl:
// nvte_compute_amax_with_config, then nvte_quantize_v2; where an earlier kernel hands over the amax, quantize_with_amax
// skips that pass, which this does not model: an upper bound). FP4 (NVFP4) writes both orientations at half a byte, its
// block scales not counted. Other chips take Hopper's rule.
inline double quantize_bytes_per_element(const TrainingConfig& c, const Device& d) {
  if (!quantized_gemms(c.dtype)) return 0.0;
  constexpr double kRead = 2.0;  // the 16-bit input
  if (c.dtype != DType::fp8) return kRead + 2.0 * dtype_bytes(c.dtype);
  if (c.fp8_recipe == Fp8Recipe::mxfp8) return kRead + 2.0 * (1.0 + 1.0 / 32.0);
  const double copies = is_blackwell(d.tensor_core_generation) ? 1.0 : 2.0;
  return kRead + copies + (c.fp8_recipe == Fp8Recipe::tensorwise ? kRead : 0.0);
}

// Why hwsim cannot price the workload's FP8 recipe on the device (empty if it can): MXFP8 is priced where its
// block-scaled GEMM rate is measured, Blackwell and Blackwell Ultra (mxfp8_gemm_share). CDNA 4 (MI355X) runs MXFP8 in
// hardware, but no measured MXFP8 rate of it is at hand; the other chips have no block-scaled FP8 tensor cores.
inline std::string recipe_misfit(const TrainingConfig& c, const Device& d) {
  if (c.dtype != DType::fp8 || c.fp8_recipe != Fp8Recipe::mxfp8 || is_blackwell(d.tensor_core_generation)) return {};
  const std::string valid =
      "; use fp8_recipe delayed or tensorwise (mxfp8 is priced on tensor_core_generation blackwell or "
      "blackwell-ultra)";
  if (d.tensor_core_generation == TensorCoreGeneration::cdna4)
    return d.name + " runs MXFP8 in hardware, but hwsim has no measured MXFP8 GEMM rate for it" + valid;
  return d.name + " has no MXFP8 (block-scaled FP8) tensor cores" + valid;
}

// Bytes per element of the Q, K and V the fused attention reads, keeps for its backward and (with context parallelism)
// passes around the ring: one with FP8 attention, else 16 bits.
inline double attention_operand_bytes(const TrainingConfig& c) { return c.fp8_attention ? 1.0 : 2.0; }

// The per-step host time a run spends: the one its workload names, else its stack's (kStepOverheadMegatronCore), less
// with whole layers or steps in CUDA graphs (kStepOverheadCudaGraphs).
inline Seconds step_overhead_of(const TrainingConfig& c) {
  if (c.step_overhead) return *c.step_overhead;
  if (c.cuda_graphs == CudaGraphs::layers || c.cuda_graphs == CudaGraphs::full_iteration)
    return Seconds(kStepOverheadCudaGraphs);
  return Seconds(c.stack == Stack::megatron_core ? kStepOverheadMegatronCore : kStepOverheadPytorch);
}

// The MLP width a token passes through on the busiest expert-parallel rank (workloads/model.hpp busiest_mlp_width at
// the configuration's ep and expert_imbalance).
double busiest_mlp_width(const TrainingConfig& config);

// Trained parameters of one layer's LoRA adapters on one tensor-parallel rank (0 without LoRA).
double lora_parameters_per_layer(const TrainingConfig& config);

// Micro-batches each data-parallel rank runs per step: global_batch / (dp x micro_batch), rounded up where dp x
// micro_batch does not divide the global batch (gradient accumulation meets it; the last round runs part-empty
// slots, which cost time and count no tokens). At least 1.
inline long long micro_batches_per_step(long long global_batch, int dp, int micro_batch) {
  const long long per_round = static_cast<long long>(dp) * micro_batch;
  return std::max(1LL, (global_batch + per_round - 1) / per_round);
}
inline long long micro_batches_per_step(const TrainingConfig& c) {
  return micro_batches_per_step(c.global_batch, c.parallelism.dp, c.micro_batch);
}

struct TrainingBreakdown {
  Seconds compute;        // forward + backward matrix and element-wise work
  Seconds memory;         // the memory-bound part of compute (element-wise ops), included in `compute`
  Seconds communication;  // exposed TP, PP and DP communication
  Seconds bubble;         // pipeline fill and drain
  Seconds recompute;      // activation recomputation
  Seconds all_to_all;     // expert-parallel token dispatch and combine, exposed (included in `communication`)
  Seconds host;           // host (CPU) time the devices wait for: per step (step_overhead_of) and the MoE
                          // layers (kMoeHostSecondsPerLayer)
};

struct TrainingResult {
  bool fits = true;
  std::string message;
  Seconds step_time;
  double tokens_per_s = 0;
  double mfu = 0;
  FlopPerSecond achieved_flops_per_device;  // model FLOPs per device per second
  FlopPerSecond hardware_flops_per_device;  // model FLOPs + recomputed forward FLOPs, per device per second
  double hfu = 0;
  Bytes memory_per_device;
  TrainingBreakdown breakdown;
  // Share of the step each device spends in compute-bound, memory-bound and communication work (for power).
  double compute_busy = 0;
  double memory_busy = 0;
  double communication_busy = 0;
};

// Communication hidden under compute still slows it: NCCL kernels occupy SMs and share HBM bandwidth (Megatron-core's
// pipeline schedules: "Asynchronous communication tends to slow down compute"). Each second of overlapped collective
// adds this many seconds of compute. Bounds: an NCCL all-gather holds 24 of an H100's 132 SMs (0.18), and a GEMM
// sized to one wave of 132 blocks nearly doubles its time when that all-gather runs beside it (tail effect; NVIDIA
// developer forum, "Compute-Communication Overlap Causes Severe GEMM Performance Degradation because of Tail
// Effect", 2025). Within that range 0.5 fits the tune split of scenarios/validation (training MAPE 11.8% at 0.2,
// 10.3% at 0.35, 9.8% at 0.5). It applies to NCCL collectives (data-parallel, ZeRO-3, pipeline); a Transformer Engine
// userbuffers overlap of tensor-parallel traffic takes its SMs from the GEMMs instead (sim/train/training.cpp
// kUserbufferSms). Re-checked after that change: 11.4% at 0.2, 9.9% at 0.35, 9.1% at 0.5, 8.9% at 0.7, 8.8% at 1.0;
// kept at 0.5, since the surface is flat above it and 1.0 would say an overlap hides nothing.
inline constexpr double kOverlapContention = 0.5;

struct LayerCostCache;

// Reuses per-layer costs across calls that share the model, system and efficiencies (a search owns one per
// thread). Never share one between different models, systems or efficiency models.
class TrainingCache {
 public:
  TrainingCache();
  ~TrainingCache();
  TrainingCache(const TrainingCache&) = delete;
  TrainingCache& operator=(const TrainingCache&) = delete;

 private:
  friend TrainingResult evaluate_training(const TrainingConfig&, const System&, const EfficiencyModel&, TrainingCache*);
  std::unique_ptr<LayerCostCache> impl_;
};

TrainingResult evaluate_training(const TrainingConfig& config, const System& system, const EfficiencyModel& eff,
                                 TrainingCache* cache = nullptr);

// Bytes per device for weights + gradients + optimizer state + activations (exposed for tests and reports).
struct TrainingMemory {
  Bytes weights;
  Bytes gradients;
  Bytes optimizer;
  Bytes activations;
  Bytes offloaded;  // activations in host memory (activation_offload_layers): not in total()
  [[nodiscard]] Bytes total() const { return weights + gradients + optimizer + activations; }
};

// Offloaded layers' activations a device still holds at the peak: one layer's worth. At the forward's end the last
// offloaded layer's copy is still on its way out (sim/train/training.cpp offload_copies: one copy at a time), and the
// backward reloads into one buffer (cpu_offloading_double_buffering, off by default and in the runs of the validation
// set, would reload into two).
inline constexpr double kOffloadBufferLayers = 1.0;
TrainingMemory training_memory(const TrainingConfig& config);
// Why a configuration does not fit (its footprint over the device's usable memory, or expert-parallel ranks that do
// not divide the ranks holding the experts), or an empty string when it fits.
std::string training_misfit(const TrainingConfig& config, const TrainingMemory& memory, const Device& device);

// Bytes per parameter of the gradient buffer: the data-parallel reduction's format (Megatron-Core main_grad), fp32
// shards under ZeRO-3.
double gradient_buffer_bytes(const TrainingConfig& config);

// Bytes per weight as training keeps it (Megatron-style mixed precision): 16-bit weights, also in FP8 training; 4 bytes
// in fp32, tf32 and fp64 training.
double training_weight_bytes(DType dtype);
// Bytes per element of the model's weights as each rank holds them and the distributed optimizer gathers them:
// training_weight_bytes of the dtype, or the 8-bit format's one byte with fp8_params.
double model_weight_bytes(const TrainingConfig& c);
// Bytes per element of the weights the optimizer updates and gathers: a LoRA run's adapters, in 16 bits whatever the
// base's format; otherwise the model's (model_weight_bytes).
double trained_weight_bytes(const TrainingConfig& c);

// Bytes one expert-parallel rank sends to (and gets back from) the experts in one all-to-all for `tokens` local tokens
// (the rule, shared with serving: workloads/model.hpp expert_dispatch_bytes).
inline Bytes expert_dispatch_bytes(const TrainingConfig& config, double tokens) {
  return expert_dispatch_bytes(config.model, tokens);
}

// The parameters of a pipeline stage of `layers` layers on one tensor-parallel rank, and what one device holds and
// trains of them: expert parallelism gives each of its ep ranks 1/ep of the routed experts, each split over etp ranks
// (expert_tp; the rest is whole); with LoRA only the adapters have gradients and optimizer state. Before ZeRO, which
// shards `all` and `trained` over dp x cp (a routed expert's state over the tp x dp x cp / (ep x etp) ranks that hold
// it: the same share).
struct StageParameters {
  double all = 0;                   // the stage's parameters on one TP rank (stage_parameters)
  double held = 0;                  // of those, what one device holds
  double adapters = 0;              // LoRA adapters (0 without LoRA)
  double trained = 0;               // parameters with gradients and optimizer state: all, or the adapters
  double trained_held = 0;          // of those, what one device holds
  double experts_trained_held = 0;  // of those, the routed experts' (0 with LoRA, whose adapters skip the experts)
};
StageParameters stage_parameter_counts(const TrainingConfig& config, int layers, bool first, bool last);

// 16-bit activation elements per token one layer keeps under op-level checkpointing (Recompute::selective_op), on one
// tensor-parallel rank.
double op_checkpoint_saved_width(const ModelSpec& model, double tp, bool sequence_parallel);
// Forward FLOPs per token op-level checkpointing repeats (every layer's recomputed products).
double op_checkpoint_recomputed_flops(const ModelSpec& model);

}  // namespace hwsim
