#include "hwmodels/hardware_catalog.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace hwsim {

const Schema* hardware_schema(const std::string& kind) {
  if (kind == "gpu") return &gpu_schema();
  if (kind == "cpu") return &cpu_schema();
  if (kind == "node") return &node_schema();
  if (kind == "network") return &network_schema();
  if (kind == "cluster") return &cluster_schema();
  if (kind == "rack") return &rack_schema();
  if (kind == "facility") return &facility_schema();
  return nullptr;
}

void throw_unknown(const std::string& what, const std::string& name, const std::vector<std::string>& known,
                   const SourceLocation& where, const std::string& key) {
  const std::string near = closest_match(name, known);
  throw InputError(Diagnostic{where, key,
                              near.empty()
                                  ? fmt::format("unknown {} '{}' (known: {})", what, name, fmt::join(known, ", "))
                                  : fmt::format("unknown {} '{}' (did you mean '{}'?)", what, name, near)});
}

namespace {

template <class Spec>
const Spec* lookup(const std::map<std::string, Spec>& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

// Reference checking during construction. Entries that failed validation are not reported again when referenced
// (their own errors already are).
struct Resolver {
  const std::set<std::string>& invalid;
  Diagnostics& diags;

  // Adds "unknown X" to diags when `name` is not in `m`.
  template <class Spec>
  const Spec* operator()(const std::map<std::string, Spec>& m, const std::string& what, const std::string& name,
                         const Reader& r, const std::string& key) const {
    if (const Spec* s = lookup(m, name)) return s;
    if (invalid.count(name) > 0) return nullptr;
    try {
      throw_unknown(what, name, names_of(m), r.where(key), r.path_of(key));
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) diags.add(d.where, d.key_path, d.message);
    }
    return nullptr;
  }
};

NodeSpec load_node(const Reader& r, const std::map<std::string, GpuSpec>& gpus,
                   const std::map<std::string, CpuSpec>& cpus, const std::map<std::string, NetworkSpec>& networks,
                   const Resolver& resolve, Diagnostics& diags) {
  NodeSpec n;
  n.name = r.text("name");
  n.vendor = r.text("vendor");
  if (r.has("gpus")) {
    const Reader part = r.child("gpus");
    if (const GpuSpec* g = resolve(gpus, "gpu", part.text("model"), part, "model")) n.gpu = *g;
    n.gpu_count = static_cast<int>(part.integer("count"));
  }
  const Reader cpu_part = r.child("cpus");
  if (const CpuSpec* c = resolve(cpus, "cpu", cpu_part.text("model"), cpu_part, "model")) n.cpu = *c;
  n.cpu_count = static_cast<int>(cpu_part.integer("count"));
  n.host_memory = Bytes(r.quantity("host_memory"));

  const Reader fabric = r.child("fabric");
  const std::string kind = fabric.text("kind");
  n.fabric = kind == "nvswitch"          ? FabricKind::nvswitch
             : kind == "nvlink"          ? FabricKind::nvlink
             : kind == "infinity_fabric" ? FabricKind::infinity_fabric
             : kind == "pcie"            ? FabricKind::pcie
                                         : FabricKind::none;
  n.fabric_switches = static_cast<int>(fabric.optional_integer("switches").value_or(0));
  if (auto bw = fabric.optional_quantity("bandwidth_per_direction")) {
    n.fabric_bandwidth_per_direction = BytesPerSecond(*bw);
  } else if (n.gpu) {
    n.fabric_bandwidth_per_direction = (n.fabric == FabricKind::nvswitch || n.fabric == FabricKind::nvlink)
                                           ? n.gpu->nvlink_bandwidth_per_direction
                                           : n.gpu->pcie_bandwidth_per_direction;
  }
  if ((n.fabric == FabricKind::nvswitch || n.fabric == FabricKind::nvlink) && !r.has("gpus")) {
    diags.add(fabric.where("kind"), fabric.path_of("kind"), "an NVLink fabric needs `gpus:`");
  }
  // A GPU entry describes NVLink and PCIe links only: an Infinity Fabric mesh states its bandwidth in the node.
  if (n.fabric == FabricKind::infinity_fabric && !fabric.has("bandwidth_per_direction")) {
    diags.add(fabric.where("kind"), fabric.path_of("kind"),
              "an infinity_fabric mesh needs `bandwidth_per_direction` (per GPU, one direction, all its links)");
  }
  const Reader nics = r.child("nics");
  if (r.has("nics")) {
    n.nic_network = nics.text("network");
    if (!n.nic_network.empty()) resolve(networks, "network", n.nic_network, nics, "network");
    n.nic_count = static_cast<int>(nics.integer("count"));
    n.nic_rate = BytesPerSecond(nics.quantity("rate"));
  }
  if (auto s = r.optional_quantity("storage")) n.storage = Bytes(*s);
  const Reader power = r.child("power");
  n.power = {Watts(power.quantity("max")),
             Watts(power.quantity("idle")),
             Watts(power.quantity("overhead")),
             power.number("psu_efficiency"),
             Watts(power.quantity("fans")),
             Watts(power.optional_quantity("psu_capacity").value_or(2.0 * power.quantity("max")))};
  n.cooling = r.text("cooling") == "liquid" ? Cooling::liquid : Cooling::air;
  if (n.power.psu_efficiency > 1.0) {
    diags.add(power.where("psu_efficiency"), power.path_of("psu_efficiency"), "must be at most 1");
  }
  if (n.power.idle > n.power.max) {
    diags.add(power.where("idle"), power.path_of("idle"), "idle power is above the node's maximum");
  }
  n.rack_units = static_cast<int>(r.integer("rack_units"));
  n.price = Usd(r.quantity("price"));
  return n;
}

}  // namespace

HardwareCatalog HardwareCatalog::build(const EntryStore& store, const SourceRegistry& sources) {
  HardwareCatalog hw;
  Diagnostics diags;
  // Validate every entry first (parse -> validate -> construct); construct only what validated.
  std::map<std::string, bool> valid;
  std::set<std::string> invalid;
  for (const auto& kind : catalog_kinds()) {
    const Schema* schema = hardware_schema(kind);
    for (const RawEntry* e : store.of_kind(kind)) {
      if (schema == nullptr) {
        // `sources:` is declared for hardware kinds only (the store keeps it beside the keys of every kind).
        if (e->sources.key_where.line > 0) {
          diags.add(e->sources.key_where, "", fmt::format("unknown key 'sources' ({} entries list no sources)", kind));
        }
        continue;
      }
      Diagnostics local;
      validate(e->node, *schema, local);
      hw.sources_[e->name] = lookup_sources(e->sources, sources, local);
      valid[e->name] = local.empty();
      if (!local.empty()) invalid.insert(e->name);
      for (const auto& d : local.items()) diags.add(d.where, d.key_path, d.message);
    }
  }
  const Resolver resolve{invalid, diags};
  const auto each = [&](const std::string& kind, auto&& fn) {
    for (const RawEntry* e : store.of_kind(kind)) {
      if (valid[e->name]) fn(Reader(e->node, *hardware_schema(kind)), e->name);
    }
  };
  each("gpu", [&](const Reader& r, const std::string& name) { hw.gpus_.emplace(name, load_gpu(r)); });
  each("cpu", [&](const Reader& r, const std::string& name) { hw.cpus_.emplace(name, load_cpu(r)); });
  each("network", [&](const Reader& r, const std::string& name) { hw.networks_.emplace(name, load_network(r)); });
  each("rack", [&](const Reader& r, const std::string& name) { hw.racks_.emplace(name, load_rack(r)); });
  each("node", [&](const Reader& r, const std::string& name) {
    hw.nodes_.emplace(name, load_node(r, hw.gpus_, hw.cpus_, hw.networks_, resolve, diags));
  });
  each("cluster", [&](const Reader& r, const std::string& name) {
    ClusterSpec c = load_cluster(r);
    resolve(hw.nodes_, "node", c.node, r, "node");
    const Reader net = r.child("network");
    resolve(hw.networks_, "network", c.network, net, "fabric");
    hw.clusters_.emplace(name, std::move(c));
  });
  each("facility", [&](const Reader& r, const std::string& name) {
    FacilitySpec f = load_facility(r);
    resolve(hw.racks_, "rack", f.rack, r, "rack");
    hw.facilities_.emplace(name, std::move(f));
  });
  diags.throw_if_any();
  return hw;
}

const std::vector<Source>& HardwareCatalog::sources_of(const std::string& name) const {
  static const std::vector<Source> none;
  auto it = sources_.find(name);
  return it == sources_.end() ? none : it->second;
}

const NodeSpec& HardwareCatalog::node(const std::string& name, const SourceLocation& where,
                                      const std::string& key) const {
  if (const NodeSpec* n = lookup(nodes_, name)) return *n;
  throw_unknown("node", name, names_of(nodes_), where, key);
}
const ClusterSpec& HardwareCatalog::cluster(const std::string& name, const SourceLocation& where,
                                            const std::string& key) const {
  if (const ClusterSpec* c = lookup(clusters_, name)) return *c;
  throw_unknown("cluster", name, names_of(clusters_), where, key);
}
const NetworkSpec& HardwareCatalog::network(const std::string& name, const SourceLocation& where,
                                            const std::string& key) const {
  if (const NetworkSpec* n = lookup(networks_, name)) return *n;
  throw_unknown("network", name, names_of(networks_), where, key);
}
const RackSpec& HardwareCatalog::rack(const std::string& name, const SourceLocation& where,
                                      const std::string& key) const {
  if (const RackSpec* r = lookup(racks_, name)) return *r;
  throw_unknown("rack", name, names_of(racks_), where, key);
}

}  // namespace hwsim
