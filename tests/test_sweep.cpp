// What-if sweeps (sim/plan/sweep, written by sim/report/sweep_writer): the grid's order (first --vary slowest), ranges
// with N evenly spaced values and integer steps for integer keys, every point equal to a fresh load with the same
// `--set` (both the in-place route for engine-only keys and the reloading route for catalog keys), shards merged byte
// for byte into the unsharded output (CSV and JSON), threads not changing the output, and bad --vary/--shard/merge
// input as InputError naming the option. Tolerance: exact (the same arithmetic on the same inputs).
#include <catch2/catch.hpp>

#include <algorithm>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/errors.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/report/sweep_merge.hpp"
#include "sim/report/sweep_writer.hpp"
#include "tests/support/text.hpp"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kServe = fs::path(HWSIM_FIXTURES_DIR) / "scenarios" / "sweep.yaml";

enum class Format { csv, json };

std::string run_sweep(const std::vector<std::string>& vary, Format format, hwsim::Shard shard = {}, int threads = 1,
                      const std::vector<std::string>& sets = {}) {
  const hwsim::Sweep sweep(kServe, {.catalog_dirs = {}, .sets = sets},
                           {.vary = vary, .shard = shard, .threads = threads, .metrics = {}});
  std::ostringstream out;
  if (format == Format::json) {
    sweep.run(out, hwsim::JsonSweepWriter(sweep.layout()));
  } else {
    sweep.run(out, hwsim::CsvSweepWriter(sweep.layout()));
  }
  return out.str();
}

std::string sweep_error(const std::vector<std::string>& vary, const std::string& shard = "0/1") {
  try {
    (void)hwsim::Sweep(kServe, {}, {.vary = vary, .shard = hwsim::parse_shard(shard)});
  } catch (const hwsim::InputError& e) {
    return e.diagnostics().front().str();
  }
  return "";
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hwsim-sweep-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("sweep: several --vary form a grid, the first slowest, one CSV row per point x result", "[sweep]") {
  const auto rows =
      hwsim_test::lines_of(run_sweep({"facility.pue=1.1,1.3", "deployments.h100.count=1..3:3"}, Format::csv));
  // Header + 2 x 3 points x 2 deployments.
  REQUIRE(rows.size() == 1 + 2 * 3 * 2);
  CHECK(rows[0].rfind("point,facility.pue,deployments.h100.count,deployment,workload,fits,throughput_tokens_per_s",
                      0) == 0);
  CHECK(rows[1].rfind("0,1.1,1,h100,chat,true,", 0) == 0);
  CHECK(rows[2].rfind("0,1.1,1,a100,chat,true,", 0) == 0);
  CHECK(rows[3].rfind("1,1.1,2,h100,", 0) == 0);
  CHECK(rows[7].rfind("3,1.3,1,h100,", 0) == 0);
  CHECK(rows[12].rfind("5,1.3,3,a100,", 0) == 0);
}

TEST_CASE("sweep: a grid above --max-points is refused before any work, with its size and a shard split that fits",
          "[sweep]") {
  const auto message_of = [](hwsim::SweepOptions options) {
    try {
      const hwsim::Sweep s(kServe, {}, options);
      return std::string("accepted ") + std::to_string(s.total_points());
    } catch (const hwsim::InputError& e) {
      return e.diagnostics().front().message;
    }
  };
  const std::vector<std::string> grid{"facility.pue=1.1,1.2,1.3", "deployments.h100.count=1..4:4"};  // 12 points
  CHECK(message_of({.vary = grid, .max_points = 12}) == "accepted 12");
  CHECK(message_of({.vary = grid, .max_points = 5}) ==
        "the grid has 12 points (12 in this run), above the limit of 5 per run: split it with --shard I/3 (I = 0 .. "
        "2) and `hwsim merge`, or raise the limit with --max-points");
  // A shard of the same grid is within the limit.
  CHECK(message_of({.vary = grid, .shard = {0, 3}, .max_points = 5}) == "accepted 12");
  // 10^12 points: refused at once, not evaluated (the default limit is 10^7).
  CHECK_THAT(message_of({.vary = {"facility.pue=1.0..2.0:1000000", "facility.electricity=0.05..0.20 USD/kWh:1000000"}}),
             Catch::Matchers::StartsWith("the grid has 1000000000000 points"));
}

TEST_CASE("sweep: progress is reported from 0 to every point, in order, and does not change the output", "[sweep]") {
  std::vector<std::pair<std::int64_t, std::int64_t>> calls;
  hwsim::SweepOptions options{.vary = {"facility.pue=1.0..2.0:300", "deployments.h100.count=1..3:3"}};
  options.progress = [&](std::int64_t done, std::int64_t total) { calls.emplace_back(done, total); };
  const hwsim::Sweep sweep(kServe, {}, options);
  std::ostringstream out;
  sweep.run(out, hwsim::CsvSweepWriter(sweep.layout()));
  REQUIRE(calls.size() >= 3);
  CHECK(calls.front() == std::pair<std::int64_t, std::int64_t>{0, 900});
  CHECK(calls.back() == std::pair<std::int64_t, std::int64_t>{900, 900});
  CHECK(std::is_sorted(calls.begin(), calls.end()));
  CHECK(out.str() == run_sweep({"facility.pue=1.0..2.0:300", "deployments.h100.count=1..3:3"}, Format::csv));
}

TEST_CASE("sweep: a range gives N evenly spaced values with its unit, integer keys take integer steps", "[sweep]") {
  const hwsim::Sweep s(kServe, {},
                       {.vary = {"facility.electricity=0.05..0.20 USD/kWh:4", "deployments.h100.count=1..4:10",
                                 "deployments.a100.count=1..10:4"}});
  REQUIRE(s.axes().size() == 3);
  CHECK(s.axes()[0].values == std::vector<std::string>{"0.05 USD/kWh", "0.1 USD/kWh", "0.15 USD/kWh", "0.2 USD/kWh"});
  CHECK(s.axes()[1].values == std::vector<std::string>{"1", "2", "3", "4"});  // 10 steps over 1..4 round to 4 integers
  CHECK(s.axes()[2].values == std::vector<std::string>{"1", "4", "7", "10"});
  CHECK(s.total_points() == 4 * 4 * 4);
}

TEST_CASE("sweep: every point equals a fresh load with the same --set, on both routes", "[sweep]") {
  // facility.* and deployments.*.count/price and workloads.*.batch are written in place; hw.* reloads.
  const std::vector<std::string> vary{
      "hw.h100-sxm5-80gb.memory.hbm.bandwidth=3 TB/s,4 TB/s", "facility.pue=1.1,1.4",
      "facility.electricity=0.07 USD/kWh,0.2 USD/kWh",        "deployments.h100.count=1,3",
      "deployments.a100.price=150000 USD,250000 USD",         "workloads.chat.batch=auto,16"};
  const Json doc = Json::parse(run_sweep(vary, Format::json, {}, 1, {"facility.years=5"}));
  REQUIRE(doc.at("points") == 64);
  REQUIRE(doc.at("rows").size() == 64 * 2);
  const hwsim::DefaultEfficiency eff;
  for (const auto& row : doc.at("rows")) {
    std::vector<std::string> sets{"facility.years=5"};
    for (const auto& [path, value] : row.at("inputs").items()) sets.push_back(path + "=" + value.get<std::string>());
    const auto ev = hwsim::evaluate(hwsim::load_scenario(kServe, {.catalog_dirs = {}, .sets = sets}), eff);
    const hwsim::Result* r = nullptr;
    for (const auto& x : ev.results) {
      if (x.deployment == row.at("deployment")) r = &x;
    }
    REQUIRE(r != nullptr);
    INFO("point " << row.at("point") << " " << r->deployment);
    CHECK(row.at("fits") == r->fits);
    REQUIRE(row.at("metrics").size() == r->metrics.size());
    for (const auto& m : r->metrics) CHECK(row.at("metrics").at(m.key).get<double>() == m.value);
  }
}

TEST_CASE("sweep: shards merged equal the unsharded output byte for byte, CSV and JSON", "[sweep]") {
  const std::vector<std::string> vary{"facility.pue=1.1,1.2,1.3", "deployments.h100.count=1..5:5",
                                      "hw.dgx-h100.price=250000 USD,300000 USD"};
  for (const auto format : {Format::csv, Format::json}) {
    const std::string whole = run_sweep(vary, format);
    std::vector<std::string> files;
    for (int i = 0; i < 4; ++i) {  // 30 points over 4 shards: uneven shards
      const auto f = scratch("shard" + std::to_string(i) + (format == Format::csv ? ".csv" : ".json"));
      write(f, run_sweep(vary, format, {i, 4}));
      files.insert(files.begin(), f.string());  // merge does not depend on the order of its arguments
    }
    std::ostringstream merged;
    hwsim::merge_shards(files, merged);
    CHECK(merged.str() == whole);
    // A missing shard is an error, not a shorter result.
    files.erase(files.begin());
    std::ostringstream partial;
    CHECK_THROWS_AS(hwsim::merge_shards(files, partial), hwsim::InputError);
  }
}

TEST_CASE("sweep: threads do not change the output", "[sweep]") {
  const std::vector<std::string> vary{"facility.pue=1.1..1.5:5", "deployments.h100.count=1..120:120"};
  CHECK(run_sweep(vary, Format::csv, {}, 3) == run_sweep(vary, Format::csv));
}

TEST_CASE("sweep: a combination of values the loader refuses is an error naming the point, on one thread or several",
          "[sweep]") {
  // Each value loads alone; a static batch with a KV cache share does not. 1200 points: with 4 threads the refused
  // point (the 601st) falls to a thread other than the calling one.
  const std::vector<std::string> vary{"workloads.chat.batching=continuous,static",
                                      "workloads.chat.kv_cache_share=0.8,0.9",
                                      "workloads.chat.output_tokens=1..300:300"};
  const std::string point = "--vary point workloads.chat.batching=static, workloads.chat.kv_cache_share=0.8";
  for (const int threads : {1, 4}) {
    INFO(threads);
    CHECK_THROWS_WITH(run_sweep(vary, Format::csv, {}, threads), Catch::Contains(point));
  }
  // A fixed batch beside a varied limit of batch: auto is refused as --set refuses it (the batch axis reloads with it).
  CHECK_THROWS_WITH(run_sweep({"workloads.chat.batch=auto,8", "workloads.chat.max_batch_tokens=300,600"}, Format::csv),
                    Catch::Contains("max_batch_tokens limits batch: auto"));
  CHECK_NOTHROW(run_sweep({"workloads.chat.batch=auto", "workloads.chat.max_batch_tokens=300,600"}, Format::csv));
}

TEST_CASE("sweep: bad --vary, --shard and merge input are errors naming the option", "[sweep]") {
  CHECK(sweep_error({"facility.pue=abc"}) == "--vary facility.pue=abc: facility.pue: expected a number, got \"abc\"");
  CHECK(sweep_error({"hw.dgx-h100.prize=1 USD"}) ==
        "--vary hw.dgx-h100.prize=1 USD: unknown key 'prize' (did you mean 'price'?)");
  CHECK_THAT(sweep_error({"facility.pue=1.1..1.5"}), Catch::Contains("a range needs :N"));
  CHECK_THAT(sweep_error({"facility.pue=1,2", "facility.pue=3"}), Catch::Contains("already varied"));
  CHECK_THAT(sweep_error({"facility.pue=1.2"}, "2/2"), Catch::Contains("--shard 2/2: expected I/N with 0 <= I < N"));
  const auto bad = scratch("not-a-sweep.csv");
  write(bad, "a,b\n1,2\n");
  std::ostringstream out;
  CHECK_THROWS_WITH(hwsim::merge_shards({bad.string()}, out), Catch::Contains("not the output of hwsim sweep"));
}
