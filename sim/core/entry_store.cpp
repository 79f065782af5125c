#include "sim/core/entry_store.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <functional>
#include <set>

namespace hwsim {

namespace {

// An entry's `sources:` through `base:`: its own ids, then its parent's (already resolved) not listed yet; absent,
// its parent's. A value that is not a list (or `sources:` without a value) is kept as written, for the hardware
// loader to report at the entry that wrote it.
ConfigNode inherited_sources(const ConfigNode& own, const ConfigNode& parent) {
  const bool absent = own.kind == ConfigNode::Kind::null && own.where.line == 0;
  if (absent) return parent;
  if (!own.is_sequence() || !parent.is_sequence()) return own;
  ConfigNode out = own;
  for (const auto& item : parent.items) {
    const bool listed = std::any_of(out.items.begin(), out.items.end(), [&](const ConfigNode& x) {
      return x.is_scalar() && item.is_scalar() && x.scalar == item.scalar;
    });
    if (!listed) out.items.push_back(item);
  }
  return out;
}

}  // namespace

void EntryStore::add_directory(const std::filesystem::path& dir, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diags.add({dir.string(), 0, 0}, "", "catalog directory does not exist");
    return;
  }
  std::vector<fs::path> files;
  std::uintmax_t bytes = 0;
  const auto refuse = [&](const fs::path& where, const std::string& why) {
    diags.add({where.string(), 0, 0}, "", why);
  };
  // Walked by hand: a directory that cannot be read is bad input with its name, not an exception out of the loop.
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  fs::path last = dir;  // the entry visited last: a failure to descend is about it
  std::size_t visited = 0;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    last = it->path();
    if (++visited > 10 * kMaxCatalogFiles) {
      refuse(dir, fmt::format("more than {} files and directories below a catalog directory: refused (is it the "
                              "right directory?)",
                              10 * kMaxCatalogFiles));
      return;
    }
    if (it.depth() >= kMaxCatalogDepth) {
      refuse(it->path(), fmt::format("catalog directories nest deeper than {} levels: refused", kMaxCatalogDepth));
      return;
    }
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec) || it->path().extension() != ".yaml") continue;
    files.push_back(it->path());
    bytes += it->file_size(type_ec);
    if (files.size() > kMaxCatalogFiles || bytes > kMaxCatalogBytes) {
      refuse(dir, fmt::format("more than {} YAML files or {} MiB in one catalog directory: refused (is it the "
                              "right directory?)",
                              kMaxCatalogFiles, kMaxCatalogBytes >> 20));
      return;
    }
  }
  if (ec) {
    refuse(last, fmt::format("cannot read the catalog directory: {}", ec.message()));
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      add_entry(load_yaml_file(f, f.string()), f.string(), diags, true);
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) diags.add(d.where, d.key_path, d.message);
    }
  }
}

void EntryStore::add_entry(ConfigNode node, const std::string& file, Diagnostics& diags, bool check_file_name) {
  if (!node.is_map()) {
    diags.add(node.where.line ? node.where : SourceLocation{file, 0, 0}, "",
              "a catalog entry is a map starting with `name:` and `kind:`");
    return;
  }
  const ConfigNode* name = node.find("name");
  const ConfigNode* kind = node.find("kind");
  if (name == nullptr || !name->is_scalar() || name->scalar.empty()) {
    diags.add(node.where, "", "missing required key 'name'");
    return;
  }
  if (kind == nullptr || !kind->is_scalar()) {
    diags.add(node.where, name->scalar,
              fmt::format("missing required key 'kind' (one of: {})", fmt::join(catalog_kinds(), ", ")));
    return;
  }
  if (std::find(catalog_kinds().begin(), catalog_kinds().end(), kind->scalar) == catalog_kinds().end()) {
    const std::string near = closest_match(kind->scalar, catalog_kinds());
    diags.add(kind->where, "kind",
              fmt::format("unknown kind \"{}\" (one of: {}){}", kind->scalar, fmt::join(catalog_kinds(), ", "),
                          near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    return;
  }
  if (check_file_name && std::filesystem::path(file).stem().string() != name->scalar) {
    diags.add(name->where, "name",
              fmt::format("entry '{}' must live in a file named {}.yaml (one entry per file, named after it)",
                          name->scalar, name->scalar));
  }
  if (const RawEntry* existing = find(name->scalar)) {
    diags.add(name->where, "name",
              fmt::format("entry '{}' is already defined in {}; give this one another name (use `base: {}` to "
                          "derive from it)",
                          name->scalar, existing->file, name->scalar));
    return;
  }
  std::string entry_name = name->scalar;
  std::string entry_kind = kind->scalar;
  ConfigNode sources;  // provenance, kept beside the keys (see RawEntry)
  if (const ConfigNode* s = node.find("sources")) {
    sources = *s;
    node.erase("sources");  // invalidates `name` and `kind`
  }
  RawEntry e{entry_name, std::move(entry_kind), file, std::move(node), std::move(sources)};
  entries_.emplace(std::move(entry_name), std::move(e));
}

void EntryStore::resolve(Diagnostics& diags) {
  std::map<std::string, ConfigNode> resolved;
  std::map<std::string, ConfigNode> resolved_sources;
  // Entries whose chain failed: reported once, at the entry that is wrong, not again for every entry deriving from it.
  std::set<std::string> failed;
  // How many `base:` links lie below each resolved entry. A chain deeper than kMaxBaseDepth is refused (once): no
  // real catalog comes near it, and the recursion below must not exhaust the stack on a hostile one.
  std::map<std::string, int> depth;
  bool too_deep_reported = false;
  const auto too_deep = [&](const std::string& name) {
    if (too_deep_reported) return std::string();
    too_deep_reported = true;
    return fmt::format("'{}' derives through more than {} base: entries; shorten the chain", name, kMaxBaseDepth);
  };
  // Resolves one entry's chain, depth first; `chain` (the entries being resolved, outermost first) detects cycles.
  std::function<const ConfigNode*(const std::string&, std::vector<std::string>&)> resolve_one =
      [&](const std::string& name, std::vector<std::string>& chain) -> const ConfigNode* {
    if (auto it = resolved.find(name); it != resolved.end()) return &it->second;
    if (failed.count(name) != 0) return nullptr;
    const auto fail = [&](const SourceLocation& where, const std::string& message) -> const ConfigNode* {
      if (!message.empty()) diags.add(where, "base", message);
      failed.insert(name);
      return nullptr;
    };
    RawEntry& entry = entries_.at(name);
    const ConfigNode* base = entry.node.find("base");
    if (base == nullptr) {
      depth[name] = 0;
      resolved_sources.emplace(name, entry.sources);
      return &resolved.emplace(name, entry.node).first->second;
    }
    if (!base->is_scalar()) return fail(base->where, "expected the name of another catalog entry");
    const RawEntry* parent = find(base->scalar);
    if (parent == nullptr) {
      std::vector<std::string> candidates = names_of_kind(entry.kind);
      std::erase(candidates, name);  // an entry cannot derive from itself: never suggest it
      const std::string near = closest_match(base->scalar, candidates);
      return fail(base->where, fmt::format("unknown {} '{}'{}", entry.kind, base->scalar,
                                           near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    }
    if (parent->kind != entry.kind) {
      return fail(base->where,
                  fmt::format("'{}' is a {}, but '{}' is a {}", base->scalar, parent->kind, name, entry.kind));
    }
    if (std::find(chain.begin(), chain.end(), name) != chain.end()) {
      std::vector<std::string> cycle(std::find(chain.begin(), chain.end(), name), chain.end());
      cycle.push_back(name);
      return fail(base->where, fmt::format("inheritance cycle: {}", fmt::join(cycle, " -> ")));
    }
    if (static_cast<int>(chain.size()) >= kMaxBaseDepth) return fail(base->where, too_deep(name));
    chain.push_back(name);
    const ConfigNode* parent_node = resolve_one(parent->name, chain);
    chain.pop_back();
    if (parent_node == nullptr) {
      failed.insert(name);  // the parent's problem is already reported
      return nullptr;
    }
    depth[name] = depth.at(parent->name) + 1;
    if (depth[name] > kMaxBaseDepth) return fail(base->where, too_deep(name));
    resolved_sources.emplace(name, inherited_sources(entry.sources, resolved_sources.at(parent->name)));
    ConfigNode merged = merge_config(*parent_node, entry.node);
    return &resolved.emplace(name, std::move(merged)).first->second;
  };
  for (auto& [name, entry] : entries_) {
    std::vector<std::string> chain;
    resolve_one(name, chain);
  }
  for (auto& [name, node] : resolved) entries_.at(name).node = std::move(node);
  for (auto& [name, sources] : resolved_sources) entries_.at(name).sources = std::move(sources);
}

const RawEntry* EntryStore::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

RawEntry* EntryStore::find_mutable(const std::string& name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const RawEntry*> EntryStore::of_kind(const std::string& kind) const {
  std::vector<const RawEntry*> out;
  for (const auto& [name, e] : entries_) {
    if (e.kind == kind) out.push_back(&e);
  }
  return out;
}

std::vector<std::string> EntryStore::names_of_kind(const std::string& kind) const {
  std::vector<std::string> out;
  for (const auto* e : of_kind(kind)) out.push_back(e->name);
  return out;
}

}  // namespace hwsim
