// The `hwsim` command line end to end (sim/cli; DESIGN.md "CLI" and "JSON result"): exit codes 0 ok, 1 a failed
// expectation (`check` only), 2 bad input or usage; `--format json` is exactly one JSON document on stdout with the
// contract's field names; errors go to stderr, one line per problem, each naming file:line; `-o FILE` is written
// atomically (nothing is left behind on error); `hw show` and `model show` print derived figures and derivations,
// and `hw show` the sources an entry cites (from hwmodels/sources.yaml).
// Runs the built binary (HWSIM_BINARY) on the shipped scenarios and on fixtures in tests/fixtures/scenarios/.
// Tolerances: catalog peaks 1% of the datasheet figure (as DESIGN.md states them); model figures exact (integers
// below 2^53).
#include <catch2/catch.hpp>

#include "tests/support/constants.hpp"
#include "tests/support/run_hwsim.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using hwsim::test::kScenarioFixtures;
using hwsim::test::kSource;
using hwsim_test::lines_of;

using Run = hwsim_test::CliRun;

std::string slurp(const fs::path& p) { return hwsim_test::slurp_file(p); }
const fs::path& scratch() { return hwsim_test::cli_scratch(); }
Run cli(const std::vector<std::string>& args) { return hwsim_test::run_hwsim(args); }

std::string scenario(const std::string& name) { return (kSource / "scenarios" / name).string(); }
std::string fixture_path(const std::string& name) { return (kScenarioFixtures / name).string(); }

// Fields of one CSV line (RFC 4180 quoting).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool in_quotes = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

const Json* find_result(const Json& doc, const std::string& deployment, const std::string& workload) {
  for (const auto& r : doc.at("results")) {
    if (r.at("deployment") == deployment && r.at("workload") == workload) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("cli: run scenarios/default.yaml exits 0 and prints a table", "[cli]") {
  const Run r = cli({"run", scenario("default.yaml")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Catch::StartsWith("Scenario: default"));
  for (const char* column : {"dgx-a100 / chat-8b", "dgx-h100 / finetune-8b", "dgx-b200 / chat-8b"}) {
    CHECK_THAT(r.out, Catch::Contains(column));
  }
  for (const char* row : {"throughput", "USD per million tokens", "facility power (x PUE)", "MFU"}) {
    CHECK_THAT(r.out, Catch::Contains(row));
  }
}

TEST_CASE("cli: two runs of every shipped scenario give byte-identical output; --timings adds the searches' seconds",
          "[cli]") {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kSource / "scenarios")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().filename().string());
  }
  REQUIRE(files.size() >= 9);
  for (const auto& file : files) {
    INFO(file);
    for (const char* format : {"json", "table", "md"}) {
      INFO(format);
      const Run first = cli({"run", scenario(file), "--format", format});
      const Run second = cli({"run", scenario(file), "--format", format});
      REQUIRE(first.exit_code == 0);
      CHECK(first.out == second.out);
      CHECK_THAT(first.out, !Catch::Contains("\"seconds\""));
    }
  }
  const Run timed = cli({"run", scenario("gpt3-175b-search.yaml"), "--format", "json", "--timings"});
  REQUIRE(timed.exit_code == 0);
  CHECK_THAT(timed.out, Catch::Contains("\"seconds\""));
}

TEST_CASE("cli: run --format json is one document with the contract's metrics for every deployment", "[cli]") {
  const Run r = cli({"run", scenario("dgx-h100-vs-altra-1mw.yaml"), "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Json doc;
  REQUIRE_NOTHROW(doc = Json::parse(r.out));  // throws on trailing text: exactly one document
  CHECK(doc.at("scenario") == "dgx-h100-vs-altra-1mw");
  CHECK(doc.contains("version"));
  for (const char* deployment : {"dgx-h100", "altra"}) {
    INFO(deployment);
    const Json* res = find_result(doc, deployment, "chat-7b");
    REQUIRE(res != nullptr);
    CHECK(res->at("kind") == "inference");
    CHECK(res->at("fits") == true);
    CHECK(res->at("calibration") == "default");
    const Json& m = res->at("metrics");
    for (const char* key : {"throughput_tokens_per_s", "it_power_w", "facility_power_w", "capex_usd", "tco_usd",
                            "usd_per_million_tokens", "racks"}) {
      INFO(key);
      REQUIRE(m.contains(key));
      CHECK(m.at(key).get<double>() > 0);
    }
    CHECK(m.at("facility_power_w").get<double>() <= 1e6);
    // PUE 1.0 in this scenario: facility power = IT power x 1.0.
    CHECK(m.at("facility_power_w").get<double>() == Approx(m.at("it_power_w").get<double>()).epsilon(1e-12));
    CHECK(m.at("racks").get<double>() == 60);
    CHECK_FALSE(m.contains("mfu"));  // a training metric: omitted, never zero-filled
    CHECK(res->at("breakdown").contains("decode_step_s"));
    CHECK(res->at("parallelism").at("tp") == 1);
  }
}

TEST_CASE("cli: a result that does not fit is a result with its shortfall, not an error", "[cli]") {
  const Run r = cli({"run", fixture_path("falcon-4xa100.yaml"), "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json doc = Json::parse(r.out);
  const Json* bf16 = find_result(doc, "a100x4", "falcon-bf16");
  const Json* int8 = find_result(doc, "a100x4", "falcon-int8");
  REQUIRE(bf16 != nullptr);
  REQUIRE(int8 != nullptr);
  CHECK(bf16->at("fits") == false);
  CHECK_THAT(bf16->at("message").get<std::string>(), Catch::Contains("short by 7.9 GB"));
  CHECK_FALSE(bf16->at("metrics").contains("throughput_tokens_per_s"));
  CHECK(int8->at("fits") == true);
  CHECK(int8->at("compute_dtype") == "int8");
  CHECK(int8->at("metrics").at("devices") == 4);
}

TEST_CASE("cli: hw show derives A100 fp16 = 312 and H100 bf16 = 989 TFLOP/s within 1%, with the derivation", "[cli]") {
  const Run a100 = cli({"hw", "show", "a100-sxm4-40gb", "--format", "json"});
  INFO(a100.err);
  REQUIRE(a100.exit_code == 0);
  const Json a = Json::parse(a100.out);
  // 108 SM x 4 TC x 512 FLOP/clk x 1.41 GHz = 311.9 TFLOP/s.
  CHECK(a.at("peak_flops_per_s").at("fp16").get<double>() == Approx(312e12).epsilon(0.01));
  CHECK(a.at("peak_flops_per_s").at("fp16").get<double>() == Approx(108.0 * 4 * 512 * 1.41e9).epsilon(1e-9));
  const Run h100 = cli({"hw", "show", "h100-sxm5-80gb", "--format", "json"});
  REQUIRE(h100.exit_code == 0);
  const Json h = Json::parse(h100.out);
  // 132 SM x 4 TC x 1024 FLOP/clk x 1.83 GHz = 989.4 TFLOP/s.
  CHECK(h.at("peak_flops_per_s").at("bf16").get<double>() == Approx(989e12).epsilon(0.01));
  CHECK(h.at("peak_derivation").at("bf16").at("formula") == "132 SM x 4 TC x 1024 FLOP/clk x 1.83 GHz");
  const Run table = cli({"hw", "show", "a100-sxm4-40gb"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("108 SM x 4 TC x 512 FLOP/clk x 1.41 GHz"));
  CHECK_THAT(table.out, Catch::Contains("datasheet"));
}

TEST_CASE("cli: hw show says what share of its generation's GEMM rates a part's TDP holds", "[cli]") {
  // The 400 W H100 NVL: 0.708 (sim/perf/device.hpp tdp_clock_share); the H100 SXM5, the reference, 1 and no line.
  const Run nvl = cli({"hw", "show", "h100-nvl-94gb", "--format", "json"});
  REQUIRE(nvl.exit_code == 0);
  CHECK(Json::parse(nvl.out).at("tdp_clock_share").get<double>() == Approx(0.7083).epsilon(1e-3));
  const Run table = cli({"hw", "show", "h100-nvl-94gb"});
  CHECK_THAT(table.out, Catch::Contains("its TDP holds 0.708 of the generation's measured GEMM rates"));
  const Run sxm = cli({"hw", "show", "h100-sxm5-80gb", "--format", "json"});
  CHECK(Json::parse(sxm.out).at("tdp_clock_share").get<double>() == 1.0);
  CHECK_THAT(cli({"hw", "show", "h100-sxm5-80gb"}).out, !Catch::Contains("TDP holds"));
}

TEST_CASE("cli: hw show of an unknown entry exits 2 and suggests the closest name", "[cli]") {
  const Run r = cli({"hw", "show", "a100-sxm4-40g"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("unknown hardware entry 'a100-sxm4-40g' (did you mean 'a100-sxm4-40gb'?)"));
}

TEST_CASE("cli: hw compare sets two entries' derived figures side by side with the second's ratio to the first",
          "[cli]") {
  const Run r = cli({"hw", "compare", "a100-sxm4-40gb", "h100-sxm5-80gb", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json j = Json::parse(r.out);
  CHECK(j.at("first") == "a100-sxm4-40gb");
  CHECK(j.at("second") == "h100-sxm5-80gb");
  std::map<std::string, Json> figures;
  for (const auto& f : j.at("figures")) figures[f.at("figure").get<std::string>()] = f;
  // bf16: 989.4 / 311.9 TFLOP/s; HBM 3.35 / 1.555 TB/s; TDP 700 / 400 W (the catalog's figures).
  REQUIRE(figures.count("bf16 dense peak") == 1);
  CHECK(figures["bf16 dense peak"].at("ratio").get<double>() == Approx(989.4 / 311.9).epsilon(0.005));
  CHECK(figures["memory bandwidth"].at("ratio").get<double>() == Approx(3.35 / 1.555).epsilon(1e-6));
  CHECK(figures["power at most (TDP)"].at("first").get<double>() == 400);
  CHECK(figures["bf16 peak per watt (TDP)"].at("ratio").get<double>() ==
        Approx((989.4 / 700) / (311.9 / 400)).epsilon(0.005));
  const Run table = cli({"hw", "compare", "dgx-h100", "altra-max-server"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("altra-max-server / dgx-h100"));
  CHECK_THAT(table.out, Catch::Contains("fp16 peak per watt (TDP)"));  // the Altra has no bf16: the shared dtype
  const Run rack = cli({"hw", "compare", "rack-42u", "dgx-h100"});
  CHECK(rack.exit_code == 2);
  CHECK_THAT(rack.err, Catch::Contains("compares GPUs, CPUs and nodes: rack-42u is a rack"));
  const Run unknown = cli({"hw", "compare", "dgx-h100", "dgx-h1000"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("unknown hardware entry 'dgx-h1000'"));
}

// The source registry read straight from its YAML (not through hwsim's loader): id -> {key: text}.
std::map<std::string, std::map<std::string, std::string>> registry_entries() {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& item : YAML::LoadFile((kSource / "hwmodels/sources.yaml").string())["sources"]) {
    auto& fields = out[item["id"].as<std::string>()];
    for (const auto& kv : item) fields[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return out;
}

TEST_CASE("cli: hw show lists the entry's sources, base chain included, with their fields from the registry", "[cli]") {
  const auto registry = registry_entries();
  REQUIRE(registry.size() >= 90);
  const Run r = cli({"hw", "show", "h100-sxm5-80gb", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json sources = Json::parse(r.out).at("sources");
  REQUIRE(sources.is_array());
  std::vector<std::string> ids;
  for (const auto& s : sources) {
    const std::string id = s.at("id").get<std::string>();
    INFO(id);
    ids.push_back(id);
    REQUIRE(registry.count(id) == 1);
    const auto& known = registry.at(id);
    CHECK(s.at("title") == known.at("title"));
    CHECK(s.at("publisher") == known.at("publisher"));
    CHECK(s.at("date") == known.at("date"));
    CHECK(s.contains("url") != s.contains("citation"));  // url | citation
    if (s.contains("url")) CHECK(s.at("url") == known.at("url"));
  }
  // The H100 SXM5 file cites the NVIDIA datasheet table and Glenn Lockwood's page first.
  REQUIRE(ids.size() >= 2);
  CHECK(ids[0] == "hpctech_h100");
  CHECK(ids[1] == "glk_h100");
  CHECK(sources[0].at("url") == "https://archive-lib.hpctech.co.jp/gpuproduct/nvidia-h100.html");
  // The H200 (base: h100-sxm5-80gb) cites its own sources, then the H100's.
  const Run h200 = cli({"hw", "show", "h200-sxm-141gb", "--format", "json"});
  REQUIRE(h200.exit_code == 0);
  std::vector<std::string> h200_ids;
  const Json h200_doc = Json::parse(h200.out);
  for (const auto& s : h200_doc.at("sources")) h200_ids.push_back(s.at("id").get<std::string>());
  const auto own = std::find(h200_ids.begin(), h200_ids.end(), "geektopia_h200");
  const auto inherited = std::find(h200_ids.begin(), h200_ids.end(), "hpctech_h100");
  CHECK(own != h200_ids.end());
  CHECK(inherited != h200_ids.end());
  CHECK(own < inherited);
  // The table prints them too: id, date and title, then publisher and address.
  const Run table = cli({"hw", "show", "h100-sxm5-80gb"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("hwmodels/sources.yaml):"));
  CHECK_THAT(table.out, Catch::Contains("hpctech_h100         unknown  " + registry.at("hpctech_h100").at("title")));
  CHECK_THAT(table.out, Catch::Contains(registry.at("hwtimes_h100").at("publisher") + "; " +
                                        registry.at("hwtimes_h100").at("url")));
}

TEST_CASE("cli: an unknown source id in a catalog entry exits 2 naming file:line and the closest id", "[cli]") {
  const fs::path dir = fs::path(HWSIM_FIXTURES_DIR) / "sources" / "unknown_id";
  const Run r = cli({"hw", "show", "typo-source-rack", "--catalog", dir.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains((dir / "typo-source-rack.yaml").string() +
                                    ":4:11: sources: unknown source 'glk_h10' (did you mean 'glk_h100'?)"));
}

TEST_CASE("cli: model show gives parameters and training FLOPs per token at max_seq", "[cli]") {
  const Run r = cli({"model", "show", "llama2-7b", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json m = Json::parse(r.out);
  // Per layer: attention 4 x 4096^2 + SwiGLU 3 x 4096 x 11008 + 2 RMSNorms x 4096; 32 layers; untied 32000 x 4096
  // embeddings and logits; a final norm.
  const double parameters = 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008 + 2 * 4096) + 2.0 * 32000 * 4096 + 4096;
  CHECK(m.at("parameters").get<double>() == parameters);  // 6,738,415,616
  // 3 x (2 x matmul weights (32 layers x (4 x 4096^2 + 3 x 4096 x 11008) + 32000 x 4096) + 4 x 32 x 4096 x 4096).
  const double matmul = 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) + 32000.0 * 4096;
  CHECK(m.at("flops_per_token").get<double>() == 3 * (2 * matmul + 4.0 * 32 * 4096 * 4096));  // 4.608e10
  CHECK(m.at("max_seq") == 4096);
}

TEST_CASE("cli: model show gives a mixture of experts' active parameters beside all of them", "[cli]") {
  const Run r = cli({"model", "show", "mixtral-8x7b", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json m = Json::parse(r.out);
  // 32 layers x (attention 2 x 4096^2 + 2 x 4096 x 1024, router 4096 x 8, 2 RMSNorms) + untied 32000 x 4096 twice +
  // a final norm, with 8 experts of 3 x 4096 x 14336 per layer (all) or 2 (active).
  const double shared =
      32.0 * (2.0 * 4096 * 4096 + 2.0 * 4096 * 1024 + 4096 * 8 + 2 * 4096) + 2.0 * 32000 * 4096 + 4096;
  const double expert = 3.0 * 4096 * 14336;
  CHECK(m.at("parameters").get<double>() == shared + 32 * 8 * expert);         // 46,702,792,704
  CHECK(m.at("active_parameters").get<double>() == shared + 32 * 2 * expert);  // 12,879,925,248
  CHECK(m.at("experts") == 8);
  CHECK(m.at("experts_per_token") == 2);
}

TEST_CASE("cli: LoRA on a model with latent attention is refused, naming its lora_rank key", "[cli]") {
  const fs::path scenario = fs::path(fixture_path("bad/mla_workload.yaml"));
  const Run r = cli({"run", scenario.string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(scenario.string() + ":15:16: workloads[0].lora_rank: LoRA on a model with "
                                                        "multi-head latent attention (kv_lora_rank) is not modelled"));
}

TEST_CASE("cli: every bad scenario exits 2 with one stderr line per problem, each naming file:line", "[cli]") {
  // Problems per fixture (tests/test_scenario.cpp checks the exact text).
  const std::vector<std::pair<std::string, std::size_t>> cases{
      {"bad/misspelt_key.yaml", 1},  {"bad/misspelt_workload_key.yaml", 1}, {"bad/misspelt_top_key.yaml", 2},
      {"bad/wrong_unit.yaml", 1},    {"bad/missing_unit.yaml", 1},          {"bad/unknown_node.yaml", 1},
      {"bad/unknown_model.yaml", 1}, {"bad/negative_count.yaml", 1},        {"bad/broken_yaml.yaml", 1},
      {"bad/many_errors.yaml", 3},   {"bad/fill_without_budget.yaml", 1},   {"bad/expectation_without_bound.yaml", 1},
  };
  for (const auto& [file, problems] : cases) {
    INFO(file);
    const std::string path = fixture_path(file);
    const Run r = cli({"run", path, "--format", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    const auto errs = lines_of(r.err);
    CHECK(errs.size() == problems);
    for (const auto& line : errs) {
      const std::string prefix = "hwsim: error: " + path + ":";
      CHECK_THAT(line, Catch::StartsWith(prefix));
      CHECK(line.size() > prefix.size());
      CHECK(std::isdigit(static_cast<unsigned char>(line[prefix.size()])) != 0);  // the line number
    }
  }
}

TEST_CASE("cli: -o FILE is written on success and leaves no file behind on error", "[cli]") {
  const fs::path target = scratch() / "result.json";
  SECTION("bad input") {
    const Run r = cli({"run", fixture_path("bad/many_errors.yaml"), "--format", "json", "-o", target.string()});
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(target));
    CHECK_FALSE(fs::exists(target.string() + ".tmp"));
  }
  SECTION("a good run") {
    const Run r = cli({"run", scenario("dgx-h100-vs-altra-1mw.yaml"), "--format", "json", "-o", target.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    REQUIRE(fs::exists(target));
    CHECK_FALSE(fs::exists(target.string() + ".tmp"));
    CHECK(Json::parse(slurp(target)).at("scenario") == "dgx-h100-vs-altra-1mw");
    fs::remove(target);
  }
}

TEST_CASE("cli: check exits 0 when every expectation holds and 1 when one fails", "[cli]") {
  const Run ok = cli({"check", scenario("dgx-h100-vs-altra-1mw.yaml")});
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("all expectations hold"));
  const Run fails = cli({"check", fixture_path("check_fails.yaml")});
  INFO(fails.out << fails.err);
  CHECK(fails.exit_code == 1);
  CHECK_THAT(fails.out, Catch::Contains("PASS  h100/chat/devices"));
  // Values and bounds in the metric's own units, with how far a missed bound is off.
  CHECK_THAT(fails.out, Catch::Contains("FAIL  h100/chat/provisioned_power_w  10.5 kW vs max 1 kW (off +950%)"));
  const Run json = cli({"check", fixture_path("check_fails.yaml"), "--format", "json"});
  CHECK(json.exit_code == 1);
  const Json doc = Json::parse(json.out);
  CHECK(doc.at("passed") == false);
  CHECK(doc.at("scenarios").at(0).at("expectations").at(1).at("passed") == false);
}

TEST_CASE("cli: check exits 2 for an expectation naming an unknown metric", "[cli]") {
  const std::string path = fixture_path("check_unknown_metric.yaml");
  const Run r = cli({"check", path});
  CHECK(r.exit_code == 2);
  const auto errs = lines_of(r.err);
  REQUIRE(errs.size() == 1);
  CHECK_THAT(errs[0], Catch::StartsWith("hwsim: error: " + path +
                                        ":8:5: metric: h100/chat has no metric "
                                        "'tokens_per_second'"));
}

TEST_CASE("cli: csv has one header and one row per result with equal field counts, md is a table", "[cli]") {
  // The falcon fixture's not-fitting message holds commas: quoted, it stays one field.
  const Run csv = cli({"run", fixture_path("falcon-4xa100.yaml"), "--format", "csv"});
  INFO(csv.err);
  REQUIRE(csv.exit_code == 0);
  const auto rows = lines_of(csv.out);
  REQUIRE(rows.size() == 3);
  const auto header = csv_fields(rows[0]);
  CHECK(header[0] == "scenario");
  CHECK(std::find(header.begin(), header.end(), "usd_per_million_tokens") != header.end());
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(csv_fields(rows[i]).size() == header.size());
  CHECK_THAT(csv_fields(rows[1]).back(), Catch::Contains("short by 7.9 GB"));

  const Run md = cli({"run", scenario("default.yaml"), "--format", "md"});
  REQUIRE(md.exit_code == 0);
  CHECK_THAT(md.out, Catch::StartsWith("## default"));
  CHECK_THAT(md.out, Catch::Contains("| metric | dgx-a100 / chat-8b |"));
  CHECK_THAT(md.out, Catch::Contains("| --- |"));
}

TEST_CASE("cli: --set overrides an input, --set of an undeclared key exits 2", "[cli]") {
  const Run r = cli({"run", scenario("dgx-h100-vs-altra-1mw.yaml"), "--format", "json", "--set", "facility.pue=1.3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json doc = Json::parse(r.out);
  const Json* res = find_result(doc, "dgx-h100", "chat-7b");
  REQUIRE(res != nullptr);
  const Json& m = res->at("metrics");
  CHECK(m.at("facility_power_w").get<double>() == Approx(m.at("it_power_w").get<double>() * 1.3).epsilon(1e-12));
  const Run bad = cli({"run", scenario("dgx-h100-vs-altra-1mw.yaml"), "--set", "facility.pu=1.3"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "hwsim: error: --set facility.pu=1.3: facility: unknown key 'pu' (did you mean 'pue'?)\n");
}

TEST_CASE("cli: usage errors exit 2: unknown flag, unknown format, missing file, unknown command; no command is help",
          "[cli]") {
  CHECK(cli({"run", scenario("default.yaml"), "--bogus"}).exit_code == 2);
  CHECK(cli({"run", scenario("default.yaml"), "--format", "xml"}).exit_code == 2);
  CHECK(cli({"run", fixture_path("no-such-file.yaml")}).exit_code == 2);
  CHECK(cli({"frobnicate"}).exit_code == 2);
  // `hwsim` alone prints the help on stdout, every command listed.
  const Run bare = cli({});
  CHECK(bare.exit_code == 0);
  CHECK(bare.err.empty());
  for (const char* command : {"run", "check", "sweep", "merge", "hw", "model", "schema", "validate", "calibrate"}) {
    CHECK_THAT(bare.out, Catch::Contains(std::string("  ") + command + " "));
  }
  const Run help = cli({"run", "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("Example:"));
}
