#include "nvml.hpp"

#include <dlfcn.h>

namespace probe {

namespace {

// The NVML C API (docs.nvidia.com/deploy/nvml-api): nvmlReturn_t is an enum (0 = NVML_SUCCESS), nvmlDevice_t an
// opaque pointer, nvmlClockType_t an enum (NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2).
using Return = int;
using Device = void*;
constexpr Return kSuccess = 0;
constexpr int kClockSm = 1;
constexpr int kClockMem = 2;

template <class Fn>
Fn symbol(void* lib, const char* name) {
  return lib ? reinterpret_cast<Fn>(dlsym(lib, name)) : nullptr;
}

}  // namespace

Nvml::Nvml() {
  lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) {
    why_ = "libnvidia-ml.so.1 could not be loaded";
    return;
  }
  const auto init = symbol<Return (*)()>(lib_, "nvmlInit_v2");
  if (!init || init() != kSuccess) {
    why_ = "nvmlInit_v2 failed";
    dlclose(lib_);
    lib_ = nullptr;
  }
}

Nvml::~Nvml() {
  if (!lib_) return;
  if (const auto shutdown = symbol<Return (*)()>(lib_, "nvmlShutdown")) shutdown();
  dlclose(lib_);
}

bool Nvml::select(const std::string& pci_bus_id, unsigned fallback_index) {
  if (!lib_) return false;
  Device d = nullptr;
  const auto by_bus = symbol<Return (*)(const char*, Device*)>(lib_, "nvmlDeviceGetHandleByPciBusId_v2");
  if (!by_bus || by_bus(pci_bus_id.c_str(), &d) != kSuccess) {
    const auto by_index = symbol<Return (*)(unsigned, Device*)>(lib_, "nvmlDeviceGetHandleByIndex_v2");
    if (!by_index || by_index(fallback_index, &d) != kSuccess) d = nullptr;
  }
  device_ = d;
  if (!device_) why_ = "NVML has no handle for the device";
  return device_ != nullptr;
}

std::optional<double> Nvml::energy_j() const {
  const auto f = symbol<Return (*)(Device, unsigned long long*)>(lib_, "nvmlDeviceGetTotalEnergyConsumption");
  unsigned long long mj = 0;
  if (!device_ || !f || f(device_, &mj) != kSuccess) return std::nullopt;
  return static_cast<double>(mj) * 1e-3;
}

std::optional<double> Nvml::power_w() const {
  const auto f = symbol<Return (*)(Device, unsigned*)>(lib_, "nvmlDeviceGetPowerUsage");
  unsigned mw = 0;
  if (!device_ || !f || f(device_, &mw) != kSuccess) return std::nullopt;
  return mw * 1e-3;
}

namespace {
std::optional<double> clock_hz(void* lib, void* device, int type) {
  const auto f = symbol<Return (*)(Device, int, unsigned*)>(lib, "nvmlDeviceGetClockInfo");
  unsigned mhz = 0;
  if (!device || !f || f(device, type, &mhz) != kSuccess) return std::nullopt;
  return mhz * 1e6;
}
}  // namespace

std::optional<double> Nvml::sm_clock_hz() const { return clock_hz(lib_, device_, kClockSm); }
std::optional<double> Nvml::memory_clock_hz() const { return clock_hz(lib_, device_, kClockMem); }

std::string Nvml::name() const {
  const auto f = symbol<Return (*)(Device, char*, unsigned)>(lib_, "nvmlDeviceGetName");
  char buf[96] = {};
  if (!device_ || !f || f(device_, buf, sizeof buf) != kSuccess) return "";
  return buf;
}

std::string Nvml::driver_version() const {
  const auto f = symbol<Return (*)(char*, unsigned)>(lib_, "nvmlSystemGetDriverVersion");
  char buf[96] = {};
  if (!f || f(buf, sizeof buf) != kSuccess) return "";
  return buf;
}

}  // namespace probe
