// Inference model (sim/infer/inference): memory per device = (weights + KV cache of batch x context) / (tp x pp) +
// activation workspace / tp; a decode step reads the weights and the KV cache (memory bound at small batch: time =
// bytes / (bandwidth x efficiency) + launches + TP all-reduces); decode tokens/s rises with batch; `batch: auto` is
// the largest batch meeting the SLA and memory; the arithmetic format follows compute_dtype's rules; a model that
// does not fit is a result naming the shortfall.
// Fixtures: tests/fixtures/scenarios/inference.yaml (DGX H100, DGX A100 40 GB, Altra server; Llama 2 70B; static
// batches), falcon-4xa100.yaml (Falcon-180B on 4 of a DGX A100 80 GB's GPUs, tp 4; static batches) and
// inference_modes.yaml (batching modes, replicas, crossover batch).
// Tolerances: 1e-12 relative where the test evaluates the code's formula by hand (only rounding differs).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <fmt/format.h>
#include <cmath>
#include <string>

#include "sim/infer/inference.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/scenario.hpp"

using hwsim::DType;
using hwsim::InferenceConfig;
using hwsim::Seconds;

namespace {

namespace fs = std::filesystem;

constexpr double kRel = 1e-12;
constexpr double kGiB = 1024.0 * 1024 * 1024;
// Llama 2 70B as hwsim derives it (workloads/catalog/llama2-70b.yaml header: 68,976,648,192 parameters).
constexpr double kLlama70bParameters = 68976648192.0;
// KV elements per token: K and V x 80 layers x 8 KV heads x 128 head dim (grouped-query attention).
constexpr double kLlama70bKvPerToken = 2.0 * 80 * 8 * 128;
// Launch overhead of a forward pass: 12 kernels per layer x 80 layers x 4 us (GPU default).
constexpr double kLlama70bLaunch = 12.0 * 80 * 4e-6;

const hwsim::Scenario& load(const std::string& file) {
  static std::map<std::string, hwsim::Scenario> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    it = cache.emplace(file, hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios" / file, {})).first;
  }
  return it->second;
}

InferenceConfig workload(const std::string& name) {
  for (const auto& w : load("inference.yaml").workloads) {
    if (w.name == name) return w.inference;
  }
  FAIL("no workload " << name);
  return {};
}

hwsim::System system_of(const std::string& deployment) {
  const hwsim::Scenario& sc = load("inference.yaml");
  for (const auto& d : sc.deployments) {
    if (d.name == deployment) return hwsim::build_system(sc, d);
  }
  FAIL("no deployment " << deployment);
  return {};
}

InferenceConfig llama70b_tp4(int batch) {
  InferenceConfig c = workload("llama70b-tp4");
  c.batch = batch;
  return c;
}

// Default memory efficiency: 0.88 plateau on GPUs, half of it at 256 KiB.
double hbm_efficiency(double bytes) { return 0.88 * bytes / (bytes + 256.0 * 1024); }
// Time to move `bytes` at `bandwidth` with the default GPU memory efficiency.
double hbm_time(double bytes, double bandwidth) { return bytes / (bandwidth * hbm_efficiency(bytes)); }

const hwsim::DefaultEfficiency kEff;

}  // namespace

TEST_CASE("llama2-70b grouped-query attention: 2 x 80 layers x 8 KV heads x 128 KV elements per token",
          "[inference]") {
  const InferenceConfig c = workload("llama70b-tp4");
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
  const auto r = hwsim::evaluate_inference(llama70b_tp4(8), system_of("h100"), kEff);
  REQUIRE(r.fits);
  CHECK(r.memory_per_device.value() == Approx(expected).epsilon(kRel));
  // int8 weights keep an int8 cache, 4-bit weights an fp8 one.
  CHECK(hwsim::default_kv_dtype(DType::int8) == DType::int8);
  CHECK(hwsim::default_kv_dtype(DType::int4) == DType::fp8);
  const InferenceConfig int8 = workload("llama70b-tp1-int8");
  CHECK(int8.kv_dtype == DType::int8);
  CHECK(hwsim::inference_memory_per_device(int8, 2).value() ==
        Approx(kLlama70bParameters * 1 + 2.0 * 768 * kLlama70bKvPerToken * 1 + 2.0 * 512 * 8 * 8192 * 2)
            .epsilon(kRel));
}

TEST_CASE("a decode step at batch 1 is memory bound: memory time = bytes / (bandwidth x efficiency)", "[inference]") {
  const hwsim::System h100 = system_of("h100");
  REQUIRE(h100.device.memory_bandwidth.value() == 3.35e12);  // h100-sxm5-80gb: 3.35 TB/s
  SECTION("tp 1, int8 weights: step = memory time + launches") {
    // Weights 68,976,648,192 x 1 B, then the KV cache of (512 + 256/2 mean context + 1 new) tokens x 163,840 x 1 B,
    // each op group moving its own bytes.
    const double memory_s = hbm_time(kLlama70bParameters * 1, 3.35e12) +
                            hbm_time(1.0 * (640 + 1) * kLlama70bKvPerToken * 1, 3.35e12);  // ~23.4 ms
    const auto r = hwsim::evaluate_inference(workload("llama70b-tp1-int8"), h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.compute == DType::int8);
    CHECK(r.decode.memory.value() == Approx(memory_s).epsilon(kRel));
    CHECK(r.decode.memory > r.decode.compute);
    CHECK(r.decode.communication.value() == 0.0);
    CHECK(r.tpot.value() == Approx(memory_s + kLlama70bLaunch).epsilon(kRel));
    CHECK(r.memory_busy > r.compute_busy);  // decode dominates a request of 256 output tokens
  }
  SECTION("tp 4, bf16 weights: each GPU reads a quarter; the step adds the TP all-reduces") {
    const double memory_s = hbm_time(kLlama70bParameters * 2 / 4, 3.35e12) +
                            hbm_time(1.0 * (640 + 1) * kLlama70bKvPerToken * 2 / 4, 3.35e12);  // ~11.7 ms
    const auto r = hwsim::evaluate_inference(llama70b_tp4(1), h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.decode.memory.value() == Approx(memory_s).epsilon(kRel));
    CHECK(r.decode.memory > r.decode.compute);
    CHECK(r.decode.communication.value() > 0.0);
    CHECK(r.decode.time.value() ==
          Approx(memory_s + r.decode.communication.value() + kLlama70bLaunch).epsilon(kRel));
  }
}

TEST_CASE("decode tokens/s rises with batch, throughput counts output tokens of all replicas end to end",
          "[inference]") {
  const hwsim::System h100 = system_of("h100");
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
  const hwsim::System h100 = system_of("h100");
  const double usable = 0.92 * 80 * kGiB;
  InferenceConfig c = workload("llama70b-tp4");
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

TEST_CASE("compute dtype: int4 weights run 16-bit on GPUs and int8 on CPUs, fp8 on an A100 runs bf16",
          "[inference]") {
  const hwsim::Device h100 = system_of("h100").device;
  const hwsim::Device a100 = system_of("a100").device;
  const hwsim::Device altra = system_of("altra").device;
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
  const auto r = hwsim::evaluate_inference(int4, system_of("a100"), kEff);
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
  // 2 B; all over tp 4 = 89.82 GB per GPU; usable 92% of 80 GiB = 79.03 GB: short by 10.8 GB.
  const double need = (179520189440.0 * 2 + 768.0 * (2 * 80 * 8 * 64) * 2) / 4 + 512.0 * 8 * 14848 * 2 / 4;
  const double usable = 0.92 * 80 * kGiB;
  CHECK_FALSE(bf16.fits);
  INFO(bf16.message);
  CHECK_THAT(bf16.message, Catch::Contains(fmt::format("short by {:.1f} GB", (need - usable) / 1e9)));
  CHECK_THAT(bf16.message, Catch::Contains("short by 10.8 GB"));
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

// ---- Batching modes, replicas per device, crossover batch, does-not-fit advice ----
// Fixture: tests/fixtures/scenarios/inference_modes.yaml (DGX H100, DGX A100 40 GB, Altra server). Test names avoid
// ';': catch_discover_tests splits a name at ';' into two ctest tests that match nothing and pass without running.

namespace {

const hwsim::Scenario& modes() { return load("inference_modes.yaml"); }

InferenceConfig modes_workload(const std::string& name) {
  for (const auto& w : modes().workloads) {
    if (w.name == name) return w.inference;
  }
  FAIL("no workload " << name);
  return {};
}

hwsim::System modes_system(const std::string& deployment) {
  for (const auto& d : modes().deployments) {
    if (d.name == deployment) return hwsim::build_system(modes(), d);
  }
  FAIL("no deployment " << deployment);
  return {};
}

const hwsim::Result& modes_result(const std::string& deployment, const std::string& workload) {
  static const hwsim::Evaluation ev = hwsim::evaluate(modes(), kEff);
  for (const auto& r : ev.results) {
    if (r.deployment == deployment && r.workload == workload) return r;
  }
  FAIL("no result " << deployment << "/" << workload);
  return ev.results.front();
}

// H100 SXM5 (hwmodels/catalog/gpus/h100-sxm5-80gb.yaml): dense bf16 peak = 132 SM x 4 TC x 1024 FLOP x 1.83 GHz.
constexpr double kH100Bf16Peak = 132.0 * 4 * 1024 * 1.83e9;  // 989.4 TFLOP/s
constexpr double kH100Bandwidth = 3.35e12;                    // HBM3, B/s
constexpr double kH100NvlinkPerDirection = 450e9;             // DGX H100 NVSwitch, per GPU per direction
// Llama 2 70B weights multiplied per token: 80 x (2h^2 + 2h x kv_dim + 3h x ffn) + vocab x h with h 8192,
// kv_dim 8 x 128, ffn 28672, vocab 32000.
constexpr double kLlama70bMatmul =
    80.0 * (2.0 * 8192 * 8192 + 2.0 * 8192 * 1024 + 3.0 * 8192 * 28672) + 32000.0 * 8192;  // 68,713,185,280

struct HandPass {
  double matmul_compute = 0;
  double matmul_memory = 0;
  double attention_compute = 0;
  double attention_memory = 0;
  double communication = 0;
  [[nodiscard]] double compute() const { return matmul_compute + attention_compute; }
  [[nodiscard]] double memory() const { return matmul_memory + attention_memory; }
  [[nodiscard]] double time() const {
    return std::max(matmul_compute, matmul_memory) + std::max(attention_compute, attention_memory) + communication +
           kLlama70bLaunch;
  }
};

// One forward pass of Llama 2 70B on DGX H100 GPUs by the contract of sim/infer/inference.hpp, tensor parallel
// over `tp` GPUs of one node (pp 1), written out from the catalog figures and the default efficiencies, op group by
// op group (rows = batch x tokens):
//   matmul compute    = rows x 2 x matmul weights / tp / (peak x g),
//                       g = 0.80 x u x t / (t + 4 us), u = thin(rows) x thin(28672 / tp) x thin(8192),
//                       thin(d) = d / (d + 16), t = (2 x rows x 8192 x 28672 / tp) / peak / u
//   matmul memory     = weights x weight B / tp / (3.35 TB/s x 0.88 x bytes / (bytes + 256 KiB))
//   attention compute = rows x 4 x 80 layers x context x 8192 / tp / (peak x 0.80 x 0.8)
//   attention memory  = batch x (context + tokens) x 163,840 KV elements x KV B / tp / (the same memory rate)
//   communication = 2 x 80 all-reduces of rows x 8192 x 2 B over tp GPUs, each the faster of
//                   ring: 2 (tp - 1) / tp x size / (450 GB/s x 0.78) + 2 (tp - 1) x 3 us
//                   tree: 2 x size / (450 GB/s x 0.78) + 2 x ceil(log2 tp) x 3 us
//   time = max(matmul compute, matmul memory) + max(attention compute, attention memory) + communication + launches
HandPass llama70b_h100(int batch, double tokens, double context, int tp, double weight_bytes, double kv_bytes) {
  HandPass p;
  const double rows = batch * tokens;
  const auto thin = [](double d) { return d / (d + 16.0); };
  const double used = thin(rows) * thin(28672.0 / tp) * thin(8192);
  const double t = 2.0 * rows * 8192 * 28672 / tp / kH100Bf16Peak / used;
  const double g = 0.80 * t / (t + 4e-6) * used;
  p.matmul_compute = rows * 2.0 * kLlama70bMatmul / tp / (kH100Bf16Peak * g);
  p.matmul_memory = hbm_time(kLlama70bParameters * weight_bytes / tp, kH100Bandwidth);
  p.attention_compute = rows * 4.0 * 80 * context * 8192 / tp / (kH100Bf16Peak * 0.80 * 0.8);
  p.attention_memory = hbm_time(batch * (context + tokens) * kLlama70bKvPerToken * kv_bytes / tp, kH100Bandwidth);
  if (tp > 1) {
    const double size = rows * 8192 * 2.0;
    const double ring = 2.0 * (tp - 1) / tp * size / (kH100NvlinkPerDirection * 0.78) + 2.0 * (tp - 1) * 3e-6;
    const double tree = 2.0 * size / (kH100NvlinkPerDirection * 0.78) + 2.0 * std::ceil(std::log2(tp)) * 3e-6;
    p.communication = 2.0 * 80 * std::min(ring, tree);
  }
  return p;
}

void check_pass(const hwsim::PhaseTime& got, const HandPass& want) {
  CHECK(got.matmul_compute.value() == Approx(want.matmul_compute).epsilon(kRel));
  CHECK(got.matmul_memory.value() == Approx(want.matmul_memory).epsilon(kRel));
  CHECK(got.attention_compute.value() == Approx(want.attention_compute).epsilon(kRel));
  CHECK(got.attention_memory.value() == Approx(want.attention_memory).epsilon(kRel));
  CHECK(got.compute.value() == Approx(want.compute()).epsilon(kRel));
  CHECK(got.memory.value() == Approx(want.memory()).epsilon(kRel));
  CHECK(got.communication.value() == Approx(want.communication).epsilon(kRel));
  CHECK(got.time.value() == Approx(want.time()).epsilon(kRel));
}

}  // namespace

TEST_CASE("catalog figures the hand-computed inference cases use", "[inference]") {
  const hwsim::Device h100 = modes_system("h100").device;
  CHECK(h100.peak_of(DType::bf16)->value() == Approx(kH100Bf16Peak).epsilon(kRel));
  CHECK(h100.memory_bandwidth.value() == kH100Bandwidth);
  CHECK(h100.scale_up_bandwidth.value() == kH100NvlinkPerDirection);
  CHECK(modes_workload("llama70b-continuous").model.active_matmul_parameters() == kLlama70bMatmul);
  CHECK(kLlama70bMatmul == 68713185280.0);
}

TEST_CASE("batching defaults to continuous, batching: static selects static batches", "[inference]") {
  CHECK(modes_workload("llama70b-continuous").continuous);
  CHECK_FALSE(modes_workload("llama70b-static").continuous);
}

TEST_CASE("continuous batching: TPOT = one iteration = the decode step's op groups plus batch / output prompts' "
          "prefill work, weights read once, + communication + launches",
          "[inference]") {
  const hwsim::System h100 = modes_system("h100");
  InferenceConfig c = modes_workload("llama70b-continuous");  // bf16, tp 4, input 512
  REQUIRE(c.continuous);
  const auto run = [&](int batch, int output) {
    c.batch = batch;
    c.output_tokens = output;
    const double mean_context = 512 + output / 2.0;
    const HandPass decode = llama70b_h100(batch, 1, mean_context, 4, 2, 2);
    const HandPass prompt = llama70b_h100(1, 512, 512 / 2.0, 4, 2, 2);  // one prompt, attending to half of itself
    const double arrivals = static_cast<double>(batch) / output;
    const double tpot =
        std::max(decode.matmul_compute + arrivals * prompt.matmul_compute, decode.matmul_memory) +
        std::max(decode.attention_compute + arrivals * prompt.attention_compute,
                 decode.attention_memory + arrivals * prompt.attention_memory) +
        decode.communication + arrivals * prompt.communication + kLlama70bLaunch;
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    REQUIRE(r.batch == batch);
    REQUIRE(r.replicas == 8 / 4);
    INFO("decode compute " << decode.compute() << " s, memory " << decode.memory() << " s, prompt compute "
                           << prompt.compute() << " s");
    check_pass(r.decode, decode);
    check_pass(r.prefill, prompt);  // continuous: the prefill shown is one lone prompt
    CHECK(r.tpot.value() == Approx(tpot).epsilon(kRel));
    // TTFT = a lone prefill + one iteration.
    CHECK(r.ttft.value() == Approx(prompt.time() + tpot).epsilon(kRel));
    // Throughput = replicas x batch / TPOT (every iteration yields one token per sequence in flight).
    CHECK(r.throughput_tokens_per_s == Approx(2.0 * batch / tpot).epsilon(kRel));
    // Decode tokens/s counts the decode step alone.
    CHECK(r.decode_tokens_per_s == Approx(2.0 * batch / decode.time()).epsilon(kRel));
    return std::pair{r, decode};
  };
  SECTION("batch 8, output 256: 1/32 prompt per iteration, memory bound") {
    const auto [r, decode] = run(8, 256);
    CHECK(decode.matmul_memory > decode.matmul_compute + 8.0 / 256 * r.prefill.matmul_compute.value());
    CHECK(r.memory_busy > r.compute_busy);
  }
  SECTION("batch 64, output 16: 4 prompts per iteration, their compute makes the iteration compute bound") {
    const auto [r, decode] = run(64, 16);
    CHECK(decode.matmul_memory > decode.matmul_compute);  // the decode step alone
    CHECK(decode.matmul_compute + 64.0 / 16 * r.prefill.matmul_compute.value() > decode.matmul_memory);  // iteration
    CHECK(r.tpot > r.decode.time);
    CHECK(r.compute_busy > r.memory_busy);
  }
}

TEST_CASE("static batching: TTFT = prefill of the whole batch, TPOT = a decode step, throughput = replicas x batch x "
          "output / (TTFT + output x TPOT)",
          "[inference]") {
  const hwsim::System h100 = modes_system("h100");
  const InferenceConfig c = modes_workload("llama70b-static");  // bf16, tp 4, batch 8, 512 in, 256 out
  REQUIRE_FALSE(c.continuous);
  const HandPass prefill = llama70b_h100(8, 512, 512 / 2.0, 4, 2, 2);
  const HandPass decode = llama70b_h100(8, 1, 512 + 256 / 2.0, 4, 2, 2);
  const auto r = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(r.fits);
  check_pass(r.prefill, prefill);
  check_pass(r.decode, decode);
  CHECK(r.ttft.value() == Approx(prefill.time()).epsilon(kRel));
  CHECK(r.tpot.value() == Approx(decode.time()).epsilon(kRel));
  CHECK(r.throughput_tokens_per_s ==
        Approx(2.0 * 8 * 256 / (prefill.time() + 256 * decode.time())).epsilon(kRel));
  // The same workload batched continuously waits only for its own prompt.
  InferenceConfig continuous = c;
  continuous.continuous = true;
  CHECK(hwsim::evaluate_inference(continuous, h100, kEff).ttft < r.ttft);
}

TEST_CASE("KV cache holds batch x (input + output / 2) tokens and the workspace max(1, batch / output) prompts with "
          "continuous batching, batch x (input + output) and batch prompts with static batches",
          "[inference]") {
  // Llama 2 70B, fp8 weights and KV cache (1 B), tp 2, 512 in, 256 out, on H100 80 GB (usable 92% of 80 GiB).
  InferenceConfig c = modes_workload("llama70b-continuous");
  c.dtype = DType::fp8;
  c.kv_dtype = DType::fp8;
  c.tp = 2;
  const double weights = kLlama70bParameters * 1;     // 68,976,648,192 B
  const double prompt_workspace = 512.0 * 8 * 8192 * 2;  // 512 tokens x 8 vectors x 8192 hidden x 2 B = 67,108,864
  const double usable = 0.92 * 80 * kGiB;
  const hwsim::System h100 = modes_system("h100");
  SECTION("continuous, batch 512: 512 x 640 tokens, 512 / 256 = 2 prompts") {
    c.batch = 512;
    const double kv = 512.0 * (512 + 128) * kLlama70bKvPerToken * 1;  // 53,687,091,200 B
    const double expected = (weights + kv) / 2 + 2 * prompt_workspace / 2;
    CHECK(expected == 61398978560.0);
    CHECK(hwsim::inference_memory_per_device(c, 512).value() == Approx(expected).epsilon(kRel));
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.memory_per_device.value() == Approx(expected).epsilon(kRel));
  }
  SECTION("continuous, batch 64: 64 / 256 < 1, still one prompt's workspace") {
    const double kv = 64.0 * (512 + 128) * kLlama70bKvPerToken * 1;
    CHECK(hwsim::inference_memory_per_device(c, 64).value() ==
          Approx((weights + kv) / 2 + 1 * prompt_workspace / 2).epsilon(kRel));
  }
  SECTION("static, batch 512: 512 x 768 tokens, 512 prompts, which do not fit") {
    c.continuous = false;
    c.batch = 512;
    const double kv = 512.0 * (512 + 256) * kLlama70bKvPerToken * 1;  // 64,424,509,440 B
    const double expected = (weights + kv) / 2 + 512 * prompt_workspace / 2;
    CHECK(expected == 83880448000.0);
    CHECK(hwsim::inference_memory_per_device(c, 512).value() == Approx(expected).epsilon(kRel));
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    CHECK_FALSE(r.fits);
    CHECK(r.memory_per_device.value() == Approx(expected).epsilon(kRel));
    CHECK_THAT(r.message, Catch::StartsWith(fmt::format("does not fit: batch 512 needs {:.1f} GB per device, {:.1f} GB "
                                                        "usable: short by {:.1f} GB",
                                                        expected / 1e9, usable / 1e9, (expected - usable) / 1e9)));
    CHECK_THAT(r.message, Catch::StartsWith("does not fit: batch 512 needs 83.9 GB per device, 79.0 GB usable: short "
                                            "by 4.9 GB"));
  }
}

TEST_CASE("does-not-fit advice at a batch names the devices and the lower precision that hold that batch, never "
          "fewer devices",
          "[inference]") {
  // Llama 2 70B, fp8 weights and KV cache, static batches of 512 on tp 2 of a DGX H100 need 83.9 GB per GPU
  // (previous case). Per GPU at batch 512, 512 x 768 tokens, 512 prompts of 512 x 8 x 8192 x 2 B:
  //   tp 4, fp8:  (68,976,648,192 + 64,424,509,440) / 4 + 34,359,738,368 / 4 = 41,940,224,000 B (fits)
  //   tp 2, int4: (68,976,648,192 x 0.5 + 64,424,509,440 fp8 KV) / 2 + 34,359,738,368 / 2 = 66,636,285,952 B (fits)
  // int8 is no lower than fp8 (1 B each); tp 1 holds batch 1 but can never hold what tp 2 cannot.
  InferenceConfig c = modes_workload("llama70b-static");
  c.dtype = DType::fp8;
  c.kv_dtype = DType::fp8;
  c.tp = 2;
  c.batch = 512;
  const double usable = 0.92 * 80 * kGiB;
  const double kv = 512.0 * 768 * kLlama70bKvPerToken;
  const double workspace = 512.0 * 512 * 8 * 8192 * 2;
  const double need = (kLlama70bParameters + kv) / 2 + workspace / 2;
  const double tp4 = (kLlama70bParameters + kv) / 4 + workspace / 4;
  const double int4 = (kLlama70bParameters * 0.5 + kv) / 2 + workspace / 2;
  REQUIRE(tp4 == 41940224000.0);
  REQUIRE(int4 == 66636285952.0);
  REQUIRE(tp4 <= usable);
  REQUIRE(int4 <= usable);
  REQUIRE(need > usable);
  CHECK(hwsim::min_devices_to_hold(c, DType::fp8, hwsim::Bytes(80 * kGiB), 512) == 4);
  CHECK(hwsim::min_devices_to_hold(c, DType::fp8, hwsim::Bytes(80 * kGiB)) == 1);  // batch 1
  const auto r = hwsim::evaluate_inference(c, modes_system("h100"), kEff);
  CHECK_FALSE(r.fits);
  CHECK(r.message == fmt::format("does not fit: batch 512 needs {:.1f} GB per device, {:.1f} GB usable: short by "
                                 "{:.1f} GB; 4 devices per replica (tp=4) hold it at fp8; at int4 it fits on tp=2 pp=1",
                                 need / 1e9, usable / 1e9, (need - usable) / 1e9));
}

TEST_CASE("falcon-180b bf16 on 4 x A100 80 GB: the advice names 8 devices (tp=8) at bf16 and fp8 on tp=4, the first "
          "lower precision that fits",
          "[inference]") {
  // Falcon-180B: 179,520,189,440 parameters, 2 x 80 layers x 8 KV heads x 64 = 81,920 KV elements per token, hidden
  // 14848; batch 1, 512 in, 256 out. Per GPU:
  //   need (bf16, tp 4) = (params x 2 + context x 81,920 x 2) / 4 + 512 x 8 x 14848 x 2 / 4
  //   tp 8 at bf16      = (params x 2 + context x 81,920 x 2) / 8 + 512 x 8 x 14848 x 2 / 8   (~44.9 GB, fits)
  //   fp8 on tp 4       = (params x 1 + context x 81,920 x 1) / 4 + 512 x 8 x 14848 x 2 / 4   (~44.9 GB, fits)
  // with context = 512 + 256 for static batches and 512 + 256 / 2 for continuous batching; 79.0 GB usable.
  // The advice prefers a format the device computes natively: int8 on the A100 (it has no fp8 arithmetic; fp8
  // weights would run weight-only with bf16 arithmetic, compute_dtype), which fits as fp8 would (1 byte each).
  const double params = 179520189440.0;
  const double workspace = 512.0 * 8 * 14848 * 2;
  const double usable = 0.92 * 80 * kGiB;
  const hwsim::Scenario& sc = load("falcon-4xa100.yaml");
  const hwsim::System a100x4 = hwsim::build_system(sc, sc.deployments.front());
  REQUIRE(a100x4.devices == 4);
  REQUIRE_FALSE(a100x4.device.peak_of(DType::fp8).has_value());
  REQUIRE(hwsim::compute_dtype(a100x4.device, DType::fp8) == DType::bf16);
  InferenceConfig c = sc.workloads.front().inference;
  REQUIRE(c.model.name == "falcon-180b");
  REQUIRE(c.dtype == DType::bf16);
  const auto message = [&](double context) {
    const double need = (params * 2 + context * 81920 * 2) / 4 + workspace / 4;
    const double tp8 = (params * 2 + context * 81920 * 2) / 8 + workspace / 8;
    const double int8 = (params * 1 + context * 81920 * 1) / 4 + workspace / 4;
    REQUIRE(need > usable);
    REQUIRE(tp8 <= usable);
    REQUIRE(int8 <= usable);
    return fmt::format("does not fit: falcon-180b at bf16 needs {:.1f} GB per device with tp=4 pp=1 (batch 1), {:.1f} "
                       "GB usable: short by {:.1f} GB; 8 devices per replica (tp=8) hold it at bf16; at int8 it fits "
                       "on tp=4 pp=1",
                       need / 1e9, usable / 1e9, (need - usable) / 1e9);
  };
  SECTION("static batches (the fixture), through the scenario") {
    REQUIRE_FALSE(c.continuous);
    const hwsim::Evaluation ev = hwsim::evaluate(sc, kEff);
    REQUIRE(ev.results.front().workload == "falcon-bf16");
    CHECK(ev.results.front().message == message(512 + 256));
    CHECK(ev.results.front().message ==
          "does not fit: falcon-180b at bf16 needs 89.8 GB per device with tp=4 pp=1 (batch 1), 79.0 GB usable: short "
          "by 10.8 GB; 8 devices per replica (tp=8) hold it at bf16; at int8 it fits on tp=4 pp=1");
  }
  SECTION("continuous batching") {
    c.continuous = true;
    const auto r = hwsim::evaluate_inference(c, a100x4, kEff);
    CHECK_FALSE(r.fits);
    CHECK(r.message == message(512 + 128));
  }
}

namespace {
// Altra Q80-30 socket (hwmodels/catalog/cpus/altra-q80-30.yaml): int8 peak = 80 cores x 16 lanes (128-bit) x 2 FMA
// units x 2 x 3.0 GHz; DDR4 204.8 GB/s. Default CPU efficiencies: 0.50 compute ceiling with a 20 us half point,
// 0.80 memory plateau with half at 256 KiB, 2 us per parallel region.
constexpr double kAltraInt8Peak = 80.0 * 16 * 2 * 2 * 3.0e9;  // 15.36 TOP/s
constexpr double kAltraBandwidth = 204.8e9;
// Llama 2 7B (multi-head attention): 6,738,415,616 parameters, 2 x 32 layers x 4096 = 262,144 KV elements per token,
// 32 x (4 x 4096^2 + 3 x 4096 x 11008) + 32000 x 4096 weights multiplied per token.
constexpr double kLlama7bParameters = 6738415616.0;
constexpr double kLlama7bKvPerToken = 2.0 * 32 * 4096;
constexpr double kLlama7bMatmul = 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) + 32000.0 * 4096;
// CPU fork/join per operation: 30 ns x 80 cores on the whole Altra socket, x the replica's share of it; 12 operations x
// 32 layers per pass.
double llama7b_cpu_launch(double share) { return 12.0 * 32 * 30e-9 * 80 * share; }
// A Llama 2 7B decode step (batch 1, mean context 640, int8 weights and KV) on `share` of an Altra Q80-30 socket's
// compute and 1 / k of its bandwidth, by the contract of sim/infer/inference.hpp with the default CPU efficiencies
// (int8 ceiling 0.35, thin(d) = d / (d + 20), no size ramp, DDR 0.80 x bytes / (bytes + 256 KiB)).
struct CpuStep {
  double matmul_compute, matmul_memory, attention_compute, attention_memory;
  [[nodiscard]] double compute() const { return matmul_compute + attention_compute; }
  [[nodiscard]] double memory() const { return matmul_memory + attention_memory; }
};
CpuStep llama7b_altra_step(double share, int k) {
  const auto thin = [](double d) { return d / (d + 20.0); };
  const auto ddr = [&](double bytes) {
    return bytes / (kAltraBandwidth / k * 0.80 * bytes / (bytes + 256.0 * 1024));
  };
  CpuStep c{};
  c.matmul_compute = 2 * kLlama7bMatmul / (kAltraInt8Peak * share * 0.35 * thin(1) * thin(11008) * thin(4096));
  c.attention_compute = 4.0 * 32 * 640 * 4096 / (kAltraInt8Peak * share * 0.35 * 0.8);
  c.matmul_memory = ddr(kLlama7bParameters);
  c.attention_memory = ddr(641 * kLlama7bKvPerToken);
  return c;
}
}  // namespace

TEST_CASE("k CPU replicas on one socket each get peak / k and bandwidth / k: a memory-bound decode step takes k times "
          "longer, aggregate decode tokens/s stays, memory per socket is k x one replica's",
          "[inference]") {
  const hwsim::System altra = modes_system("altra");
  REQUIRE(altra.devices == 1);
  REQUIRE(altra.device.cores == 80);
  REQUIRE(altra.device.peak_of(DType::int8)->value() == Approx(kAltraInt8Peak).epsilon(kRel));
  REQUIRE(altra.device.memory_bandwidth.value() == kAltraBandwidth);
  InferenceConfig four = modes_workload("llama7b-int8-4-replicas");  // int8, batch 1, 512 in, 256 out
  REQUIRE(four.model.active_matmul_parameters() == kLlama7bMatmul);
  InferenceConfig one = four;
  one.replicas = 1;
  // Decode at batch 1, mean context 512 + 128: weights + 641 tokens of int8 KV. Each of k replicas gets 1 / k of the
  // socket's compute and bandwidth, and its fork/join spans its 1 / k of the cores.
  const CpuStep one_step = llama7b_altra_step(1.0, 1);
  const CpuStep four_step = llama7b_altra_step(1.0 / 4, 4);
  const auto r1 = hwsim::evaluate_inference(one, altra, kEff);
  const auto r4 = hwsim::evaluate_inference(four, altra, kEff);
  REQUIRE(r1.fits);
  REQUIRE(r4.fits);
  CHECK(r1.replicas_per_device == 1);
  CHECK(r4.replicas == 4);
  CHECK(r4.replicas_per_device == 4);
  CHECK(r1.decode.memory.value() == Approx(one_step.memory()).epsilon(kRel));
  CHECK(r4.decode.memory.value() == Approx(four_step.memory()).epsilon(kRel));
  CHECK(r4.decode.memory.value() == Approx(4 * r1.decode.memory.value()).epsilon(kRel));
  CHECK(r1.decode.compute.value() == Approx(one_step.compute()).epsilon(kRel));
  CHECK(r4.decode.compute.value() == Approx(four_step.compute()).epsilon(kRel));
  CHECK(r4.decode.compute.value() == Approx(4 * r1.decode.compute.value()).epsilon(kRel));
  // llama.cpp-class int8 products at batch 1 are bound by the per-weight work, not by DDR (validation: Q4 and Q8
  // Llama 3.2 3B decode at nearly the same rate on Altra); attention stays memory bound.
  REQUIRE(r4.decode.matmul_compute > r4.decode.matmul_memory);
  REQUIRE(r4.decode.attention_memory > r4.decode.attention_compute);
  const double step4 = four_step.matmul_compute + four_step.attention_memory + llama7b_cpu_launch(1.0 / 4);
  CHECK(r4.decode.time.value() == Approx(step4).epsilon(kRel));
  // Aggregate decode tokens/s: 4 / (4 x s + launch / 4) against 1 / (s + launch): the lone replica's wider fork/join
  // (0.92 ms against 0.23 ms, s ~ 52 ms) costs it ~1.7%.
  CHECK(r4.decode_tokens_per_s == Approx(4 / step4).epsilon(kRel));
  CHECK(r4.decode_tokens_per_s > r1.decode_tokens_per_s);
  CHECK(r4.decode_tokens_per_s == Approx(r1.decode_tokens_per_s).epsilon(0.02));
  // One replica: int8 weights + 640 tokens of int8 KV + one prompt's workspace (512 x 8 x 4096 x 2 B).
  const double replica_bytes = kLlama7bParameters + 640 * kLlama7bKvPerToken + 512.0 * 8 * 4096 * 2;
  CHECK(replica_bytes == 6939742208.0);
  CHECK(r1.memory_per_device.value() == Approx(replica_bytes).epsilon(kRel));
  CHECK(r4.memory_per_device.value() == Approx(4 * replica_bytes).epsilon(kRel));
}

TEST_CASE("threads cap a CPU replica's compute share at threads / cores, below its 1 / k share of the socket",
          "[inference]") {
  const hwsim::System altra = modes_system("altra");
  const InferenceConfig ten = modes_workload("llama7b-int8-10-threads");  // 4 replicas, 10 threads each
  REQUIRE(ten.threads == 10);
  const auto compute_s = [&](double share) { return llama7b_altra_step(share, 4).compute(); };
  const auto shared = hwsim::evaluate_inference(modes_workload("llama7b-int8-4-replicas"), altra, kEff);
  const auto r = hwsim::evaluate_inference(ten, altra, kEff);
  REQUIRE(r.fits);
  // min(1/4, 10/80) = 1/8: compute twice as long as with the replica's quarter; bandwidth stays a quarter.
  CHECK(r.decode.compute.value() == Approx(compute_s(10.0 / 80)).epsilon(kRel));
  CHECK(r.decode.compute.value() == Approx(2 * shared.decode.compute.value()).epsilon(kRel));
  CHECK(r.decode.memory.value() == Approx(shared.decode.memory.value()).epsilon(kRel));
  // 40 threads (40/80 = 1/2) do not raise a quarter share.
  InferenceConfig forty = ten;
  forty.threads = 40;
  CHECK(hwsim::evaluate_inference(forty, altra, kEff).decode.compute.value() ==
        Approx(compute_s(1.0 / 4)).epsilon(kRel));
  // A lone replica with 10 threads: 10/80 of the socket.
  InferenceConfig lone = ten;
  lone.replicas = 1;
  CHECK(hwsim::evaluate_inference(lone, altra, kEff).decode.compute.value() ==
        Approx(compute_s(10.0 / 80)).epsilon(kRel));
  // Through the scenario: the breakdown shows the doubled decode compute.
  const hwsim::Result& capped = modes_result("altra", "llama7b-int8-10-threads");
  const hwsim::Result& uncapped = modes_result("altra", "llama7b-int8-4-replicas");
  REQUIRE(capped.fits);
  REQUIRE(uncapped.fits);
  const auto decode_compute = [](const hwsim::Result& x) {
    for (const auto& m : x.breakdown) {
      if (m.key == "decode_compute_s") return m.value;
    }
    FAIL("no decode_compute_s");
    return 0.0;
  };
  CHECK(decode_compute(capped) == Approx(2 * decode_compute(uncapped)).epsilon(kRel));
}

TEST_CASE("GPU replicas cannot exceed devices / (tp x pp), CPU replicas can share a socket", "[inference]") {
  for (const char* gpus : {"h100", "a100"}) {
    INFO(gpus);
    const hwsim::Result& over = modes_result(gpus, "llama70b-3-replicas");
    CHECK_FALSE(over.fits);
    CHECK(over.message ==
          "3 replicas x 4 devices each exceed the deployment's 8 devices (only CPU replicas share a device)");
    CHECK_FALSE(over.metric("throughput_tokens_per_s").has_value());
  }
  const hwsim::Result& full = modes_result("h100", "llama70b-2-replicas");  // 2 x 4 = 8 GPUs
  REQUIRE(full.fits);
  CHECK(*full.metric("replicas") == 2);
  const hwsim::Result& gpu_tp1 = modes_result("h100", "llama7b-int8-4-replicas");  // 4 x 1 of 8 GPUs
  REQUIRE(gpu_tp1.fits);
  CHECK(*gpu_tp1.metric("replicas") == 4);
  // One socket, tp 1: devices / (tp x pp) = 1, yet 4 replicas run, holding 4 x 6,939,742,208 B.
  const hwsim::Result& cpu = modes_result("altra", "llama7b-int8-4-replicas");
  REQUIRE(cpu.fits);
  CHECK(*cpu.metric("devices") == 1);
  CHECK(*cpu.metric("replicas") == 4);
  CHECK(*cpu.metric("memory_per_device_bytes") == Approx(4 * 6939742208.0).epsilon(kRel));
}

namespace {
// A100 SXM4 (hwmodels/catalog/gpus/a100-sxm4-40gb.yaml): int8 peak = 108 SM x 4 TC x 1024 OP x 1.41 GHz; HBM2
// 1555 GB/s.
constexpr double kA100Int8Peak = 108.0 * 4 * 1024 * 1.41e9;  // 623.7 TOP/s
constexpr double kA100Bandwidth = 1555e9;
}  // namespace

TEST_CASE("crossover_batch: the decode step's weight products at crossover_batch are compute bound and at "
          "crossover_batch - 1 memory bound",
          "[inference]") {
  // Llama 2 7B (MHA) at int8 on an A100, 32 in, 32 out. The weight products of a decode step at batch b take
  //   compute(b) = b x 2 x matmul weights / (peak x g(b)),  g(b) = 0.72 x u x t / (t + 4 us),
  //                u = thin(b) x thin(11008) x thin(4096), thin(d) = d / (d + 16), t = 2 b x 4096 x 11008 / peak / u
  //   memory     = weights / (1555 GB/s x 0.88 x weights / (weights + 256 KiB))
  // and the crossover is the smallest b (among those that fit) with compute(b) >= memory.
  const hwsim::System a100 = modes_system("a100");
  REQUIRE(a100.device.peak_of(DType::int8)->value() == Approx(kA100Int8Peak).epsilon(kRel));
  REQUIRE(a100.device.memory_bandwidth.value() == kA100Bandwidth);
  InferenceConfig c = modes_workload("llama7b-int8-short");
  const auto thin = [](double d) { return d / (d + 16.0); };
  const auto compute_s = [&](int b) {
    const double used = thin(b) * thin(11008) * thin(4096);
    const double t = 2.0 * b * 4096 * 11008 / kA100Int8Peak / used;
    return b * 2 * kLlama7bMatmul / (kA100Int8Peak * 0.72 * used * t / (t + 4e-6));
  };
  const double memory_s = hbm_time(kLlama7bParameters, kA100Bandwidth);  // ~4.9 ms
  int by_hand = 1;
  while (compute_s(by_hand) < memory_s) ++by_hand;
  INFO("crossover by hand " << by_hand);
  const auto r = hwsim::evaluate_inference(c, a100, kEff);
  REQUIRE(r.fits);
  CHECK(r.crossover_batch == by_hand);
  REQUIRE(r.crossover_batch > 1);
  c.batch = r.crossover_batch;
  const auto at = hwsim::evaluate_inference(c, a100, kEff);
  REQUIRE(at.fits);
  CHECK(at.decode.matmul_compute.value() == Approx(compute_s(by_hand)).epsilon(kRel));
  CHECK(at.decode.matmul_memory.value() == Approx(memory_s).epsilon(kRel));
  CHECK(at.decode.matmul_compute >= at.decode.matmul_memory);
  c.batch = r.crossover_batch - 1;
  const auto below = hwsim::evaluate_inference(c, a100, kEff);
  REQUIRE(below.fits);
  CHECK(below.decode.matmul_compute < below.decode.matmul_memory);
  // The scenario reports it as a metric.
  const hwsim::Result& result = modes_result("a100", "llama7b-int8-short");
  REQUIRE(result.metric("crossover_batch").has_value());
  CHECK(*result.metric("crossover_batch") == r.crossover_batch);
}

TEST_CASE("crossover_batch 0 (metric absent) when the weight products stay memory bound up to the largest batch "
          "that fits: long-context GQA",
          "[inference]") {
  // Llama 2 70B bf16, tp 4 on H100, 3072 in, 1024 out: each sequence holds ~3584 tokens of KV cache (293 MB per GPU),
  // so memory holds ~130 sequences, while the weight products would need a few hundred rows to become compute bound.
  const InferenceConfig c = modes_workload("llama70b-long");
  const auto r = hwsim::evaluate_inference(c, modes_system("h100"), kEff);
  REQUIRE(r.fits);
  CHECK(r.crossover_batch == 0);
  // Without an SLA the batch is the largest that fits; its weight products are still memory bound.
  InferenceConfig largest = c;
  largest.batch.reset();
  const auto at = hwsim::evaluate_inference(largest, modes_system("h100"), kEff);
  REQUIRE(at.fits);
  INFO("largest batch " << at.batch);
  CHECK(at.batch > 1);
  CHECK(at.decode.matmul_memory > at.decode.matmul_compute);
  CHECK(at.decode.memory > at.decode.compute);
  const hwsim::Result& result = modes_result("h100", "llama70b-long");
  REQUIRE(result.fits);
  CHECK_FALSE(result.metric("crossover_batch").has_value());
}

TEST_CASE("bits_per_weight sets the stored bytes per weight, kv_reads per_query_head reads the KV cache heads / kv_heads "
          "times, max_batch caps batch auto",
          "[inference]") {
  const hwsim::System h100 = system_of("h100");
  SECTION("GGUF-like 8.5 bits per weight: weights of 1.0625 B each in memory and in every decode step") {
    InferenceConfig c = workload("llama70b-tp1-int8");
    const auto plain = hwsim::evaluate_inference(c, h100, kEff);
    c.bits_per_weight = 8.5;
    const auto blocked = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(plain.fits);
    REQUIRE(blocked.fits);
    CHECK(blocked.memory_per_device.value() - plain.memory_per_device.value() ==
          Approx(kLlama70bParameters * 0.0625).epsilon(1e-9));
    CHECK(blocked.decode.matmul_memory.value() == Approx(hbm_time(kLlama70bParameters * 1.0625, 3.35e12)).epsilon(kRel));
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
    InferenceConfig c = workload("llama70b-tp4");
    c.batch.reset();
    const auto unlimited = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(unlimited.batch > 5);
    c.max_batch = 5;
    const auto capped = hwsim::evaluate_inference(c, h100, kEff);
    CHECK(capped.batch == 5);
  }
}
