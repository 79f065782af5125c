#include "sim/core/config_node.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>
#include <array>
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
      if (const std::string c = forbidden_character(out.scalar, false); !c.empty()) {
        diags.add(out.where, path,
                  fmt::format("the value holds the control character {}; values are printable text", c));
      }
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
        if (const std::string c = forbidden_character(key, true); !c.empty()) {
          diags.add(key_where, path, fmt::format("a key holds the control character {}; keys are plain words", c));
          continue;
        }
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

// A first pass over the text with yaml-cpp's event parser, before any tree is built: it stops a file whose events
// never end (yaml-cpp 0.7 loops on a stray ',' after a block mapping, building nodes until memory runs out) and one
// nested deeper than kMaxYamlDepth, each at its line. Aliases are one event here; their expansion is counted by
// convert().
class EventBudget final : public YAML::EventHandler {
 public:
  EventBudget(const std::string& file, std::size_t bytes) : file_(file), bytes_(bytes) {}
  void OnDocumentStart(const YAML::Mark& mark) override { count(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    count(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(mark);
  }
  void OnMapEnd() override { --depth_; }

 private:
  void count(const YAML::Mark& mark) {
    // Every event stands for at least a byte of text (the shortest, "{a}", gives two events from three bytes): more
    // events than bytes is the reader going round in circles.
    if (++events_ > static_cast<long long>(bytes_) + 16) {
      throw InputError(Diagnostic{location_of(mark, file_), "",
                                  "invalid YAML: the reader cannot get past this point (a stray ',' or '-'?)"});
    }
    // A value is at most a key event and a value event: twice the node limit bounds every legitimate file.
    if (events_ > 2 * kMaxYamlNodes) {
      throw InputError(Diagnostic{location_of(mark, file_), "",
                                  fmt::format("more than {} YAML values: a file this large is refused (split a "
                                              "catalog into files)",
                                              kMaxYamlNodes)});
    }
  }
  void open(const YAML::Mark& mark) {
    count(mark);
    if (++depth_ > kMaxYamlDepth) {
      throw InputError(Diagnostic{location_of(mark, file_), "",
                                  fmt::format("nested deeper than {} levels: refused", kMaxYamlDepth)});
    }
  }
  const std::string& file_;
  std::size_t bytes_;
  long long events_ = 0;
  int depth_ = 0;
};

void check_events(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  EventBudget budget(file, text.size());
  while (parser.HandleNextDocument(budget)) {
  }
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

std::optional<SourceLocation> invalid_utf8(std::string_view text, const std::string& file) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0) return SourceLocation{file, line, column};
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return std::nullopt;
}

std::string forbidden_character(std::string_view text, bool key) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
    if ((c < 0x20 && (key || (c != '\t' && c != '\n'))) || c == 0x7F) return fmt::format("U+{:04X}", c);
    if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) return fmt::format("U+{:04X}", next(1));
    if (c == 0xE2 && next(1) == 0x80 && next(2) >= 0xAA && next(2) <= 0xAE)
      return fmt::format("U+20{:02X}", next(2) - 0x80);
    if (c == 0xE2 && next(1) == 0x81 && next(2) >= 0xA6 && next(2) <= 0xA9)
      return fmt::format("U+20{:02X}", next(2) - 0x40);
  }
  return "";
}

ConfigNode load_yaml_file(const std::filesystem::path& path, const std::string& display_name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(Diagnostic{{display_name, 0, 0}, "", "is a directory, not a YAML file"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Diagnostic{{display_name, 0, 0}, "", "cannot open the file"});
  // Read in chunks, stopping just past the limit, so that /dev/zero or a huge file stops here (and a small file costs
  // what it holds).
  std::string text;
  std::array<char, 1 << 16> chunk{};
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > static_cast<std::size_t>(kMaxInputBytes)) {
      throw InputError(
          Diagnostic{{display_name, 0, 0},
                     "",
                     fmt::format("larger than {} MiB, the limit on input files (split a catalog into files)",
                                 kMaxInputBytes >> 20)});
    }
  }
  return parse_yaml_text(text, display_name);
}

ConfigNode parse_yaml_text(std::string_view text, const std::string& display_name) {
  if (auto where = invalid_utf8(text, display_name)) {
    throw InputError(Diagnostic{*where, "", "not UTF-8 text (YAML files are UTF-8)"});
  }
  const std::string copy(text);
  return parse_with(
      [&] {
        check_events(copy, display_name);
        return YAML::LoadAll(copy);
      },
      display_name);
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
