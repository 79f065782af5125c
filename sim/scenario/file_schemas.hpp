// The JSON Schema of each file kind `hwsim schema KIND` knows (`--format json-schema`), built by the one generator
// (sim/core/json_schema.hpp) from the kinds' declarations. Here lies what the declarations leave to the loaders: a
// catalog entry's `base:` and provenance `sources:`, and the scenario's `any` keys, each as its loader reads it
// (`catalog:` directories and inline entries by their kind, `facility:` a name or a map, `workloads:` by their
// kind, a workload's `model:` a name or an inline map).
#pragma once

#include <string>
#include <vector>

#include "sim/core/json_schema.hpp"

namespace hwsim {

// gpu, cpu, node, network, cluster, rack, facility, model (catalog entries), scenario, training, inference (one
// workload), profile (calibration), sources (the source registry).
const std::vector<std::string>& file_kinds();

// The keys a catalog file of `kind` may hold: the kind's declared keys, then (hardware kinds) the provenance
// `sources:` the entry store keeps beside them.
const Schema& catalog_file_schema(const std::string& kind);

// The JSON Schema document of a file of `kind` (one of file_kinds()).
JsonSchema file_json_schema(const std::string& kind);

}  // namespace hwsim
