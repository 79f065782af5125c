// JSON Schema (draft 2020-12) of declared keys, for editors (`hwsim schema KIND --format json-schema`; a YAML
// language server validates and completes files with it). Generated from the same KeyDecl/Schema the loaders
// validate against: types, units as patterns built from the unit table, choices as enums, bounds, defaults and docs.
// Contract: values are judged as a YAML 1.2 editor reads them (`8` a number, `true` a boolean, `700 W` a string), and
// every value hwsim reads as a key's type is accepted in each form it may take (`tp: 8` and `tp: "8"`); unknown keys
// are refused and required keys required, except below a catalog entry with `base:`, which takes its keys from the
// entry it names. What the schema cannot see: how a number was spelt (`1.0` or `0x10` for a whole number), `True`
// for `true`, magnitudes of quantities with units, and the checks loaders make across keys.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/schema.hpp"

namespace hwsim {

using JsonSchema = nlohmann::ordered_json;

// The URI of the draft the schemas follow.
inline constexpr const char* kJsonSchemaDraft = "https://json-schema.org/draft/2020-12/schema";

// Builds one document: each map of keys (a Schema) becomes one entry of `$defs`, referred to by `$ref`, so shared and
// recursive maps are written once.
class JsonSchemaBuilder {
 public:
  // What `schema`'s key `key` takes, in place of what its declaration says: for `any` keys, whose loader reads them
  // (a catalog name or an inline map), and to narrow a key where the document says more (a gpu file's `kind`). The
  // declaration's doc and default are kept.
  void define(const Schema& schema, const std::string& key, JsonSchema value);

  // A reference to the map of `schema`'s keys: unknown keys refused, required keys required.
  JsonSchema map(const Schema& schema);
  // A catalog entry of `schema`: as map(), but an entry with `base:` requires no key at any depth of its maps (the
  // entry it names gives them, merged map by map; lists are replaced whole, so their items still require theirs).
  JsonSchema entry(const Schema& schema);
  // The schema of one value of a declared key (description and default included).
  JsonSchema value(const KeyDecl& key, bool inherited = false);

  // The document: `$schema`, title, description, the members of `root`, then `$defs`.
  [[nodiscard]] JsonSchema document(const std::string& title, const std::string& description,
                                    const JsonSchema& root) const;

 private:
  JsonSchema ref(const Schema& schema, bool inherited);
  JsonSchema declared_value(const KeyDecl& key, bool inherited);

  std::map<std::pair<const Schema*, std::string>, JsonSchema> defined_;
  std::map<std::pair<const Schema*, bool>, std::string> names_;  // $defs name of each map written
  JsonSchema defs_ = JsonSchema::object();
};

// The value YAML 1.2 (core schema) reads from the plain scalar `text`: a whole number, a number, true or false, or
// else the text itself (null is never a value hwsim takes, so it stays text too).
JsonSchema yaml_scalar_value(const std::string& text);

}  // namespace hwsim
