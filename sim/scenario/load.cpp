// Loading a scenario file: the document with its overrides, validated against the declared keys, resolved against
// the catalog, then read section by section (facility, deployments, workloads, expectations, validation case).
#include "sim/scenario/load.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <set>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/perf/device.hpp"
#include "sim/scenario/inputs.hpp"
#include "sim/scenario/load_parts.hpp"
#include "sim/scenario/overrides.hpp"
#include "sim/scenario/ranges.hpp"
#include "sim/scenario/scenario_schema.hpp"

namespace hwsim {

namespace {

using scenario_load::bad;
using scenario_load::collect;

// Whether a deployment or workload named `name` is already in `list`.
template <class List>
bool has_name(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.name == name; });
}

// Validates the document (workloads by their kind, an inline facility map) and returns each workload's node and
// schema.
std::vector<std::pair<const ConfigNode*, const Schema*>> validate_document(const ConfigNode& root, Diagnostics& diags) {
  validate(root, scenario_schema(), diags);
  std::vector<std::pair<const ConfigNode*, const Schema*>> workload_nodes;
  const ConfigNode* workloads = root.find("workloads");
  if (workloads != nullptr && !workloads->is_sequence()) {
    diags.add(workloads->where, "workloads", "expected a list (items start with '- ')");
  }
  if (workloads != nullptr && workloads->is_sequence()) {
    for (std::size_t i = 0; i < workloads->items.size(); ++i) {
      const ConfigNode& w = workloads->items[i];
      const std::string p = fmt::format("workloads[{}]", i);
      const ConfigNode* kind = w.is_map() ? w.find("kind") : nullptr;
      if (kind == nullptr || (kind->scalar != "training" && kind->scalar != "inference")) {
        diags.add(kind ? kind->where : w.where, p + ".kind", "expected kind: training or kind: inference");
        continue;
      }
      const Schema* schema = kind->scalar == "training" ? &training_workload_schema() : &inference_workload_schema();
      validate(w, *schema, diags, p);
      workload_nodes.emplace_back(&w, schema);
    }
  }
  // An inline facility map is checked with the document (a `base:` entry is checked with the catalog).
  if (const ConfigNode* f = root.find("facility"); f != nullptr && f->is_map()) {
    validate(*f, facility_schema(), diags, "facility");
  } else if (f != nullptr && !f->is_scalar()) {
    diags.add(f->where, "facility", "expected a facility catalog entry or a map of facility keys");
  }
  return workload_nodes;
}

// The scenario's own `catalog:` list: directories (relative to the scenario file) and inline entries.
void add_scenario_catalog(const ConfigNode& root, const std::filesystem::path& dir, const std::string& file,
                          EntryStore& store, Diagnostics& diags) {
  const ConfigNode* cat = root.find("catalog");
  if (cat == nullptr) return;
  if (!cat->is_sequence()) {
    diags.add(cat->where, "catalog", "expected a list of directories and inline catalog entries");
    return;
  }
  for (const auto& item : cat->items) {
    if (item.is_scalar()) {
      const std::filesystem::path p =
          std::filesystem::path(item.scalar).is_absolute() ? std::filesystem::path(item.scalar) : dir / item.scalar;
      Diagnostics local;
      store.add_directory(p, local);
      for (const auto& d : local.items()) {
        const bool here = d.where.file == p.string();
        diags.add(here ? item.where : d.where, here ? "catalog" : d.key_path, d.message);
      }
    } else if (item.is_map()) {
      store.add_entry(item, file, diags, false);
    } else {
      diags.add(item.where, "catalog", "expected a directory or an inline catalog entry");
    }
  }
}

// The facility: a catalog name, an inline map (optionally with base:), or the defaults. Returns the merged map.
ConfigNode read_facility(const ConfigNode& root, const EntryStore& store, Scenario& sc) {
  ConfigNode facility = ConfigNode::make_map(root.where);
  if (const ConfigNode* f = root.find("facility")) {
    if (f->is_scalar()) {
      facility = ConfigNode::make_map(f->where);
      facility.set("base", *f);
    } else {
      facility = *f;
    }
  }
  if (const ConfigNode* base = facility.find("base")) {
    const RawEntry* e = store.find(base->scalar);
    if (e == nullptr || e->kind != "facility") {
      throw_unknown("facility", base->scalar, store.names_of_kind("facility"), base->where, "facility");
    }
    facility = merge_config(e->node, facility);
  }
  const Reader fr(facility, facility_schema(), "facility");
  sc.facility = load_facility(fr);
  if (sc.facility.utilization > 1.0) {
    throw InputError(Diagnostic{fr.where("utilization"), "facility.utilization", "must be at most 1"});
  }
  sc.rack = sc.hw->rack(sc.facility.rack, fr.where("rack"), "facility.rack");
  return facility;
}

// A power limit lives between the accelerator's idle draw and its TDP (nvidia-smi -pl refuses others).
Watts read_power_cap(const Reader& d, const NodeSpec& node) {
  const double cap = *d.optional_quantity("power_cap");
  const Device device = device_of(node);
  if (cap <= device.idle.value() || cap > device.tdp.value()) {
    bad(d, "power_cap",
        fmt::format("a power cap for {} must be above its idle {} and at most its TDP {}", device.name,
                    format_quantity(device.idle.value(), Dimension::watts),
                    format_quantity(device.tdp.value(), Dimension::watts)));
  }
  return Watts(cap);
}

// One deployment; a `count: fill` without a budget of its own or the facility's is added to `unbounded`.
// The facility's rack must physically hold the deployment's nodes: `nodes_per_rack` (when given) within the rack's
// units and power limit, and one node at least within its power limit (a 120 kW NVL72-class rack is not a node for a
// 20 kW air-cooled rack). Without `nodes_per_rack` the nodes are packed as the rack allows (sim/plan shape_system).
void check_rack_holds(const Reader& d, const RackSpec& rack, const NodeSpec& node, std::optional<int> per_rack) {
  const int holds = nodes_rack_holds(rack, node);
  const char* rack_cooling = rack.cooling == Cooling::liquid ? "liquid-cooled" : "air-cooled";
  const char* node_cooling = node.cooling == Cooling::liquid ? "liquid-cooled" : "air-cooled";
  if (holds < 1) {
    bad(d, d.has("cluster") ? "cluster" : "node",
        fmt::format("node '{}' ({}U, {:.1f} kW, {}) does not fit {} rack '{}' ({}U, {:.1f} kW){}; choose a rack "
                    "(facility.rack) that holds it",
                    node.name, node.rack_units, node.power.max.value() / 1e3, node_cooling, rack_cooling, rack.name,
                    rack.rack_units, rack.power_limit.value() / 1e3,
                    node.cooling == Cooling::liquid && rack.cooling == Cooling::air ? ": no coolant reaches it" : ""));
  }
  if (per_rack && *per_rack > holds) {
    bad(d, "nodes_per_rack",
        fmt::format("{} x '{}' need {}U and {:.1f} kW; {} rack '{}' has {}U and {:.1f} kW: at most {} per rack",
                    *per_rack, node.name, *per_rack * node.rack_units, *per_rack * node.power.max.value() / 1e3,
                    rack_cooling, rack.name, rack.rack_units, rack.power_limit.value() / 1e3, holds));
  }
}

DeploymentDecl read_deployment(const Reader& d, const Scenario& sc,
                               std::vector<std::pair<SourceLocation, std::string>>& unbounded) {
  DeploymentDecl dep;
  dep.name = d.text("name");
  dep.where = d.where();
  if (d.has("cluster") == d.has("node")) {
    throw InputError(Diagnostic{d.where(), d.path(), "give exactly one of `node` or `cluster`"});
  }
  if (d.has("cluster")) {
    dep.cluster = &sc.hw->cluster(d.text("cluster"), d.where("cluster"), d.path_of("cluster"));
    dep.node = &sc.hw->node(dep.cluster->node, d.where("cluster"), d.path_of("cluster"));
  } else {
    dep.node = &sc.hw->node(d.text("node"), d.where("node"), d.path_of("node"));
  }
  if (auto c = d.optional_quantity("capex_budget")) dep.capex_budget = Usd(*c);
  if (auto n = d.optional_integer("max_racks")) dep.max_racks = static_cast<int>(*n);
  if (d.is_word("count", "fill")) {
    dep.fill = true;
    if (!sc.facility.power_budget && !dep.capex_budget && !dep.max_racks) {
      unbounded.emplace_back(d.where("count"), d.path_of("count"));
    }
  } else if (auto n = d.optional_integer("count")) {
    dep.count = static_cast<int>(*n);
  }
  if (auto n = d.optional_integer("nodes_per_rack")) dep.nodes_per_rack = static_cast<int>(*n);
  check_rack_holds(d, sc.rack, *dep.node, dep.nodes_per_rack);
  if (auto n = d.optional_integer("devices")) {
    if (dep.fill) bad(d, "devices", "`devices` takes part of each node; it cannot be combined with count: fill");
    if (*n > dep.node->devices()) {
      bad(d, "devices", fmt::format("node '{}' has {} devices, asked for {}", dep.node->name, dep.node->devices(), *n));
    }
    dep.devices = static_cast<int>(*n);
  }
  if (auto p = d.optional_quantity("price")) dep.price = Usd(*p);
  if (d.has("power_cap")) dep.power_cap = read_power_cap(d, *dep.node);
  if (auto p = d.optional_quantity("cloud_price")) dep.cloud_price = UsdPerSecond(*p / kSecondsPerHour);
  if (d.has("network")) dep.network = &sc.hw->network(d.text("network"), d.where("network"), d.path_of("network"));
  return dep;
}

// count: fill needs something to stop at: a budget, or a throughput target on every workload. `unbounded` holds the
// `count` keys of fills without a budget.
void check_fills_bounded(const std::vector<std::pair<SourceLocation, std::string>>& unbounded, const Scenario& sc,
                         Diagnostics& diags) {
  const auto untargeted = std::find_if(sc.workloads.begin(), sc.workloads.end(),
                                       [](const WorkloadDecl& w) { return !w.min_throughput_tokens_per_s; });
  if (untargeted == sc.workloads.end()) return;
  for (const auto& [where, key] : unbounded) {
    diags.add(where, key,
              fmt::format("count: fill needs facility.power_budget, capex_budget or max_racks (workload '{}' has no "
                          "min_throughput_tokens_per_s or train_time to size for)",
                          untargeted->name));
  }
}

// Disaggregated pools name their devices, which must add up to the deployment's: they cannot follow the node count
// that count: fill searches.
void check_fills_fixed_pools(const Scenario& sc, Diagnostics& diags) {
  const auto fill =
      std::find_if(sc.deployments.begin(), sc.deployments.end(), [](const DeploymentDecl& d) { return d.fill; });
  if (fill == sc.deployments.end()) return;
  for (std::size_t i = 0; i < sc.workloads.size(); ++i) {
    const WorkloadDecl& w = sc.workloads[i];
    if (w.kind != WorkloadKind::inference || !w.inference.disaggregated) continue;
    diags.add(w.where, fmt::format("workloads[{}].disaggregated", i),
              fmt::format("disaggregated pools name their devices and cannot follow count: fill (deployment '{}'); "
                          "give it a count",
                          fill->name));
  }
}

void read_expectations(const Reader& top, Scenario& sc, Diagnostics& diags) {
  for (const Reader& e : top.list("expect")) {
    Expectation x;
    x.metric = e.text("metric");
    x.min = e.optional_number("min");
    x.max = e.optional_number("max");
    x.approx = e.optional_number("approx");
    x.tolerance = e.number("tolerance");
    x.where = e.where();
    if (!x.min && !x.max && !x.approx) diags.add(e.where(), e.path(), "an expectation needs min, max or approx");
    if (x.min && x.max && *x.min > *x.max) {
      diags.add(e.where("max"), e.path_of("max"),
                fmt::format("max {:g} is below min {:g}: no value can hold", *x.max, *x.min));
    }
    sc.expectations.push_back(x);
  }
}

void read_validation(const Reader& top, Scenario& sc, Diagnostics& diags) {
  if (!top.has("validation")) return;
  const Reader v = top.child("validation");
  ValidationCase vc{v.text("id"),         v.text("kind"),   v.text("deployment"),
                    v.text("workload"),   v.text("metric"), v.number("measured"),
                    v.text("confidence"), v.text("source"), v.text("split"),
                    v.text("note"),       v.where()};
  const bool short_id =
      !vc.source.empty() && vc.source.size() <= 40 && std::all_of(vc.source.begin(), vc.source.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
      });
  if (!short_id) {
    diags.add(v.where("source"), "validation.source",
              fmt::format("'{}' is not a short publication id: use letters, digits, '.', '-' or '_' (at most 40), "
                          "such as mlperf-training-v4.0, and put the full citation in `note`",
                          vc.source));
  }
  if (!has_name(sc.deployments, vc.deployment)) {
    diags.add(v.where("deployment"), "validation.deployment", fmt::format("no deployment '{}'", vc.deployment));
  }
  if (!has_name(sc.workloads, vc.workload)) {
    diags.add(v.where("workload"), "validation.workload", fmt::format("no workload '{}'", vc.workload));
  }
  sc.validation = vc;
}

// The catalog directories a load reads: the defaults and the options' extra ones.
EntryStore read_option_catalog_dirs(const LoadOptions& options) {
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  dirs.insert(dirs.end(), options.catalog_dirs.begin(), options.catalog_dirs.end());
  return read_catalog_dirs(dirs);
}

// The catalog the scenario resolves against: the directories (or the caller's copy of them), the scenario's own
// entries, the catalog overrides; `base:` resolved.
EntryStore scenario_catalog(const ConfigNode& root, const std::filesystem::path& path, const LoadOptions& options,
                            const std::vector<CatalogOverride>& overrides, Diagnostics& diags) {
  EntryStore store;
  collect(diags, [&] {
    if (options.catalog != nullptr) {
      store = *options.catalog;
      return;
    }
    store = read_option_catalog_dirs(options);
  });
  add_scenario_catalog(root, path.parent_path(), path.string(), store, diags);
  apply_catalog_overrides(store, overrides, diags);
  diags.throw_if_any();  // nothing below is meaningful with a broken document or catalog
  store.resolve(diags);
  diags.throw_if_any();
  return store;
}

void collect_scalars(const ConfigNode& node, std::vector<std::string>& out) {
  if (node.is_scalar()) out.push_back(node.scalar);
  for (const auto& [k, v] : node.entries) collect_scalars(v, out);
  for (const auto& item : node.items) collect_scalars(item, out);
}

// The entries of `all` named in `names`, and those they name (base:, a node's GPU, its network, ...), as a store.
EntryStore reachable_entries(const EntryStore& all, std::vector<std::string> names) {
  EntryStore out;
  Diagnostics diags;  // entries of a store that read without error add without error
  std::set<std::string> seen;
  while (!names.empty()) {
    const std::string name = std::move(names.back());
    names.pop_back();
    const RawEntry* e = all.find(name);
    if (e == nullptr || !seen.insert(name).second) continue;
    collect_scalars(e->node, names);
    out.add_entry(e->node, e->file, diags, false);
  }
  return out;
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string file = path.string();
  ConfigNode root = options.document != nullptr ? *options.document : load_yaml_file(path, file);
  if (!root.is_map()) {
    throw InputError(Diagnostic{{file, 1, 1}, "", "a scenario is a map with name, deployments, workloads"});
  }
  Diagnostics diags;
  std::vector<CatalogOverride> catalog_overrides;
  for (const auto& s : options.sets) apply_override(root, s, catalog_overrides, diags);
  const auto workload_nodes = validate_document(root, diags);
  const EntryStore store = scenario_catalog(root, path, options, catalog_overrides, diags);

  Scenario sc{.name = "",
              .description = "",
              .file = file,
              .hw = std::make_shared<const HardwareCatalog>(HardwareCatalog::build(store))};
  const Reader top(root, scenario_schema());
  sc.name = top.text("name");
  sc.description = top.text("description");
  ConfigNode facility = ConfigNode::make_map(root.where);
  collect(diags, [&] { facility = read_facility(root, store, sc); });
  std::vector<std::pair<SourceLocation, std::string>> unbounded_fills;
  std::set<std::string> names;  // duplicates found in one pass (loading stays linear in the number of entries)
  for (const Reader& d : top.list("deployments")) {
    collect(diags, [&] {
      DeploymentDecl dep = read_deployment(d, sc, unbounded_fills);
      if (!names.insert(dep.name).second) bad(d, "name", "duplicate deployment name");
      sc.deployments.push_back(std::move(dep));
    });
  }
  names.clear();
  for (std::size_t i = 0; i < workload_nodes.size(); ++i) {
    const ConfigNode& node = *workload_nodes[i].first;
    const Schema& schema = *workload_nodes[i].second;
    collect(diags, [&] {
      const Reader w(node, schema, fmt::format("workloads[{}]", i));
      WorkloadDecl decl = scenario_load::read_workload(w, node, store);
      if (!names.insert(decl.name).second) bad(w, "name", "duplicate workload name");
      sc.workloads.push_back(std::move(decl));
    });
  }
  check_fills_bounded(unbounded_fills, sc, diags);
  check_fills_fixed_pools(sc, diags);
  read_expectations(top, sc, diags);
  read_validation(top, sc, diags);
  diags.throw_if_any();

  sc.ranges = collect_ranges(root, facility, store);
  if (options.inputs != nullptr) *options.inputs = collect_inputs(root, store, sc);
  return sc;
}

ScenarioSource::ScenarioSource(std::filesystem::path file, LoadOptions options)
    : file_(std::move(file)), options_(std::move(options)) {
  document_ = std::make_unique<ConfigNode>(options_.document != nullptr ? *options_.document
                                                                        : load_yaml_file(file_, file_.string()));
  options_.document = document_.get();
  options_.inputs = nullptr;
  if (options_.catalog != nullptr) {
    all_entries_ = std::make_unique<EntryStore>(*options_.catalog);
  } else {
    try {
      all_entries_ = std::make_unique<EntryStore>(read_option_catalog_dirs(options_));
    } catch (const InputError&) {
      // A broken catalog directory: leave it to load_scenario, which reports it together with the document's own
      // problems (as a load without the source would), instead of hiding those.
      all_entries_ = std::make_unique<EntryStore>();
      options_.catalog = nullptr;
      return;
    }
  }
  options_.catalog = all_entries_.get();
}

Scenario ScenarioSource::load(const std::vector<std::string>& extra_sets, std::vector<InputValue>* inputs) const {
  LoadOptions o = options_;
  o.sets.insert(o.sets.end(), extra_sets.begin(), extra_sets.end());
  o.inputs = inputs;
  return load_scenario(file_, o);
}

void ScenarioSource::narrow_to(std::vector<std::string> names) {
  if (options_.catalog == nullptr) return;  // the catalog is read per load (a broken directory)
  collect_scalars(*document_, names);
  narrowed_ = std::make_unique<EntryStore>(reachable_entries(*all_entries_, std::move(names)));
  options_.catalog = narrowed_.get();
}

bool ScenarioSource::widen() {
  if (options_.catalog == nullptr) return false;  // the catalog is read per load (a broken directory)
  const bool was_narrow = options_.catalog != all_entries_.get();
  options_.catalog = all_entries_.get();
  return was_narrow;
}

}  // namespace hwsim
