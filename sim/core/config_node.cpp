#include "sim/core/config_node.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

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

// What converting one document may build: nodes (aliases expanded, so that a "billion laughs" file stops here long
// before memory does) and nesting depth. Exceeding either is bad input, reported at once.
struct Budget {
  long long nodes = 0;
  int depth = 0;
};

// Converts `node`; problems (non-scalar keys, duplicate keys) anywhere in the tree are added to `diags` with the
// full key path, so that every one of them is reported together.
ConfigNode convert(const YAML::Node& node, const std::string& file, const std::string& path, Diagnostics& diags,
                   Budget& budget) {
  ConfigNode out;
  out.where = location_of(node.Mark(), file);
  if (++budget.nodes > kMaxYamlNodes) {
    throw InputError(Diagnostic{out.where, path,
                                fmt::format("more than {} YAML values (aliases expanded): a file this large is refused "
                                            "(split a catalog into files)",
                                            kMaxYamlNodes)});
  }
  if (budget.depth > kMaxYamlDepth) {
    throw InputError(Diagnostic{out.where, path, fmt::format("nested deeper than {} levels: refused", kMaxYamlDepth)});
  }
  ++budget.depth;
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
        out.items.push_back(convert(item, file, fmt::format("{}[{}]", path, i++), diags, budget));
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
        ConfigNode value = convert(kv.second, file, key_path, diags, budget);
        // An empty value has no mark of its own: yaml-cpp gives it the position of the next token (often the next
        // line), so it points at its key instead.
        if (value.kind == ConfigNode::Kind::null || value.where.line == 0) value.where = key_where;
        value.key_where = key_where;
        out.entries.push_back({key, std::move(value)});
      }
      break;
    }
  }
  --budget.depth;
  return out;
}

// The first byte of `text` that is not UTF-8, as a location; none when all of it is.
std::optional<SourceLocation> invalid_utf8(std::string_view text, const std::string& file) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return SourceLocation{file, line, column};
    }
    if (extra > 0 && i + extra >= text.size()) return SourceLocation{file, line, column};
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return SourceLocation{file, line, column};
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += extra + 1;
  }
  return std::nullopt;
}

ConfigNode parse_with(const std::function<std::vector<YAML::Node>()>& load, const std::string& display_name) {
  try {
    Diagnostics diags;
    Budget budget;
    const std::vector<YAML::Node> documents = load();
    if (documents.size() > 1) {
      throw InputError(Diagnostic{location_of(documents[1].Mark(), display_name), "",
                                  fmt::format("{} YAML documents in one file; hwsim reads one (remove the `---` "
                                              "separator, or split the file)",
                                              documents.size())});
    }
    ConfigNode root = convert(documents.empty() ? YAML::Node() : documents.front(), display_name, "", diags, budget);
    diags.throw_if_any();
    return root;
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{location_of(e.mark, display_name), "", "invalid YAML: " + e.msg});
  }
}

}  // namespace

ConfigNode load_yaml_file(const std::filesystem::path& path, const std::string& display_name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(Diagnostic{{display_name, 0, 0}, "", "is a directory, not a YAML file"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Diagnostic{{display_name, 0, 0}, "", "cannot open the file"});
  // Read at most one byte past the limit, so that /dev/zero or a huge file stops here.
  std::string text(static_cast<std::size_t>(kMaxInputBytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > static_cast<std::size_t>(kMaxInputBytes)) {
    throw InputError(Diagnostic{{display_name, 0, 0},
                                "",
                                fmt::format("larger than {} MiB, the limit on input files (split a catalog into files)",
                                            kMaxInputBytes >> 20)});
  }
  return parse_yaml_text(text, display_name);
}

ConfigNode parse_yaml_text(std::string_view text, const std::string& display_name) {
  if (auto where = invalid_utf8(text, display_name)) {
    throw InputError(Diagnostic{*where, "", "not UTF-8 text (YAML files are UTF-8)"});
  }
  const std::string copy(text);
  return parse_with([&] { return YAML::LoadAll(copy); }, display_name);
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
