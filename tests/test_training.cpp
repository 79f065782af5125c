// Training model (sim/train/training): memory per device = weights (2 B) + fp32 gradients (4 B) + optimizer state
// (12 B) per parameter over tp x pp, ZeRO stage k dividing optimizer / gradients / weights by dp; activations per
// Korthikanti et al. 2022 (with materialised attention scores) plus the last stage's fp32 logits; recompute trades
// memory for time; bubble = (pp - 1) / vp x per-micro-batch time; data-parallel overlap hides all but one chunk;
// ZeRO-3 exposes the first gather and the last reduce-scatter of each micro-batch; MFU = model FLOPs per second /
// (devices x dense peak); a model that does not fit is a result with the shortfall.
// Fixture: tests/fixtures/scenarios/training.yaml (DGX A100 80 GB systems, GPT-3 175B and Llama 2 7B workloads).
// Efficiencies: the figures below (kTrainingFigures, a FixedEfficiency), stated here so the expected times follow from
// them; the documented defaults are tested in test_efficiency.cpp. Tolerances: 1e-12 relative where the test evaluates
// the code's own formula by hand (only rounding differs), 1e-9 where a difference of two step times is compared
// (cancellation); "roughly halves" is stated where it is used.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/perf/collectives.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"
#include "sim/train/search.hpp"
#include "sim/train/training.hpp"
#include "tests/support.hpp"
#include "tests/support/constants.hpp"
#include "tests/support/fixed_efficiency.hpp"

using hwsim::BytesPerSecond;
using hwsim::Recompute;
using hwsim::Seconds;
using hwsim::TrainingConfig;
using hwsim::TrainingMemory;

namespace {

using hwsim::test::kGiB;
using hwsim::test::kRel;
namespace fs = std::filesystem;

// GPT-3 175B as hwsim derives it (workloads/catalog/gpt3-175b.yaml header: 174,604,259,328).
constexpr double kGpt3Parameters = 174604259328.0;
// The last pipeline stage keeps one micro-batch's fp32 logits and their gradient: 2 x s x b x V/t x 4 B with
// s = 2048, b = 1, V = 50257 (GPT-2 BPE), t = 8: 102,926,336 B.
constexpr double kGpt3Logits = 2.0 * 2048 * 1 * (50257.0 / 8) * 4;

const hwsim::Scenario& training_fixture() {
  static const hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/training.yaml", {});
  return sc;
}

TrainingConfig training_workload(const std::string& name) {
  for (const auto& w : training_fixture().workloads) {
    if (w.name == name) return w.training;
  }
  FAIL("no workload " << name);
  return {};
}

hwsim::System training_system(const std::string& deployment) {
  for (const auto& d : training_fixture().deployments) {
    if (d.name == deployment) return hwsim::build_system(training_fixture(), d);
  }
  FAIL("no deployment " << deployment);
  return {};
}

// GPT-3 175B on 1536 GPUs: tp 8, pp 16, dp 12, global batch 1536 of 2048 tokens, micro-batch 1; attention without
// fused kernels (the s x s scores are stored) and dropout 0.1, as in Korthikanti et al.'s formulas.
TrainingConfig gpt3(int zero, bool sp, Recompute recompute) {
  TrainingConfig c = training_workload("gpt3");
  c.flash_attention = false;
  c.dropout = 0.1;
  c.parallelism.tp = 8;
  c.parallelism.pp = 16;
  c.parallelism.dp = 12;
  c.parallelism.zero = zero;
  c.sequence_parallel = sp;
  c.recompute = recompute;
  return c;
}

// Llama 2 7B on one DGX A100 (8 GPUs): tp 1, pp 4, dp 2, global batch 256 of 2048 tokens.
TrainingConfig llama7b(int micro_batch, int vp) {
  TrainingConfig c = training_workload("llama7b-pp4");
  c.parallelism.tp = 1;
  c.parallelism.pp = 4;
  c.parallelism.dp = 2;
  c.parallelism.vp = vp;
  c.micro_batch = micro_batch;
  return c;
}

// The efficiencies of every case in this file: GEMMs at 0.7 of the peak whatever their shape, fused attention at 0.55
// forward and 0.45 backward, 0.9 of the memory bandwidth; NVLink at 0.75 with 2 us per ring step, InfiniBand at 0.6
// with 7 us; 6 us per kernel launch.
constexpr hwsim::test::EfficiencyFigures kTrainingFigures{.gemm = 0.7,
                                                          .attention_forward = 0.55,
                                                          .attention_backward = 0.45,
                                                          .memory = 0.9,
                                                          .link_scale_up = 0.75,
                                                          .link_scale_out = 0.6,
                                                          .launch_overhead = Seconds(6e-6),
                                                          .latency_scale_up = Seconds(2e-6),
                                                          .latency_scale_out = Seconds(7e-6)};
const hwsim::test::FixedEfficiency kTrainingEff(kTrainingFigures);

}  // namespace

TEST_CASE("the fixture's GPT-3 has the derived parameter count and shape the hand arithmetic below uses",
          "[training]") {
  const TrainingConfig c = training_workload("gpt3");
  CHECK(c.model.parameters() == kGpt3Parameters);
  CHECK(c.model.layers == 96);
  CHECK(c.model.hidden == 12288);
  CHECK(c.model.heads == 96);
  CHECK(c.model.vocab == 50257);
  CHECK(c.seq_len == 2048);
  CHECK(c.global_batch == 1536);
  CHECK(c.micro_batch == 1);
}

// The first of 16 stages holds 6 layers and the embeddings, over tp = 8: a layer has 12h^2 + 13h weights (biases
// and two LayerNorms) = 1,812,099,072; the token and position embeddings (50257 + 2048) x h = 642,723,840.
constexpr double kGpt3FirstStage = (6 * 1812099072.0 + 642723840.0) / 8;  // 1,439,414,784

TEST_CASE("training memory: 2 B weights, 4 B gradients, 12 B optimizer per parameter of the fullest stage over tp",
          "[training]") {
  const TrainingMemory m = hwsim::training_memory(gpt3(0, true, Recompute::selective));
  const double per_device = kGpt3FirstStage;
  CHECK(per_device * 8 * 16 > kGpt3Parameters);                           // the end stages hold more than the average
  CHECK(m.weights.value() == Approx(2.0 * per_device).epsilon(kRel));     // 2.728 GB
  CHECK(m.gradients.value() == Approx(4.0 * per_device).epsilon(kRel));   // 5.456 GB
  CHECK(m.optimizer.value() == Approx(12.0 * per_device).epsilon(kRel));  // 16.37 GB
  CHECK(m.total().value() ==
        Approx(m.weights.value() + m.gradients.value() + m.optimizer.value() + m.activations.value()).epsilon(kRel));
}

TEST_CASE("ZeRO stage 1 divides the optimizer by dp, stage 2 also the gradients, stage 3 also the weights",
          "[training]") {
  const double per_device = kGpt3FirstStage;
  const double dp = 12;
  // ZeRO-3 (FSDP) also holds two gathered layers of 16-bit weights (the one running, the one prefetched) and one
  // layer's whole gradient in fp32 for its reduce-scatter: a GPT-3 layer is 12h^2 + 13h = 1,812,099,072 weights, / 8
  // TP ranks, x (2 x 2 + 4) B = 1,812,099,072 B.
  const double h = 12288;
  const double unsharded = (12 * h * h + 13 * h) / 8 * (2 * 2 + 4);
  struct Row {
    int zero;
    double weights, gradients, optimizer;
  };
  const Row rows[] = {
      {0, 2.0 * per_device, 4.0 * per_device, 12.0 * per_device},
      {1, 2.0 * per_device, 4.0 * per_device, 12.0 * per_device / dp},
      {2, 2.0 * per_device, 4.0 * per_device / dp, 12.0 * per_device / dp},
      {3, 2.0 * per_device / dp + unsharded, 4.0 * per_device / dp, 12.0 * per_device / dp},
  };
  for (const Row& r : rows) {
    INFO("zero " << r.zero);
    const TrainingMemory m = hwsim::training_memory(gpt3(r.zero, true, Recompute::selective));
    CHECK(m.weights.value() == Approx(r.weights).epsilon(kRel));
    CHECK(m.gradients.value() == Approx(r.gradients).epsilon(kRel));
    CHECK(m.optimizer.value() == Approx(r.optimizer).epsilon(kRel));
  }
  // fp32 training keeps 4-byte weights.
  TrainingConfig fp32 = gpt3(0, true, Recompute::selective);
  fp32.dtype = hwsim::DType::fp32;
  CHECK(hwsim::training_memory(fp32).weights.value() == Approx(4.0 * per_device).epsilon(kRel));
}

TEST_CASE("activations without recompute: sbh(10 + 24/t + 5as/(ht)) per layer, sbh/t x (34 + 5as/h) with SP",
          "[training]") {
  // s = 2048, b = 1, h = 12288, a = 96, t = 8; the first of 16 stages holds min(16, 1536 / 12 = 128) = 16
  // micro-batches of 96 / 16 = 6 layers, more than the last stage's one micro-batch and its logits.
  const double sbh = 2048.0 * 1 * 12288;             // 25,165,824
  const double as_over_h = 5.0 * 96 * 2048 / 12288;  // 5as/h = 80
  const double held = 6.0 * 16;
  const double no_sp = sbh * (10 + 24.0 / 8 + as_over_h / 8) * held;  // 25,165,824 x 23 x 96 = 55.57 GB
  const double sp = sbh / 8 * (34 + as_over_h) * held;                // 3,145,728 x 114 x 96 = 34.43 GB
  CHECK(hwsim::training_memory(gpt3(1, false, Recompute::none)).activations.value() == Approx(no_sp).epsilon(kRel));
  CHECK(hwsim::training_memory(gpt3(1, true, Recompute::none)).activations.value() == Approx(sp).epsilon(kRel));
  CHECK(no_sp == Approx(55566139392.0).epsilon(kRel));
  CHECK(sp == Approx(34426847232.0).epsilon(kRel));
  // Fused attention keeps no scores: the 5as/h term goes (25,165,824 x 13 x 96 without SP).
  TrainingConfig flash = gpt3(1, false, Recompute::none);
  flash.flash_attention = true;
  CHECK(hwsim::training_memory(flash).activations.value() == Approx(sbh * 13 * held).epsilon(kRel));
}

// (No semicolon in test names: CTest splits the discovered name there and would run an empty filter.)
TEST_CASE("selective recompute drops the 5as/h attention term, full recompute keeps 2sbh per layer (/t with SP)",
          "[training]") {
  const double sbh = 2048.0 * 1 * 12288;
  const double held = 6.0 * 16;
  CHECK(hwsim::training_memory(gpt3(1, false, Recompute::selective)).activations.value() ==
        Approx(sbh * (10 + 24.0 / 8) * held).epsilon(kRel));
  CHECK(hwsim::training_memory(gpt3(1, true, Recompute::selective)).activations.value() ==
        Approx(sbh / 8 * 34 * held).epsilon(kRel));  // 10,267,656,192 B
  CHECK(hwsim::training_memory(gpt3(1, false, Recompute::full)).activations.value() ==
        Approx(2 * sbh * held).epsilon(kRel));
  CHECK(hwsim::training_memory(gpt3(1, true, Recompute::full)).activations.value() ==
        Approx(2 * sbh / 8 * held).epsilon(kRel));
}

TEST_CASE("the first pipeline stage holds min(pp, micro-batches) micro-batches of its layers", "[training]") {
  const double per_layer = 2048.0 * 12288 / 8 * 34;  // selective, SP, micro-batch 1
  TrainingConfig c = gpt3(1, true, Recompute::selective);
  c.global_batch = 96;  // 96 / (dp 12 x micro-batch 1) = 8 micro-batches < pp = 16
  CHECK(hwsim::training_memory(c).activations.value() == Approx(per_layer * 6 * 8).epsilon(kRel));
  c.global_batch = 1536;  // 128 micro-batches: capped at pp = 16
  CHECK(hwsim::training_memory(c).activations.value() == Approx(per_layer * 6 * 16).epsilon(kRel));
}

TEST_CASE("recompute trades memory for time: full < selective < none in memory, the reverse in step time",
          "[training]") {
  const hwsim::System pod = training_system("a100-pod");
  REQUIRE(pod.devices == 8 * 16 * 12);
  const auto none = hwsim::evaluate_training(gpt3(1, true, Recompute::none), pod, kTrainingEff);
  const auto selective = hwsim::evaluate_training(gpt3(1, true, Recompute::selective), pod, kTrainingEff);
  const auto full = hwsim::evaluate_training(gpt3(1, true, Recompute::full), pod, kTrainingEff);
  INFO(none.message << selective.message << full.message);
  REQUIRE(none.fits);
  REQUIRE(selective.fits);
  REQUIRE(full.fits);
  CHECK(full.memory_per_device < selective.memory_per_device);
  CHECK(selective.memory_per_device < none.memory_per_device);
  CHECK(none.step_time < selective.step_time);
  CHECK(selective.step_time < full.step_time);
  CHECK(none.breakdown.recompute.value() == 0.0);
  CHECK(full.breakdown.recompute > selective.breakdown.recompute);
  // Recompute is not model FLOPs: the same work in a longer step is a lower MFU.
  CHECK(full.mfu < none.mfu);
}

// Megatron-Core's block method (recompute_method block, recompute_num_layers N): the first N layers of each model chunk
// keep only their input and recompute their forward, the others keep everything.
TEST_CASE("a partial full recompute (recompute_layers) recomputes and checkpoints only the first layers of a chunk",
          "[training]") {
  const hwsim::System pod = training_system("a100-pod");
  const TrainingConfig none_cfg = gpt3(1, true, Recompute::none);
  const TrainingConfig full_cfg = gpt3(1, true, Recompute::full);
  TrainingConfig part_cfg = full_cfg;
  part_cfg.recompute_layers = 2;  // of the 6 layers each of the 16 stages holds
  // Memory: 16 micro-batches in flight on the first stage, 2 layers at 2sbh/t each and 4 layers as without recompute.
  const double sbh = 2048.0 * 1 * 12288;
  const double kept_per_layer = hwsim::training_memory(none_cfg).activations.value() / (6 * 16);
  CHECK(hwsim::training_memory(part_cfg).activations.value() ==
        Approx(16 * (2 * (2 * sbh / 8) + 4 * kept_per_layer)).epsilon(kRel));
  // Time: a third of the full recompute, and of the FLOPs it adds.
  const auto none = hwsim::evaluate_training(none_cfg, pod, kTrainingEff);
  const auto full = hwsim::evaluate_training(full_cfg, pod, kTrainingEff);
  const auto part = hwsim::evaluate_training(part_cfg, pod, kTrainingEff);
  REQUIRE(none.fits);
  REQUIRE(part.fits);
  REQUIRE(full.fits);
  CHECK(part.breakdown.recompute.value() == Approx(full.breakdown.recompute.value() / 3).epsilon(kRel));
  CHECK(part.hfu / part.mfu - 1 == Approx((full.hfu / full.mfu - 1) / 3).epsilon(1e-9));
  CHECK(none.step_time < part.step_time);
  CHECK(part.step_time < full.step_time);
  // As many layers as a stage holds, or more: the full recompute.
  for (int layers : {6, 96}) {
    part_cfg.recompute_layers = layers;
    const auto all = hwsim::evaluate_training(part_cfg, pod, kTrainingEff);
    CHECK(all.step_time.value() == Approx(full.step_time.value()).epsilon(kRel));
    CHECK(all.memory_per_device.value() == Approx(full.memory_per_device.value()).epsilon(kRel));
  }
  // Interleaved: N per model chunk. Llama 2 7B on pp 4 with vp 2 holds 8 layers per stage in two chunks of 4; one
  // layer per chunk recomputes 2 of the 8.
  const hwsim::System node = training_system("a100-node");
  TrainingConfig chunked = llama7b(1, 2);
  chunked.recompute = Recompute::full;
  const auto every = hwsim::evaluate_training(chunked, node, kTrainingEff);
  chunked.recompute_layers = 1;
  const auto first = hwsim::evaluate_training(chunked, node, kTrainingEff);
  REQUIRE(every.fits);
  REQUIRE(first.fits);
  CHECK(first.breakdown.recompute.value() == Approx(every.breakdown.recompute.value() / 4).epsilon(kRel));
}

// Megatron-Core's activation offload (cpu_offloading_num_layers): Llama 2 7B on one DGX A100, tp 1 pp 1 dp 8 with the
// distributed optimizer, 4 micro-batches of 2048 tokens, no recompute.
TEST_CASE(
    "activation offload keeps the offloaded layers' activations in host memory and exposes the copies the "
    "layers do not hide",
    "[training]") {
  hwsim::System node = training_system("a100-node");
  TrainingConfig c = training_workload("llama7b-pp4");
  c.parallelism = {.tp = 1, .pp = 1, .dp = 8, .zero = 1};
  c.recompute = Recompute::none;
  c.global_batch = 32;  // 4 micro-batches of 1 per rank
  const TrainingMemory kept_all = hwsim::training_memory(c);
  const double logits = 2.0 * 2048 * 1 * 32000 * 4.0;  // the last stage's fp32 logits and their gradient
  const double per_layer = (kept_all.activations.value() - logits) / 32;
  const auto none = hwsim::evaluate_training(c, node, kTrainingEff);
  c.activation_offload_layers = 12;
  const TrainingMemory offload = hwsim::training_memory(c);
  // 12 layers' activations in host memory, one of them still on the device (the copy in flight).
  CHECK(offload.offloaded.value() == Approx(12 * per_layer).epsilon(kRel));
  CHECK(offload.activations.value() == Approx(logits + (32 - 12 + 1) * per_layer).epsilon(kRel));
  // A fast host link hides every copy: what remains is their memory traffic, out and back, at 0.9 of 2,039 GB/s.
  const double hbm = node.device.memory_bandwidth.value() * 0.9;
  node.device.host_link_bandwidth = BytesPerSecond(1e18);
  const auto hidden = hwsim::evaluate_training(c, node, kTrainingEff);
  REQUIRE(none.fits);
  REQUIRE(hidden.fits);
  CHECK(hidden.step_time.value() - none.step_time.value() ==
        Approx(4 * 2 * offload.offloaded.value() / hbm).epsilon(1e-9));
  // Slow links expose the copies: the difference of two exposes every byte's difference, out and back, per micro-batch.
  node.device.host_link_bandwidth = BytesPerSecond(1e9);
  const auto slow = hwsim::evaluate_training(c, node, kTrainingEff);
  node.device.host_link_bandwidth = BytesPerSecond(2e9);
  const auto faster = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK(slow.step_time.value() - faster.step_time.value() ==
        Approx(4 * 2 * offload.offloaded.value() * (1 / 1e9 - 1 / 2e9)).epsilon(1e-9));
  CHECK(slow.breakdown.communication > hidden.breakdown.communication);
  // Each copy runs beside a window of L / N layers (Transformer Engine's layer_window_map): what 12 offloaded layers
  // expose at 1 GB/s gives the layers' forward and backward time, from which 8 layers (windows of 4, not 32 / 12)
  // expose what the window says.
  const double copy = per_layer / 1e9;
  const double window_12 = 32.0 / 12;
  node.device.host_memory_share = hwsim::Bytes(0);
  node.device.host_link_bandwidth = BytesPerSecond(1e18);
  const auto hidden_12 = hwsim::evaluate_training(c, node, kTrainingEff);
  const double layer_time = (2 * copy - (slow.step_time - hidden_12.step_time).value() / (4 * 12)) / window_12;
  c.activation_offload_layers = 8;
  const auto hidden_8 = hwsim::evaluate_training(c, node, kTrainingEff);
  node.device.host_link_bandwidth = BytesPerSecond(1e9);
  const auto slow_8 = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK((slow_8.step_time - hidden_8.step_time).value() == Approx(4 * 8 * (2 * copy - 4 * layer_time)).epsilon(1e-9));
  c.activation_offload_layers = 12;
  // Host memory and a host link are needed.
  node.device.host_memory_share = hwsim::Bytes(offload.offloaded.value() / 2);
  const auto short_host = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK_FALSE(short_host.fits);
  CHECK(short_host.message.find("host memory") != std::string::npos);
  node.device.host_link_bandwidth = BytesPerSecond(0);
  const auto no_link = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK_FALSE(no_link.fits);
  CHECK(no_link.message.find("host link") != std::string::npos);
}

TEST_CASE("step time = compute + recompute + exposed communication + pipeline bubble + host time", "[training]") {
  const auto r =
      hwsim::evaluate_training(gpt3(1, true, Recompute::selective), training_system("a100-pod"), kTrainingEff);
  REQUIRE(r.fits);
  const auto& b = r.breakdown;
  CHECK(r.step_time.value() ==
        Approx(b.compute.value() + b.recompute.value() + b.communication.value() + b.bubble.value() + b.host.value())
            .epsilon(kRel));
  // A dense model's host time is the stack's per-step overhead (Megatron-Core by default), once per step.
  CHECK(b.host.value() == Approx(hwsim::kStepOverheadMegatronCore));
  CHECK(b.memory <= b.compute);  // the memory-bound part is included in compute
  CHECK(r.tokens_per_s == Approx(1536.0 * 2048 / r.step_time.value()).epsilon(kRel));
}

TEST_CASE("per-step host time: the stack's default or the workload's step_overhead, once per step", "[training]") {
  TrainingConfig c = gpt3(1, true, Recompute::selective);
  const hwsim::System pod = training_system("a100-pod");
  const auto megatron = hwsim::evaluate_training(c, pod, kTrainingEff);
  c.step_overhead = hwsim::Seconds(0);
  const auto graphed = hwsim::evaluate_training(c, pod, kTrainingEff);
  // The same micro-batches; the step is shorter by exactly the default.
  CHECK((megatron.step_time - graphed.step_time).value() == Approx(hwsim::kStepOverheadMegatronCore));
  CHECK(graphed.breakdown.host.value() == 0.0);
  c.step_overhead = hwsim::Seconds(0.5);
  CHECK(hwsim::evaluate_training(c, pod, kTrainingEff).breakdown.host.value() == Approx(0.5));
  c.step_overhead.reset();
  c.stack = hwsim::Stack::pytorch;
  CHECK(hwsim::step_overhead_of(c).value() == hwsim::kStepOverheadPytorch);
  c.stack = hwsim::Stack::deepspeed;
  CHECK(hwsim::step_overhead_of(c).value() == hwsim::kStepOverheadPytorch);
}

TEST_CASE("pipeline bubble = (pp - 1) / vp x per-micro-batch time", "[training]") {
  const hwsim::System node = training_system("a100-node");
  // One pipeline of 4 stages (dp 1: nothing per step but the optimizer): step = m x t_mb + (pp - 1) / vp x t_mb +
  // t_adam + the per-step host time, with m = 256 / (1 x 1) = 256 micro-batches and t_adam = the Adam step over the
  // slowest (last) stage's
  // parameters at 30 B each through HBM (bandwidth x the memory efficiency): 8 layers of 4h^2 + 3 x h x 11008 + 2h
  // = 202,383,360, the final RMSNorm (4096) and the untied output layer (32000 x 4096). So bubble = (step - t_adam)
  // - host) x b / (m + b), b = (pp - 1) / vp.
  for (const int vp : {1, 2}) {
    INFO("vp " << vp);
    TrainingConfig c = llama7b(1, vp);
    c.parallelism.dp = 1;
    const auto r = hwsim::evaluate_training(c, node, kTrainingEff);
    INFO(r.message);
    REQUIRE(r.fits);
    const hwsim::Bytes adam((8 * 202383360.0 + 4096 + 32000.0 * 4096) * 30.0);
    const double t_adam = adam.value() / (node.device.memory_bandwidth.value() * kTrainingFigures.memory);
    const double b = 3.0 / vp;
    const double host = hwsim::step_overhead_of(c).value();
    CHECK(r.breakdown.bubble.value() == Approx((r.step_time.value() - t_adam - host) * b / (256 + b)).epsilon(kRel));
  }
  // Without pipeline stages there is no bubble.
  TrainingConfig flat = llama7b(1, 1);
  flat.parallelism.pp = 1;
  flat.parallelism.dp = 8;
  flat.parallelism.zero = 1;  // 6.74e9 x 18 B would not fit one GPU; the distributed optimizer does
  const auto no_pp = hwsim::evaluate_training(flat, node, kTrainingEff);
  INFO(no_pp.message);
  REQUIRE(no_pp.fits);
  CHECK(no_pp.breakdown.bubble.value() == 0.0);
}

TEST_CASE("data-parallel overlap hides all but one chunk of the reduction, at kOverlapContention of what it hides",
          "[training]") {
  const hwsim::System pod = training_system("a100-pod");
  // GPT-3 on 1536 A100s, pp 16 (6 layers per stage: 6 chunks), distributed optimizer (ZeRO 1), micro-batch 8 with
  // full recompute, so the last micro-batch's backward covers the hidden part. The DP ring has 8 / tp ranks in each
  // node, whose NICs carry its traffic: tp 8 gives each rank its own 200 Gb/s = 25 GB/s NIC, tp 4 two NICs' worth;
  // InfiniBand efficiency and per-step latency are kTrainingFigures' scale-out ones.
  struct Row {
    int tp, dp, ranks_per_node;
  };
  for (const Row row : {Row{8, 12, 1}, Row{4, 24, 2}}) {
    INFO("tp " << row.tp);
    TrainingConfig c = gpt3(1, true, Recompute::full);
    c.parallelism.tp = row.tp;
    c.parallelism.dp = row.dp;
    c.micro_batch = 8;
    TrainingConfig serial = c;
    serial.dp_overlap = false;
    const auto on = hwsim::evaluate_training(c, pod, kTrainingEff);
    const auto off = hwsim::evaluate_training(serial, pod, kTrainingEff);
    INFO(on.message);
    REQUIRE(on.fits);
    REQUIRE(off.fits);
    // The slowest stage is the last: 6 layers, the final LayerNorm (2h) and its copy of the tied embedding (V x h).
    const double params = (6 * 1812099072.0 + 2 * 12288 + 50257.0 * 12288) / row.tp;
    const hwsim::LinkPath nic{BytesPerSecond(row.ranks_per_node * 200e9 / 8), kTrainingFigures.latency_scale_out,
                              kTrainingFigures.link_scale_out};
    const double reduce = hwsim::ring_all_gather(hwsim::Bytes(params * 4), row.dp, nic).value();  // fp32 gradients
    const double gather = hwsim::ring_all_gather(hwsim::Bytes(params * 2), row.dp, nic).value();  // 16-bit weights
    // Serial: both in full. Overlapped: 1/6 of each exposed, 5/6 hidden at kOverlapContention.
    const double hidden = (reduce + gather) * 5.0 / 6;
    CHECK((off.breakdown.communication - on.breakdown.communication).value() == Approx(hidden).epsilon(1e-9));
    CHECK((on.breakdown.compute - off.breakdown.compute).value() ==
          Approx(hidden * hwsim::kOverlapContention).epsilon(1e-9));
    CHECK((off.step_time - on.step_time).value() == Approx(hidden * (1 - hwsim::kOverlapContention)).epsilon(1e-9));
  }
}

TEST_CASE("ZeRO-3 exposes the first gather and the last reduce-scatter of each micro-batch", "[training]") {
  const hwsim::System node = training_system("a100-node");
  // Llama 2 7B sharded over one DGX A100 (dp 8 on NVLink: 300 GB/s per direction, efficiency and per-step latency
  // kTrainingFigures' scale-up ones), 32 layers, 256 / 8 = 32 micro-batches of 1. Per layer and micro-batch: gather
  // 16-bit weights for the forward and again for the backward, reduce-scatter fp32 gradients. Each layer's compute
  // covers the next layer's traffic, so only the first gather and the last gather + reduce-scatter are exposed; the
  // other 31 layers' traffic is hidden at kOverlapContention.
  TrainingConfig c = llama7b(1, 1);
  c.parallelism.pp = 1;
  c.parallelism.dp = 8;
  c.parallelism.zero = 3;
  TrainingConfig serial = c;
  serial.dp_overlap = false;
  const auto on = hwsim::evaluate_training(c, node, kTrainingEff);
  const auto off = hwsim::evaluate_training(serial, node, kTrainingEff);
  INFO(on.message);
  REQUIRE(on.fits);
  REQUIRE(off.fits);
  const double per_layer = c.model.parameters() / 32;
  const hwsim::LinkPath nvlink{BytesPerSecond(300e9), kTrainingFigures.latency_scale_up,
                               kTrainingFigures.link_scale_up};
  const double gather = hwsim::ring_all_gather(hwsim::Bytes(per_layer * 2), 8, nvlink).value();
  const double reduce = hwsim::ring_all_gather(hwsim::Bytes(per_layer * 4), 8, nvlink).value();
  const double hidden = 32 * 31 * (2 * gather + reduce);  // 32 micro-batches x 31 layers
  CHECK((off.breakdown.communication - on.breakdown.communication).value() == Approx(hidden).epsilon(1e-9));
  CHECK((off.step_time - on.step_time).value() == Approx(hidden * (1 - hwsim::kOverlapContention)).epsilon(1e-9));
  // What stays exposed: 32 x (gather + gather + reduce).
  CHECK(off.breakdown.communication.value() - hidden == Approx(32 * (2 * gather + reduce)).epsilon(1e-9));
}

TEST_CASE("doubling the micro-batch count roughly halves the bubble's share of the step", "[training]") {
  const hwsim::System node = training_system("a100-node");
  // Same global batch 256 over dp 2: micro-batch 2 gives m = 64, micro-batch 1 gives m = 128. With m >> pp the
  // share is ~ (pp - 1) / m / (1 + (pp - 1) / m): 3/64 / (1 + 3/64) = 4.48% vs 3/128 / (1 + 3/128) = 2.29%, a
  // ratio of 0.51. Launch overheads and efficiency changes move both a little: the share within 5% of the
  // estimate, the ratio within 0.45 .. 0.56.
  const auto m64 = hwsim::evaluate_training(llama7b(2, 1), node, kTrainingEff);
  const auto m128 = hwsim::evaluate_training(llama7b(1, 1), node, kTrainingEff);
  REQUIRE(m64.fits);
  REQUIRE(m128.fits);
  const double share64 = m64.breakdown.bubble.value() / m64.step_time.value();
  const double share128 = m128.breakdown.bubble.value() / m128.step_time.value();
  INFO("bubble share at 64 micro-batches " << share64 << ", at 128 " << share128);
  CHECK(share64 == Approx(3.0 / 64 / (1 + 3.0 / 64)).epsilon(0.05));
  CHECK(share128 / share64 >= 0.45);
  CHECK(share128 / share64 <= 0.56);
}

TEST_CASE("MFU = model FLOPs per second / (devices x dense peak of the dtype)", "[training]") {
  const hwsim::System node = training_system("a100-node");
  const auto r = hwsim::evaluate_training(llama7b(1, 1), node, kTrainingEff);
  REQUIRE(r.fits);
  // Llama 2 7B training FLOPs per token at seq 2048 = 3 x (2 x 6,607,077,376 matmul weights + 4 x 32 layers x
  // 2048 x 4096); 256 x 2048 tokens per step; 8 A100s at 108 SM x 4 TC x 512 FLOP x 1.41 GHz (bf16).
  const double flops_per_token = 3.0 * (2.0 * 6607077376.0 + 4.0 * 32 * 2048 * 4096);
  const double peak = 108.0 * 4 * 512 * 1.41e9;
  const double model_flops_per_s = flops_per_token * 256 * 2048 / r.step_time.value();
  CHECK(r.mfu == Approx(model_flops_per_s / (8 * peak)).epsilon(1e-9));
  CHECK(r.achieved_flops_per_device.value() == Approx(model_flops_per_s / 8).epsilon(1e-9));
  CHECK(r.mfu > 0.0);
  CHECK(r.mfu <
        kTrainingFigures.gemm);  // below the GEMM efficiency: the step also holds memory-bound work and the bubble
}

TEST_CASE("a model that does not fit gives fits=false and a message naming the shortfall in GB", "[training]") {
  // GPT-3 175B on one DGX A100 80 GB: tp 8, pp 1, dp 1, no ZeRO, no SP, no recompute, global batch 8.
  TrainingConfig c = gpt3(0, false, Recompute::none);
  c.parallelism.pp = 1;
  c.parallelism.dp = 1;
  c.global_batch = 8;
  // Needs 174.6e9 / 8 x (2 + 4 + 12) B + 2048 x 12288 x 23 B x 96 layers x 1 micro-batch in flight + the logits
  // (102.9 MB) = 448.5 GB; usable: 80 GiB less 4 GB = 81.9 GB; short by 366.6 GB.
  const double need = kGpt3Parameters / 8 * 18 + 2048.0 * 12288 * 23 * 96 + kGpt3Logits;
  const double usable = 80 * kGiB - 4e9;  // Device::usable_memory
  const auto r = hwsim::evaluate_training(c, training_system("a100-node"), kTrainingEff);
  CHECK_FALSE(r.fits);
  CHECK(r.memory_per_device.value() == Approx(need).epsilon(kRel));
  INFO(r.message);
  CHECK_THAT(r.message, Catch::Contains(fmt::format("needs {:.1f} GB per device", need / 1e9)));
  CHECK_THAT(r.message, Catch::Contains(fmt::format("short by {:.1f} GB", (need - usable) / 1e9)));
  CHECK_THAT(r.message, Catch::Contains("short by 366.6 GB"));
}

TEST_CASE("evaluate reports a training configuration that does not fit as a result, not an error", "[training]") {
  // The fixture's GPT-3 (tp 8 x pp 16) asks for 128 GPUs; one DGX A100 has 8: not fitting, with the reason.
  const hwsim::Evaluation ev = hwsim::evaluate(training_fixture(), kTrainingEff);
  const hwsim::Result& r = hwsim::test::result_of(ev, "a100-node", "gpt3");
  CHECK_FALSE(r.fits);
  CHECK_THAT(r.message, Catch::Contains("the deployment has 8"));
  CHECK_FALSE(r.metric("throughput_tokens_per_s").has_value());  // omitted, never zero-filled
  CHECK_FALSE(r.metric("mfu").has_value());
}

namespace {
// Llama 3.1 405B as the Llama 3 paper trains it (Table 4): 16384 H100, TP 8, PP 16, DP 128, ZeRO 2, BF16, seq 8192,
// micro-batch 1, SP, no recompute, fused attention (scenarios/validation/training/TRN-LLAMA3-405B-16384.yaml).
TrainingConfig llama405b(int pp) {
  const hwsim::Scenario sc =
      hwsim::load_scenario(fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-LLAMA3-405B-16384.yaml", {});
  TrainingConfig c = sc.workloads.front().training;
  c.parallelism.pp = pp;
  c.parallelism.dp = 16384 / (8 * pp);
  c.parallelism.vp = 1;  // plain 1F1B (the run interleaves 8 chunks per rank; the hand counts below are 1F1B's)
  return c;
}
}  // namespace

TEST_CASE("Llama 3.1 405B on 16 stages: 126 layers as 7 | 8 | 7, and the fullest middle stage sets the memory",
          "[training]") {
  const TrainingConfig c = llama405b(16);
  REQUIRE(c.model.layers == 126);
  const hwsim::StageLayers split = hwsim::stage_layers(126, 16);
  CHECK(split.first == 7);
  CHECK(split.middle == 8);
  CHECK(split.last == 7);
  // By hand. A layer: attention 2h^2 + 2h x kv (h 16384, kv 8 x 128) = 570,425,344; SwiGLU MLP 3 x h x 53248 =
  // 2,617,245,696; two RMSNorms 2h: 3,187,703,808. Over tp 8, the middle stage's 8 layers: 3,187,703,808 per GPU.
  // Weights 2 B; ZeRO 2 over dp x cp = 128: fp32 gradients 4 B and optimizer 12 B per parameter / 128.
  const double params = 8 * 3187703808.0 / 8;
  // Activations with SP, no dropout, 2 B: s x b x (8h + 4h + 4kv + 6f) / t per layer = 8192 x 520,192 / 8 =
  // 532,676,608 B; stage 1 holds pp - 1 = 15 micro-batches of its 8 layers (1F1B; 2048 / 128 = 16 per step).
  const double activations = 8 * 15 * (8192.0 * 520192 / 8);
  const TrainingMemory m = hwsim::training_memory(c);
  CHECK(m.weights.value() == Approx(2 * params).epsilon(kRel));
  CHECK(m.gradients.value() == Approx(4 * params / 128).epsilon(kRel));
  CHECK(m.optimizer.value() == Approx(12 * params / 128).epsilon(kRel));
  CHECK(m.activations.value() == Approx(activations).epsilon(kRel));
  CHECK(m.total().value() == Approx(70695063552.0).epsilon(kRel));  // 70.7 GB: fits the 81.9 GB usable
  // The first stage (7 layers and the 128256 x 16384 embedding, 16 in flight) needs less: 66.1 GB.
  const double first = (7 * 3187703808.0 + 128256.0 * 16384) / 8;
  CHECK(first * (2 + 16.0 / 128) + 7 * 16 * (8192.0 * 520192 / 8) == Approx(66145086976.0).epsilon(kRel));
  CHECK(m.total().value() > 66145086976.0);
}

TEST_CASE("Llama 3.1 405B evaluates on 8 and 16 pipeline stages, the end stages one layer lighter", "[training]") {
  const hwsim::Scenario sc =
      hwsim::load_scenario(fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-LLAMA3-405B-16384.yaml", {});
  const hwsim::System sys = hwsim::build_system(sc, sc.deployments.front());
  for (const int pp : {8, 16}) {
    INFO("pp " << pp);
    const hwsim::StageLayers split = hwsim::stage_layers(126, pp);
    CHECK(split.first == split.middle - 1);
    CHECK(split.last == split.middle - 1);
    CHECK(split.first + split.last + (pp - 2) * split.middle == 126);
    const auto r = hwsim::evaluate_training(llama405b(pp), sys, kTrainingEff);
    INFO(r.message);
    CHECK(r.fits);
    CHECK(r.step_time.value() > 0);
  }
}

TEST_CASE("with context parallelism ZeRO shards over dp x cp: the distributed optimizer's state / (dp x cp)",
          "[training]") {
  // Llama 3 8B on 8 GPUs as NeMo 24.07 runs it: tp 1, pp 1, cp 2, dp 4, distributed optimizer (ZeRO 1).
  const hwsim::Scenario sc = hwsim::load_scenario(
      fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-NEMO2407-LLAMA3-8B-8xH100-FP8.yaml", {});
  TrainingConfig c = sc.workloads.front().training;
  REQUIRE(c.parallelism.cp == 2);
  c.parallelism.dp = 4;  // the file leaves dp to the devices: 8 / (tp x pp x cp)
  REQUIRE(c.parallelism.zero == 1);
  const double params = c.model.parameters();  // one stage holds every parameter
  const TrainingMemory m = hwsim::training_memory(c);
  CHECK(m.optimizer.value() == Approx(12 * params / 8).epsilon(kRel));
  CHECK(m.gradients.value() == Approx(4 * params).epsilon(kRel));  // ZeRO 1 keeps whole gradients
  c.parallelism.zero = 2;
  CHECK(hwsim::training_memory(c).gradients.value() == Approx(4 * params / 8).epsilon(kRel));
  // A bf16 reduction keeps a bf16 gradient buffer (Megatron-Core main_grad without grad_reduce_in_fp32).
  c.grad_reduce_dtype = hwsim::DType::bf16;
  CHECK(hwsim::training_memory(c).gradients.value() == Approx(2 * params / 8).epsilon(kRel));
}

// torchtitan's op-level selective checkpointing (Recompute::selective_op) on Llama 2 7B (h = 4096, 32 KV heads of 128:
// kv = 4096, gated MLP f = 11008, 32 layers), one DGX A100 as 8 FSDP ranks (ZeRO-3), one micro-batch of 2048 tokens.
TrainingConfig llama7b_dp8(Recompute recompute) {
  TrainingConfig c = training_workload("llama7b-pp4");
  c.stack = hwsim::Stack::pytorch;
  c.parallelism = {.tp = 1, .pp = 1, .dp = 8, .zero = 3};
  c.global_batch = 8;
  c.micro_batch = 1;
  c.recompute = recompute;
  return c;
}

// The 8 x B200 node of training_b200.yaml (FP8 and FP4 tensor cores), kept apart from training.yaml's A100 nodes.
hwsim::System b200_system() {
  static const hwsim::Scenario b200 =
      hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/training_b200.yaml", {});
  return hwsim::build_system(b200, b200.deployments.at(0));
}

// Llama 2 7B on 8 ranks as llama7b_dp8, run by Megatron-Core with its distributed optimizer (ZeRO 1).
TrainingConfig llama7b_megatron_zero1() {
  TrainingConfig c = llama7b_dp8(Recompute::none);
  c.stack = hwsim::Stack::megatron_core;
  c.parallelism.zero = 1;
  return c;
}

// ZeRO-3 hides each layer's gathers and reduce-scatter under its backward, which also runs the forward again in the
// layers that recompute it: with 8 of 32 layers recomputing, the exposed sharding traffic is a quarter of the full
// recompute's and three quarters of none's.
TEST_CASE("ZeRO-3 under a partial recompute exposes each layer's traffic by that layer's own cover", "[training]") {
  hwsim::System node = training_system("a100-node");
  TrainingConfig c = llama7b_dp8(Recompute::none);
  c.global_batch = 8;
  // From links so slow that every layer's traffic outlasts its backward and recomputed forward, to links fast enough
  // to hide it all, by factors of 1.25: some rates hide a layer's traffic under a backward with a recomputed forward
  // but not under a backward alone, where an averaged cover would not split three to one.
  int exposed_without_recompute_only = 0;
  for (double rate = 2e9; rate < 2e12; rate *= 1.25) {
    node.device.scale_up_bandwidth = BytesPerSecond(rate);
    c.recompute = Recompute::none;
    c.recompute_layers = 0;
    const auto none = hwsim::evaluate_training(c, node, kTrainingEff);
    c.recompute = Recompute::full;
    const auto full = hwsim::evaluate_training(c, node, kTrainingEff);
    c.recompute_layers = 8;
    const auto quarter = hwsim::evaluate_training(c, node, kTrainingEff);
    REQUIRE(none.fits);
    REQUIRE(quarter.fits);
    INFO("scale-up rate " << rate);
    CHECK(quarter.breakdown.communication.value() ==
          Approx(0.75 * none.breakdown.communication.value() + 0.25 * full.breakdown.communication.value())
              .epsilon(1e-9));
    if (none.breakdown.communication > full.breakdown.communication) ++exposed_without_recompute_only;
  }
  CHECK(exposed_without_recompute_only > 0);
}

TEST_CASE("a stack's attention kernel: native for Megatron-Core, FlashAttention-2 class otherwise; a named one wins",
          "[training]") {
  using hwsim::AttentionKernel;
  TrainingConfig c = llama7b_dp8(Recompute::none);
  CHECK(hwsim::attention_kernel_of(c) == AttentionKernel::ampere_class);
  c.stack = hwsim::Stack::megatron_core;
  CHECK(hwsim::attention_kernel_of(c) == AttentionKernel::native);
  c.attention_kernel = AttentionKernel::flash1;
  CHECK(hwsim::attention_kernel_of(c) == AttentionKernel::flash1);
  // Where FlashAttention-2 is the native kernel (the fixed figures: share 1), a FlashAttention-1-class kernel (share
  // 0.5) makes the step slower by its attention alone.
  const hwsim::System node = training_system("a100-node");
  c.attention_kernel = AttentionKernel::native;
  const auto native = hwsim::evaluate_training(c, node, kTrainingEff);
  c.attention_kernel = AttentionKernel::ampere_class;
  CHECK(hwsim::evaluate_training(c, node, kTrainingEff).step_time.value() ==
        Approx(native.step_time.value()).epsilon(kRel));
  c.attention_kernel = AttentionKernel::flash1;
  const auto flash1 = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK(flash1.step_time.value() > native.step_time.value());
  CHECK(flash1.step_time.value() < 1.5 * native.step_time.value());  // attention is a minor share at 2048 tokens
}

TEST_CASE("FP8 and FP4 training keep attention in 16 bits and store the GEMM inputs in the format", "[training]") {
  // What a FlashAttention-1-class kernel (half the rate) adds to the step is the attention's own time; on a B200,
  // whose FP4 peak is twice its FP8 and four times its BF16, that increment is the same in FP8 and FP4 training
  // because both run attention in BF16 (Transformer Engine casts only the linear layers' inputs).
  using hwsim::AttentionKernel;
  const hwsim::System node = b200_system();
  TrainingConfig c = llama7b_dp8(Recompute::none);
  c.dp_overlap = false;  // the reduction's exposure would follow each format's compute time
  const auto attention_increment = [&](hwsim::DType dtype) {
    c.dtype = dtype;
    c.attention_kernel = AttentionKernel::native;
    const auto native = hwsim::evaluate_training(c, node, kTrainingEff);
    c.attention_kernel = AttentionKernel::flash1;
    const auto flash1 = hwsim::evaluate_training(c, node, kTrainingEff);
    REQUIRE(native.fits);
    REQUIRE(flash1.fits);
    return flash1.breakdown.compute.value() - native.breakdown.compute.value();
  };
  const double bf16 = attention_increment(hwsim::DType::bf16);
  const double fp8 = attention_increment(hwsim::DType::fp8);
  const double fp4 = attention_increment(hwsim::DType::fp4);
  CHECK(bf16 > 0);
  CHECK(fp8 == Approx(bf16).epsilon(1e-9));
  CHECK(fp4 == Approx(bf16).epsilon(1e-9));
  // The linear layers' inputs are stored for the backward pass in the format (2, 1 and 0.5 B per element), so the
  // activations shrink with its width and nothing else in them changes.
  const auto stored = [&](hwsim::DType dtype) {
    c.dtype = dtype;
    return hwsim::training_memory(c).activations.value();
  };
  const double stored16 = stored(hwsim::DType::bf16);
  const double stored8 = stored(hwsim::DType::fp8);
  const double stored4 = stored(hwsim::DType::fp4);
  CHECK(stored16 > stored8);
  CHECK(stored8 > stored4);
  CHECK((stored16 - stored8) / (stored8 - stored4) == Approx(2.0).epsilon(1e-9));
}

TEST_CASE("op-level checkpointing keeps the layer input, the attention output and every odd product's output",
          "[training]") {
  // Kept per token and layer: input h, attention output h, wq h, wv kv, w1 f, w2 h (wk, wo and w3 are recomputed):
  // 4 x 4096 + 4096 + 11008 = 31,488 elements of 2 B; and the fp32 logits with their gradient (2 x s x V x 4 B).
  const double tokens = 2048;
  const double logits = 2.0 * tokens * 32000 * 4;
  const double kept = 2.0 * tokens * (4 * 4096.0 + 4096 + 11008) * 32;  // 4,127,195,136 B
  CHECK(hwsim::training_memory(llama7b_dp8(Recompute::selective_op)).activations.value() ==
        Approx(kept + logits).epsilon(kRel));
  CHECK(hwsim::op_checkpoint_saved_width(training_workload("llama7b-pp4").model, 1, false) == 31488.0);
  // Tensor parallelism splits the column-parallel outputs; the input and w2's output are full width without sequence
  // parallelism: 4096 + 4096 + (4096 + 4096 + 4096 + 11008) / 4 = 14,016; with it, everything / 4 = 7,872.
  CHECK(hwsim::op_checkpoint_saved_width(training_workload("llama7b-pp4").model, 4, false) == 14016.0);
  CHECK(hwsim::op_checkpoint_saved_width(training_workload("llama7b-pp4").model, 4, true) == 7872.0);
}

TEST_CASE("op-level checkpointing recomputes wk, wo and w3 and counts them as hardware FLOPs, between none and full",
          "[training]") {
  const hwsim::System node = training_system("a100-node");
  const auto none = hwsim::evaluate_training(llama7b_dp8(Recompute::none), node, kTrainingEff);
  const auto op = hwsim::evaluate_training(llama7b_dp8(Recompute::selective_op), node, kTrainingEff);
  const auto full = hwsim::evaluate_training(llama7b_dp8(Recompute::full), node, kTrainingEff);
  REQUIRE(none.fits);
  REQUIRE(op.fits);
  REQUIRE(full.fits);
  CHECK(full.memory_per_device < op.memory_per_device);
  CHECK(op.memory_per_device < none.memory_per_device);
  CHECK(none.step_time < op.step_time);
  CHECK(op.step_time < full.step_time);
  // Recomputed FLOPs per token: 2 x (h x kv + h x h + h x f) x layers, over the model's training FLOPs per token.
  const hwsim::ModelSpec& m = training_workload("llama7b-pp4").model;
  const double recomputed = 2.0 * (4096.0 * 4096 + 4096.0 * 4096 + 4096.0 * 11008) * 32;
  CHECK((op.hfu - op.mfu) / op.mfu == Approx(recomputed / m.training_flops_per_token(2048)).epsilon(1e-9));
  // Its time: at least those products at the stated GEMM efficiency (0.7 of the A100's 312 TFLOP/s), plus the
  // element-wise work, less than the whole forward.
  const double product_time = recomputed * 2048 / (312e12 * 0.7);
  CHECK(op.breakdown.recompute.value() > product_time);
  CHECK(op.breakdown.recompute < full.breakdown.recompute);
}

TEST_CASE("TP overlap (userbuffers): the products beside a pipeline or bulk overlap lose its 16 SMs, the rest keep all",
          "[training]") {
  // GPT-3 175B at tp 8 with TP overlap on a pod of A100s (108 SMs). Per token and layer the products beside a
  // pipeline overlap (projection and MLP-down forward: 2h^2 + 8h^2 FLOPs) or a bulk overlap (QKV and MLP-up dgrad and
  // wgrad: 12h^2 + 16h^2) are 38h^2 of the 72h^2 linear FLOPs; on 108 - 16 SMs they take 108/92 of their time. With a
  // max roofline corner the compute-bound products' time is FLOPs / (bf16 peak x 0.7), so the compute grows by that
  // much over a device without the margin (no SM count).
  hwsim::test::EfficiencyFigures figures = kTrainingFigures;
  figures.roofline_corner = std::numeric_limits<double>::infinity();
  const hwsim::test::FixedEfficiency eff(figures);
  TrainingConfig c = gpt3(1, true, Recompute::none);
  c.tp_overlap = true;
  c.dp_overlap = false;  // no data-parallel contention, which a longer backward would change
  const hwsim::System pod = training_system("a100-pod");
  REQUIRE(pod.device.sms == 108);
  hwsim::System without_margin = pod;
  without_margin.device.sms = 0;
  const auto with = hwsim::evaluate_training(c, pod, eff);
  const auto without = hwsim::evaluate_training(c, without_margin, eff);
  REQUIRE(with.fits);
  const double h = 12288;
  const double peak = pod.device.peak_of(hwsim::DType::bf16)->value();  // 108 SMs x 4 x 512 FLOP x 1.41 GHz
  const double per_layer = 38.0 * h * h * 2048 / 8 / (peak * 0.7);
  const double layers = 6;           // 96 / 16 stages
  const double micro_batches = 128;  // 1536 / (dp 12 x 1)
  CHECK(with.breakdown.compute.value() - without.breakdown.compute.value() ==
        Approx(micro_batches * layers * per_layer * (108.0 / 92 - 1)).epsilon(1e-9));
}

// Mixtral 8x7B with ep = 8 and the distributed optimizer (tests/fixtures/scenarios/moe_training.yaml).
struct MoeFixture {
  hwsim::Scenario scenario = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/moe_training.yaml", {});
  [[nodiscard]] TrainingConfig mixtral(int dp) const {
    TrainingConfig c = scenario.workloads.at(0).training;
    c.parallelism.dp = dp;
    return c;
  }
  // 32 experts (2 layers, to fit) on four DGX H100 at tp 2, dp 16, sequence parallel (2048 tokens per rank), ep 32
  // folded over the tp ranks (etp 1).
  [[nodiscard]] TrainingConfig folded() const {
    TrainingConfig c = mixtral(16);
    c.model.experts = 32;
    c.model.layers = 2;
    c.parallelism.tp = 2;
    c.parallelism.ep = 32;
    c.parallelism.etp = 1;
    c.sequence_parallel = true;
    return c;
  }
  [[nodiscard]] hwsim::System system(const std::string& deployment) const {
    for (const auto& d : scenario.deployments) {
      if (d.name == deployment) return hwsim::build_system(scenario, d);
    }
    FAIL("no deployment " << deployment);
    return {};
  }
};

TEST_CASE("expert parallelism: each of ep ranks holds 1/ep of the routed experts; ZeRO shards experts like the rest",
          "[training]") {
  const MoeFixture f;
  const hwsim::ModelSpec& m = f.mixtral(32).model;
  // Routed experts: 32 layers x 8 x 3 x 4096 x 14336 = 45,097,156,608; the rest (attention, routers, norms,
  // embeddings, output) 1,605,636,096 of 46,702,792,704.
  const double experts = 32.0 * 8 * 3 * 4096 * 14336;
  const double all = m.parameters();
  REQUIRE(hwsim::stage_expert_parameters(m, 32, 1) == experts);
  const double held = all - experts + experts / 8;
  // Four DGX H100, dp 32: 16-bit weights and fp32 gradients of what a rank holds; optimizer state 12 B / (dp x cp).
  const TrainingMemory four = hwsim::training_memory(f.mixtral(32));
  CHECK(four.weights.value() == Approx(held * 2).epsilon(kRel));
  CHECK(four.gradients.value() == Approx(held * 4).epsilon(kRel));
  CHECK(four.optimizer.value() == Approx(all * 12 / 32).epsilon(kRel));
  const auto fits = hwsim::evaluate_training(f.mixtral(32), f.system("four-dgx"), kTrainingEff);
  CHECK(fits.fits);
  // One DGX H100: 46.7B parameters x 18 B = 841 GB of weights, gradients and optimizer state for 8 x 80 GB; with
  // ep = 8 a rank still needs held x 6 B + all x 12 / 8 B = 113.5 GB before its 2.1 GB of activations.
  const auto one = hwsim::evaluate_training(f.mixtral(8), f.system("one-dgx"), kTrainingEff);
  CHECK_FALSE(one.fits);
  CHECK_THAT(one.message, Catch::StartsWith("does not fit: needs 115.6 GB per device"));
  CHECK(all * 18 == Approx(840.65e9).epsilon(1e-4));
}

TEST_CASE("expert all-to-all across nodes: tp x ep past a node sends the other node's share over the NICs",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  // tp 2: the 8 expert-parallel ranks are 2 apart, 4 in each of two nodes. Without sequence parallelism every rank
  // dispatches its 4096 tokens; 3/8 of the buffer goes to its node's peers over NVLink while 4/8 leave on its NIC.
  TrainingConfig c = f.mixtral(16);
  c.parallelism.tp = 2;
  const auto r = hwsim::evaluate_training(c, pod, kTrainingEff);
  REQUIRE(r.fits);
  const hwsim::Bytes buffer = hwsim::expert_dispatch_bytes(c, 4096);
  const hwsim::LinkPath nvlink{pod.device.scale_up_bandwidth, kTrainingEff.link_latency(pod.device, false),
                               kTrainingEff.link(pod.device, false)};
  const hwsim::LinkPath nic{pod.device.scale_out_bandwidth, kTrainingEff.link_latency(pod.device, true),
                            kTrainingEff.link(pod.device, true)};
  const hwsim::ExpertExchange bytes = hwsim::expert_exchange_bytes(c.model, 4096, 8, 4, false);
  CHECK(bytes.intra_node.value() == Approx(buffer.value() * 3 / 8));
  CHECK(bytes.scale_out.value() == Approx(buffer.value() * 4 / 8));
  const double per_exchange = hwsim::split_exchange(bytes.intra_node, 3, nvlink, bytes.scale_out, 4, nic).value();
  CHECK(per_exchange ==
        Approx(0.5 * buffer.value() / (nic.bandwidth.value() * nic.efficiency) + 4 * nic.latency.value()));
  // 6 exchanges per layer (full recompute), 32 layers, 256 / 16 = 16 micro-batches.
  CHECK(r.breakdown.all_to_all.value() == Approx(per_exchange * 6 * 32 * 16).epsilon(kRel));
  // Less than if every peer were across the network.
  CHECK(r.breakdown.all_to_all.value() < hwsim::all_to_all(buffer, 8, nic).value() * 6 * 32 * 16);
}

TEST_CASE("expert exchange: a copy per routed expert (alltoall) or one per destination rank and node (DeepEP)",
          "[training]") {
  hwsim::ModelSpec m = MoeFixture().mixtral(32).model;  // 8 experts, top-2, hidden 4096
  const double tokens = 4096;
  const double token_bytes = tokens * 4096 * 2;
  // alltoall, 8 ranks in one node: 7/8 of tokens x 2 copies stays on NVLink, nothing leaves the node.
  const auto a2a = hwsim::expert_exchange_bytes(m, tokens, 8, 8, false);
  CHECK(a2a.intra_node.value() == Approx(token_bytes * 2 * 7 / 8));
  CHECK(a2a.scale_out.value() == 0.0);
  // Per destination: a peer rank holds 1 of the 8 experts; a token's 2 picks include it with 1 - (7/8)(6/7) = 1/4,
  // so each token goes to 7 x 1/4 = 1.75 peers, where alltoall sends 1.75 copies too (2 x 7/8): with one expert per
  // rank there is nothing to deduplicate.
  const auto dedup = hwsim::expert_exchange_bytes(m, tokens, 8, 8, true);
  CHECK(dedup.intra_node.value() == Approx(token_bytes * 7 * 0.25));
  // Across 2 nodes of 4: to the 3 node peers (1/4 each) and to the other node, which holds 4 of the 8 experts and is
  // hit unless both picks fall in this node's 4: 1 - (4/8)(3/7) = 11/14; alltoall sends 4/8 x 2 copies over the NIC.
  const auto two_nodes = hwsim::expert_exchange_bytes(m, tokens, 8, 4, true);
  CHECK(two_nodes.intra_node.value() == Approx(token_bytes * 3 * 0.25));
  CHECK(two_nodes.scale_out.value() == Approx(token_bytes * 11.0 / 14.0));
  CHECK(hwsim::expert_exchange_bytes(m, tokens, 8, 4, false).scale_out.value() == Approx(token_bytes * 2 * 4 / 8));
  // A node never holds more of the group than the group has: 72 to a node is the one-node exchange.
  const auto wide = hwsim::expert_exchange_bytes(m, tokens, 8, 72, false);
  CHECK(wide.intra_node.value() == Approx(a2a.intra_node.value()));
  CHECK(wide.scale_out.value() == 0.0);
  // Fine-grained experts (128, top 8, 16 on each of 8 ranks): a peer is hit with 1 - C(112, 8) / C(128, 8).
  m.experts = 128;
  m.experts_per_token = 8;
  double miss = 1;
  for (int i = 0; i < 8; ++i) miss *= (112.0 - i) / (128.0 - i);
  CHECK(hwsim::expert_exchange_bytes(m, tokens, 8, 8, true).intra_node.value() == Approx(token_bytes * 7 * (1 - miss)));
  CHECK(1 - miss == Approx(0.6674).epsilon(1e-3));  // 4.7 copies per token where alltoall sends 7
}

TEST_CASE(
    "MoE host time: each MoE layer's host time is exposed unless a sync-free dispatcher runs in a graph of the "
    "whole step",
    "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  TrainingConfig c = f.mixtral(32);
  c.step_overhead = hwsim::Seconds(0);  // the MoE layers' host time alone
  const auto dropless = hwsim::evaluate_training(c, pod, kTrainingEff);
  REQUIRE(dropless.fits);
  // 1 local expert (8 experts, ep 8): 1.667 ms + 0.307 ms per layer, 32 layers, a recomputed forward (x 1.5), 8
  // micro-batches.
  const double per_layer = hwsim::kMoeHostSecondsPerLayer + hwsim::kMoeHostSecondsPerLocalExpert * 1;
  CHECK(dropless.breakdown.host.value() == Approx(per_layer * 32 * 1.5 * 8).epsilon(kRel));
  // A sync-free dispatcher alone (token drop with padding) is charged the same (moe_host_hidden: a fit, not a
  // mechanism).
  c.moe_sync_free = true;
  const auto sync_free = hwsim::evaluate_training(c, pod, kTrainingEff);
  CHECK(sync_free.breakdown.host.value() == Approx(dropless.breakdown.host.value()).epsilon(kRel));
  // Captured layer by layer (per-layer graphs), the sync-free layers are still charged (moe_host_hidden: a fit).
  c.cuda_graphs = hwsim::CudaGraphs::layers;
  const auto per_layer_graphs = hwsim::evaluate_training(c, pod, kTrainingEff);
  CHECK(per_layer_graphs.breakdown.host.value() == Approx(dropless.breakdown.host.value()).epsilon(kRel));
  // Replayed by a graph of the whole step, the layers cost the host nothing (step_overhead stays 0 here).
  c.cuda_graphs = hwsim::CudaGraphs::full_iteration;
  const auto graphed = hwsim::evaluate_training(c, pod, kTrainingEff);
  CHECK(graphed.breakdown.host.value() == 0.0);
  CHECK((dropless.step_time - graphed.step_time).value() == Approx(dropless.breakdown.host.value()).epsilon(kRel));
  // Without a sync-free dispatcher the graph cannot hold the layers: their host time stays.
  c.moe_sync_free = false;
  const auto graphed_dropless = hwsim::evaluate_training(c, pod, kTrainingEff);
  CHECK(graphed_dropless.breakdown.host.value() == Approx(dropless.breakdown.host.value()).epsilon(kRel));
  c.cuda_graphs = hwsim::CudaGraphs::none;
  // More local experts, more host time: 16 experts over ep 8 leave 2 on each rank (8 layers, to fit).
  c.model.experts = 16;
  c.model.layers = 8;
  const auto finer = hwsim::evaluate_training(c, pod, kTrainingEff);
  REQUIRE(finer.fits);
  CHECK(
      finer.breakdown.host.value() ==
      Approx((hwsim::kMoeHostSecondsPerLayer + hwsim::kMoeHostSecondsPerLocalExpert * 2) * 8 * 1.5 * 8).epsilon(kRel));
}

namespace {
// kTrainingEff behind every method, for test models that change or watch one or two of them.
class ForwardingEfficiency : public hwsim::EfficiencyModel {
 public:
  [[nodiscard]] double compute(const hwsim::Device& d, hwsim::DType t, hwsim::Flop f) const override {
    return kTrainingEff.compute(d, t, f);
  }
  [[nodiscard]] double gemm(const hwsim::Device& d, hwsim::DType t, double m, double n, double k) const override {
    return kTrainingEff.gemm(d, t, m, n, k);
  }
  [[nodiscard]] double grouped_gemm(const hwsim::Device& d, hwsim::DType t, double groups, double m, double n,
                                    double k) const override {
    return kTrainingEff.grouped_gemm(d, t, groups, m, n, k);
  }
  [[nodiscard]] double split_accumulation(const hwsim::Device& d, hwsim::DType t) const override {
    return kTrainingEff.split_accumulation(d, t);
  }
  [[nodiscard]] double serving_expert_share(const hwsim::Device& d) const override {
    return kTrainingEff.serving_expert_share(d);
  }
  [[nodiscard]] double fused_attention(const hwsim::Device& d, hwsim::DType t, bool backward) const override {
    return kTrainingEff.fused_attention(d, t, backward);
  }
  [[nodiscard]] double attention_kernel_share(const hwsim::Device& d, hwsim::AttentionKernel k) const override {
    return kTrainingEff.attention_kernel_share(d, k);
  }
  [[nodiscard]] double memory(const hwsim::Device& d, hwsim::Bytes b) const override {
    return kTrainingEff.memory(d, b);
  }
  [[nodiscard]] double link(const hwsim::Device& d, bool out) const override { return kTrainingEff.link(d, out); }
  [[nodiscard]] double roofline_corner(const hwsim::Device& d) const override {
    return kTrainingEff.roofline_corner(d);
  }
  [[nodiscard]] Seconds launch_overhead(const hwsim::Device& d) const override {
    return kTrainingEff.launch_overhead(d);
  }
  [[nodiscard]] Seconds link_latency(const hwsim::Device& d, bool out) const override {
    return kTrainingEff.link_latency(d, out);
  }
  [[nodiscard]] std::string source() const override { return "forwarding"; }
};

// kTrainingEff, recording the products the engine asks about: single (m, n, k) and grouped (groups, m, n, k).
class ProductRecorder final : public ForwardingEfficiency {
 public:
  mutable std::vector<std::array<double, 3>> gemms;
  mutable std::vector<std::array<double, 4>> grouped;
  mutable std::vector<double> memory_bytes;  // every memory-bound op's bytes
  [[nodiscard]] double gemm(const hwsim::Device& d, hwsim::DType t, double m, double n, double k) const override {
    gemms.push_back({m, n, k});
    return ForwardingEfficiency::gemm(d, t, m, n, k);
  }
  [[nodiscard]] double grouped_gemm(const hwsim::Device& d, hwsim::DType t, double groups, double m, double n,
                                    double k) const override {
    grouped.push_back({groups, m, n, k});
    return ForwardingEfficiency::grouped_gemm(d, t, groups, m, n, k);
  }
  [[nodiscard]] double memory(const hwsim::Device& d, hwsim::Bytes b) const override {
    memory_bytes.push_back(b.value());
    return ForwardingEfficiency::memory(d, b);
  }
  [[nodiscard]] std::string source() const override { return "recorder"; }
  // Whether a memory-bound op moved `bytes` (to 1e-12).
  [[nodiscard]] bool moved(double bytes) const {
    return std::find_if(memory_bytes.begin(), memory_bytes.end(),
                        [bytes](double b) { return b == Approx(bytes).epsilon(1e-12); }) != memory_bytes.end();
  }
};

// The products and memory-bound ops one training step of `c` on `sys` asks about (the step must fit).
ProductRecorder recorded(const TrainingConfig& c, const hwsim::System& sys) {
  ProductRecorder r;
  REQUIRE(hwsim::evaluate_training(c, sys, r).fits);
  return r;
}
}  // namespace

TEST_CASE("the routed experts' products are one grouped GEMM of a rank's local experts over the rows routed to each",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  // 16 experts (2 layers, to fit), top 2, micro-batch 1 x 4096 tokens.
  TrainingConfig c = f.mixtral(32);
  c.model.experts = 16;
  c.model.layers = 2;
  const auto has = [](const ProductRecorder& r, std::array<double, 4> call) {
    return std::find(r.grouped.begin(), r.grouped.end(), call) != r.grouped.end();
  };
  // ep 8: 2 experts on each rank; the rank's 4096 tokens x 2 copies come back from the 8 ranks as 8192 rows, 4096 per
  // expert. Forward up (and gate) 4096 x 4096 -> 2 x 14336, down 14336 -> 4096; the backward's dgrad and wgrad. The
  // routed tokens are always grouped_gemm's rows (its token tiles), in a weight gradient too, where they are the
  // reduced dimension: down's wgrad (k x m) . (m x n), 14336 x 4096 . 4096 x 4096, is asked as 4096 rows by 4096 by
  // 14336 (as the forward down), up's (4096 x 4096 . 4096 x 28672) as the forward up.
  const ProductRecorder ep8 = recorded(c, pod);
  REQUIRE(!ep8.grouped.empty());
  for (const auto& call : ep8.grouped) {
    CHECK(call[0] == 2);
    CHECK(call[1] == 4096);  // never a weight's width (14336, 28672) in the rows' place
  }
  const auto count = [](const ProductRecorder& r, std::array<double, 4> call) {
    return std::count(r.grouped.begin(), r.grouped.end(), call);
  };
  CHECK(count(ep8, {2, 4096, 28672, 4096}) >= 2);  // forward up, up's wgrad
  CHECK(count(ep8, {2, 4096, 4096, 14336}) >= 2);  // forward down, down's wgrad
  CHECK(has(ep8, {2, 4096, 4096, 28672}));         // up's dgrad
  CHECK(has(ep8, {2, 4096, 14336, 4096}));         // down's dgrad (m x n) . (n x k): 4096 x 4096 . 4096 x 14336
  // ep 1: the 4096 tokens touch all 16 experts (16 x (1 - (14/16)^4096)), 4096 x 2 / 16 = 512 rows each.
  c.parallelism.ep = 1;
  const ProductRecorder ep1 = recorded(c, pod);
  const double touched = 16 * (1 - std::pow(14.0 / 16, 4096));
  CHECK(has(ep1, {touched, 4096 * 2 / touched, 28672, 4096}));
}

TEST_CASE(
    "MoE token shuffles: alltoall permutes and unpermutes 2 + 2k rows per own token and sorts several local "
    "experts' received copies (4k); DeepEP and HybridEP expand and reduce 2R + 2k",
    "[training]") {
  // Mixtral (hidden 4096, top 2) on four DGX H100, ep 8, 4096 tokens per micro-batch: one pass of the shuffles moves
  // rows x 4096 x 2 B per MoE layer.
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  TrainingConfig c = f.mixtral(32);
  const auto shuffled = [&](double rows) { return recorded(c, pod).moved(rows * 4096 * 2); };
  // 8 experts on 8 ranks: a token's 2 experts sit on 2 ranks, R = 8 x (1 - 7/8 x 6/7) = 2.
  CHECK(hwsim::destination_ranks(c.model, 8) == Approx(2.0).epsilon(1e-12));
  CHECK(hwsim::destination_ranks(c.model, 1) == 1.0);
  c.moe_dispatcher = hwsim::MoeDispatcher::alltoall;  // one local expert: nothing to sort
  CHECK(shuffled(4096.0 * (2 + 2 * 2)));
  c.moe_dispatcher = hwsim::MoeDispatcher::deepep;
  CHECK(shuffled(4096.0 * (2 * 2 + 2 * 2)));
  c.moe_dispatcher = hwsim::MoeDispatcher::hybridep;
  CHECK(shuffled(4096.0 * (2 * 2 + 2 * 2)));
  // 16 experts over ep 8 leave 2 on each rank (8 layers, to fit): alltoall also sorts the received copies by local
  // expert and back, 4k more rows; a token's 2 experts now fall on R = 8 x (1 - 14/16 x 13/15) = 1.933 ranks.
  c.model.experts = 16;
  c.model.layers = 8;
  const double r16 = 8.0 * (1 - 14.0 / 16 * 13.0 / 15);
  CHECK(hwsim::destination_ranks(c.model, 8) == Approx(r16).epsilon(1e-12));
  c.moe_dispatcher = hwsim::MoeDispatcher::alltoall;
  CHECK(shuffled(4096.0 * (2 + 2 * 2 + 4 * 2)));
  const auto sorting = hwsim::evaluate_training(c, pod, kTrainingEff);
  c.moe_dispatcher = hwsim::MoeDispatcher::deepep;
  CHECK(shuffled(4096.0 * (2 * r16 + 2 * 2)));
  const auto expanding = hwsim::evaluate_training(c, pod, kTrainingEff);
  // Every MoE layer pays them forward, in the recomputed forward and backward (8 layers, 8 micro-batches), at 0.9 of
  // 3.35 TB/s: the memory-bound parts of the two steps differ by exactly the rows' difference.
  const double row_time = 4096.0 * 4096 * 2 / (3.35e12 * 0.9);
  CHECK((sorting.breakdown.memory - expanding.breakdown.memory).value() ==
        Approx(((2 + 2 * 2 + 4 * 2) - (2 * r16 + 2 * 2)) * row_time * 3 * 8 * 8).epsilon(kRel));
  // Tensor parallel 2 with sequence parallelism and the experts split over both ranks (etp = tp): a rank permutes its
  // own 2048-token shard, while its grouped products, and the sorts, take the tp group's 4096 gathered rows.
  c.moe_dispatcher = hwsim::MoeDispatcher::alltoall;
  c.parallelism.tp = 2;
  c.sequence_parallel = true;
  CHECK(shuffled(2048.0 * (2 + 2 * 2) + 4096.0 * 4 * 2));
}

TEST_CASE(
    "Megatron-Core's grouped MLP runs a clamped GLU's clamp (16f forward, 30f backward) and the experts' second bias "
    "(12h / 16h, 28h / 40h with 32-bit probabilities) as separate kernels per routed copy; the fused grouped MLP "
    "does not",
    "[training]") {
  // Mixtral's shape (hidden 4096, experts 14336 wide, top 2) on four DGX H100, ep 8: one local expert takes the 4096
  // tokens' 2 copies each, 8192 routed copies per micro-batch and MoE layer. gpt-oss's clamp and biases put on it.
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  TrainingConfig c = f.mixtral(32);
  c.model.clamped_glu = true;
  c.model.biases = true;
  c.moe_dispatcher = hwsim::MoeDispatcher::alltoall;  // 16-bit routing probabilities
  const double copies = 4096.0 * 2;
  const double forward = copies * (16.0 * 14336 + 12.0 * 4096);
  const double backward = copies * (30.0 * 14336 + 16.0 * 4096);
  const ProductRecorder eager = recorded(c, pod);
  CHECK(eager.moved(forward));
  CHECK(eager.moved(backward));
  // The flex dispatcher's 32-bit probabilities: the bias pass moves 28h forward and 40h backward.
  TrainingConfig flex = c;
  flex.moe_dispatcher = hwsim::MoeDispatcher::hybridep;
  const ProductRecorder wide = recorded(flex, pod);
  CHECK(wide.moved(copies * (16.0 * 14336 + 28.0 * 4096)));
  CHECK(wide.moved(copies * (30.0 * 14336 + 40.0 * 4096)));
  // The clamp alone, and the bias alone.
  TrainingConfig clamp_only = c;
  clamp_only.model.biases = false;
  CHECK(recorded(clamp_only, pod).moved(copies * 16.0 * 14336));
  TrainingConfig bias_only = c;
  bias_only.model.clamped_glu = false;
  CHECK(recorded(bias_only, pod).moved(copies * 16.0 * 4096));
  // The fused grouped MLP (Transformer Engine's op fuser) runs them inside the products; the PyTorch stack's MoE
  // layers are not measured and get nothing.
  TrainingConfig fused = c;
  fused.moe_fused_mlp = true;
  const ProductRecorder inside = recorded(fused, pod);
  CHECK_FALSE(inside.moved(forward));
  CHECK_FALSE(inside.moved(backward));
  TrainingConfig titan = c;
  titan.stack = hwsim::Stack::pytorch;
  CHECK_FALSE(recorded(titan, pod).moved(forward));
  CHECK(hwsim::evaluate_training(c, pod, kTrainingEff).step_time.value() >
        hwsim::evaluate_training(fused, pod, kTrainingEff).step_time.value());
  // 32 experts folded over tp 2 with sequence parallelism (etp 1): a rank's experts take its own 2048-token shard's
  // copies (4096), whole experts wide.
  TrainingConfig folded = f.folded();
  folded.model.clamped_glu = true;
  folded.model.biases = true;
  folded.moe_dispatcher = hwsim::MoeDispatcher::alltoall;
  CHECK(recorded(folded, pod).moved(2048.0 * 2 * (16.0 * 14336 + 12.0 * 4096)));
  // etp 2 (= tp): each expert split over the two tp ranks, its width halved, the rows the tp group's gathered 4096
  // tokens' copies.
  folded.parallelism.ep = 16;
  folded.parallelism.etp = 2;
  CHECK(recorded(folded, pod).moved(4096.0 * 2 * (16.0 * 14336 / 2 + 12.0 * 4096)));
}

TEST_CASE(
    "context parallelism: the ring's further steps add their kernels' traffic and the merges of their partial "
    "outputs and gradients",
    "[training]") {
  // Llama 3 8B at seq 8192, cp 2, tp 1 (NeMo 24.07's run): 4096 local rows, queries 4096 wide, K and V 2 x 8 x 128 =
  // 2048. One further step (cp - 1), 3/4 of the rows on average (causal load balancing), 16-bit attention.
  const hwsim::Scenario sc = hwsim::load_scenario(
      fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-NEMO2407-LLAMA3-8B-8xH100-FP8.yaml", {});
  const hwsim::System pod = hwsim::build_system(sc, sc.deployments.front());
  TrainingConfig c = sc.workloads.front().training;
  REQUIRE(c.parallelism.cp == 2);
  REQUIRE_FALSE(c.fp8_attention);
  c.parallelism.dp = 4;  // the file leaves dp to the devices: 8 / (tp x pp x cp)
  const double rows = 4096;
  // Merges: forward the output (2 + 3 x 3/4 passes of 4096 x 2 B), backward dq and dK, dV (6144 wide).
  const double forward_merge = rows * 2 * 4096 * (2 + 3 * 0.75);
  const double backward_merge = rows * 2 * (4096 + 2048) * (2 + 3 * 0.75);
  // The forward kernel's traffic: its one pass (Q, K, V read, O written, 2 B each) and the further step's 3/4 pass.
  const double one_pass = rows * (2 * (4096 + 2048) + 2 * 4096);
  const double forward_kernel = one_pass + rows * 0.75 * (2 * (4096 + 2048) + 2 * 4096);
  // Backward: twice the pass, and the further step re-reads Q, K, V, O and dO and writes dq, dK, dV.
  const double backward_kernel = 2 * one_pass + rows * 0.75 * (2 * (4096 + 2048) + 2 * (2 * 4096 + 4096 + 2048));
  const ProductRecorder ring = recorded(c, pod);
  CHECK(ring.moved(forward_merge));
  CHECK(ring.moved(backward_merge));
  CHECK(ring.moved(forward_kernel));
  CHECK(ring.moved(backward_kernel));
  // Without context parallelism (the same 4096-row sequences on one rank each) neither merges nor further steps.
  c.parallelism.cp = 1;
  c.parallelism.dp = 8;
  c.seq_len = 4096;
  const ProductRecorder alone = recorded(c, pod);
  CHECK_FALSE(alone.moved(forward_merge));
  CHECK_FALSE(alone.moved(backward_merge));
  CHECK(alone.moved(one_pass));
  CHECK(alone.moved(2 * one_pass));
}

TEST_CASE("expert tensor parallelism 1 folds the tp ranks into the expert group: ep x etp divides tp x dp x cp",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  // ep 32 with the experts split over tp (etp = tp, the default) needs 32 x 2 of the 32 ranks: refused.
  TrainingConfig c = f.folded();
  c.parallelism.etp = 0;
  const auto split = hwsim::evaluate_training(c, pod, kTrainingEff);
  CHECK_FALSE(split.fits);
  CHECK_THAT(split.message, Catch::Contains("ep=32 x etp=2 does not divide the 32 ranks (tp x dp x cp)"));
  // etp 1: each rank holds one whole expert, and its 2048 tokens x 2 copies from the 32 ranks come back as 4096
  // rows of that expert: forward up (and gate) 4096 x 4096 -> 2 x 14336, not split over tp.
  c.parallelism.etp = 1;
  ProductRecorder folded;
  const auto fold = hwsim::evaluate_training(c, pod, folded);
  REQUIRE(fold.fits);
  // (One local expert: a routed launch of one group, priced by grouped_gemm with its token tiles, not as a dense
  // product.)
  const auto has = [&](std::array<double, 4> call) {
    return std::find(folded.grouped.begin(), folded.grouped.end(), call) != folded.grouped.end();
  };
  CHECK(has({1, 4096, 28672, 4096}));
  CHECK(has({1, 4096, 4096, 14336}));
  CHECK(std::find(folded.gemms.begin(), folded.gemms.end(), std::array<double, 3>{4096, 28672, 4096}) ==
        folded.gemms.end());
  // What a rank holds depends on ep x etp only: ep 16 at etp 1 holds what ep 8 at etp 2 does, 1/16 of the experts.
  c.parallelism.ep = 16;
  const TrainingMemory ep16 = hwsim::training_memory(c);
  c.parallelism.ep = 8;
  c.parallelism.etp = 0;
  const TrainingMemory ep8 = hwsim::training_memory(c);
  const double all = c.model.parameters() / 2;  // per tp rank (the rest splits over tp)
  const double experts = hwsim::stage_expert_parameters(c.model, 2, 2);
  CHECK(ep16.weights.value() == Approx(ep8.weights.value()).epsilon(kRel));
  CHECK(ep8.weights.value() == Approx((all - experts + experts / 8) * 2).epsilon(1e-3));
  // The same FLOPs, but the folded MoE layers run no tensor-parallel collective of their own: less exposed
  // communication beside the all-to-all.
  const auto ep8_run = hwsim::evaluate_training(c, pod, kTrainingEff);
  c.parallelism.ep = 16;
  c.parallelism.etp = 1;
  const auto ep16_run = hwsim::evaluate_training(c, pod, kTrainingEff);
  REQUIRE(ep8_run.fits);
  REQUIRE(ep16_run.fits);
  CHECK((ep16_run.breakdown.communication - ep16_run.breakdown.all_to_all).value() <
        (ep8_run.breakdown.communication - ep8_run.breakdown.all_to_all).value());
}

TEST_CASE("expert tensor parallelism: a micro-batch search keeps etp; shared experts keep their tensor-parallel pair",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  // The folded configuration (MoeFixture::folded) with micro_batch: auto.
  const TrainingConfig c = f.folded();
  const hwsim::SearchResult found =
      hwsim::search_training(c, pod, kTrainingEff, {.parallelism = false, .micro_batch = true, .top_n = 1});
  REQUIRE_FALSE(found.top.empty());
  CHECK(found.top[0].parallelism.etp == 1);
  CHECK(found.top[0].parallelism.ep == 32);
  // DeepSeek-V3 (a shared expert in every MoE layer), tp 2, 4 layers, DP reductions exposed: ep 16 at etp 1 holds
  // what ep 8 at etp 2 does, and its MoE layers keep the shared expert's tensor-parallel pair, so the communication
  // beside the all-to-all is the same; Mixtral's (no shared expert) loses the MLP's pair.
  const auto beside_all_to_all = [&](TrainingConfig t, int ep, int etp) {
    t.parallelism.ep = ep;
    t.parallelism.etp = etp;
    const auto r = hwsim::evaluate_training(t, pod, kTrainingEff);
    REQUIRE(r.fits);
    return (r.breakdown.communication - r.breakdown.all_to_all).value();
  };
  TrainingConfig dsv3 = f.scenario.workloads.at(1).training;
  dsv3.parallelism.dp = 16;
  dsv3.model.layers = 4;
  dsv3.sequence_parallel = true;
  dsv3.dp_overlap = false;
  REQUIRE(dsv3.model.shared_experts > 0);
  CHECK(beside_all_to_all(dsv3, 16, 1) == Approx(beside_all_to_all(dsv3, 8, 0)).epsilon(kRel));
  TrainingConfig mixtral = f.mixtral(16);
  mixtral.parallelism.tp = 2;
  mixtral.model.layers = 4;
  mixtral.sequence_parallel = true;
  mixtral.dp_overlap = false;
  CHECK(beside_all_to_all(mixtral, 8, 1) < beside_all_to_all(mixtral, 4, 0));
}

TEST_CASE("A mixture of experts reduces its experts' gradients over their own data-parallel group, on its ranks' NICs",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  // Mixtral 8x7B on four DGX H100 at dp 32: with ep 8 each node holds every expert once, so an expert's gradients
  // reduce-scatter and its weights all-gather over the 4 ranks that hold it, one per node, on one NIC each
  // (Megatron-Core's expert data-parallel group); the dense parameters' over all 32, a node's 8 ranks sharing its 8
  // NICs. With ep 4, two ranks per node hold each expert: 8 ranks on two NICs. Reductions exposed (dp_overlap off),
  // no other communication beside the all-to-all (tp, pp, cp 1).
  const hwsim::LinkPath nvlink{pod.device.scale_up_bandwidth, kTrainingFigures.latency_scale_up,
                               kTrainingFigures.link_scale_up};
  const hwsim::LinkPath nic{pod.device.scale_out_bandwidth, kTrainingFigures.latency_scale_out,
                            kTrainingFigures.link_scale_out};
  const auto ring = [&](double bytes, int ranks, int per_node) {
    return hwsim::ring_all_gather(hwsim::Bytes(bytes), ranks, hwsim::ring_across_nodes(nvlink, nic, per_node)).value();
  };
  struct Row {
    int ep, expert_ranks, expert_per_node;
  };
  for (const Row row : {Row{8, 4, 1}, Row{4, 8, 2}}) {
    INFO("ep " << row.ep);
    TrainingConfig c = f.mixtral(32);
    c.parallelism.ep = row.ep;
    c.dp_overlap = false;
    c.grad_reduce_dtype = hwsim::DType::bf16;  // 16-bit gradient buffers, so that ep 4 fits
    const auto r = hwsim::evaluate_training(c, pod, kTrainingEff);
    INFO(r.message);
    REQUIRE(r.fits);
    const hwsim::StageParameters p = hwsim::stage_parameter_counts(c, c.model.layers, true, true);
    const double experts = p.experts_trained_held;
    const double dense = p.trained_held - experts;
    REQUIRE(experts > 3 * dense);  // the routed experts are most of what a rank holds and reduces
    const double grad = hwsim::dtype_bytes(c.grad_reduce_dtype);
    const double weights = hwsim::trained_weight_bytes(c);
    const double expected = ring(dense * grad, 32, 8) + ring(dense * weights, 32, 8) +
                            ring(experts * grad, row.expert_ranks, row.expert_per_node) +
                            ring(experts * weights, row.expert_ranks, row.expert_per_node);
    const double exposed = (r.breakdown.communication - r.breakdown.all_to_all).value();
    CHECK(exposed == Approx(expected).epsilon(1e-9));
    // More than twice what the dense ring would take for all of it: fewer NICs carry the experts.
    CHECK(exposed > 2 * (ring(p.trained_held * grad, 32, 8) + ring(p.trained_held * weights, 32, 8)));
  }
  // Four of Mixtral's layers on one DGX H100 at dp 8, ep 8: each expert is held once, so only the dense parameters
  // reduce (over the node's 8 ranks on NVLink).
  TrainingConfig one = f.mixtral(8);
  one.model.layers = 4;
  one.dp_overlap = false;
  const hwsim::System node = f.system("one-dgx");
  const auto r = hwsim::evaluate_training(one, node, kTrainingEff);
  INFO(r.message);
  REQUIRE(r.fits);
  const hwsim::StageParameters p = hwsim::stage_parameter_counts(one, one.model.layers, true, true);
  const double dense = p.trained_held - p.experts_trained_held;
  const auto within = [&](double bytes) { return hwsim::ring_all_gather(hwsim::Bytes(bytes), 8, nvlink).value(); };
  CHECK((r.breakdown.communication - r.breakdown.all_to_all).value() ==
        Approx(within(dense * hwsim::dtype_bytes(one.grad_reduce_dtype)) +
               within(dense * hwsim::trained_weight_bytes(one)))
            .epsilon(1e-9));
}

TEST_CASE("a result lists etp where it is not tp", "[training]") {
  const hwsim::Scenario sc = hwsim::load_scenario(
      fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-NEMO2511-QWEN3-235B-A22B-256xH100-FP8.yaml", {});
  const hwsim::Evaluation ev = hwsim::evaluate(sc, kTrainingEff);
  REQUIRE(ev.results.size() == 1);
  const auto& p = ev.results[0].parallelism;
  CHECK(std::find(p.begin(), p.end(), std::pair<std::string, int>{"etp", 1}) != p.end());
  CHECK(std::find(p.begin(), p.end(), std::pair<std::string, int>{"ep", 32}) != p.end());
}

TEST_CASE("MLA training: DeepSeek-V3's five attention products at their shapes, down-projections whole on each rank",
          "[training]") {
  const MoeFixture f;
  TrainingConfig c = f.scenario.workloads.at(1).training;  // DeepSeek-V3, tp 2, ep 8, on four DGX H100
  c.parallelism.dp = 16;
  c.model.layers = 4;  // one dense, three MoE layers fit 32 GPUs
  ProductRecorder rec;
  const auto r = hwsim::evaluate_training(c, f.system("four-dgx"), rec);
  REQUIRE(r.fits);
  const auto has = [&](std::array<double, 3> g) {
    return std::find(rec.gemms.begin(), rec.gemms.end(), g) != rec.gemms.end();
  };
  // Forward products of 4096 tokens: wq_a 7168 -> 1536 and wkv_a 7168 -> 576 whole; wq_b 1536 -> 128 x 192 / 2,
  // wkv_b 512 -> 128 x 256 / 2 split over the heads; wo 128 x 128 / 2 -> 7168.
  CHECK(has({4096, 1536, 7168}));
  CHECK(has({4096, 576, 7168}));
  CHECK(has({4096, 12288, 1536}));
  CHECK(has({4096, 16384, 512}));
  CHECK(has({4096, 7168, 8192}));
  // Multi-head attention's fused QKV (7168 -> 3 x 128 x 56 / 2) is not priced.
  CHECK_FALSE(has({4096, 3.0 * 7168 / 2, 7168}));
}

TEST_CASE("expert all-to-all: per MoE layer and micro-batch, tokens x top-k x hidden x 2 B each way, in the breakdown",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  const auto r = hwsim::evaluate_training(f.mixtral(32), pod, kTrainingEff);
  REQUIRE(r.fits);
  // 4096 local tokens (micro-batch 1, no CP or SP) x 2 experts x 4096 x 2 B = 67,108,864 B per all-to-all among the
  // 8 expert-parallel ranks of a node (NVLink); dispatch and combine in the forward, the recomputed forward and the
  // backward: 6 per layer, 32 layers, 256 / 32 = 8 micro-batches, all exposed.
  const hwsim::Bytes buffer = hwsim::expert_dispatch_bytes(f.mixtral(32), 4096);
  CHECK(buffer.value() == 4096.0 * 2 * 4096 * 2);
  const hwsim::LinkPath nvlink{pod.device.scale_up_bandwidth, Seconds(2e-6), 0.75};
  const double expected = hwsim::all_to_all(buffer, 8, nvlink).value() * 6 * 32 * 8;
  CHECK(r.breakdown.all_to_all.value() == Approx(expected).epsilon(kRel));
  CHECK(r.breakdown.communication >= r.breakdown.all_to_all);
  // Without expert parallelism nothing is exchanged.
  TrainingConfig no_ep = f.mixtral(32);
  no_ep.parallelism.ep = 1;
  no_ep.parallelism.zero = 1;
  no_ep.parallelism.pp = 4;
  no_ep.parallelism.dp = 8;
  const auto pipelined = hwsim::evaluate_training(no_ep, pod, kTrainingEff);
  CHECK(pipelined.breakdown.all_to_all.value() == 0.0);
}

TEST_CASE("the search splits a mixture of experts over expert-parallel ranks that divide the experts and dp x cp",
          "[training][search]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  TrainingConfig base = f.mixtral(32);
  const auto r = hwsim::search_training(base, pod, kTrainingEff, {true, false, 1000, 1});
  REQUIRE_FALSE(r.top.empty());
  bool expert_parallel = false;
  for (const auto& c : r.top) {
    const auto& p = c.parallelism;
    CHECK(8 % p.ep == 0);
    CHECK((static_cast<long long>(p.dp) * p.cp) % p.ep == 0);
    expert_parallel = expert_parallel || p.ep > 1;
  }
  CHECK(expert_parallel);
  // The best, pasted back as a fixed configuration, reproduces its throughput.
  const auto& best = r.top.front();
  const auto again = hwsim::evaluate_training(hwsim::apply_candidate(base, best), pod, kTrainingEff);
  CHECK(again.tokens_per_s == best.tokens_per_s);
}

TEST_CASE("LoRA: frozen base weights keep no gradients or optimizer state, adapters of rank r on QKV and output",
          "[training]") {
  // Llama 2 7B on 8 ranks (tp 1, dp 8, distributed optimizer), LoRA rank 16 on the attention: per layer
  // A and B beside QKV (4096 -> 4096 + 2 x 4096) and the output projection (4096 -> 4096):
  // 16 x (4096 + 12288) + 16 x (4096 + 4096) = 393,216 adapter parameters, x 32 layers = 12,582,912.
  TrainingConfig c = llama7b_megatron_zero1();
  c.lora_rank = 16;
  const double adapters = 32.0 * 393216;
  CHECK(hwsim::lora_parameters_per_layer(c) * 32 == adapters);
  const TrainingMemory lora = hwsim::training_memory(c);
  const double base = c.model.parameters();  // 6,738,415,616, frozen in 16 bits
  CHECK(lora.weights.value() == Approx(base * 2 + adapters * 2).epsilon(kRel));
  CHECK(lora.gradients.value() == Approx(adapters * 4).epsilon(kRel));  // fp32 main gradients of the adapters
  CHECK(lora.optimizer.value() == Approx(adapters * 12 / 8).epsilon(kRel));
  // All linear layers: also the MLP's up and gate (4096 -> 2 x 11008) and down (11008 -> 4096).
  c.lora_all_linears = true;
  CHECK(hwsim::lora_parameters_per_layer(c) == 393216.0 + 16 * (4096 + 2 * 11008.0) + 16 * (11008 + 4096.0));
}

TEST_CASE("LoRA on the attention keeps no inputs of the frozen MLP products; adapters on every linear keep them",
          "[training]") {
  // Llama 2 7B, tp 1, pp 1, one micro-batch in flight, 16-bit: a frozen product computes no weight gradient, so the
  // MLP's normalised input (2 B x 4096) and its activation output (2 B x 11008) are not kept, per token and layer.
  TrainingConfig c = llama7b_megatron_zero1();
  c.dtype = hwsim::DType::bf16;
  const double full = hwsim::training_memory(c).activations.value();
  c.lora_rank = 16;
  const double lora = hwsim::training_memory(c).activations.value();
  const double dropped = 2.0 * (c.model.hidden + c.model.ffn_hidden);
  CHECK(full - lora == Approx(static_cast<double>(c.model.layers) * c.seq_len * c.micro_batch * dropped).epsilon(kRel));
  c.lora_all_linears = true;  // adapters beside the MLP's products need their inputs
  CHECK(hwsim::training_memory(c).activations.value() == Approx(full).epsilon(kRel));
}

TEST_CASE("fp8_params: weights held at one byte, a frozen LoRA base too, and gathered by the optimizer in FP8",
          "[training]") {
  // Llama 2 7B LoRA as above, trained in FP8: the frozen base is 2 bytes a weight, 1 with fp8_params (MLPerf's
  // FP8_PARAM_GATHER, NeMo fp8_param); the adapters stay in 16 bits.
  TrainingConfig c = llama7b_megatron_zero1();
  c.lora_rank = 16;
  c.dtype = hwsim::DType::fp8;
  const double adapters = 32.0 * 393216;
  const double base = c.model.parameters();
  CHECK(hwsim::training_memory(c).weights.value() == Approx(base * 2 + adapters * 2).epsilon(kRel));
  c.fp8_params = true;
  CHECK(hwsim::model_weight_bytes(c) == 1.0);
  CHECK(hwsim::training_memory(c).weights.value() == Approx(base * 1 + adapters * 2).epsilon(kRel));
  // The optimizer gathers what it updates, the adapters, still in 16 bits: the LoRA step's communication is unchanged.
  const hwsim::System node = b200_system();
  c.dp_overlap = false;
  const auto lora_fp8_params = hwsim::evaluate_training(c, node, kTrainingEff);
  c.fp8_params = false;
  const auto lora_16bit_params = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK(lora_fp8_params.breakdown.communication.value() ==
        Approx(lora_16bit_params.breakdown.communication.value()).epsilon(kRel));
  // Full training: the distributed optimizer's weight all-gather moves half the bytes, so the exposed data-parallel
  // communication falls; the step's compute does not change.
  TrainingConfig full = llama7b_megatron_zero1();
  full.dtype = hwsim::DType::fp8;
  full.dp_overlap = false;
  const auto plain = hwsim::evaluate_training(full, node, kTrainingEff);
  full.fp8_params = true;
  const auto fp8 = hwsim::evaluate_training(full, node, kTrainingEff);
  REQUIRE(plain.fits);
  REQUIRE(fp8.fits);
  CHECK(fp8.breakdown.compute.value() == Approx(plain.breakdown.compute.value()).epsilon(kRel));
  CHECK(fp8.breakdown.communication.value() < plain.breakdown.communication.value());
  CHECK(hwsim::training_memory(full).weights.value() == Approx(full.model.parameters()).epsilon(kRel));
  CHECK(fp8.memory_per_device.value() < plain.memory_per_device.value());
}

TEST_CASE("fp8_attention: cuDNN's measured FP8 rates for fused attention, Q, K and V kept at one byte", "[training]") {
  hwsim::Device gpu = b200_system().device;
  // cuDNN's SDPA benchmark, Llama 3.1 shape, causal, 4096 and 8192 tokens: GB200 forward 1.28 / 1.30, backward
  // 1.03 / 1.09; H200 forward 1.45 / 1.50, backward 0.99 / 0.79 (FP8 over BF16).
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 128) == Approx((1.282 + 1.300) / 2.0).epsilon(kRel));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, true, 128) == Approx((1.026 + 1.092) / 2.0).epsilon(kRel));
  // GPT-OSS's heads of 64 gain 1.028 forward on the GB200 (cuDNN 9.19) and run their backward at 0.919 of 16 bits;
  // linear in between, held below 64.
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 64) == Approx(1.028));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 96) == Approx((1.028 + (1.282 + 1.300) / 2.0) / 2.0));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 32) == Approx(1.028));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, true, 64) == Approx(0.919));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, true, 96) == Approx((0.919 + (1.026 + 1.092) / 2.0) / 2.0));
  gpu.tensor_core_generation = hwsim::TensorCoreGeneration::blackwell_ultra;  // the GB300: 1.200 and 0.967
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 64) == Approx(1.200));
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, true, 64) == Approx(0.967));
  gpu.tensor_core_generation = hwsim::TensorCoreGeneration::hopper;  // no FP8 kernel below 128 there: unmeasured
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 128) > 1.4);
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, true, 128) < 1.0);
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 64) == hwsim::fp8_fused_attention_speedup(gpu, false, 128));
  gpu.tensor_core_generation = hwsim::TensorCoreGeneration::cdna3;  // no measurement
  CHECK(hwsim::fp8_fused_attention_speedup(gpu, false, 64) == 1.0);
  // Llama 2 7B in FP8 on a B200 node: a shorter step, and Q, K and V (3 x 4096 per token and layer) at one byte.
  TrainingConfig c = llama7b_megatron_zero1();
  c.dtype = hwsim::DType::fp8;
  const hwsim::System node = b200_system();
  const auto plain = hwsim::evaluate_training(c, node, kTrainingEff);
  const double plain_activations = hwsim::training_memory(c).activations.value();
  c.fp8_attention = true;
  const auto fp8 = hwsim::evaluate_training(c, node, kTrainingEff);
  REQUIRE(plain.fits);
  REQUIRE(fp8.fits);
  CHECK(fp8.breakdown.compute.value() < plain.breakdown.compute.value());
  CHECK(plain_activations - hwsim::training_memory(c).activations.value() ==
        Approx(static_cast<double>(c.model.layers) * c.seq_len * c.micro_batch * 3.0 * 4096).epsilon(kRel));
}

TEST_CASE("fp8_recipe: what each recipe's casts move per chip, and MXFP8's GEMMs at the block-scaled kernels' rate",
          "[training]") {
  using hwsim::Fp8Recipe;
  TrainingConfig c = llama7b_megatron_zero1();
  c.dtype = hwsim::DType::fp8;
  const hwsim::System node = b200_system();
  hwsim::Device hopper = node.device;
  hopper.tensor_core_generation = hwsim::TensorCoreGeneration::hopper;
  const auto bytes = [&](Fp8Recipe recipe, const hwsim::Device& d) {
    c.fp8_recipe = recipe;
    return hwsim::quantize_bytes_per_element(c, d);
  };
  // Read 2 B; Hopper writes FP8 in both orientations (TN-only GEMMs), Blackwell one copy; current scaling reads the
  // input once more for its amax; MXFP8 writes both orientations everywhere with a scale byte per 32 elements.
  CHECK(bytes(Fp8Recipe::delayed, hopper) == 4.0);
  CHECK(bytes(Fp8Recipe::tensorwise, hopper) == 6.0);
  CHECK(bytes(Fp8Recipe::delayed, node.device) == 3.0);
  CHECK(bytes(Fp8Recipe::tensorwise, node.device) == 5.0);
  CHECK(bytes(Fp8Recipe::mxfp8, node.device) == Approx(2.0 + 2.0 * 33.0 / 32.0));
  c.dtype = hwsim::DType::fp4;  // NVFP4: both orientations at half a byte, whatever the FP8 recipe says
  CHECK(bytes(Fp8Recipe::mxfp8, node.device) == 3.0);
  c.dtype = hwsim::DType::bf16;
  CHECK(bytes(Fp8Recipe::delayed, node.device) == 0.0);
  // Transformer Engine's pre-quantized GEMM benchmark on a B300: 6.812 ms per layer per-tensor, 7.161 ms MXFP8.
  CHECK(hwsim::mxfp8_gemm_share(node.device) == Approx(6.812 / 7.161));
  CHECK(hwsim::mxfp8_gemm_share(hopper) == 1.0);
  // Llama 2 7B on a B200 node: current scaling adds memory-bound cast traffic only; MXFP8 slows the products as well
  // (no overlapped reduction, whose contention would follow the compute time).
  c.dtype = hwsim::DType::fp8;
  c.dp_overlap = false;
  const auto step = [&](Fp8Recipe recipe) {
    c.fp8_recipe = recipe;
    const auto r = hwsim::evaluate_training(c, node, kTrainingEff);
    REQUIRE(r.fits);
    return r.breakdown;
  };
  const auto delayed = step(Fp8Recipe::delayed);
  const auto tensorwise = step(Fp8Recipe::tensorwise);
  const auto mxfp8 = step(Fp8Recipe::mxfp8);
  const auto compute_bound = [](const hwsim::TrainingBreakdown& b) { return (b.compute - b.memory).value(); };
  CHECK(tensorwise.memory.value() > delayed.memory.value());
  CHECK(compute_bound(tensorwise) == Approx(compute_bound(delayed)).epsilon(1e-12));
  CHECK(mxfp8.memory.value() > delayed.memory.value());
  CHECK(mxfp8.memory.value() < tensorwise.memory.value());
  CHECK(compute_bound(mxfp8) > compute_bound(delayed) * 1.01);
  // Without MXFP8 tensor cores the recipe does not run: a misfit naming the recipes that do.
  hwsim::System h100 = node;
  h100.device = hopper;
  c.fp8_recipe = Fp8Recipe::mxfp8;
  const auto refused = hwsim::evaluate_training(c, h100, kTrainingEff);
  CHECK_FALSE(refused.fits);
  CHECK_THAT(refused.message, Catch::Contains("has no MXFP8 (block-scaled FP8) tensor cores"));
  CHECK_THAT(refused.message, Catch::Contains("fp8_recipe delayed or tensorwise"));
  // CDNA 4 runs MXFP8 in hardware, but no measured rate prices it here.
  h100.device.tensor_core_generation = hwsim::TensorCoreGeneration::cdna4;
  CHECK_THAT(hwsim::evaluate_training(c, h100, kTrainingEff).message,
             Catch::Contains("runs MXFP8 in hardware, but hwsim has no measured MXFP8 GEMM rate"));
  // A search says so too, before it tries any configuration (not "none fits in memory").
  const hwsim::Scenario searched = hwsim::load_scenario(
      fs::path(HWSIM_SOURCE_DIR) / "scenarios/validation/training/TRN-NEMO2511-LLAMA3-8B-8xH100-FP8.yaml",
      {{}, {"workloads.train.fp8_recipe=mxfp8", "workloads.train.parallelism=auto"}});
  const hwsim::Evaluation ev = hwsim::evaluate(searched, kTrainingEff);
  REQUIRE(ev.results.size() == 1);
  CHECK_FALSE(ev.results.front().fits);
  CHECK_THAT(ev.results.front().message, Catch::Contains("has no MXFP8 (block-scaled FP8) tensor cores"));
}

namespace {
// kTrainingEff with fused attention a million times slower, so that a step's time is its attention's.
class SlowAttention final : public ForwardingEfficiency {
 public:
  [[nodiscard]] double fused_attention(const hwsim::Device& d, hwsim::DType t, bool backward) const override {
    return ForwardingEfficiency::fused_attention(d, t, backward) * 1e-6;
  }
  [[nodiscard]] std::string source() const override { return "slow attention"; }
};
}  // namespace

TEST_CASE(
    "FP8 attention on Blackwell: the backward of a sliding-window layer runs every causal block, the forward "
    "and 16-bit kernels the window's",
    "[training]") {
  const SlowAttention slow;
  const hwsim::System node = b200_system();
  REQUIRE(hwsim::fp8_window_backward_unskipped(node.device));
  hwsim::Device hopper = node.device;
  hopper.tensor_core_generation = hwsim::TensorCoreGeneration::hopper;
  CHECK_FALSE(hwsim::fp8_window_backward_unskipped(hopper));
  // Llama 2 7B in FP8 with GPT-OSS's pattern: a 128-token window on half the layers, 2048-token sequences.
  TrainingConfig c = llama7b_megatron_zero1();
  c.dtype = hwsim::DType::fp8;
  const auto attention_time = [&](bool windowed, bool fp8_attention) {
    TrainingConfig w = c;
    w.fp8_attention = fp8_attention;
    if (windowed) {
      w.model.attention_window = 128;
      w.model.window_layers = w.model.layers / 2;
    }
    const auto r = hwsim::evaluate_training(w, node, slow);
    REQUIRE(r.fits);
    return r.step_time.value();
  };
  TrainingConfig windowed_model = c;
  windowed_model.model.attention_window = 128;
  windowed_model.model.window_layers = c.model.layers / 2;
  const double share = windowed_model.model.sequence_context(c.seq_len) / c.seq_len;  // keys per query, of the whole
  REQUIRE(share < 0.6);
  // The window layers' FLOPs run slower than the full layers' (tiles of about one key block beside their fixed work,
  // attention_tile_occupancy on Blackwell: 5.00 blocks forward, 5.10 backward): 16 full layers of 1024 causal keys
  // per query (8 blocks, half a block partly masked), 16 window layers of 128 - 128^2 / (2 x 2048) = 124 (a partly
  // masked block at each end).
  const auto against_full = [](double overhead) {
    const double full = 8.0 / (8.5 + overhead);
    const double window = (124.0 / 128) / (124.0 / 128 + 1.0 + overhead);
    return (16 * 1024.0 + 16 * 124.0) / (16 * 1024.0 / full + 16 * 124.0 / window) / full;
  };
  const double slow_forward = against_full(5.00);
  const double slow_backward = against_full(5.10);
  CHECK(slow_forward == Approx(0.7394).epsilon(1e-3));
  // 16-bit attention: forward and backward both shrink to the window's share of FLOPs, at their slower rates.
  const double f16 = 1.0 / kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, false);
  const double b16 = 2.5 / kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, true);
  CHECK(attention_time(true, false) / attention_time(false, false) ==
        Approx(share * (f16 / slow_forward + b16 / slow_backward) / (f16 + b16)).epsilon(1e-4));
  // FP8 attention: the forward shrinks, the backward (2.5 times the forward's FLOPs, at its own rate) stays whole.
  const double forward = 1.0 / (kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, false) *
                                hwsim::fp8_fused_attention_speedup(node.device, false, 128));
  const double backward = 2.5 / (kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, true) *
                                 hwsim::fp8_fused_attention_speedup(node.device, true, 128));
  CHECK(attention_time(true, true) / attention_time(false, true) ==
        Approx((share * forward / slow_forward + backward) / (forward + backward)).epsilon(1e-4));
}

TEST_CASE("Heads of 64 run attention at cuDNN's measured share of the head-dim-128 rate; the FLOPs are the same",
          "[training]") {
  const SlowAttention slow;  // attention is the whole step
  const hwsim::System node = b200_system();
  TrainingConfig wide = llama7b_megatron_zero1();  // 32 heads of 128
  REQUIRE(wide.model.head_dim() == 128);
  TrainingConfig narrow = wide;  // 64 heads of 64: the same query width, so the same attention FLOPs
  narrow.model.heads = 64;
  narrow.model.kv_heads = 64;
  REQUIRE(narrow.model.head_dim() == 64);
  const auto step = [&](const TrainingConfig& c) {
    const auto r = hwsim::evaluate_training(c, node, slow);
    REQUIRE(r.fits);
    return r.step_time.value();
  };
  // Forward 1 unit of FLOPs at its rate, backward 2.5 at its own; narrow heads divide each rate by its share.
  const double forward = 1.0 / kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, false);
  const double backward = 2.5 / kTrainingEff.fused_attention(node.device, hwsim::DType::bf16, true);
  const double f64 = 0.580;  // cudnn-frontend gb200_919_only_cudnn on Blackwell (head_dim_attention_share)
  const double b64 = 0.770;
  CHECK(step(narrow) / step(wide) == Approx((forward / f64 + backward / b64) / (forward + backward)).epsilon(1e-4));
  // FP8 attention: heads of 64 take cuDNN's head-dim-64 FP8 ratios on Blackwell (1.028 forward, 0.919 backward), not
  // the 128 ones (1.291, 1.059).
  TrainingConfig wide8 = wide;
  wide8.dtype = hwsim::DType::fp8;
  wide8.fp8_attention = true;
  TrainingConfig narrow8 = narrow;
  narrow8.dtype = hwsim::DType::fp8;
  narrow8.fp8_attention = true;
  const double fp8_forward = forward / hwsim::fp8_fused_attention_speedup(node.device, false, 128);
  const double fp8_backward = backward / hwsim::fp8_fused_attention_speedup(node.device, true, 128);
  const double narrow_forward = forward / (f64 * hwsim::fp8_fused_attention_speedup(node.device, false, 64));
  const double narrow_backward = backward / (b64 * hwsim::fp8_fused_attention_speedup(node.device, true, 64));
  REQUIRE(hwsim::fp8_fused_attention_speedup(node.device, false, 64) == Approx(1.028));
  REQUIRE(hwsim::fp8_fused_attention_speedup(node.device, true, 64) == Approx(0.919));
  CHECK(step(narrow8) / step(wide8) ==
        Approx((narrow_forward + narrow_backward) / (fp8_forward + fp8_backward)).epsilon(1e-4));
  // A FlashAttention-2-class kernel (a PyTorch stack's) is bound by its synchronous tensor rate: no change.
  TrainingConfig narrow_fa2 = narrow;
  TrainingConfig wide_fa2 = wide;
  narrow_fa2.attention_kernel = wide_fa2.attention_kernel = hwsim::AttentionKernel::ampere_class;
  CHECK(step(narrow_fa2) == Approx(step(wide_fa2)).epsilon(1e-9));
  // On Ampere the kernels are bound by their tensor rate: no change.
  hwsim::System ampere = node;
  ampere.device.tensor_core_generation = hwsim::TensorCoreGeneration::ampere;
  CHECK(hwsim::evaluate_training(narrow, ampere, slow).step_time.value() ==
        Approx(hwsim::evaluate_training(wide, ampere, slow).step_time.value()).epsilon(1e-9));
}

TEST_CASE("CUDA graphs of whole layers or steps shrink the per-step host time; partial scopes and none do not",
          "[training]") {
  TrainingConfig c = llama7b_megatron_zero1();
  CHECK(hwsim::step_overhead_of(c).value() == hwsim::kStepOverheadMegatronCore);
  c.cuda_graphs = hwsim::CudaGraphs::partial;  // the host still issues most of each layer's kernels
  CHECK(hwsim::step_overhead_of(c).value() == hwsim::kStepOverheadMegatronCore);
  const hwsim::System node = b200_system();
  const auto ungraphed = hwsim::evaluate_training(c, node, kTrainingEff);
  for (const auto graphs : {hwsim::CudaGraphs::layers, hwsim::CudaGraphs::full_iteration}) {
    c.cuda_graphs = graphs;
    CHECK(hwsim::step_overhead_of(c).value() == hwsim::kStepOverheadCudaGraphs);
  }
  CHECK(hwsim::kStepOverheadCudaGraphs < hwsim::kStepOverheadMegatronCore);
  const auto graphed = hwsim::evaluate_training(c, node, kTrainingEff);
  CHECK(ungraphed.breakdown.host.value() - graphed.breakdown.host.value() ==
        Approx(hwsim::kStepOverheadMegatronCore - hwsim::kStepOverheadCudaGraphs).epsilon(kRel));
  c.step_overhead = hwsim::Seconds(0.2);  // a stated host time wins
  CHECK(hwsim::step_overhead_of(c).value() == 0.2);
}

TEST_CASE("LoRA's backward computes input gradients only: a shorter step, 2/3 of training's model FLOPs",
          "[training]") {
  const hwsim::System node = training_system("a100-node");
  TrainingConfig full = llama7b_dp8(Recompute::none);
  full.stack = hwsim::Stack::megatron_core;
  full.parallelism.zero = 1;
  TrainingConfig lora = full;
  lora.lora_rank = 16;
  const auto f = hwsim::evaluate_training(full, node, kTrainingEff);
  const auto l = hwsim::evaluate_training(lora, node, kTrainingEff);
  REQUIRE(l.fits);
  REQUIRE(f.fits);
  // No weight-gradient products for the frozen base or output layer (the linear layers' backward halves, attention's
  // stays), no base gradients to reduce, no base optimizer step: more than half of the step remains.
  CHECK(l.step_time < f.step_time);
  CHECK(l.step_time.value() > f.step_time.value() * 0.5);
  CHECK(l.breakdown.communication < f.breakdown.communication);
  CHECK(l.memory_per_device < f.memory_per_device);
  // MFU counts the frozen base's forward and input gradients: 2/3 of 6N + attention per token.
  const double tokens = 8.0 * 2048;
  CHECK(l.achieved_flops_per_device.value() * 8 * l.step_time.value() ==
        Approx(lora.model.training_flops_per_token(2048) * tokens * 2.0 / 3.0).epsilon(1e-9));
}

TEST_CASE("expert load imbalance: the busiest expert-parallel rank's experts and all-to-all set each MoE layer's pace",
          "[training]") {
  const MoeFixture f;
  const hwsim::System pod = f.system("four-dgx");
  TrainingConfig c = f.mixtral(32);
  const auto balanced = hwsim::evaluate_training(c, pod, kTrainingEff);
  c.expert_imbalance = 1.5;
  const auto skewed = hwsim::evaluate_training(c, pod, kTrainingEff);
  REQUIRE(skewed.fits);
  // Mixtral routes 2 of 8 experts of width 14336 in every layer: the busiest rank's MLP is 28,672 + 28,672 x 0.5 wide.
  CHECK(hwsim::busiest_mlp_width(c) == 43008.0);
  // Its all-to-all receives 1.5 x the mean: 6 exchanges per layer x 32 layers x 8 micro-batches, as before.
  const hwsim::LinkPath nvlink{pod.device.scale_up_bandwidth, Seconds(2e-6), 0.75};
  const hwsim::Bytes buffer = hwsim::expert_dispatch_bytes(c, 4096) * 1.5;
  CHECK(skewed.breakdown.all_to_all.value() ==
        Approx(hwsim::all_to_all(buffer, 8, nvlink).value() * 6 * 32 * 8).epsilon(kRel));
  CHECK(skewed.step_time > balanced.step_time);
  // A rank that holds every expert (ep 1) does all of their work whatever the routing.
  c.parallelism.ep = 1;
  CHECK(hwsim::busiest_mlp_width(c) == 28672.0);
}
