// Internal to the scenario loader (sim/scenario/load*.cpp): the sections it reads, each reporting its problems into
// the loader's diagnostics so that every error of a file is listed at once.
#pragma once

#include <filesystem>
#include <string>

#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/schema.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim::scenario_load {

// Runs `fn`, moving an InputError's diagnostics into `diags`.
template <class Fn>
void collect(Diagnostics& diags, Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    for (const auto& d : e.diagnostics()) diags.add(d.where, d.key_path, d.message);
  }
}

// An InputError at `key` of the map `r` reads.
[[noreturn]] inline void bad(const Reader& r, const std::string& key, std::string message) {
  throw InputError(Diagnostic{r.where(key), r.path_of(key), std::move(message)});
}

// One workload map, validated against `schema` (training or inference), resolved against `store` (its model).
WorkloadDecl read_workload(const Reader& w, const ConfigNode& node, const EntryStore& store);

}  // namespace hwsim::scenario_load
