// Catalog entries as read from YAML, before they become typed specs: one entry per file (or inline in a scenario),
// indexed by `name:`, with `base:` inheritance resolved. Contract: a file holds one entry whose `name` equals the
// file's stem; names are unique across all directories; `base` names an entry of the same kind; cycles are errors.
// `sources:` (the ids of the publications the entry's figures cite) is provenance, not an input: it is kept beside
// the entry's keys, never among them, so inputs, `--set`, sweeps and baselines do not see it; through `base:` an
// entry cites its own sources and then those of the entries it inherits from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"

namespace hwsim {

inline const std::vector<std::string>& catalog_kinds() {
  static const std::vector<std::string> kinds{"gpu", "cpu", "node", "network", "cluster", "rack", "facility", "model"};
  return kinds;
}

// What one catalog directory may hold (the shipped catalog has a few hundred files, under 1 MiB): beyond these it is
// refused as the wrong directory rather than read for minutes.
inline constexpr std::size_t kMaxCatalogFiles = 10000;
inline constexpr std::uintmax_t kMaxCatalogBytes = 64ULL << 20;
inline constexpr int kMaxCatalogDepth = 16;

// The longest `base:` chain an entry may derive through.
inline constexpr int kMaxBaseDepth = 64;

struct RawEntry {
  std::string name;
  std::string kind;
  std::string file;  // display path of the file that defines it ("<scenario.yaml inline>" for inline entries)
  ConfigNode node;   // with `base:` chains merged in (after resolve()); without `sources:`
  // The `sources:` value as written (null when absent); after resolve(), a sequence of the entry's own ids followed
  // by its base chain's not already listed, each item keeping the file and line it was written at.
  ConfigNode sources;
};

class EntryStore {
 public:
  // Reads every *.yaml below `dir` (recursively, sorted). Problems are added to `diags`.
  void add_directory(const std::filesystem::path& dir, Diagnostics& diags);
  void add_entry(ConfigNode node, const std::string& file, Diagnostics& diags, bool check_file_name);
  // Merges `base:` chains. Call once after all entries are added.
  void resolve(Diagnostics& diags);

  [[nodiscard]] const RawEntry* find(const std::string& name) const;
  RawEntry* find_mutable(const std::string& name);
  [[nodiscard]] std::vector<const RawEntry*> of_kind(const std::string& kind) const;  // sorted by name
  [[nodiscard]] std::vector<std::string> names_of_kind(const std::string& kind) const;

 private:
  std::map<std::string, RawEntry> entries_;
};

}  // namespace hwsim
