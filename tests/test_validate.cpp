// Validation (sim/plan/validate): every case under scenarios/validation is evaluated and compared, error =
// predicted / measured - 1, MAPE per kind, per split and per source; cases not modelled carry a reason. The training
// and inference engines' measured accuracy per split (and device) are held here so that a model or catalog change
// that loses them fails the suite.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sim/plan/validate.hpp"

namespace {
const hwsim::ValidationReport& report() {
  static const hwsim::ValidationReport r = [] {
    const hwsim::DefaultEfficiency eff;
    return hwsim::run_validation(std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/validation", {}, eff);
  }();
  return r;
}
}  // namespace

// One process evaluates the validation set once (report() is static): the checks below are sections of one test
// case, not test cases of their own that ctest would run as separate processes, each evaluating it again.
TEST_CASE("validation of the published cases (scenarios/validation)", "[validate]") {
  SECTION("error is predicted / measured - 1 and MAPE is the mean absolute error per kind") {
    double sum = 0;
    int n = 0;
    for (const auto& row : report().rows) {
      if (row.kind != "training") continue;
      if (row.failure.empty()) CHECK(row.error == Approx(row.predicted / row.measured - 1.0).epsilon(1e-12));
      sum += std::fabs(row.error);
      ++n;
    }
    REQUIRE(n > 0);
    CHECK(report().summary.at("training").mape == Approx(sum / n).epsilon(1e-12));
    CHECK(report().summary.at("training").cases == n);
  }

  SECTION("training validation: at least 50 cases from at least 6 sources, at least 40% of them held out (test)") {
    int cases = 0;
    int test = 0;
    std::set<std::string> sources;
    for (const auto& row : report().rows) {
      if (row.kind != "training") continue;
      ++cases;
      test += row.split == "test" ? 1 : 0;
      sources.insert(row.source);
    }
    CHECK(cases >= 50);
    CHECK(sources.size() >= 6);
    CHECK(test >= 0.4 * cases);
  }

  // The accuracy measured when issue #12's work paused (tune 9.8%, test 18.6%), then with op-level checkpointing and
  // userbuffers' SM margin (tune 9.1%, test 15.5%) and the four MLPerf Llama 2 70B LoRA cases (2 tune, 2 test: +7%
  // to +54%, the multi-node ones far over): tune 10.0%, test 16.2%; later work: tune 10.1%, test 16.3%. Then 7 MoE
  // pre-training rows of the NeMo 25.02/25.04/25.11 tables (Mixtral 8x7B and 8x22B, Qwen3 30B-A3B and 235B-A22B; 4
  // tune, 3 test; all over-predicted, +14% to +303%: grouped-GEMM, router and dispatch costs are not modelled) and 3
  // more MLPerf LoRA cases (1 tune, 2 test: +3% to +27%): tune 14.6%, test 28.2%; the two Qwen3 30B-A3B rows of NeMo
  // 26.06 (H100 EP16 -37%, tune: the exposed all-to-all over InfiniBand; GB200 +8%, test): tune 15.0%, test 27.7%. With
  // the Llama 3 cases' interleaving and the LLM Foundry cases' FlashAttention-1-class kernel (data corrections, and the
  // attention_kernel key): tune 13.1%, test 23.8% (without the MoE rows: tune 7.9%, test 11.8%). The expert all-to-all
  // split between NVLink and the NICs, the dispatchers' bytes and the host time a dropless dispatcher exposes, and the
  // MoE cases' dispatcher inputs: tune 8.8%, test 14.2%; the per-step host time of each stack: tune 6.8%, test 10.6%;
  // the routed experts as a grouped GEMM (and the MoE host time refitted): tune 6.8%, test 10.5%; the first two MLA
  // (DeepSeek-V3) rows once training modelled MLA (NeMo 26.04 B200: -9.5% tune; 26.04.01, whose all-to-all across four
  // nodes the run overlaps and hwsim exposes: -33.9% test): tune 6.8%, test 11.0%; a third, on 256 GB200 (+2.8%,
  // tune): tune 6.7%, test 11.0%; 17 more rows of the NeMo 25.11 table on GB300, GB200, B200 and H100 (6 tune, 11 test;
  // GPT-OSS +43% and +48% on GB200 and GB300, the rest within 18%): tune 7.9%, test 10.9%; the GB200's clock from its
  // measured GEMM rate (0.94 of its datasheet peaks; MoE host time refitted): tune 7.5%, test 10.8%; expert tensor
  // parallelism stated where runs folded tp into the expert group (Mixtral 8x22B on 256 B200, tune: +27.0% -> +54.1%,
  // its all-to-all now within a node) and the Qwen3-235B row on 256 H100 it made expressible (-23.2%, tune): tune
  // 8.2%, test 10.8%; the rest of NeMo's 26.06 table (25 rows: 405B, DeepSeek-V3, GPT-OSS, Qwen3, Llama 3 70B SFT and
  // LoRA; 9 tune, 16 test; GPT-OSS +33% and +27%, the rest within 16%): tune 8.4%, test 10.0%; then MLPerf Training
  // v5.1's Llama 3.1 8B results across submitters (33: 11 tune, 22 test; under-predicted by up to 54% at scale, where
  // steps of 0.1-0.5 s meet hwsim's 135 ms per-step host time): tune 10.8%, test 13.2%; FP8 parameters as an input
  // (fp8_params), stated by the 22 FP8 runs of that batch and reviving three MLPerf v5.0 LoRA runs hwsim had refused
  // (+2..+7%): tune 10.5%, test 12.9%; the MI355X's measured BF16 matmul rate in place of the default plateaus (its
  // four FP8 rows +6..+12% -> -12..-17%): tune 10.7%, test 13.0%; MLPerf Training v5.1's Llama 2 70B LoRA runs on
  // AMD Instinct (9: 3 tune, 6 test; MI325X +2..+5%, MI355X -13..-14%): tune 10.6%, test 12.7%; the same round's LoRA
  // runs on NVIDIA chips (16 of 24; 4 tune, 12 test; H100 / H200 -5..+6%, B200 / GB200 / GB300 at 72-576 GPUs
  // -18..-42%, short steps against the 135 ms per-step host time): tune 10.8%, test 13.8%; FP8 attention stated by the
  // 38 runs that used it and seven of that batch's LoRA runs revived once a frozen base keeps no MLP inputs (-4..+3%,
  // NVIDIA 8 x GB200 -12%): tune 10.5%, test 13.4%; CUDA graphs stated from each run's configuration (78 cases: 57
  // capture layers or steps and take the graphed host time, 32 ms fitted on tune): tune 8.2%, test 8.7%; a mixture of
  // experts' token shuffles priced (permute, unpermute, the alltoall dispatcher's sorts) and the MoE host time refitted
  // on its three tune cases: tune 8.1%, test 8.6%; ring attention's further steps and merges with context
  // parallelism: tune 8.04%, test 8.45%; the MI355X's measured FP8 rate: tune 7.89%, test 8.23%; Blackwell Ultra's
  // attention (cuDNN's GB300 over GB200 runs): tune 7.86%, test 8.14%; 48 rows of three NeMo tables not used before
  // (25.04 GB200, 25.09, 26.02; data only, 16 tune, 32 test): the 24 dense rows hold (tune 5.5%, test 11.1%), the 24
  // mixture-of-experts rows do not (tune 13.5%, test 35.9%: token-dropping runs whose dispatcher never waits for the
  // host run no faster than dropless ones, which hwsim prices as hidden host time): tune 8.10%, test 11.49%; the MoE
  // layers' host time hidden only under a graph of the whole step (moe_host_hidden, chosen on the tune split's four
  // token-dropping runs): tune 7.48%, test 9.67%; FP8 weights stated in the 30 older NeMo runs whose recipes gather
  // them (data only): tune 7.41%, test 9.72%; the rest of the NeMo 26.04 table (23 rows, 8 tune, 15 test; dense
  // -14..+14%, GPT-OSS on B200 / GB200 / GB300 +40..+66%): tune 7.82%, test 10.26%; the 26.04.01 table (26 rows, 9
  // tune, 17 test; dense -17..+16%, GPT-OSS on B200 / GB200 / GB300 +40..+56%): tune 8.39%, test 10.41%; cuDNN's FP8
  // backward running a sliding-window layer whole on Blackwell (fp8_window_backward_unskipped): tune 8.35%, test
  // 10.38%; the 26.02.01, 26.06.01 and 26.08 tables (38 rows, 13 tune, 25 test; dense -10..+17%, GPT-OSS +26..+65%):
  // tune 8.72%, test 10.50%; the DGX-B300 rows of five tables (19, 7 tune, 12 test; GPT-OSS +35..+72%, the rest
  // -19..+28%): tune 8.95%, test 11.20%; MLPerf Training v6.0's GPT-OSS-20B, DeepSeek-V3 and Llama 3.1 405B results
  // (46, 16 tune, 30 test; GPT-OSS-20B -26..+46%, DeepSeek-V3 -6..+87%, 405B -7..+3%): tune 10.49%, test 12.60%;
  // narrow heads at cuDNN's measured share of the head-dim-128 attention rate (head_dim_attention_share, not fitted;
  // native kernels): tune 10.15%, test 12.16%; a sliding window's query tiles priced by cuDNN's measured fixed work
  // per tile (occupancy_against_full_layers, not fitted): tune 9.97%, test 11.91%; five more MLPerf v6.0 GPT-OSS-20B
  // results (2 tune, 3 test; H100 -9, -6%, B300 +16%, GB300 racks +28, +29%): tune 10.00%, test 12.02%; the round's
  // last three (NVIDIA's GB200 GPT-OSS-20B runs +25, +33%, HPE's 405B rack -20%): tune 10.06%, test 12.16%; a clamped
  // GLU's clamp and the experts' second bias as Megatron-Core's grouped MLP runs them, separate kernels
  // (moe_eager_epilogue, bytes read off the code, not fitted; the 40 GPT-OSS runs with the fused grouped MLP state
  // moe_fused_mlp): tune 9.62%, test 11.23%; narrow heads at each generation's own measured share, Blackwell's and
  // Blackwell Ultra's from cuDNN 9.19's GB200 and GB300 runs rather than the H200's, and FP8 attention's smaller
  // forward gain at head dim 64 there (not fitted): tune 9.30%, test 10.79%; its backward at head dim 64 as those runs
  // measure it, below 16 bits (not fitted): tune 9.27%, test 10.77%; a mixture of experts' expert gradients reduced
  // and weights gathered over their own data-parallel group, on its ranks' NICs (not fitted): tune 8.98%, test
  // 10.28%; MLPerf Training v6.0's Llama 3.1 8B and Llama 2 70B LoRA results (85, 29 tune, 56 test, data only; the
  // batch tune 5.9%, test 5.1%; LoRA on GB300 racks -8..-17%, MI355X -8..-11%): tune 8.52%, test 9.33%; MLA's wider
  // scores at cuDNN 9.22's measured DeepSeek-V3-shaped rates on Blackwell, BF16 backward below and FP8 far above the
  // head-dim-128 figures (not fitted; 43 DeepSeek-V3 and Nemotron-4 340B cases move, 19 closer: NVIDIA's MLPerf and
  // NeMo's FP8-attention GB300 runs closer, CoreWeave's GB300 and the GB200 MLPerf runs, already too fast, further; the
  // 16-bit attention runs about a point slower, closer on GB200, further on B200 and B300): tune 8.60%, test 9.34%;
  // the rest of that v6.0 rule (12, 4 tune, 8 test, data only): tune 8.60%, test 9.34%; MXFP4 on CDNA 4 at AITER's
  // measured rates at Llama 3.1 8B's training shapes (not fitted; the 14 MI355X MXFP4 training runs -6..-13% ->
  // -6..+2%): tune 8.38%, test 9.20%; an audit's data fix (NeMo 25.11 Qwen3-30B-A3B on 16 H100 runs MBS 1): tune
  // 8.38%, test 9.05%; each routed expert's token rows (a weight gradient's reduced dimension too) filling whole
  // 128-row tiles (expert_tile_fill): tune 8.37%, test 9.02%; then at 8.40% and 8.96%, the FP8 recipes (fp8_recipe:
  // what a cast moves per chip and recipe, one FP8 copy on Blackwell, MXFP8's GEMMs at Transformer Engine's measured
  // block-scaled rate; not fitted): tune 8.53%, test 9.11% with every case at the default (delayed), then each case's
  // recipe from its configuration (311 cases: 147 MXFP8, 97 current scaling, 67 delayed; a data correction): tune
  // 8.32%, test 8.81%.
  // Held so that a change that loses it fails; the targets (tune <= 8%, no source above 15%: nemo-25.02 20.6%;
  // no case off by more than 30%: 16) are not all reached.
  SECTION("training predictions hold MAPE <= 8.40% on the tune split and <= 9.00% on the held-out test split") {
    const auto& by_split = report().by_split;
    REQUIRE(by_split.count("tune") == 1);
    REQUIRE(by_split.count("test") == 1);
    CHECK(by_split.at("tune").at("training").mape <= 0.0840);
    CHECK(by_split.at("test").at("training").mape <= 0.0900);
    for (const auto& row : report().rows) {
      INFO(row.id);
      if (row.kind == "training" && row.split == "tune") CHECK(row.failure.empty());  // every tune case fits
    }
  }

  // Inference accuracy per split and device as measured at the end of the work on issue #13 (GPU: tune 16.7%, test
  // 22.6%; CPU, with llama.cpp's unified KV cache: tune 14.0%, test 18.9%), then with the 34 MLPerf Mixtral 8x7B cases
  // (12 tune, 22 test; all over-predicted, +5% to +57%: MoE serving costs beyond the experts read are not modelled):
  // GPU tune 17.1%, test 20.5%; the measured HBM streaming shares: 16.9% / 20.4%; then the MLPerf datasets' real
  // mean prompt lengths in place of assumed ones (a data correction: llama2-70b 222 not 512, mixtral 427 not 512):
  // GPU tune 20.3%, test 25.9%, which uncovered a general optimism on MLPerf serving; then 21 AMD MI300X/MI325X and
  // GH200 cases (7 tune, 14 test): GPU tune 19.2%, test 23.9%; pipelined micro-batches: test 23.5%; the measured
  // NVFP4 GEMM ceiling (0.39 of peak, was an estimated 0.65): tune 15.7%, test 19.9%. Held so that a change that loses
  // it fails; the MLPerf Server cases' limits at the 99th percentile of Poisson arrivals (MLPerf's rule, now
  // expressible): tune 15.0%, test 18.3%; then the four 1000 W H200 (CTS) cases (2 tune, 2 test; -4% to -7%) and
  // HPE's two open-division H100 NVL Mixtral cases (1 tune +65%, 1 test +73%: the 350-400 W PCIe card does not hold
  // its datasheet clock under load, which the model does not know): tune 15.6%, test 18.8%; the TensorRT-LLM perf
  // overview cases' finite runs (requests: the page's $num_requests per input/output pair, a data correction): tune
  // 15.2%, test 18.4%; the routed experts as one grouped GEMM per pass: tune 14.9%, test 17.6%; four MaxQ throughput
  // cases (2 tune, 2 test) and the Hopper power-cap exponent (1.1): tune 15.4%, test 17.0%; each part's own power
  // limit (tdp_clock_share: H100 NVL Mixtral +61/+69% -> +20/+25%; the MI325X's measured 1.16x GEMM rate lifts its 12
  // Mixtral cases by 11-17 points to the other chips' over-prediction): tune 15.5%, test 17.8%; vLLM's multi-step
  // scheduling in the AMD runs (scheduler_steps): tune 15.2%, test 17.2%; a mixture of experts' routing passes: tune
  // 14.7%, test 16.4%; serving engines' routed experts at 0.78 of the grouped GEMM's rate (fitted on the 20 tune
  // Mixtral cases): tune 9.7%, test 7.6%, within the GPU target (test <= 12%); then the TensorRT-LLM 1.0 perf
  // overview's 140 rows (47 tune, 93 test; mixtures of experts on Blackwell FP4 over-predicted by 20-42%, 128/128
  // under-predicted): tune 12.1%, test 12.8%; then MLPerf Inference v5.1 across submitters, each batch taken whole:
  // 65 Llama 2 70B rows (22 tune, 43 test; B200/GB200 at FP4 -16..-26%): tune 12.2%, test 12.8%, and 62 Llama 3.1 8B
  // and 405B rows (21 tune, 41 test; as added 7.0% / 7.8%): tune 11.5%, test 11.9%, the target (test <= 12%);
  // weights stored and streamed as serving checkpoints keep them (NVFP4's 4.5 bits, the embedding table and output
  // layer in 16 bits, the table's rows gathered): tune 11.3%, test 11.7%; a step's all-reduces once over its packed
  // tokens and the engines' KV cache shares: tune 11.3%, test 11.2%; the token budgets 137 TensorRT-LLM configs state
  // (max_batch_tokens): tune 11.3%, test 11.0%; then MLPerf Inference v6.1 across submitters (38 rows, 13 tune, 25
  // test: Llama 2 70B and Llama 3.1 8B on MI355X, B300 and H200 within 13%, gpt-oss-120b over-predicted by 32-81%):
  // tune 13.0%, test 12.7%, above the target; the NVIDIA gpt-oss cases' MXFP8 arithmetic (a data correction):
  // tune 12.6%, test 12.6%; then the GPT-OSS tables of TensorRT-LLM's perf overview at 585c756 (33 rows, 11 tune, 22
  // test; every one over-predicted, +33..+95%, on Hopper as on Blackwell): tune 15.9%, test 16.4%; TensorRT-LLM's KV
  // cache holding windowed layers at the whole context (its one window of max_seq_len; 34 cases move, all closer):
  // tune 14.5%, test 15.0%; the 50 gpt-oss serving cases' checkpoints quantise the experts only (quantized: experts, a
  // data correction once expressible; all 50 closer): tune 13.1%, test 13.6%, with attention in 16 bits, which a source
  // check found wrong (an FP8 cache keeps FP8 context FMHA): tune 13.6%, test 13.9%; their attention side's 16-bit
  // GEMM inputs in the element-wise traffic (less traffic, 35 cases +0.5 point): tune 13.6%, test 13.9%; each routed
  // expert's rows filling whole 128-row token tiles (expert_tile_fill; the routed share refitted to 0.82 on the tune
  // Mixtral cases): tune 11.1%, test 11.2%, within the GPU target again; the GPT-OSS perf-overview cases'
  // trtllm-bench default max batch (2048, a data correction): tune 11.0%, test 11.2%; the six MI355X gpt-oss cases'
  // FP8 x MXFP4 arithmetic (AITER's fused MoE, a data correction): tune 10.9%, test 10.8%, held below.
  SECTION("inference validation: GPU MAPE <= 11.0% tune and <= 10.9% test, CPU <= 15% tune and <= 20% test") {
    std::map<std::string, std::pair<int, double>> by;  // "split/device" -> count, sum of |error|
    for (const auto& row : report().rows) {
      if (row.kind != "inference") continue;
      INFO(row.id);
      CHECK(row.failure.empty());
      auto& [n, sum] = by[row.split + "/" + row.device];
      n += 1;
      sum += std::fabs(row.error);
    }
    const auto mape = [&](const std::string& key) { return by.at(key).second / by.at(key).first; };
    REQUIRE(by.size() == 4);
    CHECK(by.at("tune/gpu").first + by.at("test/gpu").first >= 396);
    CHECK(by.at("tune/cpu").first + by.at("test/cpu").first >= 20);
    CHECK(mape("tune/gpu") <= 0.110);
    CHECK(mape("test/gpu") <= 0.109);
    CHECK(mape("tune/cpu") <= 0.15);
    CHECK(mape("test/cpu") <= 0.20);
  }

  // Issue #14: at least 8 power cases, MAPE <= 10% on the held-out test split and no case above 20%. Measured when
  // the power model took fans that follow heat, the 80 PLUS curve at the supplies' DC load and liquid cooling: tune
  // 3.6% (max 7.7%), test 3.7% (max 7.1%), from 13 cases over 5 sources (before: tune 15.6%, test 14.8%).
  SECTION("power validation: at least 8 cases over 3 sources, test MAPE <= 10%, no case above 20%") {
    std::map<std::string, std::pair<int, double>> by;  // split -> count, sum of |error|
    std::set<std::string> sources;
    for (const auto& row : report().rows) {
      if (row.kind != "power") continue;
      INFO(row.id << ": " << row.error);
      CHECK(row.failure.empty());
      CHECK(std::fabs(row.error) <= 0.20);
      auto& [n, sum] = by[row.split];
      n += 1;
      sum += std::fabs(row.error);
      sources.insert(row.source);
    }
    REQUIRE(by.count("test") == 1);
    REQUIRE(by.count("tune") == 1);
    CHECK(by.at("test").first + by.at("tune").first >= 8);
    CHECK(by.at("test").first >= 4);
    CHECK(sources.size() >= 3);
    CHECK(by.at("test").second / by.at("test").first <= 0.10);
  }

  SECTION("every case left out of validation says why") {
    REQUIRE_FALSE(report().not_modelled.empty());
    for (const auto& n : report().not_modelled) {
      INFO(n.id);
      CHECK(n.reason.size() > 20);
    }
  }

  SECTION("summaries per split and per source count every case once and average its absolute error") {
    std::map<std::string, std::pair<int, double>> split_sum;
    std::map<std::string, std::pair<int, double>> source_sum;
    for (const auto& row : report().rows) {
      INFO(row.id);
      CHECK((row.split == "tune" || row.split == "test"));
      CHECK((row.device == "gpu" || row.device == "cpu"));
      CHECK_FALSE(row.source.empty());
      split_sum[row.split + "/" + row.kind].first += 1;
      split_sum[row.split + "/" + row.kind].second += std::fabs(row.error);
      source_sum[row.source].first += 1;
      source_sum[row.source].second += std::fabs(row.error);
    }
    for (const auto& [key, sum] : split_sum) {
      const auto slash = key.find('/');
      const auto& k = report().by_split.at(key.substr(0, slash)).at(key.substr(slash + 1));
      CHECK(k.cases == sum.first);
      CHECK(k.mape == Approx(sum.second / sum.first).epsilon(1e-12));
    }
    for (const auto& [source, sum] : source_sum) {
      CHECK(report().by_source.at(source).cases == sum.first);
      CHECK(report().by_source.at(source).mape == Approx(sum.second / sum.first).epsilon(1e-12));
    }
    CHECK(report().by_source.size() == source_sum.size());
  }
  SECTION("a split filter keeps only that split's cases (the held-out cases stay unseen while tuning)") {
    const hwsim::DefaultEfficiency eff;
    const auto tune = hwsim::run_validation(std::filesystem::path(HWSIM_SOURCE_DIR) / "scenarios/validation", {}, eff,
                                            hwsim::ValidationFilter{"tune"});
    int expected = 0;
    for (const auto& row : report().rows) expected += row.split == "tune" ? 1 : 0;
    CHECK(static_cast<int>(tune.rows.size()) == expected);
    for (const auto& row : tune.rows) CHECK(row.split == "tune");
    CHECK(tune.by_split.count("test") == 0);
  }
}

TEST_CASE("a validation case needs a split and a short source id", "[validate]") {
  const auto dir = std::filesystem::temp_directory_path() / "hwsim-validate-bad-case";
  const auto attempt = [&](const std::string& tail) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
      std::ofstream f(dir / "case.yaml");
      f << "name: bad\n"
           "deployments:\n  - {name: d, node: dgx-h100}\n"
           "workloads:\n  - {name: w, kind: training, model: llama3-8b, global_batch: 8}\n"
           "validation:\n  id: X\n  kind: training\n  deployment: d\n  workload: w\n  metric: mfu\n"
           "  measured: 0.4\n"
        << tail;
    }
    const hwsim::DefaultEfficiency eff;
    std::string what;
    try {
      (void)hwsim::run_validation(dir, {}, eff);
    } catch (const hwsim::InputError& e) {
      what = e.what();
    }
    std::filesystem::remove_all(dir);
    return what;
  };
  CHECK_THAT(attempt("  source: nemo-24.09\n"), Catch::Contains("missing required key 'split'"));
  CHECK_THAT(attempt("  source: \"Some paper, 2024, table 3\"\n  split: test\n"),
             Catch::Contains("case.yaml:13:11: validation.source") && Catch::Contains("short publication id"));
  CHECK(attempt("  source: nemo-24.09\n  split: test\n").empty());
}
