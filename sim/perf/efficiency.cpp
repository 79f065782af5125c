#include "sim/perf/efficiency.hpp"

namespace hwsim {

// Sources: ../shared/data/calibration-reference.md (cuBLASLt GEMM plateaus on H100: BF16 ~80% of dense peak,
// FP8 71-73%, TF32 75-81%, SIMT FP32 ~78%, FP64 DGEMM ~85%; HBM streams 90-95% on H100, ~81% on H200; NCCL
// all-reduce bus bandwidth ~78% of NVLink; tuned BLAS on Altra Max 52-58% of FP64 peak).
double DefaultEfficiency::compute_ceiling(DeviceKind kind, DType dtype) {
  if (kind == DeviceKind::cpu) {
    // CPU GEMM (BLIS/ArmPL-class kernels) reach ~50-58% of SIMD peak on Altra; int8 dot-product kernels in
    // inference runtimes do not do better (estimate).
    return 0.50;
  }
  switch (dtype) {
    case DType::fp64: return 0.85;
    case DType::fp32: return 0.78;
    case DType::tf32: return 0.78;
    case DType::bf16:
    case DType::fp16: return 0.80;
    case DType::fp8:
    case DType::int8: return 0.72;
    case DType::fp6:
    case DType::fp4:
    case DType::int4: return 0.65;  // estimate: newest low-precision paths, below FP8's 71-73%
  }
  return 0.7;
}

double DefaultEfficiency::compute(const Device& device, DType dtype, Flop flops) const {
  // Size ramp: an operation that would take t at full peak runs at ceiling x t / (t + t_half). t_half = 4 us on
  // GPUs (wave quantisation and tail effects dominate below a few microseconds; Calculon's step table falls to 60%
  // near 1 GFLOP on H100, i.e. ~1 us), 20 us on CPUs (thread fork/join). Estimates, replaced by calibration.
  const double ceiling = compute_ceiling(device.kind, dtype);
  const auto peak = device.peak_of(dtype);
  if (!peak || flops.value() <= 0) return ceiling;
  const double t_at_peak = flops.value() / peak->value();
  const double t_half = device.kind == DeviceKind::gpu ? 4e-6 : 20e-6;
  return ceiling * t_at_peak / (t_at_peak + t_half);
}

double DefaultEfficiency::gemm(const Device& device, DType dtype, double m, double n, double k) const {
  // Thin dimensions waste tensor-core tiles: each dimension d contributes d / (d + 16) (estimate: a 64-wide head
  // dimension runs at 80% of a square GEMM, which matches batched attention GEMMs in cuBLAS traces).
  const auto thin = [](double d) { return d / (d + 16.0); };
  return compute(device, dtype, Flop(2.0 * m * n * k)) * thin(m) * thin(n) * thin(k);
}

double DefaultEfficiency::split_accumulation(const Device& /*device*/, DType dtype) const {
  // FP8 GEMMs with fast accumulation (the forward products in Transformer Engine and torchao) run 1.1-1.2x faster
  // than with split accumulation (pytorch/ao issue #2377, benchmark by the reporter; torchao and Transformer Engine
  // (transformer_engine/pytorch/module/base.py: _2X_ACC_FPROP = False, _2X_ACC_DGRAD = True, _2X_ACC_WGRAD = True)
  // keep split accumulation for the gradients). Middle of the range: 1 / 1.15.
  return dtype == DType::fp8 ? 1.0 / 1.15 : 1.0;
}

double DefaultEfficiency::fused_attention(const Device& device, DType dtype, bool backward) const {
  // FlashAttention-2 reaches 50-73% of A100 peak forward and less backward (Dao 2023, arXiv 2307.08691); fused
  // attention on Hopper (FlashAttention-3, cuDNN) 60-75% forward. As a share of the GEMM ceiling: 0.8 forward,
  // 0.65 backward (estimates).
  return compute_ceiling(device.kind, dtype) * (backward ? 0.65 : 0.8);
}

double DefaultEfficiency::memory(const Device& device, Bytes bytes) const {
  // HBM: ~90% plateau (H100 90-95%, H200 ~81%: 0.88 is the middle); DDR STREAM triad reaches ~80% of the
  // channel peak on server CPUs (estimate). Transfers below ~1 MB do not reach the plateau: half at 256 KiB.
  const double plateau = device.kind == DeviceKind::gpu ? 0.88 : 0.80;
  const double half = 256.0 * 1024;
  return plateau * bytes.value() / (bytes.value() + half);
}

double DefaultEfficiency::link(const Device& /*device*/, bool scale_out) const {
  // NCCL all-reduce bus bandwidth: ~78% of NVLink per direction on 8 x A100 (calibration-reference.md);
  // InfiniBand ring collectives reach ~85-90% of line rate (estimate: 0.85).
  return scale_out ? 0.85 : 0.78;
}

Seconds DefaultEfficiency::launch_overhead(const Device& device) const {
  // ~4 us per CUDA kernel launch in eager frameworks; ~2 us per OpenMP parallel region on a CPU (estimates).
  return Seconds(device.kind == DeviceKind::gpu ? 4e-6 : 2e-6);
}

Seconds DefaultEfficiency::link_latency(const Device& /*device*/, bool scale_out) const {
  // One ring step: ~3 us through NVLink/NVSwitch with NCCL's LL protocols, ~5 us across InfiniBand (estimates).
  return Seconds(scale_out ? 5e-6 : 3e-6);
}

}  // namespace hwsim
