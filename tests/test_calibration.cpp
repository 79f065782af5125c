// Self-calibration (calibrate/, sim/perf/calibrated_efficiency): fitting recovers the parameters that generated
// synthetic measurements; profiles round-trip through YAML; malformed profiles are rejected with file:line; a
// profile applies only to the chip it names, and one that measured a slower GEMM lengthens the predicted step.
// Tolerances: exact synthetic data is recovered to 1e-6 (relative); data with +-2% alternating noise to 3%;
// YAML round trips to 4 significant digits (the writer's precision).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "calibrate/fit.hpp"
#include "calibrate/profile.hpp"
#include "sim/perf/calibrated_efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/scenario/load.hpp"

namespace {

namespace fs = std::filesystem;
using hwsim::calib::GemmSample;
using hwsim::calib::PowerSample;
using hwsim::calib::RawMeasurements;
using hwsim::calib::TransferSample;

const fs::path kCalibrationFixtures = fs::path(HWSIM_FIXTURES_DIR) / "calibration";

hwsim::calib::Timing exact(double seconds) { return {seconds, seconds, seconds, 10}; }

// Synthetic H100-like measurements from known parameters: bf16 GEMM plateau 780 TFLOP/s reaching half at 20 GFLOP;
// triad 3.1 TB/s reaching half at 4 MB; 2.5 us launches; idle 90 W, 0.5 pJ/FLOP, 60 pJ/B.
RawMeasurements synthetic(double noise) {
  RawMeasurements raw;
  raw.device = {"gpu", "NVIDIA H100 80GB HBM3", "580.65", "13.0", "2026-11-22", "test", "9.0", 0};
  int i = 0;
  const auto jitter = [&] { return 1.0 + ((i++ % 2) ? noise : -noise); };
  for (double s : {256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0}) {
    const double flop = 2 * s * s * s;
    raw.gemm.push_back({"bf16", s, s, s, exact((flop + 20e9) / 780e12 * jitter()), ""});
  }
  for (double bytes : {1e6, 1e7, 1e8, 1e9, 4e9}) {
    raw.memory.push_back({"triad", bytes, exact((bytes + 4e6) / 3.1e12 * jitter())});
  }
  raw.launch = exact(2.5e-6);
  raw.power.push_back({"idle", 5, 5 * 90.0, 0, 0, 0, 0});
  raw.power.push_back({"gemm-bf16", 5, 5 * (90.0 + 0.5e-12 * 700e12), 5 * 700e12, 0, 0, 0});
  raw.power.push_back({"triad", 5, 5 * (90.0 + 60e-12 * 3e12), 0, 5 * 3e12, 0, 0});
  raw.skipped.push_back({"gemm fp64", "test"});
  return raw;
}

std::string error_of(const fs::path& file) {
  try {
    (void)hwsim::calib::load_profile(file);
  } catch (const hwsim::InputError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.str() + "\n";
    return all;
  }
  return "";
}

const std::vector<std::string> kGpus{"a100-sxm4-80gb", "h100-pcie-80gb", "h100-sxm5-80gb", "h200-sxm-141gb"};

}  // namespace

TEST_CASE("fit_rate_curve recovers plateau and half size from exact Hockney times", "[calibration]") {
  std::vector<double> sizes, times;
  for (double x : {1e3, 1e5, 1e7, 1e9}) {
    sizes.push_back(x);
    times.push_back((x + 5e5) / 2e12);  // plateau 2 TB/s, half at 500 kB
  }
  const auto fit = hwsim::calib::fit_rate_curve(sizes, times);
  CHECK(fit.curve.plateau == Approx(2e12).epsilon(1e-6));
  CHECK(fit.curve.half == Approx(5e5).epsilon(1e-6));
  CHECK(fit.rms_relative_error < 1e-9);
}

TEST_CASE("fitting synthetic measurements recovers the parameters that generated them", "[calibration]") {
  for (const double noise : {0.0, 0.02}) {
    INFO("noise " << noise);
    const double tol = noise == 0 ? 1e-6 : 0.03;
    const auto p = hwsim::calib::fit_profile(synthetic(noise), {"h100-test", "", kGpus});
    CHECK(p.catalog == "h100-sxm5-80gb");  // "H100 80GB HBM3" is the SXM5 board
    const auto* g = p.gemm_of("bf16");
    REQUIRE(g != nullptr);
    CHECK(g->curve.plateau == Approx(780e12).epsilon(tol));
    CHECK(g->curve.half == Approx(20e9).epsilon(noise == 0 ? 1e-6 : 0.5));  // the half size is poorly conditioned
    CHECK(g->points == 6);
    REQUIRE(p.memory);
    CHECK(p.memory->curve->plateau == Approx(3.1e12).epsilon(tol));
    CHECK(p.launch_overhead_s.value() == Approx(2.5e-6));
    CHECK(p.power.idle_w.value() == Approx(90.0));
    CHECK(p.power.loaded_w.value() == Approx(90.0 + 350.0));  // 0.5 pJ x 700 TFLOP/s
    CHECK(p.power.energy_per_flop_j.value() == Approx(0.5e-12).epsilon(1e-6));
    CHECK(p.power.energy_per_byte_j.value() == Approx(60e-12).epsilon(1e-6));
    REQUIRE(p.gemm.size() == 2);
    CHECK(p.gemm[1].skipped == "test");
  }
}

TEST_CASE("catalog matching takes only boards the catalog has and leaves unknown chips unmatched", "[calibration]") {
  hwsim::calib::RawDevice d{"gpu", "NVIDIA H100 NVL", "", "", "", "", "9.0", 0};
  CHECK(hwsim::calib::match_catalog(d, kGpus).empty());
  d.name = "NVIDIA H100 PCIe";
  CHECK(hwsim::calib::match_catalog(d, kGpus) == "h100-pcie-80gb");
  d.name = "NVIDIA H200";
  CHECK(hwsim::calib::match_catalog(d, kGpus) == "h200-sxm-141gb");
  hwsim::calib::RawDevice cpu{"cpu", "Intel(R) Xeon(R) Platinum 8480C", "", "", "", "", "", 2};
  CHECK(hwsim::calib::match_catalog(cpu, {"xeon-platinum-8480c", "epyc-7742"}) == "xeon-platinum-8480c");
  cpu.name = "Intel(R) Xeon(R) Processor";
  CHECK(hwsim::calib::match_catalog(cpu, {"xeon-platinum-8480c", "epyc-7742"}).empty());
  CHECK(hwsim::calib::slug("Intel(R) Xeon(R) Processor") == "intel-xeon-processor");
}

TEST_CASE("a fitted profile round-trips through its YAML", "[calibration]") {
  const RawMeasurements raw = synthetic(0.0);
  const auto p = hwsim::calib::fit_profile(raw, {"roundtrip", "", kGpus});
  const fs::path file = fs::temp_directory_path() / ("hwsim-calib-" + std::to_string(::getpid())) / "roundtrip.yaml";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << hwsim::calib::profile_to_yaml(p, raw);
  const auto q = hwsim::calib::load_profile(file);
  fs::remove_all(file.parent_path());
  CHECK(q.name == "roundtrip");
  CHECK(q.catalog == "h100-sxm5-80gb");
  CHECK(q.device.name == "NVIDIA H100 80GB HBM3");
  REQUIRE(q.gemm_of("bf16"));
  CHECK(q.gemm_of("bf16")->curve.plateau == Approx(p.gemm_of("bf16")->curve.plateau).epsilon(1e-3));
  CHECK(q.gemm_of("bf16")->peak_achieved == Approx(p.gemm_of("bf16")->peak_achieved).epsilon(1e-3));
  CHECK(q.memory->bandwidth == Approx(p.memory->bandwidth).epsilon(1e-3));
  CHECK(q.launch_overhead_s.value() == Approx(2.5e-6).epsilon(1e-3));
  CHECK(q.power.energy_per_byte_j.value() == Approx(60e-12).epsilon(1e-3));
  CHECK(q.gemm_of("fp64") == nullptr);
}

TEST_CASE("malformed profiles are rejected with file, line and key", "[calibration]") {
  const std::string dir = kCalibrationFixtures.string() + "/";
  CHECK(error_of(kCalibrationFixtures / "good.yaml").empty());
  CHECK(error_of(kCalibrationFixtures / "bad_key.yaml") ==
        dir + "bad_key.yaml:5:3: memory: unknown key 'bandwith' (did you mean 'bandwidth'?)\n" + dir +
            "bad_key.yaml:5:3: memory: missing required key 'bandwidth' (achieved device-memory (GPU) or DRAM (CPU) "
            "bandwidth, bytes read + written, best run)\n");
  CHECK(error_of(kCalibrationFixtures / "bad_unit.yaml") ==
        dir +
            "bad_unit.yaml:5:20: gemm.bf16.peak_achieved: expected a compute rate like \"312 TFLOP/s\", got "
            "\"150 TB/s\" (a bandwidth)\n" +
            dir +
            "bad_unit.yaml:6:22: gemm.bf16.curve.plateau: expected a compute rate like \"312 TFLOP/s\", got "
            "\"150\" (no unit)\n");
  CHECK(error_of(kCalibrationFixtures / "bad_shape.yaml") ==
        dir + "bad_shape.yaml:2:16: device.kind: expected one of: gpu, cpu; got \"tpu\" (did you mean 'gpu'?)\n" + dir +
            "bad_shape.yaml:3:18: launch_overhead: expected a time like \"4 us\", got \"3\" (no unit)\n");
  CHECK(error_of(kCalibrationFixtures / "bad_gemm.yaml") ==
        dir + "bad_gemm.yaml:4:9: gemm.bf16: expected peak_achieved and curve (or skipped: REASON)\n");
  CHECK(error_of(kCalibrationFixtures / "bad_name.yaml") ==
        dir + "bad_name.yaml:1:7: name: expected \"bad_name\" (the file name without .yaml), got \"something-else\"\n");
}

TEST_CASE("a profile applies only to the chip it names; other chips keep the defaults", "[calibration]") {
  const auto profile = hwsim::calib::load_profile(kCalibrationFixtures / "good.yaml");
  const hwsim::CalibratedEfficiency eff({profile});
  const hwsim::DefaultEfficiency defaults;
  hwsim::Device a100{.name = "a100-sxm4-80gb", .kind = hwsim::DeviceKind::gpu};
  a100.peak[hwsim::DType::bf16] = hwsim::FlopPerSecond(312e12);
  a100.peak[hwsim::DType::fp16] = hwsim::FlopPerSecond(312e12);
  a100.memory_bandwidth = hwsim::BytesPerSecond(2.039e12);
  hwsim::Device other = a100;
  other.name = "h100-sxm5-80gb";
  const hwsim::Flop big(1e15);
  // 150 x 1e15 / (1e15 + 1e9) TFLOP/s over the 312 TFLOP/s peak.
  CHECK(eff.compute(a100, hwsim::DType::bf16, big) == Approx(150.0 / 312 * 1e15 / (1e15 + 1e9)));
  CHECK(eff.compute(a100, hwsim::DType::fp16, big) == defaults.compute(a100, hwsim::DType::fp16, big));
  CHECK(eff.compute(other, hwsim::DType::bf16, big) == defaults.compute(other, hwsim::DType::bf16, big));
  // A grouped product: the profile's curve at the launch's FLOPs, the default model's waste of each group's tiles.
  const hwsim::Flop launch(8 * 2.0 * 224 * 14336 * 4096);
  CHECK(eff.grouped_gemm(a100, hwsim::DType::bf16, 8, 224, 14336, 4096) ==
        Approx(eff.compute(a100, hwsim::DType::bf16, launch) *
               defaults.grouped_gemm(a100, hwsim::DType::bf16, 8, 224, 14336, 4096) /
               defaults.compute(a100, hwsim::DType::bf16, launch)));
  CHECK(eff.memory(a100, hwsim::Bytes(1e9)) == Approx(1.6e12 * 1e9 / (1e9 + 1e6) / 2.039e12));
  CHECK(eff.launch_overhead(a100).value() == Approx(3e-6));
  CHECK(eff.launch_overhead(other).value() == defaults.launch_overhead(other).value());
  CHECK(eff.source_for(a100) == "good");
  CHECK(eff.source_for(other) == "default");
}

TEST_CASE("a profile that lowers the GEMM efficiency lengthens the predicted training step", "[calibration]") {
  const hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/training.yaml", {});
  const hwsim::DefaultEfficiency defaults;
  // good.yaml: bf16 at 150 TFLOP/s = 48% of the A100's peak, against the default 80% ceiling.
  const hwsim::CalibratedEfficiency slower({hwsim::calib::load_profile(kCalibrationFixtures / "good.yaml")});
  const hwsim::Evaluation before = hwsim::evaluate(sc, defaults);
  const hwsim::Evaluation after = hwsim::evaluate(sc, slower);
  REQUIRE(before.results.size() == after.results.size());
  int compared = 0;
  for (std::size_t i = 0; i < before.results.size(); ++i) {
    const auto& b = before.results[i];
    const auto& a = after.results[i];
    CHECK(b.calibration == "default");
    CHECK(a.calibration == "good");
    if (!b.fits || !a.fits) continue;
    INFO(b.deployment << "/" << b.workload);
    CHECK(a.metric("step_time_s").value() > b.metric("step_time_s").value() * 1.2);
    const auto compute_s = [](const hwsim::Result& r) {
      for (const auto& m : r.breakdown) {
        if (m.key == "compute_s") return m.value;
      }
      return 0.0;
    };
    CHECK(compute_s(a) > compute_s(b));
    ++compared;
  }
  CHECK(compared > 0);
}

// Runs `hwsim ARGS` (a shell-quoted string); stdout and stderr together.
std::pair<int, std::string> hwsim_cli(const std::string& args) {
  const std::string cmd = std::string("'") + HWSIM_BINARY + "' " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

TEST_CASE("calibrate --gpu without a CUDA device says so and exits 2", "[calibration]") {
  if (fs::exists("/proc/driver/nvidia/gpus") || fs::exists("/dev/nvidiactl")) return;  // a GPU machine: the probe runs
  const fs::path profile = fs::temp_directory_path() / ("hwsim-never-" + std::to_string(::getpid()) + ".yaml");
  const auto [code, out] = hwsim_cli("calibrate --gpu 0 -o '" + profile.string() + "'");
  CHECK(code == 2);
  CHECK(out.find("no CUDA device is present") != std::string::npos);
  CHECK_FALSE(fs::exists(profile));
}

TEST_CASE("calibrate --cpu --quick measures this machine and writes a profile that loads", "[calibration]") {
  const fs::path dir = fs::temp_directory_path() / ("hwsim-cpu-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto [code, out] = hwsim_cli("calibrate --cpu --quick --date 2026-11-22 -o '" + (dir / "host.yaml").string() +
                                     "' --raw '" + (dir / "host.json").string() + "'");
  INFO(out);
  REQUIRE(code == 0);
  const auto p = hwsim::calib::load_profile(dir / "host.yaml");
  const auto raw = hwsim::calib::read_raw(dir / "host.json");
  fs::remove_all(dir);
  CHECK(p.name == "host");
  CHECK(p.device.kind == "cpu");
  CHECK(p.device.date == "2026-11-22");
  REQUIRE(p.gemm_of("fp32") != nullptr);
  CHECK(p.gemm_of("fp32")->peak_achieved > 1e8);  // any CPU of this century: > 0.1 GFLOP/s
  REQUIRE(p.memory);
  CHECK(p.memory->bandwidth > 1e8);
  CHECK(p.launch_overhead_s.has_value());
  CHECK(raw.gemm.size() >= 5);
  CHECK_FALSE(raw.memory.empty());
}

TEST_CASE("run --calibration names the profile in the results of the chip it measured", "[calibration]") {
  const std::string scenario = (fs::path(HWSIM_FIXTURES_DIR) / "scenarios/training.yaml").string();
  const auto [code, out] = hwsim_cli("run '" + scenario + "' --format json --calibration '" +
                                     (kCalibrationFixtures / "good.yaml").string() + "'");
  REQUIRE(code == 0);
  const auto doc = nlohmann::json::parse(out);
  REQUIRE_FALSE(doc.at("results").empty());
  for (const auto& r : doc.at("results")) CHECK(r.at("calibration") == "good");  // every deployment is an A100 node
  const auto [bad, message] = hwsim_cli("run '" + scenario + "' --calibration no-such-profile");
  CHECK(bad == 2);
  CHECK(message.find("\"no-such-profile\" is neither a file nor a profile in") != std::string::npos);
}

TEST_CASE("a profile naming no catalog chip, or a chip of the other kind, is an error with file and line",
          "[calibration]") {
  const std::string scenario = (fs::path(HWSIM_FIXTURES_DIR) / "scenarios/training.yaml").string();
  const auto [typo, typo_out] = hwsim_cli("run '" + scenario + "' --calibration '" +
                                          (kCalibrationFixtures / "wrong_catalog.yaml").string() + "'");
  CHECK(typo == 2);
  CHECK(typo_out.find("wrong_catalog.yaml:3:10: catalog: no gpu or cpu catalog entry 'a100-sxm4-80g' (did you mean "
                      "'a100-sxm4-80gb'?)") != std::string::npos);
  const auto [kind, kind_out] =
      hwsim_cli("run '" + scenario + "' --calibration '" + (kCalibrationFixtures / "wrong_kind.yaml").string() + "'");
  CHECK(kind == 2);
  CHECK(kind_out.find("catalog: 'altra-q80-30' is a cpu entry but the profile measured a gpu") != std::string::npos);
}

TEST_CASE("calibrate --fit turns a GPU probe's raw file into a profile for the catalog board it names",
          "[calibration]") {
  const fs::path dir = fs::temp_directory_path() / ("hwsim-fit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "raw.json") << hwsim::calib::raw_to_json(synthetic(0.0));  // "NVIDIA H100 80GB HBM3"
  const auto [code, out] =
      hwsim_cli("calibrate --fit '" + (dir / "raw.json").string() + "' -o '" + (dir / "h100.yaml").string() + "'");
  INFO(out);
  REQUIRE(code == 0);
  const auto p = hwsim::calib::load_profile(dir / "h100.yaml");
  CHECK(p.catalog == "h100-sxm5-80gb");
  CHECK(p.gemm_of("bf16")->curve.plateau == Approx(780e12).epsilon(1e-3));
  const std::string scenario = (fs::path(HWSIM_SOURCE_DIR) / "scenarios/dgx-h100-vs-altra-1mw.yaml").string();
  const auto [run_code, json] =
      hwsim_cli("run '" + scenario + "' --format json --calibration '" + (dir / "h100.yaml").string() + "'");
  REQUIRE(run_code == 0);
  bool calibrated = false, defaulted = false;
  const auto doc = nlohmann::json::parse(json);
  for (const auto& r : doc.at("results")) {
    const bool h100 = r.at("deployment").get<std::string>().find("h100") != std::string::npos;
    CHECK(r.at("calibration") == (h100 ? "h100" : "default"));  // the Altra deployment keeps the defaults
    (h100 ? calibrated : defaulted) = true;
  }
  CHECK(calibrated);
  CHECK(defaulted);
  std::ofstream(dir / "broken.json") << R"({"format": "hwsim-raw-1", "device": {"kind": "gpu", "name": "x",
    "date": "2026-11-22"}, "gemm": [{"dtype": "bf16", "m": 8, "n": 8, "k": 8, "min_s": 1}]})";
  const auto [bad, message] =
      hwsim_cli("calibrate --fit '" + (dir / "broken.json").string() + "' -o '" + (dir / "broken.yaml").string() + "'");
  fs::remove_all(dir);
  CHECK(bad == 2);
  CHECK(message.find("broken.json: gemm[0].median_s: missing") != std::string::npos);
}
