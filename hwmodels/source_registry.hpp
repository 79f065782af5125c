// The source registry (hwmodels/sources.yaml): every publication the hardware catalog cites, by id. Catalog entries
// list the ids their figures cite under `sources:`; `hwsim hw show NAME` prints those sources from here.
// Contract: ids are two or more lowercase words joined by '_' (so that a comment can cite one: "# glk_h100") and
// unique; each source has a title, a publisher, a date (YYYY, YYYY-MM, or `unknown`) and exactly one of `url` (http
// or https) or `citation` (how to find a document whose address is not known). Loading reports every problem of
// the file at once, with file:line:col.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/schema.hpp"

namespace hwsim {

struct Source {
  std::string id;
  std::string title;
  std::string publisher;
  std::string date;         // "2022", "2022-11" or "unknown"
  std::string url;          // empty when `citation` is given
  std::string citation;     // empty when `url` is given
  std::string note;         // what the document is or quotes, when the title does not say it; may be empty
  std::string reliability;  // "high", "medium", "low"; may be empty
};

class SourceRegistry {
 public:
  // Reads and validates a registry file; throws InputError listing every problem.
  static SourceRegistry load(const std::filesystem::path& file);
  // The registry at default_source_registry() (hwmodels/sources.yaml or HWSIM_SOURCES), read once per process.
  static const SourceRegistry& shipped();

  [[nodiscard]] const Source* find(const std::string& id) const;
  [[nodiscard]] std::vector<std::string> ids() const;  // in file order
  [[nodiscard]] const std::vector<Source>& all() const { return sources_; }
  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  std::vector<Source> sources_;
  std::string file_;
};

// The registry file's declared keys (`hwsim schema sources`).
const Schema& source_registry_schema();

// An entry's `sources:` (RawEntry::sources, base chain included) looked up in `registry`, in order. Problems go to
// `diags` at the line that wrote them: not a list of ids, an id listed twice, or an id the registry lacks (with the
// closest known id).
std::vector<Source> lookup_sources(const ConfigNode& sources, const SourceRegistry& registry, Diagnostics& diags);

}  // namespace hwsim
