#include "sim/core/config_node.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <fstream>
#include <functional>
#include <sstream>

namespace hwsim {

const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

ConfigNode* ConfigNode::find(std::string_view key) {
  for (auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

void ConfigNode::set(const std::string& key, ConfigNode value) {
  if (ConfigNode* existing = find(key)) {
    value.key_where = existing->key_where;
    *existing = std::move(value);
    return;
  }
  value.key_where = value.where;
  entries.push_back({key, std::move(value)});
}

void ConfigNode::erase(std::string_view key) {
  std::erase_if(entries, [&](const auto& e) { return e.key == key; });
}

ConfigNode ConfigNode::make_scalar(std::string text, SourceLocation where) {
  ConfigNode n;
  n.kind = Kind::scalar;
  n.scalar = std::move(text);
  n.where = std::move(where);
  return n;
}

ConfigNode ConfigNode::make_map(SourceLocation where) {
  ConfigNode n;
  n.kind = Kind::map;
  n.where = std::move(where);
  return n;
}

namespace {

SourceLocation location_of(const YAML::Mark& mark, const std::string& file) {
  // yaml-cpp marks are 0-based; users count from 1.
  if (mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// Converts `node`; problems (non-scalar keys, duplicate keys) anywhere in the tree are added to `diags` with the
// full key path, so that every one of them is reported together.
ConfigNode convert(const YAML::Node& node, const std::string& file, const std::string& path, Diagnostics& diags) {
  ConfigNode out;
  out.where = location_of(node.Mark(), file);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: out.kind = ConfigNode::Kind::null; break;
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::scalar;
      out.scalar = node.Scalar();
      break;
    case YAML::NodeType::Sequence: {
      out.kind = ConfigNode::Kind::sequence;
      std::size_t i = 0;
      for (const auto& item : node) {
        out.items.push_back(convert(item, file, fmt::format("{}[{}]", path, i++), diags));
      }
      break;
    }
    case YAML::NodeType::Map: {
      out.kind = ConfigNode::Kind::map;
      for (const auto& kv : node) {
        const SourceLocation key_where = location_of(kv.first.Mark(), file);
        if (!kv.first.IsScalar()) {
          diags.add(key_where, path, "a key must be a plain word");
          continue;
        }
        const std::string key = kv.first.Scalar();
        const std::string key_path = path.empty() ? key : path + "." + key;
        if (out.find(key) != nullptr) {
          diags.add(key_where, key_path, "duplicate key (it is already set above)");
          continue;
        }
        ConfigNode value = convert(kv.second, file, key_path, diags);
        // An empty value has no mark of its own: yaml-cpp gives it the position of the next token (often the next
        // line), so it points at its key instead.
        if (value.kind == ConfigNode::Kind::null || value.where.line == 0) value.where = key_where;
        value.key_where = key_where;
        out.entries.push_back({key, std::move(value)});
      }
      break;
    }
  }
  return out;
}

ConfigNode parse_with(const std::function<YAML::Node()>& load, const std::string& display_name) {
  try {
    Diagnostics diags;
    ConfigNode root = convert(load(), display_name, "", diags);
    diags.throw_if_any();
    return root;
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{location_of(e.mark, display_name), "", "invalid YAML: " + e.msg});
  }
}

}  // namespace

ConfigNode load_yaml_file(const std::filesystem::path& path, const std::string& display_name) {
  std::ifstream in(path);
  if (!in) throw InputError(Diagnostic{{display_name, 0, 0}, "", "cannot open the file"});
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_yaml_text(buffer.str(), display_name);
}

ConfigNode parse_yaml_text(std::string_view text, const std::string& display_name) {
  const std::string copy(text);
  return parse_with([&] { return YAML::Load(copy); }, display_name);
}

ConfigNode merge_config(const ConfigNode& base, const ConfigNode& over) {
  if (!base.is_map() || !over.is_map()) return over;
  ConfigNode out = base;
  out.where = over.where;
  for (const auto& [key, value] : over.entries) {
    if (ConfigNode* existing = out.find(key)) {
      ConfigNode merged = merge_config(*existing, value);
      merged.key_where = value.key_where;
      *existing = std::move(merged);
    } else {
      out.entries.push_back({key, value});
    }
  }
  return out;
}

}  // namespace hwsim
