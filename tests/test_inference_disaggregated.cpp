// Disaggregated serving (sim/infer/disaggregated.cpp evaluate_disaggregated): a prefill pool's passes of prompts, the
// KV cache's transfer to a decode pool, the decode pool's decode-only iterations, the least of the three rates, the
// TTFT limit's hold on the prompts per pass, and what the model refuses (pools that do not add up to the deployment,
// CPUs, keys that do not pair with it).
// Fixture: tests/fixtures/scenarios/disaggregated.yaml (Llama 2 70B FP8 on a DGX H100, 4 + 4 GPUs, a two-stage prefill
// pool too; DeepSeek-V3 FP8 on two DGX H200, a pool on each).
// Efficiencies: kFigures (tests/support/inference_cases.hpp); the pools' phases are checked against the aggregated
// evaluation of the same configuration (a static batch of the prompts, a continuous batch of the decode pool's size),
// which test_inference*.cpp hold to hand arithmetic.
// Tolerances: 1e-12 relative where the same formula is evaluated twice (only rounding differs).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "sim/infer/inference.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support.hpp"
#include "tests/support/inference_cases.hpp"

using hwsim::InferenceConfig;
using hwsim::InferenceResult;
using namespace hwsim::test::inference;

namespace {

const hwsim::Scenario& disagg_scenario() { return load("disaggregated.yaml"); }

hwsim::System disagg_deployment(const std::string& name) {
  for (const auto& d : disagg_scenario().deployments) {
    if (d.name == name) return hwsim::build_system(disagg_scenario(), d);
  }
  FAIL("no deployment " << name);
  return {};
}

InferenceResult disagg_evaluated(const InferenceConfig& c, const std::string& on = "h100") {
  return hwsim::evaluate_inference(c, disagg_deployment(on), kEff);
}

// The prefill pass of `prompts` prompts of `c`: a static batch of them on the prefill pool, one token each.
InferenceConfig disagg_prefill_pass(const InferenceConfig& c, int prompts);

// The pool `pool` of `c` as an aggregated configuration of its own.
InferenceConfig disagg_as_pool(InferenceConfig c, const hwsim::ServingPool& pool) {
  c.disaggregated.reset();
  c.tp = pool.tp;
  c.pp = pool.pp;
  c.replicas = pool.replicas;
  return c;
}

constexpr double kDisaggDgxH100Nvlink = 450e9;  // per GPU (catalog dgx-h100)
constexpr double kDisaggNicPerGpu = 400e9 / 8;  // DGX H200: one 400 Gb/s NIC per GPU, per direction

InferenceConfig disagg_prefill_pass(const InferenceConfig& c, int prompts) {
  InferenceConfig pass = disagg_as_pool(c, c.disaggregated->prefill);
  pass.continuous = false;
  pass.output_tokens = 1;
  pass.max_batch_tokens.reset();
  pass.sla_ttft.reset();
  pass.batch = prompts;
  return pass;
}

}  // namespace

TEST_CASE("disaggregated: each pool's phase, the KV transfer and the least of the three rates", "[inference]") {
  const InferenceConfig c = workload_in("disaggregated.yaml", "split");
  const InferenceResult r = disagg_evaluated(c);
  REQUIRE(r.fits);
  REQUIRE(r.disaggregated);
  const hwsim::DisaggregatedResult& x = *r.disaggregated;
  // The token budget holds 8192 / 2048 = 4 prompts a pass, and four fit the prefill pool's memory.
  CHECK(x.prompts_per_pass == 4);

  // The prefill pass is a static batch of the four prompts on the prefill pool, each producing its first token.
  const InferenceResult p = disagg_evaluated(disagg_prefill_pass(c, 4));
  REQUIRE(p.fits);
  CHECK(r.prefill.time.value() == Approx(p.prefill.time.value()).epsilon(kRel));
  // One replica, one stage: four prompts per pass time; a request waits for the pass under way, then its own.
  CHECK(x.prefill.requests_per_s == Approx(4.0 / p.prefill.time.value()).epsilon(kRel));
  CHECK(r.ttft.value() == Approx(2.0 * p.prefill.time.value()).epsilon(kRel));

  // The decode pool decodes only: its iteration is the aggregated decode step at the same batch, no prompt in it.
  InferenceConfig dec = disagg_as_pool(c, c.disaggregated->decode);
  dec.max_batch_tokens.reset();
  dec.batch = r.batch;
  // The decode pool holds no prompt workspace; room for it here (the step does not depend on the cache's share).
  dec.kv_cache_share = 0.95;
  const InferenceResult d = disagg_evaluated(dec);
  REQUIRE(d.fits);
  CHECK(r.tpot.value() == Approx(d.decode.time.value()).epsilon(kRel));
  CHECK(r.tpot < d.tpot);  // the aggregated iteration also prefills the arriving prompts
  // The first token is the prefill pool's: the decode pool generates the other 255.
  CHECK(x.decode.requests_per_s == Approx(r.batch / (r.tpot.value() * 255.0)).epsilon(kRel));

  // The prompt's KV cache (2048 tokens x 163,840 FP8 elements) leaves the prefill replica's 4 ranks at once over
  // NVLink (the deployment is one DGX): its share at 450 GB/s x 0.75, plus one step's latency.
  const double kv = 2048.0 * kLlama70bKvPerToken * 1.0;
  const double link = kDisaggDgxH100Nvlink * kFigures.link_scale_up;
  CHECK(x.kv_transfer.value() == Approx(kv / 4.0 / link + kFigures.latency_scale_up.value()).epsilon(kRel));
  CHECK(x.transfer_requests_per_s == Approx(4.0 * link / kv).epsilon(kRel));

  // The deployment serves the least of the three rates; that pool is fully loaded, the others are not.
  const double rate = std::min({x.prefill.requests_per_s, x.decode.requests_per_s, x.transfer_requests_per_s});
  CHECK(r.throughput_tokens_per_s == Approx(rate * 256.0).epsilon(kRel));
  CHECK(std::max(x.prefill.load, x.decode.load) == Approx(1.0).epsilon(kRel));
  CHECK(std::min(x.prefill.load, x.decode.load) < 1.0);
  CHECK(r.memory_per_device == std::max(x.prefill.memory_per_device, x.decode.memory_per_device));
  CHECK(r.compute_busy + r.memory_busy <= 1.0);
}

TEST_CASE("disaggregated: a TTFT limit lowers the prompts per pass until one pass meets it", "[inference]") {
  const InferenceConfig c = workload_in("disaggregated.yaml", "split-ttft");
  const InferenceResult r = disagg_evaluated(c);
  REQUIRE(r.fits);
  const int k = r.disaggregated->prompts_per_pass;
  CHECK(k < 4);
  CHECK(r.ttft <= *c.sla_ttft);
  REQUIRE(r.sla_met);
  CHECK(*r.sla_met);
  // One prompt more a pass would break the limit, so k is the most that meets it.
  CHECK(2.0 * disagg_evaluated(disagg_prefill_pass(c, k + 1)).prefill.time.value() > c.sla_ttft->value());
}

TEST_CASE("disaggregated: a prefill pool of two stages keeps two passes in flight", "[inference]") {
  const InferenceConfig c = workload_in("disaggregated.yaml", "split-pp");
  const InferenceResult r = disagg_evaluated(c);
  REQUIRE(r.fits);
  const int k = r.disaggregated->prompts_per_pass;
  CHECK(k == 4);
  const double t = disagg_evaluated(disagg_prefill_pass(c, k)).prefill.time.value();  // through both stages in turn
  // Each stage works on one pass while the other does the next: k x 2 prompts per pass time; a request waits for the
  // first stage's pass under way (half a pass), then its own.
  CHECK(r.disaggregated->prefill.requests_per_s == Approx(2.0 * k / t).epsilon(kRel));
  CHECK(r.ttft.value() == Approx(1.5 * t).epsilon(kRel));
}

TEST_CASE("disaggregated: a latent KV cache across two nodes reaches every decode rank over the NICs", "[inference]") {
  const InferenceConfig c = workload_in("disaggregated.yaml", "mla-nodes");
  const InferenceResult r = disagg_evaluated(c, "h200x2");
  REQUIRE(r.fits);
  // DeepSeek-V3's latent cache: 4096 tokens x 61 layers x (512 + 64) FP8 elements. Every tp rank of the prefill
  // replica holds it whole, so one sends it; each of the decode replica's 8 ranks receives all of it, over its NIC
  // (the pools sit on different nodes): a rank's 50 GB/s x the scale-out efficiency.
  const double kv = 4096.0 * 61 * (512 + 64) * 1.0;
  const double link = kDisaggNicPerGpu * kFigures.link_scale_out;
  CHECK(r.disaggregated->kv_transfer.value() == Approx(kv / link + kFigures.latency_scale_out.value()).epsilon(kRel));
  // One sender carries each request's cache; the 8 receivers each take a whole copy: both give link / kv.
  CHECK(r.disaggregated->transfer_requests_per_s == Approx(link / kv).epsilon(kRel));
}

TEST_CASE("disaggregated: pools that do not add up to the deployment, and CPUs, are refused", "[inference]") {
  const hwsim::Evaluation ev = hwsim::evaluate(disagg_scenario(), kEff);
  const hwsim::Result& too_many = hwsim::test::result_of(ev, "h100", "too-many");
  CHECK_FALSE(too_many.fits);
  CHECK(too_many.message ==
        "disaggregated: the prefill pool's 4 devices and the decode pool's 8 make 12; the deployment has 8");

  const hwsim::Scenario& modes = load("inference_modes.yaml");
  hwsim::System altra;
  for (const auto& d : modes.deployments) {
    if (d.name == "altra") altra = hwsim::build_system(modes, d);
  }
  const InferenceResult cpu = hwsim::evaluate_inference(workload_in("disaggregated.yaml", "split"), altra, kEff);
  CHECK_FALSE(cpu.fits);
  CHECK(cpu.message.find("modelled on GPUs") != std::string::npos);
}

TEST_CASE("disaggregated: replicas auto takes the devices the other pool leaves, in whole replicas", "[inference]") {
  const hwsim::Evaluation ev = hwsim::evaluate(disagg_scenario(), kEff);

  // 8 GPUs less the prefill replica's 2: 3 decode replicas of tp 2, evaluated as if written so.
  const hwsim::Result& automatic = hwsim::test::result_of(ev, "h100", "auto-decode");
  REQUIRE(automatic.fits);
  const auto replicas = std::find(automatic.parallelism.begin(), automatic.parallelism.end(),
                                  std::pair<std::string, int>{"decode_replicas", 3});
  CHECK(replicas != automatic.parallelism.end());
  InferenceConfig written = workload_in("disaggregated.yaml", "auto-decode");
  written.disaggregated->decode.replicas = 3;
  CHECK(*automatic.metric("throughput_tokens_per_s") ==
        Approx(disagg_evaluated(written).throughput_tokens_per_s).epsilon(kRel));
  // 6 GPUs left are not whole replicas of tp 4.
  const hwsim::Result& uneven = hwsim::test::result_of(ev, "h100", "auto-uneven");
  CHECK_FALSE(uneven.fits);
  CHECK(uneven.message ==
        "disaggregated: the prefill pool's 2 devices leave 6 of the deployment's 8, not whole replicas of the decode "
        "pool's tp x pp = 4");
}
