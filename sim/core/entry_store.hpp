// Catalog entries as read from YAML, before they become typed specs: one entry per file (or inline in a scenario),
// indexed by `name:`, with `base:` inheritance resolved. Contract: a file holds one entry whose `name` equals the
// file's stem; names are unique across all directories; `base` names an entry of the same kind; cycles are errors.
#pragma once

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

struct RawEntry {
  std::string name;
  std::string kind;
  std::string file;   // display path of the file that defines it ("<scenario.yaml inline>" for inline entries)
  ConfigNode node;    // with `base:` chains merged in (after resolve())
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
