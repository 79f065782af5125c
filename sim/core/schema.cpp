#include "sim/core/schema.hpp"

#include <fmt/format.h>
#include <cmath>
#include <stdexcept>

namespace hwsim {

const KeyDecl* Schema::find(const std::string& key) const {
  for (const auto& k : keys) {
    if (k.name == key) return &k;
  }
  return nullptr;
}

std::vector<std::string> Schema::key_names() const {
  std::vector<std::string> names;
  for (const auto& k : keys) names.push_back(k.name);
  return names;
}

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string joined_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

bool contains(const std::vector<std::string>& words, const std::string& w) {
  for (const auto& x : words) {
    if (x == w) return true;
  }
  return false;
}

std::optional<long long> parse_integer(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (std::size_t j = i; j < s.size(); ++j) {
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  }
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> parse_plain_number(const std::string& s) {
  try {
    const ParsedQuantity q = parse_quantity(s);
    if (q.dimension != Dimension::dimensionless) return std::nullopt;
    return q.value;
  } catch (const UnitError&) {
    return std::nullopt;
  }
}

std::string words_suffix(const KeyDecl& d) {
  if (d.choices.empty()) return "";
  return fmt::format(" or one of: {}", join(d.choices));
}

// "a bandwidth", "an energy", "an hourly price": the dimension's name with its indefinite article.
std::string with_article(std::string_view noun) {
  const bool vowel_sound = !noun.empty() && (std::string_view("aeiou").find(noun.front()) != std::string_view::npos ||
                                             noun.starts_with("hour"));
  return fmt::format("{} {}", vowel_sound ? "an" : "a", noun);
}

std::string below_minimum(double v, const KeyDecl& d) {
  if (d.minimum && v < *d.minimum) return fmt::format("must be at least {:g}, got {:g}", *d.minimum, v);
  if (d.maximum && v > *d.maximum) return fmt::format("must be at most {:.0f}, got {:.15g}", *d.maximum, v);
  return "";
}

// What is wrong with `text` as the whole number `d` takes ("" when nothing): not a whole number, beyond the 32-bit
// ints the loaders narrow to, or outside the key's own bounds.
std::string integer_problem(const std::string& text, const KeyDecl& d) {
  const auto n = parse_integer(text);
  if (!n) return fmt::format("expected a whole number{}, got \"{}\"", words_suffix(d), text);
  if (*n > kMaxInteger || *n < -kMaxInteger) {
    return fmt::format("must be {} {} (whole numbers are 32-bit), got {}", *n > 0 ? "at most" : "at least",
                       *n > 0 ? kMaxInteger : -kMaxInteger, *n);
  }
  return below_minimum(static_cast<double>(*n), d);
}

// Names and descriptions are printed in tables, CSV cells and Markdown rows: one line each.
bool one_line(const std::string& text) { return text.find_first_of("\t\n") == std::string::npos; }

// A quantity's value: its dimension, its bounds, and above zero when the key declares no minimum.
void validate_quantity(const ConfigNode& v, const KeyDecl& d, Diagnostics& diags, const std::string& path) {
  const std::string what =
      d.dimension == Dimension::dimensionless
          ? std::string("a number")
          : fmt::format("{} like \"{}\"", with_article(dimension_name(d.dimension)), dimension_example(d.dimension));
  if (!v.is_scalar()) {
    diags.add(v.where, path, fmt::format("expected {}{}", what, words_suffix(d)));
    return;
  }
  if (contains(d.choices, v.scalar)) return;
  try {
    const ParsedQuantity q = parse_quantity(v.scalar);
    if (q.dimension != d.dimension) {
      const std::string got = q.dimension == Dimension::dimensionless
                                  ? "(no unit)"
                                  : fmt::format("({})", with_article(dimension_name(q.dimension)));
      diags.add(v.where, path, fmt::format("expected {}{}, got \"{}\" {}", what, words_suffix(d), v.scalar, got));
      return;
    }
    if (std::string m = below_minimum(q.low.value_or(q.value), d); !m.empty()) diags.add(v.where, path, m);
    // A quantity that declares no minimum is a size, rate or price of something that exists: above zero (a zero
    // bandwidth or a negative capacity would divide by zero or run time backwards).
    if (!d.minimum && q.low.value_or(q.value) <= 0) {
      diags.add(v.where, path, fmt::format("must be above 0, got \"{}\"", v.scalar));
    }
  } catch (const UnitError& e) {
    if (d.dimension == Dimension::dimensionless) {
      diags.add(v.where, path, fmt::format("expected {}{}, got \"{}\"", what, words_suffix(d), v.scalar));
    } else {
      diags.add(v.where, path, fmt::format("expected {}{}: {}", what, words_suffix(d), e.what()));
    }
  }
}

void validate_value(const ConfigNode& v, const KeyDecl& d, Diagnostics& diags, const std::string& path) {
  const auto expect_scalar = [&](std::string_view what) {
    if (v.is_scalar()) return true;
    diags.add(v.where, path, fmt::format("expected {}", what));
    return false;
  };
  switch (d.kind) {
    case ValueKind::any: return;
    case ValueKind::quantity: validate_quantity(v, d, diags, path); return;
    case ValueKind::integer: {
      if (!expect_scalar("a whole number" + words_suffix(d))) return;
      if (contains(d.choices, v.scalar)) return;
      if (std::string m = integer_problem(v.scalar, d); !m.empty()) diags.add(v.where, path, m);
      return;
    }
    case ValueKind::number: {
      if (!expect_scalar("a number")) return;
      const auto n = parse_plain_number(v.scalar);
      if (!n) {
        diags.add(v.where, path, fmt::format("expected a plain number (no unit), got \"{}\"", v.scalar));
        return;
      }
      if (std::string m = below_minimum(*n, d); !m.empty()) diags.add(v.where, path, m);
      return;
    }
    case ValueKind::boolean:
      if (!expect_scalar("true or false")) return;
      if (v.scalar != "true" && v.scalar != "false") {
        diags.add(v.where, path, fmt::format("expected true or false, got \"{}\"", v.scalar));
      }
      return;
    case ValueKind::text:
      if (expect_scalar("a text value") && !one_line(v.scalar)) {
        diags.add(v.where, path, "expected one line of text (no line breaks or tabs)");
      }
      return;
    case ValueKind::choice: {
      if (!expect_scalar(fmt::format("one of: {}", join(d.choices)))) return;
      if (contains(d.choices, v.scalar)) return;
      const std::string near = closest_match(v.scalar, d.choices);
      diags.add(v.where, path,
                fmt::format("expected one of: {}; got \"{}\"{}", join(d.choices), v.scalar,
                            near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      return;
    }
    case ValueKind::list_of_choices: {
      if (!v.is_sequence()) {
        diags.add(v.where, path, fmt::format("expected a list of: {}", join(d.choices)));
        return;
      }
      KeyDecl item = d;
      item.kind = ValueKind::choice;
      for (const auto& x : v.items) validate_value(x, item, diags, path);
      return;
    }
    case ValueKind::list_of_texts:
      if (!v.is_sequence()) {
        diags.add(v.where, path, "expected a list of text values ([a, b])");
        return;
      }
      for (const auto& x : v.items) {
        if (!x.is_scalar()) {
          diags.add(x.where, path, "expected a text value");
        } else if (!one_line(x.scalar)) {
          diags.add(x.where, path, "expected one line of text (no line breaks or tabs)");
        }
      }
      return;
    case ValueKind::map:
      if (v.is_scalar() && contains(d.choices, v.scalar)) return;  // a declared word instead of the map (`auto`)
      if (!v.is_map()) {
        diags.add(v.where, path,
                  fmt::format("expected a map with keys: {}{}", join(d.child->key_names()), words_suffix(d)));
        return;
      }
      validate(v, *d.child, diags, path);
      return;
    case ValueKind::list_of_maps:
      if (!v.is_sequence()) {
        diags.add(v.where, path, "expected a list (items start with '- ')");
        return;
      }
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const ConfigNode& item = v.items[i];
        const std::string item_path = fmt::format("{}[{}]", path, i);
        if (!item.is_map()) {
          diags.add(item.where, item_path, fmt::format("expected a map with keys: {}", join(d.child->key_names())));
          continue;
        }
        validate(item, *d.child, diags, item_path);
      }
      return;
  }
}

}  // namespace

void validate(const ConfigNode& node, const Schema& schema, Diagnostics& diags, const std::string& path) {
  if (!node.is_map()) {
    diags.add(node.where, path, fmt::format("expected a map with keys: {}", join(schema.key_names())));
    return;
  }
  for (const auto& [key, value] : node.entries) {
    const KeyDecl* d = schema.find(key);
    const std::string key_path = joined_path(path, key);
    if (d == nullptr) {
      const std::string near = closest_match(key, schema.key_names());
      diags.add(value.key_where, path,
                near.empty() ? fmt::format("unknown key '{}' (valid keys: {})", key, join(schema.key_names()))
                             : fmt::format("unknown key '{}' (did you mean '{}'?)", key, near));
      continue;
    }
    if (value.kind == ConfigNode::Kind::null && !d->required) {
      diags.add(value.where, key_path, "has no value (remove the key to take the default)");
      continue;
    }
    validate_value(value, *d, diags, key_path);
  }
  for (const auto& d : schema.keys) {
    if (d.required && node.find(d.name) == nullptr) {
      diags.add(node.where, path, fmt::format("missing required key '{}' ({})", d.name, d.doc));
    }
  }
}

namespace {
std::string kind_text(const KeyDecl& d) {
  switch (d.kind) {
    case ValueKind::quantity:
      return d.dimension == Dimension::dimensionless
                 ? std::string("number")
                 : fmt::format("{} (e.g. {})", dimension_name(d.dimension), dimension_example(d.dimension));
    case ValueKind::integer: return "integer";
    case ValueKind::number: return "number";
    case ValueKind::boolean: return "true|false";
    case ValueKind::text: return "text";
    case ValueKind::choice: return join(d.choices);
    case ValueKind::map: return "map";
    case ValueKind::list_of_choices: return "list of " + join(d.choices);
    case ValueKind::list_of_texts: return "list of text";
    case ValueKind::list_of_maps: return "list of maps";
    case ValueKind::any: return "see doc";
  }
  return "";
}

void describe_into(const Schema& schema, std::string& out, int indent) {
  for (const auto& d : schema.keys) {
    std::string extra;
    if (d.required) extra = ", required";
    if (!d.default_text.empty()) extra += ", default " + d.default_text;
    if ((d.kind == ValueKind::quantity || d.kind == ValueKind::integer) && !d.choices.empty()) {
      extra += ", or " + join(d.choices);
    }
    out += fmt::format("{:{}}{}: {}{} — {}\n", "", indent, d.name, kind_text(d), extra, d.doc);
    if (d.child != nullptr && d.child != &schema) describe_into(*d.child, out, indent + 2);
  }
}
}  // namespace

std::string describe_schema(const Schema& schema) {
  std::string out = schema.name + ":\n";
  describe_into(schema, out, 2);
  return out;
}

// ---- Reader ------------------------------------------------------------------------------------------------------

namespace {
const ConfigNode& empty_map() {
  static const ConfigNode node = ConfigNode::make_map({});
  return node;
}
}  // namespace

Reader::Reader(const ConfigNode& node, const Schema& schema, std::string path)
    : node_(&node), schema_(&schema), path_(std::move(path)) {}

const KeyDecl& Reader::decl(const std::string& key) const {
  const KeyDecl* d = schema_->find(key);
  if (d == nullptr) throw std::logic_error("hwsim: key '" + key + "' is not declared in schema " + schema_->name);
  return *d;
}

bool Reader::has(const std::string& key) const {
  decl(key);
  return node_->find(key) != nullptr;
}

bool Reader::is_word(const std::string& key, const std::string& word) const {
  const ConfigNode* v = node_->find(key);
  if (v == nullptr && !decl(key).default_text.empty()) return decl(key).default_text == word;
  return v != nullptr && v->is_scalar() && v->scalar == word;
}

const ConfigNode* Reader::value_or_default(const std::string& key, ConfigNode& storage) const {
  const KeyDecl& d = decl(key);
  if (const ConfigNode* v = node_->find(key)) return v;
  if (d.default_text.empty()) return nullptr;
  storage = ConfigNode::make_scalar(d.default_text, node_->where);
  return &storage;
}

std::optional<double> Reader::optional_quantity(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  if (v == nullptr) return std::nullopt;
  return parse_quantity(v->scalar).value;
}

double Reader::quantity(const std::string& key) const {
  auto v = optional_quantity(key);
  if (!v) throw InputError(Diagnostic{node_->where, path_, fmt::format("missing key '{}'", key)});
  return *v;
}

ParsedQuantity Reader::parsed_quantity(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  if (v == nullptr) throw InputError(Diagnostic{node_->where, path_, fmt::format("missing key '{}'", key)});
  return parse_quantity(v->scalar);
}

std::optional<long long> Reader::optional_integer(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  if (v == nullptr) return std::nullopt;
  return parse_integer(v->scalar);
}

long long Reader::integer(const std::string& key) const {
  auto v = optional_integer(key);
  if (!v) throw InputError(Diagnostic{node_->where, path_, fmt::format("missing key '{}'", key)});
  return *v;
}

std::optional<double> Reader::optional_number(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  if (v == nullptr) return std::nullopt;
  return parse_plain_number(v->scalar);
}

double Reader::number(const std::string& key) const {
  auto v = optional_number(key);
  if (!v) throw InputError(Diagnostic{node_->where, path_, fmt::format("missing key '{}'", key)});
  return *v;
}

bool Reader::boolean(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  return v != nullptr && v->scalar == "true";
}

std::string Reader::text(const std::string& key) const {
  ConfigNode storage;
  const ConfigNode* v = value_or_default(key, storage);
  return v == nullptr ? std::string() : v->scalar;
}

std::vector<std::string> Reader::strings(const std::string& key) const {
  decl(key);
  std::vector<std::string> out;
  if (const ConfigNode* v = node_->find(key)) {
    for (const auto& item : v->items) out.push_back(item.scalar);
  }
  return out;
}

Reader Reader::child(const std::string& key) const {
  const KeyDecl& d = decl(key);
  const ConfigNode* v = node_->find(key);
  if (v == nullptr || !v->is_map()) return Reader(empty_map(), *d.child, path_of(key));
  return Reader(*v, *d.child, path_of(key));
}

std::vector<Reader> Reader::list(const std::string& key) const {
  const KeyDecl& d = decl(key);
  std::vector<Reader> out;
  if (const ConfigNode* v = node_->find(key)) {
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      out.emplace_back(v->items[i], *d.child, fmt::format("{}[{}]", path_of(key), i));
    }
  }
  return out;
}

std::vector<std::string> Reader::present_keys() const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : node_->entries) keys.push_back(k);
  return keys;
}

SourceLocation Reader::where(const std::string& key) const {
  if (const ConfigNode* v = node_->find(key)) return v->where;
  return node_->where;
}

std::string Reader::path_of(const std::string& key) const { return joined_path(path_, key); }

}  // namespace hwsim
