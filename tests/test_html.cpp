// Reports for people (sim/report/html, the md format): the HTML page is one self-contained document (no script, no
// network reference) with an inline <svg> per chart: four bar charts, the TCO breakdown and the Pareto chart per
// workload, plus a tornado per result with sensitivities; every name is escaped. The md report has a compact table
// per workload with P10-P90 under values that have a spread, and the full metric table in a collapsed section.
// `hwsim run --format html` writes the page; `--samples 0` turns the uncertainty analysis off.
// Fixture: tests/fixtures/scenarios/uncertainty.yaml (two deployments, a node price and a rack price range).
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/uncertainty.hpp"
#include "sim/report/html.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/text.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kHtmlFixture = fs::path(HWSIM_FIXTURES_DIR) / "scenarios" / "uncertainty.yaml";

hwsim::Evaluation evaluated(int samples) {
  const hwsim::DefaultEfficiency eff;
  const hwsim::ScenarioSource source(kHtmlFixture, {});
  const hwsim::Scenario sc = source.load();
  hwsim::Evaluation ev = hwsim::evaluate(sc, eff);
  hwsim::add_uncertainty(ev, sc, source, eff, {.samples = samples, .threads = 2});
  return ev;
}

// Runs `hwsim run` on the fixture with `args`, writing to `out`; returns the exit status.
int run_cli(const std::string& args, const fs::path& out) {
  const std::string cmd =
      fmt::format("'{}' run '{}' {} -o '{}' 2>/dev/null", HWSIM_BINARY, kHtmlFixture.string(), args, out.string());
  return std::system(cmd.c_str());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("the html report is one self-contained document with a chart per figure", "[html]") {
  const std::string page = hwsim::render({evaluated(16)}, hwsim::Format::html);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(page, "<html") == 1);
  CHECK(count(page, "</html>") == 1);
  CHECK(count(page, "<body>") == 1);
  // Per workload: throughput, power, TCO, $/M tokens, TCO breakdown, Pareto; a $/M-tokens tornado per deployment
  // (the prices do not move throughput).
  CHECK(count(page, "<svg") == 6 + 2);
  CHECK(count(page, "<svg") == count(page, "</svg>"));
  CHECK(count(page, "http://") == 0);
  CHECK(count(page, "https://") == 0);
  CHECK(count(page, "<script") == 0);
  CHECK(page.find("<polyline class=\"front\"") != std::string::npos);
  CHECK(page.find("P10-P90") != std::string::npos);
}

TEST_CASE("the html report's axes carry units, its numbers are readable and its tornado shows each input's values",
          "[html]") {
  const std::string page = hwsim::render({evaluated(16)}, hwsim::Format::html);
  CHECK(page.find(">Throughput, tokens/s<") != std::string::npos);
  CHECK(page.find(">Power at load, W<") != std::string::npos);
  CHECK(page.find(">Total cost of ownership, USD<") != std::string::npos);
  CHECK(page.find(">throughput, tokens/s<") != std::string::npos);  // the Pareto chart's y axis
  CHECK(page.find("e+0") == std::string::npos);
  // The node price range of the fixture, 200000..340000 USD, labels the ends of its tornado bars.
  CHECK(page.find(">$200K<") != std::string::npos);
  CHECK(page.find(">$340K<") != std::string::npos);
  // A summary of every workload x deployment comes first; the breakdown's sub-rows are indented.
  CHECK(page.find("<table class=\"summary\">") < page.find("<svg"));
  CHECK(page.find("<td title=\"prefill_compute_s\" class=\"sub\">compute</td>") != std::string::npos);
}

TEST_CASE("the html report draws the facility power budget and a log axis where bars differ by 50x or more", "[html]") {
  const hwsim::DefaultEfficiency eff;
  const hwsim::Scenario sc =
      hwsim::ScenarioSource(fs::path(HWSIM_SOURCE_DIR) / "scenarios" / "dgx-h100-vs-altra-1mw.yaml", {}).load();
  const hwsim::Evaluation ev = hwsim::evaluate(sc, eff);
  REQUIRE(ev.power_budget_w == 1e6);
  const std::string page = hwsim::render({ev}, hwsim::Format::html);
  CHECK(page.find("class=\"limit\"") != std::string::npos);
  CHECK(page.find(">facility power budget 1 MW<") != std::string::npos);
  // 8.18 M tokens/s of the DGX pods against 149,326 of the Altra racks: 55x.
  CHECK(page.find(">Throughput, tokens/s (log scale)<") != std::string::npos);
  CHECK(page.find(">Power at load, W<") != std::string::npos);  // 481 kW against 941 kW: linear
  CHECK(page.find("e+0") == std::string::npos);
}

TEST_CASE("the html report charts time and cost to train for training workloads", "[html]") {
  const hwsim::DefaultEfficiency eff;
  const hwsim::Scenario sc =
      hwsim::ScenarioSource(fs::path(HWSIM_SOURCE_DIR) / "scenarios" / "default.yaml", {}).load();
  const std::string page = hwsim::render({hwsim::evaluate(sc, eff)}, hwsim::Format::html);
  CHECK(count(page, ">Time to train</text>") == 1);  // one training workload
  CHECK(count(page, ">Cost to train</text>") == 1);
  CHECK(page.find(">Time to train, h<") != std::string::npos);
  CHECK(page.find(">Cost to train, USD<") != std::string::npos);
}

TEST_CASE("the html report without range inputs has no tornado and no spread", "[html]") {
  const std::string page = hwsim::render({evaluated(0)}, hwsim::Format::html);
  CHECK(count(page, "<svg") == 6);
  CHECK(page.find("P10-P90") == std::string::npos);
  CHECK(page.find("Sensitivity of") == std::string::npos);
}

TEST_CASE("the html report escapes names", "[html]") {
  hwsim::Evaluation ev = evaluated(0);
  ev.scenario = "a<b & \"c\"";
  ev.results.front().deployment = "<script>x</script>";
  const std::string page = hwsim::render({ev}, hwsim::Format::html);
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;x&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("a&lt;b &amp; &quot;c&quot;") != std::string::npos);
  CHECK(hwsim::html_escape("it's <&>") == "it&#39;s &lt;&amp;&gt;");
}

TEST_CASE("the md report has a compact table per workload with P10-P90 and every metric collapsed", "[html]") {
  const std::string md = hwsim::render({evaluated(16)}, hwsim::Format::md);
  CHECK(md.find("**chat** (inference)") != std::string::npos);
  CHECK(md.find("| deployment | fits | throughput |") != std::string::npos);
  CHECK(md.find("| h100 | yes |") != std::string::npos);
  CHECK(md.find("| a100 | yes |") != std::string::npos);
  CHECK(md.find("<sub>P10-P90 $") != std::string::npos);
  CHECK(md.find("`deployments.h100.price` +0.") != std::string::npos);
  CHECK(md.find("<details><summary>All metrics</summary>") != std::string::npos);
  CHECK(md.find("| metric | h100 / chat | a100 / chat |") != std::string::npos);
  CHECK(md.find("| &nbsp;&nbsp;&nbsp;&nbsp;compute |") != std::string::npos);  // a breakdown sub-row, indented
  CHECK(md.find("e+0") == std::string::npos);
}

TEST_CASE("json carries uncertainty, sensitivity and the cost breakdown only when they exist", "[html]") {
  const std::string with = hwsim::render({evaluated(16)}, hwsim::Format::json);
  CHECK(with.find("\"uncertainty\": {") != std::string::npos);
  CHECK(with.find("\"sensitivity\"") != std::string::npos);
  CHECK(with.find("\"cost_breakdown\"") != std::string::npos);
  const std::string without = hwsim::render({evaluated(0)}, hwsim::Format::json);
  CHECK(without.find("\"uncertainty\": {") == std::string::npos);
  CHECK(without.find("\"sensitivity\"") == std::string::npos);
}

TEST_CASE("hwsim run writes the html page, and --samples 0 turns the uncertainty analysis off", "[html]") {
  const fs::path dir = fs::temp_directory_path() / ("hwsim_test_html_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  REQUIRE(run_cli("--format html --samples 8 --threads 2", dir / "r.html") == 0);
  const std::string page = hwsim_test::slurp_file(dir / "r.html");
  CHECK(count(page, "<svg") == 8);
  REQUIRE(run_cli("--format json --samples 0", dir / "r.json") == 0);
  CHECK(hwsim_test::slurp_file(dir / "r.json").find("\"sensitivity\"") == std::string::npos);
  REQUIRE(run_cli("--format json --samples 8", dir / "r.json") == 0);
  CHECK(hwsim_test::slurp_file(dir / "r.json").find("\"sensitivity\"") != std::string::npos);
  fs::remove_all(dir);
}
