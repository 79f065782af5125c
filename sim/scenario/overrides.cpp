#include "sim/scenario/overrides.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace hwsim {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char ch : path) {
    if (ch == '.') {
      parts.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  parts.push_back(current);
  return parts;
}

namespace {

// Sets `value` at `keys` below `node`, creating maps on the way; a scalar on the way that names a catalog entry
// (`facility: us-colo-2024`) becomes `{base: us-colo-2024}`.
void set_at(ConfigNode& node, const std::vector<std::string>& keys, std::size_t i, const ConfigNode& value) {
  if (node.is_scalar()) {
    ConfigNode m = ConfigNode::make_map(node.where);
    m.set("base", node);
    node = std::move(m);
  } else if (!node.is_map()) {
    node = ConfigNode::make_map(value.where);
  }
  if (i + 1 == keys.size()) {
    node.set(keys[i], value);
    return;
  }
  ConfigNode* child = node.find(keys[i]);
  if (child == nullptr) {
    node.set(keys[i], ConfigNode::make_map(value.where));
    child = node.find(keys[i]);
  }
  set_at(*child, keys, i + 1, value);
}

}  // namespace

void apply_override(ConfigNode& root, const std::string& assignment, std::vector<CatalogOverride>& hw,
                    Diagnostics& diags) {
  const SourceLocation where{"--set " + assignment, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    diags.add(where, "", "expected PATH=VALUE (e.g. facility.pue=1.2, deployments.NAME.count=10, hw.NAME.KEY=VALUE)");
    return;
  }
  if (invalid_utf8(assignment, "")) {
    diags.add(where, "", "not UTF-8 text");
    return;
  }
  if (const std::string c = forbidden_character(assignment, true); !c.empty()) {
    diags.add(where, "", fmt::format("holds the control character {}; values are printable text", c));
    return;
  }
  const std::vector<std::string> parts = split_path(assignment.substr(0, eq));
  const ConfigNode value = ConfigNode::make_scalar(assignment.substr(eq + 1), where);
  for (const auto& p : parts) {
    if (p.empty()) {
      diags.add(where, "", "empty key in the path");
      return;
    }
  }
  if (parts[0] == "hw") {
    if (parts.size() < 3) {
      diags.add(where, "", "expected hw.ENTRY.KEY=VALUE");
      return;
    }
    hw.push_back({parts[1], {parts.begin() + 2, parts.end()}, value});
    return;
  }
  if (parts[0] == "deployments" || parts[0] == "workloads") {
    ConfigNode* list = root.find(parts[0]);
    if (parts.size() < 3 || list == nullptr || !list->is_sequence()) {
      diags.add(where, "", fmt::format("expected {}.NAME.KEY=VALUE", parts[0]));
      return;
    }
    std::vector<std::string> names;
    for (auto& item : list->items) {
      const ConfigNode* n = item.is_map() ? item.find("name") : nullptr;
      if (n == nullptr) continue;
      names.push_back(n->scalar);
      if (n->scalar == parts[1]) {
        set_at(item, parts, 2, value);
        return;
      }
    }
    const std::string near = closest_match(parts[1], names);
    diags.add(
        where, "",
        fmt::format("no {} named '{}' (have: {}){}", parts[0] == "deployments" ? "deployment" : "workload", parts[1],
                    fmt::join(names, ", "), near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    return;
  }
  set_at(root, parts, 0, value);
}

void apply_catalog_overrides(EntryStore& store, const std::vector<CatalogOverride>& overrides, Diagnostics& diags) {
  for (const auto& o : overrides) {
    RawEntry* e = store.find_mutable(o.entry);
    if (e == nullptr) {
      std::vector<std::string> names;
      for (const auto& kind : catalog_kinds()) {
        for (auto& n : store.names_of_kind(kind)) names.push_back(n);
      }
      const std::string near = closest_match(o.entry, names);
      diags.add(o.value.where, "",
                fmt::format("unknown catalog entry '{}'{}", o.entry,
                            near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
      continue;
    }
    set_at(e->node, o.keys, 0, o.value);
  }
}

std::string override_text(const std::string& path, double value, const std::string& unit) {
  return fmt::format("{}={:.12g}{}{}", path, value, unit.empty() ? "" : " ", unit);
}

namespace {

template <class List>
std::ptrdiff_t index_of(const List& list, const std::string& name) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].name == name) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

}  // namespace

ScenarioSetter engine_setter(const std::vector<std::string>& parts, const Scenario& probe) {
  if (parts.size() == 2 && parts[0] == "facility") {
    const FacilitySpec& f = probe.facility;
    const std::string& key = parts[1];
    if (key == "pue") return [v = f.pue](Scenario& s) { s.facility.pue = v; };
    if (key == "electricity") return [v = f.electricity](Scenario& s) { s.facility.electricity = v; };
    if (key == "colocation") {
      return [v = f.colocation](Scenario& s) { s.facility.colocation = v; };
    }
    if (key == "years") return [v = f.years](Scenario& s) { s.facility.years = v; };
    if (key == "utilization") return [v = f.utilization](Scenario& s) { s.facility.utilization = v; };
    if (key == "power_budget") return [v = f.power_budget](Scenario& s) { s.facility.power_budget = v; };
    return {};
  }
  if (parts.size() == 3 && parts[0] == "deployments") {
    const auto i = index_of(probe.deployments, parts[1]);
    if (i < 0) return {};
    const DeploymentDecl& d = probe.deployments[static_cast<std::size_t>(i)];
    if (parts[2] == "count") {
      return [i, count = d.count, fill = d.fill](Scenario& s) {
        s.deployments[static_cast<std::size_t>(i)].count = count;
        s.deployments[static_cast<std::size_t>(i)].fill = fill;
      };
    }
    if (parts[2] == "nodes_per_rack") {
      return [i, v = d.nodes_per_rack](Scenario& s) { s.deployments[static_cast<std::size_t>(i)].nodes_per_rack = v; };
    }
    if (parts[2] == "price") {
      return [i, v = d.price](Scenario& s) { s.deployments[static_cast<std::size_t>(i)].price = v; };
    }
    return {};
  }
  if (parts.size() >= 3 && parts[0] == "workloads") {
    const auto i = index_of(probe.workloads, parts[1]);
    if (i < 0) return {};
    const auto u = static_cast<std::size_t>(i);
    const WorkloadDecl& w = probe.workloads[u];
    const std::string key = parts.size() == 4 ? parts[2] + "." + parts[3] : parts.size() == 3 ? parts[2] : "";
    if (w.kind == WorkloadKind::inference) {
      const InferenceConfig& c = w.inference;
      if (key == "batch") return [u, v = c.batch](Scenario& s) { s.workloads[u].inference.batch = v; };
      if (key == "input_tokens")
        return [u, v = c.input_tokens](Scenario& s) { s.workloads[u].inference.input_tokens = v; };
      if (key == "output_tokens") {
        return [u, v = c.output_tokens](Scenario& s) { s.workloads[u].inference.output_tokens = v; };
      }
      if (key == "sla.tpot") return [u, v = c.sla_tpot](Scenario& s) { s.workloads[u].inference.sla_tpot = v; };
      if (key == "sla.ttft") return [u, v = c.sla_ttft](Scenario& s) { s.workloads[u].inference.sla_ttft = v; };
      return {};
    }
    // With a deadline the tokens also set the sizing target (train_tokens / train_time): the full reload keeps them
    // together.
    if (key == "train_tokens" && !w.train_time) {
      return [u, v = w.training.train_tokens](Scenario& s) { s.workloads[u].training.train_tokens = v; };
    }
    return {};
  }
  return {};
}

}  // namespace hwsim
