// Numeric formats of weights, activations and arithmetic. One list for the whole project.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwsim {

enum class DType { fp64, fp32, tf32, bf16, fp16, fp8, fp6, fp4, int8, int4 };

inline constexpr std::array kAllDTypes{DType::fp64, DType::fp32, DType::tf32, DType::bf16, DType::fp16,
                                       DType::fp8,  DType::fp6,  DType::fp4,  DType::int8, DType::int4};

std::string_view dtype_name(DType d);
std::optional<DType> dtype_from_name(std::string_view name);
std::vector<std::string> dtype_names();
// Storage bits per element (tf32 is stored as 32-bit).
int dtype_storage_bits(DType d);
// Bits of the arithmetic element for SIMD lane counts (tf32 counts as 32).
inline double dtype_bytes(DType d) { return dtype_storage_bits(d) / 8.0; }

}  // namespace hwsim
