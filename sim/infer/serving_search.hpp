// Serving configuration search (`parallelism: auto` for inference): every tensor-parallel degree (a power of two inside
// a node that splits the heads and KV heads) x pipeline stages (1, 2, 4, 8, at most the layers) x, for a mixture of
// experts, expert-parallel degree (every divisor of the experts that divides tp: serving_expert_parallelism_error)
// that the deployment's devices hold, with the replicas the devices leave and the batch chosen as for `batch: auto`
// (the largest that fits and meets the SLA). Ranked: configurations that meet the SLA (or have none) before those that
// do not, then by throughput. CPUs: tp 1 (no tensor parallelism across sockets).
#pragma once

#include <vector>

#include "sim/infer/inference.hpp"

namespace hwsim {

struct ServingCandidate {
  int tp = 1;
  int pp = 1;
  int ep = 1;
  InferenceResult result;
};

struct ServingSearch {
  std::vector<ServingCandidate> top;  // best first, at most top_n, only configurations that fit
  long long configurations = 0;       // evaluated
  double seconds = 0;
};

ServingSearch search_serving(const InferenceConfig& base, const System& system, const EfficiencyModel& efficiency,
                             int top_n);

}  // namespace hwsim
