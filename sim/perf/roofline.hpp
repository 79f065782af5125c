// The time of one operation on a device (DESIGN.md "Model": per op, a roofline of its compute and memory times, plus a
// launch overhead per kernel).
#pragma once

#include <algorithm>
#include <cmath>

#include "sim/core/units.hpp"

namespace hwsim {

// Time of one operation from the time its FLOPs alone take (`compute` = FLOPs / (peak x efficiency)) and the time its
// bytes alone take (`memory` = bytes / (bandwidth x efficiency)): the roofline with a corner of sharpness p,
// (compute^p + memory^p)^(1/p). p is the device's (EfficiencyModel::roofline_corner): infinity is max(compute,
// memory), the bounds overlapping perfectly; 2 is the rounded corner sqrt(compute^2 + memory^2).
// Contract: never below the larger bound and at most 2^(1/p) times it (at the ridge, where the two are equal);
// exactly the other bound when one is zero (an element-wise operation costs its memory time); homogeneous (k times
// both bounds takes k times as long, so a group of operations of one shape costs the sum of their times). The
// operation counts as compute bound when compute >= memory.
// Source of the rounded corner on GPUs: a GEMM does not hide all its memory traffic behind its math (tile prologues
// and epilogues, the pipeline's fill and drain). Vidur's profiled H100 up-projections of Llama 2 7B ([n x 4096] .
// [4096 x 22016]) run at 689 / 721 / 751 / 749 TFLOP/s for n = 512 / 1024 / 2048 / 4096 tokens; with the default
// efficiencies max() of the two times gives 733 / 759 / 773 / 781 and the rounded corner 640 / 722 / 758 / 773
// (calibration-reference.md sections 3.4 and 7.2(b): "a smooth max (t_c^p + t_m^p)^(1/p) ... so the roofline corner
// is rounded as the Vidur data show"; p = 2 fits these points better than max or p = 3). Below the ridge the same
// product's effective bandwidth falls from 2825 GB/s at n = 8 to 2783 at n = 64 and 2634 at n = 128 (section 3.4)
// as its compute time grows, where max() would keep it flat.
inline Seconds op_time(Seconds compute, Seconds memory, double corner) {
  if (std::isinf(corner)) return Seconds(std::max(compute.value(), memory.value()));
  // sqrt of the sum of squares rather than std::hypot, whose overflow guards cost more than the rest of a pass's
  // arithmetic; times in seconds are far from the range where the squares could overflow or underflow.
  if (corner == 2.0) return Seconds(std::sqrt(compute.value() * compute.value() + memory.value() * memory.value()));
  return Seconds(std::pow(std::pow(compute.value(), corner) + std::pow(memory.value(), corner), 1.0 / corner));
}

// Kernels one transformer layer launches in a forward pass with fused attention: norms, QKV, attention, output
// projection, MLP, residual adds (estimate from Megatron-LM traces). Each costs EfficiencyModel::launch_overhead.
inline constexpr double kKernelsPerLayer = 12.0;

}  // namespace hwsim
