// Workload keys that the training and inference schemas declare alike (sim/scenario/scenario_schema.cpp), for the
// schema files of this folder only.
#pragma once

#include <vector>

#include "sim/core/schema.hpp"

namespace hwsim {

// name, kind, model, dtype and the throughput target: every workload's.
std::vector<KeyDecl> common_workload_keys();
// Tensor parallelism and pipeline stages, declared once for training, inference and disaggregated serving's pools.
KeyDecl tensor_parallel_key();
KeyDecl pipeline_parallel_key();
// Expert parallelism, declared once for training and inference.
KeyDecl expert_parallel_key();
// Tokens the busiest expert-parallel rank receives over the mean.
KeyDecl expert_imbalance_key();

}  // namespace hwsim
