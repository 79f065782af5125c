// The time of one operation on a device, the one rule training and inference share (DESIGN.md "Model": per op, a
// roofline of its compute and memory times, plus a launch overhead per kernel).
#pragma once

#include "sim/core/units.hpp"

namespace hwsim {

// Kernels one transformer layer launches in a forward pass with fused attention: norms, QKV, attention, output
// projection, MLP, residual adds (estimate from Megatron-LM traces). Each costs EfficiencyModel::launch_overhead.
inline constexpr double kKernelsPerLayer = 12.0;

}  // namespace hwsim
