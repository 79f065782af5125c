#include "sim/perf/efficiency.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hwsim {

// Sources: ../shared/data/calibration-reference.md (cuBLASLt GEMM plateaus on H100: BF16 ~80% of dense peak,
// FP8 71-73%, TF32 75-81%, SIMT FP32 ~78%, FP64 DGEMM ~85%; HBM streams 90-95% on H100, ~81% on H200; NCCL
// all-reduce bus bandwidth ~78% of NVLink; tuned BLAS on Altra Max 52-58% of FP64 peak).
double DefaultEfficiency::compute_ceiling(DeviceKind kind, DType dtype) {
  if (kind == DeviceKind::cpu) {
    // Integer dot-product kernels of inference runtimes: Ampere's optimized llama.cpp (r2.0.0) prefills 512-token
    // prompts on OCI A1 (Altra Q80-30, int8 peak 15.36 TOP/s) at 2039.8 tokens/s for Llama 3.2 1B Q8R16
    // (2 x 1.236e9 x 2039.8 = 5.04 TOP/s, 33%) and 881.2 tokens/s for 3B (2 x 3.21e9 x 881.2 = 5.66 TOP/s, 37%)
    // (AmpereComputingAI/llama.cpp@343626c benchmarks/example_results/a1, pp_throughput_tps): 0.35. Floating-point
    // GEMM (BLIS/ArmPL-class kernels) reaches ~50-58% of SIMD peak on Altra: 0.50.
    return (dtype == DType::int8 || dtype == DType::int4) ? 0.35 : 0.50;
  }
  switch (dtype) {
    case DType::fp64: return 0.85;
    case DType::fp32: return 0.78;
    case DType::tf32: return 0.78;
    case DType::bf16:
    case DType::fp16: return 0.80;
    case DType::fp8:
    case DType::int8: return 0.72;
    case DType::fp4:
      // NVFP4 GEMMs on Blackwell (CDNA 4 takes its own measured rate, generation_ceiling): vLLM's CUTLASS kernel
      // reaches 3039 TFLOP/s with the activations' FP4 quantisation and 3904 without it, at 16384 x 6144 x 4096
      // (Llama 3.1 8B's QKV shape; vllm-project/vllm pull 20646, "Before" table; a B200-class part: no other
      // reaches 3.9 PFLOP/s at FP4), 0.34-0.43 of the 9 PFLOP/s dense peak: 0.39, the middle. The tune split's B200 FP4
      // serving cases agree (their mean |error| is least at 0.35-0.40; 49% at the former 0.65 estimate).
      return 0.39;
    case DType::fp6:
    case DType::int4: return 0.65;  // estimate: newest low-precision paths, below FP8's 71-73%
  }
  return 0.7;
}

double DefaultEfficiency::compute_ceiling(const Device& device, DType dtype) {
  // The generation's ceilings were measured on one part at its power limit; the device keeps tdp_clock_share of them
  // at its own (a 400 W H100 NVL 0.71, a 1000 W MI325X 1.155 of the 750 W MI300X's).
  return generation_ceiling(device, dtype) * device.tdp_share;
}

double DefaultEfficiency::generation_ceiling(const Device& device, DType dtype) {
  // The plateaus above are Ampere's (the Megatron-LM 2021/2022 A100 cases hold at 0.80). Hopper and Blackwell run
  // LLM-shaped products further below their (higher) peaks: Vidur's profiled H100 up-projections reach 749-751
  // TFLOP/s (7B) and 679-704 (70B) at 2048-4096 tokens, about 0.73 of 989 (../shared/data/calibration-reference.md
  // section 3.4), where the best shape of a brute-force search reaches 0.803 (MAMF, section 3.3). FP8 and Blackwell
  // take the same LLM-shape share (0.73 / 0.803) of their own best-shape MAMF figures (H100 FP8 0.709, B200 BF16
  // 0.776, B200 FP8 0.763; ../shared/data/validation-public.yaml MICRO-MAMF-*).
  // AMD CDNA 3 (MI300X): AMD's own max-achievable GEMM rates with hipBLASLt at the best shape for 304 CUs (ROCm blog
  // "Measuring Max-Achievable FLOPs - Part 2", 2025-02, Table 1): BF16 708 of 1307.4 TFLOP/s (0.542; the clock falls
  // to a median 1207 MHz of 2100 under dense load), FP16 654 (0.500), FP8 1273 of 2614.9 (0.487); LLM shapes take
  // the same share of the best shape as on Hopper. Int8 has no published figure: FP8's. The MI325X runs the same
  // silicon at 1000 W and reaches more (BF16 843, FP8 1519): tdp_clock_share gives it 1.155 of these from its power.
  // AMD CDNA 4 (MI355X): BF16 reaches 1565 TFLOP/s at the best shape of a brute-force search (stas00/ml-engineering
  // @744d01e compute/accelerator/README.md, MAMF table: mean of 100 iterations, torch 2.8 on ROCm 7.0.2), 0.622 of the
  // MI355X's 2516.6 TFLOP/s (1024 matrix cores x 1024 FLOP x 2.4 GHz); LLM shapes take the Hopper share of it, as
  // above. FP8 (and int8): hipBLASLt reaches 3130.21 TFLOP/s at M = N = K = 8192 (E4M3 inputs, BF16 output, ROCm
  // 7.1.0; AMD's "FP8 GEMM Optimization on AMD CDNA 4 Architecture", ROCm/rocm-blogs@c9ef806
  // blogs/software-tools-optimization/cdna4-gemm-kernels/README.md, Table 5), 0.622 of the 5033.2 TFLOP/s FP8 peak,
  // BF16's share. One shape rather than a search's best, so a lower bound of the chip's MAMF; LLM shapes take the
  // Hopper share of it. FP16 runs at BF16's rate on this chip (datasheet). MXFP4: AITER's tuned GEMMs, the baseline
  // column ("MI355X AITER") of AMD-AGI/Primus-Turbo pull 514 (open, 2026-09-15), at 32768 tokens of shapes that are
  // Llama 3.1 8B's (hidden 4096, QKV 6144, FFN 14336; the pull says "Llama-2 8B"): QKV, out and FC1 forward 4454, 4495,
  // 4490, FC2 forward 5254 and QKV dgrad 4696 TFLOP/s, the five rows read (the other seven, dgrad and wgrad, were not),
  // their mean 0.465 of the 10066 TFLOP/s MXFP4 peak (1024 x 4096 FLOP x 2.4 GHz); already LLM shapes, so not scaled by
  // the LLM-shape share. MLPerf Training v6.0's MI355X MXFP4 runs hand AITER their tuned a4w4 GEMM configurations
  // (AITER_CONFIG_GEMM_A4W4, e.g. Richardyu114/training_results_v6.0@eabf23a07b2a
  // MiTAC/benchmarks/llama31_8b/implementations/8xMI355X_2xEPYC_9755/config_MI355X_1x8x1.sh), which this takes them to
  // run; the same repository's pull 424 puts its FlyDSL kernels at 1.2-2.0x hipBLASLt's forward MXFP4 GEMMs on Llama
  // shapes and on par with AITER's. The same table's B200 column (5095-5689 TFLOP/s, 0.57-0.63 of 9 PFLOP/s; kernel and
  // format not stated) sits well above the 0.39 that prices Blackwell's FP4 (compute_ceiling above): not taken here.
  // FP6 has no measured rate: the documented default of compute_ceiling(kind, dtype). Ada runs Ampere's kernels
  // (mma.sync) and keeps Ampere's plateaus.
  const double ampere = compute_ceiling(device.kind, dtype);
  if (device.kind == DeviceKind::cpu) return ampere;
  constexpr double kHopperLlmShapes = 0.73;
  constexpr double kLlmShapeShare = kHopperLlmShapes / 0.803;
  if (device.tensor_core_generation == TensorCoreGeneration::cdna3) {
    switch (dtype) {
      case DType::bf16: return 708.0 / 1307.4 * kLlmShapeShare;
      case DType::fp16: return 654.0 / 1307.4 * kLlmShapeShare;
      case DType::fp8:
      case DType::int8: return 1273.0 / 2614.9 * kLlmShapeShare;
      default: return ampere;
    }
  }
  if (device.tensor_core_generation == TensorCoreGeneration::cdna4) {
    constexpr double kCdna4Bf16 = 1565.0 / 2516.6;
    constexpr double kCdna4Fp8 = 3130.21 / 5033.1648;  // 1024 matrix cores x 2048 FLOP x 2.4 GHz
    constexpr double kCdna4Mxfp4 = (4454.0 + 4495.0 + 4490.0 + 5254.0 + 4696.0) / 5.0 / 10066.3296;
    switch (dtype) {
      case DType::bf16:
      case DType::fp16: return kCdna4Bf16 * kLlmShapeShare;
      case DType::fp8:
      case DType::int8: return kCdna4Fp8 * kLlmShapeShare;
      case DType::fp4: return kCdna4Mxfp4;
      default: return ampere;
    }
  }
  const bool hopper = device.tensor_core_generation == TensorCoreGeneration::hopper;
  const bool blackwell = is_blackwell(device.tensor_core_generation);
  if (!hopper && !blackwell) return ampere;
  switch (dtype) {
    case DType::bf16:
    case DType::fp16: return hopper ? kHopperLlmShapes : 0.776 * kLlmShapeShare;
    case DType::fp8:
    case DType::int8: return (hopper ? 0.709 : 0.763) * kLlmShapeShare;
    default: return ampere;
  }
}

double DefaultEfficiency::compute(const Device& device, DType dtype, Flop flops) const {
  // Size ramp: an operation that would take t at full peak runs at ceiling x t / (t + t_half). t_half = 4 us on
  // GPUs (wave quantisation and tail effects dominate below a few microseconds; Calculon's step table falls to 60%
  // near 1 GFLOP on H100, i.e. ~1 us; estimate, replaced by calibration). None on CPUs: their fixed cost per
  // operation is the fork/join barrier of launch_overhead(), and few rows are penalised by gemm().
  const double ceiling = compute_ceiling(device, dtype);
  const auto peak = device.peak_of(dtype);
  if (!peak || flops.value() <= 0 || device.kind == DeviceKind::cpu) return ceiling;
  const double t_at_peak = flops.value() / peak->value();
  const double t_half = 4e-6;
  return ceiling * t_at_peak / (t_at_peak + t_half);
}

double DefaultEfficiency::gemm(const Device& device, DType dtype, double m, double n, double k) const {
  return product_share(device, dtype, 1.0, m, n, k, false);
}

double DefaultEfficiency::grouped_gemm(const Device& device, DType dtype, double groups, double m, double n,
                                       double k) const {
  return product_share(device, dtype, groups, m, n, k, true);
}

double DefaultEfficiency::product_share(const Device& device, DType dtype, double groups, double m, double n, double k,
                                        bool routed) const {
  // Thin dimensions waste tensor-core tiles: each dimension d contributes d / (d + 16) (estimate: a 64-wide head
  // dimension runs at 80% of a square GEMM, which matches batched attention GEMMs in cuBLAS traces). On CPUs a
  // product with few rows (a decode step's batch) re-reads and unpacks each weight for only those rows: d_half = 10,
  // fitted with the CPU fork/join cost and attention share to the tune split of llama.cpp token generation on OCI A1
  // (scenarios/validation/inference CPU-A1-*, split: tune; Llama 3.2 1B and 3B, Q8R16 and Q4_K_4, 1-10 processes,
  // batch 1-32) once attention spans llama.cpp's unified KV cache (sim/infer: Engine).
  // The size ramp of compute() applies to the time the product takes with its wasted tiles, so its fixed cost is
  // added once per product (once per launch of a grouped product), not multiplied by the waste.
  // A GPU's routed-expert launch (grouped_gemm) fills each expert's rows into whole token tiles (expert_tile_fill) in
  // place of the thin-rows share.
  const double d_half = device.kind == DeviceKind::cpu ? 10.0 : 16.0;
  const auto thin = [d_half](double d) { return d / (d + d_half); };
  const double rows = routed && device.kind == DeviceKind::gpu ? expert_tile_fill(m) : thin(m);
  const double used = rows * thin(n) * thin(k);
  return compute(device, dtype, Flop(std::max(1.0, groups) * 2.0 * m * n * k / used)) * used;
}

double expert_tile_fill(double rows_per_group) {
  // Routed-expert kernels tile each expert's token rows apart, and an expert's last tile is issued whole however few
  // rows it holds: vLLM's fused_moe pads every expert to BLOCK_SIZE_M (moe_align_block_size; 16 to 128, 64 by default
  // past one token per expert), DeepGEMM's contiguous grouped layout aligns every expert to 128 rows on Hopper
  // (get_mk_alignment_for_contiguous_layout; 256 on Blackwell in a newer version), AITER's fused MoE pads each expert
  // to its block_m (moe_sorting; get_block_size_M gives mostly 128 for DeepSeek-V3 and gpt-oss-120b shapes at 16-64
  // tokens per expert on MI300X), TensorRT-LLM's TRTLLM-gen MoE rounds each expert up to tileTokensDim
  // (RoutingKernel.cuh: divUpTileN, mulTileN; 8 to 128, autotuned, the fallback the next power of two of the mean) and
  // its CUTLASS grouped GEMM masks each expert's last tile (tokens as M = 128 in the untuned first tactic, or as N of
  // 16-256 with swap_ab), OpenAI's triton_kernels give each expert ceil(rows / block_m) tiles (block_m 16-128). The
  // tile differs by kernel, tactic and load; one fitted figure stands for them, chosen among 64, 128 and 256 on the
  // tune split's GPU serving cases (its mixtures of experts: Mixtral 8x7B, Qwen3-30B-A3B, Llama 4 Scout, gpt-oss):
  // 12.4%, 11.0% and 15.8% when chosen, at serving_expert_share's former 0.78 (13.6% with the dense thin-rows share in
  // its place), and 12.4%, 10.9% and 15.1% with the share refitted and the gpt-oss cases' data corrected, where a tile
  // that follows the load (the next power of two of the mean between 16 and 128) gives 13.0%. Where engines swap to
  // small token tiles (a decode of a few tokens per expert: batch 1-16 for Mixtral) this prices the experts too slow:
  // Mixtral in FP8 on one H100 at 128 in / 128 out, TPOT 5.95 -> 7.19 ms at batch 1 and 17.1 -> 21.9 ms at batch 16
  // against the thin-rows share (with the refitted serving_expert_share); no validation case runs there. A group's
  // count is what uniform routing gives: Poisson, counted only where it is not zero (grouped_gemm's groups are the
  // experts touched), so below a tile every group costs one tile. Past that the mean is the Poisson mean, and a group
  // spills past k tiles with the normal approximation's P(X > k x 128) (continuity corrected: within 0.4% of the
  // Poisson sum from 20 to 20,000 rows; tiles more than 10 standard deviations below the mean counted full); from 32
  // tiles on the last one is half full on average.
  const double m = std::max(1.0, rows_per_group);
  const double tile = kExpertTileRows;
  const double sd = std::sqrt(m);
  if (m + 10.0 * sd + 1.0 < tile) return m / tile;
  if (m >= 32.0 * tile) return m / (tile * (m / tile + 0.5));
  const double surely_spilled = std::max(0.0, std::floor((m - 10.0 * sd) / tile));
  double tiles = 1.0 + surely_spilled;
  for (double edge = (surely_spilled + 1.0) * tile; edge <= m + 10.0 * sd; edge += tile) {
    tiles += 0.5 * std::erfc((edge + 0.5 - m) / (sd * std::sqrt(2.0)));
  }
  return m / (tile * tiles);
}

double DefaultEfficiency::split_accumulation(const Device& /*device*/, DType dtype) const {
  // FP8 GEMMs with fast accumulation (the forward products in Transformer Engine and torchao) run 1.1-1.2x faster
  // than with split accumulation (pytorch/ao issue #2377, benchmark by the reporter; torchao and Transformer Engine
  // (transformer_engine/pytorch/module/base.py: _2X_ACC_FPROP = False, _2X_ACC_DGRAD = True, _2X_ACC_WGRAD = True)
  // keep split accumulation for the gradients). Middle of the range: 1 / 1.15.
  return dtype == DType::fp8 ? 1.0 / 1.15 : 1.0;
}

double DefaultEfficiency::serving_expert_share(const Device& device) const {
  // Serving engines run a mixture of experts' routed products slower than gemm() prices dense products of their shapes:
  // MLPerf Inference Mixtral 8x7B runs (v4.1-v5.1: TensorRT-LLM on H100, H100 NVL, H200, GH200 and B200 at FP4, vLLM on
  // MI300X and MI325X) sat 13-33% above hwsim, every chip and both engines alike, where the dense Llama 2 70B runs of
  // the same submitters centre near zero. Fitted on the tune split's 20 Mixtral serving cases (routing passes priced;
  // least mean |error|: 5.6% at 0.78, 20.4% at 1; their mean error -0.3%); refitted when each expert's rows came to
  // fill whole token tiles (expert_tile_fill): 4.5% at 0.82 (5.4% at 0.78, 4.5% at 0.84; mean error -1.0%). Public
  // kernel figures bracket it: DeepGEMM's grouped FP8 products reach 0.70-0.82 of its dense rate at 256-512 rows per
  // expert (deepseek-ai/DeepGEMM README @55ab91f, masked layout, H800), and DeepGEMM replaced a tuned CUTLASS 3.6
  // grouped GEMM 1.1-1.3x slower; FlashInfer's TensorRT-LLM-derived CUTLASS MoE ran 6-14% slower end to end than tuned
  // Triton kernels on H100 (sgl-project/sglang pull 21872). A calibration profile does not measure it yet. CPUs:
  // llama.cpp's figures are fitted with its products as they run: 1.
  return device.kind == DeviceKind::cpu ? 1.0 : 0.82;
}

double DefaultEfficiency::fused_attention(const Device& device, DType dtype, bool backward) const {
  // FlashAttention-2 reaches 50-73% of A100 peak forward and less backward (Dao 2023, arXiv 2307.08691); fused
  // attention on Hopper (FlashAttention-3, cuDNN) 60-75% forward. As a share of the GEMM ceiling: 0.8 forward,
  // 0.65 backward (estimates). CPUs (llama.cpp's ggml): the score and value products run unfused with a softmax pass
  // between them, at 0.4 of the GEMM ceiling (fitted with gemm()'s CPU d_half, see there).
  if (device.kind == DeviceKind::cpu) return compute_ceiling(device, dtype) * 0.4;
  return compute_ceiling(device, dtype) * (backward ? 0.65 : 0.8) * blackwell_ultra_attention_speedup(device, backward);
}

double blackwell_ultra_attention_speedup(const Device& device, bool backward) {
  // Softmax takes an exponential per score, on the special-function units (MUFU.EX2), between the two products, and on
  // Blackwell the tensor cores wait for it; Blackwell Ultra doubles that unit's throughput ("Making Softmax More
  // Efficient with NVIDIA Blackwell Ultra", NVIDIA Technical Blog). cuDNN's SDPA training benchmark measures both on
  // the Llama 3.1 shape (64 query heads, 8 KV heads, head dim 128, causal, batch 2) with one cuDNN (9.22), BF16 TFLOP/s
  // at 4096 and 8192 tokens (NVIDIA/cudnn-frontend@3929da2 benchmark/sdpa_benchmark_training/results/llama3.1, gb300
  // and gb200 runs of 2026-04-24): GB300 over GB200 forward 1703/1408 and 1856/1574 (1.210, 1.179), backward 1248/1148
  // and 1435/1332 (1.087, 1.077). Part of that is the clock the GB300's higher power limit holds, which compute_ceiling
  // already gives it (tdp_clock_share 1.0 against the GB200's 0.9398): the rest, the means of the two lengths times
  // 0.9398, is the exponential unit's. Other generations: 1.
  if (device.tensor_core_generation != TensorCoreGeneration::blackwell_ultra) return 1.0;
  constexpr double kGb200ClockShare = 0.9398;
  return (backward ? (1248.0 / 1148.0 + 1435.0 / 1332.0) : (1703.0 / 1408.0 + 1856.0 / 1574.0)) / 2.0 *
         kGb200ClockShare;
}

namespace {

// Fused attention's fixed work per query tile (loading its queries, the softmax's epilogue, writing its output,
// filling the pipeline), in 128-key blocks, forward or backward: cuDNN's SDPA training benchmark
// (NVIDIA/cudnn-frontend@3929da2 benchmark/sdpa_benchmark_training/results) on the Llama 3.1 shape (64 query heads, 8
// KV heads, head dim 128; BF16), causal and unmasked, at 2048 to 16384 tokens: H200 (cuDNN 9.19, batch 1,
// h200_919_only_cudnn), GB200 and GB300 (cuDNN 9.22, batch 2, llama3.1/gb200 and gb300, runs of 2026-04-24). The
// TFLOP/s of the eight runs of a chip and pass follow rate = asymptote x u / (u + partial + overhead), u the 128-key
// blocks a query's counted keys fill (s / 256 causal, s / 128 unmasked) and partial the partly masked block a causal
// tile also computes (1/2 on average), within 1.3-2.8% on average (worst 5.4%), where their geometric mean misses by
// 31-42% at worst. The unmasked runs at n tokens come within 0-7% of the causal runs at 2n (GB200 forward: 1433
// TFLOP/s at 2048 tokens unmasked, 1408 at 4096 causal), as the block count says. Fitted for the least mean relative
// error: overhead (and asymptote) H200 3.05 (722 TFLOP/s) forward, 5.15 (642) backward; GB200 5.00 (1855), 5.10
// (1506); GB300 2.95 (2061), 5.10 (1645). The 32768-token kernels (18-154 ms) run 6-18% below the fit on the
// Blackwell parts (all but the GB300's causal forward) and in the H200's backward, for a reason the data do not show:
// left out. Generations without a measurement: 0.
double tile_overhead_blocks(TensorCoreGeneration g, bool backward) {
  switch (g) {
    case TensorCoreGeneration::hopper: return backward ? 5.15 : 3.05;
    case TensorCoreGeneration::blackwell: return backward ? 5.10 : 5.00;
    case TensorCoreGeneration::blackwell_ultra: return backward ? 5.10 : 2.95;
    default: return 0.0;
  }
}

// A figure measured at head dim 128 carried linearly to one measured at 192 (MLA's wider scores), held above.
double toward_wide_scores(double at_128, double at_192, double head_dim) {
  return at_128 + (at_192 - at_128) * std::min(1.0, (head_dim - 128.0) / 64.0);
}

}  // namespace

double attention_tile_occupancy(const Device& device, double keys, AttentionMask mask, bool backward, double launches) {
  // tile_overhead_blocks's model. A causal sliding window's tile computes a partly masked block at each end of the
  // window (1 in all, with 128-row tiles aligned to the blocks): cuDNN's H200 runs of GPT-OSS's heads with a
  // 1024-token window then come within 4.5% of one asymptote from 2048 to 32768 tokens (519-542 TFLOP/s forward,
  // 533-546 backward), where the window's tiles hold 6 to 8 blocks (a partial of 1.5 or 2 fits them a little closer).
  // Context parallelism's ring runs one kernel per step, each paying the tile's fixed work (`launches`).
  const double overhead = tile_overhead_blocks(device.tensor_core_generation, backward);
  if (device.kind == DeviceKind::cpu || overhead <= 0 || keys <= 0) return 1.0;
  const double blocks = keys / 128.0;
  const double partial = mask == AttentionMask::window ? 1.0 : mask == AttentionMask::causal ? 0.5 : 0.0;
  return blocks / (blocks + partial + overhead * std::max(1.0, launches));
}

double occupancy_against_full_layers(const Device& device, std::span<const AttentionLayerKind> kinds, bool backward) {
  if (kinds.empty()) return 1.0;
  double flops = 0;
  double time = 0;
  for (const AttentionLayerKind& k : kinds) {
    if (k.layers <= 0 || k.keys <= 0) continue;
    flops += k.layers * k.keys;
    time += k.layers * k.keys / attention_tile_occupancy(device, k.keys, k.mask, backward, k.launches);
  }
  if (time <= 0) return 1.0;
  const AttentionLayerKind& full = kinds.front();
  return flops / time / attention_tile_occupancy(device, full.keys, full.mask, backward, full.launches);
}

double mxfp8_gemm_share(const Device& device) {
  // Transformer Engine's GEMM profiling guide (NVIDIA/TransformerEngine@d0067d0da
  // docs/examples/gemm_profiling/gemm_profiling.rst, benchmarks/gemm/benchmark_gemm.py --pre-quantize on a B300 SXM6:
  // the twelve forward, data-gradient and weight-gradient GEMMs of a layer with hidden 4096, MLP 16384 and 15,872
  // tokens, inputs quantized before the timed loop) measures 6.812 ms per layer with FP8 current scaling and 7.161 ms
  // with MXFP8: the block-scaled kernels run at 0.951 of the per-tensor ones (forward 2.158 against 2.365, data
  // gradient 2.329 against 2.397, weight gradient 2.325 against 2.400 ms: 0.912, 0.972 and 0.969 by pass; one share
  // for every pass, so a recomputed forward is charged a little less than that pass measures). No MXFP8 measurement
  // of the B200 is at hand: the same tensor-core instructions (tcgen05 block scaling), taken alike.
  if (!is_blackwell(device.tensor_core_generation)) return 1.0;
  return 6.812 / 7.161;
}

double fp8_fused_attention_speedup(const Device& device, bool backward, double head_dim) {
  // cuDNN's SDPA training benchmark on the Llama 3.1 shape (64 query heads, 8 KV heads, head dim 128, causal, batch
  // 1-2), FP8 over BF16 TFLOP/s at 4096 and 8192 tokens (NVIDIA/cudnn-frontend@3929da2
  // benchmark/sdpa_benchmark_training/results): GB200 (cuDNN 9.22) forward 1805/1408 and 2047/1574 (1.28, 1.30),
  // backward 1178/1148 and 1454/1332 (1.03, 1.09); H200 (cuDNN 9.19, h200_919_only_cudnn) forward 854/591 and
  // 964/644 (1.45, 1.50), backward 471/474 and 430/541 (0.99, 0.79: FP8's causal backward ran slower there). The
  // means of the two lengths. The GB300 measures more (forward 1.49-1.56, backward 1.12-1.24: Blackwell Ultra's
  // faster exponentials: blackwell_ultra_attention_speedup): 2532/1703 and 2897/1856 forward (1.487, 1.561), 1396/1248
  // and 1781/1435 backward (1.119, 1.241), the same cuDNN's runs of 2026-04-24 (results/llama3.1/gb300). No FP8
  // attention measurement of other generations: 1.
  const TensorCoreGeneration g = device.tensor_core_generation;
  double at_128 = 1.0;
  switch (g) {
    case TensorCoreGeneration::hopper: at_128 = backward ? (0.994 + 0.795) / 2.0 : (1.445 + 1.497) / 2.0; break;
    case TensorCoreGeneration::blackwell: at_128 = backward ? (1.026 + 1.092) / 2.0 : (1.282 + 1.300) / 2.0; break;
    case TensorCoreGeneration::blackwell_ultra:
      at_128 = backward ? (1396.0 / 1248.0 + 1781.0 / 1435.0) / 2.0 : (2532.0 / 1703.0 + 2897.0 / 1856.0) / 2.0;
      break;
    default: return 1.0;
  }
  // Narrow heads gain less: an FP8 score costs the BF16 one's exponential beside half its product time. cuDNN 9.19's
  // runs of GPT-OSS's heads (64 query, 8 KV, head dim 64, a 1024-token causal window, batch 2, 2048 to 32768 tokens;
  // NVIDIA/cudnn-frontend@df73764 benchmark/sdpa_benchmark_training/results/gb200_919_only_cudnn and
  // gb300_919_only_cudnn) measure FP8 over BF16 forward 512/497, 591/574, 626/609, 641/624, 649/632 TFLOP/s on the
  // GB200 (mean 1.028) and 694/581, 811/675, 863/718, 887/738, 899/748 on the GB300 (mean 1.200). Their FP8 backward
  // computes the whole causal triangle (fp8_window_backward_unskipped), so it measures a full causal layer's: 0.271,
  // 0.862, 3.011, 11.332 and 43.921 ms on the GB200 (634-1001 TFLOP/s), 0.253, 0.792, 2.752, 10.265 and 39.694 ms on
  // the GB300 (679-1108), against this model's 16-bit rate for those heads (the head-dim-128 tile asymptote x
  // head_dim_attention_share x attention_tile_occupancy of a causal layer) 0.901-0.929 (mean 0.919) and 0.959-0.975
  // (mean 0.967): slower than 16 bits there. Linear in the head dim between these and the head-dim-128 figures above
  // (cuDNN 9.22's; the GB300's 9.19 run of the Llama 3.1 shape measures 1.39 and 1.47 forward at 4096 and 8192
  // tokens), held below 64. Hopper keeps the 128 figures, unmeasured: cuDNN 9.19 builds the FP8 forward graph at head
  // dim 64 on the H200 but refuses the backward ("hidden_dim shoud be equal to 128"), so the same suite has no FP8 run
  // of those heads there.
  // Wider scores gain more: the same suite's DeepSeek-V3 shape (128 heads of 192 for the scores, 128 for the values;
  // cuDNN 9.22, results/dsv3, head_dim_attention_share's runs) measures FP8 over BF16 at 4096 and 8192 tokens, as the
  // 128 figures above, 2095/1406 and 2397/1585 forward, 1692/1057 and 1959/1193 backward on the GB200 (means 1.501,
  // 1.621), 2788/1590 and 3128/1825, 1982/1143 and 2310/1291 on the GB300 (1.734, 1.762): its backward gains far more
  // than the Llama 3.1 shape's, whose eight query heads share each KV head. Linear from the 128 figures to these at
  // 192, held above.
  if (!is_blackwell(g)) return at_128;
  const bool ultra = g == TensorCoreGeneration::blackwell_ultra;
  if (head_dim >= 128.0) {
    return toward_wide_scores(at_128, backward ? (ultra ? 1.762 : 1.621) : (ultra ? 1.734 : 1.501), head_dim);
  }
  const double at_64 = backward ? (ultra ? 0.967 : 0.919) : (ultra ? 1.200 : 1.028);
  return at_64 + (at_128 - at_64) * (std::max(64.0, head_dim) - 64.0) / 64.0;
}

double head_dim_attention_share(const Device& device, double head_dim, bool backward) {
  // A fused kernel's work per score is an exponential and the softmax's bookkeeping, whatever the head dim, beside
  // 2 x head dim multiply-adds in each product: narrower heads carry fewer FLOPs per score, and the score work,
  // only partly overlapped with the products, weighs more (FlashAttention-3, arXiv 2407.08608: on an H100 the
  // exponentials take up to half the matmul time of a head-dim-128 kernel). cuDNN's SDPA training benchmark (cuDNN
  // 9.19, NVIDIA/cudnn-frontend@df73764 benchmark/sdpa_benchmark_training/results/{h200,gb200,gb300}_919_only_cudnn)
  // runs GPT-OSS's heads (64 query, 8 KV, head dim 64, batch 2) with a 1024-token causal window at 2048 to 32768
  // tokens: H200 310-358 TFLOP/s forward, 264-303 backward; GB200 497-632 and 559-660; GB300 581-748 and 583-689.
  // Over attention_tile_occupancy at each length (the window's 6-8 blocks per tile, a partly masked one at each end)
  // they give asymptotes against each chip's Llama 3.1 shape as the tile model holds it (head dim 128;
  // tile_overhead_blocks: H200 722 and 642, GB200 1855 and 1506, GB300 2061 and 1645 TFLOP/s forward and backward):
  // head dim 64 keeps, as the means over the five lengths, 0.740 forward and 0.841 backward on Hopper, 0.580 and 0.770
  // on Blackwell, 0.520 and 0.732 on Blackwell Ultra, if a tile's fixed work is the same number of key blocks at both
  // head dims (the same time instead would give about 0.81 forward on the H200). The Blackwell parts' head-dim-128
  // figures are cuDNN 9.22's; against each chip's own 9.19 run of the Llama 3.1 shape (gb200_919_only_cudnn and
  // gb300_919_only_cudnn llama3.1, fitted alike) the shares are 0.612 and 0.818 (GB200), 0.593 and 0.783 (GB300): the
  // two Blackwell parts keep about the same share where one cuDNN measures both head dims, below Hopper's, as
  // Blackwell's tensor rate more than doubled Hopper's beside the same 16 exponentials per SM per clock
  // (FlashAttention-4, arXiv 2603.05451) would have it, though the GB300's twice faster exponentials do not lift it.
  // The GB300's lower share here offsets the small forward fixed work its 9.22 fit gives its tiles (2.95 blocks
  // against the GB200's 5.00), which would otherwise run its windowed heads 1.18 times as fast as the GB200's. Linear
  // in the head dim between that and 1 at 128. cuDNN 9.22's 128-token window runs (128 query and 128 KV heads,
  // results/gpt_oss) then come out -2 to -8% forward and -10 to -13% backward on the GB200 at 2048-16384 tokens, +25
  // to +32% forward and -10 to -16% backward on the GB300 (tiles of about one block, where the GB300's small forward
  // overhead does not hold). Other generations (tensor-rate bound kernels, or none measured) and CPUs keep 1.
  // Wider scores (multi-head latent attention: DeepSeek-V3's 128 heads of 192 for the scores and 128 for the values)
  // cost the backward more than their FLOPs: cuDNN 9.22's runs of that shape (batch 2, causal, non-deterministic
  // backward; NVIDIA/cudnn-frontend@3929da2 benchmark/sdpa_benchmark_training/results/dsv3, GB200 and GB300 runs of
  // 2026-04-24, the same day and cuDNN as the head-dim-128 asymptotes) measure BF16 at 2048, 4096, 8192 and 16384
  // tokens 1072, 1406, 1585, 1678 TFLOP/s forward and 846, 1057, 1193, 1134 backward on the GB200, 1285, 1590, 1825,
  // 1967 and 914, 1143, 1291, 1302 on the GB300. The benchmark counts a backward score at 3 x 192 + 2 x 128 FLOPs
  // (benchmark_single_sdpa.py flops()) where this model counts 2.5 x (192 + 128), 800 against 832 (the same 640 at
  // 128/128): in this model's FLOPs the backward runs at 800/832 of those. Over the tile model's causal rate at each
  // length they keep 0.994 forward and 0.878 backward (GB200), 0.954 and 0.881 (GB300), the means over the lengths
  // the tiles were fitted on (2048-16384; at 32768 the head-dim-128 kernels too run below the fit). Linear from 1 at
  // 128 to these at 192, held above (wider heads unmeasured). The H200's run of that shape (cuDNN 9.19) measured a
  // deterministic backward only and its FP8 failed; its forward, 643 TFLOP/s at 8192 tokens, is about the tile model's
  // rate: Hopper keeps 1. Heads of 192 with grouped KV heads (Nemotron-4 340B) take the same figures, unmeasured.
  if (device.kind == DeviceKind::cpu) return 1.0;
  if (head_dim >= 128.0) {
    if (!is_blackwell(device.tensor_core_generation)) return 1.0;
    const bool ultra = device.tensor_core_generation == TensorCoreGeneration::blackwell_ultra;
    return toward_wide_scores(1.0, backward ? (ultra ? 0.881 : 0.878) : (ultra ? 0.954 : 0.994), head_dim);
  }
  double at_64 = 1.0;
  switch (device.tensor_core_generation) {
    case TensorCoreGeneration::hopper: at_64 = backward ? 0.841 : 0.740; break;
    case TensorCoreGeneration::blackwell: at_64 = backward ? 0.770 : 0.580; break;
    case TensorCoreGeneration::blackwell_ultra: at_64 = backward ? 0.732 : 0.520; break;
    default: return 1.0;
  }
  return 1.0 - (1.0 - at_64) * (128.0 - head_dim) / 64.0;
}

bool fp8_window_backward_unskipped(const Device& device) {
  // cuDNN's SDPA training benchmark on a 128-token sliding window (GPT-OSS's local layers: head dim 64, 128 query and
  // 128 KV heads, causal, batch 2; cuDNN 9.22, NVIDIA/cudnn-frontend@3929da2
  // benchmark/sdpa_benchmark_training/results/gpt_oss, GB200 and GB300 runs of 2026-04-24): from 4096 to 32768
  // tokens (8x) the BF16 backward takes 0.465 -> 3.692 ms on the GB200 (x7.9, as the length), the FP8 and MXFP8
  // forwards 0.195 -> 1.529 and 0.210 -> 1.637 ms (x7.8) and the BF16 forward 0.210 -> 2.634 ms (x12.5), but the FP8
  // and MXFP8 backwards 1.731 -> 90.35 and 2.080 -> 108.4 ms (x52: as the square of the length); the GB300 the same
  // (FP8 1.480 -> 74.76 ms). At 4096 tokens the FP8 backward's 1.731 ms is the whole causal triangle's work at 794
  // TFLOP/s (0.55-0.67 of the FP8 backward's rates on the Llama 3.1 shape, head dim 128 against 64:
  // fp8_fused_attention_speedup, at whose rate the model prices it, so it charges less than measured) and the window's
  // share at 49. No FP8 window measurement on other generations (the H200 run of the same suite fails in FP8): they
  // skip as the 16-bit kernels do.
  return is_blackwell(device.tensor_core_generation);
}

double DefaultEfficiency::attention_kernel_share(const Device& device, AttentionKernel kernel) const {
  // FlashAttention-2 reaches 35% of H100's BF16 peak where FlashAttention-3 reaches 75% (forward, head dim 128,
  // long sequences; Shah et al. 2024, "FlashAttention-3", arXiv 2407.08608, abstract and section 4.1): kernels
  // written for Ampere's synchronous mma.sync (which reaches about 2/3 of Hopper's tensor rate, same paper) and
  // without its asynchronous copies keep 0.35 / 0.75 = 0.47 of the native kernel. Blackwell: no measurement at hand;
  // Hopper's figure. On Ampere these kernels are the native ones.
  // FlashAttention-1-class kernels (FlashAttention 1.x; the 2022 Triton port, whose forward and backward together run
  // "slightly slower" than FlashAttention 1's, HazyResearch/flash-attention@eff9fe6b flash_attn/flash_attn_triton.py)
  // run at half FlashAttention-2's rate on the same chip: "around 2x speedup compared to FlashAttention" (Dao 2023,
  // arXiv 2307.08691, abstract; 25-40% of A100 peak against 50-73%).
  if (kernel == AttentionKernel::native || device.kind == DeviceKind::cpu) return 1.0;
  const bool asynchronous =
      device.tensor_core_generation == TensorCoreGeneration::hopper || is_blackwell(device.tensor_core_generation);
  const double flash2 = asynchronous ? 0.35 / 0.75 : 1.0;
  return kernel == AttentionKernel::flash1 ? 0.5 * flash2 : flash2;
}

double DefaultEfficiency::memory(const Device& device, Bytes bytes) const {
  // The plateau is the GPU's measured streaming share where the catalog gives it (`hbm.stream_efficiency`: H100 SXM
  // 92%, H200 81%, A100 88%; ../shared/data/calibration-reference.md), else 0.88, the middle of the measured HBM range
  // (81-95%); DDR STREAM triad reaches ~80% of the channel peak on server CPUs (estimate). Transfers below ~1 MB do
  // not reach the plateau: half at 256 KiB.
  const double plateau = device.memory_stream_efficiency  ? *device.memory_stream_efficiency
                         : device.kind == DeviceKind::gpu ? 0.88
                                                          : 0.80;
  const double half = 256.0 * 1024;
  return plateau * bytes.value() / (bytes.value() + half);
}

double DefaultEfficiency::link(const Device& /*device*/, bool scale_out) const {
  // NCCL all-reduce bus bandwidth: ~78% of NVLink per direction on 8 x A100 (calibration-reference.md);
  // InfiniBand ring collectives reach ~85-90% of line rate (estimate: 0.85).
  return scale_out ? 0.85 : 0.78;
}

double DefaultEfficiency::roofline_corner(const Device& device) const {
  // GPUs: the rounded corner (p = 2), which Vidur's profiled H100 GEMMs show (sim/perf/roofline.hpp). CPUs: max
  // (p = infinity), an estimate: no CPU measurement of the corner is at hand, and the CPU figures above (gemm's
  // d_half, the fork/join cost) were fitted under max to the tune cases (llama.cpp, Llama 3.2 1B on OCI A1); with
  // p = 2 and those figures the held-out Llama 3.2 3B Q8 batch-1 case misses by 30%.
  return device.kind == DeviceKind::gpu ? 2.0 : std::numeric_limits<double>::infinity();
}

Seconds DefaultEfficiency::launch_overhead(const Device& device) const {
  // ~4 us per CUDA kernel launch in eager frameworks (estimate). On a CPU, the barrier that ends each parallel
  // operation grows with the threads it joins: 120 ns per core (9.6 us on 80 cores), fitted with the CPU d_half of
  // gemm() to the tune split of the llama.cpp runs on OCI A1 (d_half 10 with 60 ns: CPU MAPE 16.9%; with 120 ns:
  // 14.0%; the surface is flat between them).
  if (device.kind == DeviceKind::gpu) return Seconds(4e-6);
  return Seconds(120e-9 * std::max(1, device.cores));
}

Seconds DefaultEfficiency::link_latency(const Device& /*device*/, bool scale_out) const {
  // One ring step: ~3 us through NVLink/NVSwitch with NCCL's LL protocols, ~5 us across InfiniBand (estimates).
  return Seconds(scale_out ? 5e-6 : 3e-6);
}

}  // namespace hwsim
