// libFuzzer target (issue #16): bytes -> the bounded YAML reader -> the scenario loader and the catalog loaders (the
// scenario's inline `catalog:` entries go through the same loaders as the catalog's files) -> evaluation with its
// searches and uncertainty -> every report format. Bad input must end in InputError; anything else that escapes,
// and any sanitizer report, is a finding. `scripts/fuzz` builds and runs it (fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/core/config_node.hpp"
#include "sim/core/errors.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/uncertainty.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/load.hpp"

namespace {

// The default catalog directories, read once: every input resolves against them as `hwsim run` would.
const hwsim::EntryStore& default_catalog() {
  static const hwsim::EntryStore store = hwsim::read_catalog_dirs(hwsim::default_catalog_dirs());
  return store;
}

void run_one(std::string_view text) {
  static const hwsim::DefaultEfficiency efficiency;
  const hwsim::ConfigNode document = hwsim::parse_yaml_text(text, "fuzz.yaml");
  hwsim::LoadOptions options;
  options.document = &document;
  options.catalog = &default_catalog();
  const hwsim::ScenarioSource source("fuzz.yaml", options);
  const hwsim::Scenario scenario = source.load();
  hwsim::Evaluation evaluation = hwsim::evaluate(scenario, efficiency, {.threads = 1, .top = 3});
  hwsim::add_uncertainty(evaluation, scenario, source, efficiency, {.samples = 4, .threads = 1});
  const std::vector<hwsim::Evaluation> all{evaluation};
  for (const auto format :
       {hwsim::Format::table, hwsim::Format::json, hwsim::Format::csv, hwsim::Format::md, hwsim::Format::html}) {
    (void)hwsim::render(all, format);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    run_one(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const hwsim::InputError&) {
    // Bad input, reported as hwsim reports it (exit 2): the expected outcome for most inputs.
  }
  return 0;
}
