#include "sim/plan/result.hpp"

namespace hwsim {

std::optional<double> Result::metric(const std::string& key) const {
  for (const auto& m : metrics) {
    if (m.key == key) return m.value;
  }
  return std::nullopt;
}

}  // namespace hwsim
