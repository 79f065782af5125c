#include "sim/core/json_schema.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <regex>
#include <string_view>

#include "sim/core/units.hpp"

namespace hwsim {

namespace {

// How a document refers to one of its maps.
constexpr std::string_view kDefsRef = "#/$defs/";

// The largest magnitude a number takes (units.cpp checked_magnitude: 1e30 in SI units).
constexpr double kLargestNumber = 1e30;

// A bound as JSON: whole numbers as integers (`1`, not `1.0`).
JsonSchema bound(double v) {
  if (std::fabs(v) < 9007199254740992.0 && v == std::floor(v)) return static_cast<long long>(v);
  return v;
}

// The sign a number of `key` must have: a quantity without a minimum is above zero (schema.cpp validate_quantity).
NumberSign sign_of(const KeyDecl& key) {
  if (!key.minimum) return key.kind == ValueKind::quantity ? NumberSign::positive : NumberSign::any;
  if (*key.minimum > 0) return NumberSign::positive;
  return *key.minimum >= 0 ? NumberSign::non_negative : NumberSign::any;
}

// What a pattern wants, in the words of hwsim's own messages: editors print it instead of the regular expression
// (`patternErrorMessage`, a keyword of vscode-json-languageservice that other validators ignore).
std::string number_words(NumberSign sign) {
  const char* above = sign == NumberSign::positive       ? " above 0"
                      : sign == NumberSign::non_negative ? " of 0 or more"
                                                         : "";
  return fmt::format("a decimal number{}, or a range LO..HI", above);
}

std::string quantity_words(Dimension dim, NumberSign sign) {
  if (dim == Dimension::dimensionless) return fmt::format("expected a plain number (no unit): {}", number_words(sign));
  std::string units;
  for (const auto& u : unit_symbols(dim)) units += (units.empty() ? "" : ", ") + u;
  return fmt::format("expected {} (e.g. {}): {}, then a unit: {}", dimension_name(dim), dimension_example(dim),
                     number_words(sign), units);
}

// The choices as a YAML editor may read them: each as text, and as the number or boolean a plain `0` is.
JsonSchema choice_values(const std::vector<std::string>& choices) {
  JsonSchema values = JsonSchema::array();
  for (const auto& c : choices) {
    values.push_back(c);
    if (JsonSchema v = yaml_scalar_value(c); !v.is_string()) values.push_back(std::move(v));
  }
  return values;
}

// A value of `typed` or one of the bare words the key also takes (`count: fill`, `batch: auto`).
JsonSchema or_words(JsonSchema typed, const std::vector<std::string>& words) {
  if (words.empty()) return typed;
  return {{"anyOf", JsonSchema::array({std::move(typed), {{"enum", choice_values(words)}}})}};
}

// A plain number (YAML reads `1.3` as a number, `1.2..1.5` and `1e9` quoted as text): within the magnitudes
// parse_quantity takes and the key's bounds; as text, a number or range the pattern admits.
JsonSchema plain_number(const KeyDecl& key) {
  JsonSchema v{{"type", JsonSchema::array({"number", "string"})}};
  const NumberSign sign = sign_of(key);
  if (sign == NumberSign::positive && !key.minimum) {
    v["exclusiveMinimum"] = 0;
  } else {
    v["minimum"] = bound(std::max(key.minimum.value_or(-kLargestNumber), -kLargestNumber));
  }
  v["maximum"] = bound(std::min(key.maximum.value_or(kLargestNumber), kLargestNumber));
  v["pattern"] = quantity_pattern(Dimension::dimensionless, sign);
  v["patternErrorMessage"] = quantity_words(Dimension::dimensionless, sign);
  return v;
}

JsonSchema whole_number(const KeyDecl& key) {
  const double low = std::max(key.minimum.value_or(-static_cast<double>(kMaxInteger)), -double(kMaxInteger));
  const double high = std::min(key.maximum.value_or(static_cast<double>(kMaxInteger)), double(kMaxInteger));
  // As text (quoted): digits with a sign, as schema.cpp parse_integer reads them.
  return {{"type", JsonSchema::array({"integer", "string"})},
          {"minimum", bound(low)},
          {"maximum", bound(high)},
          {"pattern", low >= 0 ? "^\\+?[0-9]+$" : "^[+-]?[0-9]+$"},
          {"patternErrorMessage", low >= 0 ? "expected a whole number of 0 or more" : "expected a whole number"}};
}

// One line of text: any scalar (`name: 2024` is a number to YAML and text to hwsim), no tab or line break.
JsonSchema text_value() {
  return {{"type", JsonSchema::array({"string", "number", "boolean"})},
          {"pattern", "^[^\\t\\n]*$"},
          {"patternErrorMessage", "expected one line of text (no line breaks or tabs)"}};
}

// The name of a map in `$defs`: its schema's name with anything but letters, digits, '.', '_' and '-' as '-'.
std::string def_name(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    if (plain) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "map" : out;
}

}  // namespace

JsonSchema yaml_scalar_value(const std::string& text) {
  static const std::regex decimal("[-+]?[0-9]+");
  static const std::regex octal("0o[0-7]+");
  static const std::regex hexadecimal("0x[0-9a-fA-F]+");
  static const std::regex floating("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  try {
    if (std::regex_match(text, decimal)) return std::stoll(text);
    if (std::regex_match(text, octal)) return std::stoll(text.substr(2), nullptr, 8);
    if (std::regex_match(text, hexadecimal)) return std::stoll(text.substr(2), nullptr, 16);
    if (std::regex_match(text, floating)) return std::stod(text);
  } catch (const std::out_of_range&) {
    // beyond a long long or a double: YAML's value is not one JSON holds exactly; the text stands
  }
  return text;
}

void JsonSchemaBuilder::define(const Schema& schema, const std::string& key, JsonSchema value) {
  defined_[{&schema, key}] = std::move(value);
}

JsonSchema JsonSchemaBuilder::map(const Schema& schema) { return ref(schema, false); }

JsonSchema JsonSchemaBuilder::entry(const Schema& schema) {
  return {
      {"if", {{"required", JsonSchema::array({"base"})}}}, {"then", ref(schema, true)}, {"else", ref(schema, false)}};
}

JsonSchema JsonSchemaBuilder::value(const KeyDecl& key, bool inherited) {
  JsonSchema out{{"description", key.doc}};
  out.update(declared_value(key, inherited));
  // The default as YAML reads its text (`0.05` a number, `auto` a word); a quantity's stays text (`0 W`).
  if (!key.default_text.empty()) out["default"] = yaml_scalar_value(key.default_text);
  return out;
}

JsonSchema JsonSchemaBuilder::declared_value(const KeyDecl& key, bool inherited) {
  switch (key.kind) {
    case ValueKind::quantity:
      if (key.dimension == Dimension::dimensionless) return or_words(plain_number(key), key.choices);
      return or_words({{"type", "string"},
                       {"pattern", quantity_pattern(key.dimension, sign_of(key))},
                       {"patternErrorMessage", quantity_words(key.dimension, sign_of(key))},
                       {"examples", JsonSchema::array({std::string(dimension_example(key.dimension))})}},
                      key.choices);
    case ValueKind::integer: return or_words(whole_number(key), key.choices);
    case ValueKind::number: return plain_number(key);
    case ValueKind::boolean: return {{"enum", JsonSchema::array({true, false, "true", "false"})}};
    case ValueKind::text: return text_value();
    case ValueKind::choice: return {{"enum", choice_values(key.choices)}};
    case ValueKind::map: return or_words(ref(*key.child, inherited), key.choices);
    case ValueKind::list_of_choices: return {{"type", "array"}, {"items", {{"enum", choice_values(key.choices)}}}};
    case ValueKind::list_of_texts: return {{"type", "array"}, {"items", text_value()}};
    // A list replaces the inherited one whole: its items require their keys even below `base:`.
    case ValueKind::list_of_maps: return {{"type", "array"}, {"items", ref(*key.child, false)}};
    case ValueKind::any: return JsonSchema::object();
  }
  return JsonSchema::object();
}

JsonSchema JsonSchemaBuilder::ref(const Schema& schema, bool inherited) {
  const auto id = std::make_pair(&schema, inherited);
  auto it = names_.find(id);
  if (it == names_.end()) {
    const std::string stem = def_name(schema.name) + (inherited ? "-with-base" : "");
    std::string name = stem;
    for (int n = 2; defs_.contains(name); ++n) name = stem + "-" + std::to_string(n);
    defs_[name] = nullptr;  // named before its keys are written: a map that contains itself refers to the name
    it = names_.emplace(id, name).first;
    JsonSchema properties = JsonSchema::object();
    JsonSchema required = JsonSchema::array();
    for (const auto& key : schema.keys) {
      const auto own = defined_.find({&schema, key.name});
      if (own == defined_.end()) {
        properties[key.name] = value(key, inherited);
      } else {
        JsonSchema v{{"description", key.doc}};
        v.update(own->second);
        if (!key.default_text.empty()) v["default"] = yaml_scalar_value(key.default_text);
        properties[key.name] = std::move(v);
      }
      if (key.required && !inherited) required.push_back(key.name);
    }
    JsonSchema def{{"title", inherited ? schema.name + " (with base:)" : schema.name},
                   {"type", "object"},
                   {"properties", std::move(properties)},
                   {"additionalProperties", false}};
    if (!required.empty()) def["required"] = std::move(required);
    defs_[name] = std::move(def);
  }
  return {{"$ref", std::string(kDefsRef) + it->second}};
}

JsonSchema JsonSchemaBuilder::document(const std::string& title, const std::string& description,
                                       const JsonSchema& root) const {
  JsonSchema out{{"$schema", kJsonSchemaDraft}, {"title", title}, {"description", description}};
  for (const auto& [k, v] : root.items()) out[k] = v;
  if (defs_.empty()) return out;
  // The maps the root names first (the document's own keys), then the others as they were first referred to.
  JsonSchema defs = JsonSchema::object();
  for (const JsonSchema& branch : {root, root.value("else", JsonSchema()), root.value("then", JsonSchema())}) {
    if (!branch.is_object() || !branch.contains("$ref")) continue;
    const std::string name = branch.at("$ref").get<std::string>().substr(kDefsRef.size());
    if (defs_.contains(name)) defs[name] = defs_.at(name);
  }
  for (const auto& [name, def] : defs_.items()) {
    if (!defs.contains(name)) defs[name] = def;
  }
  out["$defs"] = std::move(defs);
  return out;
}

}  // namespace hwsim
