// Inference model (sim/infer/inference): memory per device = (weights + KV cache of batch x context) / (tp x pp) +
// activation workspace / tp; a decode step reads the weights and the KV cache (memory bound at small batch: time =
// bytes / (bandwidth x efficiency) + launches + TP all-reduces); decode tokens/s rises with batch; `batch: auto` is
// the largest batch meeting the SLA and memory; the arithmetic format follows compute_dtype's rules; a model that
// does not fit is a result naming the shortfall. (Batching modes, replicas, crossover batch and the does-not-fit
// advice: test_inference_modes.cpp.)
// Fixtures: tests/fixtures/scenarios/inference.yaml (DGX H100, DGX A100 40 GB, Altra server; Llama 2 70B; static
// batches) and falcon-4xa100.yaml (Falcon-180B on 4 of a DGX A100 80 GB's GPUs, tp 4; static batches).
// Efficiencies: kFigures (tests/support/inference_cases.hpp, a FixedEfficiency), stated there so the expected times
// follow from them; the documented defaults are tested in test_efficiency.cpp.
// Tolerances: 1e-12 relative where the test evaluates the code's formula by hand (only rounding differs).
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <cmath>
#include <filesystem>
#include <string>

#include "sim/infer/inference.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/inference_cases.hpp"

using hwsim::DType;
using hwsim::InferenceConfig;
using hwsim::Seconds;
using namespace hwsim::test::inference;

namespace {

InferenceConfig inference_workload(const std::string& name) { return workload_in("inference.yaml", name); }

hwsim::System inference_system(const std::string& deployment) {
  const hwsim::Scenario& sc = load("inference.yaml");
  for (const auto& d : sc.deployments) {
    if (d.name == deployment) return hwsim::build_system(sc, d);
  }
  FAIL("no deployment " << deployment);
  return {};
}

InferenceConfig llama70b_tp4(int batch) {
  InferenceConfig c = inference_workload("llama70b-tp4");
  c.batch = batch;
  return c;
}

}  // namespace

TEST_CASE("llama2-70b grouped-query attention: 2 x 80 layers x 8 KV heads x 128 KV elements per token", "[inference]") {
  const InferenceConfig c = inference_workload("llama70b-tp4");
  CHECK(c.model.parameters() == kLlama70bParameters);
  CHECK(c.model.kv_elements_per_token() == kLlama70bKvPerToken);  // 163,840
  // Multi-head attention with all 64 heads would keep 8x as much.
  CHECK(c.model.kv_elements_per_token() * 8 == 2.0 * 80 * 64 * 128);
  CHECK(c.kv_dtype == DType::bf16);  // the KV cache keeps the weights' 16-bit format
}

TEST_CASE("inference memory per device = (weights + KV of batch x context) / (tp x pp) + workspace / tp",
          "[inference]") {
  // bf16, tp 4, batch 8, context 512 + 256: weights 68,976,648,192 x 2 B; KV 8 x 768 x 163,840 x 2 B;
  // workspace 8 sequences x 512 prompt tokens x 8 vectors x 8192 hidden x 2 B.
  const double weights = kLlama70bParameters * 2;
  const double kv = 8.0 * (512 + 256) * kLlama70bKvPerToken * 2;
  const double workspace = 8.0 * 512 * 8 * 8192 * 2;
  const double expected = (weights + kv) / 4 + workspace / 4;  // 35,125,858,304 B
  CHECK(hwsim::inference_memory_per_device(llama70b_tp4(8), 8).value() == Approx(expected).epsilon(kRel));
  CHECK(expected == Approx(35125858304.0).epsilon(kRel));
  const auto r = hwsim::evaluate_inference(llama70b_tp4(8), inference_system("h100"), kEff);
  REQUIRE(r.fits);
  CHECK(r.memory_per_device.value() == Approx(expected).epsilon(kRel));
  // int8 weights keep an int8 cache, 4-bit weights an fp8 one.
  CHECK(hwsim::default_kv_dtype(DType::int8) == DType::int8);
  CHECK(hwsim::default_kv_dtype(DType::int4) == DType::fp8);
  const InferenceConfig int8 = inference_workload("llama70b-tp1-int8");
  CHECK(int8.kv_dtype == DType::int8);
  CHECK(hwsim::inference_memory_per_device(int8, 2).value() ==
        Approx(kLlama70bParameters * 1 + 2.0 * 768 * kLlama70bKvPerToken * 1 + 2.0 * 512 * 8 * 8192 * 2).epsilon(kRel));
}

namespace {
// Element-wise bytes of one Llama 2 70B token through its 80 layers (sim/infer/inference.cpp elementwise_time): per
// layer 2 (6 + g) h + 2 (h + 2 kv) + 2h + 2 kv x KV B + 2 x 2 ffn + g x ffn (+ 3h with 8-bit GEMM inputs), h 8192,
// kv 1024, ffn 28672, g the GEMM inputs' bytes.
double llama70b_elementwise_bytes(double g, double kv_bytes) {
  return 80.0 * (2.0 * (6 + g) * 8192 + 2.0 * (8192 + 2 * 1024) + 2.0 * 8192 + 2.0 * 1024 * kv_bytes + 4.0 * 28672 +
                 g * 28672 + (g < 2 ? 3.0 * 8192 : 0.0));
}
}  // namespace

TEST_CASE("a decode step at batch 1 is memory bound: memory time = bytes / (bandwidth x efficiency)", "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  REQUIRE(h100.device.memory_bandwidth.value() == 3.35e12);  // h100-sxm5-80gb: 3.35 TB/s
  SECTION("tp 1, int8 weights: step = memory time + launches") {
    // Weights: the blocks at 1 B, the output layer at 2 B (serving checkpoints keep it in 16 bits), the embedding
    // table's rows gathered rather than streamed: (P - 2E) x 1 + E x 2 = P bytes for 68,976,648,192 parameters. Then
    // the KV cache of (512 + 256/2 mean context + 1 new) tokens x 163,840 x 1 B, and the token's element-wise traffic,
    // each op group moving its own bytes.
    const double memory_s =
        hbm_time((kLlama70bParameters - 2 * kLlama70bEmbedding) * 1 + kLlama70bEmbedding * 2, 3.35e12) +
        hbm_time(1.0 * (640 + 1) * kLlama70bKvPerToken * 1, 3.35e12) +
        hbm_time(llama70b_elementwise_bytes(1, 1), 3.35e12);  // ~22.9 ms
    const auto r = hwsim::evaluate_inference(inference_workload("llama70b-tp1-int8"), h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.compute == DType::int8);
    CHECK(r.decode.memory.value() == Approx(memory_s).epsilon(kRel));
    CHECK(r.decode.memory > r.decode.compute);
    CHECK(r.decode.communication.value() == 0.0);
    CHECK(r.tpot.value() == Approx(memory_s + kLlama70bLaunch).epsilon(kRel));
    CHECK(r.memory_busy > r.compute_busy);  // decode dominates a request of 256 output tokens
  }
  SECTION(
      "tp 4, bf16 weights: each GPU reads a quarter, all but the embedding table; the step adds the TP "
      "all-reduces") {
    const double memory_s = hbm_time((kLlama70bParameters - kLlama70bEmbedding) * 2 / 4, 3.35e12) +
                            hbm_time(1.0 * (640 + 1) * kLlama70bKvPerToken * 2 / 4, 3.35e12) +
                            hbm_time(llama70b_elementwise_bytes(2, 2) / 4, 3.35e12);  // ~11.5 ms
    const auto r = hwsim::evaluate_inference(llama70b_tp4(1), h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.decode.memory.value() == Approx(memory_s).epsilon(kRel));
    CHECK(r.decode.memory > r.decode.compute);
    CHECK(r.decode.communication.value() > 0.0);
    CHECK(r.decode.time.value() == Approx(memory_s + r.decode.communication.value() + kLlama70bLaunch).epsilon(kRel));
  }
}

TEST_CASE("decode tokens/s rises with batch, throughput counts output tokens of all replicas end to end",
          "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  double previous = 0;
  for (int batch : {1, 2, 8, 32, 128}) {
    INFO("batch " << batch);
    const auto r = hwsim::evaluate_inference(llama70b_tp4(batch), h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.replicas == 8 / 4);
    CHECK(r.decode_tokens_per_s == Approx(2.0 * batch / r.tpot.value()).epsilon(kRel));
    CHECK(r.throughput_tokens_per_s ==
          Approx(2.0 * batch * 256 / (r.ttft.value() + 256 * r.tpot.value())).epsilon(kRel));
    CHECK(r.decode_tokens_per_s > previous);
    previous = r.decode_tokens_per_s;
  }
}

TEST_CASE("batch: auto yields the largest batch that meets the SLA, one more violates the SLA or memory",
          "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  const double usable = 80 * kGiB - 4e9;  // Device::usable_memory
  InferenceConfig c = inference_workload("llama70b-tp4");
  c.batch.reset();
  SECTION("a TPOT target binds before memory") {
    c.sla_tpot = Seconds(0.020);
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    INFO("auto batch " << r.batch);
    CHECK(r.batch > 1);
    CHECK(r.tpot <= Seconds(0.020));
    InferenceConfig more = c;
    more.batch = r.batch + 1;
    CHECK(hwsim::inference_memory_per_device(more, r.batch + 1).value() <= usable);
    const auto m = hwsim::evaluate_inference(more, h100, kEff);
    REQUIRE(m.fits);
    CHECK(m.tpot > Seconds(0.020));
  }
  SECTION("a TTFT target binds before memory") {
    c.sla_ttft = Seconds(1.0);
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    INFO("auto batch " << r.batch);
    CHECK(r.batch > 1);
    CHECK(r.ttft <= Seconds(1.0));
    InferenceConfig more = c;
    more.batch = r.batch + 1;
    const auto m = hwsim::evaluate_inference(more, h100, kEff);
    REQUIRE(m.fits);
    CHECK(m.ttft > Seconds(1.0));
  }
  SECTION("without an SLA, memory binds") {
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    INFO("auto batch " << r.batch);
    CHECK(r.batch > 1);
    CHECK(hwsim::inference_memory_per_device(c, r.batch).value() <= usable);
    CHECK(hwsim::inference_memory_per_device(c, r.batch + 1).value() > usable);
    InferenceConfig more = c;
    more.batch = r.batch + 1;
    const auto m = hwsim::evaluate_inference(more, h100, kEff);
    CHECK_FALSE(m.fits);
    CHECK_THAT(m.message, Catch::Contains(fmt::format("batch {} needs", r.batch + 1)));
  }
}

TEST_CASE("compute dtype: int4 weights run 16-bit on GPUs and int8 on CPUs, fp8 on an A100 runs bf16", "[inference]") {
  const hwsim::Device h100 = inference_system("h100").device;
  const hwsim::Device a100 = inference_system("a100").device;
  const hwsim::Device altra = inference_system("altra").device;
  REQUIRE(altra.kind == hwsim::DeviceKind::cpu);
  REQUIRE(a100.peak_of(DType::int4).has_value());  // even where the GPU has int4 tensor cores: W4A16
  REQUIRE_FALSE(a100.peak_of(DType::fp8).has_value());
  CHECK(hwsim::compute_dtype(h100, DType::int4) == DType::bf16);
  CHECK(hwsim::compute_dtype(a100, DType::int4) == DType::bf16);
  CHECK(hwsim::compute_dtype(altra, DType::int4) == DType::int8);
  CHECK(hwsim::compute_dtype(a100, DType::fp8) == DType::bf16);
  CHECK(hwsim::compute_dtype(h100, DType::fp8) == DType::fp8);
  CHECK(hwsim::compute_dtype(a100, DType::int8) == DType::int8);
  // A format the device lacks falls back to its best 16-bit one: Altra has fp16 but no bf16.
  REQUIRE_FALSE(altra.peak_of(DType::bf16).has_value());
  CHECK(hwsim::compute_dtype(altra, DType::bf16) == DType::fp16);
  // The engine reports the arithmetic it used.
  InferenceConfig int4 = llama70b_tp4(1);
  int4.dtype = DType::int4;
  int4.kv_dtype = hwsim::default_kv_dtype(DType::int4);
  const auto r = hwsim::evaluate_inference(int4, inference_system("a100"), kEff);
  REQUIRE(r.fits);
  CHECK(r.compute == DType::bf16);
}

TEST_CASE("falcon-180b bf16 does not fit 4 x A100 80 GB at tp 4 (shortfall in GB), int8 fits", "[inference]") {
  const hwsim::Scenario& sc = load("falcon-4xa100.yaml");
  const hwsim::Evaluation ev = hwsim::evaluate(sc, kEff);
  REQUIRE(ev.results.size() == 2);
  const hwsim::Result& bf16 = ev.results[0];
  const hwsim::Result& int8 = ev.results[1];
  REQUIRE(bf16.workload == "falcon-bf16");
  REQUIRE(int8.workload == "falcon-int8");
  // Batch 1: weights 179,520,189,440 x 2 B; KV 768 tokens x (2 x 80 x 8 x 64) x 2 B; workspace 512 x 8 x 14848 x
  // 2 B; all over tp 4 = 89.82 GB per GPU; usable 80 GiB less 4 GB = 81.9 GB: short by 7.9 GB.
  const double need = (179520189440.0 * 2 + 768.0 * (2 * 80 * 8 * 64) * 2) / 4 + 512.0 * 8 * 14848 * 2 / 4;
  const double usable = 80 * kGiB - 4e9;  // Device::usable_memory
  CHECK_FALSE(bf16.fits);
  INFO(bf16.message);
  CHECK_THAT(bf16.message, Catch::Contains(fmt::format("short by {:.1f} GB", (need - usable) / 1e9)));
  CHECK_THAT(bf16.message, Catch::Contains("short by 7.9 GB"));
  REQUIRE(bf16.metric("memory_per_device_bytes").has_value());
  CHECK(*bf16.metric("memory_per_device_bytes") == Approx(need).epsilon(kRel));
  CHECK_FALSE(bf16.metric("throughput_tokens_per_s").has_value());
  CHECK(int8.fits);
  CHECK(int8.compute_dtype == "int8");
  CHECK(*int8.metric("memory_per_device_bytes") <= usable);
  CHECK(*int8.metric("devices") == 4);
  CHECK(*int8.metric("nodes") == 0.5);  // 4 of the node's 8 GPUs
  CHECK(*int8.metric("throughput_tokens_per_s") > 0);
}

TEST_CASE(
    "bits_per_weight sets the stored bytes per weight, kv_reads per_query_head reads the KV cache heads / kv_heads "
    "times, max_batch caps batch auto",
    "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  SECTION("GGUF-like 8.5 bits per weight: the blocks' weights of 1.0625 B each in memory and in every decode step") {
    InferenceConfig c = inference_workload("llama70b-tp1-int8");
    const auto plain = hwsim::evaluate_inference(c, h100, kEff);
    c.bits_per_weight = 8.5;
    const auto blocked = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(plain.fits);
    REQUIRE(blocked.fits);
    // On a GPU engine the embedding table and output layer stay in 16 bits whatever the blocks' format.
    const double blocks = kLlama70bParameters - 2 * kLlama70bEmbedding;
    CHECK(blocked.memory_per_device.value() - plain.memory_per_device.value() == Approx(blocks * 0.0625).epsilon(1e-9));
    CHECK(blocked.decode.matmul_memory.value() ==
          Approx(hbm_time(blocks * 1.0625 + kLlama70bEmbedding * 2, 3.35e12)).epsilon(kRel));
    CHECK(blocked.decode.attention_memory.value() == Approx(plain.decode.attention_memory.value()).epsilon(kRel));
  }
  SECTION("per query head: Llama 2 70B's 64 query heads over 8 KV heads read the context's KV 8 times") {
    InferenceConfig c = llama70b_tp4(8);  // bf16, 512 in, 256 out: mean context 640
    c.kv_reads_per_query_head = true;
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    const double kv = 8 * (640.0 * 8 + 1) * kLlama70bKvPerToken * 2 / 4;
    CHECK(r.decode.attention_memory.value() == Approx(hbm_time(kv, 3.35e12)).epsilon(kRel));
    CHECK(r.decode.attention_memory > hwsim::evaluate_inference(llama70b_tp4(8), h100, kEff).decode.attention_memory);
  }
  SECTION("max_batch: the largest batch up to the limit, where memory alone would allow more") {
    InferenceConfig c = inference_workload("llama70b-tp4");
    c.batch.reset();
    const auto unlimited = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(unlimited.batch > 5);
    c.max_batch = 5;
    const auto capped = hwsim::evaluate_inference(c, h100, kEff);
    CHECK(capped.batch == 5);
  }
  SECTION("max_batch_tokens: the batch whose decode tokens and arriving prompts fill the engine's budget") {
    InferenceConfig c = inference_workload("llama70b-tp4");  // 512 in, 256 out
    c.continuous = true;
    c.batch.reset();
    const auto unlimited = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(unlimited.fits);
    // 1024 tokens per iteration hold b x (1 + 512 / 256) = 3b: 341 sequences; memory alone holds more.
    c.max_batch_tokens = 1024;
    REQUIRE(hwsim::token_budget_batch(c) == 341);
    REQUIRE(unlimited.batch > 341);
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == 341);
    c.max_batch_tokens = 1 << 20;  // a budget above what memory holds leaves the batch to memory
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == unlimited.batch);
    c.max_batch_tokens = 2;  // below one sequence's share: one sequence, its prompt prefilled in chunks
    CHECK(hwsim::token_budget_batch(c) == 1);
    c.max_batch_tokens.reset();
    CHECK_FALSE(hwsim::token_budget_batch(c).has_value());
  }
  SECTION("max_batch_tokens is per micro-batch with pipeline stages, and counts multi-step scheduling's prefills") {
    InferenceConfig c = inference_workload("llama70b-tp4");
    c.continuous = true;
    c.batch.reset();
    c.tp = 2;
    c.pp = 2;
    REQUIRE(hwsim::evaluate_inference(c, h100, kEff).batch > 200);  // memory alone
    c.max_batch_tokens = 300;  // 512 in, 256 out: 100 sequences per micro-batch, 2 micro-batches in flight
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == 200);
    c.scheduler_steps = 4;  // a step prefills 4 iterations' arrivals: b x (1 + 4 x 2) = 9b tokens
    CHECK(hwsim::token_budget_batch(c) == 33);
  }
  SECTION("a budget times many stages beyond an int's range leaves the batch to its other limits") {
    InferenceConfig c = inference_workload("llama70b-tp4");
    c.continuous = true;
    c.batch.reset();
    c.model.layers = 256;
    c.tp = 1;
    c.pp = 256;
    c.input_tokens = 1;
    c.output_tokens = 64;
    const int unlimited = hwsim::evaluate_inference(c, h100, kEff).batch;
    REQUIRE(unlimited > 1);
    c.max_batch_tokens = 16777216;  // the schema's maximum: 16.5 M sequences per micro-batch x 256 stages
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == unlimited);
  }
}

TEST_CASE("a mixture of experts' decode step reads only the experts its batch picks: Mixtral at batch 1 about 13B",
          "[inference]") {
  // Mixtral 8x7B in bf16 on 4 H100s, static batches: a decode step of B sequences routes B tokens, each to 2 of a
  // layer's 8 experts, so a layer reads 8 x (1 - (6/8)^B) experts on average (2 at B = 1, 7.4 at B = 8).
  const hwsim::Scenario moe =
      hwsim::load_scenario(std::filesystem::path(HWSIM_FIXTURES_DIR) / "scenarios/moe_training.yaml", {});
  const hwsim::ModelSpec& mixtral = moe.workloads.at(0).training.model;
  CHECK(mixtral.experts_touched(1) == Approx(2.0).epsilon(1e-12));
  CHECK(mixtral.experts_touched(8) == Approx(8 * (1 - std::pow(0.75, 8))).epsilon(1e-12));
  CHECK(mixtral.parameters_read(1) == Approx(mixtral.active_parameters()).epsilon(1e-12));  // 12.88 G of 46.70 G
  CHECK(mixtral.parameters_read(1) == Approx(12.9e9).epsilon(0.01));
  InferenceConfig c = llama70b_tp4(1);
  c.model = mixtral;
  const auto one = hwsim::evaluate_inference(c, inference_system("h100"), kEff);
  c.batch = 8;
  const auto eight = hwsim::evaluate_inference(c, inference_system("h100"), kEff);
  REQUIRE(one.fits);
  REQUIRE(eight.fits);
  // The weights' read time follows the experts read, less the embedding table, whose rows a pass gathers (the
  // efficiencies here are the same at every size).
  const double table = 32000.0 * 4096;
  CHECK(one.decode.matmul_memory.value() / eight.decode.matmul_memory.value() ==
        Approx((mixtral.parameters_read(1) - table) / (mixtral.parameters_read(8) - table)).epsilon(1e-12));
}

TEST_CASE("a mixture of experts' element-wise traffic adds its routing passes, whole rows on every tp rank",
          "[inference]") {
  // Mixtral 8x7B in bf16 on 4 H100s (tp 4), a decode step of 1 token. Per layer, split over tp: two norm passes
  // 2 (6 + 2) h, RoPE and the cache write 2 (q + kv) + 2q + 2 kv, the activation 2 x 2 (2 x 14336) + 2 (2 x 14336):
  // 262,144 B. Per MoE layer on every rank: the 2 routed copies gathered (read 2h, write 2 x 2h) and the 2 outputs
  // summed back (read 2 x 2h, write 2h): 12h = 49,152 B. h = q = 4096, kv = 2 x 8 x 128 = 2048.
  const hwsim::Scenario moe =
      hwsim::load_scenario(std::filesystem::path(HWSIM_FIXTURES_DIR) / "scenarios/moe_training.yaml", {});
  InferenceConfig c = llama70b_tp4(1);
  c.model = moe.workloads.at(0).training.model;
  const double per_layer = 2.0 * 8 * 4096 + 2.0 * (4096 + 2048) + 2.0 * 4096 + 2.0 * 2048 + 4.0 * 28672 + 2.0 * 28672;
  CHECK(per_layer == 262144.0);
  const double routing = 12.0 * 4096;
  const auto r = hwsim::evaluate_inference(c, inference_system("h100"), kEff);
  REQUIRE(r.fits);
  CHECK(r.decode.elementwise.value() ==
        Approx(hbm_time(32 * per_layer / 4 + 32 * routing, 3.35e12)).epsilon(kRel));  // 3,670,016 B
  // A dense model of the same shape moves no routing bytes.
  c.model.experts = 1;
  c.model.experts_per_token = 1;
  const auto dense = hwsim::evaluate_inference(c, inference_system("h100"), kEff);
  REQUIRE(dense.fits);
  CHECK(dense.decode.elementwise.value() ==
        Approx(hbm_time(32 * (per_layer - 6.0 * 14336) / 4, 3.35e12)).epsilon(kRel));
}

TEST_CASE("sliding-window attention: a decode step reads and attends at most the window, a prefill its causal band",
          "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  const InferenceConfig plain = llama70b_tp4(8);  // bf16, 512 in, 256 out: mean context 640; static batch
  InferenceConfig windowed = plain;
  windowed.model.attention_window = 256;  // every one of the 80 layers
  windowed.model.window_layers = 80;
  const auto p = hwsim::evaluate_inference(plain, h100, kEff);
  const auto w = hwsim::evaluate_inference(windowed, h100, kEff);
  REQUIRE(p.fits);
  REQUIRE(w.fits);
  // Decode: 8 sequences read 256 cached tokens (not 640) and write 1, split over tp 4; attention FLOPs scale alike.
  CHECK(w.decode.attention_memory.value() ==
        Approx(hbm_time(8 * (256.0 + 1) * kLlama70bKvPerToken * 2 / 4, 3.35e12)).epsilon(kRel));
  CHECK(w.decode.attention_compute.value() == Approx(p.decode.attention_compute.value() * 256 / 640).epsilon(kRel));
  // Prefill of 512 tokens: a query attends min(i, 256) keys, (512 x 256 - 256^2 / 2) / 512 = 192 on average against
  // 256 without the window; the 512 new tokens' K and V are written either way.
  CHECK(w.prefill.attention_memory.value() ==
        Approx(hbm_time(8 * (192.0 + 512) * kLlama70bKvPerToken * 2 / 4, 3.35e12)).epsilon(kRel));
  // Those FLOPs run slower: Hopper's query tiles (attention_tile_occupancy, 3.05 blocks of fixed work forward) hold
  // 1.5 key blocks and a partly masked one at each end of the window, against 2 and half a block on the diagonal.
  const double slower = (2.0 / (2.5 + 3.05)) / (1.5 / (2.5 + 3.05));
  CHECK(w.prefill.attention_compute.value() ==
        Approx(p.prefill.attention_compute.value() * 192 / 256 * slower).epsilon(kRel));
  // Weights and their products do not change.
  CHECK(w.decode.matmul_compute.value() == Approx(p.decode.matmul_compute.value()).epsilon(kRel));
}

TEST_CASE("A windowed layer's KV cache holds its window under vLLM, the whole context under TensorRT-LLM's one window",
          "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  InferenceConfig plain = llama70b_tp4(8);  // bf16, 512 in, 256 out, static batch: each sequence holds 768 tokens
  InferenceConfig windowed = plain;
  windowed.model.attention_window = 256;  // half of the 80 layers
  windowed.model.window_layers = 40;
  const auto memory = [&](InferenceConfig c, hwsim::Engine engine) {
    c.engine = engine;
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    return r.memory_per_device.value();
  };
  // vLLM: the 40 windowed layers keep 256 of the 768 tokens, 8 sequences, KV heads split over tp 4, 2 bytes each.
  CHECK(memory(plain, hwsim::Engine::vllm) - memory(windowed, hwsim::Engine::vllm) ==
        Approx(8 * 40.0 / 80.0 * (768 - 256) * kLlama70bKvPerToken * 2 / 4).epsilon(kRel));
  // TensorRT-LLM (no max_attention_window): every layer keeps the whole context, as without the window.
  CHECK(memory(windowed, hwsim::Engine::tensorrt_llm) ==
        Approx(memory(plain, hwsim::Engine::tensorrt_llm)).epsilon(kRel));
}

TEST_CASE("A prefill's narrow heads run attention at the measured share of the head-dim-128 rate; decode as before",
          "[inference]") {
  const hwsim::System h100 = inference_system("h100");
  const InferenceConfig wide = llama70b_tp4(8);  // 64 heads of 128, 8 KV heads
  REQUIRE(wide.model.head_dim() == 128);
  InferenceConfig narrow = wide;  // 128 heads of 64, 16 KV heads: the same widths, so the same attention FLOPs
  narrow.model.heads = 128;
  narrow.model.kv_heads = 16;
  REQUIRE(narrow.model.head_dim() == 64);
  REQUIRE(narrow.model.kv_elements_per_token() == wide.model.kv_elements_per_token());
  const auto w = hwsim::evaluate_inference(wide, h100, kEff);
  const auto n = hwsim::evaluate_inference(narrow, h100, kEff);
  REQUIRE(w.fits);
  REQUIRE(n.fits);
  // head_dim_attention_share on Hopper at head dim 64, forward: 0.740 (test_efficiency.cpp).
  CHECK(n.prefill.attention_compute.value() / w.prefill.attention_compute.value() == Approx(1 / 0.740));
  CHECK(n.decode.attention_compute.value() == Approx(w.decode.attention_compute.value()).epsilon(1e-12));
}
