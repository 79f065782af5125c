#include "hwmodels/source_registry.hpp"

#include <fmt/format.h>
#include <map>
#include <regex>
#include <set>

#include "hwmodels/common_schema.hpp"
#include "sim/core/catalog_paths.hpp"

namespace hwsim {

const Schema& source_registry_schema() {
  static const Schema source{
      "sources.source",
      {
          {.name = "id",
           .kind = ValueKind::text,
           .required = true,
           .doc = "two or more lowercase words joined by '_' (glk_h100): what entries' `sources:` and comments cite"},
          {.name = "title",
           .kind = ValueKind::text,
           .required = true,
           .doc = "the document's own title; a description in [brackets] where its title is not known"},
          {.name = "publisher",
           .kind = ValueKind::text,
           .required = true,
           .doc = "who publishes it (a mirror or an aggregator names itself; `note` says what it copies)"},
          {.name = "date",
           .kind = ValueKind::text,
           .required = true,
           .doc = "YYYY or YYYY-MM, from the address, the document or the event it reports; unknown otherwise"},
          {.name = "url", .kind = ValueKind::text, .doc = "the address (http or https); give url or citation"},
          {.name = "citation",
           .kind = ValueKind::text,
           .doc = "how to find the document when its address is not known; give url or citation"},
          {.name = "note",
           .kind = ValueKind::text,
           .doc = "what the document is or quotes, when the title does not say"},
          {.name = "reliability",
           .kind = ValueKind::choice,
           .choices = {"high", "medium", "low"},
           .doc = "high: vendor document or its mirror, driver output, MLPerf system file; medium: trade press or "
                  "a site copying vendor tables; low: blog, AI-written wiki, shop page"},
      }};
  static const Schema file{"sources",
                           {
                               {.name = "sources",
                                .kind = ValueKind::list_of_maps,
                                .required = true,
                                .child = &source,
                                .doc = "the publications the catalog cites, one map each"},
                           }};
  return file;
}

namespace {

// Checks of one registry item beyond its declared keys: id form and uniqueness, date form, url xor citation.
void check_source(const Reader& s, const Source& src, std::map<std::string, int>& first_line, Diagnostics& diags) {
  static const std::regex id_form("[a-z][a-z0-9]*(_[a-z0-9]+)+");
  static const std::regex date_form("[0-9]{4}(-(0[1-9]|1[0-2]))?|unknown");
  static const std::regex url_form("https?://[^ ]+");
  if (src.id.empty()) {
    // missing or without a value: the schema reports it
  } else if (!std::regex_match(src.id, id_form)) {
    diags.add(s.where("id"), s.path_of("id"),
              fmt::format("\"{}\" is not an id: two or more lowercase words joined by '_' (like glk_h100)", src.id));
  } else if (auto [it, added] = first_line.emplace(src.id, s.where("id").line); !added) {
    diags.add(s.where("id"), s.path_of("id"),
              fmt::format("duplicate id '{}' (first at line {}); ids are unique", src.id, it->second));
  }
  if (!src.date.empty() && !std::regex_match(src.date, date_form)) {
    diags.add(s.where("date"), s.path_of("date"),
              fmt::format("expected a date like 2022 or 2022-11, or unknown; got \"{}\"", src.date));
  }
  if (s.has("url") && s.has("citation")) {
    diags.add(s.where("citation"), s.path(), "give url or citation, not both");
  } else if (!s.has("url") && !s.has("citation")) {
    diags.add(s.where(), s.path(), "missing 'url' or 'citation' (where the document can be found)");
  }
  if (!src.url.empty() && !std::regex_match(src.url, url_form)) {
    diags.add(s.where("url"), s.path_of("url"),
              fmt::format("expected an address starting with http:// or https://, got \"{}\"", src.url));
  }
}

}  // namespace

SourceRegistry SourceRegistry::load(const std::filesystem::path& file) {
  const ConfigNode document = load_yaml_file(file, file.string());
  Diagnostics diags;
  validate(document, source_registry_schema(), diags);
  SourceRegistry registry;
  registry.file_ = file.string();
  std::map<std::string, int> first_line;
  // Items that are maps are checked further even when another item is wrong: every problem is reported at once.
  for (const Reader& s : Reader(document, source_registry_schema()).list("sources")) {
    if (!s.node().is_map()) continue;
    Source src{s.text("id"),  s.text("title"),    s.text("publisher"), s.text("date"),
               s.text("url"), s.text("citation"), s.text("note"),      s.text("reliability")};
    check_source(s, src, first_line, diags);
    registry.sources_.push_back(std::move(src));
  }
  diags.throw_if_any();
  return registry;
}

const SourceRegistry& SourceRegistry::shipped() {
  static const SourceRegistry registry = load(default_source_registry());
  return registry;
}

const Source* SourceRegistry::find(const std::string& id) const {
  for (const auto& s : sources_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::vector<std::string> SourceRegistry::ids() const {
  std::vector<std::string> out;
  out.reserve(sources_.size());
  for (const auto& s : sources_) out.push_back(s.id);
  return out;
}

std::vector<Source> lookup_sources(const ConfigNode& sources, const SourceRegistry& registry, Diagnostics& diags) {
  std::vector<Source> out;
  // Absent (a default node, no line) is no sources; `sources:` written without a value is reported below.
  if (sources.kind == ConfigNode::Kind::null && sources.where.line == 0) return out;
  ConfigNode holder = ConfigNode::make_map(sources.where);
  holder.set("sources", sources);
  Diagnostics local;
  validate(holder, entry_provenance_schema(), local);
  for (const auto& d : local.items()) diags.add(d.where, d.key_path, d.message);
  if (!local.empty()) return out;
  const std::vector<std::string> ids = registry.ids();
  std::set<std::string> listed;
  for (const auto& item : sources.items) {
    if (!listed.insert(item.scalar).second) {
      diags.add(item.where, "sources", fmt::format("'{}' is listed twice", item.scalar));
      continue;
    }
    if (const Source* s = registry.find(item.scalar)) {
      out.push_back(*s);
      continue;
    }
    const std::string near = closest_match(item.scalar, ids);
    diags.add(item.where, "sources",
              near.empty() ? fmt::format("unknown source '{}' (the ids are those of {})", item.scalar, registry.file())
                           : fmt::format("unknown source '{}' (did you mean '{}'?)", item.scalar, near));
  }
  return out;
}

}  // namespace hwsim
