// `hwsim calibrate --cpu | --gpu N | --fit RAW.json -o PROFILE.yaml`: run the micro-kernels (the GPU ones in the
// CUDA-only probe binary `hwsim-probe`), fit, write a calibration profile; and `--calibration` for the commands
// that evaluate scenarios.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "calibrate/fit.hpp"
#include "calibrate/profile.hpp"
#include "hwmodels/catalog_loader.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/output_file.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/core/errors.hpp"
#include "sim/perf/calibrated_efficiency.hpp"

namespace hwsim::cli {

namespace {

struct CalibrateOptions {
  std::optional<int> gpu;
  bool cpu = false;
  std::string fit;
  std::string raw_out;
  std::string device;
  std::string date;
  bool quick = false;
  int threads = 0;
};

[[noreturn]] void usage_error(const std::string& message) { throw InputError(Diagnostic{{}, "calibrate", message}); }

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Where a probe program is: $ENV_NAME, else next to this binary (the build puts both probes there).
std::filesystem::path probe_path(const char* env_name, const std::string& program) {
  if (const char* env = std::getenv(env_name); env && *env) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(program) : self.parent_path() / program;
}

// The NVIDIA kernel driver lists each GPU under /proc/driver/nvidia/gpus and creates /dev/nvidiactl; without
// either no CUDA device can exist (the probe itself gives the last word when they are there).
bool cuda_device_present() {
  std::error_code ec;
  const std::filesystem::path gpus = "/proc/driver/nvidia/gpus";
  return (std::filesystem::is_directory(gpus, ec) && !std::filesystem::is_empty(gpus, ec)) ||
         std::filesystem::exists("/dev/nvidiactl", ec);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a probe program that writes `raw_file`, then reads it.
calib::RawMeasurements run_probe(const std::filesystem::path& probe, const std::string& args,
                                 const std::filesystem::path& raw_file) {
  const std::string command =
      fmt::format("{} {} -o {}", shell_quote(probe.string()), args, shell_quote(raw_file.string()));
  const int status = std::system(command.c_str());
  if (status != 0) {
    usage_error(fmt::format("{} failed (exit status {}); its messages are above", probe.string(),
                            WIFEXITED(status) ? WEXITSTATUS(status) : status));
  }
  return calib::read_raw(raw_file);
}

calib::RawMeasurements run_gpu_probe(const CalibrateOptions& o, const std::filesystem::path& raw_file) {
  if (!cuda_device_present()) {
    usage_error(fmt::format(
        "no CUDA device is present (no NVIDIA driver: nothing under /proc/driver/nvidia/gpus, no /dev/nvidiactl): "
        "--gpu {} cannot run; `hwsim calibrate --cpu` calibrates this machine's CPU",
        *o.gpu));
  }
  const std::filesystem::path probe = probe_path("HWSIM_PROBE", "hwsim-probe");
  if (!std::filesystem::exists(probe)) {
    usage_error(
        fmt::format("the CUDA probe {} was not built (hwsim was built without nvcc): build it with "
                    "`cmake -S calibrate/cuda -B build-probe && cmake --build build-probe` and set "
                    "HWSIM_PROBE=build-probe/hwsim-probe",
                    probe.string()));
  }
  return run_probe(probe, fmt::format("--gpu {}{}", *o.gpu, o.quick ? " --quick" : ""), raw_file);
}

calib::RawMeasurements run_cpu_probe(const CalibrateOptions& o, const std::filesystem::path& raw_file) {
  const std::filesystem::path probe = probe_path("HWSIM_CPU_PROBE", "hwsim-cpu-probe");
  if (!std::filesystem::exists(probe)) {
    usage_error(
        fmt::format("the CPU probe {} was not found (it is built with hwsim; or set HWSIM_CPU_PROBE)", probe.string()));
  }
  std::string args = fmt::format("--date {}", o.date.empty() ? today_utc() : o.date);
  if (o.threads > 0) args += fmt::format(" --threads {}", o.threads);
  if (o.quick) args += " --quick";
  if (isatty(STDERR_FILENO) != 0) args += " --progress";
  return run_probe(probe, args, raw_file);
}

std::vector<std::string> catalog_names_of_kind(const Common& common, const std::string& kind) {
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  for (const auto& d : catalog_paths(common)) dirs.push_back(d);
  return read_catalog_dirs(dirs).names_of_kind(kind);
}

int calibrate(const Common& common, const CalibrateOptions& o) {
  const int modes = int(o.gpu.has_value()) + int(o.cpu) + int(!o.fit.empty());
  if (modes != 1) usage_error("give exactly one of --cpu, --gpu N, --fit RAW.json");
  if (common.output.empty()) usage_error("-o PROFILE.yaml is required");
  calib::RawMeasurements raw;
  if (o.fit.empty()) {
    // The probe's raw file: --raw FILE, else a temporary beside the profile, removed once read.
    const std::string raw_file = o.raw_out.empty() ? temporary_beside(common.output) : o.raw_out;
    struct Remove {
      std::string file;
      ~Remove() {
        if (!file.empty()) remove_temporary(file);
      }
    } remove{o.raw_out.empty() ? raw_file : ""};
    raw = o.cpu ? run_cpu_probe(o, raw_file) : run_gpu_probe(o, raw_file);
  } else {
    raw = calib::read_raw(o.fit);
  }
  if (!o.date.empty()) raw.device.date = o.date;
  const std::vector<std::string> names = catalog_names_of_kind(common, raw.device.kind);
  if (!o.device.empty() && std::find(names.begin(), names.end(), o.device) == names.end()) {
    const std::string near = closest_match(o.device, names);
    usage_error(fmt::format("--device {}: no {} of that name in the catalog{}", o.device, raw.device.kind,
                            near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
  }
  const std::string name = std::filesystem::path(common.output).stem().string();
  const calib::Profile profile = calib::fit_profile(raw, {name, o.device, names});
  emit(common, calib::profile_to_yaml(profile, raw));
  std::cerr << fmt::format("hwsim calibrate: wrote {} ({}{})\n", common.output, raw.device.name,
                           profile.catalog.empty() ? ", no catalog entry" : ", catalog " + profile.catalog);
  for (const auto& g : profile.gemm) {
    if (g.skipped.empty()) {
      std::cerr << fmt::format("  gemm {}: {:.4g} GFLOP/s best, curve plateau {:.4g} GFLOP/s, half at {:.3g} FLOP\n",
                               g.dtype, g.peak_achieved * 1e-9, g.curve.plateau * 1e-9, g.curve.half);
    }
  }
  if (profile.memory) std::cerr << fmt::format("  memory: {:.4g} GB/s\n", profile.memory->bandwidth * 1e-9);
  if (profile.launch_overhead_s) std::cerr << fmt::format("  launch: {:.3g} us\n", *profile.launch_overhead_s * 1e6);
  return 0;
}

}  // namespace

void add_calibration_option(CLI::App* cmd, Common& common) {
  cmd->add_option("--calibration", common.calibrations,
                  "calibration profile (a file, or a NAME in calibrate/profiles/) for the chip it measured "
                  "(repeatable)");
}

std::unique_ptr<EfficiencyModel> efficiency_model(const Common& common) {
  return efficiency_from_profiles(common.calibrations, catalog_paths(common));
}

void add_calibrate_command(CLI::App& app, Common& common, Action& action) {
  static CalibrateOptions o;
  CLI::App* cmd = app.add_subcommand("calibrate",
                                     "run micro-kernels (or read their raw output), fit, write a calibration profile\n"
                                     "Example: hwsim calibrate --cpu -o calibrate/profiles/my-cpu.yaml");
  cmd->add_flag("--cpu", o.cpu, "measure this machine's CPU with hwsim-cpu-probe (Eigen GEMM, STREAM, RAPL)");
  cmd->add_option("--gpu", o.gpu, "measure CUDA device N with hwsim-probe ($HWSIM_PROBE or next to hwsim)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--fit", o.fit, "fit raw measurements (hwsim-probe -o RAW.json) instead of measuring")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", common.output, "the profile to write (its name is the file name)");
  cmd->add_option("--raw", o.raw_out, "also keep the raw measurements as JSON in this file");
  cmd->add_option("--device", o.device, "the catalog entry the profile is for (default: matched by name)");
  cmd->add_option("--date", o.date, "measurement date written into the profile (default today, UTC)");
  cmd->add_option("--threads", o.threads, "CPU threads (default all)")->check(CLI::Range(1, 1024));
  cmd->add_flag("--quick", o.quick, "fewer sizes and repetitions (a smoke test, not a profile)");
  cmd->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  cmd->callback([&] { action = [&] { return calibrate(common, o); }; });
}

}  // namespace hwsim::cli
