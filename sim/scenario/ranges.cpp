#include "sim/scenario/ranges.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "sim/core/units.hpp"

namespace hwsim {

namespace {

// The range written at `value` ("25000..40000 USD", "1.2..1.5"), or nothing when it is not a range quantity.
std::optional<RangeInput> range_at(const ConfigNode& value, const std::string& path) {
  const std::string& text = value.scalar;
  const auto dots = text.find("..");
  if (!value.is_scalar() || dots == std::string::npos) return std::nullopt;
  try {
    if (!parse_quantity(text).low) return std::nullopt;
  } catch (const UnitError&) {
    return std::nullopt;  // not a quantity: text that happens to contain ".."
  }
  const std::string low_text = text.substr(0, dots);
  const std::string high_text = text.substr(dots + 2);
  char* unit = nullptr;
  RangeInput r{.path = path,
               .low = std::strtod(low_text.c_str(), nullptr),
               .high = std::strtod(high_text.c_str(), &unit),
               .unit = unit,
               .where = value.where};
  while (!r.unit.empty() && (r.unit.front() == ' ' || r.unit.front() == '\t')) r.unit.erase(0, 1);
  while (!r.unit.empty() && (r.unit.back() == ' ' || r.unit.back() == '\t')) r.unit.pop_back();
  return r;
}

// Records every range below a map, keyed by its `--set` path (`prefix.key.sub`); the first record of a path wins.
void ranges_below(const ConfigNode& node, const std::string& path, std::vector<RangeInput>& out) {
  if (node.is_map()) {
    for (const auto& [key, child] : node.entries) {
      if (key != "base" && key != "name") ranges_below(child, path + "." + key, out);
    }
  } else if (auto r = range_at(node, path)) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const RangeInput& x) { return x.path == r->path; });
    if (!seen) out.push_back(std::move(*r));
  }
}

// The hardware entries `roots` name, and the entries those name in turn (node -> gpu, cpu, network; facility ->
// rack): their ranges are recorded as `hw.ENTRY.KEY`. Facilities are read through `facility.KEY`, models have none.
void collect_catalog_ranges(const EntryStore& store, const std::vector<const ConfigNode*>& roots,
                            std::vector<RangeInput>& out) {
  std::vector<std::string> visited;
  std::vector<const ConfigNode*> pending = roots;
  while (!pending.empty()) {
    const ConfigNode* node = pending.back();
    pending.pop_back();
    if (node->is_map()) {
      for (const auto& [key, child] : node->entries) pending.push_back(&child);
    } else if (node->is_sequence()) {
      for (const auto& item : node->items) pending.push_back(&item);
    } else if (const RawEntry* e = node->is_scalar() ? store.find(node->scalar) : nullptr) {
      if (e->kind == "facility" || e->kind == "model") continue;
      if (std::find(visited.begin(), visited.end(), e->name) != visited.end()) continue;
      visited.push_back(e->name);
      ranges_below(e->node, "hw." + e->name, out);
      pending.push_back(&e->node);
    }
  }
}

}  // namespace

std::vector<RangeInput> collect_ranges(const ConfigNode& document, const ConfigNode& facility,
                                       const EntryStore& store) {
  std::vector<RangeInput> out;
  ranges_below(facility, "facility", out);
  std::vector<const ConfigNode*> hardware_roots{&facility};
  for (const char* list : {"deployments", "workloads"}) {
    const ConfigNode* items = document.find(list);
    if (items == nullptr || !items->is_sequence()) continue;
    for (const auto& item : items->items) {
      const ConfigNode* name = item.is_map() ? item.find("name") : nullptr;
      if (name == nullptr) continue;
      ranges_below(item, fmt::format("{}.{}", list, name->scalar), out);
      if (std::string_view(list) == "deployments") hardware_roots.push_back(&item);
    }
  }
  collect_catalog_ranges(store, hardware_roots, out);
  return out;
}

}  // namespace hwsim
