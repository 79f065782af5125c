// Baselines and drift attribution (sim/plan/baseline, sim/scenario/inputs, `hwsim check --baseline`): inputs are
// flattened to --set paths with their provenance (inherited catalog values listed once, under the entry that states
// them); an unchanged scenario has no drift; a changed catalog figure drifts exactly the metrics it feeds and is
// named as their cause with its share (100% alone; additive changes split with nothing unexplained); per-metric
// tolerances hide drift below them; the CLI exits 0 / 1 / 2 and names an edited catalog file:line.
// Tolerances: shares to 1e-9 (the same arithmetic reverted exactly).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/errors.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/baseline.hpp"
#include "sim/scenario/inputs.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/constants.hpp"
#include "tests/support/run_hwsim.hpp"

namespace {

namespace fs = std::filesystem;
using hwsim::test::kSource;

const fs::path kSweepFixture = fs::path(HWSIM_FIXTURES_DIR) / "scenarios" / "sweep.yaml";

struct Loaded {
  hwsim::Scenario scenario;
  hwsim::Evaluation evaluation;
  std::vector<hwsim::InputValue> inputs;
};

Loaded load_sweep(const std::vector<std::string>& sets = {}) {
  std::vector<hwsim::InputValue> inputs;
  hwsim::LoadOptions o{.catalog_dirs = {}, .sets = sets};
  o.inputs = &inputs;
  hwsim::Scenario sc = hwsim::load_scenario(kSweepFixture, o);
  hwsim::Evaluation ev = hwsim::evaluate(sc, hwsim::DefaultEfficiency{});
  return {std::move(sc), std::move(ev), std::move(inputs)};
}

const hwsim::InputValue* input(const std::vector<hwsim::InputValue>& inputs, const std::string& path) {
  const auto it = std::find_if(inputs.begin(), inputs.end(), [&](const auto& i) { return i.path == path; });
  return it == inputs.end() ? nullptr : &*it;
}

// Compares the fixture evaluated with `sets` against a baseline of the fixture as it is.
hwsim::BaselineComparison compare(const std::vector<std::string>& sets, const hwsim::Tolerances& tolerances = {}) {
  const Loaded base = load_sweep();
  const hwsim::Baseline b = hwsim::make_baseline(base.scenario, base.evaluation, base.inputs, tolerances);
  const Loaded now = load_sweep(sets);
  const hwsim::Reevaluate reevaluate = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> all = sets;
    all.insert(all.end(), extra.begin(), extra.end());
    return load_sweep(all).evaluation;
  };
  return hwsim::compare_with_baseline(hwsim::read_baseline_text(hwsim::baseline_json(b), "test"), now.evaluation,
                                      now.inputs, tolerances, reevaluate);
}

const hwsim::Drift* drift(const hwsim::BaselineComparison& c, const std::string& metric) {
  const auto it = std::find_if(c.drifts.begin(), c.drifts.end(), [&](const auto& d) { return d.metric == metric; });
  return it == c.drifts.end() ? nullptr : &*it;
}

// `hwsim ARGS...` through the suite's one runner (tests/support/run_hwsim.hpp), stdout and stderr together.
struct CliOutput {
  int exit_code = -1;
  std::string out;
};

CliOutput hwsim_cli(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
  const hwsim_test::CliRun r = hwsim_test::run_hwsim(args, {.env = std::move(env)});
  return {r.exit_code, r.out + r.err};
}

}  // namespace

TEST_CASE("baseline: inputs are --set paths with provenance, inherited catalog values listed once", "[baseline]") {
  const Loaded l = load_sweep({"facility.years=5"});
  const auto* pue = input(l.inputs, "facility.pue");
  REQUIRE(pue != nullptr);
  CHECK(pue->value == "1.3");
  CHECK_THAT(pue->source, Catch::EndsWith("sweep.yaml:4"));
  const auto* years = input(l.inputs, "facility.years");
  REQUIRE(years != nullptr);
  CHECK(years->source == "--set facility.years=5");
  const auto* count = input(l.inputs, "deployments.h100.count");
  REQUIRE(count != nullptr);
  CHECK(count->value == "2");
  const auto* price = input(l.inputs, "hw.dgx-h100.price");
  REQUIRE(price != nullptr);
  CHECK(price->source.rfind("hwmodels/catalog/nodes/dgx-h100.yaml:", 0) == 0);  // relative to the project root
  CHECK(input(l.inputs, "hw.llama3-8b.layers") != nullptr);                     // models too
  CHECK(input(l.inputs, "hw.h100-sxm5-80gb.memory.hbm.bandwidth") != nullptr);  // the node's GPU
  // a100-sxm4-80gb derives from a100-sxm4-40gb: a figure it inherits is listed under the 40 GB entry only.
  CHECK(input(l.inputs, "hw.a100-sxm4-40gb.sm.count") != nullptr);
  CHECK(input(l.inputs, "hw.a100-sxm4-80gb.sm.count") == nullptr);
  CHECK(input(l.inputs, "hw.b200.price") == nullptr);  // entries the scenario does not reach are not inputs
  CHECK(std::is_sorted(l.inputs.begin(), l.inputs.end(), [](const auto& a, const auto& b) { return a.path < b.path; }));
}

TEST_CASE("baseline: the JSON file reads back to the same baseline", "[baseline]") {
  const Loaded l = load_sweep();
  hwsim::Tolerances t;
  hwsim::add_tolerance(t, "tco_usd=1e-3");
  const hwsim::Baseline b = hwsim::make_baseline(l.scenario, l.evaluation, l.inputs, t);
  const std::string text = hwsim::baseline_json(b);
  CHECK(hwsim::baseline_json(hwsim::read_baseline_text(text, "test")) == text);
  CHECK_THROWS_AS(hwsim::read_baseline_text("{\"scenario\": 1}", "bad.json"), hwsim::InputError);
}

TEST_CASE("baseline: an unchanged scenario has no drift and no changed input", "[baseline]") {
  const auto c = compare({});
  CHECK(c.drifts.empty());
  CHECK(c.changes.empty());
  CHECK(c.compared.size() > 40);  // every metric of both results, and their fits
}

TEST_CASE("baseline: a changed node price drifts its cost metrics, all of it explained by that price", "[baseline]") {
  const auto c = compare({"hw.dgx-h100.price=300000 USD"});
  REQUIRE(c.changes.size() == 1);
  CHECK(c.changes[0].path == "hw.dgx-h100.price");
  CHECK(c.changes[0].before->value == "270000 USD");
  CHECK(c.changes[0].after->value == "300000 USD");
  for (const std::string m : {"h100/chat/capex_usd", "h100/chat/tco_usd", "h100/chat/usd_per_million_tokens"}) {
    INFO(m);
    const auto* d = drift(c, m);
    REQUIRE(d != nullptr);
    REQUIRE(d->causes.size() == 1);
    CHECK(d->causes[0].input == "hw.dgx-h100.price");
    CHECK(*d->causes[0].share == Approx(1.0).margin(1e-9));
    CHECK(*d->unexplained == Approx(0.0).margin(1e-9));
  }
  CHECK(drift(c, "h100/chat/throughput_tokens_per_s") == nullptr);  // performance does not depend on the price
  CHECK(drift(c, "a100/chat/capex_usd") == nullptr);                // nor does the other deployment
}

TEST_CASE("baseline: two changes share a drift they both feed, each drift names only its own cause", "[baseline]") {
  const auto c = compare({"hw.dgx-h100.price=300000 USD", "facility.pue=1.5"});
  CHECK(c.changes.size() == 2);
  const auto* capex = drift(c, "h100/chat/capex_usd");
  REQUIRE(capex != nullptr);
  REQUIRE(capex->causes.size() == 1);
  CHECK(capex->causes[0].input == "hw.dgx-h100.price");
  const auto* facility = drift(c, "a100/chat/facility_power_w");
  REQUIRE(facility != nullptr);
  REQUIRE(facility->causes.size() == 1);
  CHECK(facility->causes[0].input == "facility.pue");
  CHECK(*facility->causes[0].share == Approx(1.0).margin(1e-9));
  // TCO = capex + years x opex: the price moves capex, PUE the energy bill; the shares add up.
  const auto* tco = drift(c, "h100/chat/tco_usd");
  REQUIRE(tco != nullptr);
  REQUIRE(tco->causes.size() == 2);
  const double before = *tco->before;
  const double price_part = 2 * 30000.0 / (*tco->after - before);  // 2 nodes x $30k of capex
  const auto* price = tco->causes[0].input == "hw.dgx-h100.price" ? &tco->causes[0] : &tco->causes[1];
  CHECK(*price->share == Approx(price_part).epsilon(1e-9));
  CHECK(*tco->causes[0].share + *tco->causes[1].share == Approx(1.0).epsilon(1e-9));
  CHECK(*tco->unexplained == Approx(0.0).margin(1e-9));
}

TEST_CASE("baseline: a per-metric tolerance hides drift below it", "[baseline]") {
  hwsim::Tolerances t;
  hwsim::add_tolerance(t, "tco_usd=0.5");
  hwsim::add_tolerance(t, "h100/chat/usd_per_million_tokens=0.5");
  const auto c = compare({"hw.dgx-h100.price=300000 USD"}, t);
  CHECK(drift(c, "h100/chat/capex_usd") != nullptr);
  CHECK(drift(c, "h100/chat/tco_usd") == nullptr);
  CHECK(drift(c, "h100/chat/usd_per_million_tokens") == nullptr);
  CHECK_THROWS_AS(hwsim::add_tolerance(t, "tco_usd"), hwsim::InputError);
  CHECK_THROWS_AS(hwsim::add_tolerance(t, "tco_usd=-1"), hwsim::InputError);
}

TEST_CASE("baseline: hwsim check exits 0 on its baseline, 1 naming an edited catalog figure, 2 without one",
          "[baseline][cli]") {
  const fs::path dir = hwsim_test::cli_scratch() / "baseline";
  fs::create_directories(dir);
  const std::string plans = (kSource / "scenarios" / "plans").string();
  const std::string base = (dir / "baseline").string();
  const CliOutput missing = hwsim_cli({"check", plans, "--baseline", base});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.out, Catch::Contains("--update-baseline"));
  const CliOutput update = hwsim_cli({"check", plans, "--baseline", base, "--update-baseline"});
  INFO(update.out);
  REQUIRE(update.exit_code == 0);
  const CliOutput same = hwsim_cli({"check", plans, "--baseline", base, "--junit", (dir / "ok.xml").string()});
  CHECK(same.exit_code == 0);
  // The same catalog with the DGX H100 price edited.
  const fs::path catalog = dir / "catalog";
  fs::remove_all(catalog);
  fs::create_directories(catalog);
  fs::copy(kSource / "hwmodels" / "catalog", catalog / "hw", fs::copy_options::recursive);
  fs::copy(kSource / "workloads" / "catalog", catalog / "models", fs::copy_options::recursive);
  const fs::path node = catalog / "hw" / "nodes" / "dgx-h100.yaml";
  std::ifstream in(node);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::string yaml = text.str();
  const auto at = yaml.find("\nprice: ");
  REQUIRE(at != std::string::npos);
  const auto end = yaml.find(" USD", at);
  const std::string old_price = yaml.substr(at + 8, end - at - 8);
  const std::string new_price = std::to_string(std::stol(old_price) + 30000);  // +$30k: the plans still hold
  yaml.replace(at + 8, end - at - 8, new_price);
  std::ofstream(node) << yaml;
  const int line = 1 + static_cast<int>(std::count(yaml.begin(), yaml.begin() + static_cast<long>(at) + 1, '\n'));
  const std::vector<std::string> env{"HWSIM_CATALOG=" + (catalog / "hw").string() + ":" +
                                     (catalog / "models").string()};
  const CliOutput edited = hwsim_cli({"check", plans, "--baseline", base, "--junit", (dir / "fail.xml").string()}, env);
  INFO(edited.out);
  CHECK(edited.exit_code == 1);
  CHECK_THAT(edited.out, Catch::Contains("DRIFT h100-pod/llama3-70b-cpt/capex_usd"));
  CHECK_THAT(edited.out, Catch::Contains("100.0% hw.dgx-h100.price: " + old_price + " USD -> " + new_price +
                                         " USD (catalog/"
                                         "hw/nodes/dgx-h100.yaml:" +
                                         std::to_string(line) + ")"));
  CHECK_THAT(edited.out, Catch::Contains("some plans FAILED"));
  const CliOutput md = hwsim_cli({"check", plans, "--baseline", base, "--format", "md"}, env);
  CHECK(md.exit_code == 1);
  CHECK_THAT(md.out, Catch::Contains("| `dgx-h100/chat-70b/capex_usd` |"));
  std::ifstream junit(dir / "fail.xml");
  std::stringstream xml;
  xml << junit.rdbuf();
  CHECK_THAT(xml.str(), Catch::Contains("<failure type=\"drift\""));
  CHECK(hwsim_cli({"check", plans, "--update-baseline"}).exit_code == 2);
}

TEST_CASE("baseline: a --tolerance for an unknown metric, or without --baseline, is bad input (exit 2)",
          "[baseline][cli]") {
  const std::string plans = (kSource / "scenarios" / "plans").string();
  const std::string base = (kSource / "scenarios" / "plans" / "baseline").string();
  const CliOutput typo = hwsim_cli({"check", plans, "--baseline", base, "--tolerance", "tco_us=0.1"});
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.out, Catch::Contains("--tolerance tco_us=0.1: unknown metric 'tco_us' (did you mean 'tco_usd'?)"));
  const CliOutput alone = hwsim_cli({"check", plans, "--tolerance", "tco_usd=0.1"});
  CHECK(alone.exit_code == 2);
  CHECK_THAT(alone.out, Catch::Contains("tolerances apply to a baseline: give --baseline DIR"));
  const CliOutput scoped =
      hwsim_cli({"check", plans, "--baseline", base, "--tolerance", "dgx-h100/chat-70b/tco_usd=0.1"});
  CHECK(scoped.exit_code == 0);
}
