// NVML through dlopen("libnvidia-ml.so.1"): the header is not installed on the GPU machine, so the few functions
// used are declared here by their documented C signatures. Contract: every call degrades to "not available"
// (std::nullopt / empty) when the library or the function is missing or returns an error.
#pragma once

#include <optional>
#include <string>

namespace probe {

class Nvml {
 public:
  Nvml();
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Selects the device by PCI bus id (CUDA and NVML may number devices differently).
  bool select(const std::string& pci_bus_id, unsigned fallback_index);
  [[nodiscard]] bool ready() const { return device_ != nullptr; }
  [[nodiscard]] std::string unavailable() const { return why_; }

  [[nodiscard]] std::optional<double> energy_j() const;  // total since driver load
  [[nodiscard]] std::optional<double> power_w() const;   // the driver's averaged reading
  [[nodiscard]] std::optional<double> sm_clock_hz() const;
  [[nodiscard]] std::optional<double> memory_clock_hz() const;
  [[nodiscard]] std::string name() const;
  [[nodiscard]] std::string driver_version() const;

 private:
  void* lib_ = nullptr;
  void* device_ = nullptr;
  std::string why_;
};

}  // namespace probe
