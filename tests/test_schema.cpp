// Schema (sim/core/schema.hpp): keys are declared once with type, unit, default and doc; validate() reports every
// problem of a document at once, each with file:line:col and key path (STYLE.md rules 3 and 4); Reader reads only
// declared keys and takes defaults from the declarations.
// Bad-input fixtures live in tests/fixtures/bad_input/, each paired below with its exact expected message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "hwmodels/hardware_catalog.hpp"
#include "sim/core/config_node.hpp"
#include "sim/core/schema.hpp"
#include "workloads/model.hpp"

using hwsim::ConfigNode;
using hwsim::Diagnostics;
using hwsim::Dimension;
using hwsim::KeyDecl;
using hwsim::Reader;
using hwsim::Schema;
using hwsim::ValueKind;

namespace {

namespace fs = std::filesystem;

// The schema of a catalog kind: hardware kinds from hwmodels, "model" from workloads.
const Schema& schema_of_kind(const std::string& kind) {
  if (kind == "model") return hwsim::model_schema();
  const Schema* s = hwsim::hardware_schema(kind);
  REQUIRE(s != nullptr);
  return *s;
}

// Validates a catalog file against the schema of its `kind:`; returns every diagnostic as "file:line:col: path: msg".
std::vector<std::string> validate_fixture(const std::string& relative) {
  const fs::path path = fs::path(HWSIM_FIXTURES_DIR) / relative;
  const ConfigNode node = hwsim::load_yaml_file(path, relative);
  const ConfigNode* kind = node.find("kind");
  REQUIRE(kind != nullptr);
  Diagnostics diags;
  hwsim::validate(node, schema_of_kind(kind->scalar), diags);
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

std::vector<std::string> validate_text(const std::string& text, const Schema& schema) {
  Diagnostics diags;
  hwsim::validate(hwsim::parse_yaml_text(text, "t.yaml"), schema, diags);
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

// A small schema in the style of the catalog's: a quantity with a unit, an integer with a minimum and a bare word,
// a choice, a boolean, a nested map, all with defaults where the engine has one.
const Schema& test_schema() {
  static const Schema link{"test.link",
                           {
                               {.name = "bandwidth",
                                .kind = ValueKind::quantity,
                                .dimension = Dimension::bytes_per_second,
                                .required = true,
                                .minimum = 0,
                                .doc = "one direction"},
                               {.name = "latency",
                                .kind = ValueKind::quantity,
                                .dimension = Dimension::seconds,
                                .default_text = "2 us",
                                .doc = "per hop"},
                           }};
  static const Schema s{
      "test",
      {
          {.name = "name", .kind = ValueKind::text, .required = true, .doc = "entry name"},
          {.name = "count",
           .kind = ValueKind::integer,
           .default_text = "1",
           .choices = {"fill"},
           .minimum = 1,
           .doc = "how many"},
          {.name = "pue",
           .kind = ValueKind::quantity,
           .default_text = "1.3",
           .minimum = 1,
           .doc = "power usage effectiveness"},
          {.name = "electricity",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd_per_kwh,
           .default_text = "0.10 USD/kWh",
           .minimum = 0,
           .doc = "energy price"},
          {.name = "power",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .minimum = 0,
           .doc = "no default: absent means not given"},
          {.name = "efficiency",
           .kind = ValueKind::number,
           .default_text = "0.94",
           .minimum = 0.5,
           .doc = "a plain number"},
          {.name = "recompute",
           .kind = ValueKind::choice,
           .default_text = "none",
           .choices = {"none", "selective", "full"},
           .doc = "activation recomputation"},
          {.name = "sequence_parallel", .kind = ValueKind::boolean, .default_text = "false", .doc = "a flag"},
          {.name = "link", .kind = ValueKind::map, .child = &link, .doc = "a nested map"},
      }};
  return s;
}

}  // namespace

TEST_CASE("each bad-input fixture gives exactly its expected messages", "[schema]") {
  const std::string units_list =
      "(units: B, b, B/s, b/s, Hz, FLOP, FLOP/s, OP/s, W, J, Wh, s, min, h, day, USD, USD/kWh, USD/kW/month, USD/h, "
      "mm2; "
      "prefixes k M G T P, Ki Mi Gi Ti for bytes, m u n for time/power)";
  const std::map<std::string, std::vector<std::string>> expected{
      {"bad_input/gpu_bandwidth_no_unit.yaml",
       {"bad_input/gpu_bandwidth_no_unit.yaml:9:16: memory.hbm.bandwidth: expected a bandwidth like \"3.35 TB/s\", "
        "got \"3350\" (no unit)"}},
      {"bad_input/gpu_unknown_key_typo.yaml",
       {"bad_input/gpu_unknown_key_typo.yaml:9:5: memory.hbm: unknown key 'bandwith' (did you mean 'bandwidth'?)",
        "bad_input/gpu_unknown_key_typo.yaml:8:5: memory.hbm: missing required key 'bandwidth' (device memory "
        "bandwidth)"}},
      {"bad_input/rack_unknown_key_no_suggestion.yaml",
       {"bad_input/rack_unknown_key_no_suggestion.yaml:5:1: unknown key 'colour' (valid keys: name, kind, base, "
        "rack_units, power_limit, price, overhead_power, cooling)"}},
      {"bad_input/rack_wrong_dimension.yaml",
       {"bad_input/rack_wrong_dimension.yaml:4:14: power_limit: expected a power like \"400 W\", got \"20 kWh\" "
        "(an energy)"}},
      {"bad_input/rack_unknown_unit.yaml",
       {"bad_input/rack_unknown_unit.yaml:4:14: power_limit: expected a power like \"400 W\": unknown unit \"kVA\" "
        "in \"20 kVA\" " +
        units_list}},
      {"bad_input/rack_missing_required.yaml",
       {"bad_input/rack_missing_required.yaml:2:1: missing required key 'power_limit' (provisioned power per rack)"}},
      {"bad_input/rack_below_minimum.yaml",
       {"bad_input/rack_below_minimum.yaml:4:13: rack_units: must be at least 1, got -4"}},
      {"bad_input/rack_not_whole.yaml",
       {"bad_input/rack_not_whole.yaml:4:13: rack_units: expected a whole number, got \"42.5\""}},
      {"bad_input/rack_no_value.yaml",
       {"bad_input/rack_no_value.yaml:4:1: price: has no value (remove the key to take the default)"}},
      {"bad_input/rack_many_errors.yaml",
       {"bad_input/rack_many_errors.yaml:4:13: rack_units: must be at least 1, got 0",
        "bad_input/rack_many_errors.yaml:5:8: price: expected a price like \"199000 USD\", got \"4000\" (no unit)",
        "bad_input/rack_many_errors.yaml:6:1: unknown key 'overhead_powr' (did you mean 'overhead_power'?)",
        "bad_input/rack_many_errors.yaml:2:1: missing required key 'power_limit' (provisioned power per rack)"}},
      {"bad_input/node_fabric_choice.yaml",
       {"bad_input/node_fabric_choice.yaml:6:16: fabric.kind: expected one of: nvswitch, nvlink, infinity_fabric, "
        "pcie, none; got "
        "\"nvswich\" (did you mean 'nvswitch'?)"}},
      {"bad_input/network_scalar_for_map.yaml",
       {"bad_input/network_scalar_for_map.yaml:5:9: switch: expected a map with keys: model, radix, power, price"}},
      {"bad_input/model_not_boolean.yaml",
       {"bad_input/model_not_boolean.yaml:9:12: gated_mlp: expected true or false, got \"yes\""}},
  };

  for (const auto& [file, messages] : expected) {
    SECTION(file) { CHECK(validate_fixture(file) == messages); }
  }

  SECTION("every fixture in the folder is paired with its messages") {
    for (const auto& entry : fs::directory_iterator(fs::path(HWSIM_FIXTURES_DIR) / "bad_input")) {
      const std::string relative = "bad_input/" + entry.path().filename().string();
      INFO(relative);
      CHECK(expected.count(relative) == 1);
    }
  }
}

TEST_CASE("an unknown key suggests the closest declared key", "[schema]") {
  CHECK(validate_text("name: x\nelectricty: 0.1 USD/kWh\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:1: unknown key 'electricty' (did you mean 'electricity'?)"});
  // In a nested map the key path names the map.
  CHECK(validate_text("name: x\nlink: {bandwidth: 1 GB/s, latncy: 1 us}\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:27: link: unknown key 'latncy' (did you mean 'latency'?)"});
}

TEST_CASE("a quantity of the wrong dimension or without a unit names the expected dimension", "[schema]") {
  CHECK(validate_text("name: x\nlink: {bandwidth: 3350}\n", test_schema()) ==
        std::vector<std::string>{
            "t.yaml:2:19: link.bandwidth: expected a bandwidth like \"3.35 TB/s\", got \"3350\" (no unit)"});
  CHECK(validate_text("name: x\nlink: {bandwidth: 1.41 GHz}\n", test_schema()) ==
        std::vector<std::string>{
            "t.yaml:2:19: link.bandwidth: expected a bandwidth like \"3.35 TB/s\", got \"1.41 GHz\" (a frequency)"});
  // A unit on a dimensionless quantity is as wrong as a missing one.
  CHECK(validate_text("name: x\npue: 1.3 W\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:6: pue: expected a number, got \"1.3 W\" (a power)"});
  // A plain number (ValueKind::number) takes no unit at all.
  CHECK(validate_text("name: x\nefficiency: 94 W\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:13: efficiency: expected a plain number (no unit), got \"94 W\""});
}

TEST_CASE("an integer key takes whole numbers, its declared words, and respects its minimum", "[schema]") {
  CHECK(validate_text("name: x\ncount: fill\n", test_schema()).empty());
  CHECK(validate_text("name: x\ncount: 3\n", test_schema()).empty());
  CHECK(validate_text("name: x\ncount: -2\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:8: count: must be at least 1, got -2"});
  CHECK(validate_text("name: x\ncount: auto\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:8: count: expected a whole number or one of: fill, got \"auto\""});
}

TEST_CASE("the minimum of a range applies to its low end", "[schema]") {
  CHECK(validate_text("name: x\npower: 100..200 W\n", test_schema()).empty());
  CHECK(validate_text("name: x\npower: -100..200 W\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:8: power: must be at least 0, got -100"});
}

TEST_CASE("a choice lists the valid words and suggests the closest", "[schema]") {
  CHECK(validate_text("name: x\nrecompute: selectve\n", test_schema()) ==
        std::vector<std::string>{
            "t.yaml:2:12: recompute: expected one of: none, selective, full; got \"selectve\" (did you mean "
            "'selective'?)"});
  // Nothing close: no suggestion.
  CHECK(validate_text("name: x\nrecompute: everything\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:2:12: recompute: expected one of: none, selective, full; got \"everything\""});
}

TEST_CASE("a missing required key is reported at the map that lacks it", "[schema]") {
  CHECK(validate_text("count: 2\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:1:1: missing required key 'name' (entry name)"});
  CHECK(validate_text("name: x\nlink:\n  latency: 1 us\n", test_schema()) ==
        std::vector<std::string>{"t.yaml:3:3: link: missing required key 'bandwidth' (one direction)"});
}

TEST_CASE("all problems of a document are reported at once", "[schema]") {
  const auto messages = validate_text(
      "count: 0\n"
      "pue: 1.3 W\n"
      "recompute: ful\n"
      "sequence_parallel: maybe\n"
      "link: {bandwidth: 10}\n"
      "colour: red\n",
      test_schema());
  CHECK(messages == std::vector<std::string>{
                        "t.yaml:1:8: count: must be at least 1, got 0",
                        "t.yaml:2:6: pue: expected a number, got \"1.3 W\" (a power)",
                        "t.yaml:3:12: recompute: expected one of: none, selective, full; got \"ful\" (did you mean "
                        "'full'?)",
                        "t.yaml:4:20: sequence_parallel: expected true or false, got \"maybe\"",
                        "t.yaml:5:19: link.bandwidth: expected a bandwidth like \"3.35 TB/s\", got \"10\" (no unit)",
                        "t.yaml:6:1: unknown key 'colour' (valid keys: name, count, pue, electricity, power, "
                        "efficiency, recompute, sequence_parallel, link)",
                        "t.yaml:1:1: missing required key 'name' (entry name)",
                    });
}

TEST_CASE("Reader takes defaults from the declarations", "[schema]") {
  const ConfigNode node = hwsim::parse_yaml_text("name: x\n", "t.yaml");
  Diagnostics diags;
  hwsim::validate(node, test_schema(), diags);
  REQUIRE(diags.empty());
  const Reader r(node, test_schema());
  CHECK(r.text("name") == "x");
  CHECK(r.integer("count") == 1);
  CHECK(r.quantity("pue") == Approx(1.3).epsilon(1e-12));
  CHECK(r.quantity("electricity") == Approx(0.10).epsilon(1e-12));
  CHECK(r.number("efficiency") == Approx(0.94).epsilon(1e-12));
  CHECK(r.text("recompute") == "none");
  CHECK_FALSE(r.boolean("sequence_parallel"));
  CHECK_FALSE(r.has("count"));                // a default is not a value given
  CHECK_FALSE(r.optional_quantity("power"));  // no default: absent means not given
  // An absent map reads as empty, and its keys' defaults apply.
  const Reader link = r.child("link");
  CHECK(link.path() == "link");
  CHECK(link.quantity("latency") == Approx(2e-6).epsilon(1e-12));  // "2 us"
  CHECK_FALSE(link.optional_quantity("bandwidth"));
  CHECK_THROWS_AS(link.quantity("bandwidth"), hwsim::InputError);
}

TEST_CASE("Reader reads given values over defaults and recognises declared words", "[schema]") {
  const ConfigNode node = hwsim::parse_yaml_text(
      "name: x\ncount: fill\npue: 1.1..1.5\nrecompute: full\nsequence_parallel: true\nlink: {bandwidth: 200 Gb/s}\n",
      "t.yaml");
  const Reader r(node, test_schema());
  CHECK(r.is_word("count", "fill"));
  CHECK_FALSE(r.is_word("recompute", "none"));
  CHECK(r.quantity("pue") == Approx((1.1 + 1.5) / 2).epsilon(1e-12));  // the midpoint of the range
  const hwsim::ParsedQuantity pue = r.parsed_quantity("pue");
  REQUIRE(pue.low);
  CHECK(*pue.low == Approx(1.1).epsilon(1e-12));
  CHECK(r.text("recompute") == "full");
  CHECK(r.boolean("sequence_parallel"));
  CHECK(r.child("link").quantity("bandwidth") == Approx(200e9 / 8).epsilon(1e-12));  // 25 GB/s
  CHECK(r.child("link").where("bandwidth").str() == "t.yaml:6:19");
  CHECK(r.child("link").path_of("bandwidth") == "link.bandwidth");
}

TEST_CASE("Reader refuses keys that are not declared", "[schema]") {
  const ConfigNode node = hwsim::parse_yaml_text("name: x\n", "t.yaml");
  const Reader r(node, test_schema());
  CHECK_THROWS_AS(r.text("nmae"), std::logic_error);
  CHECK_THROWS_AS(r.has("colour"), std::logic_error);
}

TEST_CASE("every declared default validates against its own declaration", "[schema]") {
  // Walks a schema; for each key with a default, validates {key: default} and keeps only that key's problems.
  std::vector<std::string> problems;
  std::set<const Schema*> seen;
  const auto walk = [&](const Schema& schema, const auto& self) -> void {
    if (!seen.insert(&schema).second) return;
    for (const KeyDecl& d : schema.keys) {
      if (!d.default_text.empty()) {
        ConfigNode map = ConfigNode::make_map({schema.name, 0, 0});
        map.set(d.name, ConfigNode::make_scalar(d.default_text, {schema.name, 0, 0}));
        Diagnostics diags;
        hwsim::validate(map, schema, diags);
        for (const auto& diag : diags.items()) {
          if (diag.key_path == d.name) problems.push_back(schema.name + "." + d.name + ": " + diag.message);
        }
      }
      if (d.child != nullptr) self(*d.child, self);
    }
  };
  walk(test_schema(), walk);
  for (const char* kind : {"gpu", "cpu", "node", "network", "cluster", "rack", "facility"}) {
    walk(*hwsim::hardware_schema(kind), walk);
  }
  walk(hwsim::model_schema(), walk);
  walk(hwsim::inline_model_schema(), walk);
  CHECK(problems.empty());
  for (const auto& p : problems) UNSCOPED_INFO(p);
}

TEST_CASE("describe_schema lists each key with its type, default and doc", "[schema]") {
  const std::string text = hwsim::describe_schema(test_schema());
  CHECK_THAT(text, Catch::Matchers::StartsWith("test:\n"));
  CHECK_THAT(text, Catch::Matchers::Contains("  pue: number, default 1.3 — power usage effectiveness\n"));
  CHECK_THAT(text, Catch::Matchers::Contains("  count: integer, default 1, or fill — how many\n"));
  CHECK_THAT(text, Catch::Matchers::Contains("    bandwidth: bandwidth (e.g. 3.35 TB/s), required — one direction\n"));
}
