#include "hwmodels/common_schema.hpp"

#include "sim/core/dtype.hpp"
#include "sim/core/entry_store.hpp"

namespace hwsim {

KeyDecl entry_name_decl() {
  return {.name = "name", .kind = ValueKind::text, .required = true, .doc = "entry name (= file name without .yaml)"};
}
KeyDecl entry_kind_decl() {
  return {.name = "kind",
          .kind = ValueKind::choice,
          .required = true,
          .choices = catalog_kinds(),
          .doc = "what the entry describes"};
}
KeyDecl entry_base_decl() {
  return {.name = "base", .kind = ValueKind::text, .doc = "inherit every key of this entry (same kind), then override"};
}

KeyDecl entry_sources_decl() {
  return {.name = "sources",
          .kind = ValueKind::list_of_texts,
          .doc =
              "ids (hwmodels/sources.yaml) of the publications the figures cite; through base: the entry's own, "
              "then its base's"};
}

const Schema& entry_provenance_schema() {
  static const Schema s{"entry provenance", {entry_sources_decl()}};
  return s;
}

Schema dtype_map_schema(const std::string& name, ValueKind kind, Dimension dimension, const std::string& doc) {
  Schema s{name, {}};
  for (const auto& d : dtype_names()) {
    s.keys.push_back({.name = d, .kind = kind, .dimension = dimension, .minimum = 0, .doc = doc});
  }
  return s;
}

const Schema& link_schema() {
  static const Schema s{"link",
                        {
                            {.name = "generation", .kind = ValueKind::integer, .minimum = 0, .doc = "generation"},
                            {.name = "links", .kind = ValueKind::integer, .minimum = 0, .doc = "number of links"},
                            {.name = "lanes", .kind = ValueKind::integer, .minimum = 0, .doc = "PCIe lanes"},
                            {.name = "bandwidth_per_direction",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::bytes_per_second,
                             .required = true,
                             .minimum = 0,
                             .doc = "all links together, one direction"},
                        }};
  return s;
}

LinkSpec load_link(const Reader& r) {
  return {static_cast<int>(r.optional_integer("generation").value_or(0)),
          static_cast<int>(r.optional_integer("links").value_or(0)),
          static_cast<int>(r.optional_integer("lanes").value_or(0)),
          BytesPerSecond(r.quantity("bandwidth_per_direction"))};
}

const Schema& device_power_schema() {
  static const Schema s{"power",
                        {
                            {.name = "tdp",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .required = true,
                             .minimum = 0,
                             .doc = "thermal design power (the cap at full load)"},
                            {.name = "idle",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .required = true,
                             .minimum = 0,
                             .doc = "power when idle"},
                        }};
  return s;
}

DevicePower load_device_power(const Reader& r) { return {Watts(r.quantity("tdp")), Watts(r.quantity("idle"))}; }

}  // namespace hwsim
