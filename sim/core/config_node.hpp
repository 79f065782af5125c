// A YAML document as a plain tree that remembers, for every value, the file, line and column it came from.
// Contract: yaml-cpp is used only to parse; catalog inheritance (`base:`), command-line overrides (`--set`) and
// scenario-inline entries all operate on this tree, so every error can still point at the line that caused it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/errors.hpp"

namespace hwsim {

struct ConfigEntry;

class ConfigNode {
 public:
  enum class Kind { null, scalar, map, sequence };

  Kind kind = Kind::null;
  std::string scalar;        // for Kind::scalar
  SourceLocation where;      // of the value
  SourceLocation key_where;  // of the key that names this value in its parent map (when there is one)
  // For Kind::map, in document order. A struct of its own rather than std::pair: a pair of an incomplete type does
  // not compile with clang and libstdc++ (the pair's constructor constraints need ConfigNode complete).
  std::vector<ConfigEntry> entries;
  std::vector<ConfigNode> items;  // for Kind::sequence

  [[nodiscard]] bool is_map() const { return kind == Kind::map; }
  [[nodiscard]] bool is_scalar() const { return kind == Kind::scalar; }
  [[nodiscard]] bool is_sequence() const { return kind == Kind::sequence; }
  [[nodiscard]] const ConfigNode* find(std::string_view key) const;
  ConfigNode* find(std::string_view key);
  // Sets (or adds) a key of a map node.
  void set(const std::string& key, ConfigNode value);
  void erase(std::string_view key);

  static ConfigNode make_scalar(std::string text, SourceLocation where);
  static ConfigNode make_map(SourceLocation where);
};

struct ConfigEntry {
  std::string key;
  ConfigNode value;
};

// Parses a file. Syntax errors and duplicate keys throw InputError with file:line:col.
// Limits on what a YAML file may hold (bad input beyond them, never unbounded memory or time): its size, its values
// once aliases are expanded, and its nesting.
inline constexpr long long kMaxInputBytes = 16LL << 20;
inline constexpr long long kMaxYamlNodes = 100000;
inline constexpr int kMaxYamlDepth = 64;

// The first byte of `text` that is not UTF-8, as a location in `file`; none when all of it is.
std::optional<SourceLocation> invalid_utf8(std::string_view text, const std::string& file);

// The first character of `text` that no value may hold, as "U+001B"; empty when none. Refused: C0 controls other
// than tab and newline (every one of them in a key), DEL, C1 controls and the bidirectional overrides (U+202A..U+202E,
// U+2066..U+2069) that make a name display as something else. Names reach terminals, CSV, Markdown and HTML. The
// YAML reader and `--set` both apply it.
std::string forbidden_character(std::string_view text, bool key);

ConfigNode load_yaml_file(const std::filesystem::path& path, const std::string& display_name);
ConfigNode parse_yaml_text(std::string_view text, const std::string& display_name);

// `over` on top of `base`: maps merge key by key (recursively), anything else in `over` replaces.
ConfigNode merge_config(const ConfigNode& base, const ConfigNode& over);

}  // namespace hwsim
