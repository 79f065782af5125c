// Uncertainty and sensitivity of a scenario's results to its range inputs (`LO..HI UNIT`, DESIGN.md Units).
// Contract: each range is uniform between its ends. Propagation re-loads and re-evaluates the scenario with every
// range input `--set` to Latin-hypercube samples (stratum centres, strata paired by a seeded shuffle: the same
// inputs give the same figures), and reports P10/P50/P90 of every metric of every result. Sensitivity is
// one-at-a-time: each input at its low and at its high end, the others at their midpoints; elasticity =
// ((Y_high - Y_low) / Y_mid) / ((X_high - X_low) / X_mid) for $/M tokens and throughput (with Y_low and Y_high
// kept for tornado charts); inputs that leave a result unchanged are not listed for it. A scenario without range
// inputs gets neither (the fields stay empty, never zero-filled).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/plan/evaluate.hpp"
#include "sim/plan/metrics.hpp"
#include "sim/scenario/load.hpp"

namespace hwsim {

struct UncertaintyOptions {
  int samples = 64;  // Latin-hypercube samples; 0 turns the analysis off
  int threads = 1;   // evaluations run in parallel
  std::uint64_t seed = 0x5eed;
};

// The value of quantile q (0..1) of `values` (sorted in place), linearly interpolated between order statistics.
double quantile(std::vector<double>& values, double q);

// The `--set` assignments of one Latin-hypercube sample: `samples` rows, one "PATH=VALUE UNIT" per range input.
std::vector<std::vector<std::string>> latin_hypercube_sets(const std::vector<RangeInput>& ranges, int samples,
                                                           std::uint64_t seed);

// Fills `uncertainty` and `sensitivity` of every result of `evaluation` (the point evaluation of `scenario`, loaded
// from `source`); each sample is loaded from `source` with its overrides, without reading the disk again.
// Re-evaluations that fail to load report their InputError like the scenario itself would.
void add_uncertainty(Evaluation& evaluation, const Scenario& scenario, const ScenarioSource& source,
                     const EfficiencyModel& efficiency, const UncertaintyOptions& options);

}  // namespace hwsim
