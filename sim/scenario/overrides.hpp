// The one override engine: `--set PATH=VALUE`, sweep axes (`--vary`), uncertainty samples and drift attribution
// all change a scenario's inputs through it. Paths are dotted: facility.KEY, deployments.NAME.KEY,
// workloads.NAME.KEY[.SUB], hw.ENTRY.KEY[.SUB], anything else below the document's root.
// Contract: an override is applied to the YAML before validation (so a path that misses a declared key is reported
// like a typo in the file); engine_setter() is the same override's fast route for keys that nothing but the engine
// reads, and gives the same scenario as reloading would.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/core/errors.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim {

// "a.b.c" -> {"a", "b", "c"}.
std::vector<std::string> split_path(const std::string& path);

// `--set` assignments that name a catalog entry (hw.ENTRY.KEY), kept until the catalog is read.
struct CatalogOverride {
  std::string entry;
  std::vector<std::string> keys;
  ConfigNode value;
};

// Applies one "PATH=VALUE" to the scenario document `root`, or records it in `catalog_overrides`; problems (no such
// deployment, malformed path) go to `diags`, located at "--set PATH=VALUE".
void apply_override(ConfigNode& root, const std::string& assignment, std::vector<CatalogOverride>& catalog_overrides,
                    Diagnostics& diags);

// Applies the recorded catalog overrides to the entries of `store` (an unknown entry is reported with the closest
// name).
void apply_catalog_overrides(EntryStore& store, const std::vector<CatalogOverride>& overrides, Diagnostics& diags);

// The assignment "PATH=VALUE UNIT" for a numeric value (uncertainty samples, sweep ranges).
std::string override_text(const std::string& path, double value, const std::string& unit);

// The fast route of an override: writes into a loaded scenario the value that `probe` (the scenario loaded with
// that one override) holds at `path`. Empty when the key is read at load time (derived figures, catalog entries),
// which then needs a reload.
using ScenarioSetter = std::function<void(Scenario&)>;
ScenarioSetter engine_setter(const std::vector<std::string>& path, const Scenario& probe);

}  // namespace hwsim
