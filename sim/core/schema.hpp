// Declared YAML keys. Each key of each file kind is declared once, here-shaped, with its type, unit, default and a
// one-line doc; validation, defaults and the printed schema (`hwsim schema`) all come from the declaration.
// Contract: validate() reports every problem of a document at once (unknown keys with the closest valid one,
// missing required keys, wrong types, wrong units, out-of-range numbers); Reader then reads only declared keys,
// so a loader can never silently take a default for a typo.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

enum class ValueKind {
  quantity,
  integer,
  number,
  boolean,
  text,
  choice,
  map,
  list_of_choices,
  list_of_texts,
  list_of_maps,
  any
};

struct Schema;

// The largest whole number any key takes (a 32-bit int: loaders narrow integers to int).
inline constexpr long long kMaxInteger = 2147483647;

struct KeyDecl {
  std::string name;
  ValueKind kind = ValueKind::text;
  Dimension dimension = Dimension::dimensionless;  // for quantity
  bool required = false;
  std::string default_text;          // YAML text of the default ("" = no default: absent means "not given")
  std::vector<std::string> choices;  // for choice / list_of_choices; for quantity and integer: allowed bare words
  const Schema* child = nullptr;     // for map / list_of_maps
  std::optional<double> minimum;     // for quantity / integer / number (inclusive)
  // For quantity / integer / number (inclusive). Every integer is also at most kMaxInteger, so that the int the
  // loaders narrow it to holds it.
  std::optional<double> maximum;
  std::string doc;
};

struct Schema {
  std::string name;  // "gpu", "scenario.deployment"
  std::vector<KeyDecl> keys;

  [[nodiscard]] const KeyDecl* find(const std::string& key) const;
  [[nodiscard]] std::vector<std::string> key_names() const;
};

// Checks `node` against `schema`; appends every problem to `diags`. `path` prefixes key paths ("memory.hbm").
void validate(const ConfigNode& node, const Schema& schema, Diagnostics& diags, const std::string& path = "");

// Human-readable listing of a schema, nested maps indented.
std::string describe_schema(const Schema& schema);

class Reader {
 public:
  Reader(const ConfigNode& node, const Schema& schema, std::string path = "");

  [[nodiscard]] bool has(const std::string& key) const;
  // A bare word given instead of a value (`count: fill`, `batch: auto`), when the declaration allows it.
  [[nodiscard]] bool is_word(const std::string& key, const std::string& word) const;

  [[nodiscard]] double quantity(const std::string& key) const;  // SI value; the default when absent
  [[nodiscard]] std::optional<double> optional_quantity(const std::string& key) const;
  [[nodiscard]] ParsedQuantity parsed_quantity(const std::string& key) const;
  [[nodiscard]] long long integer(const std::string& key) const;
  [[nodiscard]] std::optional<long long> optional_integer(const std::string& key) const;
  [[nodiscard]] double number(const std::string& key) const;
  [[nodiscard]] std::optional<double> optional_number(const std::string& key) const;
  [[nodiscard]] bool boolean(const std::string& key) const;
  [[nodiscard]] std::string text(const std::string& key) const;  // text or choice; "" when absent without default
  [[nodiscard]] std::vector<std::string> strings(const std::string& key) const;
  [[nodiscard]] Reader child(const std::string& key) const;  // an absent map reads as empty (defaults apply)
  [[nodiscard]] std::vector<Reader> list(const std::string& key) const;
  // Keys present in a map (e.g. the dtypes listed under tensor_flops_per_clock), in document order.
  [[nodiscard]] std::vector<std::string> present_keys() const;

  [[nodiscard]] SourceLocation where(const std::string& key) const;  // of the key's value, else of this map
  [[nodiscard]] const SourceLocation& where() const { return node_->where; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string path_of(const std::string& key) const;
  [[nodiscard]] const ConfigNode& node() const { return *node_; }

 private:
  const KeyDecl& decl(const std::string& key) const;
  const ConfigNode* value_or_default(const std::string& key, ConfigNode& storage) const;

  const ConfigNode* node_;
  const Schema* schema_;
  std::string path_;
};

}  // namespace hwsim
