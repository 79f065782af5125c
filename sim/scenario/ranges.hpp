// Range-valued inputs (`LO..HI UNIT`, DESIGN.md Units): where a scenario and the catalog entries it reaches give a
// range instead of a value, recorded by `--set` path for the uncertainty analysis (sim/plan/uncertainty.hpp).
#pragma once

#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim {

// The ranges of the facility (`facility` is the merged facility map), the deployments and workloads of `document`,
// and the hardware entries the deployments and the facility reach (hw.ENTRY.KEY); one per path, first wins.
std::vector<RangeInput> collect_ranges(const ConfigNode& document, const ConfigNode& facility, const EntryStore& store);

}  // namespace hwsim
