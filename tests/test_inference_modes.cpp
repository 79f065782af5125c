// Inference batching modes, replicas and advice (sim/infer/inference): continuous batching (TPOT = one iteration of
// the decode step plus batch / output prompts' prefill) and static batches (TTFT = the batch's prefill); the KV cache
// and workspace each mode holds; k CPU replicas share a socket's compute and bandwidth, threads cap a replica's share;
// GPU replicas cannot share a device; crossover_batch, the batch from which the weight products are compute bound;
// does-not-fit advice naming the devices or the lower precision that hold a batch.
// Fixtures: tests/fixtures/scenarios/inference_modes.yaml (DGX H100, DGX A100 40 GB, Altra server) and
// falcon-4xa100.yaml (Falcon-180B on 4 of a DGX A100 80 GB's GPUs, tp 4). Test names avoid ';': catch_discover_tests
// splits a name at ';' into two ctest tests that match nothing and pass without running.
// Efficiencies: kFigures (tests/support/inference_cases.hpp, a FixedEfficiency), stated there so the expected times
// follow from them; the documented defaults are tested in test_efficiency.cpp.
// Tolerances: 1e-12 relative where the test evaluates the code's formula by hand (only rounding differs).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "sim/infer/inference.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support.hpp"
#include "tests/support/inference_cases.hpp"

using hwsim::DType;
using hwsim::InferenceConfig;
using namespace hwsim::test::inference;

namespace {

const hwsim::Scenario& modes() { return load("inference_modes.yaml"); }

InferenceConfig modes_workload(const std::string& name) { return workload_in("inference_modes.yaml", name); }

hwsim::System modes_system(const std::string& deployment) {
  for (const auto& d : modes().deployments) {
    if (d.name == deployment) return hwsim::build_system(modes(), d);
  }
  FAIL("no deployment " << deployment);
  return {};
}

const hwsim::Result& modes_result(const std::string& deployment, const std::string& workload) {
  static const hwsim::Evaluation ev = hwsim::evaluate(modes(), kEff);
  return hwsim::test::result_of(ev, deployment, workload);
}

// H100 SXM5 (hwmodels/catalog/gpus/h100-sxm5-80gb.yaml): dense bf16 peak = 132 SM x 4 TC x 1024 FLOP x 1.83 GHz.
constexpr double kH100Bf16Peak = 132.0 * 4 * 1024 * 1.83e9;  // 989.4 TFLOP/s
constexpr double kH100Bandwidth = 3.35e12;                   // HBM3, B/s
constexpr double kH100NvlinkPerDirection = 450e9;            // DGX H100 NVSwitch, per GPU per direction
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
  double elementwise = 0;
  [[nodiscard]] double compute() const { return matmul_compute + attention_compute; }
  [[nodiscard]] double memory() const { return matmul_memory + attention_memory + elementwise; }
  [[nodiscard]] double time() const {
    return std::max(matmul_compute, matmul_memory) + std::max(attention_compute, attention_memory) + elementwise +
           communication + kLlama70bLaunch;
  }
};

// One forward pass of Llama 2 70B on DGX H100 GPUs by the contract of sim/infer/inference.hpp, tensor parallel
// over `tp` GPUs of one node (pp 1), written out from the catalog figures and kFigures, op group by op group
// (rows = batch x tokens):
//   matmul compute    = rows x 2 x matmul weights / tp / (peak x gemm x thin(rows) x thin(28672 / tp) x thin(8192))
//                       (the MLP's (rows x 8192) . (8192 x 28672 / tp) product stands for the pass's products)
//   matmul memory     = weights streamed / tp / (3.35 TB/s x memory): all but the 32,000 x 8192 embedding table
//                       (its rows are gathered), at weight B, with the output layer in 16 bits when weight B < 2
//                       (serving checkpoints quantise the blocks only)
//   attention compute = rows x 4 x 80 layers x context x 8192 / tp / (peak x attention_forward)
//   attention memory  = batch x (context + tokens) x 163,840 KV elements x KV B / tp / (3.35 TB/s x memory)
//   communication = 2 x 80 all-reduces of rows x 8192 x 2 B over tp GPUs, each the faster of
//                   ring: 2 (tp - 1) / tp x size / (450 GB/s x link_scale_up) + 2 (tp - 1) x latency_scale_up
//                   tree: 2 x size / (450 GB/s x link_scale_up) + 2 x ceil(log2 tp) x latency_scale_up
//   element-wise     = rows x 80 layers x bytes per layer and token / tp / (3.35 TB/s x memory), bytes per layer
//                      and token = 2 (6 + g) h + 2 (h + 2 kv) + 2h + 2 kv x KV B + 2 x 2 ffn + g x ffn (+ 3h when
//                      g = 1), g = the GEMM inputs' bytes (1 for fp8/int8, 2 for bf16)
//   time = max(matmul compute, matmul memory) + max(attention compute, attention memory) + element-wise +
//          communication + launches
HandPass llama70b_h100(int batch, double tokens, double context, int tp, double weight_bytes, double kv_bytes) {
  HandPass p;
  const double rows = batch * tokens;
  const double gemm = kFigures.gemm * thin(rows) * thin(28672.0 / tp) * thin(8192);
  p.matmul_compute = rows * 2.0 * kLlama70bMatmul / tp / (kH100Bf16Peak * gemm);
  const double streamed = weight_bytes < 2
                              ? (kLlama70bParameters - 2 * kLlama70bEmbedding) * weight_bytes + kLlama70bEmbedding * 2
                              : (kLlama70bParameters - kLlama70bEmbedding) * weight_bytes;
  p.matmul_memory = hbm_time(streamed / tp, kH100Bandwidth);
  p.attention_compute = rows * 4.0 * 80 * context * 8192 / tp / (kH100Bf16Peak * kFigures.attention_forward);
  p.attention_memory = hbm_time(batch * (context + tokens) * kLlama70bKvPerToken * kv_bytes / tp, kH100Bandwidth);
  const double g = std::min(2.0, weight_bytes);
  const double per_layer = 2.0 * (6 + g) * 8192 + 2.0 * (8192 + 2 * 1024) + 2.0 * 8192 + 2.0 * 1024 * kv_bytes +
                           2.0 * 2 * 28672 + g * 28672 + (g < 2 ? 3.0 * 8192 : 0.0);
  p.elementwise = hbm_time(rows * 80 * per_layer / tp, kH100Bandwidth);
  if (tp > 1) {
    const double size = rows * 8192 * 2.0;
    const double link = kH100NvlinkPerDirection * kFigures.link_scale_up;
    const double step = kFigures.latency_scale_up.value();
    const double ring = 2.0 * (tp - 1) / tp * size / link + 2.0 * (tp - 1) * step;
    const double tree = 2.0 * size / link + 2.0 * std::ceil(std::log2(tp)) * step;
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

TEST_CASE(
    "continuous batching: TPOT = one iteration = the decode step's op groups plus batch / output prompts' "
    "prefill work, weights read once, + the all-reduces of the step's packed tokens + launches",
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
    // The all-reduces run once over the step's packed rows: the decode's batch and the arriving prompts' tokens.
    const double packed = llama70b_h100(1, batch + arrivals * 512, 0, 4, 2, 2).communication;
    // A whole prompt or more per iteration: one latency per all-reduce, not one per prompt.
    if (arrivals >= 1) CHECK(packed < decode.communication + arrivals * prompt.communication);
    const double tpot = std::max(decode.matmul_compute + arrivals * prompt.matmul_compute, decode.matmul_memory) +
                        std::max(decode.attention_compute + arrivals * prompt.attention_compute,
                                 decode.attention_memory + arrivals * prompt.attention_memory) +
                        decode.elementwise + arrivals * prompt.elementwise + packed + kLlama70bLaunch;
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

TEST_CASE(
    "static batching: TTFT = prefill of the whole batch, TPOT = a decode step, throughput = replicas x batch x "
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
  CHECK(r.throughput_tokens_per_s == Approx(2.0 * 8 * 256 / (prefill.time() + 256 * decode.time())).epsilon(kRel));
  // The same workload batched continuously waits only for its own prompt.
  InferenceConfig continuous = c;
  continuous.continuous = true;
  CHECK(hwsim::evaluate_inference(continuous, h100, kEff).ttft < r.ttft);
}

TEST_CASE(
    "KV cache holds batch x (input + output / 2) tokens (vLLM) or batch x (input + output) (TensorRT-LLM) and the "
    "workspace max(1, batch / output) prompts with continuous batching, batch x (input + output) and batch prompts "
    "with static batches",
    "[inference]") {
  // Llama 2 70B, fp8 weights and KV cache (1 B), tp 2, 512 in, 256 out, on H100 80 GB (usable: 80 GiB less 4 GB).
  // vLLM allocates KV blocks as tokens arrive (the mean context); TensorRT-LLM reserves input + output per request.
  // Both keep the 32,000 x 8192 embedding table and output layer in 16 bits: weights P + 2 x 262,144,000 B.
  InferenceConfig c = modes_workload("llama70b-continuous");
  c.engine = hwsim::Engine::vllm;
  c.dtype = DType::fp8;
  c.kv_dtype = DType::fp8;
  c.tp = 2;
  const double weights = kLlama70bParameters + 2 * kLlama70bEmbedding;  // 69,500,936,192 B
  const double prompt_workspace = 512.0 * 8 * 8192 * 2;  // 512 tokens x 8 vectors x 8192 hidden x 2 B = 67,108,864
  const double usable = 80 * kGiB - 4e9;                 // Device::usable_memory
  const hwsim::System h100 = modes_system("h100");
  SECTION("continuous, batch 512: 512 x 640 tokens, 512 / 256 = 2 prompts") {
    c.batch = 512;
    const double kv = 512.0 * (512 + 128) * kLlama70bKvPerToken * 1;  // 53,687,091,200 B
    const double expected = (weights + kv) / 2 + 2 * prompt_workspace / 2;
    CHECK(expected == 61661122560.0);
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
  SECTION("continuous on TensorRT-LLM (the GPU default), batch 512: 512 x 768 tokens reserved, 2 prompts") {
    c.engine = hwsim::Engine::tensorrt_llm;
    c.batch = 512;
    const double kv = 512.0 * (512 + 256) * kLlama70bKvPerToken * 1;
    const double expected = (weights + kv) / 2 + 2 * prompt_workspace / 2;
    CHECK(hwsim::inference_memory_per_device(c, 512).value() == Approx(expected).epsilon(kRel));
    c.engine = hwsim::Engine::automatic;
    CHECK(hwsim::evaluate_inference(c, h100, kEff).memory_per_device.value() == Approx(expected).epsilon(kRel));
  }
  SECTION("static, batch 512: 512 x 768 tokens, 512 prompts, which do not fit") {
    c.continuous = false;
    c.batch = 512;
    const double kv = 512.0 * (512 + 256) * kLlama70bKvPerToken * 1;  // 64,424,509,440 B
    const double expected = (weights + kv) / 2 + 512 * prompt_workspace / 2;
    CHECK(expected == 84142592000.0);
    CHECK(hwsim::inference_memory_per_device(c, 512).value() == Approx(expected).epsilon(kRel));
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    CHECK_FALSE(r.fits);
    CHECK(r.memory_per_device.value() == Approx(expected).epsilon(kRel));
    CHECK_THAT(r.message, Catch::StartsWith(fmt::format("does not fit: batch 512 needs {:.1f} GB per device, {:.1f} GB "
                                                        "usable: short by {:.1f} GB",
                                                        expected / 1e9, usable / 1e9, (expected - usable) / 1e9)));
    CHECK_THAT(r.message, Catch::StartsWith("does not fit: batch 512 needs 84.1 GB per device, 81.9 GB usable: short "
                                            "by 2.2 GB"));
  }
}

TEST_CASE(
    "the paged KV cache's share caps a continuous batch: TensorRT-LLM's of the memory left after the weights and "
    "workspace, vLLM's of the device's memory for all it holds",
    "[inference]") {
  // Llama 2 70B, fp8 weights and KV cache, tp 2, 512 in, 256 out, batch auto on an H100 80 GB (as the previous case).
  InferenceConfig c = modes_workload("llama70b-continuous");
  c.dtype = DType::fp8;
  c.kv_dtype = DType::fp8;
  c.tp = 2;
  c.batch.reset();
  const hwsim::System h100 = modes_system("h100");
  const double weights = kLlama70bParameters + 2 * kLlama70bEmbedding;
  const double prompt_workspace = 512.0 * 8 * 8192 * 2;
  const double usable = 80 * kGiB - 4e9;
  const auto fixed = [&](int b) { return weights / 2 + std::max(1.0, b / 256.0) * prompt_workspace / 2; };
  // The largest batch (up to 4096, batch: auto's limit) that passes `holds`.
  const auto largest = [](const auto& holds) {
    int best = 0;
    for (int b = 1; b <= 4096; ++b) {
      if (holds(b)) best = b;
    }
    return best;
  };
  SECTION("TensorRT-LLM: 0.9 of the memory left after the weights and workspace, input + output reserved") {
    c.engine = hwsim::Engine::tensorrt_llm;
    const auto kv = [&](int b) { return b * 768.0 * kLlama70bKvPerToken / 2; };
    CHECK(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::gpu) == 0.9);
    const int want = largest([&](int b) { return kv(b) <= 0.9 * (usable - fixed(b)); });
    const int whole = largest([&](int b) { return fixed(b) + kv(b) <= usable; });
    REQUIRE(want > 0);
    CHECK(want < whole);
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    REQUIRE(r.fits);
    CHECK(r.batch == want);
    CHECK(r.memory_per_device.value() == Approx(fixed(want) + kv(want)).epsilon(kRel));
    c.kv_cache_share = 1.0;  // the whole of what is left: the usable memory binds
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == whole);
  }
  SECTION("vLLM: everything within 0.92 of the device's 80 GiB, the 4 GB outside its tensors included") {
    c.engine = hwsim::Engine::vllm;
    const auto kv = [&](int b) { return b * 640.0 * kLlama70bKvPerToken / 2; };
    CHECK(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::gpu) == 0.92);
    const auto within = [&](double share) {
      return largest([&](int b) { return fixed(b) + kv(b) <= usable - (1 - share) * 80 * kGiB; });
    };
    REQUIRE(within(0.92) > 0);
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == within(0.92));
    c.kv_cache_share = 0.8;
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == within(0.8));
    CHECK(within(0.8) < within(0.92));
    c.kv_cache_share = 1.0;  // all of it: the usable memory
    CHECK(hwsim::evaluate_inference(c, h100, kEff).batch == largest([&](int b) { return fixed(b) + kv(b) <= usable; }));
  }
  SECTION("a batch the share cannot hold: the message gives the share's limit and names it") {
    c.engine = hwsim::Engine::vllm;
    c.kv_cache_share = 0.6;
    c.batch = 256;
    const double need = fixed(256) + 256 * 640.0 * kLlama70bKvPerToken / 2;
    const double limit = usable - 0.4 * 80 * kGiB;
    REQUIRE(need > limit);
    REQUIRE(need <= usable);
    const auto r = hwsim::evaluate_inference(c, h100, kEff);
    CHECK_FALSE(r.fits);
    CHECK_THAT(r.message, Catch::StartsWith(fmt::format("does not fit: batch 256 needs {:.1f} GB per device, {:.1f} GB "
                                                        "usable with vllm's kv_cache_share 0.6: short by {:.1f} GB",
                                                        need / 1e9, limit / 1e9, (need - limit) / 1e9)));
  }
  SECTION("a stated share that does not apply is said so") {
    c.engine = hwsim::Engine::automatic;  // llama.cpp on a CPU
    c.kv_cache_share = 0.5;
    c.dtype = DType::int8;
    c.kv_dtype = DType::bf16;
    c.tp = 1;
    c.model = modes_workload("llama70b-continuous").model;
    const auto r = hwsim::evaluate_inference(c, modes_system("altra"), kEff);
    CHECK(r.message == "kv_cache_share 0.5 does not apply: a CPU runtime (llama.cpp) sizes its KV cache itself");
  }
  SECTION("no share with static batches, on CPUs, with llama.cpp or an unresolved engine") {
    c.engine = hwsim::Engine::tensorrt_llm;
    CHECK_FALSE(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::cpu));
    c.continuous = false;
    CHECK_FALSE(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::gpu));
    c.continuous = true;
    c.engine = hwsim::Engine::llama_cpp;
    CHECK_FALSE(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::gpu));
    c.engine = hwsim::Engine::automatic;
    CHECK_FALSE(hwsim::kv_cache_share_of(c, hwsim::DeviceKind::gpu));
  }
}

TEST_CASE(
    "does-not-fit advice at a batch names the devices and the lower precision that hold that batch, never "
    "fewer devices",
    "[inference]") {
  // Llama 2 70B, fp8 weights and KV cache, static batches of 512 on tp 2 of a DGX H100 need 84.1 GB per GPU
  // (previous case). Per GPU at batch 512, 512 x 768 tokens, 512 prompts of 512 x 8 x 8192 x 2 B, the embedding
  // table and output layer (E = 262,144,000 weights each) in 16 bits:
  //   tp 4, fp8:  (68,976,648,192 + 2E + 64,424,509,440) / 4 + 34,359,738,368 / 4 = 42,071,296,000 B (fits)
  //   tp 2, int4: ((68,976,648,192 - 2E) x 0.5 + 4E + 64,424,509,440 fp8 KV) / 2 + 34,359,738,368 / 2
  //               = 67,029,501,952 B (fits)
  // int8 is no lower than fp8 (1 B each); tp 1 holds batch 1 but can never hold what tp 2 cannot.
  InferenceConfig c = modes_workload("llama70b-static");
  c.dtype = DType::fp8;
  c.kv_dtype = DType::fp8;
  c.tp = 2;
  c.batch = 512;
  c.engine = hwsim::Engine::tensorrt_llm;  // as evaluate_inference resolves `auto` on a GPU
  const double usable = 80 * kGiB - 4e9;   // Device::usable_memory
  const double kv = 512.0 * 768 * kLlama70bKvPerToken;
  const double workspace = 512.0 * 512 * 8 * 8192 * 2;
  const double fp8_weights = kLlama70bParameters + 2 * kLlama70bEmbedding;
  const double int4_weights = (kLlama70bParameters - 2 * kLlama70bEmbedding) * 0.5 + 4 * kLlama70bEmbedding;
  const double need = (fp8_weights + kv) / 2 + workspace / 2;
  const double tp4 = (fp8_weights + kv) / 4 + workspace / 4;
  const double int4 = (int4_weights + kv) / 2 + workspace / 2;
  REQUIRE(tp4 == 42071296000.0);
  REQUIRE(int4 == 67029501952.0);
  REQUIRE(tp4 <= usable);
  REQUIRE(int4 <= usable);
  REQUIRE(need > usable);
  const hwsim::Device h100 = modes_system("h100").device;  // static batches: no KV cache share
  CHECK(hwsim::min_devices_to_hold(c, DType::fp8, h100, 512) == 4);
  CHECK(hwsim::min_devices_to_hold(c, DType::fp8, h100) == 1);  // batch 1
  const auto r = hwsim::evaluate_inference(c, modes_system("h100"), kEff);
  CHECK_FALSE(r.fits);
  CHECK(r.message == fmt::format("does not fit: batch 512 needs {:.1f} GB per device, {:.1f} GB usable: short by "
                                 "{:.1f} GB; 4 devices per replica (tp=4) hold it at fp8; at int4 it fits on tp=2 pp=1",
                                 need / 1e9, usable / 1e9, (need - usable) / 1e9));
}

TEST_CASE(
    "falcon-180b bf16 on 4 x A100 80 GB: the advice names 8 devices (tp=8) at bf16 and fp8 on tp=4, the first "
    "lower precision that fits",
    "[inference]") {
  // Falcon-180B: 179,520,189,440 parameters, 2 x 80 layers x 8 KV heads x 64 = 81,920 KV elements per token, hidden
  // 14848; batch 1, 512 in, 256 out. Per GPU:
  //   need (bf16, tp 4) = (params x 2 + context x 81,920 x 2) / 4 + 512 x 8 x 14848 x 2 / 4
  //   tp 8 at bf16      = (params x 2 + context x 81,920 x 2) / 8 + 512 x 8 x 14848 x 2 / 8   (~44.9 GB, fits)
  //   fp8 on tp 4       = (params x 1 + context x 81,920 x 1) / 4 + 512 x 8 x 14848 x 2 / 4   (~44.9 GB, fits)
  // with context = 512 + 256 for static batches and 512 + 256 / 2 for continuous batching; 81.9 GB usable.
  // The advice prefers a format the device computes natively: int8 on the A100 (it has no fp8 arithmetic; fp8
  // weights would run weight-only with bf16 arithmetic, compute_dtype), which fits as fp8 would (1 byte each).
  const double params = 179520189440.0;
  const double workspace = 512.0 * 8 * 14848 * 2;
  const double usable = 80 * kGiB - 4e9;  // Device::usable_memory
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
    return fmt::format(
        "does not fit: falcon-180b at bf16 needs {:.1f} GB per device with tp=4 pp=1 (batch 1), {:.1f} "
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
          "does not fit: falcon-180b at bf16 needs 89.8 GB per device with tp=4 pp=1 (batch 1), 81.9 GB usable: short "
          "by 7.9 GB; 8 devices per replica (tp=8) hold it at bf16; at int8 it fits on tp=4 pp=1");
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
// units x 2 x 3.0 GHz; DDR4 204.8 GB/s.
constexpr double kAltraInt8Peak = 80.0 * 16 * 2 * 2 * 3.0e9;  // 15.36 TOP/s
// llama.cpp computes attention in fp32 from its fp16 cache (Engine::llama_cpp, the CPU default): 80 cores x 4 lanes x
// 2 FMA units x 2 x 3.0 GHz.
constexpr double kAltraFp32Peak = 80.0 * 4 * 2 * 2 * 3.0e9;  // 3.84 TFLOP/s
constexpr double kAltraBandwidth = 204.8e9;
// Llama 2 7B (multi-head attention): 6,738,415,616 parameters, 2 x 32 layers x 4096 = 262,144 KV elements per token,
// 32 x (4 x 4096^2 + 3 x 4096 x 11008) + 32000 x 4096 weights multiplied per token.
constexpr double kLlama7bParameters = 6738415616.0;
constexpr double kLlama7bKvPerToken = 2.0 * 32 * 4096;
constexpr double kLlama7bMatmul = 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) + 32000.0 * 4096;
// CPU fork/join of a pass: 12 operations x 32 layers x the launch overhead, x the replica's share of the socket (a
// fork/join spans only the replica's threads).
double llama7b_cpu_launch(double share) { return 12.0 * 32 * kFigures.launch_overhead.value() * share; }
// A Llama 2 7B decode step (batch 1, mean context 640, int8 weights and KV) on `share` of an Altra Q80-30 socket's
// compute and 1 / k of its bandwidth, by the contract of sim/infer/inference.hpp with kFigures (the one row of a
// batch-1 product keeps thin(1) = 1/25 of the gemm figure).
struct CpuStep {
  double matmul_compute, matmul_memory, attention_compute, attention_memory;
  [[nodiscard]] double compute() const { return matmul_compute + attention_compute; }
  [[nodiscard]] double memory() const { return matmul_memory + attention_memory; }
  // Without the fork/join.
  [[nodiscard]] double time() const {
    return std::max(matmul_compute, matmul_memory) + std::max(attention_compute, attention_memory);
  }
};
CpuStep llama7b_altra_step(double share, int k) {
  const auto ddr = [&](double bytes) { return bytes / (kAltraBandwidth / k * kFigures.memory); };
  const double peak = kAltraInt8Peak * share;
  CpuStep c{};
  c.matmul_compute = 2 * kLlama7bMatmul / (peak * kFigures.gemm * thin(1) * thin(11008) * thin(4096));
  c.attention_compute = 4.0 * 32 * 640 * 4096 / (kAltraFp32Peak * share * kFigures.attention_forward);
  c.matmul_memory = ddr(kLlama7bParameters - 32000.0 * 4096);  // the embedding table's rows are gathered
  c.attention_memory = ddr(641 * kLlama7bKvPerToken);
  return c;
}
}  // namespace

TEST_CASE(
    "k CPU replicas on one socket each get peak / k and bandwidth / k: a memory-bound decode step takes k times "
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
  // With these figures both op groups are memory bound.
  REQUIRE(r4.decode.matmul_memory > r4.decode.matmul_compute);
  REQUIRE(r4.decode.attention_memory > r4.decode.attention_compute);
  const double step4 = four_step.time() + llama7b_cpu_launch(1.0 / 4);
  CHECK(r4.decode.time.value() == Approx(step4).epsilon(kRel));
  CHECK(four_step.time() == Approx(4 * one_step.time()).epsilon(kRel));
  // Aggregate decode tokens/s: 4 / (4 x s + launch / 4) against 1 / (s + launch), s the lone replica's step without
  // its fork/join: only the lone replica's wider fork/join sets them apart.
  const double s = one_step.time();
  CHECK(r1.decode_tokens_per_s == Approx(1 / (s + llama7b_cpu_launch(1))).epsilon(kRel));
  CHECK(r4.decode_tokens_per_s == Approx(4 / (4 * s + llama7b_cpu_launch(1.0 / 4))).epsilon(kRel));
  CHECK(r4.decode_tokens_per_s > r1.decode_tokens_per_s);
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

TEST_CASE(
    "crossover_batch: the decode step's weight products at crossover_batch are compute bound and at "
    "crossover_batch - 1 memory bound",
    "[inference]") {
  // Llama 2 7B (MHA) at int8 on an A100, 32 in, 32 out. The weight products of a decode step at batch b take
  //   compute(b) = b x 2 x matmul weights / (peak x gemm x thin(b) x thin(11008) x thin(4096))
  //   memory     = weights / (1555 GB/s x memory)
  // with kFigures (compute(b) grows as b + 24), and the crossover is the smallest b (among those that fit) with
  // compute(b) >= memory.
  const hwsim::System a100 = modes_system("a100");
  REQUIRE(a100.device.peak_of(DType::int8)->value() == Approx(kA100Int8Peak).epsilon(kRel));
  REQUIRE(a100.device.memory_bandwidth.value() == kA100Bandwidth);
  InferenceConfig c = modes_workload("llama7b-int8-short");
  const auto compute_s = [&](int b) {
    return b * 2 * kLlama7bMatmul / (kA100Int8Peak * kFigures.gemm * thin(b) * thin(11008) * thin(4096));
  };
  const double memory_s = hbm_time(kLlama7bParameters, kA100Bandwidth);  // ~4.8 ms
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

TEST_CASE(
    "crossover_batch 0 (metric absent) when the weight products stay memory bound up to the largest batch "
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

TEST_CASE("an SLA no batch meets says sla_met: false in the metrics, JSON and CSV; one that binds says true",
          "[inference]") {
  const hwsim::Scenario sc = hwsim::load_scenario(std::filesystem::path(HWSIM_FIXTURES_DIR) / "scenarios/sla.yaml", {});
  const hwsim::DefaultEfficiency eff;
  const hwsim::Evaluation ev = hwsim::evaluate(sc, eff);
  REQUIRE(ev.results.size() == 2);
  const auto& impossible = ev.results[0];
  const auto& met = ev.results[1];
  REQUIRE(impossible.workload == "chat");
  CHECK(impossible.sla_met == std::optional<bool>(false));
  CHECK(impossible.metric("sla_met").value() == 0.0);
  CHECK(impossible.metric("batch").value() == 1.0);
  CHECK(met.sla_met == std::optional<bool>(true));
  CHECK(met.metric("sla_met").value() == 1.0);
  CHECK(met.metric("tpot_s").value() <= 0.050);
  CHECK(met.metric("batch").value() > 1.0);
  const auto doc = nlohmann::json::parse(hwsim::render({ev}, hwsim::Format::json));
  CHECK(doc["results"][0]["sla_met"] == false);
  CHECK(doc["results"][1]["sla_met"] == true);
  const std::string csv = hwsim::render({ev}, hwsim::Format::csv);
  CHECK_THAT(csv, Catch::Contains("sla_met"));
}

TEST_CASE("Q4 decodes faster than Q8 where the weights' stream binds and at the same rate where compute binds",
          "[inference]") {
  // Llama 3.2 1B on one Altra Q80-30 socket (scenarios/validation CPU-A1 case), llama.cpp: both formats multiply with
  // int8 dot products (Q4 blocks are unpacked to int8), so they cost the same compute, while Q4 streams 4.5 bits per
  // weight against Q8's 8.5. Batch 1: the stream binds, Q4 is faster by up to 8.5 / 4.5. From the crossover batch on
  // (the smallest batch whose weight products are compute-bound, lower for Q4 because it reads less) both run at the
  // compute rate: the same decode step.
  const hwsim::Scenario sc =
      hwsim::load_scenario(std::filesystem::path(HWSIM_SOURCE_DIR) /
                               "scenarios/validation/inference/CPU-A1-ALTRA-LLAMA32-1B-Q8R16-1x80-bs1.yaml",
                           {});
  const hwsim::System altra = hwsim::build_system(sc, sc.deployments.front());
  const hwsim::DefaultEfficiency eff;
  InferenceConfig q8 = sc.workloads.front().inference;
  REQUIRE(q8.dtype == DType::int8);
  InferenceConfig q4 = q8;
  q4.dtype = DType::int4;
  q4.bits_per_weight = 4.5;
  const auto step = [&](InferenceConfig c, int batch) {
    c.batch = batch;
    const auto r = hwsim::evaluate_inference(c, altra, eff);
    REQUIRE(r.fits);
    return r;
  };
  const auto q8_1 = step(q8, 1);
  const auto q4_1 = step(q4, 1);
  // (the memory efficiency depends a little on the transfer size: 1e-3)
  CHECK(q4_1.decode.matmul_memory.value() == Approx(q8_1.decode.matmul_memory.value() * 4.5 / 8.5).epsilon(1e-3));
  CHECK(q4_1.decode.matmul_compute.value() == Approx(q8_1.decode.matmul_compute.value()).epsilon(1e-12));
  CHECK(q4_1.decode_tokens_per_s > 1.3 * q8_1.decode_tokens_per_s);
  CHECK(q4_1.decode_tokens_per_s < 8.5 / 4.5 * q8_1.decode_tokens_per_s);
  REQUIRE(q4_1.crossover_batch > 0);
  REQUIRE(q8_1.crossover_batch > q4_1.crossover_batch);
  const int compute_bound = q8_1.crossover_batch;  // both formats' weight products are compute-bound here
  const auto q8_n = step(q8, compute_bound);
  const auto q4_n = step(q4, compute_bound);
  CHECK(q8_n.decode.matmul_compute > q8_n.decode.matmul_memory);
  CHECK(q4_n.decode.matmul_compute > q4_n.decode.matmul_memory);
  CHECK(q4_n.decode.time.value() == Approx(q8_n.decode.time.value()).epsilon(1e-12));
}

TEST_CASE("pipeline parallelism with in-flight batching keeps one micro-batch per stage in flight", "[inference]") {
  // A micro-batch's pass through both stages takes what a pp = 1 replica of the same tp takes for it (the forward
  // pass reads every stage's weights at the same per-device rate), while the other micro-batch runs on the other
  // stage: pp 2 holds twice the sequences at the same iteration time and so serves twice the tokens per replica.
  InferenceConfig one = modes_workload("llama70b-continuous");
  one.tp = 4;
  one.pp = 1;
  one.replicas = 1;
  one.batch = 24;
  InferenceConfig two = one;
  two.pp = 2;
  two.batch = 48;
  const hwsim::System h100 = modes_system("h100");
  const auto r1 = hwsim::evaluate_inference(one, h100, kEff);
  const auto r2 = hwsim::evaluate_inference(two, h100, kEff);
  REQUIRE(r1.fits);
  REQUIRE(r2.fits);
  CHECK(r2.tpot.value() == Approx(r1.tpot.value()).epsilon(kRel));
  CHECK(r2.throughput_tokens_per_s == Approx(2 * r1.throughput_tokens_per_s).epsilon(kRel));
  // Static batches go through the stages one after another: no gain.
  one.continuous = false;
  two.continuous = false;
  two.batch = 24;
  CHECK(hwsim::evaluate_inference(two, h100, kEff).tpot.value() ==
        Approx(hwsim::evaluate_inference(one, h100, kEff).tpot.value()).epsilon(kRel));
  // The engine's batch limit is per micro-batch (TensorRT-LLM max_batch_size): 2 x 8 sequences in flight at pp 2.
  two.continuous = true;
  two.batch.reset();
  two.max_batch = 8;
  CHECK(hwsim::evaluate_inference(two, h100, kEff).batch == 16);
}

TEST_CASE("Erlang C: the chance that a Poisson arrival finds every slot busy", "[inference]") {
  // One slot (M/M/1): the load itself. Two slots at a load of 1: Erlang B = (1/2) / (1 + 1 + 1/2) = 0.2, so
  // C = 2 x 0.2 / (2 - 1 x 0.8) = 1/3.
  CHECK(hwsim::erlang_c(1, 0.6) == Approx(0.6).epsilon(kRel));
  CHECK(hwsim::erlang_c(2, 1.0) == Approx(1.0 / 3).epsilon(kRel));
  CHECK(hwsim::erlang_c(8, 0) == 0);
  CHECK(hwsim::erlang_c(8, 8) == 1);
  // Many slots rarely make an arrival wait until the load nears them: 1000 slots at 0.9 of their capacity, where the
  // Halfin-Whitt approximation 1 / (1 + beta Phi(beta) / phi(beta)), beta = 0.1 x sqrt(1000) = 3.16, gives 8.6e-4.
  CHECK(hwsim::erlang_c(1000, 900) > 3e-4);
  CHECK(hwsim::erlang_c(1000, 900) < 1e-3);
  CHECK(hwsim::erlang_c(1000, 990) > 0.1);
}

TEST_CASE("Poisson arrivals under a TTFT percentile serve the highest rate whose queue holds the limit",
          "[inference]") {
  InferenceConfig c = modes_workload("llama70b-continuous");
  c.batch = 64;
  c.replicas = 1;
  const hwsim::System h100 = modes_system("h100");
  const auto saturated = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(saturated.fits);
  const double start = saturated.ttft.value();  // a request that finds a free slot
  // A TTFT limit a little above that start leaves little room to wait: the slots run well below full.
  c.sla_ttft = hwsim::Seconds(start * 1.5);
  c.sla_percentile = 99;
  const auto r = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(r.utilization.has_value());
  CHECK(*r.utilization < 1);
  CHECK(*r.utilization > 0.3);
  CHECK(r.throughput_tokens_per_s == Approx(saturated.throughput_tokens_per_s * *r.utilization).epsilon(1e-9));
  // The rate found puts TTFT at the 99th percentile on the limit: start + ln(C / 0.01) / (capacity - rate).
  const double service = saturated.tpot.value() * c.output_tokens;
  const double capacity = 64 / service;
  const double rate = *r.utilization * capacity;
  const double waits = hwsim::erlang_c(64, rate * service);
  CHECK(start + std::log(waits / 0.01) / (capacity - rate) == Approx(c.sla_ttft->value()).epsilon(1e-6));
  CHECK(r.ttft.value() == Approx(c.sla_ttft->value()).epsilon(1e-6));
  // A looser limit allows more load; the 50th percentile more than the 99th.
  c.sla_ttft = hwsim::Seconds(start * 3);
  const double looser = *hwsim::evaluate_inference(c, h100, kEff).utilization;
  CHECK(looser > *r.utilization);
  c.sla_percentile = 50;
  CHECK(*hwsim::evaluate_inference(c, h100, kEff).utilization > looser);
}

TEST_CASE("multi-step scheduling: a request waits for the pass under way, then for the prefill of its arrivals",
          "[inference]") {
  // scheduler_steps k (vLLM num_scheduler_steps): k decode-only iterations between scheduling passes, then one step
  // prefilling the prompts that arrived meanwhile. TTFT = (quantile of a uniform wait over k iterations) + k x the
  // iteration's prefill share; k = 1 keeps the prefill of the prompt plus one iteration.
  InferenceConfig c = modes_workload("llama70b-continuous");
  c.batch = 64;
  c.replicas = 1;
  const hwsim::System h100 = modes_system("h100");
  const auto one = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(one.fits);
  const double it = one.tpot.value();                  // the iteration with 64 in flight
  const double decode_only = one.decode.time.value();  // its decode tokens alone
  CHECK(one.ttft.value() == Approx(one.prefill.time.value() + it).epsilon(kRel));
  c.scheduler_steps = 10;
  const auto ten = hwsim::evaluate_inference(c, h100, kEff);
  CHECK(ten.tpot.value() == Approx(it).epsilon(kRel));  // the same work per token
  CHECK(ten.throughput_tokens_per_s == Approx(one.throughput_tokens_per_s).epsilon(kRel));
  // The prefill step's all-reduces run once over its 10 x 64 / 256 prompts of 512 tokens (tp 4, bf16), not as ten
  // iterations' shares: the iteration's all-reduces (64 decode rows + 0.25 x 512) come out, the step's go in.
  const double iteration_reduces = llama70b_h100(1, 64 + 0.25 * 512, 0, 4, 2, 2).communication;
  const double decode_reduces = llama70b_h100(64, 1, 0, 4, 2, 2).communication;
  const double step_reduces = llama70b_h100(1, 10 * 0.25 * 512, 0, 4, 2, 2).communication;
  CHECK(ten.ttft.value() ==
        Approx(0.5 * 10 * it + 10 * (it - decode_only - (iteration_reduces - decode_reduces)) + step_reduces)
            .epsilon(kRel));  // no percentile: the mean wait
  CHECK(ten.ttft.value() > 2 * one.ttft.value());
  // Under a TTFT limit at the 99th percentile the wait is 0.99 x 10 iterations: the batch that holds it is smaller,
  // and so is the throughput.
  c.batch.reset();
  c.max_batch = 256;
  c.sla_ttft = hwsim::Seconds(1.5 * ten.ttft.value());
  c.sla_percentile = 99;
  const auto limited = hwsim::evaluate_inference(c, h100, kEff);
  c.scheduler_steps = 1;
  const auto free = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(limited.sla_met.value_or(false));
  REQUIRE(free.sla_met.value_or(false));
  CHECK(limited.batch < free.batch);
  CHECK(limited.throughput_tokens_per_s < free.throughput_tokens_per_s);
}

TEST_CASE("an offline run of requests is whole waves of the batch and one partial wave", "[inference][requests]") {
  // offline_run_time: 2.5 batches of 8 with 100 outputs = 2 x 100 x it(8) + 100 x it(4), it(b) = 1 ms + b x 0.1 ms.
  const auto iteration = [](int b) { return 1e-3 + 1e-4 * b; };
  CHECK(hwsim::offline_run_time(20.0, 8, 100, iteration) == Approx(2.0 * 100 * 1.8e-3 + 100 * 1.4e-3).epsilon(kRel));
  CHECK(hwsim::offline_run_time(16.0, 8, 100, iteration) == Approx(2.0 * 100 * 1.8e-3).epsilon(kRel));
  CHECK(hwsim::offline_run_time(3.0, 8, 100, iteration) == Approx(100 * 1.3e-3).epsilon(kRel));
}

TEST_CASE("requests: whole waves keep the steady throughput, a partial last wave lowers it to the run's own",
          "[inference][requests]") {
  // llama70b-continuous: batch 8 on tp 4, two replicas on the 8 GPUs. Continuous batching's TPOT is one iteration, so
  // the iteration at b sequences is evaluate_inference's tpot at batch b.
  const hwsim::System h100 = modes_system("h100");
  InferenceConfig c = modes_workload("llama70b-continuous");
  const auto steady = hwsim::evaluate_inference(c, h100, kEff);
  REQUIRE(steady.replicas == 2);
  const auto iteration = [&](int b) {
    InferenceConfig at = c;
    at.batch = b;
    return hwsim::evaluate_inference(at, h100, kEff).tpot.value();
  };
  c.requests = 2 * 8 * 3;  // three whole waves per replica
  CHECK(hwsim::evaluate_inference(c, h100, kEff).throughput_tokens_per_s ==
        Approx(steady.throughput_tokens_per_s).epsilon(kRel));
  c.requests = 2 * 12;  // per replica a wave of 8 and one of 4
  const double seconds = c.output_tokens * (iteration(8) + iteration(4));
  const auto r = hwsim::evaluate_inference(c, h100, kEff);
  CHECK(r.throughput_tokens_per_s == Approx(2.0 * 12 * c.output_tokens / seconds).epsilon(kRel));
  CHECK(r.throughput_tokens_per_s < steady.throughput_tokens_per_s);
  CHECK(r.tpot == steady.tpot);  // the full batch's iteration: latencies are the full wave's
}
