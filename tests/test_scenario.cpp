// Scenario loading (sim/scenario/load*.cpp): every bad input is an InputError whose lines name file:line:col, the key
// path and what was expected (a misspelt key suggests the closest valid one, a wrong unit names the dimension, an
// unknown catalog name the closest entry); all problems of a file are reported at once, each once; `--set` must hit
// a declared key, and good overrides (facility.pue, deployments.NAME.count, hw.NAME.KEY) change the results.
// Bad-input fixtures live in tests/fixtures/scenarios/bad/, each paired below with its exact expected messages;
// good ones in tests/fixtures/scenarios/.
// Tolerances: 1e-12 relative for values recomputed by hand from the overridden inputs.
#include <catch2/catch.hpp>

#include "tests/support.hpp"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sim/core/config_node.hpp"
#include "sim/core/errors.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/constants.hpp"

namespace {

using hwsim::test::kDefaultEff;
using hwsim::test::kRel;
using hwsim::test::kScenarioFixtures;
using hwsim::test::load_fixture;
using hwsim::test::metric_of;
using hwsim::test::result_of;
namespace fs = std::filesystem;

// Every diagnostic of loading `relative` (under tests/fixtures/scenarios/) with `sets`, as "file:line:col: key:
// message" with the fixture folder stripped from the file name. Empty when the scenario loads.
std::vector<std::string> load_errors(const std::string& relative, const std::vector<std::string>& sets = {}) {
  const std::string prefix = kScenarioFixtures.string() + "/";
  try {
    (void)hwsim::load_scenario(kScenarioFixtures / relative, {.catalog_dirs = {}, .sets = sets});
  } catch (const hwsim::InputError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) {
      std::string line = d.str();
      if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
      out.push_back(line);
    }
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("each bad scenario gives exactly its expected messages: file:line:col, key path, expectation", "[scenario]") {
  const std::map<std::string, std::vector<std::string>> expected{
      {"bad/misspelt_key.yaml",
       {"bad/misspelt_key.yaml:3:22: facility: unknown key 'electricty' (did you mean 'electricity'?)"}},
      {"bad/misspelt_workload_key.yaml",
       {"bad/misspelt_workload_key.yaml:9:5: workloads[0]: unknown key 'input_tokns' (did you mean 'input_tokens'?)"}},
      {"bad/misspelt_top_key.yaml",
       {"bad/misspelt_top_key.yaml:3:1: unknown key 'deployment' (did you mean 'deployments'?)",
        "bad/misspelt_top_key.yaml:2:1: missing required key 'deployments' (hardware alternatives, each evaluated "
        "against the same facility)"}},
      {"bad/wrong_unit.yaml",
       {"bad/wrong_unit.yaml:4:41: deployments[0].price: expected a price like \"199000 USD\", got \"300 W\" "
        "(a power)"}},
      {"bad/missing_unit.yaml",
       {"bad/missing_unit.yaml:6:65: workloads[0].sla.tpot: expected a time like \"4 us\", got \"100\" (no unit)"}},
      {"bad/unknown_node.yaml",
       {"bad/unknown_node.yaml:4:24: deployments[0].node: unknown node 'dgx-h10' (did you mean 'dgx-h100'?)"}},
      {"bad/unknown_model.yaml",
       {"bad/unknown_model.yaml:6:42: workloads[0].model: unknown model 'mistral-7c' (did you mean 'mistral-7b'?)"}},
      {"bad/ep_dense_model.yaml",
       {"bad/ep_dense_model.yaml:10:37: workloads[0].parallelism.ep: expert parallelism needs a mixture of experts "
        "(the model has no experts)"}},
      {"bad/etp_dense_model.yaml",
       {"bad/etp_dense_model.yaml:10:38: workloads[0].parallelism.etp: expert tensor parallelism needs a mixture of "
        "experts (the model has no experts)"}},
      {"bad/etp_above_tp.yaml",
       {"bad/etp_above_tp.yaml:10:45: workloads[0].parallelism.etp: etp=4 above tp=2 is not modelled (valid: 1 to 2)"}},
      {"bad/etp_without_sp.yaml",
       {"bad/etp_without_sp.yaml:10:45: workloads[0].parallelism.etp: etp=1 below tp=2 needs sequence_parallel: true "
        "(each rank sends its sequence shard to the experts)"}},
      {"bad/etp_uneven_width.yaml",
       {"bad/etp_uneven_width.yaml:10:45: workloads[0].parallelism.etp: an expert's width 14336 does not split evenly "
        "over etp=3"}},
      {"bad/ep_uneven_experts.yaml",
       {"bad/ep_uneven_experts.yaml:10:37: workloads[0].parallelism.ep: 8 experts do not split evenly over ep=3"}},
      {"bad/expert_imbalance_dense.yaml",
       {"bad/expert_imbalance_dense.yaml:10:23: workloads[0].expert_imbalance: expert_imbalance needs a mixture of "
        "experts (the model has no experts)"}},
      {"bad/serve_ep_dense_model.yaml",
       {"bad/serve_ep_dense_model.yaml:10:37: workloads[0].parallelism.ep: expert parallelism needs a mixture of "
        "experts (the model has no experts)"}},
      {"bad/serve_ep_uneven_experts.yaml",
       {"bad/serve_ep_uneven_experts.yaml:10:37: workloads[0].parallelism.ep: ep=3 must divide both the 8 experts and "
        "tp=8 (a replica's tp ranks run each MoE layer as ep groups of tp/ep ranks: TensorRT-LLM's moe_ep_size x "
        "moe_tp_size = tp_size); valid: 1, 2, 4, 8"}},
      {"bad/serve_ep_not_dividing_tp.yaml",
       {"bad/serve_ep_not_dividing_tp.yaml:10:37: workloads[0].parallelism.ep: ep=8 must divide both the 8 experts and "
        "tp=4 (a replica's tp ranks run each MoE layer as ep groups of tp/ep ranks: TensorRT-LLM's moe_ep_size x "
        "moe_tp_size = tp_size); valid: 1, 2, 4"}},
      {"bad/percentile_static.yaml",
       {"bad/percentile_static.yaml:11:34: workloads[0].sla.percentile: Poisson arrivals need batching: continuous "
        "(static batches wait for a full batch)"}},
      {"bad/fp8_params_bf16.yaml",
       {"bad/fp8_params_bf16.yaml:10:17: workloads[0].fp8_params: fp8_params keeps the weights in the 8-bit GEMM "
        "format; dtype is bf16 (valid: fp8)"}},
      {"bad/fp8_attention_bf16.yaml",
       {"bad/fp8_attention_bf16.yaml:10:20: workloads[0].fp8_attention: fp8_attention runs beside an FP8 or FP4 "
        "training recipe; dtype is bf16 (valid: fp8, fp4)"}},
      {"bad/fp8_attention_unfused.yaml",
       {"bad/fp8_attention_unfused.yaml:12:20: workloads[0].fp8_attention: fp8_attention runs the chip's own fused "
        "attention (cuDNN, through Transformer Engine): it needs flash_attention and the native attention_kernel "
        "(valid: native; the stack's default is native for megatron-core)"}},
      {"bad/lora_targets_without_rank.yaml",
       {"bad/lora_targets_without_rank.yaml:10:19: workloads[0].lora_targets: LoRA targets need lora_rank (LoRA "
        "fine-tuning)"}},
      {"bad/attention_kernel_unfused.yaml",
       {"bad/attention_kernel_unfused.yaml:11:23: workloads[0].attention_kernel: attention_kernel names a fused "
        "kernel; flash_attention is false"}},
      {"bad/mla_workload.yaml",
       {"bad/mla_workload.yaml:15:16: workloads[0].lora_rank: LoRA on a model with multi-head latent attention "
        "(kv_lora_rank) is not modelled (adapters are placed on multi-head attention's Q, K, V and output products); "
        "full training of the model is"}},
      {"bad/negative_count.yaml", {"bad/negative_count.yaml:4:41: deployments[0].count: must be at least 1, got -3"}},
      {"bad/broken_yaml.yaml", {"bad/broken_yaml.yaml:6:3: invalid YAML: illegal block entry"}},
      {"bad/fill_without_budget.yaml",
       {"bad/fill_without_budget.yaml:4:45: deployments[0].count: count: fill needs facility.power_budget, "
        "capex_budget or max_racks (workload 'chat' has no min_throughput_tokens_per_s or train_time to size for)"}},
      {"bad/expectation_without_bound.yaml",
       {"bad/expectation_without_bound.yaml:8:5: expect[0]: an expectation needs min, max or approx"}},
      {"bad/rack_overfull.yaml",
       {"bad/rack_overfull.yaml:4:59: deployments[0].nodes_per_rack: 8 x 'dgx-h100' need 64U and 81.6 kW; air-cooled "
        "rack 'rack-42u' has 42U and 20.0 kW: at most 1 per rack"}},
      {"bad/alias_bomb.yaml",
       {"bad/alias_bomb.yaml:2:14: f[0][3][3][7][2][1]: more than 100000 YAML values (aliases expanded): a file this "
        "large is refused (split a catalog into files)"}},
      {"bad/two_documents.yaml",
       {"bad/two_documents.yaml:8:1: 2 YAML documents in one file; hwsim reads one (remove the `---` separator, or "
        "split the file)"}},
      {"bad/invalid_utf8.yaml", {"bad/invalid_utf8.yaml:2:10: not UTF-8 text (YAML files are UTF-8)"}},
      {"bad/deep_nesting.yaml", {"bad/deep_nesting.yaml:2:67: nested deeper than 64 levels: refused"}},
      {"bad/pp_overflow.yaml",
       {"bad/pp_overflow.yaml:6:92: workloads[0].parallelism.pp: must be at most 2147483647 (whole numbers are "
        "32-bit), got 4294967296"}},
      {"bad/tp_overflow.yaml",
       {"bad/tp_overflow.yaml:6:107: workloads[0].parallelism.tp: must be at most 2147483647 (whole numbers are "
        "32-bit), got 4294967297"}},
      {"bad/max_racks_overflow.yaml",
       {"bad/max_racks_overflow.yaml:5:57: deployments[0].max_racks: must be at most 2147483647 (whole numbers are "
        "32-bit), got 4294967296"}},
      {"bad/count_overflow.yaml",
       {"bad/count_overflow.yaml:4:40: deployments[0].count: must be at most 2147483647 (whole numbers are 32-bit), "
        "got 2147483648"}},
      {"bad/count_above_bound.yaml",
       {"bad/count_above_bound.yaml:4:40: deployments[0].count: must be at most 1048576, got 2000000"}},
      {"bad/liquid_node_in_air_rack.yaml",
       {"bad/liquid_node_in_air_rack.yaml:6:33: deployments[0].node: node 'hgx-b200-liquid' (10U, 14.3 kW, "
        "liquid-cooled) does not fit air-cooled rack 'rack-42u-44kw' (42U, 44.0 kW): no coolant reaches it; choose a "
        "rack (facility.rack) that holds it"}},
      {"bad/many_errors.yaml",
       {"bad/many_errors.yaml:5:41: deployments[0].count: must be at least 1, got 0",
        "bad/many_errors.yaml:7:60: workloads[0].batch: must be at least 1, got -1",
        "bad/many_errors.yaml:3:17: facility.pue: must be at least 1, got 0.9"}},
  };
  // Every fixture in the folder is paired with its messages.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(kScenarioFixtures / "bad")) {
    if (e.path().extension() != ".yaml") continue;
    ++files;
    INFO(e.path().filename().string());
    CHECK(expected.count("bad/" + e.path().filename().string()) == 1);
  }
  CHECK(files == expected.size());
  for (const auto& [file, messages] : expected) {
    INFO(file);
    CHECK(load_errors(file) == messages);
  }
}

TEST_CASE("every good fixture scenario loads", "[scenario]") {
  for (const char* file : {"training.yaml", "inference.yaml", "falcon-4xa100.yaml", "power_cost.yaml",
                           "check_fails.yaml", "check_unknown_metric.yaml"}) {
    INFO(file);
    CHECK(load_errors(file).empty());
  }
}

TEST_CASE("devices: N uses N accelerators of each node, of one node alone or of every node with count", "[scenario]") {
  const hwsim::Scenario sc = hwsim::load_scenario(kScenarioFixtures / "partial_nodes.yaml", {});
  const auto system = [&](const std::string& name) {
    for (const auto& d : sc.deployments) {
      if (d.name == name) return hwsim::build_system(sc, d);
    }
    FAIL("no deployment " << name);
    return hwsim::System{};
  };
  const hwsim::System two = system("two-h100");
  CHECK(two.devices == 2);
  CHECK(two.nodes == 1);
  CHECK(two.devices_per_node() == 2);
  CHECK(two.node_share == Approx(2.0 / 8).epsilon(kRel));
  // 64 of each NVL72's 72 GPUs on four racks: 256 devices, 64 per NVLink domain, 4 x 64/72 of the racks' power and
  // price.
  const hwsim::System part = system("nvl72x4");
  const hwsim::System whole = system("nvl72x4-whole");
  CHECK(part.devices == 256);
  CHECK(part.nodes == 4);
  CHECK(part.devices_per_node() == 64);
  CHECK(whole.devices == 288);
  CHECK(whole.devices_per_node() == 72);
  const hwsim::Evaluation ev = hwsim::evaluate(sc, kDefaultEff);
  const auto metric = [&](const std::string& deployment, const std::string& key) {
    for (const auto& r : ev.results) {
      if (r.deployment != deployment) continue;
      for (const auto& m : r.metrics) {
        if (m.key == key) return m.value;
      }
    }
    FAIL("no metric " << deployment << "/" << key);
    return 0.0;
  };
  CHECK(metric("nvl72x4", "nodes") == Approx(4.0 * 64 / 72).epsilon(kRel));
  CHECK(metric("nvl72x4", "capex_usd") < metric("nvl72x4-whole", "capex_usd"));
  CHECK(metric("nvl72x4", "devices") == 256);
}

TEST_CASE("a --set of an undeclared key is reported like a typo in the file, naming the --set", "[scenario]") {
  CHECK(load_errors("power_cost.yaml", {"facility.pu=1.2"}) ==
        std::vector<std::string>{"--set facility.pu=1.2: facility: unknown key 'pu' (did you mean 'pue'?)"});
  CHECK(load_errors("power_cost.yaml", {"deployments.pod.cout=3"}) ==
        std::vector<std::string>{"--set deployments.pod.cout=3: deployments[0]: unknown key 'cout' (did you mean "
                                 "'count'?)"});
  CHECK(load_errors("power_cost.yaml", {"deployments.pdo.count=3"}) ==
        std::vector<std::string>{"--set deployments.pdo.count=3: no deployment named 'pdo' (have: pod, cpus) (did "
                                 "you mean 'pod'?)"});
  CHECK(load_errors("power_cost.yaml", {"hw.dgx-h10.price=1 USD"}) ==
        std::vector<std::string>{"--set hw.dgx-h10.price=1 USD: unknown catalog entry 'dgx-h10' (did you mean "
                                 "'dgx-h100'?)"});
  CHECK(load_errors("power_cost.yaml", {"facility.pue"}) ==
        std::vector<std::string>{"--set facility.pue: expected PATH=VALUE (e.g. facility.pue=1.2, "
                                 "deployments.NAME.count=10, hw.NAME.KEY=VALUE)"});
  // A value of the wrong kind is checked like one in the file.
  CHECK(load_errors("power_cost.yaml", {"workloads.chat.batch=lots"}) ==
        std::vector<std::string>{"--set workloads.chat.batch=lots: workloads[0].batch: expected a whole number or "
                                 "one of: auto, got \"lots\""});
}

TEST_CASE("a --set of an undeclared key of a catalog entry others derive from is reported once", "[scenario]") {
  // dgx-h200 derives from dgx-h100 (`base:`), so it inherits the misspelt key; the problem is still one line.
  CHECK(load_errors("power_cost.yaml", {"hw.dgx-h100.prise=300000 USD"}) ==
        std::vector<std::string>{"--set hw.dgx-h100.prise=300000 USD: unknown key 'prise' (did you mean 'price'?)"});
  CHECK(load_errors("power_cost.yaml", {"hw.dgx-h100.price=300000"}) ==
        std::vector<std::string>{"--set hw.dgx-h100.price=300000: price: expected a price like \"199000 USD\", got "
                                 "\"300000\" (no unit)"});
}

TEST_CASE("overriding facility.pue with --set scales the facility power: facility = IT x PUE", "[scenario]") {
  const hwsim::Evaluation base = hwsim::evaluate(load_fixture("power_cost.yaml"), kDefaultEff);
  const hwsim::Evaluation set = hwsim::evaluate(load_fixture("power_cost.yaml", {"facility.pue=1.5"}), kDefaultEff);
  const hwsim::Result& b = result_of(base, "pod");
  const hwsim::Result& s = result_of(set, "pod");
  CHECK(metric_of(b, "facility_power_w") == Approx(metric_of(b, "it_power_w") * 1.25).epsilon(kRel));
  CHECK(metric_of(s, "facility_power_w") == Approx(metric_of(s, "it_power_w") * 1.5).epsilon(kRel));
  CHECK(metric_of(s, "it_power_w") == Approx(metric_of(b, "it_power_w")).epsilon(kRel));
  CHECK(metric_of(s, "opex_usd_per_year") > metric_of(b, "opex_usd_per_year"));
  // A higher PUE leaves fewer CPU servers in the same 200 kW: floor over 400 W + 300 W per 40 servers.
  CHECK(metric_of(result_of(set, "cpus"), "nodes") < metric_of(result_of(base, "cpus"), "nodes"));
}

TEST_CASE("overriding deployments.NAME.count with --set changes the node count, capex and power", "[scenario]") {
  const hwsim::Evaluation ev =
      hwsim::evaluate(load_fixture("power_cost.yaml", {"deployments.pod.count=2"}), kDefaultEff);
  const hwsim::Result& r = result_of(ev, "pod");
  CHECK(metric_of(r, "nodes") == 2);
  CHECK(metric_of(r, "devices") == 16);
  CHECK(metric_of(r, "racks") == 1);  // 2 per rack
  // 2 nodes x 270,000 + 1 rack x 4,000 + 1 switch x 43,000 + 16 links x 1,500 USD.
  CHECK(metric_of(r, "capex_usd") == Approx(2 * 270000.0 + 6000 + 43000 + 16 * 1500).epsilon(kRel));
  // 2 x 10.2 kW + 750 W switch + 16 links x 2 x 8 W + 300 W rack.
  CHECK(metric_of(r, "provisioned_power_w") == Approx(2 * 10200.0 + 750 + 16 * 2 * 8 + 300).epsilon(kRel));
}

TEST_CASE("overriding hw.NAME.price with --set changes the catalog entry's price for every deployment using it",
          "[scenario]") {
  const hwsim::Scenario sc = load_fixture("power_cost.yaml", {"hw.dgx-h100.price=300000 USD"});
  const hwsim::Evaluation ev = hwsim::evaluate(sc, kDefaultEff);
  const hwsim::Result& r = result_of(ev, "pod");
  // 4 nodes x 300,000 + 2 racks x 4,000 + 1 switch x 43,000 + 32 links x 1,500 USD = 1,299,000 USD.
  CHECK(metric_of(r, "capex_usd") == Approx(4 * 300000.0 + 2 * 6000 + 43000 + 32 * 1500).epsilon(kRel));
  CHECK(sc.hw->nodes().at("dgx-h100").price.value() == 300000);
}

TEST_CASE("overriding workloads.NAME.KEY with --set changes a workload input", "[scenario]") {
  const hwsim::Evaluation ev =
      hwsim::evaluate(load_fixture("power_cost.yaml", {"workloads.chat.batch=4"}), kDefaultEff);
  CHECK(metric_of(result_of(ev, "pod"), "batch") == 4);
  // An engine's token budget caps batch: auto: 300 tokens per iteration hold b x (1 + 512 / 256) = 3b, 100 sequences.
  const hwsim::Evaluation budget = hwsim::evaluate(
      load_fixture("power_cost.yaml", {"workloads.chat.batch=auto", "workloads.chat.max_batch_tokens=300"}),
      kDefaultEff);
  CHECK(metric_of(result_of(budget, "pod"), "batch") == 100);
}

TEST_CASE("count: fill with a budget too small for one node is bad input naming the deployment's line", "[scenario]") {
  const hwsim::Scenario sc = load_fixture("power_cost.yaml", {"facility.power_budget=100 W"});
  try {
    (void)hwsim::evaluate(sc, kDefaultEff);
    FAIL("expected an InputError");
  } catch (const hwsim::InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const hwsim::Diagnostic& d = e.diagnostics()[0];
    CHECK(d.where.file == (kScenarioFixtures / "power_cost.yaml").string());
    CHECK(d.where.line == 14);
    CHECK(d.key_path == "deployments.cpus.count");
    CHECK(d.message == "count: fill: not even one 'altra-server' fits the 100 W power budget");
  }
}

TEST_CASE(
    "a scenario read once (ScenarioSource) reports a broken catalog directory together with the document's "
    "own problems, as load_scenario does") {
  const fs::path scenario = kScenarioFixtures / "bad" / "misspelt_top_key.yaml";
  // A catalog directory whose one file is not YAML: reading the directory fails.
  const fs::path broken_catalog = fs::temp_directory_path() / ("hwsim_broken_catalog_" + std::to_string(::getpid()));
  fs::create_directories(broken_catalog);
  std::ofstream(broken_catalog / "broken.yaml") << "name: [unclosed\n";
  const hwsim::LoadOptions options{.catalog_dirs = {broken_catalog}, .sets = {}};
  const auto messages = [](const auto& load) {
    try {
      load();
    } catch (const hwsim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string direct = messages([&] { (void)hwsim::load_scenario(scenario, options); });
  const std::string once = messages([&] { (void)hwsim::ScenarioSource(scenario, options).load(); });
  CHECK(once == direct);
  CHECK_THAT(once, Catch::Contains("misspelt_top_key.yaml"));  // the document's own problem
  CHECK_THAT(once, Catch::Contains("broken.yaml"));            // and the catalog directory's
  fs::remove_all(broken_catalog);
}

TEST_CASE("a file beyond the input size limit, or an endless device, is bad input read no further than the limit",
          "[scenario]") {
  const auto message_of = [](const std::filesystem::path& file) {
    try {
      (void)hwsim::load_scenario(file, {});
    } catch (const hwsim::InputError& e) {
      return e.diagnostics().front().message;
    }
    return std::string("no error");
  };
  const std::string expected = "larger than 16 MiB, the limit on input files (split a catalog into files)";
  if (std::filesystem::exists("/dev/zero")) CHECK(message_of("/dev/zero") == expected);
  const std::filesystem::path big = std::filesystem::temp_directory_path() / "hwsim-test-big-scenario.yaml";
  {
    std::ofstream out(big);
    out << "name: big\ndescription: " << std::string(static_cast<std::size_t>(hwsim::kMaxInputBytes), 'x') << "\n";
  }
  CHECK(message_of(big) == expected);
  std::filesystem::remove(big);
}
