// hwsim-probe: GPU micro-kernels for `hwsim calibrate`. Usage:
//   hwsim-probe --gpu N -o RAW.json [--quick]
// Writes calibrate/raw.hpp's "hwsim-raw-1" JSON; progress on stderr. Exit 0 ok, 2 usage or no CUDA device,
// 3 a CUDA error.
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

#include "nvml.hpp"
#include "probe.hpp"

namespace probe {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

void write_timing(FILE* f, const Timing& t) {
  std::fprintf(f, "\"median_s\": %.9g, \"min_s\": %.9g, \"max_s\": %.9g, \"repetitions\": %d", t.median_s, t.min_s,
               t.max_s, t.repetitions);
}

void write_transfers(FILE* f, const char* key, const std::vector<TransferRow>& rows) {
  std::fprintf(f, ",\n \"%s\": [", key);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::fprintf(f, "%s\n  {\"kernel\": %s, \"bytes\": %.17g, ", i ? "," : "", json_string(rows[i].kernel).c_str(),
                 rows[i].bytes);
    write_timing(f, rows[i].t);
    std::fprintf(f, "}");
  }
  std::fprintf(f, "]");
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool write_json(const std::string& file, const DeviceInfo& d, const Results& r) {
  FILE* f = std::fopen(file.c_str(), "w");
  if (!f) return false;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::fprintf(f,
               "{\"format\": \"hwsim-raw-1\",\n \"device\": {\"kind\": \"gpu\", \"name\": %s, \"driver\": %s, "
               "\"cuda\": %s, \"date\": %s, \"host\": %s, \"compute_capability\": \"%d.%d\", \"threads\": 0}",
               json_string(d.prop.name).c_str(), json_string(d.driver).c_str(), json_string(d.cuda).c_str(),
               json_string(today_utc()).c_str(), json_string(host).c_str(), d.prop.major, d.prop.minor);
  std::fprintf(f, ",\n \"gemm\": [");
  for (size_t i = 0; i < r.gemm.size(); ++i) {
    const GemmRow& g = r.gemm[i];
    std::fprintf(f, "%s\n  {\"dtype\": %s, \"m\": %.0f, \"n\": %.0f, \"k\": %.0f, ", i ? "," : "",
                 json_string(g.dtype).c_str(), g.m, g.n, g.k);
    write_timing(f, g.t);
    std::fprintf(f, ", \"note\": %s}", json_string(g.note).c_str());
  }
  std::fprintf(f, "],\n \"skipped\": [");
  for (size_t i = 0; i < r.skipped.size(); ++i) {
    std::fprintf(f, "%s\n  {\"what\": %s, \"reason\": %s}", i ? "," : "", json_string(r.skipped[i].what).c_str(),
                 json_string(r.skipped[i].reason).c_str());
  }
  std::fprintf(f, "]");
  write_transfers(f, "memory", r.memory);
  write_transfers(f, "l2", r.l2);
  write_transfers(f, "pcie", r.pcie);
  write_transfers(f, "p2p", r.p2p);
  std::fprintf(f, ",\n \"launch\": {");
  write_timing(f, r.launch);
  std::fprintf(f, "},\n \"power\": [");
  for (size_t i = 0; i < r.power.size(); ++i) {
    const PowerRow& p = r.power[i];
    std::fprintf(f,
                 "%s\n  {\"phase\": %s, \"seconds\": %.9g, \"energy_j\": %.9g, \"flop\": %.17g, \"bytes\": %.17g, "
                 "\"sm_clock_hz\": %.9g, \"memory_clock_hz\": %.9g}",
                 i ? "," : "", json_string(p.phase).c_str(), p.seconds, p.energy_j, p.flop, p.bytes, p.sm_clock_hz,
                 p.memory_clock_hz);
  }
  std::fprintf(f, "],\n \"notes\": [");
  for (size_t i = 0; i < r.notes.size(); ++i) std::fprintf(f, "%s%s", i ? ", " : "", json_string(r.notes[i]).c_str());
  std::fprintf(f, "]}\n");
  return std::fclose(f) == 0;
}

// Energy of a window from NVML's total-energy counter (1 mJ resolution), falling back to the average of power
// readings every 20 ms when the counter is not supported.
template <class Load>
PowerRow power_window(const Nvml& nvml, const std::string& phase, Load load) {
  PowerRow row{phase, 0, 0, 0, 0, 0, 0};
  const auto e0 = nvml.energy_j();
  const auto start = std::chrono::steady_clock::now();
  bool stop = false;
  double sum_w = 0;
  int samples = 0;
  std::thread sampler([&] {
    while (!stop) {
      if (const auto w = nvml.power_w()) {
        sum_w += *w;
        ++samples;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  load(row);
  row.sm_clock_hz = nvml.sm_clock_hz().value_or(0);
  row.memory_clock_hz = nvml.memory_clock_hz().value_or(0);
  stop = true;
  sampler.join();
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto e1 = nvml.energy_j();
  row.energy_j = e0 && e1 ? *e1 - *e0 : (samples ? sum_w / samples * row.seconds : 0);
  std::fprintf(stderr, "hwsim-probe: power %s: %.0f W over %.1f s\n", phase.c_str(), row.energy_j / row.seconds,
               row.seconds);
  return row;
}

}  // namespace

void measure_power(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r) {
  Nvml nvml;
  char bus[32] = {};
  cudaDeviceGetPCIBusId(bus, sizeof bus, o.gpu);
  if (!nvml.select(bus, static_cast<unsigned>(o.gpu)) || (!nvml.energy_j() && !nvml.power_w())) {
    r.notes.push_back("power: " +
                      (nvml.unavailable().empty() ? std::string("NVML reports no power") : nvml.unavailable()));
    return;
  }
  const double window = o.quick ? 2.0 : 6.0;  // the driver averages power over ~1 s: windows of several seconds
  r.power.push_back(power_window(
      nvml, "idle", [&](PowerRow&) { std::this_thread::sleep_for(std::chrono::duration<double>(window)); }));
  r.power.push_back(power_window(nvml, "gemm", [&](PowerRow& row) {
    std::string dtype;
    row.flop = sustained_gemm(d, stream, window, dtype);
    row.phase = "gemm-" + dtype;
  }));
  r.power.push_back(power_window(nvml, "triad", [&](PowerRow& row) { row.bytes = sustained_triad(stream, window); }));
  r.notes.push_back("power: NVML " + std::string(nvml.energy_j() ? "total-energy counter deltas" : "power readings"));
}

}  // namespace probe

int main(int argc, char** argv) {
  probe::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--gpu" && i + 1 < argc) {
      o.gpu = std::atoi(argv[++i]);
    } else if ((a == "-o" || a == "--output") && i + 1 < argc) {
      o.output = argv[++i];
    } else if (a == "--quick") {
      o.quick = true;
    } else {
      std::fprintf(stderr, "usage: hwsim-probe --gpu N -o RAW.json [--quick]\n");
      return 2;
    }
  }
  if (o.output.empty()) {
    std::fprintf(stderr, "usage: hwsim-probe --gpu N -o RAW.json [--quick]\n");
    return 2;
  }
  probe::DeviceInfo d;
  const cudaError_t e = cudaGetDeviceCount(&d.device_count);
  if (e != cudaSuccess || d.device_count == 0) {
    std::fprintf(stderr, "hwsim-probe: no CUDA device is present (%s)\n",
                 e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    return 2;
  }
  if (o.gpu < 0 || o.gpu >= d.device_count) {
    std::fprintf(stderr, "hwsim-probe: --gpu %d: there are %d CUDA devices (0..%d)\n", o.gpu, d.device_count,
                 d.device_count - 1);
    return 2;
  }
  PROBE_CHECK(cudaSetDevice(o.gpu));
  PROBE_CHECK(cudaGetDeviceProperties(&d.prop, o.gpu));
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  d.cuda = std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10);
  {
    probe::Nvml nvml;
    char bus[32] = {};
    cudaDeviceGetPCIBusId(bus, sizeof bus, o.gpu);
    nvml.select(bus, static_cast<unsigned>(o.gpu));
    d.driver = nvml.driver_version();
    if (d.driver.empty())
      d.driver = "CUDA driver API " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10);
  }
  std::fprintf(stderr, "hwsim-probe: %s (compute capability %d.%d, %d SMs, %.0f MiB L2), driver %s, CUDA %s\n",
               d.prop.name, d.prop.major, d.prop.minor, d.prop.multiProcessorCount, d.prop.l2CacheSize / 1048576.0,
               d.driver.c_str(), d.cuda.c_str());
  cudaStream_t stream = nullptr;
  PROBE_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  probe::Results r;
  // Power first, on a cool idle device; the GEMM window doubles as the device warm-up the sweep needs.
  probe::measure_power(o, d, stream, r);
  probe::measure_launch(o, stream, r);
  probe::measure_memory(o, d, stream, r);
  probe::measure_gemm(o, d, stream, r);
  probe::measure_transfers(o, d, stream, r);
  if (o.quick) r.notes.push_back("--quick: fewer shapes, sizes and repetitions (a smoke test, not a profile)");
  if (!probe::write_json(o.output, d, r)) {
    std::fprintf(stderr, "hwsim-probe: cannot write %s\n", o.output.c_str());
    return 2;
  }
  std::fprintf(stderr, "hwsim-probe: wrote %s\n", o.output.c_str());
  cudaStreamDestroy(stream);
  return 0;
}
