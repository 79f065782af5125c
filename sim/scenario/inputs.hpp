// The inputs of an evaluation, flattened to the paths `--set` takes, each with its value and provenance: the
// scenario's own keys (facility.pue, deployments.NAME.count, workloads.NAME.sla.tpot) and every key of every
// catalog entry the scenario reaches (hw.NAME.KEY, models included). Baselines store them, and drift attribution
// reverts the ones that changed through the same override mechanism as `--set`.
// Contract: paths are unique and sorted; a catalog value inherited through `base:` is listed once, under the entry
// that states it; values given by `--set` name the override as their source. A calibration profile adds its
// figures here under its own prefix, with the profile file as the source.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace hwsim {

std::vector<InputValue> collect_inputs(const ConfigNode& document, const EntryStore& catalog, const Scenario& scenario);

// A source location as stored in baselines: paths inside the project tree relative to its root, others relative
// to the current directory, so baselines do not depend on where the checkout lives.
std::string portable_source(const SourceLocation& where);

}  // namespace hwsim
