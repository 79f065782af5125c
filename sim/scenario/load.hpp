// Reading a scenario: parse -> apply overrides -> validate against the declared keys -> resolve against the
// catalog -> an immutable Scenario (sim/scenario/scenario.hpp). Planning code receives the Scenario, never YAML.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim {

struct LoadOptions {
  std::vector<std::filesystem::path> catalog_dirs;  // in addition to the defaults
  std::vector<std::string> sets;                    // "PATH=VALUE" (sim/scenario/overrides.hpp)
  // Read once by callers that load one scenario many times (ScenarioSource): the scenario document and the catalog
  // directories (defaults + catalog_dirs), both before any override. Absent: read from disk.
  const ConfigNode* document = nullptr;
  const EntryStore* catalog = nullptr;
  std::vector<InputValue>* inputs = nullptr;  // when given, receives every input the scenario used
};

// Loads, validates and resolves a scenario. Throws InputError listing every problem (file:line: key: message).
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options);

// A scenario file read once, its YAML document and its catalog directories, from which the scenario is loaded with
// any further overrides without reading the disk again (uncertainty samples, sweep points, drift attribution).
// Contract: load(extra) is load_scenario(file, options) with `extra` appended to the options' sets.
class ScenarioSource {
 public:
  ScenarioSource(std::filesystem::path file, LoadOptions options);

  [[nodiscard]] Scenario load(const std::vector<std::string>& extra_sets = {},
                              std::vector<InputValue>* inputs = nullptr) const;
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  [[nodiscard]] const LoadOptions& options() const { return options_; }
  [[nodiscard]] const ConfigNode& document() const { return *document_; }
  // Every entry of the catalog directories.
  [[nodiscard]] const EntryStore& catalog() const { return *all_entries_; }
  // Loads from now on read only the catalog entries reachable by name from the document and from `names` (and the
  // entries those name: base:, a node's GPU, its network, ...): fewer entries load faster. widen() goes back to the
  // whole catalog and returns whether the source was narrowed.
  void narrow_to(std::vector<std::string> names);
  bool widen();

 private:
  std::filesystem::path file_;
  LoadOptions options_;
  // Held by pointer so that the pointers in options_ stay valid when the source moves.
  std::unique_ptr<ConfigNode> document_;
  std::unique_ptr<EntryStore> all_entries_;
  std::unique_ptr<EntryStore> narrowed_;
};

}  // namespace hwsim
