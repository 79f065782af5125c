// Key declarations shared by several catalog kinds (entry header, links, device power, per-dtype maps).
#pragma once

#include <string>

#include "sim/core/schema.hpp"
#include "sim/core/units.hpp"

namespace hwsim {

KeyDecl entry_name_decl();
KeyDecl entry_kind_decl();
KeyDecl entry_base_decl();
// `sources:` of every hardware kind: ids of hwmodels/sources.yaml. Provenance, not an input: the store keeps it
// beside the entry's keys (RawEntry::sources), so it is declared in this schema of its own, beside each kind's
// schema, and checked by lookup_sources() (hwmodels/source_registry.hpp); `hwsim schema KIND` prints both.
KeyDecl entry_sources_decl();
const Schema& entry_provenance_schema();

// A map whose keys are dtype names (fp64 ... int4), each optional, all of one value kind.
Schema dtype_map_schema(const std::string& name, ValueKind kind, Dimension dimension, const std::string& doc);

struct LinkSpec {
  int generation = 0;
  int links = 0;
  int lanes = 0;
  BytesPerSecond bandwidth_per_direction;
};
const Schema& link_schema();
LinkSpec load_link(const Reader& r);

struct DevicePower {
  Watts tdp;
  Watts idle;
};
const Schema& device_power_schema();
DevicePower load_device_power(const Reader& r);

}  // namespace hwsim
