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
#include "hwmodels/hardware_catalog.hpp"
#include "hwmodels/source_registry.hpp"

using hwsim::HardwareCatalog;
using hwsim::InputError;
using hwsim::SourceRegistry;

namespace {

namespace fs = std::filesystem;

const fs::path kRegistry = fs::path(HWSIM_SOURCE_DIR) / "hwmodels/sources.yaml";
const fs::path kFixtures = fs::path(HWSIM_FIXTURES_DIR) / "sources";

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
  hwsim::EntryStore store = hwsim::read_catalog_dirs({kFixtures / dir});
  hwsim::Diagnostics diags;
  store.resolve(diags);
  diags.throw_if_any();
  return store;
}

}  // namespace

TEST_CASE("registry: every source has a unique id of the declared form, a title, a publisher, a date and a url or a "
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
  const std::string f = (kFixtures / "registry_errors.yaml").string();
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

TEST_CASE("sources: a variant lists its own ids first, then its base's not listed yet, and without sources it "
          "inherits its base's",
          "[source_registry]") {
  const SourceRegistry registry = SourceRegistry::load(kFixtures / "registry_small.yaml");
  const hwsim::EntryStore store = fixture_store("inherit");
  const HardwareCatalog hw = HardwareCatalog::build(store, registry);
  CHECK(ids_of(hw.sources_of("parent-rack")) == std::vector<std::string>{"alpha_report", "beta_sheet"});
  CHECK(ids_of(hw.sources_of("child-rack")) ==
        std::vector<std::string>{"gamma_paper", "alpha_report", "beta_sheet"});
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
  const std::string f = (kFixtures / "unknown_id" / "typo-source-rack.yaml").string();
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
  const std::string scalar = (kFixtures / "not_a_list" / "scalar-source-rack.yaml").string();
  const hwsim::EntryStore one_id = fixture_store("not_a_list");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(one_id); }) ==
        std::vector<std::string>{scalar + ":4:10: sources: expected a list of text values ([a, b])"});
  const std::string twice = (kFixtures / "listed_twice" / "twice-listed-rack.yaml").string();
  const hwsim::EntryStore listed_twice = fixture_store("listed_twice");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(listed_twice); }) ==
        std::vector<std::string>{twice + ":4:35: sources: 'glk_h100' is listed twice"});
  const std::string model = (kFixtures / "model_with_sources" / "sourced-model.yaml").string();
  const hwsim::EntryStore sourced_model = fixture_store("model_with_sources");
  CHECK(errors_of([&] { (void)HardwareCatalog::build(sourced_model); }) ==
        std::vector<std::string>{model + ":4:1: unknown key 'sources' (model entries list no sources)"});
}
