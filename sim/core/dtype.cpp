#include "sim/core/dtype.hpp"

namespace hwsim {

std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::fp64: return "fp64";
    case DType::fp32: return "fp32";
    case DType::tf32: return "tf32";
    case DType::bf16: return "bf16";
    case DType::fp16: return "fp16";
    case DType::fp8: return "fp8";
    case DType::fp6: return "fp6";
    case DType::fp4: return "fp4";
    case DType::int8: return "int8";
    case DType::int4: return "int4";
  }
  return "?";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (DType d : kAllDTypes) {
    if (dtype_name(d) == name) return d;
  }
  return std::nullopt;
}

std::vector<std::string> dtype_names() {
  std::vector<std::string> out;
  for (DType d : kAllDTypes) out.emplace_back(dtype_name(d));
  return out;
}

int dtype_storage_bits(DType d) {
  switch (d) {
    case DType::fp64: return 64;
    case DType::fp32:
    case DType::tf32: return 32;
    case DType::bf16:
    case DType::fp16: return 16;
    case DType::fp8:
    case DType::int8: return 8;
    case DType::fp6: return 6;
    case DType::fp4:
    case DType::int4: return 4;
  }
  return 32;
}

}  // namespace hwsim
