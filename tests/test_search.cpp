// Parallelism search (sim/train/search): on GPT-3 175B x 1024 A100-80GB at global batch 1536 it evaluates more
// than 1,000 configurations, returns one that fits, and matches (within 5%) the best of an independent brute-force
// enumeration over the grid its contract states; threads do not change the answer. (Its speed is measured by
// bench/search_bench.cpp, not here.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "sim/train/search.hpp"
#include "tests/support.hpp"

namespace {

using hwsim::test::kDefaultEff;

struct Fixture {
  hwsim::Scenario sc;
  hwsim::System sys;
  hwsim::TrainingConfig base;
};

const Fixture& search_fixture() {
  static const Fixture f = [] {
    hwsim::Scenario sc =
        hwsim::load_scenario(std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/gpt3-175b-search.yaml", {});
    hwsim::System sys = hwsim::build_system(sc, sc.deployments.front());
    hwsim::TrainingConfig base = sc.workloads.front().training;
    return Fixture{std::move(sc), std::move(sys), std::move(base)};
  }();
  return f;
}

}  // namespace

TEST_CASE("the GPT-3 175B search covers more than 1,000 configurations and returns one that fits", "[search]") {
  const auto& f = search_fixture();
  REQUIRE(f.sys.devices == 1024);
  const auto r = hwsim::search_training(f.base, f.sys, kDefaultEff, {true, true, 5, 1});
  CHECK(r.configurations >= 1000);
  REQUIRE_FALSE(r.top.empty());
  const auto best = hwsim::evaluate_training(hwsim::apply_candidate(f.base, r.top.front()), f.sys, kDefaultEff);
  CHECK(best.fits);
  CHECK(best.memory_per_device.value() <= f.sys.device.usable_memory().value());
  CHECK(best.tokens_per_s == Approx(r.top.front().tokens_per_s).epsilon(1e-12));
  const auto p = r.top.front().parallelism;
  CHECK(p.tp * p.pp * p.cp * p.dp == 1024);
  for (std::size_t i = 1; i < r.top.size(); ++i) CHECK(r.top[i - 1].tokens_per_s >= r.top[i].tokens_per_s);
}

TEST_CASE("the search's best is within 5% of an independent brute-force enumeration of the stated grid", "[search]") {
  const auto& f = search_fixture();
  using hwsim::Recompute;
  double brute_best = 0;
  long long fitting = 0;
  hwsim::TrainingConfig c = f.base;
  // The contract's grid: TP a power of two <= 8 dividing heads; PP dividing 96 layers or 96 + 2 slots (the
  // embedding and the loss as layers); CP in {1, 2, 4}; DP the rest; micro-batch 1..32 (powers of two) dividing the
  // batch with DP; VP dividing the stage's slots (VP > 1 needs PP > 1 and micro-batches a multiple of PP); ZeRO 0..1
  // (the default stack, Megatron-Core; 0 when DP = 1); every recompute, and a full one on the first layers of each
  // chunk; SP when TP > 1.
  for (int tp : {1, 2, 4, 8}) {
    for (int pp = 1; pp <= 96; ++pp) {
      if (96 % pp != 0 && 98 % pp != 0) continue;
      const int slots = 96 % pp == 0 ? 96 / pp : 98 / pp;
      for (int cp : {1, 2, 4}) {
        if (1024 % (tp * pp * cp) != 0) continue;
        const int dp = 1024 / (tp * pp * cp);
        for (int mb = 1; mb <= 32; mb *= 2) {
          if (1536 % (dp * mb) != 0) continue;
          const int m = 1536 / (dp * mb);
          for (int vp = 1; vp <= slots; ++vp) {
            if (slots % vp != 0 || (vp > 1 && (pp == 1 || m % pp != 0))) continue;
            for (int zero = 0; zero <= 1; ++zero) {
              if (dp == 1 && zero > 0) continue;
              for (Recompute rc : {Recompute::none, Recompute::selective, Recompute::full}) {
                c.parallelism = {tp, pp, dp, vp, cp, 1, zero};
                c.micro_batch = mb;
                c.recompute = rc;
                c.recompute_layers = 0;
                c.sequence_parallel = tp > 1;
                const auto r = hwsim::evaluate_training(c, f.sys, kDefaultEff);
                if (!r.fits) continue;
                ++fitting;
                brute_best = std::max(brute_best, r.tokens_per_s);
                if (rc != Recompute::full) continue;
                // Recomputing fewer layers per chunk is faster: the first count that fits, scanned upwards.
                for (int layers = 1; layers < (slots + vp - 1) / vp; ++layers) {
                  c.recompute_layers = layers;
                  const auto part = hwsim::evaluate_training(c, f.sys, kDefaultEff);
                  if (!part.fits) continue;
                  brute_best = std::max(brute_best, part.tokens_per_s);
                  break;
                }
              }
            }
          }
        }
      }
    }
  }
  REQUIRE(fitting > 0);
  const auto r = hwsim::search_training(f.base, f.sys, kDefaultEff, {true, true, 1, 1});
  REQUIRE_FALSE(r.top.empty());
  CHECK(r.top.front().tokens_per_s >= 0.95 * brute_best);
  CHECK(r.top.front().tokens_per_s <= brute_best * (1 + 1e-12));
}

TEST_CASE("threads split the search without changing its result", "[search]") {
  const auto& f = search_fixture();
  const auto one = hwsim::search_training(f.base, f.sys, kDefaultEff, {true, true, 3, 1});
  const auto two = hwsim::search_training(f.base, f.sys, kDefaultEff, {true, true, 3, 2});
  CHECK(one.configurations == two.configurations);
  REQUIRE(one.top.size() == two.top.size());
  CHECK(one.top.front().tokens_per_s == Approx(two.top.front().tokens_per_s).epsilon(1e-12));
  CHECK(two.threads == 2);
}

TEST_CASE("parallelism: auto in a scenario reports the chosen parallelism and the search block", "[search]") {
  const auto& f = search_fixture();
  const auto ev = hwsim::evaluate(f.sc, kDefaultEff, {1, 3});
  REQUIRE(ev.results.size() == 1);
  const auto& r = ev.results.front();
  REQUIRE(r.fits);
  REQUIRE(r.search.has_value());
  CHECK(r.search->configurations >= 1000);
  CHECK(r.search->top.size() == 3);
  int product = 1;
  for (const auto& [k, v] : r.parallelism) {
    if (k == "tp" || k == "pp" || k == "dp" || k == "cp") product *= v;
  }
  CHECK(product == 1024);
  CHECK(r.metric("throughput_tokens_per_s").value() == Approx(r.search->top.front().tokens_per_s).epsilon(1e-9));
}

TEST_CASE("the search proposes only tensor-parallel degrees that split the heads and the KV heads (parallelism_error)",
          "[search]") {
  hwsim::TrainingConfig base = search_fixture().base;
  base.model.kv_heads = 2;  // 96 heads in 2 KV groups: tp 4 and 8 split the heads but not the groups
  REQUIRE(base.model.heads % 8 == 0);
  const auto r = hwsim::search_training(base, search_fixture().sys, kDefaultEff, {true, true, 100000, 1});
  REQUIRE_FALSE(r.top.empty());
  bool saw_tp2 = false;
  for (const auto& c : r.top) {
    CHECK(base.model.kv_heads % c.parallelism.tp == 0);
    CHECK((base.model.layers % c.parallelism.pp == 0 || (base.model.layers + 2) % c.parallelism.pp == 0));
    saw_tp2 = saw_tp2 || c.parallelism.tp == 2;
  }
  CHECK(saw_tp2);
}

TEST_CASE("a searched configuration pasted back as fixed input reproduces its throughput and memory exactly",
          "[search]") {
  const auto& f = search_fixture();
  const auto ev = hwsim::evaluate(f.sc, kDefaultEff, {1, 1});
  REQUIRE(ev.results.size() == 1);
  const auto& r = ev.results.front();
  REQUIRE(r.fits);
  REQUIRE(r.training_choice.has_value());
  std::string par;
  for (const auto& [k, v] : r.parallelism) par += (par.empty() ? "" : ", ") + k + ": " + std::to_string(v);
  const auto& t = *r.training_choice;
  const auto file = std::filesystem::temp_directory_path() / "hwsim-search-pasted-back.yaml";
  {
    std::ofstream out(file);
    out << "name: pasted\n"
           "deployments:\n  - {name: a100-1024, node: dgx-a100-80gb, count: 128}\n"
           "workloads:\n  - name: gpt3\n    kind: training\n    model: gpt3-175b\n    dtype: bf16\n"
           "    seq_len: 2048\n    global_batch: 1536\n    train_tokens: 300e9\n"
        << "    micro_batch: " << t.micro_batch
        << "\n    sequence_parallel: " << (t.sequence_parallel ? "true" : "false") << "\n    recompute: " << t.recompute
        << "\n    stack: " << t.stack << "\n    parallelism: {" << par << "}\n";
    if (t.recompute_layers > 0) out << "    recompute_layers: " << t.recompute_layers << "\n";
  }
  const hwsim::Scenario fixed = hwsim::load_scenario(file, {});
  std::filesystem::remove(file);
  const auto again = hwsim::evaluate(fixed, kDefaultEff, {1, 1});
  REQUIRE(again.results.size() == 1);
  const auto& g = again.results.front();
  REQUIRE(g.fits);
  CHECK_FALSE(g.search.has_value());
  for (const char* key : {"throughput_tokens_per_s", "memory_per_device_bytes", "step_time_s", "mfu"}) {
    INFO(key);
    CHECK(g.metric(key).value() == r.metric(key).value());
  }
}

// Llama 3 8B at 8192 tokens on one DGX H100: without recompute no micro-batch fits one GPU at TP 1, where recomputing
// a few layers in full (Megatron-Core's block method) or offloading a few layers' activations to host memory does.
namespace {

// The search over it, every candidate kept, with what a test of it needs.
struct Llama8bSearch {
  hwsim::Scenario sc;
  hwsim::System sys;
  hwsim::TrainingConfig base;
  hwsim::SearchResult result;
  double usable = 0;
};

const Llama8bSearch& llama8b_h100_search() {
  static const Llama8bSearch f = [] {
    const auto file = std::filesystem::temp_directory_path() / "hwsim-search-partial-recompute.yaml";
    {
      std::ofstream out(file);
      out << "name: partial\ndeployments:\n  - {name: h100, node: dgx-h100, count: 1}\n"
             "workloads:\n  - {name: ft, kind: training, model: llama3-8b, dtype: bf16, seq_len: 8192, "
             "global_batch: 64, parallelism: auto, micro_batch: auto}\n";
    }
    Llama8bSearch s;
    s.sc = hwsim::load_scenario(file, {});
    std::filesystem::remove(file);
    s.sys = hwsim::build_system(s.sc, s.sc.deployments.front());
    s.base = s.sc.workloads.front().training;
    s.result = hwsim::search_training(s.base, s.sys, kDefaultEff, {true, true, 100000, 1});
    s.usable = s.sys.device.usable_memory().value();
    return s;
  }();
  return f;
}

}  // namespace

TEST_CASE("the search recomputes the fewest layers that fit where keeping every layer's activations does not",
          "[search]") {
  const Llama8bSearch& f = llama8b_h100_search();
  int partial = 0;
  for (const auto& c : f.result.top) {
    if (c.recompute_layers == 0) continue;
    ++partial;
    INFO("tp " << c.parallelism.tp << " pp " << c.parallelism.pp << " cp " << c.parallelism.cp << " mb "
               << c.micro_batch << " layers " << c.recompute_layers);
    REQUIRE(c.recompute == hwsim::Recompute::full);
    hwsim::TrainingConfig t = hwsim::apply_candidate(f.base, c);
    const auto pasted = hwsim::evaluate_training(t, f.sys, kDefaultEff);
    CHECK(pasted.tokens_per_s == c.tokens_per_s);
    CHECK(pasted.memory_per_device.value() <= f.usable);
    // The fewest: one layer fewer does not fit, and neither does no recompute.
    t.recompute_layers = c.recompute_layers - 1;
    if (t.recompute_layers > 0) CHECK(hwsim::training_memory(t).total().value() > f.usable);
    t.recompute = hwsim::Recompute::none;
    CHECK(hwsim::training_memory(t).total().value() > f.usable);
    // Faster than recomputing every layer of the same configuration.
    t.recompute = hwsim::Recompute::full;
    t.recompute_layers = 0;
    CHECK(hwsim::evaluate_training(t, f.sys, kDefaultEff).tokens_per_s < c.tokens_per_s);
  }
  CHECK(partial > 0);
}

TEST_CASE("with one pipeline stage the search offloads the fewest layers' activations that fit, within host memory",
          "[search]") {
  const Llama8bSearch& f = llama8b_h100_search();
  int offloading = 0;
  for (const auto& c : f.result.top) {
    if (c.activation_offload_layers == 0) continue;
    ++offloading;
    INFO("tp " << c.parallelism.tp << " cp " << c.parallelism.cp << " mb " << c.micro_batch << " offload "
               << c.activation_offload_layers);
    CHECK(c.parallelism.pp == 1);  // Megatron-Core offloads without pipeline parallelism or recompute
    CHECK(c.recompute == hwsim::Recompute::none);
    hwsim::TrainingConfig t = hwsim::apply_candidate(f.base, c);
    const auto pasted = hwsim::evaluate_training(t, f.sys, kDefaultEff);
    CHECK(pasted.tokens_per_s == c.tokens_per_s);
    const hwsim::TrainingMemory mem = hwsim::training_memory(t);
    CHECK(mem.total().value() <= f.usable);
    CHECK(mem.offloaded.value() <= f.sys.device.host_memory_share.value());
    t.activation_offload_layers = c.activation_offload_layers - 1;  // one fewer does not fit
    CHECK(hwsim::training_memory(t).total().value() > f.usable);
  }
  CHECK(offloading > 0);
  // Without a host link nothing is offloaded.
  hwsim::System no_link = f.sys;
  no_link.device.host_link_bandwidth = hwsim::BytesPerSecond(0);
  for (const auto& c : hwsim::search_training(f.base, no_link, kDefaultEff, {true, true, 100000, 1}).top)
    CHECK(c.activation_offload_layers == 0);
}

TEST_CASE("the search proposes only combinations the workload's stack runs", "[search]") {
  hwsim::TrainingConfig base = search_fixture().base;
  for (const hwsim::Stack stack : {hwsim::Stack::megatron_core, hwsim::Stack::deepspeed, hwsim::Stack::pytorch}) {
    base.stack = stack;
    const auto r = hwsim::search_training(base, search_fixture().sys, kDefaultEff, {true, true, 100000, 1});
    REQUIRE_FALSE(r.top.empty());
    bool zero_with_pipeline = false;
    bool op_checkpointing = false;
    for (const auto& c : r.top) {
      op_checkpointing = op_checkpointing || c.recompute == hwsim::Recompute::selective_op;
      const auto& p = c.parallelism;
      if (stack == hwsim::Stack::megatron_core) CHECK(p.zero <= 1);  // DDP or the distributed optimizer
      if (stack == hwsim::Stack::deepspeed) {
        CHECK_FALSE((p.zero >= 2 && p.pp > 1));  // DeepSpeed's pipeline engine asserts ZeRO < 2
        CHECK(p.cp == 1);
        CHECK(p.vp == 1);
      }
      if (stack == hwsim::Stack::pytorch) CHECK(p.zero != 1);  // DDP, SHARD_GRAD_OP or FULL_SHARD
      zero_with_pipeline = zero_with_pipeline || (p.zero >= 1 && p.pp > 1);
    }
    CHECK(zero_with_pipeline);  // the constraint removes combinations, not whole stages
    // Op-level selective checkpointing is PyTorch's (torchtitan), and the search offers it there.
    CHECK(op_checkpointing == (stack == hwsim::Stack::pytorch));
  }
}

TEST_CASE("parallelism: auto for inference compares tp x pp x replicas x batch and picks one that meets the SLA",
          "[search]") {
  // scenarios/serve-search.yaml: Llama 2 70B fp8 on one DGX H100 under a 50 ms TPOT.
  const hwsim::Scenario sc =
      hwsim::load_scenario(std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/serve-search.yaml", {});
  const auto ev = hwsim::evaluate(sc, kDefaultEff, {1, 10});  // one thread, keep the top 10
  REQUIRE(ev.results.size() == 1);
  const auto& r = ev.results.front();
  REQUIRE(r.fits);
  REQUIRE(r.search.has_value());
  CHECK(r.search->configurations >= 4);
  REQUIRE(r.search->top.size() >= 3);
  CHECK(r.sla_met == std::optional<bool>(true));
  CHECK(r.metric("tpot_s").value() <= 0.050);
  const auto& best = r.search->top.front();
  CHECK(best.sla_met == std::optional<bool>(true));
  CHECK(r.metric("throughput_tokens_per_s").value() == Approx(best.tokens_per_s).epsilon(1e-12));
  for (const auto& t : r.search->top) {
    if (t.sla_met.value_or(true)) CHECK(t.tokens_per_s <= best.tokens_per_s);
    int devices = 1;
    for (const auto& [k, v] : t.parallelism) devices *= v;  // tp x pp x replicas
    CHECK(devices <= 8);
  }
  // The chosen split as fixed input gives the same result.
  hwsim::Scenario fixed = sc;
  auto& w = fixed.workloads.front();
  w.search_parallelism = false;
  for (const auto& [k, v] : r.parallelism) (k == "tp" ? w.inference.tp : w.inference.pp) = v;
  const auto again = hwsim::evaluate(fixed, kDefaultEff, {1, 1});
  CHECK(again.results.front().metric("throughput_tokens_per_s").value() == r.metric("throughput_tokens_per_s").value());
}
