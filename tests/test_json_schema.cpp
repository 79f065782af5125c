// JSON Schema for editors (sim/core/json_schema.hpp, sim/scenario/file_schemas.hpp): each declared key becomes the
// JSON Schema of what its loader accepts. The unit patterns are held to parse_quantity itself over a corpus of
// spellings; tests/json_schema_check.py holds the documents to the shipped files and to hwsim's verdicts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "sim/core/entry_store.hpp"
#include "sim/core/json_schema.hpp"
#include "sim/core/units.hpp"
#include "sim/scenario/file_schemas.hpp"

using hwsim::Dimension;
using hwsim::JsonSchema;
using hwsim::JsonSchemaBuilder;
using hwsim::KeyDecl;
using hwsim::NumberSign;
using hwsim::Schema;
using hwsim::ValueKind;

namespace {

constexpr Dimension kDimensions[] = {Dimension::dimensionless, Dimension::bytes,       Dimension::bytes_per_second,
                                     Dimension::hertz,         Dimension::flop,        Dimension::flop_per_second,
                                     Dimension::watts,         Dimension::joules,      Dimension::seconds,
                                     Dimension::usd,           Dimension::usd_per_kwh, Dimension::usd_per_kw_month,
                                     Dimension::usd_per_hour,  Dimension::area_m2};

// Whether parse_quantity reads `text` as a `dim` quantity whose numbers `sign` admits; nullopt for a range written
// high end first, which the pattern does not see (json_schema.hpp).
std::optional<bool> parses_as(const std::string& text, Dimension dim, NumberSign sign) {
  try {
    const hwsim::ParsedQuantity q = hwsim::parse_quantity(text);
    const double low = q.low.value_or(q.value);
    if (q.dimension != dim) return false;
    if (sign == NumberSign::positive) return low > 0;
    if (sign == NumberSign::non_negative) return !std::signbit(low);
    return true;
  } catch (const hwsim::UnitError& e) {
    if (std::string(e.what()).find("low end above") != std::string::npos) return std::nullopt;
    return false;
  }
}

bool matches(const std::string& pattern, const std::string& text) {
  return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
}

// Units to try after numbers of `dim`: its own, one of every other dimension, and misspellings.
std::vector<std::string> units_to_try(Dimension dim) {
  std::vector<std::string> units = hwsim::unit_symbols(dim);
  for (Dimension other : kDimensions) {
    const auto symbols = hwsim::unit_symbols(other);
    if (other != dim && !symbols.empty()) units.push_back(symbols.back());
  }
  units.insert(units.end(), {"", "w", "GIB", "kw", "mb", "xB", "B/S", "USD/kwh", "EUR", "W W", "s2"});
  return units;
}

KeyDecl quantity(Dimension dim, std::optional<double> minimum = std::nullopt) {
  return {.name = "q", .kind = ValueKind::quantity, .dimension = dim, .minimum = minimum, .doc = "a quantity"};
}

}  // namespace

TEST_CASE("a quantity's pattern matches exactly what parse_quantity reads as that dimension", "[json_schema]") {
  const std::vector<std::string> numbers{"0",  "1",   "2.5", ".5", "5.",   "1e3",   "1E-3", "-3", "+4",
                                         "07", "0.0", "1e",  "e5", "0x10", "1.2.3", "-0.5", "",   "3e+2"};
  const std::vector<std::string> range_ends{"0", "1.5", "-2", "3e2", ".5"};
  for (Dimension dim : kDimensions) {
    for (NumberSign sign : {NumberSign::any, NumberSign::non_negative, NumberSign::positive}) {
      const std::regex pattern(hwsim::quantity_pattern(dim, sign), std::regex::ECMAScript);
      std::vector<std::string> texts;
      for (const auto& unit : units_to_try(dim)) {
        for (const auto& n : numbers) {
          for (const char* blank : {"", " ", "\t "}) texts.push_back(n + blank + unit);
        }
        for (const auto& lo : range_ends) {
          for (const auto& hi : range_ends) {
            texts.push_back(lo + ".." + hi + " " + unit);
            texts.push_back(lo + " .." + hi + unit);
            texts.push_back(lo + ".. " + hi + " " + unit);  // no blank after the dots: parse_number reads there
          }
        }
      }
      for (const auto& text : texts) {
        const std::optional<bool> reads = parses_as(text, dim, sign);
        if (!reads) continue;
        INFO(hwsim::dimension_name(dim) << " sign " << static_cast<int>(sign) << ": \"" << text << "\"");
        CHECK(std::regex_search(text, pattern) == *reads);
      }
    }
  }
}

TEST_CASE("unit symbols come from the unit table, with the prefixes each unit takes", "[json_schema]") {
  const auto power = hwsim::unit_symbols(Dimension::watts);
  CHECK(std::find(power.begin(), power.end(), "kW") != power.end());
  CHECK(std::find(power.begin(), power.end(), "mW") != power.end());
  CHECK(std::find(power.begin(), power.end(), "KiW") == power.end());  // binary prefixes are for bytes
  const auto bytes = hwsim::unit_symbols(Dimension::bytes);
  CHECK(bytes.size() == 2 * 12);  // B and b, each bare, with k M G T P E and with Ki Mi Gi Ti Pi
  CHECK(hwsim::unit_symbols(Dimension::dimensionless).empty());
}

TEST_CASE("a quantity key yields a string with its unit pattern, above zero without a minimum", "[json_schema]") {
  JsonSchemaBuilder b;
  const JsonSchema v = b.value(quantity(Dimension::watts));
  CHECK(v["description"] == "a quantity");
  CHECK(v["type"] == "string");
  CHECK(v["pattern"] == hwsim::quantity_pattern(Dimension::watts, NumberSign::positive));
  CHECK(v["examples"] == JsonSchema::array({"400 W"}));
  // What an editor prints instead of the regular expression.
  CHECK(v["patternErrorMessage"] ==
        "expected power (e.g. 400 W): a decimal number above 0, or a range LO..HI, then a unit: W, kW, MW, GW, TW, PW, "
        "EW, mW, uW, nW");
  const std::string pattern = v["pattern"].get<std::string>();
  CHECK(matches(pattern, "700 W"));
  CHECK(matches(pattern, "0.7 kW"));
  CHECK(matches(pattern, "600..700 W"));
  CHECK_FALSE(matches(pattern, "700 w"));
  CHECK_FALSE(matches(pattern, "700"));
  CHECK_FALSE(matches(pattern, "0 W"));
  const std::string at_least_zero = b.value(quantity(Dimension::watts, 0))["pattern"].get<std::string>();
  CHECK(matches(at_least_zero, "0 W"));
  CHECK_FALSE(matches(at_least_zero, "-1 W"));
}

TEST_CASE("a plain-number quantity is a YAML number or a number as text, within 1e30", "[json_schema]") {
  JsonSchemaBuilder b;
  const JsonSchema v = b.value(quantity(Dimension::dimensionless, 1));
  CHECK(v["type"] == JsonSchema::array({"number", "string"}));
  CHECK(v["minimum"] == 1);
  CHECK(v["maximum"] == 1e30);
  const std::string pattern = v["pattern"].get<std::string>();
  CHECK(matches(pattern, "1.2..1.4"));
  CHECK_FALSE(matches(pattern, "1.3 W"));
  CHECK(b.value(quantity(Dimension::dimensionless))["exclusiveMinimum"] == 0);
}

TEST_CASE("an integer key is bounded by its own limits and 32 bits; its bare words are an enum", "[json_schema]") {
  JsonSchemaBuilder b;
  const JsonSchema count = b.value({.name = "count",
                                    .kind = ValueKind::integer,
                                    .default_text = "auto",
                                    .choices = {"auto"},
                                    .minimum = 1,
                                    .maximum = 4096,
                                    .doc = "how many"});
  REQUIRE(count["anyOf"].size() == 2);
  CHECK(count["anyOf"][0]["type"] == JsonSchema::array({"integer", "string"}));
  CHECK(count["anyOf"][0]["minimum"] == 1);
  CHECK(count["anyOf"][0]["maximum"] == 4096);
  CHECK(count["anyOf"][0]["pattern"] == "^\\+?[0-9]+$");
  CHECK(count["anyOf"][1]["enum"] == JsonSchema::array({"auto"}));
  CHECK(count["default"] == "auto");
  const JsonSchema any = b.value({.name = "n", .kind = ValueKind::integer, .doc = "n"});
  CHECK(any["minimum"] == -hwsim::kMaxInteger);
  CHECK(any["maximum"] == hwsim::kMaxInteger);
}

TEST_CASE("a choice yields an enum, with the number a plain numeric choice reads as", "[json_schema]") {
  JsonSchemaBuilder b;
  const JsonSchema recompute = b.value(
      {.name = "r", .kind = ValueKind::choice, .default_text = "none", .choices = {"none", "full"}, .doc = "r"});
  CHECK(recompute["enum"] == JsonSchema::array({"none", "full"}));
  CHECK(recompute["default"] == "none");
  const JsonSchema zero =
      b.value({.name = "zero", .kind = ValueKind::choice, .default_text = "0", .choices = {"0", "1"}, .doc = "z"});
  CHECK(zero["enum"] == JsonSchema::array({"0", 0, "1", 1}));
  CHECK(zero["default"] == 0);
}

TEST_CASE("YAML 1.2 reads plain scalars as numbers, booleans or text", "[json_schema]") {
  CHECK(hwsim::yaml_scalar_value("8") == 8);
  CHECK(hwsim::yaml_scalar_value("0.05") == 0.05);
  CHECK(hwsim::yaml_scalar_value("1e9") == 1e9);
  CHECK(hwsim::yaml_scalar_value("0x10") == 16);
  CHECK(hwsim::yaml_scalar_value("false") == false);
  CHECK(hwsim::yaml_scalar_value("yes") == "yes");  // YAML 1.1's boolean is text in 1.2
  CHECK(hwsim::yaml_scalar_value("2 us") == "2 us");
}

TEST_CASE("a map refuses unknown keys and lists its required ones; with base: it requires none", "[json_schema]") {
  static Schema inner{"t.inner",
                      {{.name = "x", .kind = ValueKind::integer, .required = true, .doc = "x"},
                       {.name = "items", .kind = ValueKind::list_of_maps, .doc = "items"}}};
  inner.keys[1].child = &inner;  // a map that lists maps of its own kind
  static const Schema outer{
      "t outer",
      {{.name = "name", .kind = ValueKind::text, .required = true, .doc = "name"},
       {.name = "base", .kind = ValueKind::text, .doc = "base"},
       {.name = "inner", .kind = ValueKind::map, .required = true, .child = &inner, .doc = "in"}}};
  JsonSchemaBuilder b;
  const JsonSchema entry = b.entry(outer);
  CHECK(entry["if"]["required"] == JsonSchema::array({"base"}));
  CHECK(entry["else"]["$ref"] == "#/$defs/t-outer");
  CHECK(entry["then"]["$ref"] == "#/$defs/t-outer-with-base");
  const JsonSchema doc = b.document("t", "test", entry);
  CHECK(doc["$schema"] == hwsim::kJsonSchemaDraft);
  const JsonSchema& defs = doc["$defs"];
  CHECK(defs["t-outer"]["additionalProperties"] == false);
  CHECK(defs["t-outer"]["required"] == JsonSchema::array({"name", "inner"}));
  CHECK(defs["t-outer"]["properties"]["inner"]["$ref"] == "#/$defs/t.inner");
  CHECK_FALSE(defs["t-outer-with-base"].contains("required"));
  CHECK(defs["t-outer-with-base"]["properties"]["inner"]["$ref"] == "#/$defs/t.inner-with-base");
  CHECK_FALSE(defs["t.inner-with-base"].contains("required"));
  // A list is replaced whole by an entry with base:, so its items still require their keys; a map listing its own
  // kind refers to itself.
  CHECK(defs["t.inner-with-base"]["properties"]["items"]["items"]["$ref"] == "#/$defs/t.inner");
  CHECK(defs["t.inner"]["properties"]["items"]["items"]["$ref"] == "#/$defs/t.inner");
  CHECK(defs["t.inner"]["required"] == JsonSchema::array({"x"}));
}

TEST_CASE("define() replaces what a key takes and keeps its doc and default", "[json_schema]") {
  static const Schema s{"t", {{.name = "model", .kind = ValueKind::any, .default_text = "m", .doc = "the model"}}};
  JsonSchemaBuilder b;
  b.define(s, "model", {{"type", "string"}});
  const JsonSchema doc = b.document("t", "test", b.map(s));
  const JsonSchema& model = doc["$defs"]["t"]["properties"]["model"];
  CHECK(model == JsonSchema{{"description", "the model"}, {"type", "string"}, {"default", "m"}});
}

TEST_CASE("file schemas: catalog entries name their kind and may cite sources; workloads go by kind", "[json_schema]") {
  const JsonSchema gpu = hwsim::file_json_schema("gpu");
  CHECK(gpu["title"] == "hwsim gpu");
  CHECK(gpu["required"] == JsonSchema::array({"name", "kind"}));  // with base: too (entry_store.cpp add_entry)
  const JsonSchema& gpu_keys = gpu["$defs"]["gpu"]["properties"];
  CHECK(gpu_keys["kind"]["enum"] == JsonSchema::array({"gpu"}));
  CHECK(gpu_keys.contains("sources"));
  CHECK(gpu["$defs"]["gpu"]["required"].size() > 3);
  CHECK_FALSE(hwsim::file_json_schema("model")["$defs"]["model"]["properties"].contains("sources"));

  const JsonSchema scenario = hwsim::file_json_schema("scenario");
  CHECK(scenario["$ref"] == "#/$defs/scenario");
  CHECK(scenario["$defs"].begin().key() == "scenario");  // the document's own keys first
  const JsonSchema& workloads = scenario["$defs"]["scenario"]["properties"]["workloads"];
  REQUIRE(workloads["items"]["allOf"].size() == 2);
  CHECK(workloads["items"]["allOf"][0]["then"]["$ref"] == "#/$defs/training-workload");
  CHECK(workloads["items"]["allOf"][1]["then"]["$ref"] == "#/$defs/inference-workload");
  const JsonSchema& catalog = scenario["$defs"]["scenario"]["properties"]["catalog"];
  CHECK(catalog["items"]["anyOf"][1]["allOf"].size() == hwsim::catalog_kinds().size());
  for (const auto& kind : hwsim::file_kinds()) {
    INFO(kind);
    CHECK(hwsim::file_json_schema(kind)["$schema"] == hwsim::kJsonSchemaDraft);
  }
}
