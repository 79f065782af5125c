// Expert parallelism in serving (sim/infer/inference.hpp serving_expert_parallelism_error): a replica's tp ranks run
// each MoE layer as ep groups of tp / ep ranks (TensorRT-LLM's moe_ep_size x moe_tp_size = tp_size), a group holding
// experts / ep whole experts. Memory per device, the weights a decode step reads on the busiest rank, no token
// exchange beyond tp's all-reduces, the busiest rank's extra work, the serving search over ep, and the parallelism a
// result shows.
// Fixture: tests/fixtures/scenarios/moe_serving.yaml (Mixtral 8x7B in bf16 on one DGX H100, static batches of 64,
// 512 prompt and 256 generated tokens). Efficiencies: kFigures (tests/support/inference_cases.hpp).
// Mixtral 8x7B by hand (workloads/catalog/mixtral-8x7b.yaml): an expert is a SwiGLU MLP of 3 x 4096 x 14336 =
// 176,160,768 weights, 8 of them in each of 32 layers (45,097,156,608 routed weights) of 46,702,792,704 in all.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "sim/infer/inference.hpp"
#include "sim/infer/serving_search.hpp"
#include "sim/perf/collectives.hpp"
#include "sim/plan/evaluate.hpp"
#include "tests/support/inference_cases.hpp"

using hwsim::InferenceConfig;
using namespace hwsim::test::inference;

namespace {

constexpr double kExpert = 3.0 * 4096 * 14336;                // weights of one expert
constexpr double kRouted = 32.0 * 8 * kExpert;                // every layer's 8 experts
constexpr double kMixtralParameters = 46702792704.0;          // hand sum in the header
constexpr double kMixtralEmbedding = 32000.0 * 4096;          // the embedding table: gathered, not streamed
constexpr double kKvPerSequence = 768.0 * 2 * 32 * 1024 * 2;  // (512 + 256) tokens x K, V x 32 layers x 1024 x 2 B

const hwsim::Scenario& serving() { return load("moe_serving.yaml"); }

InferenceConfig moe_workload(const std::string& name) { return workload_in("moe_serving.yaml", name); }

hwsim::System dgx() { return hwsim::build_system(serving(), serving().deployments.at(0)); }

}  // namespace

TEST_CASE("expert parallelism in serving: Mixtral on 8 GPUs holds 1/8 of the weights per device with ep 8 as with tp 8",
          "[inference][ep]") {
  const InferenceConfig ep8 = moe_workload("ep8");
  const InferenceConfig tp8 = moe_workload("tp8");
  REQUIRE(ep8.ep == 8);
  REQUIRE(tp8.ep == 1);
  REQUIRE(ep8.model.parameters() == kMixtralParameters);
  // ep 8: each GPU holds one whole expert per layer and 1/8 of everything else; tp 8: 1/8 of every expert.
  const double ep8_weights = (kMixtralParameters - kRouted) / 8 * 2 + 32 * 1 * kExpert * 2;
  const double tp8_weights = kMixtralParameters / 8 * 2;
  CHECK(ep8_weights == Approx(tp8_weights).epsilon(kRel));
  // + 64 sequences' KV caches split over the 8 KV-head ranks + the 64 prompts' workspace (8 vectors of 4096 x 2 B per
  // token) over tp: 11,675,698,176 + 805,306,368 + 268,435,456 bytes, so the KV cache has the same room either way.
  const double expected = ep8_weights + 64 * kKvPerSequence / 8 + 64 * 512 * 8 * 4096 * 2.0 / 8;
  CHECK(expected == Approx(12749440000.0).epsilon(kRel));
  CHECK(hwsim::inference_memory_per_device(ep8, 64).value() == Approx(expected).epsilon(kRel));
  CHECK(hwsim::inference_memory_per_device(tp8, 64).value() == Approx(expected).epsilon(kRel));
}

TEST_CASE("expert parallelism in serving: the busiest rank reads its touched experts whole in a decode step",
          "[inference][ep]") {
  const hwsim::System sys = dgx();
  InferenceConfig ep8 = moe_workload("ep8");
  InferenceConfig tp8 = moe_workload("tp8");
  ep8.batch = 1;
  tp8.batch = 1;
  // Batch 1 picks 2 of 8 experts per layer: tp 8 reads 1/8 of both, 2/8 of an expert per device; ep 8 leaves 6 ranks
  // idle and 2 reading one whole expert each (busiest_rank_experts_read: max(1, 2 / 8) = 1).
  CHECK(hwsim::busiest_rank_experts_read(ep8.model, 1, 8, 1.0) == 1.0);
  CHECK(hwsim::busiest_rank_experts_read(ep8.model, 1, 1, 1.0) == Approx(2.0).epsilon(kRel));
  const auto e = hwsim::evaluate_inference(ep8, sys, kEff);
  const auto t = hwsim::evaluate_inference(tp8, sys, kEff);
  REQUIRE(e.fits);
  REQUIRE(t.fits);
  const double bandwidth = sys.device.memory_bandwidth.value();
  CHECK(e.decode.matmul_memory.value() ==
        Approx(hbm_time(((kMixtralParameters - kMixtralEmbedding - kRouted) / 8 + 32 * 1 * kExpert) * 2, bandwidth))
            .epsilon(kRel));
  CHECK(t.decode.matmul_memory.value() ==
        Approx(hbm_time((kMixtralParameters - kMixtralEmbedding - 32 * 6 * kExpert) / 8 * 2, bandwidth)).epsilon(kRel));
  // ep 2 (groups of 4 GPUs, 4 experts each): the busiest group reads max(1, 2 / 2) = 1 expert split 4 ways, as tp 8.
  InferenceConfig ep2 = ep8;
  ep2.ep = 2;
  const auto two = hwsim::evaluate_inference(ep2, sys, kEff);
  CHECK(two.decode.matmul_memory.value() == Approx(t.decode.matmul_memory.value()).epsilon(kRel));
  // At batch 64 every rank's expert is touched (8 x (1 - (6/8)^64) of 8, 1e-8 short of 8 for tp): both read 1/8 of the
  // weights.
  ep8.batch = 64;
  tp8.batch = 64;
  const auto e64 = hwsim::evaluate_inference(ep8, sys, kEff);
  const auto t64 = hwsim::evaluate_inference(tp8, sys, kEff);
  CHECK(e64.decode.matmul_memory.value() ==
        Approx(hbm_time((kMixtralParameters - kMixtralEmbedding) / 8 * 2, bandwidth)).epsilon(kRel));
  CHECK(t64.decode.matmul_memory.value() == Approx(e64.decode.matmul_memory.value()).epsilon(1e-6));
}

TEST_CASE("a decode step's routed products are one group per touched expert, over that expert's share of the rows",
          "[inference][ep]") {
  const hwsim::System sys = dgx();
  InferenceConfig tp8 = moe_workload("tp8");
  tp8.batch = 4;
  const auto t = hwsim::evaluate_inference(tp8, sys, kEff);
  REQUIRE(t.fits);
  // 4 tokens pick 2 of 8 experts each: 8 x (1 - (6/8)^4) = 5.47 experts touched, 8 / 5.47 = 1.46 rows each, x 4096 x
  // 14336 / 8 (tp splits every expert); attention, routers and logits at the batch's 4 rows x 14336 / 8 columns.
  const double touched = 8 * (1 - std::pow(0.75, 4));
  const double matmul = tp8.model.forward_flops_per_token(640) - tp8.model.sequence_attention_flops_per_token(640);
  const double routed = 2.0 * 32 * 3 * 4096 * 28672;
  const auto eff = [](double rows) { return kFigures.gemm * thin(rows) * thin(14336.0 / 8) * thin(4096); };
  const double peak = sys.device.peak_of(hwsim::DType::bf16)->value();
  CHECK(t.decode.matmul_compute.value() ==
        Approx(4 * ((matmul - routed) / eff(4) + routed / eff(4 * 2 / touched)) / 8 / peak).epsilon(kRel));
  // A serving engine's MoE kernels at half the grouped GEMM's rate: the routed products take twice as long, the rest
  // as before.
  hwsim::test::EfficiencyFigures half = kFigures;
  half.serving_expert_share = 0.5;
  const auto h = hwsim::evaluate_inference(tp8, sys, hwsim::test::FixedEfficiency(half));
  REQUIRE(h.fits);
  CHECK(h.decode.matmul_compute.value() ==
        Approx(4 * ((matmul - routed) / eff(4) + 2 * routed / eff(4 * 2 / touched)) / 8 / peak).epsilon(kRel));
}

TEST_CASE(
    "expert parallelism in serving moves no tokens beyond tp's all-reduces; the busiest rank's work sets the pace",
    "[inference][ep]") {
  const hwsim::System sys = dgx();
  const InferenceConfig ep8 = moe_workload("ep8");
  const InferenceConfig tp8 = moe_workload("tp8");
  const auto e = hwsim::evaluate_inference(ep8, sys, kEff);
  const auto t = hwsim::evaluate_inference(tp8, sys, kEff);
  REQUIRE(e.fits);
  REQUIRE(t.fits);
  // Every tp rank holds every token after attention's all-reduce, and the MLP's all-reduce combines the ep groups'
  // outputs (TensorRT-LLM's MoE with tensor-parallel attention): two all-reduces per layer, with ep as without.
  REQUIRE(t.decode.communication.value() > 0);
  CHECK(e.decode.communication.value() == Approx(t.decode.communication.value()).epsilon(kRel));
  CHECK(e.prefill.communication.value() == Approx(t.prefill.communication.value()).epsilon(kRel));
  // The busiest rank receives expert_imbalance times the mean: its experts' products grow by the routed part.
  // Routed width per token 2 x 14336 = 28,672; a quarter more on the busiest rank through 3 x 4096 weights per unit.
  // The routed products are a grouped GEMM of the rank's one whole expert (ep 8) over the rank's routed rows: 64 x 2 /
  // 8 = 16, 20 on the busiest rank, x 4096 x 14336; the rest (attention, routers, logits) at the batch's 64 rows x
  // 14336 / 8 columns.
  InferenceConfig skewed = ep8;
  skewed.expert_imbalance = 1.25;
  const auto s = hwsim::evaluate_inference(skewed, sys, kEff);
  const double matmul = ep8.model.forward_flops_per_token(640) - ep8.model.sequence_attention_flops_per_token(640);
  const double routed = 2.0 * 32 * 3 * 4096 * 28672;
  const double extra = routed * 0.25;
  const auto eff = [](double rows, double columns) { return kFigures.gemm * thin(rows) * thin(columns) * thin(4096); };
  const double dense_time = (matmul - routed) / eff(64, 14336.0 / 8);
  CHECK(
      e.decode.matmul_compute.value() / s.decode.matmul_compute.value() ==
      Approx((dense_time + routed / eff(16, 14336)) / (dense_time + (routed + extra) / eff(20, 14336))).epsilon(kRel));
  CHECK(s.decode.communication.value() == Approx(e.decode.communication.value()).epsilon(kRel));
}

TEST_CASE("the serving search tries every expert-parallel degree that divides the experts and tp", "[inference][ep]") {
  const hwsim::System sys = dgx();
  InferenceConfig base = moe_workload("search");
  const hwsim::test::FixedEfficiency& eff = kEff;
  const hwsim::ServingSearch found = hwsim::search_serving(base, sys, eff, 100);
  // tp 1, 2, 4, 8 x pp 1, 2, 4, 8 (tp x pp at most the 8 devices) x ep dividing tp and 8:
  // 4 x 1 + 3 x 2 + 2 x 3 + 1 x 4 = 20.
  CHECK(found.configurations == 20);
  REQUIRE_FALSE(found.top.empty());
  for (const auto& c : found.top) {
    CHECK(c.tp % c.ep == 0);
    CHECK(8 % c.ep == 0);
  }
  // Every ep dividing tp and the experts is compared: tp 8 with ep 1, 2, 4 and 8 are all among the candidates.
  for (const int ep : {1, 2, 4, 8}) {
    INFO("ep " << ep);
    CHECK(std::any_of(found.top.begin(), found.top.end(), [ep](const auto& c) { return c.tp == 8 && c.ep == ep; }));
  }
  // The ranking is by throughput, whatever ep.
  for (std::size_t i = 1; i < found.top.size(); ++i)
    CHECK(found.top[i - 1].result.throughput_tokens_per_s >= found.top[i].result.throughput_tokens_per_s);
  // A dense model searches ep 1 only.
  base.model = moe_workload("tp8").model;
  base.model.experts = 1;
  base.model.experts_per_token = 1;
  const hwsim::ServingSearch dense = hwsim::search_serving(base, sys, eff, 100);
  REQUIRE_FALSE(dense.top.empty());
  for (const auto& c : dense.top) CHECK(c.ep == 1);
}

TEST_CASE("a serving result shows ep beside tp and pp when it is above 1", "[inference][ep]") {
  const hwsim::Evaluation ev = hwsim::evaluate(serving(), kEff);
  const auto parallelism_of = [&](const std::string& workload) {
    for (const auto& r : ev.results) {
      if (r.workload == workload) return r.parallelism;
    }
    FAIL("no result " << workload);
    return std::vector<std::pair<std::string, int>>{};
  };
  using P = std::vector<std::pair<std::string, int>>;
  CHECK(parallelism_of("ep8") == P{{"tp", 8}, {"pp", 1}, {"ep", 8}});
  CHECK(parallelism_of("tp8") == P{{"tp", 8}, {"pp", 1}});
}

TEST_CASE("quantized: experts keeps all but the routed experts in 16 bits, stored and multiplied; attention as cached",
          "[inference][ep]") {
  const hwsim::System sys = dgx();
  InferenceConfig all = moe_workload("tp8");  // Mixtral 8x7B, tp 8, batch 64, now in FP8 with an FP8 cache
  all.dtype = hwsim::DType::fp8;
  all.kv_dtype = hwsim::DType::fp8;
  all.engine = hwsim::Engine::tensorrt_llm;
  InferenceConfig experts = all;
  experts.quantize_experts_only = true;
  // Stored: the routed experts at one byte, everything else at two; with the format over all weights, only the
  // embedding table and the output layer (as large) stay at two.
  CHECK(hwsim::stored_weight_bytes(experts) == Approx(kRouted + (kMixtralParameters - kRouted) * 2).epsilon(kRel));
  CHECK(hwsim::stored_weight_bytes(all) ==
        Approx(kMixtralParameters - 2 * kMixtralEmbedding + 2 * kMixtralEmbedding * 2).epsilon(kRel));
  const auto a = hwsim::evaluate_inference(all, sys, kEff);
  const auto e = hwsim::evaluate_inference(experts, sys, kEff);
  REQUIRE(a.fits);
  REQUIRE(e.fits);
  // Attention keeps the FP8 cache's FP8 context FMHA (TensorRT-LLM quantises the 16-bit queries).
  CHECK(e.prefill.attention_compute.value() == Approx(a.prefill.attention_compute.value()).epsilon(kRel));
  // A decode step's products outside the routed experts (attention's, the routers', the output layer's: 64 rows x
  // their weights x 2 FLOPs over tp 8) take twice their FP8 time; the experts' grouped product is unchanged.
  const hwsim::ModelSpec& m = all.model;
  const double dense_flops = 64 * (2 * m.active_matmul_parameters() - 2 * m.routed_expert_matmul_parameters()) / 8;
  const double fp8_rate = sys.device.peak_of(hwsim::DType::fp8)->value() * kFigures.gemm * thin(64) *
                          thin(m.ffn_hidden / 8.0) * thin(m.hidden);
  CHECK(e.decode.matmul_compute.value() - a.decode.matmul_compute.value() ==
        Approx(dense_flops / fp8_rate).epsilon(1e-9));
  // Element-wise: the first norm writes the QKV input in 2 bytes, not 1 (+h), and the attention output is not
  // quantised for an FP8 output product (read 2q, write q: -3q), q = h = 4096, per token and layer over tp 8.
  const double bandwidth = sys.device.memory_bandwidth.value();
  CHECK(a.decode.elementwise.value() - e.decode.elementwise.value() ==
        Approx(hbm_time(64.0 * (3 * 4096 - 4096) * 32 / 8, bandwidth)).epsilon(1e-9));
}
