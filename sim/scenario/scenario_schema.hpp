// The declared keys of a scenario file (`hwsim schema scenario|training|inference`): one declaration per key with
// its type, unit, default and doc, used by the loader, the override paths (`--set`, `--vary`) and the CLI.
#pragma once

#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/core/schema.hpp"

namespace hwsim {

const Schema& scenario_schema();
const Schema& training_workload_schema();
const Schema& inference_workload_schema();

// The declaration of the key a `--set` path names (facility.KEY, deployments.NAME.KEY, workloads.NAME.KEY[.SUB],
// hw.ENTRY.KEY[.SUB]) in `document` and `catalog`; nullptr when the path names no declared key.
const KeyDecl* declared_key(const std::vector<std::string>& path, const ConfigNode& document,
                            const EntryStore& catalog);

}  // namespace hwsim
