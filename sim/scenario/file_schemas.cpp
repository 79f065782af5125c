#include "sim/scenario/file_schemas.hpp"

#include <fmt/format.h>
#include <map>
#include <stdexcept>

#include "calibrate/profile.hpp"
#include "hwmodels/common_schema.hpp"
#include "hwmodels/hardware_catalog.hpp"
#include "hwmodels/infrastructure.hpp"
#include "hwmodels/source_registry.hpp"
#include "sim/core/entry_store.hpp"
#include "sim/scenario/scenario_schema.hpp"
#include "workloads/model.hpp"

namespace hwsim {

namespace {

// A scalar naming something (a catalog entry, a directory): text as the declarations read it.
JsonSchema name_value(JsonSchemaBuilder& b, const std::string& doc) {
  return b.value({.name = "name", .kind = ValueKind::text, .doc = doc});
}

// `if kind: K then THEN` for each kind, on a map that must name its kind (one of `kinds`).
JsonSchema by_kind(const std::vector<std::string>& kinds, const std::vector<JsonSchema>& then) {
  JsonSchema cases = JsonSchema::array();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    cases.push_back(
        {{"if", {{"properties", {{"kind", {{"const", kinds[i]}}}}}, {"required", JsonSchema::array({"kind"})}}},
         {"then", then[i]}});
  }
  return {{"type", "object"},
          {"required", JsonSchema::array({"kind"})},
          {"properties", {{"kind", {{"enum", kinds}}}}},
          {"allOf", std::move(cases)}};
}

// A catalog entry of `kind`: its `kind:` is that kind (a file's schema is chosen by it), and with `base:` it
// requires no key but its name and kind (the store merges the entry it names under it; entry_store.cpp add_entry).
JsonSchema catalog_entry(JsonSchemaBuilder& b, const std::string& kind) {
  const Schema& s = catalog_file_schema(kind);
  b.define(s, "kind", {{"enum", JsonSchema::array({kind})}});
  JsonSchema entry = b.entry(s);
  entry["required"] = JsonSchema::array({"name", "kind"});
  return entry;
}

// A workload's `model:` (sim/scenario/load_workload.cpp load_model_ref): a model of the catalog, or an inline model
// map, which with `base:` is merged over the catalog model it names.
void define_workloads(JsonSchemaBuilder& b) {
  const JsonSchema model{
      {"anyOf", JsonSchema::array({name_value(b, "a model of the catalog"), b.entry(inline_model_schema())})}};
  b.define(training_workload_schema(), "model", model);
  b.define(inference_workload_schema(), "model", model);
  b.define(training_workload_schema(), "kind", {{"enum", JsonSchema::array({"training"})}});
  b.define(inference_workload_schema(), "kind", {{"enum", JsonSchema::array({"inference"})}});
}

// The scenario's `any` keys as sim/scenario/load.cpp reads them.
void define_scenario(JsonSchemaBuilder& b) {
  define_workloads(b);
  std::vector<JsonSchema> entries;
  for (const auto& kind : catalog_kinds()) entries.push_back(catalog_entry(b, kind));
  const JsonSchema inline_entry = by_kind(catalog_kinds(), entries);
  JsonSchema named = inline_entry;
  named["required"] = JsonSchema::array({"name", "kind"});
  b.define(scenario_schema(), "catalog",
           {{"type", "array"},
            {"items",
             {{"anyOf", JsonSchema::array({name_value(b, "a catalog directory, relative to this file"), named})}}}});
  b.define(scenario_schema(), "facility",
           {{"anyOf", JsonSchema::array({name_value(b, "a facility of the catalog"), b.map(facility_schema())})}});
  b.define(scenario_schema(), "workloads",
           {{"type", "array"},
            {"items", by_kind({"training", "inference"},
                              {b.map(training_workload_schema()), b.map(inference_workload_schema())})}});
}

std::string what_file(const std::string& kind) {
  if (kind == "scenario") return "a scenario file (scenarios/)";
  if (kind == "training" || kind == "inference") return fmt::format("one {} workload of a scenario", kind);
  if (kind == "profile") return "a calibration profile (calibrate/profiles/)";
  if (kind == "sources") return "the source registry (hwmodels/sources.yaml)";
  return fmt::format("a {} catalog entry ({}/catalog/)", kind, kind == "model" ? "workloads" : "hwmodels");
}

}  // namespace

const std::vector<std::string>& file_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k = catalog_kinds();
    k.insert(k.end(), {"scenario", "training", "inference", "profile", "sources"});
    return k;
  }();
  return kinds;
}

const Schema& catalog_file_schema(const std::string& kind) {
  if (kind == "model") return model_schema();
  static const std::map<std::string, Schema> files = [] {
    std::map<std::string, Schema> out;
    for (const auto& k : catalog_kinds()) {
      const Schema* s = hardware_schema(k);
      if (s == nullptr) continue;
      Schema file = *s;
      for (const auto& key : entry_provenance_schema().keys) file.keys.push_back(key);
      out.emplace(k, std::move(file));
    }
    return out;
  }();
  const auto it = files.find(kind);
  if (it == files.end()) throw std::logic_error("hwsim: no catalog kind " + kind);
  return it->second;
}

JsonSchema file_json_schema(const std::string& kind) {
  JsonSchemaBuilder b;
  JsonSchema root;
  if (kind == "scenario") {
    define_scenario(b);
    root = b.map(scenario_schema());
  } else if (kind == "training" || kind == "inference") {
    define_workloads(b);
    root = b.map(kind == "training" ? training_workload_schema() : inference_workload_schema());
  } else if (kind == "profile") {
    root = b.map(calib::profile_schema());
  } else if (kind == "sources") {
    root = b.map(source_registry_schema());
  } else {
    root = catalog_entry(b, kind);
  }
  return b.document(fmt::format("hwsim {}", kind),
                    fmt::format("The keys of {}, as hwsim reads them; generated by `hwsim schema {} --format "
                                "json-schema` from the declarations its loader validates against.",
                                what_file(kind), kind),
                    root);
}

}  // namespace hwsim
