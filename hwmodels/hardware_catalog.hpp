// Every hardware entry of the catalog, validated and turned into immutable specs, with cross references resolved
// (a node's GPU and CPU models, its NICs' network, a cluster's node and fabric).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hwmodels/cpu.hpp"
#include "hwmodels/gpu.hpp"
#include "hwmodels/infrastructure.hpp"
#include "hwmodels/node.hpp"
#include "hwmodels/source_registry.hpp"
#include "sim/core/entry_store.hpp"

namespace hwsim {

class HardwareCatalog {
 public:
  // Validates and constructs every hardware entry of `store`, and looks up each entry's `sources:` in `sources`;
  // throws InputError listing every problem.
  static HardwareCatalog build(const EntryStore& store, const SourceRegistry& sources = SourceRegistry::shipped());

  [[nodiscard]] const std::map<std::string, GpuSpec>& gpus() const { return gpus_; }
  [[nodiscard]] const std::map<std::string, CpuSpec>& cpus() const { return cpus_; }
  [[nodiscard]] const std::map<std::string, NodeSpec>& nodes() const { return nodes_; }
  [[nodiscard]] const std::map<std::string, NetworkSpec>& networks() const { return networks_; }
  [[nodiscard]] const std::map<std::string, ClusterSpec>& clusters() const { return clusters_; }
  [[nodiscard]] const std::map<std::string, RackSpec>& racks() const { return racks_; }
  [[nodiscard]] const std::map<std::string, FacilitySpec>& facilities() const { return facilities_; }
  // The publications an entry's figures cite (its `sources:`, then its base chain's); empty when it lists none.
  [[nodiscard]] const std::vector<Source>& sources_of(const std::string& name) const;

  // Lookups that turn an unknown name into an InputError at `where` with the closest known name.
  [[nodiscard]] const NodeSpec& node(const std::string& name, const SourceLocation& where,
                                     const std::string& key) const;
  [[nodiscard]] const ClusterSpec& cluster(const std::string& name, const SourceLocation& where,
                                           const std::string& key) const;
  [[nodiscard]] const NetworkSpec& network(const std::string& name, const SourceLocation& where,
                                           const std::string& key) const;
  [[nodiscard]] const RackSpec& rack(const std::string& name, const SourceLocation& where,
                                     const std::string& key) const;

 private:
  std::map<std::string, GpuSpec> gpus_;
  std::map<std::string, CpuSpec> cpus_;
  std::map<std::string, NodeSpec> nodes_;
  std::map<std::string, NetworkSpec> networks_;
  std::map<std::string, ClusterSpec> clusters_;
  std::map<std::string, RackSpec> racks_;
  std::map<std::string, FacilitySpec> facilities_;
  std::map<std::string, std::vector<Source>> sources_;
};

// The schema of a catalog kind ("gpu", "node", ...); nullptr for kinds hwmodels does not own ("model").
const Schema* hardware_schema(const std::string& kind);

// "unknown node 'dgx-h10' (did you mean 'dgx-h100'?)" as an InputError.
[[noreturn]] void throw_unknown(const std::string& what, const std::string& name, const std::vector<std::string>& known,
                                const SourceLocation& where, const std::string& key);

template <class Spec>
std::vector<std::string> names_of(const std::map<std::string, Spec>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

}  // namespace hwsim
