#include "sim/scenario/inputs.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <set>

#include "sim/core/catalog_paths.hpp"

namespace hwsim {

namespace {

// The project root: the parent of the folder holding the first default catalog (hwmodels/catalog -> root).
std::filesystem::path project_root() {
  static const std::filesystem::path root = [] {
    const auto dirs = default_catalog_dirs();
    if (dirs.empty()) return std::filesystem::path{};
    std::error_code ec;
    const auto abs = std::filesystem::weakly_canonical(dirs.front(), ec);
    return abs.parent_path().parent_path();
  }();
  return root;
}

bool is_under(const std::filesystem::path& p, const std::filesystem::path& dir) {
  if (dir.empty()) return false;
  auto it = p.begin();
  for (const auto& part : dir) {
    if (it == p.end() || *it != part) return false;
    ++it;
  }
  return true;
}

struct Flattener {
  std::map<std::string, InputValue> out;
  // Catalog entries are listed only for the keys they state themselves (not those merged from `base:`).
  std::string own_file;

  void add(const std::string& path, const ConfigNode& node) {
    if (!own_file.empty() && node.where.file != own_file && node.where.file.rfind("--set", 0) != 0) return;
    out[path] = InputValue{path, node.scalar, portable_source(node.where)};
  }

  void walk(const ConfigNode& node, const std::string& path) {
    if (node.is_scalar()) {
      add(path, node);
    } else if (node.is_map()) {
      for (const auto& [k, v] : node.entries) walk(v, path.empty() ? k : path + "." + k);
    } else if (node.is_sequence()) {
      for (std::size_t i = 0; i < node.items.size(); ++i) walk(node.items[i], fmt::format("{}[{}]", path, i));
    }
  }
};

void scalars_of(const ConfigNode& node, std::vector<std::string>& out) {
  if (node.is_scalar()) out.push_back(node.scalar);
  for (const auto& [k, v] : node.entries) scalars_of(v, out);
  for (const auto& item : node.items) scalars_of(item, out);
}

}  // namespace

std::string portable_source(const SourceLocation& where) {
  if (where.file.empty() || where.file.rfind("--set", 0) == 0) return where.file;
  thread_local std::map<std::string, std::string> shown_files;  // the file system is asked once per file
  auto it = shown_files.find(where.file);
  if (it == shown_files.end()) {
    std::error_code ec;
    const auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(where.file, ec), ec);
    std::filesystem::path shown(where.file);
    if (!ec) {
      const auto root = project_root();
      shown = is_under(abs, root) ? abs.lexically_relative(root)
                                  : abs.lexically_relative(std::filesystem::current_path(ec));
    }
    it = shown_files.emplace(where.file, shown.generic_string()).first;
  }
  return where.line > 0 ? fmt::format("{}:{}", it->second, where.line) : it->second;
}

std::vector<InputValue> collect_inputs(const ConfigNode& document, const EntryStore& catalog, const Scenario& sc) {
  Flattener f;
  std::vector<std::string> names;  // scalar values that may name catalog entries
  // The scenario's keys; deployments and workloads by name, as --set addresses them.
  for (const auto& [key, value] : document.entries) {
    if (key == "name" || key == "description" || key == "catalog" || key == "expect" || key == "validation") continue;
    scalars_of(value, names);
    if ((key == "deployments" || key == "workloads") && value.is_sequence()) {
      for (const auto& item : value.items) {
        const ConfigNode* name = item.is_map() ? item.find("name") : nullptr;
        if (name == nullptr) continue;
        for (const auto& [k, v] : item.entries) {
          if (k != "name") f.walk(v, key + "." + name->scalar + "." + k);
        }
      }
    } else {
      f.walk(value, key);
    }
  }
  // Entries named by typed values that may come from defaults (the facility's rack).
  names.push_back(sc.facility.rack);
  // Every catalog entry reachable from those names, through the entries' own values.
  std::set<std::string> seen;
  while (!names.empty()) {
    const std::string name = names.back();
    names.pop_back();
    const RawEntry* e = catalog.find(name);
    if (e == nullptr || !seen.insert(name).second) continue;
    scalars_of(e->node, names);
    f.own_file = e->file;
    for (const auto& [k, v] : e->node.entries) {
      if (k != "name" && k != "kind") f.walk(v, "hw." + name + "." + k);
    }
  }
  std::vector<InputValue> out;
  out.reserve(f.out.size());
  for (auto& [path, v] : f.out) out.push_back(std::move(v));
  return out;
}

}  // namespace hwsim
