// The source registry (hwmodels/sources.yaml, hwmodels/source_registry.hpp) and the catalog's `sources:`: every
// registry entry has an id of the declared form, a title, a publisher, a date and a url or a citation, ids unique;
// every id a catalog file's comments cite is in the registry and in that file's `sources:` (and the reverse), and
// through `base:` an entry cites its own sources, then its base's; an unknown id is bad input at its line, with the
// closest id; registry mistakes are reported all at once at their lines. `sources:` is provenance, not an input:
// the store keeps it beside the entry's keys.
// Fixtures: tests/fixtures/sources/ (a small registry, a registry of mistakes, catalog directories of racks).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "hwmodels/catalog_loader.hpp"
#include "hwmodels/common_schema.hpp"
#include "hwmodels/hardware_catalog.hpp"
#include "hwmodels/source_registry.hpp"

using hwsim::HardwareCatalog;
using hwsim::InputError;
using hwsim::SourceRegistry;

namespace {

namespace fs = std::filesystem;

const fs::path kCatalog = fs::path(HWSIM_SOURCE_DIR) / "hwmodels/catalog";
const fs::path kRegistry = fs::path(HWSIM_SOURCE_DIR) / "hwmodels/sources.yaml";
const fs::path kSourceFixtures = fs::path(HWSIM_FIXTURES_DIR) / "sources";

// Snake-case words in catalog comments that look like source ids but are not citations, each with its reason.
const std::map<std::string, std::string>& non_citations() {
  static const std::map<std::string, std::string> words{
      {"dgx_h100", "a key of the hardware datasheet the catalog was compiled from (not a publication)"},
      {"power_w", "a field of the hardware datasheet the catalog was compiled from (not a publication)"},
  };
  return words;
}

// Every key name and choice word declared in `schema`, nested maps included: words a comment may mention.
void declared_words(const hwsim::Schema& schema, std::set<std::string>& out) {
  for (const auto& k : schema.keys) {
    out.insert(k.name);
    out.insert(k.choices.begin(), k.choices.end());
    if (k.child != nullptr && k.child != &schema) declared_words(*k.child, out);
  }
}

struct Citation {
  std::string id;
  int line = 0;
};

// The words shaped like ids (two or more lowercase words joined by '_') in the comments of `file`, in order; text in
// backticks is code, not a citation.
std::vector<Citation> comment_words(const fs::path& file) {
  static const std::regex word(R"((^|[^A-Za-z0-9_.\-])([a-z][a-z0-9]*(_[a-z0-9]+)+)(?![A-Za-z0-9_]))");
  static const std::regex code("`[^`]*`");
  std::vector<Citation> out;
  std::ifstream in(file);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const auto hash = line.find('#');
    if (hash == std::string::npos) continue;
    const std::string comment = std::regex_replace(line.substr(hash + 1), code, " ");
    for (std::sregex_iterator it(comment.begin(), comment.end(), word), end; it != end; ++it) {
      out.push_back({(*it)[2].str(), number});
    }
  }
  return out;
}

std::vector<fs::path> catalog_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kCatalog)) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

const hwsim::EntryStore& shipped_store() {
  static const hwsim::EntryStore s = [] {
    hwsim::EntryStore st = hwsim::read_catalog_dirs({kCatalog});
    hwsim::Diagnostics diags;
    st.resolve(diags);
    diags.throw_if_any();
    return st;
  }();
  return s;
}

const HardwareCatalog& shipped_catalog() {
  static const HardwareCatalog hw = HardwareCatalog::build(shipped_store());
  return hw;
}

std::vector<std::string> ids_of(const std::vector<hwsim::Source>& sources) {
  std::vector<std::string> out;
  for (const auto& s : sources) out.push_back(s.id);
  return out;
}

std::vector<std::string> errors_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  FAIL("expected an InputError");
  return {};
}

// The fixture directory read and resolved (base chains merged), problems thrown.
hwsim::EntryStore fixture_store(const std::string& dir) {
  hwsim::EntryStore store = hwsim::read_catalog_dirs({kSourceFixtures / dir});
  hwsim::Diagnostics diags;
  store.resolve(diags);
  diags.throw_if_any();
  return store;
}

}  // namespace

TEST_CASE(
    "registry: every source has a unique id of the declared form, a title, a publisher, a date and a url or a "
    "citation",
    "[source_registry]") {
  const SourceRegistry registry = SourceRegistry::load(kRegistry);
  // The loader read every item of the file: count the lines that open an item independently.
  const std::regex item_start(R"(  - \{?id: .*)");
  std::ifstream in(kRegistry);
  int items = 0;
  for (std::string line; std::getline(in, line);) items += std::regex_match(line, item_start) ? 1 : 0;
  REQUIRE(items >= 90);
  REQUIRE(registry.all().size() == static_cast<std::size_t>(items));

  const std::regex id_form("[a-z][a-z0-9]*(_[a-z0-9]+)+");
  const std::regex date_form("[0-9]{4}(-(0[1-9]|1[0-2]))?|unknown");
  std::set<std::string> seen;
  for (const auto& s : registry.all()) {
    INFO("source " << s.id);
    CHECK(std::regex_match(s.id, id_form));
    CHECK(seen.insert(s.id).second);
    CHECK_FALSE(s.title.empty());
    CHECK_FALSE(s.publisher.empty());
    CHECK(std::regex_match(s.date, date_form));
    CHECK(s.url.empty() != s.citation.empty());  // exactly one of them
    if (!s.url.empty()) CHECK((s.url.rfind("https://", 0) == 0 || s.url.rfind("http://", 0) == 0));
    CHECK((s.reliability.empty() || s.reliability == "high" || s.reliability == "medium" || s.reliability == "low"));
  }
}

TEST_CASE("registry: each kind of mistake is reported at its line, all at once", "[source_registry]") {
  const std::string f = (kSourceFixtures / "registry_errors.yaml").string();
  CHECK(errors_of([&] { (void)SourceRegistry::load(f); }) ==
        std::vector<std::string>{
            f + ":8:20: sources[5]: unknown key 'titel' (did you mean 'title'?)",
            f + ":8:5: sources[5]: missing required key 'title' (the document's own title; a description in "
                "[brackets] where its title is not known)",
            f + ":4:10: sources[1].id: duplicate id 'good_one' (first at line 3); ids are unique",
            f + ":5:10: sources[2].id: \"NotAnId\" is not an id: two or more lowercase words joined by '_' (like "
                "glk_h100)",
            f + ":5:54: sources[2].date: expected a date like 2022 or 2022-11, or unknown; got \"2020-13\"",
            f + ":5:68: sources[2].url: expected an address starting with http:// or https://, got "
                "\"example.org/no-scheme\"",
            f + ":6:102: sources[3]: give url or citation, not both",
            f + ":7:5: sources[4]: missing 'url' or 'citation' (where the document can be found)",
        });
}

TEST_CASE(
    "catalog: every id a file's comments cite is in the registry and in its `sources:`, and every listed id "
    "is cited",
    "[source_registry]") {
  const SourceRegistry& registry = SourceRegistry::shipped();
  std::set<std::string> cited_anywhere;
  int files = 0;
  for (const fs::path& file : catalog_files()) {
    ++files;
    const std::string shown = fs::relative(file, HWSIM_SOURCE_DIR).string();
    INFO(shown);
    const hwsim::ConfigNode doc = hwsim::load_yaml_file(file, shown);
    const hwsim::Schema* schema = hwsim::hardware_schema(doc.find("kind")->scalar);
    REQUIRE(schema != nullptr);
    std::set<std::string> words;
    declared_words(*schema, words);
    declared_words(hwsim::entry_provenance_schema(), words);

    std::set<std::string> cited;
    for (const Citation& c : comment_words(file)) {
      if (registry.find(c.id) != nullptr) {
        cited.insert(c.id);
      } else if (words.count(c.id) == 0 && non_citations().count(c.id) == 0) {
        FAIL_CHECK(shown << ":" << c.line << ": '" << c.id << "' looks like a source id but is not in the registry");
      }
    }
    std::set<std::string> listed;
    if (const hwsim::ConfigNode* sources = doc.find("sources")) {
      for (const auto& item : sources->items) {
        CHECK(registry.find(item.scalar) != nullptr);
        CHECK(listed.insert(item.scalar).second);  // listed once
      }
    }
    CHECK_FALSE(listed.empty());
    CHECK(cited == listed);
    cited_anywhere.insert(cited.begin(), cited.end());
  }
  CHECK(files >= 29);
  // The registry holds the catalog's publications and nothing else.
  for (const auto& id : registry.ids()) {
    INFO("registry id " << id);
    CHECK(cited_anywhere.count(id) == 1);
  }
}

TEST_CASE("catalog: through base: an entry cites its own sources, then its base chain's", "[source_registry]") {
  const HardwareCatalog& hw = shipped_catalog();
  int variants = 0;
  for (const fs::path& file : catalog_files()) {
    const hwsim::ConfigNode doc = hwsim::load_yaml_file(file, file.string());
    const std::string name = doc.find("name")->scalar;
    INFO(name);
    std::vector<std::string> expected;
    if (const hwsim::ConfigNode* sources = doc.find("sources")) {
      for (const auto& item : sources->items) expected.push_back(item.scalar);
    }
    if (const hwsim::ConfigNode* base = doc.find("base")) {
      ++variants;
      for (const auto& id : ids_of(hw.sources_of(base->scalar))) {
        if (std::find(expected.begin(), expected.end(), id) == expected.end()) expected.push_back(id);
      }
    }
    CHECK(ids_of(hw.sources_of(name)) == expected);
    // Sources are kept beside the entry's keys: inputs, --set and baselines never see them.
    CHECK(shipped_store().find(name)->node.find("sources") == nullptr);
  }
  CHECK(variants >= 5);
  // The H200 cites geektopia_h200 itself and inherits hpctech_h100 from the H100 SXM5.
  const auto h200 = ids_of(hw.sources_of("h200-sxm-141gb"));
  CHECK(std::find(h200.begin(), h200.end(), "geektopia_h200") != h200.end());
  CHECK(std::find(h200.begin(), h200.end(), "hpctech_h100") != h200.end());
}

TEST_CASE(
    "sources: a variant lists its own ids first, then its base's not listed yet, and without sources it "
    "inherits its base's",
    "[source_registry]") {
  const SourceRegistry registry = SourceRegistry::load(kSourceFixtures / "registry_small.yaml");
  const hwsim::EntryStore store = fixture_store("inherit");
  const HardwareCatalog hw = HardwareCatalog::build(store, registry);
  CHECK(ids_of(hw.sources_of("parent-rack")) == std::vector<std::string>{"alpha_report", "beta_sheet"});
  CHECK(ids_of(hw.sources_of("child-rack")) == std::vector<std::string>{"gamma_paper", "alpha_report", "beta_sheet"});
  CHECK(ids_of(hw.sources_of("bare-child-rack")) == std::vector<std::string>{"alpha_report", "beta_sheet"});
  // The registry's fields come through with the ids.
  const auto& child = hw.sources_of("child-rack");
  REQUIRE(child.size() == 3);
  CHECK(child[0].title == "Gamma paper");
  CHECK(child[0].citation == "Gamma Press, vol. 1, p. 2");
  CHECK(child[0].url.empty());
  CHECK(child[2].title == "[Beta datasheet]");
  CHECK(child[2].date == "2022-11");
  CHECK(child[2].reliability == "high");
}

TEST_CASE("sources: an unknown id is bad input at its line, with the closest registry id", "[source_registry]") {
  const std::string f = (kSourceFixtures / "unknown_id" / "typo-source-rack.yaml").string();
  const hwsim::EntryStore store = fixture_store("unknown_id");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(store); }) ==
        std::vector<std::string>{
            f + ":4:11: sources: unknown source 'glk_h10' (did you mean 'glk_h100'?)",
            f + ":4:20: sources: unknown source 'not_a_registered_publication_at_all' (the ids are those of " +
                SourceRegistry::shipped().file() + ")",
        });
}

TEST_CASE("sources: one id instead of a list, an id listed twice, or sources on a model, is bad input at its line",
          "[source_registry]") {
  const std::string scalar = (kSourceFixtures / "not_a_list" / "scalar-source-rack.yaml").string();
  const hwsim::EntryStore one_id = fixture_store("not_a_list");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(one_id); }) ==
        std::vector<std::string>{scalar + ":4:10: sources: expected a list of text values ([a, b])"});
  const std::string twice = (kSourceFixtures / "listed_twice" / "twice-listed-rack.yaml").string();
  const hwsim::EntryStore listed_twice = fixture_store("listed_twice");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(listed_twice); }) ==
        std::vector<std::string>{twice + ":4:35: sources: 'glk_h100' is listed twice"});
  const std::string model = (kSourceFixtures / "model_with_sources" / "sourced-model.yaml").string();
  const hwsim::EntryStore sourced_model = fixture_store("model_with_sources");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(sourced_model); }) ==
        std::vector<std::string>{model + ":4:1: unknown key 'sources' (model entries list no sources)"});
}
